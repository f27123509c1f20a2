"""The one way a case changes: take its row lock with the checks in the promised order, then
record the change.

Every writer — filing, the transitions, clocks, extensions, attachments, the mediation records,
the work queues — calls `lock_for` (or locks the case it has just created) and then
`record_change`, inside its own transaction. The deadline sweep (`actions.sweep`) makes the same
change for a batch of cases at once: it locks them in one query and writes what `record_change`
writes for each (version, chained event with its state digest, chain head, outbox row,
notifications) in one statement per table.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

from django.conf import settings
from django.db.models import Model
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition

from casework import clock, record
from casework import permissions as perms
from casework.audit import append_event
from casework.errors import Conflict, Forbidden, NotFound
from casework.models import Case, CaseEvent, SearchOutbox, User
from flows import notifications

# What every change saves on the case row besides the fields the caller changed.
CHANGE_FIELDS = ("version", "event_count", "last_event_hash", "updated_at")


def conflict() -> Conflict:
    return Conflict(_("Someone else changed this case while you were acting on it; reload it and try again."))


def check_access(case: Case, actor: User | None, *, may: Callable[[Case, User], bool], refusal: str,
                 seen_version: int | None = None) -> None:
    """The checks that come before the state's, in the order the API promises: 404 outside the
    actor's jurisdiction, 403 for a role that may not, 409 conflict when the actor's view is stale.

    `actor=None` is the system (timers, routing rules): it skips jurisdiction and role.
    """
    if actor is not None and not perms.can_see(actor, case):
        raise NotFound(_("No such case."))
    if actor is not None and not may(case, actor):
        raise Forbidden(refusal)
    if seen_version is not None and seen_version != case.version:
        raise conflict()


def lock_for(case_id: int, actor: User | None, *, may: Callable[[Case, User], bool], refusal: str,
             seen_version: int | None = None) -> Case:
    """Take the case's row lock, then run `check_access` on what the lock shows."""
    case = Case.objects.select_for_update().filter(pk=case_id).first()
    if case is None:
        raise NotFound(_("No such case."))
    check_access(case, actor, may=may, refusal=refusal, seen_version=seen_version)
    return case


def record_change(case: Case, *, actor: User | None, action: str, source: str | None = None, note: str = "",
                  data: dict | None = None, fields: Iterable[str] = (), notify: str | None = None,
                  notify_also: Iterable[User | int | None] = (), notify_exclude: User | None = None,
                  written: Iterable[Model] | None = None) -> CaseEvent:
    """Record one change of the locked case, inside the caller's transaction.

    Bumps the version (not for the filing, which is version 1), appends the event to the case's
    hash chain, saves the changed `fields` with the chain head, writes the search outbox row and,
    with `notify`, one notification row per recipient (pushed after commit) — never to the
    actor, or to `notify_exclude` where the system acts for someone. `source` is the status the
    change started from (default: the current one).

    `written`, for a case created in this transaction only (the filing): every row written under
    it so far; the state digest is then computed from them instead of read back
    (`record.new_case_state`).
    """
    if case.event_count:
        case.version += 1
    # The event commits to the record as the change leaves it: the caller has written its rows,
    # and the case row is digested as it is about to be saved (stamped now, not again by save()).
    case.updated_at = clock.now()
    state = None
    if getattr(settings, "AUDIT_STATE_DIGEST", True):  # off only in the benchmark's "before" run
        if written is not None:
            state = record.new_case_state(case, written)
        else:
            state = record.current_states([case.pk], case_rows={case.pk: record.case_values(case)})[case.pk]
    event = append_event(case=case, actor=actor, action=action, note=note, data=data,
                         source=case.status if source is None else source, state=state)
    try:
        case.save(update_fields=[*dict.fromkeys([*fields, *CHANGE_FIELDS])], stamp=False)
    except ConcurrentTransition:  # the status moved under us: only possible without the row lock
        raise conflict()
    SearchOutbox.objects.create(case=case, version=case.version, created_at=event.created_at)
    if notify:
        notifications.notify(case=case, kind=notify, event=event, also=notify_also, exclude=notify_exclude or actor)
    return event
