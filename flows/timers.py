"""Firing due deadline timers: the dispatcher behind `fire_deadlines` and the worker job.

The same work as viewflow's `workflow_timers` (which fires these timers too), with two
additions: an `as_of` moment, so that a test or a back-fill can process what was due then,
and a dry run. Safe from several processes at once: each timer is re-checked under its
process lock, and the handlers act once per clock (see flows.deadlines).

The due timers are read in batches, each read to its end before the first of them is fired: a
read left open across the writes (a `.iterator()` over thousands of rows) pins an old snapshot
on SQLite, and the sweep's next write then fails with "database is locked" as soon as anyone
else has written — every timer after it lost to an error.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import OperationalError
from django.db.models import Q
from viewflow.workflow.exceptions import FlowLockFailed
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from casework import clock

log = logging.getLogger(__name__)

BATCH = 500  # due timers read at a time


@dataclass
class FireResult:
    due: int = 0
    fired: int = 0
    skipped: int = 0
    failed: int = 0


def due_timers(as_of: dt.datetime):
    return (Task.objects.filter(flow_task_type="TIMER", status=STATUS.SCHEDULED, scheduled__lte=as_of)
            .order_by("scheduled", "pk"))


def due_batches(as_of: dt.datetime, *, size: int = BATCH):
    """The ids of the timers due at `as_of`, in order, `size` at a time; each batch is fetched
    whole (no statement stays open while the caller fires them). Continues after the last
    (scheduled, pk) seen, so a timer that is still scheduled (locked by another sweeper) is not
    taken again, and the sweep ends."""
    after: tuple[dt.datetime, int] | None = None
    while True:
        timers = due_timers(as_of)
        if after is not None:
            timers = timers.filter(Q(scheduled__gt=after[0]) | Q(scheduled=after[0], pk__gt=after[1]))
        batch = list(timers.values_list("scheduled", "pk")[:size])
        if not batch:
            return
        yield [pk for _, pk in batch]
        after = batch[-1]


def fire_due(*, as_of: dt.datetime | None = None, dry_run: bool = False, progress=None) -> FireResult:
    as_of = as_of or clock.now()
    result = FireResult()
    if dry_run:
        result.due = due_timers(as_of).count()
        return result
    for batch in due_batches(as_of):
        waited_out = []
        for task_id in batch:
            result.due += 1
            if not _fire_timer(task_id, as_of, result):
                waited_out.append(task_id)
            elif progress:
                progress(1)
        # The lock could not be had within the busy timeout (SQLite's waiting writers poll, and
        # one can lose to the others for that long): nothing was written; once more after the
        # rest of the batch, then left scheduled for the next sweep.
        for task_id in waited_out:
            if not _fire_timer(task_id, as_of, result):
                log.warning("deadline timer %s: the database stayed locked; left for the next sweep", task_id)
                result.skipped += 1
            if progress:
                progress(1)
    return result


def _database_locked(exc: OperationalError) -> bool:
    return "database is locked" in str(exc) or "database table is locked" in str(exc)


def _fire_timer(task_id: int, as_of: dt.datetime, result: FireResult) -> bool:
    """Fire one timer, counting the outcome in `result`; False when the lock could not be taken."""
    task = Task.objects.filter(pk=task_id).first()
    if task is None or task.status != STATUS.SCHEDULED or task.scheduled is None:
        result.skipped += 1  # fired or canceled meanwhile, or its clock paused
        return True
    try:
        with clock.travel_to(max(as_of, task.scheduled)), task.activation() as activation:
            start = getattr(activation, "start", None)
            if start is not None and start.can_proceed():
                activation.start()
                activation.execute()
                result.fired += 1
            else:
                result.skipped += 1  # fired meanwhile by another worker, or canceled
    except FlowLockFailed:
        result.skipped += 1
    except OperationalError as exc:
        if _database_locked(exc):
            return False  # IMMEDIATE: the lock is taken before anything is written
        log.exception("deadline timer %s failed", task_id)
        result.failed += 1
    except Exception:  # one broken case must not stop the sweep; viewflow marks the task ERROR
        log.exception("deadline timer %s failed", task_id)
        result.failed += 1
    return True


def fire_deadlines_job() -> int:
    """The background job of `serve` / `run_workers`."""
    return fire_due().fired
