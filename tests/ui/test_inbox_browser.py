"""The assigned mediator's inbox in a real browser (Debian's chromium through Playwright): the
committee head names mediators on the case page, and each one told 指派给您 finds the case in
我的任务. A screenshot of the inbox is kept in test-artifacts/."""
from __future__ import annotations

from casework.models import Case
from tests.conftest import file_case, user
from tests.ui.browser import ARTIFACTS, BROWSER, orm, sign_in

pytestmark = BROWSER
SECONDS = 1000  # Playwright counts milliseconds


def test_a_mediator_the_head_names_finds_the_case_in_my_tasks(site, chromium):
    # given a dispute grid1 filed, waiting for 枫源村's committee
    case = orm(lambda: file_case(title="宅基地界址纠纷"))

    # when the head accepts it on the case page, ticking mediator1 beside themselves (ticked by default)
    head = sign_in(chromium, site, "head1")
    head.goto(f"{site}/cases/{case.pk}/")
    head.click("#act-accept summary")
    accept = head.locator("#act-accept form")
    assert accept.get_by_label("陈主任").is_checked()
    accept.get_by_label("赵调解").check()
    accept.locator("button[type=submit]").click()
    head.wait_for_load_state()
    status = orm(lambda: Case.objects.get(pk=case.pk).status)
    assert status == "village_mediation", head.inner_text(".messages")

    # then mediator1 was told 指派给您
    kinds = orm(lambda: list(user("mediator1").notifications.filter(case_id=case.pk).values_list("kind", flat=True)))
    assert kinds == ["assigned"]

    # and when mediator1 signs in, their inbox opens on 我的任务 with the case listed and counted
    mediator = sign_in(chromium, site, "mediator1")
    mediator.goto(f"{site}/inbox/")
    mine = mediator.locator(".tabs a[href='?view=mine']")
    assert mine.get_attribute("aria-current") == "page"
    assert mine.locator(".count").inner_text() == "1"
    row = mediator.locator("table.inbox tbody tr", has=mediator.locator(f"a.case-no:text-is('{case.number}')"))
    assert row.count() == 1
    assert row.locator("a[href$='#act-record_agreement']").count() == 1  # and may mediate it from there

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    mediator.screenshot(path=str(ARTIFACTS / "mediator-inbox-assigned.png"), full_page=True)

    # and the API, in the same session, says the same: the case is assigned to mediator1
    listed = mediator.evaluate("""async () => {
        const r = await fetch('/api/v1/cases/?assigned_to_me=true', {headers: {Accept: 'application/json'}});
        return (await r.json()).results.map(c => c.number);
    }""")
    assert listed == [case.number]
