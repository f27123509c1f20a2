"""The statistics page (统计分析): the summary's figures for a region and a range of filing dates,
as tiles, charts (ui/static/ui/stats.js, Apache ECharts) and tables, each figure linking to the
cases behind it on the case search page."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render

from casework import clock
from casework.choices import Role
from casework.errors import NotFound
from reports import selectors as report_selectors
from ui import selectors
from ui import stats_presenters as present
from ui.forms.stats import StatsFilterForm

# Who reads the statistics: the supervisors, the township centers and the village committees' heads.
STATS_ROLES = frozenset({*selectors.SUPERVISORS, Role.CENTER_STAFF, Role.COMMITTEE_HEAD, Role.ADMIN})


def may_see_stats(user) -> bool:
    return bool(selectors.role_set(user) & STATS_ROLES)


@login_required
def stats(request):
    if not may_see_stats(request.user):
        raise PermissionDenied
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
