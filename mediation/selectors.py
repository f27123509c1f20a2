"""Reads of the mediation records. Every one takes the viewer: outside their jurisdiction, 404."""
from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from casework import permissions as perms
from casework.errors import NotFound
from casework.models import Case, User
from mediation.models import Agreement, AgreementParty, MediationSession, Referral, Termination


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


def _agreements(case: Case) -> QuerySet[Agreement]:
    return case.agreements.select_related("organization", "recorded_by").prefetch_related(
        Prefetch("signatories", queryset=AgreementParty.objects.select_related("party").order_by("party_id")),
        "obligations__party", "confirmation_requests",
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
