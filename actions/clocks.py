"""Changing a case's clocks: pausing and resuming the stage's deadline, and extending a
mediation deadline once (延长调解期限, DESIGN.md §2).

A clock may be paused while waiting for a party (e.g. unreachable), with the reason recorded, by
whom the ladder lets keep the stage's clock (`Stage.paused_by`: the body that works the stage),
for at most DEADLINE_PAUSE_MAX_DAYS; the same people resume it. Village mediation
(《人民调解工作若干规定》 art. 33: 一般在一个月内调结) may be extended once with both parties'
consent, recorded; township mediation once. Once per stage per case: a mediation reopened after
an agreement does not get a second extension. By how much is the rule's `extension_days` (30 by
default), copied onto the clock when it started; a rule of 0 means the stage cannot be extended.
The clock row is the schedule the deadline sweep reads: nothing else is re-timed.
"""
from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from actions.changes import check_access, lock_for, record_change
from actions.deadlines import settle_lapsed_pause
from casework import calendar, clock, deadlines, ladder
from casework import permissions as perms
from casework.choices import DeadlineState
from casework.errors import InvalidInput, InvalidTransition
from casework.ladder import EventAction
from casework.models import Case, CaseDeadline, User
from flows import inbox


def _clock_refusal() -> str:
    return _("Your role may not pause this case's deadline.")


def check_clock(case: Case, actor: User) -> None:
    """Who may pause or resume the case's clock, before any input is read: 404, then 403."""
    check_access(case, actor, may=ladder.may_pause, refusal=_clock_refusal())


def _lock_for_clock(case_id: int, actor: User) -> Case:
    return lock_for(case_id, actor, may=ladder.may_pause, refusal=_clock_refusal())


@transaction.atomic
def case_pause_clock(*, case_id: int, actor: User, reason: str) -> Case:
    """Stop the current stage's clock while waiting for a party (e.g. unreachable), for at most
    DEADLINE_PAUSE_MAX_DAYS; a pause that has run out is recorded as such first."""
    case = _lock_for_clock(case_id, actor)
    settle_lapsed_pause(case, deadlines.current_clock(case))
    paused = deadlines.pause_clock(case=case, actor=actor, reason=reason)
    record_change(case, actor=actor, action=EventAction.PAUSE_CLOCK, note=reason, data={"deadline": paused.kind})
    inbox.sync([case.pk])  # the stage's due moment
    return case


@transaction.atomic
def case_resume_clock(*, case_id: int, actor: User, note: str = "") -> Case:
    case = _lock_for_clock(case_id, actor)
    resumed, stood = deadlines.resume_clock(case=case, actor=actor)
    record_change(case, actor=actor, action=EventAction.RESUME_CLOCK, note=note,
                  data={"deadline": resumed.kind, "paused_seconds": int(stood.total_seconds()),
                        "due_at": resumed.due_at})
    inbox.sync([case.pk])  # the stage's due moment
    return case


def _may_extend(case: Case, actor: User) -> bool:
    stage = ladder.STAGES.get(case.status)
    if stage is not None and stage.extension is not None:
        return stage.extension.permission(case, actor)
    # Outside mediation the answer is "not now" (409), not "not you", for the bodies that mediate.
    return perms.may_act_for_village(case, actor) or perms.may_act_for_township(case, actor)


def check_extension(case: Case, actor: User, seen_version: int | None = None) -> CaseDeadline:
    """The clock an extension would lengthen, after every check that does not depend on the input,
    in the order the API promises: 404, 403, 409 conflict, 409 state."""
    check_access(case, actor, may=_may_extend, refusal=_("Your role may not extend this case's deadline."),
                 seen_version=seen_version)
    stage = ladder.STAGES.get(case.status)
    deadline = deadlines.current_clock(case)
    if stage is None or stage.extension is None or deadline is None or deadline.kind != stage.clock:
        raise InvalidTransition(_("Only a village or township mediation deadline can be extended."))
    if deadline.extension_days == 0:
        raise InvalidTransition(_("The deadline rule for this stage allows no extension."))
    # Once per stage per case: a mediation reopened after an agreement keeps its earlier extension.
    if deadline.extended or CaseDeadline.objects.filter(case=case, kind=deadline.kind, extended=True).exists():
        raise InvalidTransition(_("This deadline has already been extended once; it cannot be extended again."))
    passed = deadline.state_at(clock.now()) == DeadlineState.RUNNING and deadline.due_at <= clock.now()
    if deadline.state == DeadlineState.BREACHED or passed:
        # Extending a clock that has run out would hide a breach the deadline sweep is about to act on.
        raise InvalidTransition(_("This deadline has already passed; it can no longer be extended."))
    return deadline


@transaction.atomic
def case_extend_deadline(*, case_id: int, actor: User, reason: str, parties_consent: bool,
                         seen_version: int | None = None) -> Case:
    """Extend the current mediation stage's deadline once by the rule's extension days.

    Locks the case row; refuses as `check_extension` does, then with 400 without a reason or,
    in the village, without both parties' consent. Records an `extend_deadline` event and
    leaves the rest to the deadline sweep, which reads the clock.
    """
    case = lock_for(case_id, actor, may=_may_extend, refusal=_("Your role may not extend this case's deadline."),
                    seen_version=seen_version)
    deadline = check_extension(case, actor)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("A reason is required."), fields={"reason": [_("A reason is required.")]})
    if ladder.STAGES[case.status].extension.consent_required and not parties_consent:
        message = _("Village mediation may be extended only with both parties' consent.")
        raise InvalidInput(message, fields={"parties_consent": [message]})

    previous_due = deadline.due_at
    # Counted from the due moment as it stands, without the pause a paused clock's moments include.
    shift = deadlines.pause_shift(deadline)
    deadline.due_at = calendar.add_days(previous_due - shift, deadline.extension_days, deadline.day_count) + shift
    if deadline.warned_at is None:
        # Not yet warned: the warning moves to two thirds of the lengthened time.
        deadline.warn_at = calendar.warning_moment(deadline.started_at, deadline.due_at - shift) + shift
    deadline.extended = True
    deadline.save(update_fields=["due_at", "warn_at", "extended"])

    record_change(case, actor=actor, action=EventAction.EXTEND_DEADLINE, note=reason,
                  data={"deadline": deadline.kind, "extension_days": deadline.extension_days,
                        "day_count": deadline.day_count, "parties_consent": bool(parties_consent),
                        "previous_due_at": previous_due, "due_at": deadline.due_at})
    inbox.sync([case.pk])  # the stage's due moment
    return case
