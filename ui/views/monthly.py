"""The monthly screening reports (月报): the list per region and month, and a printable report."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode

from casework.errors import NotFound
from reports import monthly_form
from reports import selectors as report_selectors
from ui import access

# Who reads the monthly reports: those who file them upward and those they are filed to.
READERS = access.PAGES["ui:monthly_reports"]


def _ensure_reader(request) -> None:
    access.ensure_may_open(request.user, "ui:monthly_reports")


@login_required
def monthly_reports(request):
    """The reports of the viewer's jurisdiction for one month (default the latest generated)."""
    _ensure_reader(request)
    months = report_selectors.report_months(viewer=request.user)
    month = request.GET.get("month") if request.GET.get("month") in months else (months[0] if months else None)
    rows = list(report_selectors.monthly_reports(viewer=request.user, month=month)) if month else []
    return render(request, "ui/monthly_reports.html", {
        "months": months, "month": month,
        "rows": [{"report": r, "indent": r.region.path.count(".")} for r in rows],
    })


@login_required
def monthly_report(request, report_id: int):
    """One report, laid out for A4, with its digest at the foot and the xlsx download."""
    _ensure_reader(request)
    try:
        report = report_selectors.monthly_report_by_id(viewer=request.user, report_id=report_id)
    except NotFound:
        raise Http404("No such monthly report.")
    download = reverse("api-monthly-report") + "?" + urlencode(
        {"region": report.region.code, "month": report.month, "format": "xlsx"})
    return render(request, "ui/monthly_report.html", {
        "report": report, "title": monthly_form.title(report), "sections": monthly_form.sections(report.figures),
        "level": monthly_form.level_label(report.region.level), "download": download,
    })
