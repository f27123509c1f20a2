"""Raising a case's risk level from its page, in a real browser (Debian's chromium through Playwright)."""
from __future__ import annotations

from casework.models import Case
from flows.models import Notification
from tests.ui.browser import BROWSER, orm, sign_in

pytestmark = BROWSER


def test_the_committee_head_raises_a_case_to_high_risk_from_its_page(site, chromium):
    # given a case grid1 filed as of normal risk
    from tests.conftest import file_case

    case = orm(file_case)

    # when the committee head opens its page, the 上调风险等级 form, picks 重大 and gives a reason
    page = sign_in(chromium, site, "head1")
    page.goto(f"{site}/cases/{case.pk}/")
    page.click("#act-raise-risk summary")
    page.check("#act-raise-risk input[name='risk-risk_level'][value='high']")
    page.fill("#id_risk-reason", "当事人扬言要动手，有民转刑风险")
    page.click("#act-raise-risk button[type=submit]")
    page.wait_for_load_state()

    # then the case is high-risk at township triage, the page says so, and the county heard of it
    def then():
        fresh = Case.objects.get(pk=case.pk)
        county = Notification.objects.filter(case=fresh, kind="high_risk", recipient__username="county1").count()
        return fresh.risk_level, fresh.status, county

    assert orm(then) == ("high", "township_triage", 1)
    assert "风险等级已上调" in page.inner_text(".messages")
    assert "当事人扬言要动手，有民转刑风险" in page.inner_text("body")
    # and the form is offered no more: a case at 重大 cannot go higher
    assert page.locator("#act-raise-risk").count() == 0
