"""The statistics page (统计分析): the summary's figures for a region and a range of filing dates,
as tiles, charts (ui/static/ui/stats.js, Apache ECharts) and tables, each figure linking to the
cases behind it on the case search page."""
from __future__ import annotations

from django.http import Http404
from django.shortcuts import render

from casework import clock
from casework.errors import NotFound
from reports import selectors as report_selectors
from ui import access
from ui import stats_presenters as present
from ui.forms.stats import StatsFilterForm

STATS_ROLES = access.PAGES["ui:stats"]


def may_see_stats(user) -> bool:
    return access.may_open(user, "ui:stats")


@access.page_for("ui:stats")
def stats(request):
    form = StatsFilterForm(request.GET, viewer=request.user)
    context = {"form": form}
    if not form.is_valid():
        return render(request, "ui/stats.html", context, status=400)
    data = form.cleaned_data
    try:
        summary = report_selectors.stats_summary(viewer=request.user, region_code=data["region"] or None,
                                                 start=data["from"], end=data["to"], as_of=clock.now())
    except NotFound:
        raise Http404("No such region.")
    filters = present.Filters(region=data["region"], start=data["from"], end=data["to"])
    charts = present.charts(summary, filters)
    context.update(
        summary=summary, filters=filters, tiles=present.tiles(summary, filters), charts=charts,
        region_name=summary["region"]["name"] if summary["region"] else None,
        ledgers=present.ledger_links(filters),
    )
    return render(request, "ui/stats.html", context)
