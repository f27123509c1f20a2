"""The due deadlines: which stage clocks (`CaseDeadline`) have reached their warning or their due
moment, and the hand-over to the handlers that act on them in batches.

The clock rows are the schedule: `warn_at` and `due_at` (a paused clock's moments include its
whole pause; a pause with no end fires nothing), so pausing, resuming or extending a clock needs
no re-timing anywhere else. What a warning or a breach does to the case (events, notifications,
an escalation or a supervision order) is a change of the case, so it is made by the actions
layer, which sits above the workflow: it hands its two batch handlers to `handle_with` when the
app registry is ready. Both lock the batch's cases and act only on the clocks still due under
the lock, so a deadline fires once whatever the number of sweepers.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from django.db.models import Q, QuerySet

from casework import ladder
from casework.choices import DeadlineState
from casework.models import Case, CaseDeadline

# The clocks the ladder's stages keep (one per stage); the detached countdowns never fire.
STAGE_CLOCKS = tuple(dict.fromkeys(stage.clock for stage in ladder.STAGES.values()))
WARNING, BREACH = "warning", "breach"
# The moment each kind of firing waits for, and the mark that says it has fired.
MOMENT = {WARNING: "warn_at", BREACH: "due_at"}
MARK = {WARNING: "warned_at", BREACH: "breached_at"}


class BatchHandler(Protocol):
    def __call__(self, clock_ids: list[int], *, as_of: dt.datetime) -> tuple[int, int]:
        """Act on those of the clocks still due under the lock; (acted on, left alone)."""


@dataclass
class _Handlers:
    warning: BatchHandler | None = None
    breach: BatchHandler | None = None


_handlers = _Handlers()


def handle_with(*, warning: BatchHandler, breach: BatchHandler) -> None:
    """Install what a batch of due warnings and of due breaches does (called once, by the actions app)."""
    _handlers.warning, _handlers.breach = warning, breach


def handler(kind: str) -> BatchHandler:
    found = _handlers.warning if kind == WARNING else _handlers.breach
    if found is None:
        raise RuntimeError("no deadline handlers installed: is the 'actions' app in INSTALLED_APPS?")
    return found


def due(kind: str, as_of: dt.datetime) -> QuerySet[CaseDeadline]:
    """The stage clocks whose warning (or breach) is due at `as_of` and has not fired: running,
    or paused with an end that has passed by then (the pause is settled as lapsed first). Served
    by the partial indexes on the open, unfired clocks (casework migration 0013)."""
    moment, mark = MOMENT[kind], MARK[kind]
    return (CaseDeadline.objects.filter(**{"ended_at__isnull": True, f"{mark}__isnull": True, f"{moment}__lte": as_of,
                                           "kind__in": STAGE_CLOCKS})
            .filter(Q(state=DeadlineState.RUNNING) | Q(state=DeadlineState.PAUSED, pause_ends_at__lte=as_of)))


def stage_clock(case: Case, stage: str) -> CaseDeadline | None:
    """The running (or paused) clock of the stage task `stage`."""
    kind = ladder.STAGE_BY_TASK[stage].clock
    return (CaseDeadline.objects.filter(case=case, kind=kind, ended_at__isnull=True)
            .order_by("-started_at").first())
