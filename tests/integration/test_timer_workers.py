"""DESIGN.md §6 "A deadline fires once, even with several timer workers running", with real
worker processes: several `manage.py fire_deadlines --as-of …` (or at the wall clock's moment,
beside viewflow's own `workflow_timers`, which has no timer of ours left to fire) started at once
against the test database.

The workers share the test database (tests/processes.py). They look only at outcomes — events, statuses, clocks — never at timings.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
import sys
from collections import Counter

import pytest
from django.core.management import call_command
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from casework import clock
from casework.models import Case, CaseDeadline, CaseEvent
from flows.timers import due_count
from tests.conftest import file_case
from tests.processes import ROOT, worker_env

CASES = 40
WORKER_TIMEOUT = 180
REPORT = re.compile(r"(\d+) (?:deadline|timer)\(s\) fired")  # fire_deadlines, viewflow's workflow_timers
GRIDS = ["grid1", "grid-33068110800102", "grid-33068110800201", "grid-33068110800301"]  # 枫桥镇


def start(command: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "manage.py", *command], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(workers: list[subprocess.Popen]) -> list[int]:
    """Wait for every worker; each must succeed. The number of timers each says it fired."""
    fired = []
    for worker in workers:
        try:
            out, err = worker.communicate(timeout=WORKER_TIMEOUT)
        except subprocess.TimeoutExpired:
            worker.kill()
            out, err = worker.communicate()
            raise AssertionError(f"worker {worker.args} did not finish: {out}\n{err}")
        assert worker.returncode == 0, f"{worker.args} exited {worker.returncode}:\n{out}\n{err}"
        match = REPORT.search(out)
        assert match, out
        if "failed" in out:
            assert re.search(r"\b0 failed", out), out
        fired.append(int(match[1]))
    return fired


def file_cases(n: int) -> list[int]:
    return [file_case(GRIDS[i % len(GRIDS)]).pk for i in range(n)]


def actions_per_case(case_ids: list[int]) -> dict[int, Counter]:
    counts: dict[int, Counter] = {pk: Counter() for pk in case_ids}
    for case_id, action in CaseEvent.objects.filter(case_id__in=case_ids).values_list("case_id", "action"):
        counts[case_id][action] += 1
    return counts


def assert_fired_once_and_escalated(case_ids: list[int]) -> None:
    for case_id, counts in actions_per_case(case_ids).items():
        assert (counts["deadline_warning"], counts["deadline_breached"], counts["escalate"]) == (1, 1, 1), (case_id, counts)
        assert counts["supervision_order"] == 0, (case_id, counts)
    assert set(Case.objects.filter(pk__in=case_ids).values_list("status", flat=True)) == {"township_triage"}
    acceptance = CaseDeadline.objects.filter(case_id__in=case_ids, kind="acceptance")
    assert acceptance.count() == len(case_ids)
    assert set(acceptance.values_list("state", flat=True)) == {"breached"}
    # one triage task per case, timed by its own triage clock (not yet due); no timer rows; nothing in ERROR
    triage = Task.objects.filter(process__disputeprocess__case_id__in=case_ids, flow_task_type="HUMAN",
                                 status=STATUS.NEW)
    assert sorted(t.flow_task.name for t in triage) == ["township_triage"] * len(case_ids)
    assert CaseDeadline.objects.filter(case_id__in=case_ids, kind="township_triage", ended_at__isnull=True,
                                       warned_at__isnull=True, breached_at__isnull=True).count() == len(case_ids)
    assert not Task.objects.filter(process__disputeprocess__case_id__in=case_ids, flow_task_type="TIMER").exists()
    assert not Task.objects.filter(status=STATUS.ERROR).exists()
    out = io.StringIO()
    call_command("verify_audit", stdout=out, stderr=io.StringIO())
    assert "audit trail intact" in out.getvalue(), out.getvalue()


@pytest.mark.parametrize("workers", [2, 3])
def test_fire_deadlines_processes_at_once_fire_each_deadline_exactly_once(demo, transactional_db, tmp_path, workers):
    # given 40 cases whose acceptance clocks are all past due at the sweep's moment
    case_ids = file_cases(CASES)
    as_of = max(CaseDeadline.objects.filter(case_id__in=case_ids).values_list("due_at", flat=True)) + dt.timedelta(minutes=1)
    due = due_count(as_of)
    assert due == 2 * CASES  # a warning and a breach each

    # when several worker processes sweep that moment at once
    env = worker_env(tmp_path)
    fired = finish([start(["fire_deadlines", "--as-of", as_of.isoformat()], env) for _ in range(workers)])

    # then every deadline fired exactly once between them: one warning, one breach, one escalation per case
    assert sum(fired) == due, fired
    assert_fired_once_and_escalated(case_ids)


def test_a_second_round_of_workers_finds_nothing_to_fire(demo, transactional_db, tmp_path):
    # given 40 cases swept once by two workers
    case_ids = file_cases(CASES)
    as_of = max(CaseDeadline.objects.filter(case_id__in=case_ids).values_list("due_at", flat=True)) + dt.timedelta(minutes=1)
    env = worker_env(tmp_path)
    finish([start(["fire_deadlines", "--as-of", as_of.isoformat()], env) for _ in range(2)])
    events = CaseEvent.objects.count()

    # when two more sweep the same moment, and a dry run counts what is left
    fired = finish([start(["fire_deadlines", "--as-of", as_of.isoformat()], env) for _ in range(2)])
    dry = start(["fire_deadlines", "--as-of", as_of.isoformat(), "--dry-run"], env)
    dry_out, _ = dry.communicate(timeout=WORKER_TIMEOUT)

    # then nothing fired and nothing was written
    assert fired == [0, 0]
    assert dry_out.startswith("0 deadline(s) due"), dry_out
    assert CaseEvent.objects.count() == events
    assert_fired_once_and_escalated(case_ids)


def test_two_wall_clock_sweeps_and_viewflows_workflow_timers_at_once_fire_each_deadline_exactly_once(
        demo, transactional_db, tmp_path):
    # given 40 cases filed five days ago: by the wall clock their acceptance clocks are all past due
    with clock.travel_to(clock.now() - dt.timedelta(days=5)):
        case_ids = file_cases(CASES)
    due = due_count(clock.now())
    assert due == 2 * CASES

    # when two sweeps at the wall clock's moment and viewflow's dispatcher run at the same time
    env = worker_env(tmp_path)
    fired = finish([start(["fire_deadlines"], env), start(["fire_deadlines"], env), start(["workflow_timers"], env)])

    # then between the sweeps every deadline fired once; viewflow's dispatcher had no timer to fire
    assert fired[2] == 0, fired
    assert sum(fired) == due, fired
    assert_fired_once_and_escalated(case_ids)
