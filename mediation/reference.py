"""The bodies whose queues take a case's tasks, held in memory per process.

Every filing and every step of a case to a new rung read the village's committee (村调委会) or the
township's governance center (综治中心) to put the new task in its queue, though bodies change a
few times a year, by an administrator. They are held as the deadline rules and regions are
(`casework.reference`): dropped at once in the process that changes a body or a region, and
again when that change commits; in every other process read again at most
`REFERENCE_TTL_SECONDS` after they were loaded. A region without a held body is looked up in
the database (a body made in another process since is found at once). Callers get copies.
"""
from __future__ import annotations

import copy

from casework.models import Region
from casework.reference import Held, drop_on_change
from mediation.models import Organization

__all__ = ["body", "clear", "connect_signals"]


def _load() -> dict[tuple[str, str], Organization]:
    found: dict[tuple[str, str], Organization] = {}
    # The first of each kind in each region, in the order `.first()` finds it (the model's ordering).
    for org in Organization.objects.select_related("region").order_by(*Organization._meta.ordering, "pk"):
        found.setdefault((org.kind, org.region.path), org)
    return found


_bodies = Held(_load)


def body(kind: str, region_path: str) -> Organization | None:
    """The body of this kind in the region at `region_path` (the first, as `.first()` finds it)."""
    org = _bodies.get().get((kind, region_path))
    if org is not None:
        return copy.copy(org)
    org = (Organization.objects.filter(kind=kind, region__path=region_path).select_related("region")
           .order_by(*Organization._meta.ordering, "pk").first())
    if org is not None:
        _bodies.drop()
    return org


def clear() -> None:
    _bodies.drop()


def connect_signals() -> None:
    drop_on_change((Organization, Region), clear, "mediation-reference")
