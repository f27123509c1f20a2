"""Firing due deadline timers: the dispatcher behind `fire_deadlines` and the worker job.

The same work as viewflow's `workflow_timers` (which fires these timers too), with two
additions: an `as_of` moment, so that a test or a back-fill can process what was due then,
and a dry run. Safe from several processes at once: each timer is re-checked under its
process lock, and the handlers act once per clock (see flows.deadlines).
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from viewflow.workflow.exceptions import FlowLockFailed
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from casework import clock

log = logging.getLogger(__name__)


@dataclass
class FireResult:
    due: int = 0
    fired: int = 0
    skipped: int = 0
    failed: int = 0


def due_timers(as_of: dt.datetime):
    return (Task.objects.filter(flow_task_type="TIMER", status=STATUS.SCHEDULED, scheduled__lte=as_of)
            .order_by("scheduled", "pk"))


def fire_due(*, as_of: dt.datetime | None = None, dry_run: bool = False, progress=None) -> FireResult:
    as_of = as_of or clock.now()
    result = FireResult()
    for task_id in due_timers(as_of).values_list("pk", flat=True).iterator():
        result.due += 1
        if dry_run:
            continue
        task = Task.objects.get(pk=task_id)
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
        except Exception:  # one broken case must not stop the sweep; viewflow marks the task ERROR
            log.exception("deadline timer %s failed", task_id)
            result.failed += 1
        if progress:
            progress(1)
    return result


def fire_deadlines_job() -> int:
    """The background job of `serve` / `run_workers`."""
    return fire_due().fired
