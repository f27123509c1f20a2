"""The statistics page (统计分析) and the board's small charts in a real browser (Debian's chromium
through Playwright) on the whole ASGI application: the ECharts charts render under the
Content-Security-Policy without a violation, and a figure's link and a chart's bar both open the
case search showing exactly the cases behind the figure. Screenshots go to test-artifacts/.

The data set is fixed: the demo generator with a seed, its clock frozen at a moment of 2025, and
the page asked for 2024–2025. The clock is not frozen while the browser runs (the session cookie
would have expired): nothing below depends on today's date.
"""
from __future__ import annotations

import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import frozen_clock
from tests.live import LiveASGIServer
from tests.search.engines import index_now
from tests.ui.browser import BROWSER, keep_screenshot, sign_in, whole_app
from tests.ui.test_csp_browser import RECORD_VIOLATIONS

pytestmark = BROWSER
SECONDS = 1000  # Playwright counts milliseconds
GENERATED = dt.datetime(2025, 10, 15, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
SEED = 7
FENGQIAO = "330681108"
FROM, TO = "2024-01-01", "2025-12-31"

# Every chart container holds a canvas of non-zero size, drawn by an ECharts instance.
CHARTS_DRAWN = """
() => {
  const charts = [...document.querySelectorAll("[data-chart]")];
  return charts.length > 0 && charts.every((el) => {
    const canvas = el.querySelector("canvas");
    return el.hasAttribute("data-chart-ready") && window.echarts && window.echarts.getInstanceByDom(el)
      && canvas && canvas.width > 0 && canvas.height > 0;
  });
}
"""


@pytest.fixture
def server(transactional_db, search_index):
    """The whole application (HTTP with its static files, and the board's WebSocket) on a free
    port, with 60 generated cases committed and indexed."""
    from django.core.management import call_command

    from demo.topology import load_topology

    load_topology()
    with frozen_clock(GENERATED):
        call_command("load_demo", "--cases", "60", "--seed", str(SEED), stdout=io.StringIO(), stderr=io.StringIO())
    index_now()
    with LiveASGIServer(app=whole_app()) as live:
        yield live.url




def violations(page) -> list[str]:
    return page.evaluate("window.__csp || []")


def show_every_tooltip(page) -> None:
    """Each chart's tooltip on its first point, as a hover would, a frame given to draw it."""
    page.evaluate("""() => document.querySelectorAll("[data-chart]").forEach((el) => {
      window.echarts.getInstanceByDom(el).dispatchAction({type: "showTip", seriesIndex: 0, dataIndex: 0});
    })""")
    page.wait_for_function("() => new Promise((done) => requestAnimationFrame(() => done(true)))")


def result_count(page) -> int:
    return int(re.search(r"找到 (\d+) 件案件", page.locator("#results-h").inner_text()).group(1))


def test_the_statistics_page_draws_its_charts_and_opens_the_cases_behind_a_figure(server, chromium):
    # given a township supervisor on the board, every CSP violation recorded
    page = sign_in(chromium, server, "super1")
    page.context.add_init_script(RECORD_VIOLATIONS)

    # when they open 统计分析 from the menu and ask for 枫桥镇 over 2024–2025
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="统计分析").click()
    page.wait_for_url("**/stats/")
    page.get_by_label("区域", exact=True).select_option(FENGQIAO)
    page.get_by_label("受理日期自").fill(FROM)
    page.get_by_label("受理日期至").fill(TO)
    page.get_by_role("button", name="查看").click()
    page.wait_for_url(re.compile(rf".*/stats/\?region={FENGQIAO}&from={FROM}&to={TO}$"))

    # then every chart is drawn, and the browser refused nothing, tooltips shown included (ECharts'
    # HTML tooltips carry style attributes, which the CSP refuses: they are drawn on the canvas)
    page.wait_for_function(CHARTS_DRAWN, timeout=15 * SECONDS)
    assert page.locator("[data-chart]").count() == 7
    show_every_tooltip(page)
    assert violations(page) == []
    keep_screenshot(page, "stats-page.png")
    filed = int(page.locator("[data-figure=filed] b").inner_text())
    assert filed > 0
    stats_url = page.url

    # when the link under 受理 is followed
    page.locator("[data-figure=filed]").get_by_role("link", name="受理的案件").click()

    # then the case search lists exactly the cases filed, with the region and dates chosen
    page.wait_for_url(re.compile(r".*/search/\?.*"))
    assert result_count(page) == filed
    assert "区域：枫桥镇" in page.locator(".chosen").inner_text()
    assert f"登记：{FROM} – {TO}" in page.locator(".chosen").inner_text()
    keep_screenshot(page, "stats-search-behind-filed.png")

    # when, back on the page, the largest bar of the dispute types is tapped
    page.goto(stats_url)
    page.wait_for_function(CHARTS_DRAWN, timeout=15 * SECONDS)
    biggest = page.locator("#types-h ~ table tbody tr").first
    type_name = biggest.locator("th").inner_text()
    type_count = int(biggest.locator("td").inner_text())
    page.locator("[data-chart=types]").scroll_into_view_if_needed()
    point = page.evaluate("""() => {
      const el = document.querySelector("[data-chart=types]");
      const chart = window.echarts.getInstanceByDom(el);
      const rows = chart.getOption().yAxis[0].data;
      const value = chart.getOption().series[0].data[rows.length - 1].value;
      const [x, y] = chart.convertToPixel({seriesIndex: 0}, [value / 2, rows.length - 1]);
      const box = el.getBoundingClientRect();
      return {x: box.left + x, y: box.top + y, name: rows[rows.length - 1]};
    }""")
    assert point["name"] == type_name
    page.mouse.move(point["x"], point["y"])
    assert violations(page) == []
    page.mouse.click(point["x"], point["y"])

    # then the search lists exactly that type's cases
    page.wait_for_url(re.compile(r".*/search/\?.*dispute_type=.*"))
    assert result_count(page) == type_count
    assert f"纠纷类型：{type_name}" in page.locator(".chosen").inner_text()
    assert violations(page) == []


def test_the_board_shows_its_small_charts_and_stays_live(server, chromium):
    # given the township supervisor's board, every CSP violation recorded
    page = sign_in(chromium, server, "super1")
    page.context.add_init_script(RECORD_VIOLATIONS)
    page.goto(server + "/board/")

    # then the live notifications connect, the trend and the funnel are drawn, nothing refused
    page.wait_for_selector("[data-live-status=live]", timeout=15 * SECONDS)
    page.wait_for_function(CHARTS_DRAWN, timeout=15 * SECONDS)
    show_every_tooltip(page)
    assert sorted(page.eval_on_selector_all("[data-chart]", "els => els.map(e => e.dataset.chart)")) == ["funnel", "trend"]
    assert violations(page) == []
    keep_screenshot(page, "board-charts.png")

    # and the link to 统计分析 opens the page
    page.locator(".page-head").get_by_role("link", name="统计分析").click()
    page.wait_for_url("**/stats/")
    page.wait_for_function(CHARTS_DRAWN, timeout=15 * SECONDS)
    assert violations(page) == []
