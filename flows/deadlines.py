"""Deadline timers: viewflow timer boundary events on the stage tasks, due when the stage's
`CaseDeadline` says, and what happens when they fire.

Both handlers lock the case row and act only if the clock has not been acted on yet, so a
deadline fires once whatever the number of timer workers (viewflow already re-checks each
timer task under the process lock; this is the second guard).
"""
from __future__ import annotations

import datetime as dt

from django.db import transaction

from casework import clock
from casework.choices import DeadlineKind, DeadlineState
from casework.models import Case, CaseDeadline
from casework.services.audit import record_event
from flows import notifications
from flows.choices import NotificationKind

# Which clock each stage task waits on.
STAGE_CLOCKS = {
    "village_acceptance": DeadlineKind.ACCEPTANCE,
    "village_mediation": DeadlineKind.VILLAGE_MEDIATION,
    "township_triage": DeadlineKind.TOWNSHIP_TRIAGE,
    "township_mediation": DeadlineKind.TOWNSHIP_MEDIATION,
    "referral_tracking": DeadlineKind.REFERRAL_FEEDBACK,
    "follow_up": DeadlineKind.FOLLOW_UP,
}
# A breach here escalates the case one rung (village → township triage).
ESCALATING_STAGES = frozenset({"village_acceptance", "village_mediation"})
# A breach here raises a supervision order (督办) to the county.
SUPERVISED_STAGES = frozenset({"township_triage", "township_mediation", "referral_tracking"})
NEVER = dt.datetime(9999, 1, 1, tzinfo=dt.UTC)


def host_stage(activation) -> str:
    """The stage task a boundary timer (or the function it leads to) belongs to."""
    task = activation.task
    while task is not None:
        host = getattr(task.flow_task, "_attached_to", None)
        if host is not None:
            return host.name
        # Unordered: a timer has one previous task, and `.first()`'s ORDER BY created made
        # PostgreSQL walk the whole task table backwards (57 ms at 60,000 tasks).
        task = next(iter(task.previous.order_by()[:1]), None)
    raise LookupError("not reached from a stage timer")


def stage_clock(case: Case, stage: str) -> CaseDeadline | None:
    return (CaseDeadline.objects.filter(case=case, kind=STAGE_CLOCKS[stage], ended_at__isnull=True)
            .order_by("-started_at").first())


def _moment(activation, field: str) -> dt.datetime:
    deadline = stage_clock(activation.process.case, host_stage(activation))
    if deadline is None or deadline.state == DeadlineState.PAUSED:
        return NEVER  # rescheduled by flows.engine.reschedule when the clock runs again
    return getattr(deadline, field)


def warning_moment(activation) -> dt.datetime:
    return _moment(activation, "warn_at")


def breach_moment(activation) -> dt.datetime:
    return _moment(activation, "due_at")


def _locked_clock(activation) -> tuple[Case, CaseDeadline | None, str]:
    case = Case.objects.select_for_update().get(pk=activation.process.case_id)
    stage = host_stage(activation)
    return case, stage_clock(case, stage), stage


def _holder(activation) -> int | None:
    """Who holds the stage task the clock belongs to (they hear of its deadline too)."""
    from flows import engine

    task = engine.open_stage_task(activation.process.pk)
    return task.owner_id if task is not None else None


def raise_warning(activation) -> None:
    """Two thirds of the time is gone: put it on the timeline and tell the township (即将超期)."""
    with transaction.atomic():
        case, deadline, stage = _locked_clock(activation)
        if deadline is None or deadline.warned_at or deadline.state != DeadlineState.RUNNING:
            return
        deadline.warned_at = clock.now()
        deadline.save(update_fields=["warned_at"])
        case.version += 1
        event = record_event(case=case, actor=None, action="deadline_warning", source=case.status,
                             data={"deadline": deadline.kind, "due_at": deadline.due_at})
        case.save(update_fields=["version", "event_count", "last_event_hash", "updated_at"])
        notifications.notify(case=case, kind=NotificationKind.DEADLINE_WARNING, event=event, also=[_holder(activation)])


def handle_breach(activation) -> None:
    """The time is up: escalate a village stage one rung, or raise a supervision order."""
    from casework.services import case_escalate

    with transaction.atomic():
        case, deadline, stage = _locked_clock(activation)
        if deadline is None or deadline.breached_at or deadline.state != DeadlineState.RUNNING:
            return
        deadline.state, deadline.breached_at = DeadlineState.BREACHED, clock.now()
        deadline.save(update_fields=["state", "breached_at"])
        case.version += 1
        breach = record_event(case=case, actor=None, action="deadline_breached", source=case.status,
                              data={"deadline": deadline.kind, "due_at": deadline.due_at})
        order = None
        if stage in SUPERVISED_STAGES:
            order = record_event(case=case, actor=None, action="supervision_order", source=case.status,
                                 data={"deadline": deadline.kind, "to": "county"})
        case.save(update_fields=["version", "event_count", "last_event_hash", "updated_at"])
        notifications.notify(case=case, kind=NotificationKind.DEADLINE_BREACHED, event=breach, also=[_holder(activation)])
        if order is not None:
            notifications.notify(case=case, kind=NotificationKind.SUPERVISION_ORDER, event=order)
        if stage in ESCALATING_STAGES:
            case_escalate(case_id=case.pk, actor=None, reason="deadline_breached", automatic=True)
