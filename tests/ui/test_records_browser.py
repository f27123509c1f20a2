"""A mediator's records in a real browser (Debian's chromium through Playwright), at both tablet
sizes: a session, an agreement signed by both parties and sealed, its print page, the judicial
confirmation request, and a 12-megapixel camera photo shrunk on the tablet before upload and shown
as a thumbnail. Screenshots of the case page and the print page go to test-artifacts/.

The clock is not frozen (the session cookie would expire): dates are taken from today.
"""
from __future__ import annotations

import datetime as dt

import pytest
from PIL import Image

from casework import clock
from casework.choices import Status
from casework.models import Attachment, Case
from mediation.models import JudicialConfirmationRequest, MediationSession
from tests.conftest import bring_to, days_from_today
from tests.ui.browser import BROWSER, camera_photo, keep_screenshot, orm, sign_in
from tests.ui.test_csp_browser import RECORD_VIOLATIONS

pytestmark = BROWSER
SECONDS = 1000
VIEWPORTS = [(800, 1280), (1280, 800)]
COURT = "诸暨市人民法院枫桥人民法庭"




@pytest.fixture(scope="module")
def photo() -> bytes:
    return camera_photo()




def open_record(page, name: str) -> None:
    details = page.locator(f"#rec-{name}")
    if details.get_attribute("open") is None:
        details.locator("summary").click()


def submit(page, selector: str) -> None:
    with page.expect_navigation():
        page.locator(selector).locator("button[type=submit]").click()


def success(page) -> str:
    return page.locator(".msg-success").first.inner_text()


@pytest.mark.parametrize(("width", "height"), VIEWPORTS)
def test_a_mediator_records_a_day_of_work_on_the_tablet(site, chromium, photo, width, height):
    # given a case in village mediation of mediator1's village
    case = orm(lambda: bring_to(Status.VILLAGE_MEDIATION))
    parties = orm(lambda: list(case.parties.order_by("pk").values_list("pk", "role")))
    respondent = next(pk for pk, role in parties if role == "respondent")
    page = sign_in(chromium, site, "mediator1", viewport={"width": width, "height": height},
                   init_scripts=[RECORD_VIOLATIONS])
    page.set_default_timeout(20 * SECONDS)
    case_url = f"{site}/cases/{case.pk}/"
    page.goto(case_url)

    # when the mediator records a session, adding a village cadre to the parties who attended
    open_record(page, "session")
    held = (clock.now() - dt.timedelta(hours=1)).astimezone(dt.timezone(dt.timedelta(hours=8)))
    page.fill("input[name=session-held_at]", held.strftime("%Y-%m-%dT%H:%M"))
    page.fill("input[name=session-place]", "枫源村人民调解室")
    page.click("#rec-session [data-add-row=session-attendees]")
    page.fill("input[name=session-attendees-2-name]", "王村委")
    page.fill("input[name=session-attendees-2-role]", "村干部")
    page.fill("textarea[name=session-statements]", "申请人称楼上漏水三个月未修；被申请人同意承担维修费。")
    page.fill("textarea[name=session-result]", "双方同意签订调解协议。")
    submit(page, "#rec-session")
    # then it is recorded and listed on the page
    assert "调解笔录已保存" in success(page)
    assert page.locator("text=枫源村人民调解室").count() >= 1
    session = orm(lambda: MediationSession.objects.get(case_id=case.pk))
    assert [a["name"] for a in session.attendees][-1] == "王村委"

    # when the agreement is recorded (art. 35's contents), then both signatures and the seal
    page.locator("#act-record_agreement summary").click()
    page.fill("textarea[name=record_agreement-facts]", "楼上卫生间漏水致楼下厨房吊顶受损。")
    page.fill("textarea[name=record_agreement-responsibilities]", "被申请人负全部责任。")
    page.fill("textarea[name=record_agreement-terms]", "被申请人赔偿申请人维修费800元。")
    page.fill("[name=record_agreement-obligations-0-description]", "支付维修费800元")
    page.fill("input[name=record_agreement-obligations-0-due_date]", days_from_today(10).isoformat())
    page.select_option("select[name=record_agreement-obligations-0-party]", str(respondent))
    submit(page, "#act-record_agreement")
    assert page.locator("#agreement table.signatures").inner_text().count("未签名") == 2
    open_record(page, "agreement_sign")
    for pk, _role in parties:
        page.check(f"input[name=agreement_sign-signed_{pk}]")
    page.check("input[name=agreement_sign-sealed]")
    submit(page, "#rec-agreement_sign")
    assert "签名和盖章已登记" in success(page)
    signatures = page.locator("#agreement table.signatures").inner_text()
    assert "未签名" not in signatures and "未盖章" not in signatures and "已盖章" in signatures
    assert orm(lambda: Case.objects.get(pk=case.pk).agreements.get().in_force)
    keep_screenshot(page, f"records-case-agreement-{width}x{height}.png")

    # and opens the print page
    with page.expect_navigation():
        page.locator("#agreement a[href$='/agreement/print/']").click()
    page.wait_for_selector(".sheet")
    assert "人民调解协议书" in page.content()
    keep_screenshot(page, f"records-agreement-print-{width}x{height}.png")
    page.go_back()

    # when the parties' joint request for judicial confirmation is filed
    open_record(page, "confirmation_request")
    page.fill("input[name=confirmation_request-court]", COURT)
    submit(page, "#rec-confirmation_request")
    assert "司法确认申请已登记" in success(page)
    assert orm(lambda: JudicialConfirmationRequest.objects.get(agreement__case_id=case.pk).court) == COURT

    # when a 12-megapixel photo is taken with the camera input
    camera = page.locator("input[name=attachment-file]")
    assert camera.get_attribute("capture") == "environment"
    assert camera.get_attribute("accept") == "image/*,application/pdf"
    open_record(page, "attachment")
    camera.set_input_files(files=[{"name": "现场照片.jpg", "mimeType": "image/jpeg", "buffer": photo}])
    with page.expect_navigation(timeout=60 * SECONDS):
        page.locator("#rec-attachment button[type=submit]").click()
    # then its thumbnail is shown, drawn from a small JPEG
    thumbnail = page.locator("#attachments img.thumbnail")
    thumbnail.scroll_into_view_if_needed()  # it loads lazily
    page.wait_for_function("() => { const i = document.querySelector('#attachments img.thumbnail');"
                           " return i && i.complete && i.naturalWidth > 0; }")
    assert 0 < page.evaluate("document.querySelector('#attachments img.thumbnail').naturalWidth") <= 320
    # and the file the server stored was shrunk on the tablet: smaller, at most 2048 px
    stored = orm(lambda: Attachment.objects.get(case_id=case.pk))
    assert stored.size < len(photo) and stored.content_type == "image/jpeg"
    with stored.file.open("rb") as f:
        assert max(Image.open(f).size) <= 2048
    keep_screenshot(page, f"records-case-{width}x{height}.png")

    # and nothing broke the Content-Security-Policy along the way
    assert page.evaluate("window.__csp || []") == []
    page.context.close()
