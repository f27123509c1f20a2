"""The parties' code (解纷码) in a real browser (Debian's chromium through Playwright), at both
tablet sizes, portrait 800×1280 and landscape 1280×800: the committee head prints the receipt;
a party opens the page of a closed case, sees its stage and nothing personal, and rates the
handling through the form (its CSRF token and all); a revoked code is a 404. No page breaks the
Content-Security-Policy. Screenshots go to test-artifacts/.
"""
from __future__ import annotations

import pytest

from actions import services
from casework.models import PartyCode
from tests.conftest import PHONE, VALID_ID, bring_to, user
from tests.ui.browser import BROWSER, keep_screenshot, orm, sign_in
from tests.ui.test_csp_browser import RECORD_VIOLATIONS

pytestmark = BROWSER
VIEWPORTS = {"portrait": {"width": 800, "height": 1280}, "landscape": {"width": 1280, "height": 800}}


@pytest.fixture
def server(live_site) -> str:
    return live_site.url






@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_the_receipt_prints_and_a_party_follows_and_rates_a_closed_case(server, chromium, size):
    viewport = VIEWPORTS[size]
    # given a closed case of 枫源村 (withdrawn at the village) and its code
    case = orm(lambda: bring_to("closed"))
    code = orm(lambda: PartyCode.objects.in_force().get(case=case).display)

    # when the committee head follows the case page's link to the receipt
    head = sign_in(chromium, server, "head1", viewport=viewport, init_scripts=[RECORD_VIOLATIONS])
    head.goto(f"{server}/cases/{case.pk}/")
    head.get_by_role("link", name="打印回执").click()
    head.wait_for_url(f"**/cases/{case.pk}/receipt/")

    # then it shows the code in large type and its QR code, and prints on A5 without the toolbar
    assert head.locator(".code").inner_text() == code
    assert head.locator(".qr svg").bounding_box()["width"] > 100
    keep_screenshot(head, f"party-code-receipt-{size}.png")
    head.emulate_media(media="print")
    assert not head.locator(".toolbar").is_visible()
    head.emulate_media(media="screen")
    assert head.evaluate("window.__csp") == []

    # when a party, not signed in, opens the code's page
    party = sign_in(chromium, server, None, viewport=viewport, init_scripts=[RECORD_VIOLATIONS])
    response = party.goto(f"{server}/p/{code}/")

    # then it shows the stage and the body that last handled the case, and nothing personal
    assert response.status == 200
    text = party.locator("body").inner_text()
    assert "已结案" in text and "调解委员会" in text
    for secret in ("张三", "李四", VALID_ID, PHONE, case.title, case.address):
        assert secret not in text
    keep_screenshot(party, f"party-code-page-closed-{size}.png")

    # when they rate it 基本满意 with a comment, through the form
    party.get_by_label("基本满意").check()
    party.get_by_label("您想告诉我们的话（选填）").fill("调解员很耐心")
    party.get_by_role("button", name="提交评价").click()
    party.wait_for_url(f"**/p/{code}/?rated=1#rating")

    # then the page thanks them, shows their answer and no longer offers the form
    assert "您的评价已收到" in party.locator("#rating").inner_text()
    assert "基本满意" in party.locator("#rating").inner_text()
    assert party.locator("form").count() == 0
    assert orm(lambda: case.party_ratings.get().satisfaction) == "basically_satisfied"
    keep_screenshot(party, f"party-code-page-rated-{size}.png")
    assert party.evaluate("window.__csp") == []

    # and once the code is revoked, its page is a 404
    orm(lambda: services.case_revoke_party_code(case_id=case.pk, actor=user("head1")))
    assert party.goto(f"{server}/p/{code}/").status == 404
