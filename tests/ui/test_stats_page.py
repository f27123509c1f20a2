"""The statistics page (统计分析): who may open it, that it shows the summary API's figures for
the same filters, that it stays in the viewer's jurisdiction, that bad dates are a form error,
and that every link carries the filters to the cases behind the figure — which the case search
then counts as the figure does."""
from __future__ import annotations

import datetime as dt
import json
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest

from casework.choices import Outcome, RegionLevel, Role
from casework.models import Region, RoleAssignment, User
from tests.conftest import api_client, frozen_clock, generated_county
from tests.search.engines import index_now
from tests.ui.conftest import Browser
from ui.stats_presenters import percent

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2027, 3, 9, 15, 0, tzinfo=SHANGHAI)
GENERATED = NOW - dt.timedelta(days=120)
RANGE = {"from": "2026-01-01", "to": "2027-12-31"}
SEED = 11


@pytest.fixture(scope="module")
def generated(topology_snapshot, django_db_blocker):
    """The demo county with 60 past cases of one seed generated four months before NOW; the clock
    frozen at NOW for the module's tests; rolled back after them."""
    with generated_county(topology_snapshot, django_db_blocker, seed=SEED, generated_at=GENERATED, now=NOW):
        yield


@pytest.fixture
def cases(generated, db):
    with frozen_clock(NOW):
        yield


def township(name: str) -> Region:
    return Region.objects.get(name=name, level=RegionLevel.TOWNSHIP)


def dianko_supervisor() -> str:
    boss = User.objects.create_user("super-dianko", password="fengqiao-demo")
    RoleAssignment.objects.create(user=boss, role=Role.TOWNSHIP_SUPERVISOR, region=township("店口镇"))
    return "super-dianko"


def chart_data(page) -> dict:
    found = re.search(r'<script id="stats-data" type="application/json">(.*?)</script>', page.html, re.S)
    return json.loads(found.group(1))


def tile(page, key: str) -> str:
    found = re.search(rf'data-figure="{key}"[^>]*>\s*<span>[^<]*</span>\s*<b>([^<]*)</b>', page.html)
    assert found, key
    return found.group(1)


def links(page, prefix: str) -> list[str]:
    return [unescape(u) for u in re.findall(rf'href="({re.escape(prefix)}[^"]*)"', page.html)]


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


@pytest.mark.parametrize("username", ["county1", "super1", "center1", "head1", "admin"])
def test_the_page_opens_from_the_menu_for_supervisors_centers_committee_heads_and_admins(cases, username):
    browser = Browser(username)
    home = browser.get("/")
    assert '<a href="/stats/"' in home.html and "统计分析" in home
    page = browser.get("/stats/")
    assert page.status == 200
    assert "统计分析" in page and "化解率" in page and "小事不出村" in page
    assert 'data-chart="trend"' in page.html and 'data-chart="ranking"' in page.html
    assert "<script>" not in page.html  # data rides in json_script, the code in static files (CSP)


@pytest.mark.parametrize("username", ["grid1", "mediator1"])
def test_grid_workers_and_mediators_have_no_entry_and_get_a_403(cases, username):
    browser = Browser(username)
    assert '<a href="/stats/"' not in browser.get("/").html
    assert browser.get("/stats/").status == 403


def test_the_figures_shown_are_the_apis_for_the_same_filters(cases):
    # given the figures the API gives the county supervisor for 枫桥镇 over two years
    fengqiao = township("枫桥镇")
    api = api_client("county1").get("/api/v1/stats/summary/", {"region": fengqiao.code, **RANGE}).json()
    assert api["filed"] > 0

    # when the page is opened with the same filters
    page = Browser("county1").get(f"/stats/?region={fengqiao.code}&from={RANGE['from']}&to={RANGE['to']}")

    # then every tile says the API's figure, rates as percentages with one decimal
    assert page.status == 200
    assert tile(page, "filed") == str(api["filed"])
    for key in ("resolution_rate", "mediation_success_rate", "settled_in_village_share", "on_time_rate",
                "satisfaction_rate", "fulfilment_rate"):
        assert tile(page, key) == percent(api[key]), key
    assert tile(page, "mean_days_to_resolution") == f"{api['mean_days_to_resolution']:.1f}"
    # and every chart draws the API's figures
    data = chart_data(page)
    assert data["trend"]["categories"] == [m["month"] for m in api["by_month"]]
    for series in data["trend"]["series"]:
        assert [p["value"] for p in series["data"]] == [m[series["key"]] for m in api["by_month"]]
    assert {s["key"]: s["value"] for s in data["funnel"]} == api["reached_by_rung"]
    assert {t["key"]: t["value"] for t in data["types"]} == {k: n for k, n in api["by_dispute_type"].items() if n}
    assert {o["key"]: o["value"] for o in data["outcomes"]} == {k: n for k, n in api["by_outcome"].items() if n}
    assert {r["key"]: r["share"] for r in data["rungs"]} == {k: percent(v) for k, v in api["resolved_share_by_rung"].items()}
    assert {g["key"]: g["text"] for g in data["gauges"]} == {k: percent(api[k]) for k in ("on_time_rate", "satisfaction_rate", "fulfilment_rate")}
    ranked = {r["code"]: (r["filed"], r["resolution_rate"]) for r in data["ranking"]}
    assert ranked == {c["region"]["code"]: (c["filed"], percent(c["resolution_rate"])) for c in api["by_region"]}
    # and the ranking table lists the villages best first
    rates = [r["value"] for r in data["ranking"] if r["value"] is not None]
    assert rates == sorted(rates, reverse=True)
    assert re.findall(r'<tr data-region="(\d+)">', page.html) == [r["code"] for r in data["ranking"]]


def test_the_default_is_the_viewers_jurisdiction_this_year(cases):
    page = Browser("super1").get("/stats/")
    api = api_client("super1").get("/api/v1/stats/summary/").json()
    assert page.status == 200
    assert tile(page, "filed") == str(api["filed"])
    assert 'value="2027-01-01"' in page.html and 'value="2027-12-31"' in page.html
    assert re.search(rf'<option value="{township("枫桥镇").code}" selected>', page.html)


def test_a_dianko_supervisor_sees_no_fengqiao_region_and_asking_for_one_is_a_404(cases):
    # given a supervisor of 店口镇
    username = dianko_supervisor()
    browser = Browser(username)

    # when they open the page
    page = browser.get(f"/stats/?from={RANGE['from']}&to={RANGE['to']}")

    # then the select lists 店口镇 and its villages only, and the figures are 店口镇's
    fengqiao, dianko = township("枫桥镇"), township("店口镇")
    options = re.findall(r'<option value="(\d+)"', page.html)
    assert options == [dianko.code, *[v.code for v in dianko.children.order_by("path")]]
    assert "枫桥镇" not in page and "枫源村" not in page
    api = api_client(username).get("/api/v1/stats/summary/", RANGE).json()
    assert tile(page, "filed") == str(api["filed"])
    assert {r["code"] for r in chart_data(page)["ranking"]} == {v.code for v in dianko.children.all()}

    # and a region of 枫桥镇, or the county, in the query is a 404
    for code in (fengqiao.code, fengqiao.children.first().code, "330681", "999999"):
        assert browser.get(f"/stats/?region={code}").status == 404, code


@pytest.mark.parametrize("params, message", [
    ("from=2026-13-01", "有效的日期"),
    ("to=yesterday", "有效的日期"),
    ("from=2026-05-01&to=2026-04-30", "结束日期早于开始日期"),
    ("from=1990-01-01&to=2026-01-01", "十年"),
])
def test_bad_dates_are_a_form_error_not_a_500(cases, params, message):
    page = Browser("county1").get(f"/stats/?{params}")
    assert page.status == 400
    assert message in page.text
    assert 'role="alert"' in page.html
    assert "stats-data" not in page.html


def test_every_link_carries_the_region_and_the_dates(cases):
    fengqiao = township("枫桥镇")
    page = Browser("county1").get(f"/stats/?region={fengqiao.code}&from={RANGE['from']}&to={RANGE['to']}")
    village_codes = {v.code for v in fengqiao.children.all()}

    # the case search links: the region (枫桥镇, or one of its villages in the ranking) and the dates
    searches = links(page, "/search/?")
    assert searches
    for url in searches:
        q = query(url)
        assert q["region"][0] in {fengqiao.code} | village_codes, url
        assert q["filed_from"][0] >= RANGE["from"] and q["filed_to"][0] <= RANGE["to"], url
    assert f"/search/?region={fengqiao.code}&filed_from={RANGE['from']}&filed_to={RANGE['to']}" in searches
    # the charts' click targets are the same kind of links
    data = chart_data(page)
    for point in [*data["types"], *data["outcomes"], *data["ranking"]]:
        assert point["url"].startswith("/search/?region=")
    # the ledgers: the same region and dates, xlsx and CSV, the cases and the referrals
    ledgers = links(page, "/api/v1/reports/ledger/?")
    assert [(q["format"], q["kind"]) for q in map(query, ledgers)] == [
        (["xlsx"], ["cases"]), (["csv"], ["cases"]), (["xlsx"], ["referrals"])]
    for url in ledgers:
        assert query(url)["region"] == [fengqiao.code]
        assert query(url)["from"] == [RANGE["from"]] and query(url)["to"] == [RANGE["to"]]
    # the ranking's region names open the page of that village, same dates
    for url in links(page, "/stats/?region="):
        assert query(url)["region"][0] in village_codes and query(url)["from"] == [RANGE["from"]]


def result_count(page) -> int:
    found = re.search(r'<h2 id="results-h">\s*找到 (\d+) 件案件', page.html)
    assert found, page.text[:500]
    return int(found.group(1))


def test_the_search_behind_a_figure_counts_what_the_figure_counts(cases, search_index):
    # given the generated cases indexed
    index_now()
    fengqiao = township("枫桥镇")
    browser = Browser("super1")
    page = browser.get(f"/stats/?region={fengqiao.code}&from={RANGE['from']}&to={RANGE['to']}")
    data = chart_data(page)
    api = api_client("super1").get("/api/v1/stats/summary/", {"region": fengqiao.code, **RANGE}).json()
    assert api["filed"] and len(data["types"]) > 1 and len(data["outcomes"]) > 1 and len(data["ranking"]) == 3

    # the filed cases
    filed = f"/search/?region={fengqiao.code}&filed_from={RANGE['from']}&filed_to={RANGE['to']}"
    assert result_count(browser.get(filed)) == api["filed"]
    # a dispute type, an outcome, a rung where cases were resolved
    for row in [*data["types"], *data["outcomes"]]:
        assert result_count(browser.get(row["url"])) == row["value"], row
    for row in data["rungs"]:
        assert result_count(browser.get(row["url"])) == api["by_outcome"].get(f"resolved_{row['key']}", 0)
    # a month of the trend
    for series in data["trend"]["series"]:
        for month, point in zip(api["by_month"], series["data"]):
            if point["value"]:
                assert result_count(browser.get(point["url"])) == month[series["key"]], (series["key"], month)
    # a village of the ranking
    for row in data["ranking"]:
        assert result_count(browser.get(row["filed_url"])) == row["filed"]
    # the resolved cases: the resolution rate's numerator
    resolved = [n for k, n in api["by_outcome"].items() if k.startswith("resolved_")]
    resolved_link = next(u for u in links(page, "/search/?") if query(u).get("outcome") == [
        Outcome.RESOLVED_GRID, Outcome.RESOLVED_VILLAGE, Outcome.RESOLVED_TOWNSHIP, Outcome.RESOLVED_CHANNEL])
    assert result_count(browser.get(resolved_link)) == sum(resolved)


def test_the_board_shows_this_years_small_charts_and_links_to_the_statistics(cases):
    # when the supervisor opens the board
    browser = Browser("super1")
    page = browser.get("/board/")

    # then it links to 统计分析 and fetches its charts after it is up
    assert page.status == 200
    assert '<a class="btn secondary" href="/stats/">统计分析</a>' in page.html
    assert 'data-stats-src="/board/charts/"' in page.html
    assert "stats-data" not in page.html  # the summary is not computed before the board is sent

    # and those are this year's trend and funnel of the jurisdiction, as the API gives them
    charts = browser.get("/board/charts/")
    assert charts.status == 200
    data = chart_data(charts)
    api = api_client("super1").get("/api/v1/stats/summary/").json()
    assert {s["key"]: s["value"] for s in data["funnel"]} == api["reached_by_rung"]
    assert [p["value"] for p in data["trend"]["series"][0]["data"]] == [m["filed"] for m in api["by_month"]]
    assert 'data-chart="trend"' in charts.html and 'data-chart="funnel"' in charts.html
    assert "<table" in charts.html


def test_a_viewer_of_two_regions_sees_both_by_default_and_each_in_the_ranking(cases):
    # given a user who supervises 店口镇 and heads a committee in 枫桥镇
    fengqiao_village = township("枫桥镇").children.order_by("path").first()
    username = dianko_supervisor()
    RoleAssignment.objects.create(user=User.objects.get(username=username), role=Role.COMMITTEE_HEAD,
                                  region=fengqiao_village)

    # when they open the page
    page = Browser(username).get(f"/stats/?from={RANGE['from']}&to={RANGE['to']}")

    # then it counts both, the select starts with "all of my jurisdiction", and both are ranked
    api = api_client(username).get("/api/v1/stats/summary/", RANGE).json()
    assert page.status == 200
    assert tile(page, "filed") == str(api["filed"])
    assert re.search(r'<option value="" selected>我的全部辖区</option>', page.html)
    assert {r["code"] for r in chart_data(page)["ranking"]} == {township("店口镇").code, fengqiao_village.code}
    assert all("region" not in query(u) for u in links(page, "/api/v1/reports/ledger/?"))


def test_the_county_overview_leads_to_the_statistics(cases):
    # the overview's four shares have no date range: the statistics page has, and it is one tap away
    page = Browser("county1").get("/overview/")
    assert page.status == 200 and '<a class="btn secondary" href="/stats/">统计分析</a>' in page.html
