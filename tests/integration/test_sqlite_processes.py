"""Point 7 of issue 10: SQLite as a deployment of several processes runs it — two server
processes (`manage.py serve`) on one SQLite file named by `DATABASE_URL=sqlite:///…`, with no
options in the URL — takes concurrent filings without a 500, and files each exactly once.

Real HTTP, token auth, each filing with its own Idempotency-Key; a 503 (the database still
locked after the busy timeout) is retried with the same key, as a tablet does.
"""
from __future__ import annotations

import time
from collections import Counter

import pytest
from django.db import connection

from casework.models import Case, IdempotencyKey
from tests.conftest import filing_body
from tests.live import request, run_together
from tests.processes import ServerProcess, worker_env

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="several processes on one SQLite file")

FILERS = 32
FILINGS_EACH = 1
GRID_WORKERS = ["grid1", "grid-33068110800102", "grid-33068110800201", "grid-33068110800301"]  # 枫桥镇


def plain_sqlite_env(tmp_path) -> dict[str, str]:
    """The test database named as a deployment names it: the file, nothing else (worker_env does
    the same; restated so that this test does not lean on it)."""
    env = worker_env(tmp_path)
    env["DATABASE_URL"] = f"sqlite:///{connection.settings_dict['NAME']}"
    return env


def filer(url: str, token: str, keys: list[str]):
    """One tablet filing its cases one after the other; the replies, by key (503s retried)."""
    def run() -> dict[str, list[tuple[int, dict]]]:
        replies = {}
        for key in keys:
            seen = []
            for _ in range(5):
                reply = request("POST", url + "/api/v1/cases/", token=token, json_body=filing_body(),
                                headers={"Idempotency-Key": key}, timeout=120)
                seen.append((reply.status, reply.json() if reply.body.startswith(b"{") else reply.body[:300]))
                if reply.status != 503:
                    break
                time.sleep(float(reply.headers.get("Retry-After", "1")))
            replies[key] = seen
        return replies
    return run


def test_two_server_processes_on_one_sqlite_file_file_32_concurrent_filings_once_each(demo, transactional_db, tmp_path,
                                                                                     token):
    # given two server processes on the test database's file, named by a bare sqlite:/// URL
    env = plain_sqlite_env(tmp_path)
    tokens = {username: token(username) for username in GRID_WORKERS}
    with ServerProcess(env) as a, ServerProcess(env) as b:
        # when 32 tablets file at once, half through each server, each filing with its own key
        calls = []
        for i in range(FILERS):
            username = GRID_WORKERS[i % len(GRID_WORKERS)]
            keys = [f"tablet-{i}-filing-{n}" for n in range(FILINGS_EACH)]
            calls.append(filer((a, b)[i % 2].url, tokens[username], keys))
        results = run_together(calls, timeout=300)
        logs = a.output() + b.output()

    # then no request failed with a 500, every filing was answered with its case...
    replies = {key: seen for result in results for key, seen in result.items()}
    assert len(replies) == FILERS * FILINGS_EACH
    statuses = Counter(status for seen in replies.values() for status, _ in seen)
    assert set(statuses) <= {201, 503}, (statuses, [s for s in replies.values() if s[-1][0] not in (201, 503)][:3], logs[-3000:])
    final = {key: seen[-1] for key, seen in replies.items()}
    assert all(status == 201 for status, _ in final.values()), statuses

    # ...and each was filed exactly once: one case per key, the one its reply named
    case_ids = {key: body["id"] for key, (_, body) in final.items()}
    assert len(set(case_ids.values())) == len(case_ids)
    assert Case.objects.count() == len(case_ids)
    on_file = dict(IdempotencyKey.objects.values_list("key", "case_id"))
    assert on_file == case_ids
