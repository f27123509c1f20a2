"""Issue 13: on SQLite the writers of one process are served first come, first served.

The queue itself (config.db_backends.sqlite3.WriteQueue) is shown FIFO with threads whose order
of arrival is forced; then sixteen filings sent at once over real HTTP to the real ASGI app all
succeed, each through the queue.
"""
from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from config.db_backends.sqlite3.base import DatabaseWrapper, WriteQueue, write_queue
from tests.conftest import filing_body
from tests.integration.test_concurrency import assert_audit_intact, assert_gap_free, file_over_http
from tests.live import run_together

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's one writer")


def arrive_in_order(queue: WriteQueue, count: int, body) -> list[threading.Thread]:
    """`count` threads that wait on `queue`, started one by one so they join it in index order."""
    threads = []
    for index in range(count):
        thread = threading.Thread(target=body, args=(index,), daemon=True)
        thread.start()
        threads.append(thread)
        while queue.waiting < index + 1:  # this one is in line before the next one starts
            threading.Event().wait(0.001)
    return threads


def test_the_write_queue_serves_waiting_threads_in_the_order_they_arrived():
    # given a queue held by one writer and eight more that arrive one after the other
    queue = WriteQueue()
    assert queue.acquire()
    served: list[int] = []

    def writer(index: int) -> None:
        assert queue.acquire(timeout=30)
        served.append(index)
        queue.release()

    threads = arrive_in_order(queue, 8, writer)

    # when the first writer lets go
    queue.release()
    for thread in threads:
        thread.join(30)

    # then they were served in the order they arrived, and the lock is free again
    assert served == list(range(8))
    assert queue.acquire(timeout=0)


def test_a_writer_that_gives_up_leaves_the_line_and_the_next_is_served():
    # given a held queue and a writer that waits a moment only
    queue = WriteQueue()
    assert queue.acquire()

    # when it gives up
    assert queue.acquire(timeout=0.05) is False

    # then it is no longer in line, and the next writer gets the lock when it is let go
    assert queue.waiting == 0
    got = []
    threads = arrive_in_order(queue, 1, lambda index: got.append(queue.acquire(timeout=30)))
    queue.release()
    threads[0].join(30)
    assert got == [True]


def test_sixteen_filings_at_once_on_sqlite_all_succeed_through_the_write_queue(demo, live_url, token):
    # given sixteen tablets filing at the same moment, through the real ASGI app on the SQLite file
    assert isinstance(connections["default"], DatabaseWrapper)
    queue = write_queue(connection.settings_dict["NAME"])
    served_before = queue.served
    grid1 = token("grid1")
    calls = [file_over_http(live_url, grid1, filing_body(title=f"纠纷 {i}"), key=f"tablet-{i}") for i in range(16)]

    # when they all arrive together
    replies = run_together(calls)

    # then every one is filed (none turned away as busy), each with its own number, and each
    # filing's transaction went through this process's queue
    assert [r.status for r in replies] == [201] * 16, [(r.status, r.body[:200]) for r in replies]
    assert_gap_free([r.json()["number"] for r in replies])
    assert queue.served - served_before >= 16
    assert queue.waiting == 0
    assert_audit_intact()
