"""Deadline timers: viewflow timer boundary events on the stage tasks, due when the stage's
`CaseDeadline` says, and the hand-over to the handlers that act when they fire.

What a fired warning or breach does to the case (an event, notifications, an escalation or a
supervision order) is a change of the case, so it is made by the actions layer, which sits
above the workflow: it hands its two handlers to `handle_with` when the app registry is ready.
Both handlers lock the case row and act only if the clock has not been acted on yet, so a
deadline fires once whatever the number of timer workers (viewflow already re-checks each
timer task under the process lock; this is the second guard).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from casework import ladder
from casework.deadlines import timer_moment as clock_timer_moment
from casework.models import Case, CaseDeadline

NEVER = dt.datetime(9999, 1, 1, tzinfo=dt.UTC)


class DeadlineHandler(Protocol):
    def __call__(self, *, case_id: int, stage: str, process_id: int) -> None: ...


@dataclass
class _Handlers:
    warning: DeadlineHandler | None = None
    breach: DeadlineHandler | None = None


_handlers = _Handlers()


def handle_with(*, warning: DeadlineHandler, breach: DeadlineHandler) -> None:
    """Install what a fired warning and a fired breach do (called once, by the actions app)."""
    _handlers.warning, _handlers.breach = warning, breach


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
    """The running (or paused) clock of the stage task `stage`."""
    kind = ladder.STAGE_BY_TASK[stage].clock
    return (CaseDeadline.objects.filter(case=case, kind=kind, ended_at__isnull=True)
            .order_by("-started_at").first())


def _moment(activation, field: str) -> dt.datetime:
    # Not while paused with no end: rescheduled by flows.engine.reschedule when the clock runs again.
    moment = clock_timer_moment(stage_clock(activation.process.case, host_stage(activation)), field)
    return NEVER if moment is None else moment


def warning_moment(activation) -> dt.datetime:
    return _moment(activation, "warn_at")


def breach_moment(activation) -> dt.datetime:
    return _moment(activation, "due_at")


def _hand_over(handler: DeadlineHandler | None, activation) -> None:
    if handler is None:
        raise RuntimeError("no deadline handlers installed: is the 'actions' app in INSTALLED_APPS?")
    handler(case_id=activation.process.case_id, stage=host_stage(activation), process_id=activation.process.pk)


def raise_warning(activation) -> None:
    """Two thirds of the time is gone (即将超期)."""
    _hand_over(_handlers.warning, activation)


def handle_breach(activation) -> None:
    """The time is up (已超期)."""
    _hand_over(_handlers.breach, activation)
