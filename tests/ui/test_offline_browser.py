"""Filing with no network, in a real browser (Debian's chromium through Playwright) on the whole
ASGI application, at the two tablet sizes: the service worker opens the filing page offline, two
drafts are kept on the device, the one sent offline waits and goes when the network returns — one
case, with its photo —, and what identified the parties is gone from the device once it is filed.
A submission whose answers are lost is sent again and still makes one case and one attachment.
Screenshots go to test-artifacts/.
"""
from __future__ import annotations

import pytest

from casework.models import Attachment, Case
from tests.ui.browser import BROWSER, camera_photo, keep_screenshot, orm, sign_in, whole_app
from tests.ui.test_csp_browser import RECORD_VIOLATIONS

pytestmark = BROWSER
SECONDS = 1000
SIZES = [pytest.param((800, 1280), id="portrait"), pytest.param((1280, 800), id="landscape")]

# The device's store, as offline.js keeps it: every draft record and every photo (without the Blob).
READ_STORE = """
() => new Promise((resolve, reject) => {
  const open = indexedDB.open("fengqiao-offline");
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const t = open.result.transaction(["drafts", "photos"], "readonly");
    const drafts = t.objectStore("drafts").getAll();
    const photos = t.objectStore("photos").getAll();
    t.oncomplete = () => resolve({
      drafts: drafts.result,
      photos: photos.result.map((p) => ({id: p.id, draft: p.draft, size: p.size, originalSize: p.originalSize})),
    });
  };
})
"""
SW_READY = """
async () => {
  if (!navigator.serviceWorker.controller) return false;
  const names = await caches.keys();
  const pages = names.find((n) => n.startsWith("fq-pages-"));
  return Boolean(pages && await (await caches.open(pages)).match("/cases/new/"));
}
"""


class CountingApp:
    """The ASGI app, counting the HTTP requests for each path: what the browser really sent."""

    def __init__(self, app) -> None:
        self.app, self.hits = app, {}

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            self.hits[scope["path"]] = self.hits.get(scope["path"], 0) + 1
        await self.app(scope, receive, send)


@pytest.fixture
def server(transactional_db):
    """The whole application, counting the HTTP requests that reach it (`hits`)."""
    from demo.topology import load_topology
    from tests.live import LiveASGIServer

    load_topology()
    counting = None

    def count(pages):
        nonlocal counting
        counting = CountingApp(pages)
        return counting

    with LiveASGIServer(app=whole_app(http=count)) as live:
        live.hits = counting.hits
        yield live




def signed_in(chromium, url: str, size: tuple[int, int], **options):
    """grid1's page at `size`, recording CSP violations."""
    return sign_in(chromium, url, "grid1", viewport={"width": size[0], "height": size[1]},
                   init_scripts=[RECORD_VIOLATIONS], **options)




def fill_draft(page, title: str, applicant: str, respondent: str) -> None:
    page.fill("#id_title", title)
    page.select_option("#id_dispute_type", "neighborhood")
    page.fill("#id_description", f"{applicant}与{respondent}因楼道堆物发生争执，多次协商未果。")
    page.fill("#id_parties-0-name", applicant)
    page.fill("#id_parties-0-phone", "13800138000")
    page.fill("#id_parties-1-name", respondent)


def listed(page, group: str) -> list[str]:
    return page.locator(f"[data-list={group}] .offline-title").all_inner_texts()


@pytest.mark.parametrize("size", SIZES)
def test_two_drafts_offline_and_the_one_sent_is_filed_once_with_its_photo(server, chromium, size):
    tag = f"{size[0]}x{size[1]}"
    # given grid1 on the filing page with the network: the service worker installs and keeps it
    page = signed_in(chromium, server.url, size)
    page.goto(server.url + "/cases/new/")
    page.wait_for_function(SW_READY, timeout=20 * SECONDS)
    page.wait_for_selector("#offline-panel[data-ready]")
    assert "在线" in page.inner_text("[data-network]")
    keep_screenshot(page, f"offline-filing-online-{tag}.png")

    # when the network goes and the page is opened again
    page.context.set_offline(True)
    hits = server.hits.get("/cases/new/", 0)
    response = page.reload()

    # then the service worker served it, the server never saw the request, and the page says so
    assert response.from_service_worker
    assert server.hits.get("/cases/new/", 0) == hits
    page.wait_for_selector("#offline-panel[data-ready]")
    assert "无网络" in page.inner_text("[data-network]")

    # when two drafts are typed, the second with a camera photo
    fill_draft(page, "楼道堆物纠纷（一）", "张三", "李四")
    page.wait_for_function("() => document.querySelectorAll('[data-list=drafts] li').length === 1")
    page.get_by_role("button", name="新草稿").click()
    page.wait_for_function("() => document.querySelector('#id_title').value === ''")
    fill_draft(page, "楼道堆物纠纷（二）", "王五", "赵六")
    photo = camera_photo()
    page.set_input_files("#draft-photo-input", files=[{"name": "IMG_0001.jpg", "mimeType": "image/jpeg",
                                                       "buffer": photo}])
    page.wait_for_selector("[data-photos] img", timeout=20 * SECONDS)

    # then both are listed as drafts, and the photo is kept shrunk
    page.wait_for_function("() => document.querySelectorAll('[data-list=drafts] li').length === 2")
    assert sorted(listed(page, "drafts")) == ["楼道堆物纠纷（一）", "楼道堆物纠纷（二）"]
    stored = page.evaluate(READ_STORE)
    assert len(stored["photos"]) == 1
    assert stored["photos"][0]["originalSize"] == len(photo) and stored["photos"][0]["size"] < len(photo) / 2

    # when the second is filed with no network
    page.get_by_role("button", name="提交登记").click()

    # then it waits to be sent, nothing reached the server, and the form is ready for the next
    page.wait_for_function("() => document.querySelectorAll('[data-list=queued] li').length === 1")
    assert listed(page, "queued") == ["楼道堆物纠纷（二）"]
    assert listed(page, "drafts") == ["楼道堆物纠纷（一）"]
    assert "等待" in page.inner_text("[data-list=queued]")
    assert page.input_value("#id_title") == ""
    assert orm(lambda: Case.objects.count()) == 0
    keep_screenshot(page, f"offline-filing-queued-{tag}.png")

    # when the network returns
    page.context.set_offline(False)

    # then it is sent: listed under 已发送 with its number, linked to the case
    page.wait_for_function("() => document.querySelectorAll('[data-list=sent] li').length === 1",
                           timeout=30 * SECONDS)
    assert listed(page, "queued") == []
    case = orm(lambda: Case.objects.get(title="楼道堆物纠纷（二）"))
    sent = page.locator("[data-list=sent] a")
    assert case.number in sent.inner_text()
    assert sent.get_attribute("href") == f"/cases/{case.pk}/"
    keep_screenshot(page, f"offline-filing-sent-{tag}.png")

    # and the server has exactly one such case, with the photo, and nothing of the other draft
    assert orm(lambda: Case.objects.count()) == 1
    attachments = orm(lambda: list(Attachment.objects.filter(case=case).values("original_name", "size",
                                                                                   "content_type")))
    assert len(attachments) == 1
    assert attachments[0]["content_type"] == "image/jpeg" and attachments[0]["size"] < len(photo) / 2
    assert orm(lambda: sorted(case.parties.values_list("name", flat=True))) == ["王五", "赵六"]

    # and on the device the filed case keeps only its number, title, time and link; the draft is whole
    stored = page.evaluate(READ_STORE)
    by_title = {d["title"]: d for d in stored["drafts"]}
    filed = by_title["楼道堆物纠纷（二）"]
    assert filed["state"] == "sent" and filed["caseNumber"] == case.number
    assert "fields" not in filed
    assert not any(text in str(filed) for text in ("王五", "赵六", "13800138000", "楼道堆物发生争执"))
    assert stored["photos"] == []
    kept = by_title["楼道堆物纠纷（一）"]
    assert kept["state"] == "draft" and kept["fields"]["parties-0-name"] == "张三"
    assert listed(page, "drafts") == ["楼道堆物纠纷（一）"]
    assert page.evaluate("window.__csp") == []


def test_a_submission_whose_answers_are_lost_is_sent_again_and_files_once(server, chromium):
    # given grid1 on the filing page (no service worker: the browser's own routing decides what
    # the page sees), with a draft and a photo
    page = signed_in(chromium, server.url, (1280, 800), service_workers="block")
    page.goto(server.url + "/cases/new/")
    page.wait_for_selector("#offline-panel[data-ready]")
    fill_draft(page, "漏水纠纷（重发）", "孙七", "周八")
    page.set_input_files("#draft-photo-input", files=[{"name": "leak.jpg", "mimeType": "image/jpeg",
                                                       "buffer": camera_photo(1600, 1200)}])
    page.wait_for_selector("[data-photos] img", timeout=20 * SECONDS)
    key = page.input_value("input[name=idempotency_key]")

    # and a network that loses the first answer of each upload after the server has handled it
    lost = []

    def lose_answer(route):
        route.fetch()  # the server files the case / stores the photo
        lost.append(route.request.url)
        route.abort("connectionreset")

    page.route("**/api/v1/cases/", lose_answer, times=1)
    page.route("**/api/v1/cases/*/attachments/", lose_answer, times=1)

    # when it is filed: the case is made, but the page never hears of it, and it waits
    page.get_by_role("button", name="提交登记").click()
    page.wait_for_selector("#send-status:not([hidden])")
    assert listed(page, "queued") == ["漏水纠纷（重发）"]
    assert orm(lambda: Case.objects.count()) == 1

    # when the sender runs again (as on the network's return): the photo's answer is lost in turn
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_function("() => document.querySelectorAll('[data-list=queued] li').length === 1 && "
                           "/已登记/.test(document.querySelector('[data-list=queued]').innerText)")
    assert len(lost) == 2

    # and once more: everything answers
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_function("() => document.querySelectorAll('[data-list=sent] li').length === 1",
                           timeout=30 * SECONDS)

    # then one case, filed with the draft's key, and one attachment, though each was sent twice
    case = orm(lambda: Case.objects.get())
    assert orm(lambda: case.idempotencykey_set.get().key) == key
    assert orm(lambda: Attachment.objects.filter(case=case).count()) == 1
    assert orm(lambda: case.events.filter(action="attach").count()) == 1
    assert server.hits[f"/api/v1/cases/{case.pk}/attachments/"] == 2
    assert server.hits["/api/v1/cases/"] == 2


def test_signing_out_drops_the_kept_filing_page(server, chromium):
    # given grid1's filing page kept by the service worker
    page = signed_in(chromium, server.url, (800, 1280))
    page.goto(server.url + "/cases/new/")
    page.wait_for_function(SW_READY, timeout=20 * SECONDS)

    # and other pages go through the worker to the network as ever, redirects included (home → 我的案件)
    response = page.goto(server.url + "/")
    assert response.status == 200 and page.url.endswith("/my-cases/")

    # when grid1 signs out
    page.get_by_role("button", name="退出").click()
    page.wait_for_url("**/login/")

    # then no kept page is left for whoever takes the tablet next; the assets stay
    names = page.evaluate("caches.keys()")
    assert any(name.startswith("fq-static-") for name in names)
    kept = page.evaluate("""async () => {
      for (const name of await caches.keys()) {
        if (await (await caches.open(name)).match("/cases/new/")) return name;
      }
      return null;
    }""")
    assert kept is None

    # and offline, the filing page is not there to open
    page.context.set_offline(True)
    response = page.goto(server.url + "/cases/new/")
    assert response.status == 503 and "无网络" in page.inner_text("h1")


def test_a_case_the_server_refuses_goes_back_to_the_drafts_with_its_errors(server, chromium):
    # given grid1 on the filing page, a draft with no dispute type and a bad phone number
    page = signed_in(chromium, server.url, (800, 1280), service_workers="block")
    page.goto(server.url + "/cases/new/")
    page.wait_for_selector("#offline-panel[data-ready]")
    fill_draft(page, "界址纠纷（待更正）", "钱九", "吴十")
    page.select_option("#id_dispute_type", "")
    page.fill("#id_parties-0-phone", "12345")

    # when it is sent
    page.get_by_role("button", name="提交登记").click()

    # then nothing is filed: the draft is back in the form, the fields marked, the draft kept
    page.wait_for_selector("#send-errors:not([hidden])")
    assert "案件未登记" in page.inner_text("#send-errors")
    assert page.locator("#id_dispute_type").locator("xpath=ancestor::div[contains(@class,'field')]")\
        .locator(".errorlist").count() == 1
    assert page.locator("#id_parties-0-phone").locator("xpath=ancestor::div[contains(@class,'field')]")\
        .locator(".errorlist").count() == 1
    assert page.input_value("#id_title") == "界址纠纷（待更正）"
    assert listed(page, "drafts") == ["界址纠纷（待更正）"] and listed(page, "queued") == []
    assert orm(lambda: Case.objects.count()) == 0
    keep_screenshot(page, "offline-filing-refused-800x1280.png")

    # when it is corrected and sent again
    page.select_option("#id_dispute_type", "housing_homestead")
    page.fill("#id_parties-0-phone", "13800138000")
    page.get_by_role("button", name="提交登记").click()

    # then it is filed, and the case page opens
    page.wait_for_url("**/cases/*/?filed=1")
    assert orm(lambda: Case.objects.get().title) == "界址纠纷（待更正）"
