"""What a fired deadline timer does to the case (flows.deadlines hands the timers over here).

A warning puts it on the timeline and tells the township and the task's holder (即将超期). A
breach does the same (已超期), then acts as the ladder's breach policy for the stage says:
escalate one rung (village → township triage), or raise a supervision order (督办) to the
county. Each acts once per clock: under the case's row lock, a clock already warned or breached
is left alone. A clock whose pause has run out (DEADLINE_PAUSE_MAX_DAYS) is first recorded as
running again (`pause_lapsed`), then warned or breached as any running clock.
"""
from __future__ import annotations

from django.db import transaction

from actions.changes import record_change
from actions.transitions import case_escalate
from casework import clock, ladder
from casework import deadlines as clocks
from casework.choices import DeadlineState, NotificationKind
from casework.ladder import Breach, EventAction
from casework.models import Case, CaseDeadline
from flows import deadlines, engine


def _holder(process_id: int) -> int | None:
    """Who holds the stage task the clock belongs to (they hear of its deadline too)."""
    task = engine.open_stage_task(process_id)
    return task.owner_id if task is not None else None


def settle_lapsed_pause(case: Case, deadline: CaseDeadline | None) -> None:
    """Record that the clock's pause ran its full length and the clock runs again (the system's act).

    The caller holds the case's row lock.
    """
    if deadline is None or not deadline.lapsed(clock.now()):
        return
    paused_at, ended_at = deadline.paused_at, deadline.pause_ends_at
    stood = clocks.lapse_pause(deadline)
    record_change(case, actor=None, action=EventAction.PAUSE_LAPSED,
                  data={"deadline": deadline.kind, "paused_at": paused_at, "lapsed_at": ended_at,
                        "paused_seconds": int(stood.total_seconds()), "due_at": deadline.due_at})


@transaction.atomic
def on_warning(*, case_id: int, stage: str, process_id: int) -> None:
    case = Case.objects.select_for_update().get(pk=case_id)
    deadline = deadlines.stage_clock(case, stage)
    settle_lapsed_pause(case, deadline)
    if deadline is None or deadline.warned_at or deadline.state != DeadlineState.RUNNING:
        return
    deadline.warned_at = clock.now()
    deadline.save(update_fields=["warned_at"])
    record_change(case, actor=None, action=EventAction.DEADLINE_WARNING,
                  data={"deadline": deadline.kind, "due_at": deadline.due_at},
                  notify=NotificationKind.DEADLINE_WARNING, notify_also=[_holder(process_id)])


@transaction.atomic
def on_breach(*, case_id: int, stage: str, process_id: int) -> None:
    case = Case.objects.select_for_update().get(pk=case_id)
    deadline = deadlines.stage_clock(case, stage)
    settle_lapsed_pause(case, deadline)
    if deadline is None or deadline.breached_at or deadline.state != DeadlineState.RUNNING:
        return
    deadline.state, deadline.breached_at = DeadlineState.BREACHED, clock.now()
    deadline.save(update_fields=["state", "breached_at"])
    record_change(case, actor=None, action=EventAction.DEADLINE_BREACHED,
                  data={"deadline": deadline.kind, "due_at": deadline.due_at},
                  notify=NotificationKind.DEADLINE_BREACHED, notify_also=[_holder(process_id)])
    policy = ladder.STAGE_BY_TASK[stage].breach
    if policy == Breach.SUPERVISE:
        record_change(case, actor=None, action=EventAction.SUPERVISION_ORDER,
                      data={"deadline": deadline.kind, "to": "county"}, notify=NotificationKind.SUPERVISION_ORDER)
    elif policy == Breach.ESCALATE:
        case_escalate(case_id=case.pk, actor=None, reason="deadline_breached", automatic=True)
