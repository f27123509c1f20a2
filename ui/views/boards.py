"""Overview pages: a grid worker's cases, the supervisors' board, the county overview."""
from __future__ import annotations

import datetime as dt

from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from casework import clock
from casework.choices import NotificationKind, RiskLevel, Status
from reports import selectors as report_selectors
from ui import presenters, selectors
from ui import stats_presenters as stats_present
from ui.access import page_for
from ui.views.stats import may_see_stats

PAGE_SIZE = 25


def _with_countdowns(cases) -> list[dict]:
    return [{"case": c, "countdown": presenters.countdown(selectors.stage_clock(c)) if c.is_open else None}
            for c in cases]


@page_for("ui:my_cases")
def my_cases(request):
    """A grid worker's home: the cases of their grid, and the way to file a new one."""
    page = Paginator(selectors.grid_cases(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "ui/my_cases.html", {
        "page": page, "rows": _with_countdowns(page.object_list),
        "may_file": selectors.filing_grids(request.user).exists(),
    })


def _live_text() -> dict:
    """What board.js writes on the page, in the reader's language (it has no catalogue of its own)."""
    return {
        "kinds": dict(NotificationKind.choices),
        "statuses": dict(Status.choices),
        "risks": dict(RiskLevel.choices),
        "live": _("Live"),
        "connecting": _("Connecting…"),
        # %s: seconds until the next attempt
        "reconnecting": _("Connection lost; trying again in %s s…"),
        "sound_on": _("Sound alerts on"),
        "sound_off": _("Turn on sound alerts"),
        "sound_blocked": _("The browser blocked the sound: tap “Turn on sound alerts”."),
        "ack": _("Got it"),
        "new": _("New"),
        "case_url": reverse("ui:case", args=[0]),
    }


def _this_year_charts(viewer) -> dict:
    """The board's small charts: the viewer's whole jurisdiction, the cases filed this year."""
    today = timezone.localdate(clock.now())
    start, end = dt.date(today.year, 1, 1), dt.date(today.year, 12, 31)
    summary = report_selectors.stats_summary(viewer=viewer, region_code=None, start=start, end=end, as_of=clock.now())
    return stats_present.board_charts(summary, stats_present.Filters(region="", start=start, end=end))


@page_for("ui:board")
def board(request):
    """The supervisors' board: server-rendered lists, kept current by the live notifications,
    and the small charts of this year's figures (ui/static/ui/stats.js)."""
    data = selectors.board(request.user)
    return render(request, "ui/board.html", {
        "may_see_stats": may_see_stats(request.user),
        "board": data,
        "escalated": _with_countdowns(data.escalated),
        "overdue": _with_countdowns(data.overdue),
        "high_risk": _with_countdowns(data.high_risk),
        "notification_kinds": NotificationKind.choices,
        "live_text": _live_text(),
    })


@page_for("ui:board")
def board_charts(request):
    """The board's small charts, which ui/stats.js fetches once the board is up: the summary of a
    large county takes seconds (bench/stats_page.py), and the live lists must not wait for it."""
    return render(request, "ui/includes/board_charts.html", {"charts": _this_year_charts(request.user)})


LIVE_ROWS = 100  # case ids one refresh may ask for: what a burst of notifications names


@page_for("ui:board")
def board_live(request):
    """What the live board refreshes as notifications arrive (ui/board.js), from the same
    selectors and templates as the page: its tiles, its lists' counts, and the rows of the cases
    named (`?cases=1,2`), each with its countdown and the lists it belongs in now."""
    ids = [int(raw) for raw in request.GET.get("cases", "").split(",") if raw.isascii() and raw.isdigit() and len(raw) <= 18]
    data = selectors.board(request.user, rows=False)
    rows = {}
    for case, lists in selectors.board_cases(request.user, ids[:LIVE_ROWS]):
        row = _with_countdowns([case])[0]
        rows[str(case.pk)] = {"lists": lists, "html": render_to_string("ui/includes/case_row.html", {"row": row}, request)}
    return JsonResponse({
        "stats": render_to_string("ui/includes/board_stats.html", {"board": data}, request),
        "counts": {"escalated": data.escalated_count, "overdue": data.overdue_count, "high_risk": data.high_risk_count},
        "rows": rows,
    })


@page_for("ui:overview")
def overview(request):
    """The county at a glance, per township: open, overdue, high-risk, and the rung disputes were settled at."""
    return render(request, "ui/overview.html", {
        "rows": selectors.county_overview(request.user), "board": selectors.board(request.user),
    })
