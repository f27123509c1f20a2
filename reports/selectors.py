"""Reads of the statistics a user triggers: scoped by the viewer's jurisdiction."""
from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from casework import permissions as perms
from casework.errors import InvalidInput, NotFound
from casework.models import Region, User, in_subtrees
from casework.selectors import visible_region
from reports import stats
from reports.ledgers import LedgerScope
from reports.models import MonthlyReport


def stats_summary(*, viewer: User, region_code: str | None, start: dt.date, end: dt.date,
                  as_of: dt.datetime) -> dict:
    """The summary of API.md for a region in the viewer's jurisdiction (a 404 outside it; by
    default the whole jurisdiction), with the same figures for each child region (`by_region`)."""
    if region_code:
        region = visible_region(viewer=viewer, code=region_code)
        paths, children = [region.path], list(region.children.order_by("path"))
    else:
        paths = perms.scope_paths(viewer)
        regions = list(Region.objects.filter(path__in=paths).order_by("path"))
        region = regions[0] if len(regions) == 1 else None
        children = list(region.children.order_by("path")) if region else regions
    summary = stats.summarize(paths=paths, start=start, end=end, as_of=as_of,
                              child_paths=[c.path for c in children])
    return {
        "region": region_data(region),
        "from": start, "to": end, "as_of": as_of,
        **summary.total.as_dict(summary.months),
        "by_region": [
            {"region": region_data(child), **summary.children[child.path].as_dict(summary.months)}
            for child in children
        ],
    }


def region_data(region: Region | None) -> dict | None:
    if region is None:
        return None
    return {"code": region.code, "name": region.name, "level": region.level, "path": region.path}


def monthly_report(*, viewer: User, region_code: str | None, month: str) -> MonthlyReport:
    """The stored monthly report of a region in the viewer's jurisdiction (default: the
    jurisdiction's root, when it is one region); NotFound outside it or until generated."""
    region = visible_region(viewer=viewer, code=region_code) if region_code else jurisdiction_root(viewer)
    report = MonthlyReport.objects.select_related("region").filter(region=region, month=month).first()
    if report is None:
        raise NotFound("No monthly report of this region for this month (yet).")
    return report


def monthly_report_by_id(*, viewer: User, report_id: int) -> MonthlyReport:
    """One stored monthly report by id; NotFound outside the viewer's jurisdiction."""
    report = monthly_reports(viewer=viewer).filter(pk=report_id).first()
    if report is None:
        raise NotFound("No such monthly report.")
    return report


def monthly_reports(*, viewer: User, region_code: str | None = None, month: str | None = None) -> QuerySet[MonthlyReport]:
    """The stored monthly reports of a region and the regions under it (default: the viewer's
    whole jurisdiction), newest month first, then by region path; NotFound for a region outside."""
    paths = [visible_region(viewer=viewer, code=region_code).path] if region_code else perms.scope_paths(viewer)
    reports = MonthlyReport.objects.filter(in_subtrees(paths, "region__path")).select_related("region")
    if month:
        reports = reports.filter(month=month)
    return reports.order_by("-month", "region__path")


def report_months(*, viewer: User) -> list[str]:
    """The months with stored reports in the viewer's jurisdiction, newest first."""
    return list(MonthlyReport.objects.filter(in_subtrees(perms.scope_paths(viewer), "region__path"))
                .values_list("month", flat=True).distinct().order_by("-month"))


def jurisdiction_root(viewer: User) -> Region:
    """The one region the viewer's jurisdiction hangs from; InvalidInput when it is several (or none)."""
    paths = perms.scope_paths(viewer)
    if len(paths) != 1:
        raise InvalidInput("Choose a region.", fields={"region": [_("Choose a region: you hold roles in several.")]})
    return Region.objects.get(path=paths[0])


def ledger_scope(*, viewer: User, region_code: str | None, start: dt.date, end: dt.date) -> LedgerScope:
    """What a ledger export covers: a region in the viewer's jurisdiction (a 404 outside it; by
    default the whole jurisdiction), and whether its personal data is masked.

    Masking is decided once for the whole export, by role: in the clear only for a viewer who
    works cases (permissions.HANDLING_ROLES) over every region the export covers — a village's
    committee for its village, a center for its township; masked for supervisors, and for anyone
    asking about more than they handle.
    """
    if region_code:
        region = visible_region(viewer=viewer, code=region_code)
        regions = [region]
    else:
        paths = perms.scope_paths(viewer)
        regions = list(Region.objects.filter(path__in=paths).order_by("path"))
        region = regions[0] if len(regions) == 1 else None
    paths = [r.path for r in regions]
    masked = not paths or not all(perms.holds(viewer, perms.HANDLING_ROLES, path) for path in paths)
    return LedgerScope(region=region, paths=paths, name="、".join(r.name for r in regions), start=start, end=end,
                       masked=masked)
