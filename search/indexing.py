"""Bringing the index to the database: the outbox drainer, the rebuild, and the check.

Every change of a case writes a `SearchOutbox` row in its own transaction (actions.changes).
The drainer (a background job of `serve` and `run_workers`) indexes the cases those rows name,
in batches, and deletes the rows only once the engine has taken the documents. While the engine
is down the rows wait and the job backs off; when it returns, the index converges.
Documents are versioned by the case version, so workers racing on one case, or a rebuild racing
the drainer, never leave an older state in the index.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from django.db import connection, transaction

from casework.models import Case, SearchOutbox
from search.backends import get_backend
from search.documents import documents
from search.query import SearchUnavailable

log = logging.getLogger(__name__)

BATCH = 500


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _index_cases(backend, case_ids: set[int]) -> None:
    docs = list(documents(case_ids))
    backend.index(docs)
    gone = case_ids - {doc["id"] for doc in docs}
    if gone:
        backend.delete(gone)


def drain_outbox(*, backend=None, batch_size: int = BATCH) -> int:
    """Index the cases of one batch of outbox rows, then delete the rows; how many rows it took.

    Raises SearchUnavailable, leaving the rows, while the engine is down. Safe to run from many
    processes: on PostgreSQL each takes its rows with SKIP LOCKED; elsewhere (SQLite, a single
    machine) two drainers may index a case twice, which changes nothing.
    """
    backend = backend or get_backend()
    if connection.features.has_select_for_update_skip_locked:
        with transaction.atomic():
            rows = list(SearchOutbox.objects.select_for_update(skip_locked=True).order_by("id")
                        .values_list("id", "case_id")[:batch_size])
            if rows:
                _index_cases(backend, {case_id for _, case_id in rows})
                SearchOutbox.objects.filter(id__in=[row_id for row_id, _ in rows]).delete()
        return len(rows)
    # SQLite: no write transaction is held while the engine works, so filings are not blocked.
    rows = list(SearchOutbox.objects.order_by("id").values_list("id", "case_id")[:batch_size])
    if rows:
        _index_cases(backend, {case_id for _, case_id in rows})
        SearchOutbox.objects.filter(id__in=[row_id for row_id, _ in rows]).delete()
    return len(rows)


def drain_all(*, backend=None, batch_size: int = BATCH) -> int:
    total = 0
    while taken := drain_outbox(backend=backend, batch_size=batch_size):
        total += taken
    return total


@dataclass
class Backoff:
    """Exponential backoff for a job whose engine is down: 1 s, 2 s, 4 s … at most `most`."""

    first: float = 1.0
    most: float = 60.0
    delay: float = 0.0
    until: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ready(self) -> bool:
        return time.monotonic() >= self.until

    def failed(self) -> float:
        with self.lock:
            self.delay = min(self.most, max(self.first, self.delay * 2))
            self.until = time.monotonic() + self.delay
            return self.delay

    def succeeded(self) -> None:
        with self.lock:
            self.delay = 0.0
            self.until = 0.0


backoff = Backoff()
_started = threading.Event()  # this process has checked the index against the database


def drain_outbox_job(*, max_batches: int = 20) -> int:
    """The background job (settings.BACKGROUND_JOBS): drain, backing off while the engine is down.

    Its first run in a process also repairs whatever the outbox cannot tell: an index folder
    deleted or new, a generation restored from a backup.
    """
    if not backoff.ready():
        return 0
    taken = 0
    try:
        if not _started.is_set():
            drift = repair()
            _started.set()
            if drift:
                log.info("search index repaired at start: %d missing, %d stale, %d extra",
                         len(drift.missing), len(drift.stale), len(drift.extra))
        for _ in range(max_batches):
            batch = drain_outbox()
            taken += batch
            if batch < BATCH:
                break
    except SearchUnavailable as exc:
        delay = backoff.failed()
        log.warning("search engine unavailable, %d outbox rows wait; retrying in %.0f s: %s",
                    SearchOutbox.objects.count(), delay, exc)
        return taken
    backoff.succeeded()
    return taken


# --- rebuild and check ---------------------------------------------------------------------------


@dataclass
class Drift:
    """How the index differs from the database: case ids missing, stale (another version) or extra."""

    missing: list[int]
    stale: list[int]
    extra: list[int]

    def __bool__(self) -> bool:
        return bool(self.missing or self.stale or self.extra)

    @property
    def exit_code(self) -> int:
        """0 in step; else the sum of 1 (missing), 2 (stale) and 4 (extra)."""
        return (1 if self.missing else 0) | (2 if self.stale else 0) | (4 if self.extra else 0)


def check(*, backend=None) -> Drift:
    backend = backend or get_backend()
    held = backend.versions()
    current = dict(Case.objects.values_list("pk", "version"))
    return Drift(
        missing=sorted(pk for pk in current if pk not in held),
        stale=sorted(pk for pk, version in current.items() if pk in held and held[pk] != version),
        extra=sorted(pk for pk in held if pk not in current),
    )


def repair(*, backend=None) -> Drift:
    """Index what is missing or stale, delete what is extra; the drift found."""
    backend = backend or get_backend()
    drift = check(backend=backend)
    for batch in _chunks(drift.missing + drift.stale, BATCH):
        backend.index(documents(batch))
    if drift.extra:
        backend.delete(drift.extra)
    return drift


@dataclass
class Rebuilt:
    cases: int
    seconds: float
    size_bytes: int
    caught_up: Drift


def rebuild(*, backend=None, progress: Callable[[int, int], None] | None = None) -> Rebuilt:
    """Load every case into a new generation of the index, swap it in, then catch up.

    Searches keep using the old generation until the swap. Changes made during the load are
    drained into the old one; the catch-up after the swap (a `repair`) brings them over.
    """
    backend = backend or get_backend()
    started = time.monotonic()
    total = Case.objects.count()
    generation = backend.create_generation()
    done = 0
    try:
        for batch in _chunks(documents(), BATCH):
            generation.bulk(batch)
            done += len(batch)
            if progress:
                progress(done, total)
        generation.publish()
    except BaseException:
        generation.discard()
        raise
    size = generation.size_on_disk()
    caught_up = repair(backend=backend)
    return Rebuilt(cases=done, seconds=time.monotonic() - started, size_bytes=size, caught_up=caught_up)
