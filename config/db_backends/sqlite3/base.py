"""Django's SQLite backend, with the writers of one process served first come, first served.

SQLite lets one writer in at a time. With IMMEDIATE transactions every `atomic()` block asks for
the write lock at BEGIN, and a writer that finds it taken sleeps in SQLite's busy handler, which
polls with growing sleeps (up to 100 ms) and lets whoever polls at the right moment in: under 16
concurrent filings the unlucky ones waited seconds (p99 2–13 s) while the lock was free most of
the time between two sleeps.

Here the threads of one process queue for the lock in a FIFO (`WriteQueue`) before they send
BEGIN IMMEDIATE, and the lock is handed to the next in line the moment a transaction commits or
rolls back: no polling, no overtaking, the wait bounded by the transactions ahead. SQLite's own
busy timeout still covers writers of other processes (workers, a second server), and a thread
that waits longer than that same timeout in the queue gets the same `database is locked` error
(a 503 with Retry-After, config.database_busy).
"""
from __future__ import annotations

import threading
import time
from collections import deque

from django.db import OperationalError
from django.db.backends.sqlite3 import base


class WriteQueue:
    """A lock handed over in arrival order: the releaser wakes exactly the oldest waiter."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._held = False
        self._waiters: deque[threading.Event] = deque()
        self.served = 0  # acquisitions so far (for tests and figures)

    def acquire(self, timeout: float | None = None) -> bool:
        with self._mutex:
            if not self._held and not self._waiters:
                self._held = True
                self.served += 1
                return True
            turn = threading.Event()
            self._waiters.append(turn)
        if turn.wait(timeout):
            return True  # handed over by release(): we hold it now
        with self._mutex:
            if turn.is_set():  # handed over just as we gave up
                return True
            self._waiters.remove(turn)
            return False

    def release(self) -> None:
        with self._mutex:
            if self._waiters:
                self.served += 1
                self._waiters.popleft().set()  # stays held: it now belongs to that waiter
            else:
                self._held = False

    @property
    def waiting(self) -> int:
        return len(self._waiters)


_queues: dict[str, WriteQueue] = {}
_queues_mutex = threading.Lock()


def write_queue(name) -> WriteQueue:
    """The one queue of this process for the database file `name`."""
    key = str(name)
    with _queues_mutex:
        return _queues.setdefault(key, WriteQueue())


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._in_write_queue = False

    def _queue(self) -> WriteQueue | None:
        if self.transaction_mode != "IMMEDIATE" or self.is_in_memory_db():
            return None
        return write_queue(self.settings_dict["NAME"])

    def _start_transaction_under_autocommit(self):
        queue = self._queue()
        if queue is None or self._in_write_queue:
            return super()._start_transaction_under_autocommit()
        timeout = float(self.settings_dict.get("OPTIONS", {}).get("timeout", 5))
        began = time.monotonic()
        if not queue.acquire(timeout):
            raise OperationalError(f"database is locked (waited {time.monotonic() - began:.1f}s for this "
                                   "process's writers ahead)")
        self._in_write_queue = True
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._leave_write_queue()
            raise

    def _leave_write_queue(self) -> None:
        if self._in_write_queue:
            self._in_write_queue = False
            write_queue(self.settings_dict["NAME"]).release()

    def _commit(self):
        try:
            return super()._commit()
        finally:
            # After a failed COMMIT the transaction may still be open: atomic() rolls it back
            # next, and only then is the lock free.
            if self.connection is None or not self.connection.in_transaction:
                self._leave_write_queue()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._leave_write_queue()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._leave_write_queue()
