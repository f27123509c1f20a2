"""Case search in a real browser (Debian's chromium through Playwright) on the whole ASGI
application, with a fresh embedded search index. Screenshots of the pages are kept in
test-artifacts/.

The clock is not frozen here: the browser keeps the session cookie only until the expiry the
server gives it, which a frozen clock would put in the past. Nothing below depends on the date.
"""
from __future__ import annotations

import re

import pytest

from tests.conftest import file_case
from tests.live import LiveASGIServer
from tests.search.engines import index_now
from tests.ui.browser import ARTIFACTS, BROWSER, orm, sign_in
from tests.ui.search_helpers import settled_case

pytestmark = BROWSER
LEAK = {"title": "楼上卫生间漏水纠纷", "description": "楼上住户卫生间漏水，渗到楼下厨房，双方就维修费用协商未果。"}
OTHER_PEOPLE = [{"role": "applicant", "name": "欧阳娜娜", "phone": "13700002222"},
                {"role": "respondent", "name": "赵六", "phone": "13700003333"}]


@pytest.fixture
def site(transactional_db, search_index):
    """The ASGI app with its static files, on a free port, demo data committed, its own index."""
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    from config.asgi import django_asgi_app
    from demo.topology import load_topology

    load_topology()
    with LiveASGIServer(app=ASGIStaticFilesHandler(django_asgi_app)) as server:
        yield server.url


def keep_screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def test_a_closed_case_is_found_by_a_partys_name_on_the_search_page(site, chromium):
    # given a dispute settled and closed in the village, and an open one of other people
    def given():
        closed = settled_case(parties=OTHER_PEOPLE, **LEAK)
        file_case(title="宅基地界址纠纷", description="两户对宅基地界址有争议。")
        index_now()
        return closed

    closed = orm(given)

    # when the committee head opens 案件查询 from the menu and searches for the applicant's name
    page = sign_in(chromium, site, "head1")
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="案件查询").click()
    page.wait_for_url("**/search/")
    page.get_by_label("查询", exact=True).fill("欧阳娜娜")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/search/\?q=.*"))

    # then the closed case is the one result, and the status facet counts it
    results = page.locator(".results-list > li")
    assert results.count() == 1
    assert closed.number in results.first.inner_text()
    assert "村（社区）化解" in results.first.inner_text()
    facet = page.locator("#facet-status-h + ul a")
    assert facet.count() == 1 and re.fullmatch(r"已办结\s*1", facet.first.inner_text().strip())
    keep_screenshot(page, "case-search.png")

    # when the facet is tapped, then the result link followed
    facet.first.click()
    page.wait_for_url(re.compile(r".*status=closed.*"))
    assert page.locator(".facets a[aria-current=true]").count() == 1
    page.locator(".results-list > li h3 a").first.click()

    # then the case page opens
    page.wait_for_url(f"**/cases/{closed.pk}/")
    assert closed.number in page.locator("h1").inner_text()
