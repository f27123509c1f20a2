"""Extending a mediation deadline once (延长调解期限), DESIGN.md §2.

Village mediation (《人民调解工作若干规定》 art. 33: 一般在一个月内调结) may be extended once with
both parties' consent, recorded; township mediation once. By how much is the rule's
`extension_days` (30 by default), copied onto the clock when it started; a rule of 0 means the
stage cannot be extended. The viewflow timers are re-timed in the same transaction.
"""
from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from casework import calendar, clock
from casework import permissions as perms
from casework.choices import DeadlineKind, DeadlineState, Status
from casework.errors import Conflict, Forbidden, InvalidInput, InvalidTransition, NotFound
from casework.models import Case, CaseDeadline, User
from casework.services import deadlines
from casework.services.audit import record_event

# The stage whose clock may be extended, and who may extend it.
EXTENDABLE = {
    Status.VILLAGE_MEDIATION: (DeadlineKind.VILLAGE_MEDIATION, perms.may_act_for_village),
    Status.TOWNSHIP_MEDIATION: (DeadlineKind.TOWNSHIP_MEDIATION, perms.may_act_for_township),
}
# Stages whose extension needs both parties' consent.
CONSENT_REQUIRED = frozenset({Status.VILLAGE_MEDIATION})


def _may_extend(case: Case, actor: User) -> bool:
    stage = EXTENDABLE.get(case.status)
    if stage is not None:
        return stage[1](case, actor)
    # Outside mediation the answer is "not now" (409), not "not you", for the bodies that mediate.
    return perms.may_act_for_village(case, actor) or perms.may_act_for_township(case, actor)


def check_extension(case: Case, actor: User, seen_version: int | None = None) -> CaseDeadline:
    """The clock an extension would lengthen, after every check that does not depend on the input,
    in the order the API promises: 404, 403, 409 conflict, 409 state."""
    if not perms.can_see(actor, case):
        raise NotFound(_("No such case."))
    if not _may_extend(case, actor):
        raise Forbidden(_("Your role may not extend this case's deadline."))
    if seen_version is not None and seen_version != case.version:
        raise Conflict(_("Someone else changed this case while you were acting on it; reload it and try again."))
    deadline = deadlines.current_clock(case)
    if case.status not in EXTENDABLE or deadline is None or deadline.kind != EXTENDABLE[case.status][0]:
        raise InvalidTransition(_("Only a village or township mediation deadline can be extended."))
    if deadline.extension_days == 0:
        raise InvalidTransition(_("The deadline rule for this stage allows no extension."))
    if deadline.extended:
        raise InvalidTransition(_("This deadline has already been extended once; it cannot be extended again."))
    passed = deadline.state == DeadlineState.RUNNING and deadline.due_at <= clock.now()
    if deadline.state == DeadlineState.BREACHED or passed:
        # Extending a clock that has run out would hide a breach the timers are about to act on.
        raise InvalidTransition(_("This deadline has already passed; it can no longer be extended."))
    return deadline


@transaction.atomic
def case_extend_deadline(*, case_id: int, actor: User, reason: str, parties_consent: bool,
                         seen_version: int | None = None) -> Case:
    """Extend the current mediation stage's deadline once by the rule's extension days.

    Locks the case row; refuses as `check_extension` does, then with 400 without a reason or,
    in the village, without both parties' consent. Records an `extend_deadline` event and
    moves the stage's viewflow timers.
    """
    case = Case.objects.select_for_update().filter(pk=case_id).first()
    if case is None:
        raise NotFound(_("No such case."))
    deadline = check_extension(case, actor, seen_version)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("A reason is required."), fields={"reason": [_("A reason is required.")]})
    if case.status in CONSENT_REQUIRED and not parties_consent:
        message = _("Village mediation may be extended only with both parties' consent.")
        raise InvalidInput(message, fields={"parties_consent": [message]})

    previous_due = deadline.due_at
    deadline.due_at = calendar.add_days(previous_due, deadline.extension_days, deadline.day_count)
    if deadline.warned_at is None:
        # Not yet warned: the warning moves to two thirds of the lengthened time.
        deadline.warn_at = calendar.warning_moment(deadline.started_at, deadline.due_at)
    deadline.extended = True
    deadline.save(update_fields=["due_at", "warn_at", "extended"])

    case.version += 1
    record_event(case=case, actor=actor, action="extend_deadline", source=case.status, note=reason,
                 data={"deadline": deadline.kind, "extension_days": deadline.extension_days,
                       "day_count": deadline.day_count, "parties_consent": bool(parties_consent),
                       "previous_due_at": previous_due, "due_at": deadline.due_at})
    case.save(update_fields=["version", "event_count", "last_event_hash", "updated_at"])

    from flows import engine  # the workflow follows the case; casework does not depend on it at import

    engine.reschedule(case)
    return case
