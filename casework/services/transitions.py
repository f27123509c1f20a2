"""The case transitions of DESIGN.md §2, one service each.

Each service locks the case row, checks jurisdiction (404), role (403), state (409) and the
actor's view of the case (409 conflict), fires the pure FSM method, writes one CaseEvent and
moves the deadline clocks — all in one transaction. `actor=None` is the system (timers,
routing rules) and skips the jurisdiction and role checks, never the state check.
"""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import ConcurrentTransition

from casework import clock
from casework import permissions as perms
from casework.choices import OPEN_STATUSES, RegionLevel, Role
from casework.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    InvalidTransition,
    NotFound,
)
from casework.models import Case, User
from casework.services import deadlines
from casework.services.audit import record_event
from flows.choices import NotificationKind
from mediation.choices import OrganizationKind
from mediation.models import (
    FollowUpVisit,
    Organization,
    Referral,
)

TRANSITIONS: tuple[str, ...] = (
    "resolve_on_spot", "accept", "decline", "escalate", "triage_to_mediation", "return_to_village",
    "refer", "record_agreement", "record_referral_outcome", "reopen", "close", "withdraw", "merge",
)

TRANSITION_LABELS = {
    "resolve_on_spot": gettext_lazy("resolve on the spot"),  # 就地化解
    "accept": gettext_lazy("accept"),  # 受理
    "decline": gettext_lazy("decline"),  # 不予受理
    "escalate": gettext_lazy("escalate"),  # 上报
    "triage_to_mediation": gettext_lazy("triage to township mediation"),  # 分流至乡镇调解
    "return_to_village": gettext_lazy("return to the village"),  # 下沉
    "refer": gettext_lazy("refer to a channel"),  # 多元化解分流
    "record_agreement": gettext_lazy("record an agreement"),
    "record_referral_outcome": gettext_lazy("record the referral outcome"),
    "reopen": gettext_lazy("reopen"),
    "close": gettext_lazy("close"),
    "withdraw": gettext_lazy("withdraw"),
    "merge": gettext_lazy("merge"),  # 并单
}

# Who may lead joint mediation at the township (分流): never a village committee.
TOWNSHIP_LEAD_KINDS = frozenset({OrganizationKind.GOVERNANCE_CENTER, OrganizationKind.DEPARTMENT, OrganizationKind.PROFESSIONAL})

_CASE_FIELDS = [
    "status", "outcome", "agreed_rung", "closed_at", "lead_body", "merged_into", "version",
    "event_count", "last_event_hash", "updated_at",
]


def _transition_meta(name: str):
    if name not in TRANSITIONS:
        raise NotFound(_("Unknown transition: %(name)s") % {"name": name})
    return getattr(Case, name)._django_fsm


def may_fire(case: Case, actor: User, name: str) -> bool:
    """Does the actor's role allow this transition on this case, whatever its state?"""
    meta = _transition_meta(name)
    permission = next(iter(meta.transitions.values())).permission
    return bool(permission(case, actor))


def allowed_transitions(case: Case, actor: User) -> list[str]:
    """What the actor may fire on the case now: possible from its status and permitted."""
    return [name for name in TRANSITIONS if _transition_meta(name).has_transition(case.status)
            and may_fire(case, actor, name)]


def check_transition(case: Case, actor: User | None, name: str, seen_version: int | None = None) -> None:
    """Every check of a transition, in the order the API promises: 404, 403, 409 conflict, 409 state."""
    if actor is not None and not perms.can_see(actor, case):
        raise NotFound(_("No such case."))
    if actor is not None and not may_fire(case, actor, name):
        raise Forbidden(_("Your role may not %(action)s this case.") % {"action": TRANSITION_LABELS[name]})
    if seen_version is not None and seen_version != case.version:
        raise Conflict(_("Someone else changed this case while you were acting on it; reload it and try again."))
    if not _transition_meta(name).has_transition(case.status):
        raise InvalidTransition(
            _("A case in status “%(status)s” cannot %(action)s.") % {"status": case.get_status_display(), "action": TRANSITION_LABELS[name]}
        )


def lock_case(*, case_id: int, actor: User | None, name: str, seen_version: int | None = None) -> Case:
    """Take the case's row lock, then run every check on what the lock shows."""
    case = Case.objects.select_for_update().filter(pk=case_id).first()
    if case is None:
        raise NotFound(_("No such case."))
    check_transition(case, actor, name, seen_version)
    return case


def _fire(case: Case, actor: User | None, name: str, *, note: str = "", data: dict | None = None,
          obligation_dates: list[dt.date] | None = None, notify: str | None = None,
          notify_also: tuple[User, ...] | list[User] = (), **kwargs) -> Case:
    """Fire the pure FSM method and its effects; `notify` is the notification kind it raises."""
    from flows import engine, notifications  # the workflow follows the case; casework does not depend on it at import

    source = case.status
    getattr(case, name)(**kwargs)
    now = clock.now()
    case.version += 1
    event = record_event(case=case, actor=actor, action=name, source=source, note=note, data=data)
    deadlines.on_status_change(case=case, source=source, at=now, obligation_dates=obligation_dates)
    try:
        case.save(update_fields=_CASE_FIELDS)
    except ConcurrentTransition:
        raise Conflict(_("Someone else changed this case while you were acting on it; reload it and try again."))
    if notify:
        notifications.notify(case=case, kind=notify, event=event, also=notify_also, exclude=actor)
    engine.follow(case, actor)
    return case


def _required(value: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(_("This field is required."), fields={field: [_("This field is required.")]})
    return value


@transaction.atomic
def case_resolve_on_spot(*, case_id: int, actor: User, note: str, seen_version: int | None = None) -> Case:
    """就地化解: the reporting grid worker settled it on the spot."""
    case = lock_case(case_id=case_id, actor=actor, name="resolve_on_spot", seen_version=seen_version)
    return _fire(case, actor, "resolve_on_spot", note=_required(note, "note"))


@transaction.atomic
def case_accept(*, case_id: int, actor: User, mediators: list[User] | None = None, note: str = "",
                seen_version: int | None = None) -> Case:
    """受理: the village committee takes the case and names its mediator(s)."""
    case = lock_case(case_id=case_id, actor=actor, name="accept", seen_version=seen_version)
    committee = perms.VILLAGE_COMMITTEE
    if not mediators:
        if not perms.holds(actor, committee, case.region_path, RegionLevel.VILLAGE):
            raise InvalidInput(_("Name the mediators."), fields={"mediators": [_("Name at least one mediator.")]})
        mediators = [actor]
    perms.preload_roles(mediators)
    strangers = [m.username for m in mediators if not perms.holds(m, committee, case.region_path, RegionLevel.VILLAGE)]
    if strangers:
        raise InvalidInput(
            _("Not a mediator of this village: %(names)s") % {"names": ", ".join(strangers)},
            fields={"mediators": [_("Not a mediator of this village: %(names)s") % {"names": ", ".join(strangers)}]},
        )
    case.mediators.set(mediators)
    # Mediators named by someone else hear of it (指派); naming oneself needs no notice.
    return _fire(case, actor, "accept", note=note, data={"mediators": [m.username for m in mediators]},
                 notify=NotificationKind.ASSIGNED, notify_also=mediators)


@transaction.atomic
def case_decline(*, case_id: int, actor: User, reason: str, advised_channel: str, note: str = "",
                 seen_version: int | None = None) -> Case:
    """不予受理: with the channel the parties were told to use instead."""
    case = lock_case(case_id=case_id, actor=actor, name="decline", seen_version=seen_version)
    data = {"reason": _required(reason, "reason"), "advised_channel": _required(advised_channel, "advised_channel")}
    return _fire(case, actor, "decline", note=note or reason, data=data)


@transaction.atomic
def case_escalate(*, case_id: int, actor: User | None, reason: str, note: str = "",
                  seen_version: int | None = None, automatic: bool = False) -> Case:
    """上报: from the grid or village up to township triage."""
    case = lock_case(case_id=case_id, actor=actor, name="escalate", seen_version=seen_version)
    data = {"reason": _required(reason, "reason")}
    if automatic:
        data["automatic"] = True
    return _fire(case, actor, "escalate", note=note or reason, data=data, notify=NotificationKind.ESCALATED)


@transaction.atomic
def case_triage_to_mediation(*, case_id: int, actor: User, lead_body: Organization | None = None,
                             note: str = "", seen_version: int | None = None) -> Case:
    """分流 to joint mediation at the township, led by the center, a department or a professional body."""
    case = lock_case(case_id=case_id, actor=actor, name="triage_to_mediation", seen_version=seen_version)
    township_path = case.region_path.rsplit(".", 2)[0]
    if lead_body is None:
        lead_body = Organization.objects.filter(
            kind=OrganizationKind.GOVERNANCE_CENTER, region__path=township_path
        ).first()
        if lead_body is None:
            raise InvalidInput(_("This township has no governance center; name the lead body."),
                               fields={"lead_body": [_("This field is required.")]})
    elif lead_body.kind not in TOWNSHIP_LEAD_KINDS:
        raise InvalidInput(_("The lead body must be the center, a department or a professional organization."),
                           fields={"lead_body": [_("The lead body must be the center, a department or a professional organization.")]})
    elif not perms.covers(lead_body.region.path, township_path) and not perms.covers(township_path, lead_body.region.path):
        raise InvalidInput(_("The lead body must work in this township."),
                           fields={"lead_body": [_("The lead body must work in this township.")]})
    return _fire(case, actor, "triage_to_mediation", note=note, lead_body=lead_body,
                 data={"lead_body": lead_body.pk, "lead_body_name": lead_body.name})


@transaction.atomic
def case_return_to_village(*, case_id: int, actor: User, note: str, seen_version: int | None = None) -> Case:
    """下沉: back to the village committee, with guidance."""
    case = lock_case(case_id=case_id, actor=actor, name="return_to_village", seen_version=seen_version)
    return _fire(case, actor, "return_to_village", note=_required(note, "note"))


@transaction.atomic
def case_refer(*, case_id: int, actor: User, channel: str, receiving_body: str, note: str = "",
               seen_version: int | None = None) -> Case:
    """Refer to a one-stop channel (仲裁, 诉讼, 信访, 法律援助…) and start waiting for its reply."""
    case = lock_case(case_id=case_id, actor=actor, name="refer", seen_version=seen_version)
    receiving_body = _required(receiving_body, "receiving_body")
    referral = Referral.objects.create(case=case, channel=channel, receiving_body=receiving_body, sent_by=actor)
    return _fire(case, actor, "refer", note=note,
                 data={"referral": referral.pk, "channel": channel, "receiving_body": receiving_body})


@transaction.atomic
def case_record_agreement(*, case_id: int, actor: User, terms: str, obligations: list[dict],
                          note: str = "", seen_version: int | None = None, form: str = "written",
                          facts: str = "", points_in_dispute: str = "", responsibilities: str = "",
                          parties: list[int] | None = None, signatures: list[dict] | None = None,
                          sealed: bool | None = None, sealed_on: dt.date | None = None,
                          concluded_on: dt.date | None = None) -> Case:
    """调解协议书: record the agreement and its obligations; the follow-up clock starts.

    Beyond terms and obligations, the contents of art. 35 of 《人民调解工作若干规定》 are optional
    (see mediation.agreements.create_agreement); the judicial-confirmation countdown runs from
    the day the agreement takes effect.
    """
    from mediation import agreements  # imports casework.models; kept out of this module's import time

    case = lock_case(case_id=case_id, actor=actor, name="record_agreement", seen_version=seen_version)
    if not obligations:
        raise InvalidInput(_("An agreement needs at least one obligation."),
                           fields={"obligations": [_("An agreement needs at least one obligation.")]})
    agreement = agreements.create_agreement(
        case=case, actor=actor, terms=_required(terms, "terms"), obligations=obligations, form=form, facts=facts,
        points_in_dispute=points_in_dispute, responsibilities=responsibilities, parties=parties,
        signatures=signatures, sealed=sealed, sealed_on=sealed_on, concluded_on=concluded_on,
    )
    case = _fire(case, actor, "record_agreement", note=note,
                 obligation_dates=[o["due_date"] for o in obligations],
                 data={"agreement": agreement.pk, "obligations": len(obligations), "form": agreement.form,
                       "effective_on": agreement.effective_on})
    agreements.time_confirmation_window(case=case, agreement=agreement)
    return case


@transaction.atomic
def case_record_referral_outcome(*, case_id: int, actor: User, resolved: bool, reply: str, note: str = "",
                                 seen_version: int | None = None) -> Case:
    """The receiving body replied: resolved through the channel, or not."""
    case = lock_case(case_id=case_id, actor=actor, name="record_referral_outcome", seen_version=seen_version)
    referral = case.referrals.order_by("-sent_at", "-id").first()
    reply = _required(reply, "reply")
    if referral is not None:
        referral.reply, referral.resolved, referral.replied_at = reply, resolved, clock.now()
        referral.save(update_fields=["reply", "resolved", "replied_at"])
    return _fire(case, actor, "record_referral_outcome", note=note or reply, resolved=resolved,
                 data={"resolved": resolved, "referral": referral.pk if referral else None})


@transaction.atomic
def case_reopen(*, case_id: int, actor: User, reason: str, note: str = "", seen_version: int | None = None) -> Case:
    """反悔 or an unmet obligation: the agreement is superseded and mediation resumes."""
    case = lock_case(case_id=case_id, actor=actor, name="reopen", seen_version=seen_version)
    reason = _required(reason, "reason")
    case.agreements.filter(superseded=False).update(superseded=True)
    return _fire(case, actor, "reopen", note=note or reason, data={"reason": reason})


@transaction.atomic
def case_close(*, case_id: int, actor: User, fulfilled: bool, satisfaction: str, note: str = "",
               seen_version: int | None = None) -> Case:
    """回访 done: record fulfilment and satisfaction, and close as resolved at the agreeing rung."""
    case = lock_case(case_id=case_id, actor=actor, name="close", seen_version=seen_version)
    FollowUpVisit.objects.create(case=case, fulfilled=fulfilled, satisfaction=satisfaction, visited_by=actor)
    return _fire(case, actor, "close", note=note, data={"fulfilled": fulfilled, "satisfaction": satisfaction})


@transaction.atomic
def case_withdraw(*, case_id: int, actor: User, note: str, seen_version: int | None = None) -> Case:
    """撤回: the applicant asked to withdraw."""
    case = lock_case(case_id=case_id, actor=actor, name="withdraw", seen_version=seen_version)
    return _fire(case, actor, "withdraw", note=_required(note, "note"))


@transaction.atomic
def case_merge(*, case_id: int, actor: User, into_id: int, note: str = "", seen_version: int | None = None) -> Case:
    """并单: close a duplicate, pointing at the open case of the same township that carries on."""
    case = lock_case(case_id=case_id, actor=actor, name="merge", seen_version=seen_version)
    into = Case.objects.select_for_update().filter(pk=into_id).first()
    township = case.region_path.rsplit(".", 2)[0]
    problem = None
    if into is None or not perms.can_see(actor, into):
        problem = _("No such case.")
    elif into.pk == case.pk:
        problem = _("A case cannot be merged into itself.")
    elif into.status not in OPEN_STATUSES:
        problem = _("The case to merge into must be open.")
    elif not perms.covers(township, into.region_path):
        problem = _("The case to merge into must be in the same township.")
    if problem:
        raise InvalidInput(problem, fields={"into": [problem]})
    return _fire(case, actor, "merge", note=note, into=into, data={"into": into.pk, "into_number": into.number})


def _lock_for_clock(case_id: int, actor: User) -> Case:
    case = Case.objects.select_for_update().filter(pk=case_id).first()
    if case is None or not perms.can_see(actor, case):
        raise NotFound(_("No such case."))
    if not (perms.may_act_for_village(case, actor) or perms.may_act_for_township(case, actor)
            or perms.holds(actor, {Role.GRID_WORKER}, case.region_path)):
        raise Forbidden(_("Your role may not pause this case's deadline."))
    return case


@transaction.atomic
def case_pause_clock(*, case_id: int, actor: User, reason: str) -> Case:
    """Stop the current stage's clock while waiting for a party (e.g. unreachable)."""
    case = _lock_for_clock(case_id, actor)
    clock = deadlines.pause_clock(case=case, actor=actor, reason=reason)
    case.version += 1
    record_event(case=case, actor=actor, action="pause_clock", source=case.status, note=reason,
                 data={"deadline": clock.kind})
    case.save(update_fields=["version", "event_count", "last_event_hash", "updated_at"])
    _reschedule_timers(case)
    return case


@transaction.atomic
def case_resume_clock(*, case_id: int, actor: User, note: str = "") -> Case:
    case = _lock_for_clock(case_id, actor)
    clock, stood = deadlines.resume_clock(case=case, actor=actor)
    case.version += 1
    record_event(case=case, actor=actor, action="resume_clock", source=case.status, note=note,
                 data={"deadline": clock.kind, "paused_seconds": int(stood.total_seconds()),
                       "due_at": clock.due_at})
    case.save(update_fields=["version", "event_count", "last_event_hash", "updated_at"])
    _reschedule_timers(case)
    return case


def _reschedule_timers(case: Case) -> None:
    from flows import engine

    engine.reschedule(case)


# The service behind each transition name of API.md: views, commands and the demo dispatch through it.
TRANSITION_SERVICES = {
    "resolve_on_spot": case_resolve_on_spot,
    "accept": case_accept,
    "decline": case_decline,
    "escalate": case_escalate,
    "triage_to_mediation": case_triage_to_mediation,
    "return_to_village": case_return_to_village,
    "refer": case_refer,
    "record_agreement": case_record_agreement,
    "record_referral_outcome": case_record_referral_outcome,
    "reopen": case_reopen,
    "close": case_close,
    "withdraw": case_withdraw,
    "merge": case_merge,
}
assert set(TRANSITION_SERVICES) == set(TRANSITIONS)
