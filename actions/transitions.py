"""The case transitions of the ladder (casework.ladder), one service each.

Each service locks the case row with `lock_for` (404 jurisdiction, 403 role, 409 conflict),
checks the state (409 invalid transition) and its input (400), fires the pure FSM method,
moves the deadline clocks, records the change (`record_change`) and moves the workflow on —
all in one transaction. `actor=None` is the system (timers, routing rules) and skips the
jurisdiction and role checks, never the state check.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from actions.changes import check_access, lock_for, record_change
from casework import clock, deadlines, ladder, validators
from casework import permissions as perms
from casework.choices import OPEN_STATUSES, RegionLevel
from casework.errors import InvalidInput, InvalidTransition, NotFound
from casework.models import Case, User, path_at
from flows import engine, inbox
from mediation import agreements
from mediation.models import FollowUpVisit, Organization, Referral
from mediation.selectors import current_agreement, lead_body_problem, township_center

# The service behind each transition of the ladder: the API, the UI, commands and the demo dispatch through it.
SERVICES: dict[str, Callable[..., Case]] = {}

# What a transition may change on the case row.
TRANSITION_FIELDS = ("status", "outcome", "agreed_rung", "closed_at", "lead_body", "merged_into")


def service(name: str):
    """Register the decorated function as the service of the ladder's transition `name`."""
    spec = ladder.TRANSITIONS[name]

    def register(func):
        assert func.__name__ == spec.service_name, f"{func.__name__} serves {name}"
        SERVICES[name] = func
        return func

    return register


def _spec(name: str) -> ladder.TransitionSpec:
    spec = ladder.TRANSITIONS.get(name)
    if spec is None:
        raise NotFound(_("Unknown transition: %(name)s") % {"name": name})
    return spec


def _refusal(spec: ladder.TransitionSpec) -> str:
    return _("Your role may not %(action)s this case.") % {"action": spec.label}


def check_transition(case: Case, actor: User | None, name: str, seen_version: int | None = None) -> None:
    """Every check of a transition that does not need its input, in the order the API promises:
    404, 403, 409 conflict, 409 state."""
    spec = _spec(name)
    check_access(case, actor, may=spec.permission, refusal=_refusal(spec), seen_version=seen_version)
    if spec.via and actor is not None:
        raise InvalidTransition(_("“%(action)s” is chosen as the next step when the mediation is terminated.")
                                % {"action": spec.label})
    if case.status not in spec.sources:
        raise InvalidTransition(
            _("A case in status “%(status)s” cannot %(action)s.") % {"status": case.get_status_display(), "action": spec.label}
        )


def lock_case(*, case_id: int, actor: User | None, name: str, seen_version: int | None = None) -> Case:
    """Take the case's row lock, then run every check of the transition on what the lock shows."""
    spec = _spec(name)
    case = lock_for(case_id, actor, may=spec.permission, refusal=_refusal(spec), seen_version=seen_version)
    check_transition(case, None, name)  # jurisdiction, role and view were checked by lock_for
    return case


def _fire(case: Case, actor: User | None, name: str, *, note: str = "", data: dict | None = None,
          obligation_dates: list[dt.date] | None = None, notify_also: tuple[User, ...] | list[User] = (),
          then: Callable[[], object] | None = None, **kwargs) -> Case:
    """Fire the pure FSM method, move the clocks (and run `then`, the transition's own writes that
    need the new clocks), record the change (with the notification the ladder gives the
    transition), and move the workflow on.

    Every write of the record comes before `record_change`: its event commits to the state they leave.
    """
    source = case.status
    getattr(case, name)(**kwargs)
    deadlines.on_status_change(case=case, source=source, at=clock.now(), obligation_dates=obligation_dates)
    if then is not None:
        then()
    record_change(case, actor=actor, action=name, source=source, note=note, data=data, fields=TRANSITION_FIELDS,
                  notify=ladder.TRANSITIONS[name].notify, notify_also=notify_also)
    engine.follow(case, actor)
    inbox.sync([case.pk])  # the task the process step closed and the one it opened
    return case


def _required(value: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(_("This field is required."), fields={field: [_("This field is required.")]})
    return value


@service("resolve_on_spot")
@transaction.atomic
def case_resolve_on_spot(*, case_id: int, actor: User, note: str, seen_version: int | None = None) -> Case:
    """就地化解: the reporting grid worker settled it on the spot."""
    case = lock_case(case_id=case_id, actor=actor, name="resolve_on_spot", seen_version=seen_version)
    return _fire(case, actor, "resolve_on_spot", note=_required(note, "note"))


@service("accept")
@transaction.atomic
def case_accept(*, case_id: int, actor: User, mediators: list[User] | None = None, note: str = "",
                seen_version: int | None = None) -> Case:
    """受理: the village committee takes the case and names its mediator(s)."""
    case = lock_case(case_id=case_id, actor=actor, name="accept", seen_version=seen_version)
    if not mediators:
        if not perms.is_village_mediator(case, actor):
            raise InvalidInput(_("Name the mediators."), fields={"mediators": [_("Name at least one mediator.")]})
        mediators = [actor]
    perms.preload_roles(mediators)
    strangers = [m.username for m in mediators if not perms.is_village_mediator(case, m)]
    if strangers:
        message = _("Not a mediator of this village: %(names)s") % {"names": ", ".join(strangers)}
        raise InvalidInput(message, fields={"mediators": [message]})
    case.mediators.set(mediators)
    # Mediators named by someone else hear of it (指派); naming oneself needs no notice.
    return _fire(case, actor, "accept", note=note, data={"mediators": [m.username for m in mediators]}, notify_also=mediators)


@service("decline")
@transaction.atomic
def case_decline(*, case_id: int, actor: User, reason: str, advised_channel: str, note: str = "",
                 seen_version: int | None = None) -> Case:
    """不予受理: with the channel the parties were told to use instead."""
    case = lock_case(case_id=case_id, actor=actor, name="decline", seen_version=seen_version)
    data = {"reason": _required(reason, "reason"), "advised_channel": _required(advised_channel, "advised_channel")}
    return _fire(case, actor, "decline", note=note or reason, data=data)


@service("escalate")
@transaction.atomic
def case_escalate(*, case_id: int, actor: User | None, reason: str, note: str = "",
                  seen_version: int | None = None, automatic: bool = False) -> Case:
    """上报: from the grid or village up to township triage."""
    case = lock_case(case_id=case_id, actor=actor, name="escalate", seen_version=seen_version)
    data = {"reason": _required(reason, "reason")}
    if automatic:
        data["automatic"] = True
    return _fire(case, actor, "escalate", note=note or reason, data=data)


@service("triage_to_mediation")
@transaction.atomic
def case_triage_to_mediation(*, case_id: int, actor: User, lead_body: Organization | None = None,
                             note: str = "", seen_version: int | None = None) -> Case:
    """分流 to joint mediation at the township, led by the center, a department or a professional body."""
    case = lock_case(case_id=case_id, actor=actor, name="triage_to_mediation", seen_version=seen_version)
    if lead_body is None:
        lead_body = township_center(case)
        if lead_body is None:
            raise InvalidInput(_("This township has no governance center; name the lead body."),
                               fields={"lead_body": [_("This field is required.")]})
    problem = lead_body_problem(case, lead_body)
    if problem:
        raise InvalidInput(problem, fields={"lead_body": [problem]})
    return _fire(case, actor, "triage_to_mediation", note=note, lead_body=lead_body,
                 data={"lead_body": lead_body.pk, "lead_body_name": lead_body.name})


@service("return_to_village")
@transaction.atomic
def case_return_to_village(*, case_id: int, actor: User, note: str, seen_version: int | None = None) -> Case:
    """下沉: back to the village committee, with guidance."""
    case = lock_case(case_id=case_id, actor=actor, name="return_to_village", seen_version=seen_version)
    return _fire(case, actor, "return_to_village", note=_required(note, "note"))


@service("refer")
@transaction.atomic
def case_refer(*, case_id: int, actor: User, channel: str, receiving_body: str, note: str = "",
               seen_version: int | None = None) -> Case:
    """Refer to a one-stop channel (仲裁, 诉讼, 信访, 法律援助…) and start waiting for its reply."""
    case = lock_case(case_id=case_id, actor=actor, name="refer", seen_version=seen_version)
    receiving_body = _required(receiving_body, "receiving_body")
    referral = Referral.objects.create(case=case, channel=channel, receiving_body=receiving_body, sent_by=actor)
    return _fire(case, actor, "refer", note=note,
                 data={"referral": referral.pk, "channel": channel, "receiving_body": receiving_body})


@service("record_agreement")
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
    case = lock_case(case_id=case_id, actor=actor, name="record_agreement", seen_version=seen_version)
    if not obligations:
        raise InvalidInput(_("An agreement needs at least one obligation."),
                           fields={"obligations": [_("An agreement needs at least one obligation.")]})
    for obligation in obligations:
        try:
            validators.validate_obligation_due_date(obligation["due_date"])
        except ValidationError as exc:
            raise InvalidInput(exc.messages[0], fields={"obligations": exc.messages})
    agreement = agreements.create_agreement(
        case=case, actor=actor, terms=_required(terms, "terms"), obligations=obligations, form=form, facts=facts,
        points_in_dispute=points_in_dispute, responsibilities=responsibilities, parties=parties,
        signatures=signatures, sealed=sealed, sealed_on=sealed_on, concluded_on=concluded_on,
    )
    return _fire(case, actor, "record_agreement", note=note,
                 obligation_dates=[o["due_date"] for o in obligations],
                 then=lambda: agreements.time_confirmation_window(case=case, agreement=agreement),
                 data={"agreement": agreement.pk, "obligations": len(obligations), "form": agreement.form,
                       "effective_on": agreement.effective_on})


@service("record_referral_outcome")
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


@service("reopen")
@transaction.atomic
def case_reopen(*, case_id: int, actor: User, reason: str, note: str = "", seen_version: int | None = None) -> Case:
    """反悔 or an unmet obligation: the agreement is superseded and mediation resumes."""
    case = lock_case(case_id=case_id, actor=actor, name="reopen", seen_version=seen_version)
    reason = _required(reason, "reason")
    case.agreements.filter(superseded=False).update(superseded=True)
    return _fire(case, actor, "reopen", note=note or reason, data={"reason": reason})


@service("close")
@transaction.atomic
def case_close(*, case_id: int, actor: User, fulfilled: bool, satisfaction: str, note: str = "",
               seen_version: int | None = None) -> Case:
    """回访 done: record fulfilment and satisfaction, and close.

    Only an agreement in force is followed up. Performed, the case closes as resolved at the
    agreeing rung; found unperformed, it closes as unresolved — an agreement nobody honoured
    settled nothing — and the note says what the parties were told (court enforcement, a
    lawsuit…); to mediate again instead, reopen it. Closing while an obligation is not yet due
    needs a note saying why (e.g. performed early).
    """
    case = lock_case(case_id=case_id, actor=actor, name="close", seen_version=seen_version)
    agreement = current_agreement(case)
    if agreement is not None and not agreement.in_force:
        raise InvalidTransition(_(
            "The agreement is not in force yet (a draft, or a signature or the seal is missing): complete and sign "
            "it, or reopen the case."))
    note = (note or "").strip()
    if not fulfilled and not note:
        message = _("The agreement was not performed: say what the parties were told (e.g. to apply to the court "
                    "for enforcement, or to sue). To mediate again, reopen the case instead.")
        raise InvalidInput(message, fields={"note": [message]})
    not_due = [o.due_date for o in agreement.obligations.all() if o.due_date > agreements.today()] if agreement else []
    if not_due and not note:
        message = _("An obligation is not due until %(date)s: say why the case is closed before (e.g. it was "
                    "performed early).") % {"date": max(not_due).isoformat()}
        raise InvalidInput(message, fields={"note": [message]})
    FollowUpVisit.objects.create(case=case, fulfilled=fulfilled, satisfaction=satisfaction, visited_by=actor)
    return _fire(case, actor, "close", note=note, fulfilled=fulfilled,
                 data={"fulfilled": fulfilled, "satisfaction": satisfaction})


@service("close_unresolved")
@transaction.atomic
def case_close_unresolved(*, case_id: int, actor: User, note: str, seen_version: int | None = None) -> Case:
    """调解不成: close as unresolved — only as the exit of a termination (actions.records.termination_record)."""
    case = lock_case(case_id=case_id, actor=actor, name="close_unresolved", seen_version=seen_version)
    return _fire(case, actor, "close_unresolved", note=_required(note, "note"))


@service("withdraw")
@transaction.atomic
def case_withdraw(*, case_id: int, actor: User, note: str, seen_version: int | None = None) -> Case:
    """撤回: the applicant asked to withdraw."""
    case = lock_case(case_id=case_id, actor=actor, name="withdraw", seen_version=seen_version)
    return _fire(case, actor, "withdraw", note=_required(note, "note"))


@service("merge")
@transaction.atomic
def case_merge(*, case_id: int, actor: User, into: int, note: str = "", seen_version: int | None = None) -> Case:
    """并单: close a duplicate, pointing at the open case of the same township that carries on."""
    case = lock_case(case_id=case_id, actor=actor, name="merge", seen_version=seen_version)
    into = Case.objects.select_for_update().filter(pk=into).first()
    township = path_at(case.region_path, RegionLevel.TOWNSHIP)
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


assert set(SERVICES) == set(ladder.TRANSITIONS), "every transition of the ladder has its service"
