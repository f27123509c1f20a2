"""Reads a user triggers. Every one takes the viewer, so jurisdiction scoping lives here."""
from __future__ import annotations

import datetime as dt

from django.db import connection
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from casework import clock
from casework import permissions as perms
from casework.choices import OPEN_STATUSES, DeadlineKind, RegionLevel
from casework.errors import NotFound
from casework.models import (
    Case,
    CaseDeadline,
    CaseEvent,
    Party,
    Region,
    RoleAssignment,
    User,
    in_subtrees,
    path_at,
    ticking,
)

DUPLICATE_WINDOW = dt.timedelta(days=90)


def case_scope(paths: list[str], field: str) -> Q:
    """Rows whose region path (`field`) lies in one of the subtrees `paths`."""
    return in_subtrees(paths, field)


def _open_clocks() -> Prefetch:
    return Prefetch(
        "deadlines", queryset=CaseDeadline.objects.filter(ended_at__isnull=True).order_by("due_at"),
        to_attr="open_clocks",
    )


def case_list(*, viewer: User) -> QuerySet[Case]:
    """Cases in the viewer's subtree, with what a list row shows, in a constant number of queries."""
    return (
        Case.objects.filter(case_scope(perms.scope_paths(viewer), "region_path"))
        .select_related("region")
        .prefetch_related("parties", "mediators", _open_clocks())
    )


def overdue_filter(now: dt.datetime | None = None) -> Q:
    # The judicial-confirmation window is a countdown for the parties, not a stage's deadline.
    # A paused clock is not overdue while its pause lasts; one whose pause has run out is (ticking).
    overdue = CaseDeadline.objects.filter(
        ticking(), case=OuterRef("pk"), ended_at__isnull=True, due_at__lt=now or clock.now(),
    ).exclude(kind=DeadlineKind.JUDICIAL_CONFIRMATION)
    return Q(Exists(overdue))


def case_get(*, viewer: User, case_id: int) -> Case:
    """One case with its timeline; NotFound outside the viewer's jurisdiction."""
    case = (
        case_list(viewer=viewer)
        .select_related("reported_by", "lead_body", "merged_into")
        .prefetch_related(
            Prefetch("events", queryset=CaseEvent.objects.select_related("actor").order_by("seq")),
            "attachments",
        )
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        raise NotFound("No such case.")
    return case


def village_mediators(case: Case) -> list[User]:
    """Who may mediate the case in its village (permissions.is_village_mediator), by username."""
    village = path_at(case.region_path, RegionLevel.VILLAGE)
    ids = RoleAssignment.objects.filter(role__in=perms.VILLAGE_COMMITTEE, region__path=village,
                                        region__level=RegionLevel.VILLAGE).values("user_id")
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("username"))


def region_children(*, viewer: User, parent_code: str | None) -> QuerySet[Region]:
    """The children of a region in the viewer's subtree; without a parent, the viewer's own regions."""
    paths = perms.scope_paths(viewer)
    if parent_code is None:
        return Region.objects.filter(path__in=paths)
    parent = Region.objects.filter(code=parent_code).first()
    if parent is None or not any(perms.covers(p, parent.path) for p in paths):
        raise NotFound("No such region.")
    return parent.children.all()


def visible_region(*, viewer: User, code: str) -> Region:
    region = Region.objects.filter(code=code).first()
    if region is None or not any(perms.covers(p, region.path) for p in perms.scope_paths(viewer)):
        raise NotFound("No such region.")
    return region


def _marks(values) -> str:
    return ", ".join(["%s"] * len(values))


def possible_duplicates(*, viewer: User, case: Case, limit: int = 5) -> list[Case]:
    """Open, recent cases of the same village sharing a party's ID number or phone (并单 candidates).

    Only those the viewer may see: a grid worker is warned of duplicates in their own grid, the
    village committee (which accepts and merges) of those across the village.

    Driven by the parties' indexes on ID number and phone: the cases are reached from the few
    parties that share one (then kept if open, recent, in the village and in the viewer's
    scope), so the cost follows the matches, not the village's caseload.
    """
    parties = case.parties.all()
    ids = sorted({p.id_number for p in parties if p.id_number})
    phones = sorted({p.phone for p in parties if p.phone})
    if not ids and not phones:
        return []
    village_path = path_at(case.region_path, RegionLevel.VILLAGE)
    # The village's subtree as far as the viewer sees it: the village, or the parts of it in scope.
    paths = sorted({village_path if perms.covers(scope, village_path) else scope
                    for scope in perms.scope_paths(viewer)
                    if perms.covers(scope, village_path) or perms.covers(village_path, scope)})
    if not paths:
        return []
    # Written out rather than built by the ORM: it runs on every filing, and compiling the
    # queryset cost more than running it. Same conditions as the queryset it replaces.
    q = connection.ops.quote_name
    party, cases = q(Party._meta.db_table), q(Case._meta.db_table)
    same_person = " OR ".join(
        ([f"p.{q('id_number')} IN ({_marks(ids)})"] if ids else [])
        + ([f"p.{q('phone')} IN ({_marks(phones)})"] if phones else []))
    in_paths = " OR ".join(f"c.{q('region_path')} = %s OR c.{q('region_path')} LIKE %s ESCAPE '\\'" for _ in paths)
    sql = (
        f"SELECT c.* FROM {cases} c WHERE c.{q('id')} IN ("
        f"SELECT p.{q('case_id')} FROM {party} p WHERE ({same_person}) AND p.{q('case_id')} <> %s) "
        f"AND ({in_paths}) AND c.{q('status')} IN ({_marks(OPEN_STATUSES)}) AND c.{q('created_at')} >= %s "
        f"ORDER BY c.{q('created_at')} DESC LIMIT %s"
    )
    params = [*ids, *phones, case.pk]
    for path in paths:
        params += [path, path.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + ".%"]
    params += [*OPEN_STATUSES, connection.ops.adapt_datetimefield_value(case.created_at - DUPLICATE_WINDOW), limit]
    return list(Case.objects.raw(sql, params))
