"""Reads of the mediation records. Every one takes the viewer: outside their jurisdiction, 404."""
from __future__ import annotations

from django.db.models import Case as Switch
from django.db.models import IntegerField, Prefetch, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from casework import permissions as perms
from casework.choices import RegionLevel
from casework.errors import NotFound
from casework.models import Case, User, enclosing_paths, path_at
from mediation.choices import OrganizationKind
from mediation.models import (
    Agreement,
    AgreementParty,
    FollowUpVisit,
    MediationSession,
    Organization,
    Referral,
    Termination,
)

# Who may lead joint mediation at the township (分流): never a village committee.
TOWNSHIP_LEAD_KINDS = frozenset({OrganizationKind.GOVERNANCE_CENTER, OrganizationKind.DEPARTMENT,
                                 OrganizationKind.PROFESSIONAL})


# --- the bodies that work a case ----------------------------------------------------------------


def village_committee(case: Case) -> Organization | None:
    """The people's mediation committee of the case's village (村调委会)."""
    return Organization.objects.filter(kind=OrganizationKind.VILLAGE_COMMITTEE,
                                       region__path=path_at(case.region_path, RegionLevel.VILLAGE)).first()


def township_center(case: Case) -> Organization | None:
    """The comprehensive governance center of the case's township (综治中心)."""
    return Organization.objects.filter(kind=OrganizationKind.GOVERNANCE_CENTER,
                                       region__path=path_at(case.region_path, RegionLevel.TOWNSHIP)).first()


def lead_bodies(case: Case) -> QuerySet[Organization]:
    """Who may lead township mediation of this case: its center, the stationed departments, and the
    professional organizations working the township (or an enclosing region, e.g. the whole county).
    The center first, then departments, then by name."""
    township = path_at(case.region_path, RegionLevel.TOWNSHIP)
    kind_rank = Switch(
        When(kind=OrganizationKind.GOVERNANCE_CENTER, then=Value(0)),
        When(kind=OrganizationKind.DEPARTMENT, then=Value(1)), default=Value(2), output_field=IntegerField(),
    )
    return (Organization.objects.filter(kind__in=TOWNSHIP_LEAD_KINDS)
            .filter(Q(region__path__startswith=township + ".") | Q(region__path__in=enclosing_paths(township)))
            .annotate(kind_rank=kind_rank).order_by("kind_rank", "name"))


def lead_body_problem(case: Case, body: Organization) -> str:
    """Why `body` may not lead township mediation of the case ("" when it may)."""
    if body.kind not in TOWNSHIP_LEAD_KINDS:
        return _("The lead body must be the center, a department or a professional organization.")
    if not lead_bodies(case).filter(pk=body.pk).exists():
        return _("The lead body must work in this township.")
    return ""


def current_agreement(case: Case) -> Agreement | None:
    """The agreement in force: the latest one a reopening has not superseded."""
    return case.agreements.filter(superseded=False).order_by("-recorded_at", "-id").first()


# --- reads a user triggers ---------------------------------------------------------------------


def visible_case(*, viewer: User, case_id: int) -> Case:
    case = Case.objects.select_related("region", "lead_body").filter(pk=case_id).first()
    if case is None or not perms.can_see(viewer, case):
        raise NotFound(_("No such case."))
    return case


def sessions(*, viewer: User, case_id: int) -> QuerySet[MediationSession]:
    case = visible_case(viewer=viewer, case_id=case_id)
    return case.sessions.select_related("recorded_by").prefetch_related("mediators").order_by("held_at", "id")


def terminations(*, viewer: User, case_id: int) -> QuerySet[Termination]:
    case = visible_case(viewer=viewer, case_id=case_id)
    return case.terminations.select_related("recorded_by")


def referrals(*, viewer: User, case_id: int) -> QuerySet[Referral]:
    case = visible_case(viewer=viewer, case_id=case_id)
    return case.referrals.select_related("sent_by")


def follow_ups(*, viewer: User, case_id: int) -> QuerySet[FollowUpVisit]:
    case = visible_case(viewer=viewer, case_id=case_id)
    return case.follow_ups.select_related("visited_by")


def _agreements(case: Case) -> QuerySet[Agreement]:
    return case.agreements.select_related("organization", "recorded_by").prefetch_related(
        Prefetch("signatories", queryset=AgreementParty.objects.select_related("party").order_by("party_id")),
        "obligations__party", "confirmation_requests", "mediators",
    )


def agreements(*, viewer: User, case_id: int) -> QuerySet[Agreement]:
    """Every agreement of the case, superseded ones included, oldest first."""
    return _agreements(visible_case(viewer=viewer, case_id=case_id))


def printable_agreement(*, viewer: User, case_id: int, agreement_id: int | None = None) -> tuple[Case, Agreement]:
    """The agreement to print: the one asked for, else the one in force, else the latest."""
    case = visible_case(viewer=viewer, case_id=case_id)
    found = _agreements(case)
    if agreement_id is not None:
        agreement = found.filter(pk=agreement_id).first()
    else:
        agreement = found.filter(superseded=False).order_by("-recorded_at", "-id").first() or found.last()
    if agreement is None:
        raise NotFound(_("This case has no agreement."))
    return case, agreement
