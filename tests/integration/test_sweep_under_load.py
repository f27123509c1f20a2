"""Point 7 of issue 10: the deadline sweep over thousands of due timers while cases are filed.

4,000 acceptance clocks past their warning moment, two `manage.py fire_deadlines --as-of …`
processes sweeping at once, and grid workers filing through a server process (real HTTP) the
whole time: every warning is raised exactly once, no filing and no timer fails.

The 4,000 cases are copies of one real filing (tests/bulk.py); the sweep fires their deadlines
through the real path (the due clocks in batches, the actions layer's handler, events, notifications).
"""
from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
import threading
import time
from collections import Counter

import pytest
from django.db import connection
from django.db.models import Count
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from casework import clock
from casework.choices import NotificationKind
from casework.models import Case, CaseDeadline, CaseEvent
from flows.models import Notification
from flows.timers import due_count
from tests.bulk import clone_filed_case
from tests.conftest import file_case, filing_body
from tests.live import request
from tests.processes import ROOT, ServerProcess, worker_env

# SQLite's failure (a read left open across the sweep's writes); on PostgreSQL the sweepers'
# exactly-once is shown by test_timer_workers.py.
pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's snapshot held by an open read")

DEADLINES = 4000
SWEEPERS = 2
REPORT = re.compile(r"(\d+) deadline\(s\) fired as of .*; (\d+) skipped, (\d+) failed")
SWEEP_TIMEOUT = 900  # 4,000 firings on a busy two-core machine


def sweep(as_of: dt.datetime, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "manage.py", "fire_deadlines", "--as-of", as_of.isoformat()], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(sweepers: list[subprocess.Popen]) -> list[tuple[int, int]]:
    """(fired, failed) of each sweeper, which must have exited cleanly."""
    reports = []
    for sweeper in sweepers:
        try:
            out, err = sweeper.communicate(timeout=SWEEP_TIMEOUT)
        except subprocess.TimeoutExpired:
            sweeper.kill()
            out, err = sweeper.communicate()
            raise AssertionError(f"a sweeper did not finish: {out}\n{err[-3000:]}") from None
        match = REPORT.search(out)
        assert sweeper.returncode == 0 and match, f"exit {sweeper.returncode}:\n{out}\n{err[-3000:]}"
        reports.append((int(match[1]), int(match[3])))
    return reports


def keep_filing(url: str, token: str, name: str, stop: threading.Event, statuses: Counter,
                filed: dict[str, int]) -> threading.Thread:
    """A tablet filing one case after another until told to stop; a 503 (the database still
    locked after the busy timeout) is sent again with the same Idempotency-Key, as a tablet does."""
    def run() -> None:
        n = 0
        while not stop.is_set():
            key = f"{name}-{n}"
            for _ in range(5):
                reply = request("POST", url + "/api/v1/cases/", token=token, json_body=filing_body(),
                                headers={"Idempotency-Key": key}, timeout=120)
                statuses[reply.status] += 1
                if reply.status != 503:
                    break
                time.sleep(float(reply.headers.get("Retry-After", "1")))
            if reply.status == 201:
                filed[key] = reply.json()["id"]
            n += 1
            time.sleep(0.2)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_two_sweepers_fire_4000_due_warnings_exactly_once_while_cases_are_filed(demo, transactional_db, tmp_path,
                                                                                token):
    # given 4,000 cases filed ten days ago, each with its acceptance warning due and its breach not yet
    with clock.travel_to(clock.now() - dt.timedelta(days=10)):
        template = file_case("grid1")
    case_ids = [template.pk, *clone_filed_case(template, DEADLINES - 1)]
    acceptance = CaseDeadline.objects.get(case=template)
    as_of = acceptance.warn_at + dt.timedelta(minutes=1)
    assert as_of < acceptance.due_at
    assert due_count(as_of) == DEADLINES

    # when two sweepers fire that moment while grid workers keep filing through a server
    env = worker_env(tmp_path)
    statuses: Counter = Counter()
    filed: dict[str, int] = {}
    stop = threading.Event()
    with ServerProcess(env) as server:
        filers = [keep_filing(server.url, token(who), who, stop, statuses, filed) for who in ("grid1", "grid2")]
        try:
            reports = finish([sweep(as_of, env) for _ in range(SWEEPERS)])
        finally:
            stop.set()
            for filer in filers:
                filer.join(150)

    # then no filing failed (none was a 500; one still locked out is retried), each was filed
    # once, and they went on during the sweep
    assert set(statuses) <= {201, 503}, statuses
    assert statuses[201] == len(filed) > 0
    assert sorted(Case.objects.exclude(pk__in=case_ids).values_list("pk", flat=True)) == sorted(filed.values())

    # and between them the sweepers fired each deadline once, and none failed (no task in ERROR either)
    assert sum(fired for fired, _ in reports) == DEADLINES, reports
    assert all(failed == 0 for _, failed in reports), reports
    assert not Task.objects.filter(status=STATUS.ERROR).exists()

    # and each case has exactly one warning: one event, its clock marked, the same notices as any other
    warnings = Counter(dict(CaseEvent.objects.filter(case_id__in=case_ids, action="deadline_warning")
                            .values_list("case_id").annotate(n=Count("pk"))))
    assert len(warnings) == DEADLINES and set(warnings.values()) == {1}
    assert not CaseEvent.objects.filter(case_id__in=case_ids).exclude(action__in=["file", "deadline_warning"]).exists()
    assert CaseDeadline.objects.filter(case_id__in=case_ids, warned_at__isnull=False).count() == DEADLINES
    notices = Counter(dict(Notification.objects.filter(case_id__in=case_ids, kind=NotificationKind.DEADLINE_WARNING)
                           .values_list("case_id").annotate(n=Count("pk"))))
    assert len(notices) == DEADLINES and len(set(notices.values())) == 1 and min(notices.values()) >= 1
