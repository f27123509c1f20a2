"""The deadline sweep: the dispatcher behind `fire_deadlines` and the worker job.

It reads the stage clocks whose warning, then those whose breach, is due at a moment (default:
now; `as_of` lets a test or a back-fill process what was due then) in batches, and hands each
batch to the actions layer's handler (flows.deadlines), which locks the batch's cases and acts
on the clocks still due under the lock, in a few statements whatever the batch's size. Safe from
several processes at once: on PostgreSQL a sweeper skips the cases another holds (SKIP LOCKED)
and moves on, so two sweepers share the work; on SQLite the write transaction is the lock, and
the re-check under it leaves a clock fired by the other sweeper alone. Each deadline fires once.

The due clocks are read in batches, each read to its end before it is handed over: a read left
open across the writes pins an old snapshot on SQLite, and the sweep's next write then fails
with "database is locked" as soon as anyone else has written. The batches continue after the
last (moment, id) seen, so a clock left due (its case held by someone else) is not taken again
in the same sweep, and the sweep ends; the next sweep takes it.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import OperationalError
from django.db.models import Q

from casework import clock
from flows import deadlines
from flows.deadlines import BREACH, WARNING

log = logging.getLogger(__name__)

BATCH = 500  # due clocks handed over at a time


@dataclass
class FireResult:
    due: int = 0
    fired: int = 0
    skipped: int = 0
    failed: int = 0


def due_count(as_of: dt.datetime) -> int:
    """How many warnings and breaches are due at `as_of` (a clock past both counts twice)."""
    return deadlines.due(WARNING, as_of).count() + deadlines.due(BREACH, as_of).count()


def due_batches(kind: str, as_of: dt.datetime, *, size: int = BATCH):
    """The ids of the clocks whose `kind` is due at `as_of`, in order of their moment, `size` at a
    time; each batch is fetched whole (no statement stays open while the caller acts on it)."""
    moment = deadlines.MOMENT[kind]
    after: tuple[dt.datetime, int] | None = None
    while True:
        clocks = deadlines.due(kind, as_of)
        if after is not None:
            clocks = clocks.filter(Q(**{f"{moment}__gt": after[0]}) | Q(**{moment: after[0], "pk__gt": after[1]}))
        batch = list(clocks.order_by(moment, "pk").values_list(moment, "pk")[:size])
        if not batch:
            return
        yield [pk for _, pk in batch]
        after = batch[-1]


def fire_due(*, as_of: dt.datetime | None = None, dry_run: bool = False, progress=None,
             batch_size: int = BATCH) -> FireResult:
    """Every warning due at `as_of`, then every breach; the sweep's clock stands at `as_of`."""
    as_of = as_of or clock.now()
    result = FireResult()
    if dry_run:
        result.due = due_count(as_of)
        return result
    with clock.travel_to(as_of):
        for kind in (WARNING, BREACH):
            handle = deadlines.handler(kind)
            waited_out = []
            for batch in due_batches(kind, as_of, size=batch_size):
                result.due += len(batch)
                if not _fire_batch(handle, batch, as_of, result):
                    waited_out.append(batch)
                elif progress:
                    progress(len(batch))
            # The lock could not be had within the busy timeout (SQLite's waiting writers poll, and
            # one can lose to the others for that long): nothing was written; once more after the
            # rest, then left due for the next sweep.
            for batch in waited_out:
                if not _fire_batch(handle, batch, as_of, result):
                    log.warning("%d deadline %s(s): the database stayed locked; left for the next sweep",
                                len(batch), kind)
                    result.skipped += len(batch)
                if progress:
                    progress(len(batch))
    return result


def _database_locked(exc: OperationalError) -> bool:
    return "database is locked" in str(exc) or "database table is locked" in str(exc)


def _fire_batch(handle, batch: list[int], as_of: dt.datetime, result: FireResult) -> bool:
    """Hand one batch over, counting the outcome in `result`; False when the lock could not be taken."""
    try:
        fired, skipped = handle(batch, as_of=as_of)
    except OperationalError as exc:
        if _database_locked(exc):
            return False  # IMMEDIATE: the lock is taken before anything is written
        log.exception("deadline batch of %d failed", len(batch))
        result.failed += len(batch)
    except Exception:
        if len(batch) > 1:  # one broken case must not stop the others: each alone, once
            for clock_id in batch:
                if not _fire_batch(handle, [clock_id], as_of, result):
                    result.skipped += 1
            return True
        log.exception("deadline clock %s failed; it stays due for the next sweep", batch[0])
        result.failed += 1
    else:
        result.fired += fired
        result.skipped += skipped
    return True


def fire_deadlines_job() -> int:
    """The background job of `serve` / `run_workers`."""
    return fire_due().fired
