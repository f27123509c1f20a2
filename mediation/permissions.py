"""Who may keep which mediation record, built on the role predicates of casework.permissions.

Each predicate takes (case, user) and answers for roles only; the services check the state.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from casework import permissions as perms
from casework.choices import Role, Status
from casework.ladder import MEDIATING

if TYPE_CHECKING:
    from casework.models import Case, User

# Who may sit as a mediator in a session: anyone who mediates at a region covering the case.
SESSION_MEDIATOR_ROLES = frozenset({Role.MEDIATOR, Role.COMMITTEE_HEAD, Role.CENTER_STAFF, Role.ADMIN})


def may_record_mediation(case: Case, user: User) -> bool:
    """Sessions and terminations: those who may record the agreement at this stage, and any
    member of the village committee while the village works the case."""
    if case.status == Status.VILLAGE_MEDIATION and perms.may_act_for_village(case, user):
        return True
    if case.status in MEDIATING:
        return perms.may_record_agreement(case, user)
    # Outside mediation the bodies that mediate are told "not now" (409), not "not you" (403).
    return perms.may_act_for_village(case, user) or perms.may_act_for_township(case, user)


def may_act_for_agreement(case: Case, user: User) -> bool:
    """Signatures and judicial confirmation: the body that reached the agreement (or the
    center), and the village mediators assigned to the case."""
    if perms.may_act_on_agreement(case, user):
        return True
    if perms.is_assigned(case, user) and perms.holds(user, perms.VILLAGE_COMMITTEE, case.region_path):
        return True
    # No agreement reached (yet, or any more): the bodies that mediate are told "not now" (409).
    return not case.agreed_rung and (perms.may_act_for_village(case, user) or perms.may_act_for_township(case, user))


def may_track_referral(case: Case, user: User) -> bool:
    """Referrals are the township center's: it sent them and follows them up."""
    return perms.may_act_for_township(case, user)


def may_sit_as_mediator(case: Case, user: User) -> bool:
    if perms.holds(user, SESSION_MEDIATOR_ROLES, case.region_path):
        return True
    # A professional organization leading township mediation brings its own roster.
    return case.lead_body_id is not None and case.lead_body.mediators.filter(user=user).exists()
