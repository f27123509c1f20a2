"""The mediation records (调解记录): sessions, terminations, signatures, judicial confirmation,
referral receipts, follow-up visits. Each one changes a case's record, so each is a service like the transitions:
keyword-only, one transaction, the case row locked by `lock_for` with jurisdiction (404), role
(403) and the caller's view (409 conflict) checked in that order, then the state (409) and the
input (400), and the change recorded by `record_change`.

The `check_*` functions run the checks that do not depend on the input, so that an API view can
refuse a wrong role or state before it looks at the body; the services run them again under the
row lock.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from actions import transitions
from actions.changes import check_access, lock_for, record_change
from casework import clock, deadlines, ladder, validators
from casework import permissions as perms
from casework.choices import Channel, DeadlineKind, Satisfaction, Status
from casework.errors import InvalidInput, InvalidTransition, NotFound
from casework.ladder import EventAction
from casework.models import Case, User
from flows import inbox
from mediation import agreements
from mediation import permissions as mperms
from mediation.choices import DECIDED, ConfirmationStatus, VisitManner
from mediation.models import (
    CONFIRMATION_WINDOW_DAYS,
    Agreement,
    FollowUpVisit,
    JudicialConfirmationRequest,
    MediationSession,
    Referral,
    Termination,
)
from mediation.selectors import current_agreement

# What each record is called in a refusal ("Your role may not … on this case.").
ACTIONS = {
    "session": gettext_lazy("record a mediation session"),
    "termination": gettext_lazy("terminate the mediation"),
    "agreement": gettext_lazy("act on the agreement"),
    "referral": gettext_lazy("track the referral"),
    "follow_up": gettext_lazy("record a follow-up visit"),
}
MAY: dict[str, Callable[[Case, User], bool]] = {
    "session": mperms.may_record_mediation,
    "termination": mperms.may_record_mediation,
    "agreement": mperms.may_act_for_agreement,
    "referral": mperms.may_track_referral,
    "follow_up": mperms.may_act_for_agreement,
}
CLOCK_SKEW = validators.CLOCK_SKEW


def _refuse(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, fields={field: [message]})


def _required(value: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise _refuse(field, _("This field is required."))
    return value


def _refusal(record: str) -> str:
    return _("Your role may not %(action)s on this case.") % {"action": ACTIONS[record]}


def _gate(case: Case, actor: User, record: str, seen_version: int | None) -> None:
    check_access(case, actor, may=MAY[record], refusal=_refusal(record), seen_version=seen_version)


def _lock(case_id: int, actor: User, record: str, seen_version: int | None) -> Case:
    return lock_for(case_id, actor, may=MAY[record], refusal=_refusal(record), seen_version=seen_version)


# --- checks without the input ---------------------------------------------------------------------


def check_mediation_record(case: Case, actor: User, record: str = "session", seen_version: int | None = None) -> None:
    """Sessions and terminations belong to a case being mediated, in the village or at the township."""
    _gate(case, actor, record, seen_version)
    if case.status not in ladder.MEDIATING:
        raise InvalidTransition(
            _("Mediation is recorded while a case is in village or township mediation; this case is “%(status)s”.")
            % {"status": case.get_status_display()}
        )


def check_agreement_act(case: Case, actor: User, seen_version: int | None = None) -> Agreement:
    """Signatures and judicial confirmation need an agreement in force on the case."""
    _gate(case, actor, "agreement", seen_version)
    agreement = current_agreement(case)
    if agreement is None:
        raise InvalidTransition(_("This case has no agreement in force."))
    return agreement


def check_referral_tracking(case: Case, actor: User, seen_version: int | None = None) -> None:
    _gate(case, actor, "referral", seen_version)


# --- sessions and terminations ---------------------------------------------------------------------


def _attendees(raw: list[dict] | None) -> list[dict]:
    result = []
    for item in raw or []:
        name, role = (item.get("name") or "").strip(), (item.get("role") or "").strip()
        if not name:
            raise _refuse("attendees", _("Every attendee needs a name."))
        result.append({"name": name, "role": role})
    return result


@transaction.atomic
def session_record(*, case_id: int, actor: User, held_at: dt.datetime, place: str, statements: str, result: str,
                   mediators: list[User] | None = None, attendees: list[dict] | None = None,
                   seen_version: int | None = None) -> MediationSession:
    """调解笔录: record one sitting of the mediation.

    The mediators default to the recorder; each must mediate at a region covering the case (or be
    on the roster of the body leading township mediation).
    """
    case = _lock(case_id, actor, "session", seen_version)
    check_mediation_record(case, actor, "session")
    if held_at > clock.now() + CLOCK_SKEW:
        raise _refuse("held_at", _("A session cannot be recorded before it is held."))
    place, statements, result = _required(place, "place"), _required(statements, "statements"), _required(result, "result")
    people = _attendees(attendees)
    mediators = list(dict.fromkeys(mediators or [actor]))
    perms.preload_roles(mediators)
    strangers = [m.username for m in mediators if not mperms.may_sit_as_mediator(case, m)]
    if strangers:
        raise _refuse("mediators", _("Not a mediator for this case: %(names)s") % {"names": ", ".join(strangers)})

    session = MediationSession.objects.create(
        case=case, held_at=held_at, place=place, attendees=people, statements=statements, result=result,
        recorded_by=actor,
    )
    session.mediators.set(mediators)
    record_change(case, actor=actor, action=EventAction.SESSION_RECORDED, note=result, data={
        "session": session.pk, "held_at": held_at, "place": place,
        "mediators": [m.username for m in mediators], "attendees": len(people),
    })
    return session


# Where a terminated mediation goes next, per stage (人民调解法 art. 26: the parties are told of
# the other routes; the case does not stay open at a rung that has given up on it).
EXITS: dict[str, tuple[str, ...]] = {
    Status.VILLAGE_MEDIATION: ("escalate", "close"),  # up to township triage, or 调解不成结案
    Status.TOWNSHIP_MEDIATION: ("refer", "close"),  # to a one-stop channel, or 调解不成结案
}
EXIT_LABELS = {
    "escalate": gettext_lazy("escalate to the township"),
    "refer": gettext_lazy("refer to a channel"),
    "close": gettext_lazy("close as unresolved"),
}


@transaction.atomic
def termination_record(*, case_id: int, actor: User, reason: str, then: str, advised_channels: list[str] | None = None,
                       advice: str = "", channel: str = "", receiving_body: str = "",
                       seen_version: int | None = None) -> Termination:
    """终止调解: mediation failed at this stage; record why and which routes the parties were told
    of, and move the case on as `then` says — escalate (village), refer (township: `channel` and
    `receiving_body`), or close as unresolved — in the same transaction.

    人民调解法 art. 26 asks the mediator to tell the parties of arbitration, administrative and
    judicial routes, so at least one channel code or a piece of advice is required.
    """
    case = _lock(case_id, actor, "termination", seen_version)
    check_mediation_record(case, actor, "termination")
    reason = _required(reason, "reason")
    exits = EXITS[case.status]
    if then not in exits:
        raise _refuse("then", _("After terminating %(stage)s, choose one of: %(exits)s.") % {
            "stage": case.get_status_display(), "exits": "、".join(str(EXIT_LABELS[e]) for e in exits)})
    channels = list(dict.fromkeys(advised_channels or []))
    unknown = [c for c in channels if c not in Channel.values]
    if unknown:
        raise _refuse("advised_channels", _("Unknown channel: %(codes)s") % {"codes": ", ".join(unknown)})
    advice = (advice or "").strip()
    if not channels and not advice:
        raise _refuse("advised_channels", _("Tell the parties which other routes they have: a channel or advice."))
    if then == "refer":
        if channel not in Channel.values:
            raise _refuse("channel", _("Choose the channel the case is referred to."))
        receiving_body = _required(receiving_body, "receiving_body")

    stage = case.status
    termination = Termination.objects.create(
        case=case, stage=stage, reason=reason, advised_channels=channels, advice=advice, recorded_by=actor,
    )
    record_change(case, actor=actor, action=EventAction.TERMINATION_RECORDED, note=reason, data={
        "termination": termination.pk, "stage": stage, "advised_channels": channels, "advice": advice, "then": then,
    })
    if then == "escalate":
        moved = transitions.case_escalate(case_id=case.pk, actor=actor, reason=reason)
    elif then == "refer":
        moved = transitions.case_refer(case_id=case.pk, actor=actor, channel=channel, receiving_body=receiving_body)
    else:
        moved = transitions.case_close_unresolved(case_id=case.pk, actor=actor, note=reason)
    termination.case = moved
    return termination


# --- the agreement: signatures, judicial confirmation ---------------------------------------------


@transaction.atomic
def agreement_sign(*, case_id: int, actor: User, signatures: list[dict], sealed: bool = False,
                   sealed_on: dt.date | None = None, seen_version: int | None = None) -> Agreement:
    """Record the parties who have since signed the written agreement and the committee's seal.

    When the last signature or the seal is recorded the agreement takes effect, and the
    judicial-confirmation countdown runs from that day.
    """
    case = _lock(case_id, actor, "agreement", seen_version)
    agreement = check_agreement_act(case, actor)
    if agreement.is_oral:
        raise InvalidTransition(_("An oral agreement is recorded by the mediator; it is not signed or sealed."))
    if agreement.effective_on is not None:
        raise InvalidTransition(_("This agreement is already in force."))
    problem = agreements.draft_problem(agreement)
    if problem:
        raise InvalidTransition(problem)
    signed = agreements.record_signatures(agreement=agreement, signatures=signatures, sealed=sealed,
                                          sealed_on=sealed_on)
    agreements.time_confirmation_window(case=case, agreement=agreement)
    record_change(case, actor=actor, action=EventAction.AGREEMENT_SIGNED, data={
        "agreement": agreement.pk, "signed": signed, "sealed": sealed, "effective_on": agreement.effective_on,
    })
    return agreement


@transaction.atomic
def agreement_complete(*, case_id: int, actor: User, facts: str | None = None, points_in_dispute: str | None = None,
                       responsibilities: str | None = None, obligations: list[dict] | None = None,
                       seen_version: int | None = None) -> Agreement:
    """Complete (or correct) the written agreement before anyone signs it: art. 35's facts,
    responsibilities and each obligation's obliged party. New obligations re-time the follow-up."""
    case = _lock(case_id, actor, "agreement", seen_version)
    agreement = check_agreement_act(case, actor)
    for obligation in obligations or []:
        if obligation["due_date"] < agreement.concluded_on:
            raise _refuse("obligations", _("An obligation cannot fall due before the agreement was reached (%(date)s).")
                          % {"date": agreement.concluded_on.isoformat()})
    changed = agreements.complete_agreement(agreement=agreement, facts=facts, points_in_dispute=points_in_dispute,
                                            responsibilities=responsibilities, obligations=obligations)
    if obligations is not None:
        deadlines.rebase_follow_up(case=case, obligation_dates=[o["due_date"] for o in obligations])
    record_change(case, actor=actor, action=EventAction.AGREEMENT_AMENDED, data={
        "agreement": agreement.pk, "changed": changed, "missing": [str(m) for m in agreement.missing_contents()],
    })
    if obligations is not None:
        inbox.sync([case.pk])  # the follow-up visit's due moment
    return agreement


@transaction.atomic
def judicial_confirmation_request(*, case_id: int, actor: User, court: str, requested_on: dt.date | None = None,
                                  seen_version: int | None = None) -> JudicialConfirmationRequest:
    """司法确认: record that the parties jointly asked a court to confirm the agreement in force.

    People's Mediation Law art. 33: within 30 days of the agreement taking effect; a later
    request is refused (400). One request at a time: another while one is pending, or after the
    court confirmed, is a 409. The confirmation countdown stops: the window was used.
    """
    case = _lock(case_id, actor, "agreement", seen_version)
    agreement = check_agreement_act(case, actor)
    if agreement.effective_on is None:
        raise InvalidTransition(_("The agreement is not in force yet: a signature or the committee's seal is missing."))
    if agreement.confirmation_requests.filter(
        status__in=[ConfirmationStatus.PENDING, ConfirmationStatus.CONFIRMED]
    ).exists():
        raise InvalidTransition(_("A judicial confirmation of this agreement is already pending or granted."))
    court = _required(court, "court")
    requested_on = requested_on or agreements.today()
    last_day = agreement.confirmation_last_day
    if requested_on > agreements.today():
        raise _refuse("requested_on", _("This date is in the future."))
    if requested_on < agreement.effective_on:
        raise _refuse("requested_on", _("The agreement took effect on %(date)s; it cannot be confirmed before.")
                      % {"date": agreement.effective_on.isoformat()})
    if requested_on > last_day:
        raise _refuse("requested_on", _(
            "Judicial confirmation must be requested within %(days)s days of the agreement taking effect "
            "(People's Mediation Law, art. 33): it took effect on %(effective)s, the last day was %(last)s."
        ) % {"days": CONFIRMATION_WINDOW_DAYS, "effective": agreement.effective_on.isoformat(),
             "last": last_day.isoformat()})

    request = JudicialConfirmationRequest.objects.create(
        agreement=agreement, requested_on=requested_on, court=court, recorded_by=actor,
    )
    deadlines.stop_clocks(case=case, at=clock.now(), kinds=(DeadlineKind.JUDICIAL_CONFIRMATION,))
    record_change(case, actor=actor, action=EventAction.JUDICIAL_CONFIRMATION_REQUESTED, data={
        "request": request.pk, "agreement": agreement.pk, "court": court, "requested_on": requested_on,
    })
    return request


def check_confirmation_decision(case: Case, actor: User, request_id: int,
                                seen_version: int | None = None) -> JudicialConfirmationRequest:
    """The pending request of this case whose ruling is to be recorded."""
    _gate(case, actor, "agreement", seen_version)
    request = JudicialConfirmationRequest.objects.filter(pk=request_id, agreement__case=case).first()
    if request is None:
        raise NotFound(_("No such judicial confirmation request."))
    if request.status != ConfirmationStatus.PENDING:
        raise InvalidTransition(_("The court's ruling on this request is already recorded."))
    return request


@transaction.atomic
def judicial_confirmation_decide(*, case_id: int, actor: User, request_id: int, result: str,
                                 decided_on: dt.date | None = None, decision: str = "",
                                 seen_version: int | None = None) -> JudicialConfirmationRequest:
    """Record the court's ruling on a pending request: confirmed (确认有效) or rejected (驳回).

    A rejection leaves the agreement on record: the parties may change it or reach a new one
    through mediation, or go to court (人民调解法 art. 33).
    """
    case = _lock(case_id, actor, "agreement", seen_version)
    request = check_confirmation_decision(case, actor, request_id)
    if result not in DECIDED:
        raise _refuse("result", _("Choose confirmed or rejected."))
    decided_on = decided_on or agreements.today()
    if decided_on > agreements.today():
        raise _refuse("decided_on", _("This date is in the future."))
    if decided_on < request.requested_on:
        raise _refuse("decided_on", _("The court cannot rule before the request was made."))

    request.status, request.decided_on, request.decision = result, decided_on, (decision or "").strip()
    request.decision_recorded_by = actor
    request.save(update_fields=["status", "decided_on", "decision", "decision_recorded_by"])
    record_change(case, actor=actor, action=EventAction.JUDICIAL_CONFIRMATION_DECIDED, note=request.decision, data={
        "request": request.pk, "result": result, "decided_on": decided_on,
    })
    return request


# --- follow-up visits (回访) ---------------------------------------------------------------------


def check_follow_up(case: Case, actor: User, seen_version: int | None = None) -> Agreement:
    """A visit follows up an agreement: one recorded on the case, while it is agreed or after the
    case was closed on it (DESIGN.md §2: the `close` transition records the visit that closes
    it; the visits before and after it are recorded here)."""
    _gate(case, actor, "follow_up", seen_version)
    agreement = current_agreement(case)
    if agreement is None or case.status not in (Status.AGREED, Status.CLOSED):
        raise InvalidTransition(_("A follow-up visit follows up an agreement: this case has none to follow up."))
    return agreement


@transaction.atomic
def follow_up_record(*, case_id: int, actor: User, visited_at: dt.datetime, manner: str, fulfilled: bool,
                     satisfaction: str, notes: str = "", seen_version: int | None = None) -> FollowUpVisit:
    """回访: record one visit to the parties — when, in person or by phone, whether the agreement
    is performed, how satisfied they are — without moving the case.

    The statistics take fulfilment and satisfaction from the `close` event (the visit that
    closed the case, reproducible as of any date), so a visit recorded here adds to the record
    and the timeline but does not change figures already reported.
    """
    case = _lock(case_id, actor, "follow_up", seen_version)
    check_follow_up(case, actor)
    if manner not in VisitManner.values:
        raise _refuse("manner", _("Choose in person or by phone."))
    if satisfaction not in Satisfaction.values:
        raise _refuse("satisfaction", _("Choose how satisfied the parties are."))
    if visited_at > clock.now() + CLOCK_SKEW:
        raise _refuse("visited_at", _("A visit cannot be recorded before it is made."))
    agreement = current_agreement(case)
    if timezone.localtime(visited_at).date() < agreement.concluded_on:
        raise _refuse("visited_at", _("A follow-up visit cannot come before the agreement (%(date)s).")
                      % {"date": agreement.concluded_on.isoformat()})
    notes = (notes or "").strip()
    visit = FollowUpVisit.objects.create(case=case, visited_at=visited_at, manner=manner, fulfilled=fulfilled,
                                         satisfaction=satisfaction, notes=notes, visited_by=actor)
    record_change(case, actor=actor, action=EventAction.FOLLOW_UP_RECORDED, note=notes, data={
        "visit": visit.pk, "visited_at": visited_at, "manner": manner, "fulfilled": fulfilled,
        "satisfaction": satisfaction,
    })
    return visit


# --- referrals ----------------------------------------------------------------------------------


@transaction.atomic
def referral_receive(*, case_id: int, actor: User, referral_id: int, received_at: dt.datetime | None = None,
                     note: str = "", seen_version: int | None = None) -> Referral:
    """The receiving body signed for a referral (签收): record when, once."""
    case = _lock(case_id, actor, "referral", seen_version)
    referral = case.referrals.filter(pk=referral_id).first()
    if referral is None:
        raise NotFound(_("No such referral."))
    if referral.received_at is not None:
        raise InvalidTransition(_("The receipt of this referral is already recorded."))
    received_at = received_at or clock.now()
    if received_at > clock.now() + CLOCK_SKEW:
        raise _refuse("received_at", _("This moment is in the future."))
    if received_at < referral.sent_at:
        raise _refuse("received_at", _("A referral cannot be received before it was sent."))

    referral.received_at, referral.receipt_note, referral.receipt_recorded_by = received_at, (note or "").strip(), actor
    referral.save(update_fields=["received_at", "receipt_note", "receipt_recorded_by"])
    record_change(case, actor=actor, action=EventAction.REFERRAL_RECEIVED, note=referral.receipt_note, data={
        "referral": referral.pk, "channel": referral.channel, "receiving_body": referral.receiving_body,
        "received_at": received_at,
    })
    return referral
