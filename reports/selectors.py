"""Reads of the statistics a user triggers: scoped by the viewer's jurisdiction."""
from __future__ import annotations

import datetime as dt

from casework import permissions as perms
from casework.models import Region, User
from casework.selectors import visible_region
from reports import stats
from reports.ledgers import LedgerScope


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
