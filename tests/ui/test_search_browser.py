"""Case search, similar past cases, the duplicate warning at filing and the one-tap merge in a
real browser (Debian's chromium through Playwright) on the whole ASGI application, with a
fresh embedded search index. Screenshots of the pages are kept in test-artifacts/.

The clock is not frozen here: the browser keeps the session cookie only until the expiry the
server gives it, which a frozen clock would put in the past. Nothing below depends on the date.
"""
from __future__ import annotations

import re

import pytest

from casework.models import Case
from tests.conftest import PHONE, file_case
from tests.search.engines import index_now
from tests.ui.browser import BROWSER, keep_screenshot, orm, sign_in
from tests.ui.search_helpers import settled_case

pytestmark = BROWSER
SECONDS = 1000  # Playwright counts milliseconds
LEAK = {"title": "楼上卫生间漏水纠纷", "description": "楼上住户卫生间漏水，渗到楼下厨房，双方就维修费用协商未果。"}
OTHER_PEOPLE = [{"role": "applicant", "name": "欧阳娜娜", "phone": "13700002222"},
                {"role": "respondent", "name": "赵六", "phone": "13700003333"}]


@pytest.fixture
def site(search_index, live_site) -> str:
    """The whole application on a free port, demo data committed, its own search index."""
    return live_site.url




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


def test_similar_past_cases_open_from_the_case_page(site, chromium):
    # given a leak settled in the village and a new leak being mediated
    def given():
        past = settled_case(parties=OTHER_PEOPLE, terms="楼上住户承担维修费用八百元", **LEAK)
        current = file_case(**LEAK)
        index_now()
        return past, current

    past, current = orm(given)

    # when the mediator opens the new case
    page = sign_in(chromium, site, "mediator1")
    page.goto(f"{site}/cases/{current.pk}/")

    # then 类案参考 lists the settled leak with its outcome, rung and agreement
    similar = page.get_by_role("region", name="类案参考")
    assert similar.is_visible()
    text = similar.inner_text()
    assert past.number in text and "化解层级：村（社区）" in text and "楼上住户承担维修费用八百元" in text
    keep_screenshot(page, "similar-past-cases.png")

    # and it opens from there
    similar.get_by_role("link", name=re.compile(past.number)).click()
    page.wait_for_url(f"**/cases/{past.pk}/")
    assert "已办结" in page.locator(".page-head").inner_text()


def test_the_duplicate_warning_appears_while_a_grid_worker_types_a_known_phone(site, chromium):
    # given an open case of the village whose applicant has this phone
    first = orm(lambda: file_case())

    # when grid1 fills in a new filing and types the applicant's phone
    page = sign_in(chromium, site, "grid1")
    page.goto(f"{site}/cases/new/")
    warning = page.locator("#draft-duplicates section")
    page.fill("#id_title", "漏水赔偿纠纷")
    page.fill("#id_parties-0-name", "张先生")
    assert not warning.is_visible()
    page.locator("#id_parties-0-phone").press_sequentially(PHONE, delay=20)

    # then, without sending the form, the warning lists the open case with a link to it
    warning.wait_for(state="visible", timeout=10 * SECONDS)
    assert "可能重复的案件" in warning.inner_text()
    link = warning.get_by_role("link", name=re.compile(first.number))
    assert link.get_attribute("href") == f"/cases/{first.pk}/"
    assert "同一当事人" in warning.inner_text()
    keep_screenshot(page, "filing-duplicate-warning.png")

    # and nothing was filed
    assert orm(lambda: Case.objects.count()) == 1


def test_a_committee_head_merges_a_duplicate_from_the_case_page_in_one_tap(site, chromium):
    # given the same dispute filed twice, the second from the hotline
    def given():
        first = file_case()
        second = file_case(title="同一漏水纠纷（12345转来）", source="hotline_12345")
        index_now()
        return first, second

    first, second = orm(given)

    # when the head opens the second and taps “merge into” the first (and confirms)
    page = sign_in(chromium, site, "head1")
    page.goto(f"{site}/cases/{second.pk}/")
    duplicates = page.get_by_role("region", name="可能重复的案件")
    page.once("dialog", lambda dialog: dialog.accept())
    duplicates.get_by_role("button", name=f"将本案并入 {first.number}").click()
    page.wait_for_selector(".msg-success")

    # then the page shows the case closed as merged, pointing at the first, which carries on
    assert f"本案已并入 {first.number}" in page.inner_text("main")
    assert "已并单" in page.locator(".page-head").inner_text()
    keep_screenshot(page, "merged-case.png")

    def then():
        second.refresh_from_db()
        first.refresh_from_db()
        return second.status, second.outcome, second.merged_into_id, first.is_open

    assert orm(then) == ("closed", "merged", first.pk, True)
    page.get_by_role("link", name=f"打开 {first.number}").click()
    page.wait_for_url(f"**/cases/{first.pk}/")
