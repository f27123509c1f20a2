"""For older users (适老化), in a real browser (Debian's chromium through Playwright) at both tablet
sizes: every link and button in the main lists of the inbox, the case search and my cases is a
tap target at least 48 px high and wide; the text-size control enlarges the page's root font and
the choice survives a reload; the header's bell counts what is unread. Screenshots of the
notifications, the flow chart and the inbox at both sizes go to test-artifacts/.

The clock is not frozen: the browser keeps the session cookie only until the expiry the server
gives it. Nothing below depends on the date.
"""
from __future__ import annotations

import pytest

from casework.choices import Status
from tests.conftest import bring_to, file_case
from tests.search.engines import index_now
from tests.ui.browser import BROWSER, keep_screenshot, orm, sign_in

pytestmark = BROWSER
SECONDS = 1000  # Playwright counts milliseconds
TAP = 48  # px: the smallest touch target
SIZES = {"portrait": (800, 1280), "landscape": (1280, 800)}

# What a person can tap in the page's lists (and the header's menu and controls): its size and name.
TARGETS = """(selector) => [...document.querySelectorAll(selector)]
  .filter((el) => el.getClientRects().length > 0)
  .map((el) => {
    const box = el.getBoundingClientRect();
    return {name: (el.textContent || el.value || "").trim().replace(/\\s+/g, " ").slice(0, 40),
            height: box.height, width: box.width};
  })"""
HEADER = "header.top a, header.top button"
LISTS = {
    "/inbox/": "main .tabs a, main table.list a, main table.list button",
    "/search/?q=%E6%BC%8F%E6%B0%B4": "main .results-list a, main .facets a, main ul.chosen a, main button",
    "/my-cases/": "main table.list a, main .page-head a",
}
USERS = {"/inbox/": "mediator1", "/search/?q=%E6%BC%8F%E6%B0%B4": "head1", "/my-cases/": "grid1"}


@pytest.fixture
def site(search_index, live_site) -> str:
    """The whole application on a free port, demo data committed, its own search index."""
    return live_site.url




def too_small(page, selector: str) -> list[dict]:
    found = page.evaluate(TARGETS, selector)
    assert found, selector
    return [t for t in found if t["height"] < TAP - 0.5 or t["width"] < TAP - 0.5]


def root_font_px(page) -> float:
    return page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")


@pytest.mark.parametrize("size", SIZES)
def test_list_targets_are_48px_and_the_text_size_is_remembered(site, chromium, size):
    # given cases in the lists: one assigned to mediator1 (who is told of it), one more of the
    # grid, both found by the search for 漏水
    def given():
        bring_to(Status.VILLAGE_MEDIATION)
        file_case(title="楼上漏水纠纷")
        index_now()
    orm(given)
    width, height = SIZES[size]

    for url, selector in LISTS.items():
        # when the page's user opens it on a tablet of that size
        page = sign_in(chromium, site, USERS[url])
        page.set_viewport_size({"width": width, "height": height})
        page.goto(site + url)
        page.wait_for_load_state("networkidle")

        # then every link and button of its lists, and of the header, is at least 48 × 48 px
        assert too_small(page, selector) == [], (url, size)
        assert too_small(page, HEADER) == [], (url, size)
        keep_screenshot(page, f"roles-{url.strip('/').split('/')[0].split('?')[0]}-{width}x{height}.png")

    # and the mediator's bell counts their unread notification
    page = sign_in(chromium, site, "mediator1")
    page.set_viewport_size({"width": width, "height": height})
    page.goto(site + "/inbox/")
    assert page.locator("header [data-unread]").inner_text() == "1"
    # and counts one more, with no reload, when another case is assigned to them
    orm(lambda: bring_to(Status.VILLAGE_MEDIATION))
    page.wait_for_function("() => document.querySelector('header [data-unread]').textContent === '2'",
                           timeout=10 * SECONDS)
    # and the list shows both, unread, at that size too
    page.locator("header a.bell").click()
    page.wait_for_url("**/notifications/")
    assert page.locator(".notification.unread").count() == 2
    assert too_small(page, "main .notifications a, main .notifications button") == []
    keep_screenshot(page, f"roles-notifications-{width}x{height}.png")

    # and the flow chart is drawn inside the frame, the image loaded
    page.goto(site + "/flow/")
    page.wait_for_function("() => { const i = document.querySelector('.flow-chart img');"
                           " return i && i.complete && i.naturalWidth > 0; }")
    keep_screenshot(page, f"roles-flow-{width}x{height}.png")

    # when the mediator chooses 特大 (extra large) in the header on the inbox
    page.goto(site + "/inbox/")
    standard = root_font_px(page)
    page.locator("header button[data-size=xlarge]").click()
    page.wait_for_load_state()

    # then the root font grows, and stays grown after a reload and on the next page
    larger = root_font_px(page)
    assert larger > standard * 1.25, (standard, larger)
    page.reload()
    assert root_font_px(page) == larger
    page.goto(site + "/search/")
    assert root_font_px(page) == larger
    assert page.locator("header button[data-size=xlarge]").get_attribute("aria-pressed") == "true"
    page.goto(site + "/inbox/")
    assert too_small(page, LISTS["/inbox/"]) == []
    keep_screenshot(page, f"roles-inbox-xlarge-{width}x{height}.png")

    # and 标准 brings it back
    page.locator("header button[data-size=standard]").click()
    page.wait_for_load_state()
    assert root_font_px(page) == standard
