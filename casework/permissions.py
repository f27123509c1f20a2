"""Who may fire which transition, from the roles a user holds in the region tree.

Every predicate takes (case, user) so django-fsm can use it as a transition `permission`.
A role covers a case when the role's region is the case's grid or one of its ancestors.
These checks are about roles only; the state machine decides whether a transition is
possible from the current status.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from casework.choices import RegionLevel, Role, Status

if TYPE_CHECKING:
    from casework.models import Case, RoleAssignment, User

HANDLING_ROLES = frozenset({Role.GRID_WORKER, Role.MEDIATOR, Role.COMMITTEE_HEAD, Role.CENTER_STAFF, Role.ADMIN})
VILLAGE_COMMITTEE = frozenset({Role.MEDIATOR, Role.COMMITTEE_HEAD})
SUPERVISORS = frozenset({Role.TOWNSHIP_SUPERVISOR, Role.COUNTY_SUPERVISOR})
FILING_ROLES = frozenset({Role.GRID_WORKER, Role.MEDIATOR, Role.COMMITTEE_HEAD, Role.CENTER_STAFF, Role.ADMIN})


def roles_of(user: User) -> list[RoleAssignment]:
    """The user's role assignments with their regions, loaded once per user object."""
    cached = getattr(user, "_role_cache", None)
    if cached is None:
        if not getattr(user, "is_authenticated", False):
            cached = []
        else:
            cached = list(user.role_assignments.select_related("region"))
        user._role_cache = cached
    return cached


def preload_roles(users: Iterable[User]) -> None:
    """Load the roles of several users in one query (e.g. the mediators named in an accept)."""
    from casework.models import RoleAssignment

    pending = {u.pk: u for u in users if getattr(u, "_role_cache", None) is None}
    if not pending:
        return
    for u in pending.values():
        u._role_cache = []
    for ra in RoleAssignment.objects.filter(user_id__in=pending).select_related("region"):
        pending[ra.user_id]._role_cache.append(ra)


def scope_paths(user: User) -> list[str]:
    """The region paths whose subtrees the user may see; the shortest set, no path under another."""
    paths = sorted({ra.region.path for ra in roles_of(user)})
    kept: list[str] = []
    for path in paths:
        if not any(covers(k, path) for k in kept):
            kept.append(path)
    return kept


def covers(region_path: str, case_path: str) -> bool:
    """Is `case_path` in the subtree of `region_path` (the region itself included)?"""
    return case_path == region_path or case_path.startswith(region_path + ".")


def holds(user: User, roles: Iterable[str], case_path: str, level: str | None = None) -> bool:
    """True when the user holds one of `roles` at a region covering case_path (at `level`, if given)."""
    roles = frozenset(roles)
    return any(
        ra.role in roles and covers(ra.region.path, case_path) and (level is None or ra.region.level == level)
        for ra in roles_of(user)
    )


def is_admin(user: User, case: Case) -> bool:
    return holds(user, {Role.ADMIN}, case.region_path)


def can_see(user: User, case: Case) -> bool:
    return any(covers(path, case.region_path) for path in scope_paths(user))


def may_see_personal_data(user: User, case: Case) -> bool:
    """Those who work the case see parties' ID numbers and phones; supervisors see them masked."""
    return holds(user, HANDLING_ROLES, case.region_path)


def may_attach(case: Case, user: User) -> bool:
    """Photos and documents are added by those who work the case."""
    return may_see_personal_data(user, case)


def may_file(user: User, grid_path: str) -> bool:
    return holds(user, FILING_ROLES, grid_path)


def may_resolve_on_spot(case: Case, user: User) -> bool:
    # Only the grid worker who reported it, still holding the grid.
    return case.reported_by_id == user.pk and holds(user, {Role.GRID_WORKER}, case.region_path)


def may_act_for_village(case: Case, user: User) -> bool:
    return holds(user, VILLAGE_COMMITTEE, case.region_path, RegionLevel.VILLAGE) or is_admin(user, case)


def may_act_for_township(case: Case, user: User) -> bool:
    return holds(user, {Role.CENTER_STAFF}, case.region_path, RegionLevel.TOWNSHIP) or is_admin(user, case)


def may_escalate(case: Case, user: User) -> bool:
    return may_act_for_village(case, user)


def is_village_mediator(case: Case, user: User) -> bool:
    """A mediator or the head of the case's village committee: whom an accept may name (承办调解员)."""
    return holds(user, VILLAGE_COMMITTEE, case.region_path, RegionLevel.VILLAGE)


def is_assigned(case: Case, user: User) -> bool:
    return any(m.pk == user.pk for m in case.mediators.all())


def may_record_agreement(case: Case, user: User) -> bool:
    """The township center, the assigned mediator, or (in the village) the committee head."""
    if may_act_for_township(case, user):
        return True
    if case.status == Status.VILLAGE_MEDIATION and holds(
        user, {Role.COMMITTEE_HEAD}, case.region_path, RegionLevel.VILLAGE
    ):
        return True
    return is_assigned(case, user) and holds(user, VILLAGE_COMMITTEE, case.region_path)


def may_act_on_agreement(case: Case, user: User) -> bool:
    """Reopen or close an agreement: the committee that reached it, or the center."""
    if may_act_for_township(case, user):
        return True
    return case.agreed_rung == "village" and may_act_for_village(case, user)


def may_withdraw(case: Case, user: User) -> bool:
    if case.status == Status.REPORTED and may_resolve_on_spot(case, user):
        return True
    return may_act_for_village(case, user) or may_act_for_township(case, user)


def may_merge(case: Case, user: User) -> bool:
    return (
        holds(user, {Role.COMMITTEE_HEAD}, case.region_path, RegionLevel.VILLAGE)
        or may_act_for_township(case, user)
    )


def may_raise_risk(case: Case, user: User) -> bool:
    """Raise a case's risk level (一般 → 较大 → 重大): those who judge it and answer for it.

    The village committee and the township center work the case and meet the parties; the
    township and county supervisors are the ones a high-risk case alerts, and act on what they
    learn. Not the grid worker: after filing, what they see goes to the committee (or files a new
    case), since raising to 重大 takes the case out of the committee's hands.
    """
    return (may_act_for_village(case, user) or may_act_for_township(case, user)
            or holds(user, SUPERVISORS, case.region_path))


def may_manage_party_code(case: Case, user: User) -> bool:
    """Revoke or reissue the parties' code (解纷码): those handling the case, village or township."""
    return may_act_for_village(case, user) or may_act_for_township(case, user)
