"""The case search page (案件查询): words and facets over the viewer's jurisdiction, closed cases
included; bad input and a search engine that is down are shown on the page, never a 500."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import file_case, frozen_clock
from tests.search.engines import index_now
from tests.ui.conftest import Browser
from tests.ui.search_helpers import MOMENT, embedded_index_unopenable, search_engine_down, settled_case, village_code
from ui.search_presenters import highlight_html

VILLAGE_2_GRID_WORKER = "grid-33068110800201"  # 枫桥镇, 枫溪村 (mediator2's village), first grid


@pytest.fixture
def frozen():
    with frozen_clock(MOMENT):
        yield


def result_numbers(page) -> list[str]:
    return re.findall(r'<li class="result" data-case-id="\d+">\s*<h3><a href="/cases/\d+/"><span class="case-no">([^<]+)</span>',
                      page.html)


def test_every_role_finds_the_search_in_its_menu(demo):
    for username in ("grid1", "head1", "mediator1", "center1", "super1", "county1", "admin"):
        page = Browser(username).get("/")
        assert '<a href="/search/"' in page.html, username
        assert "案件查询" in page, username


def test_a_closed_case_is_found_by_a_partys_name_with_the_matched_words_marked(demo, search_index, frozen):
    # given a dispute settled and closed in the village, and an open one of other people
    closed = settled_case(title="楼上漏水纠纷", parties=[
        {"role": "applicant", "name": "欧阳娜娜", "phone": "13700001111"},
        {"role": "respondent", "name": "李四"},
    ])
    other = file_case(title="宅基地界址纠纷", description="两户对宅基地界址有争议。")
    index_now()

    # when the committee head searches for the applicant's name
    page = Browser("head1").get("/search/?q=欧阳娜娜")

    # then the closed case is found, with its outcome, and links to its page
    assert page.status == 200
    assert result_numbers(page) == [closed.number]
    assert other.number not in page
    assert f'href="/cases/{closed.pk}/"' in page.html
    assert "村（社区）化解" in page
    assert "找到 1 件案件" in page

    # and a word of the title is marked where it occurs
    page = Browser("head1").get("/search/?q=漏水")
    assert "<em>漏水</em>" in page.html
    assert closed.number in result_numbers(page)


def test_facets_count_only_the_viewers_jurisdiction_and_filter_when_tapped(demo, search_index, frozen):
    # given cases in 枫源村 (one closed), in 枫溪村 and in the other township
    settled_case("grid1")
    file_case("grid1")
    mine = file_case(VILLAGE_2_GRID_WORKER, title="邻里漏水纠纷（枫溪村）")
    elsewhere = file_case("grid2")
    index_now()

    # when the mediator of 枫溪村 opens the search
    page = Browser("mediator2").get("/search/")

    # then only the case of their village is listed and counted, in every facet
    assert page.status == 200
    assert result_numbers(page) == [mine.number]
    assert elsewhere.number not in page
    facets = page.html.split('<nav class="card facets"', 1)[1].split("</nav>", 1)[0]
    assert re.search(r"<span>待受理</span> <span class=\"count\">1</span>", facets)
    assert re.search(r"<span>2026</span> <span class=\"count\">1</span>", facets)
    assert "village=" not in facets and "township=" not in facets  # all of one village: nothing to choose
    assert "店口镇" not in facets and "枫源村" not in facets

    # when the county supervisor opens it
    county = Browser("county1")
    page = county.get("/search/")

    # then every case is counted, by township and village by name
    assert len(result_numbers(page)) == 4
    facets = page.html.split('<nav class="card facets"', 1)[1].split("</nav>", 1)[0]
    assert re.search(r'<span>枫桥镇</span> <span class="count">3</span>', facets)
    assert re.search(r'<span>店口镇</span> <span class="count">1</span>', facets)
    assert re.search(r'<span>枫源村</span> <span class="count">2</span>', facets)
    assert re.search(r'<span>枫溪村</span> <span class="count">1</span>', facets)

    # when they tap the facet of closed cases
    closed_link = re.search(r'<a href="(\?status=closed)">\s*<span>已办结</span> <span class="count">1</span>', page.html)
    assert closed_link, page.html
    page = county.get("/search/" + closed_link.group(1))

    # then only the closed case is left, the facet shows as chosen, and tapping it again clears it
    assert len(result_numbers(page)) == 1
    assert 'class="selected" aria-current="true"' in page.html
    assert '<input type="hidden" name="status" value="closed">' in page.html  # kept when searching again
    assert re.search(r'<a href="\?"[^>]*aria-current="true">\s*<span>已办结</span>', page.html)


def test_words_and_filters_narrow_together_and_pages_keep_them(demo, search_index, frozen):
    # given 23 disputes about leaking water and one about a boundary, all in 枫源村
    for i in range(23):
        file_case(title=f"漏水纠纷第{i + 1}号")
    file_case(title="宅基地界址纠纷", description="两户对宅基地界址有争议。", dispute_type="housing_homestead")
    index_now()
    browser = Browser("head1")

    # when the head searches for 漏水 among the neighbourhood disputes
    page = browser.get("/search/?q=漏水&dispute_type=neighborhood")

    # then 20 of the 23 are on the first page, and the next page keeps the words and the filter
    assert "找到 23 件案件" in page
    assert len(result_numbers(page)) == 20
    assert "第 1 页，共 2 页" in page
    following = re.search(r'<a class="btn secondary" href="(\?[^"]+)">下一页</a>', page.html).group(1)
    assert "q=%E6%BC%8F%E6%B0%B4" in following and "dispute_type=neighborhood" in following and "page=2" in following
    page = browser.get("/search/" + following.replace("&amp;", "&"))
    assert len(result_numbers(page)) == 3


def test_the_search_page_costs_as_many_queries_for_twenty_results_as_for_two(demo, search_index, frozen):
    # given two cases found, one closed with its agreement
    settled_case()
    file_case()
    index_now()
    browser = Browser("center1")
    browser.get("/search/?q=漏水")  # the session warm

    def search_queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            page = browser.get("/search/?q=漏水&status=closed&status=reported")
        assert page.status == 200
        return len(captured.captured_queries), len(result_numbers(page))

    two, shown = search_queries()
    assert shown == 2

    # when a whole page of them is found
    for _ in range(10):
        settled_case()
        file_case()
    index_now()
    twenty, shown = search_queries()

    # then the page costs the same
    assert shown == 20
    assert twenty == two


@pytest.mark.parametrize("query", [
    "?status=bogus", "?year=abc", "?year=1800", "?page=0", "?page=abc", "?page=100000", "?dispute_type=",
    "?township=330681111",  # 店口镇: outside 枫桥镇 head's jurisdiction
    "?region=330681111", "?region=330681", "?region=999999",  # 店口镇, the county, no region
    "?filed_from=2026-13-01", "?filed_to=yesterday", "?filed_from=2026-05-01&filed_to=2026-04-30",
    "?q=" + "+".join("一二三四五六七八九十壹"),  # eleven words
    "?q=%21%21%21",  # no letter or digit
    "?q=" + "长" * 60,
])
def test_bad_parameters_are_field_errors_not_a_500(demo, search_index, query):
    page = Browser("head1").get("/search/" + query)
    if query == "?dispute_type=":  # an empty value is no filter
        assert page.status == 200
        return
    assert page.status == 400, page.status
    assert "无法按此条件查询" in page
    assert re.search(r'<ul class="error-summary">\s*<li>\S+', page.html)
    assert "Traceback" not in page.html
    assert '<form method="get" action="/search/" role="search"' in page.html


def test_a_region_and_filing_dates_narrow_the_search_show_as_chosen_and_ride_along(demo, search_index):
    # given a case filed in March and two in May, one of them in another village of the township
    with frozen_clock(MOMENT):
        march = file_case("grid1", title="三月漏水纠纷")
    with frozen_clock(MOMENT + dt.timedelta(days=60)):
        may = file_case("grid1", title="五月漏水纠纷")
        next_door = file_case(VILLAGE_2_GRID_WORKER, title="五月邻村漏水纠纷")
    index_now()
    browser = Browser("super1")
    village = village_code("grid1")

    # when the supervisor asks for the cases of 枫源村 filed in May (a statistics page's link)
    page = browser.get(f"/search/?region={village}&filed_from=2026-05-01&filed_to=2026-05-31")

    # then only that one is found, the filters show as chosen, and they ride along with the box
    assert page.status == 200
    assert result_numbers(page) == [may.number]
    assert "区域：枫源村" in page and "登记：2026-05-01 – 2026-05-31" in page
    for name, value in (("region", village), ("filed_from", "2026-05-01"), ("filed_to", "2026-05-31")):
        assert f'<input type="hidden" name="{name}" value="{value}">' in page.html
    # and the chip drops its filter
    chip = re.search(r'<a class="btn secondary" href="(\?[^"]+)">区域：枫源村', page.html).group(1)
    assert "region=" not in chip and "filed_from=2026-05-01" in chip

    # the township from May on, and everything up to April
    page = browser.get("/search/?region=330681108&filed_from=2026-05-01")
    assert sorted(result_numbers(page)) == sorted([may.number, next_door.number])
    assert result_numbers(browser.get("/search/?filed_to=2026-04-30")) == [march.number]


def test_a_village_committee_may_filter_by_its_own_township_and_village(demo, search_index):
    page = Browser("head1").get(f"/search/?township=330681108&village={village_code('grid1')}")
    assert page.status == 200


def test_a_refused_filter_is_not_carried_into_the_next_search(demo, search_index):
    page = Browser("head1").get("/search/?status=bogus&status=closed&q=漏水")
    assert page.status == 400
    assert 'name="status" value="bogus"' not in page.html
    assert 'value="漏水"' in page.html


@pytest.mark.parametrize("failure", ["elasticsearch refuses connections", "embedded folder cannot be made"])
def test_when_search_is_down_the_page_says_so_and_still_renders(demo, failure, tmp_path):
    browser = Browser("head1")
    down = search_engine_down() if failure.startswith("elasticsearch") else embedded_index_unopenable(tmp_path)
    with down:
        page = browser.get("/search/?q=漏水")
    assert page.status == 503
    assert "查询暂时不可用" in page
    assert '<form method="get" action="/search/" role="search"' in page.html
    assert 'value="漏水"' in page.html
    assert '<nav aria-label="主菜单">' in page.html


def test_search_needs_a_signed_in_user(demo):
    response = Browser().client.get("/search/?q=漏水")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_markup_typed_into_a_case_is_shown_as_text_and_only_the_marks_are_html(demo, search_index, frozen):
    # given a case whose title and description hold markup
    case = file_case(title="<b>漏水</b>纠纷", description="<script>alert('x')</script>漏水&渗水")
    index_now()

    # when it is found
    page = Browser("head1").get("/search/?q=漏水")

    # then the markup is text on the page, and only the matched words are marked up
    assert case.number in result_numbers(page)
    assert "&lt;b&gt;<em>漏水</em>&lt;/b&gt;纠纷" in page.html
    assert "<script>alert" not in page.html
    assert "alert(&#x27;x&#x27;)&lt;/script&gt;<em>漏水</em>&amp;渗水" in page.html


@pytest.mark.parametrize(("fragment", "safe"), [
    ("楼上<em>漏水</em>", "楼上<em>漏水</em>"),
    ("&lt;b&gt;<em>漏水</em>&amp;", "&lt;b&gt;<em>漏水</em>&amp;"),
    ("<script>alert(1)</script><em>漏水</em>", "&lt;script&gt;alert(1)&lt;/script&gt;<em>漏水</em>"),
    ('<em onclick="x">漏水</em>', '&lt;em onclick=&quot;x&quot;&gt;漏水&lt;/em&gt;'),
    ("<em>漏水", "<em>漏水</em>"),
    ("</em>漏水<em><em>渗水</em></em>", "&lt;/em&gt;漏水<em>&lt;em&gt;渗水</em>&lt;/em&gt;"),
    ("<EM>漏水</EM>", "<em>漏水</em>"),
])
def test_a_highlight_keeps_only_balanced_em_marks(fragment, safe):
    assert highlight_html(fragment) == safe
