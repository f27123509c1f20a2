"""Work queues: a human task belongs to the queue of the body that owns the case's rung.

viewflow makes a task available to users holding its `owner_permission` on its
`owner_permission_obj`; here the object is a `mediation.Organization` and the permissions
are answered by `QueueBackend` from the organization's roster and the region roles.
"""
from __future__ import annotations

from casework.choices import RegionLevel, Role
from casework.models import Case, in_subtrees, path_at
from casework.permissions import holds, roles_of
from mediation import reference as bodies
from mediation.choices import OrganizationKind
from mediation.models import Organization

__all__ = ["MANAGE", "WORK", "QueueBackend", "may_manage", "may_work", "queue_organizations",
           "township_center", "village_committee"]

WORK = "flows.work_queue"  # claim and complete the queue's tasks
MANAGE = "flows.manage_queue"  # assign, reassign, unassign them (committee head, center staff)

_LEVEL = {OrganizationKind.VILLAGE_COMMITTEE: RegionLevel.VILLAGE, OrganizationKind.GOVERNANCE_CENTER: RegionLevel.TOWNSHIP}


def _body(kind: str, case: Case) -> Organization | None:
    """Held per process (mediation.reference), as the deadline rules are: opening a task, or a
    batch of them (the deadline sweep's escalations), reads no body."""
    return bodies.body(kind, path_at(case.region_path, _LEVEL[kind]))


def village_committee(case: Case) -> Organization | None:
    """The people's mediation committee of the case's village (mediation.selectors.village_committee)."""
    return _body(OrganizationKind.VILLAGE_COMMITTEE, case)


def township_center(case: Case) -> Organization | None:
    """The governance center of the case's township (mediation.selectors.township_center)."""
    return _body(OrganizationKind.GOVERNANCE_CENTER, case)


def queue_organizations(user) -> list[Organization]:
    """The queues a user works: their rosters, and the centers of townships where they are staff."""
    orgs = {m.organization_id: m.organization for m in user.memberships.select_related("organization")}
    roles = roles_of(user)
    township_paths = [ra.region.path for ra in roles
                      if ra.role == Role.CENTER_STAFF and ra.region.level == RegionLevel.TOWNSHIP]
    if township_paths:
        for org in Organization.objects.filter(kind=OrganizationKind.GOVERNANCE_CENTER, region__path__in=township_paths):
            orgs[org.pk] = org
    # An administrator may work every queue of their subtree (may_work says so too).
    for path in [ra.region.path for ra in roles if ra.role == Role.ADMIN]:
        for org in Organization.objects.filter(in_subtrees([path], "region__path")):
            orgs[org.pk] = org
    return list(orgs.values())


def may_work(user, org: Organization) -> bool:
    if org.kind == OrganizationKind.GOVERNANCE_CENTER:
        return holds(user, {Role.CENTER_STAFF, Role.ADMIN}, org.region.path)
    return org.mediators.filter(user=user).exists() or holds(user, {Role.ADMIN}, org.region.path)


def may_manage(user, org: Organization) -> bool:
    if org.kind == OrganizationKind.GOVERNANCE_CENTER:
        return holds(user, {Role.CENTER_STAFF, Role.ADMIN}, org.region.path)
    return org.mediators.filter(user=user, is_head=True).exists() or holds(user, {Role.ADMIN}, org.region.path)


class QueueBackend:
    """An authentication backend that authenticates nobody and answers the queue permissions."""

    def authenticate(self, request, **credentials):
        return None

    def has_perm(self, user_obj, perm, obj=None):
        if not getattr(user_obj, "is_active", False) or not isinstance(obj, Organization):
            return False
        if perm == WORK:
            return may_work(user_obj, obj)
        if perm == MANAGE:
            return may_manage(user_obj, obj)
        return False
