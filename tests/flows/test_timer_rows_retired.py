"""Migration flows 0004: the deadline timers left the process. A database from before it keeps
the rows of the stage tasks' timers (and of the functions and ends they led to): the armed ones
are canceled, and every such row stays readable — `task.flow_task` is viewflow's `Obsolete`
node, the admin lists and shows it in Chinese, the work queue does not offer it — while the
sweep fires the clock once, from the clock row.
"""
from __future__ import annotations

import datetime as dt
import importlib

from django.apps import apps
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from casework.models import Case
from flows import engine
from tests.conftest import file_case
from tests.flows.helpers import actions, fire_deadlines, process_of, stage_clock
from tests.ui.conftest import Browser
from tests.ui.test_admin_chinese import english

RETIRED = importlib.import_module("flows.migrations.0004_deadline_timers_to_clocks")
NODE = "flows/flows.DisputeFlow.{}"


def old_rows(case: Case) -> dict[str, Task]:
    """What viewflow left for a stage task before the migration: its two armed timers, and a
    warning already fired (its timer done, the function and the end it led to)."""
    process = process_of(case.pk)
    host = engine.open_stage_task(process.pk)
    clock = stage_clock(case)
    rows = {}
    for name, node, kind, status, scheduled in [
        ("warning", "village_acceptance_timeout_1", "TIMER", STATUS.SCHEDULED, clock.warn_at),
        ("breach", "village_acceptance_timeout_2", "TIMER", STATUS.SCHEDULED, clock.due_at),
        ("function", "raise_warning", "FUNCTION", STATUS.DONE, None),
        ("end", "warned", "END", STATUS.DONE, None),
    ]:
        rows[name] = Task.objects.create(process_id=process.pk, flow_task=NODE.format(node), flow_task_type=kind,
                                         status=status, scheduled=scheduled,
                                         finished=timezone.now() if status == STATUS.DONE else None)
        rows[name].previous.add(host)
    return rows


def test_old_timer_rows_are_canceled_kept_readable_and_the_clock_fires_once(demo):
    # given a case whose stage task still has the rows of the old timers
    case = file_case("grid1")
    rows = old_rows(case)

    # when the migration runs
    RETIRED.cancel_armed_timers(apps, None)

    # then the armed timers are canceled (nothing will fire them), the finished rows stay as they were
    state = {name: Task.objects.get(pk=row.pk) for name, row in rows.items()}
    assert (state["warning"].status, state["breach"].status) == (STATUS.CANCELED, STATUS.CANCELED)
    assert state["warning"].finished is not None
    assert (state["function"].status, state["end"].status) == (STATUS.DONE, STATUS.DONE)
    # and each reads as viewflow's Obsolete node, with the stage task still the open one
    assert {task.flow_task.task_type for task in state.values()} == {"OBSOLETE"}
    assert engine.open_stage_task(process_of(case.pk).pk).flow_task.name == "village_acceptance"

    # and the admin lists and shows them, in Chinese
    browser = Browser("admin")
    listing = browser.client.get("/admin/flows/stagetask/")
    assert listing.status_code == 200 and english(listing.content.decode()) == set()
    for task in state.values():
        page = browser.client.get(f"/admin/flows/stagetask/{task.pk}/change/")
        assert page.status_code == 200 and english(page.content.decode()) == set(), task.flow_task
    assert browser.client.get(f"/admin/viewflow/process/{process_of(case.pk).pk}/change/").status_code == 200

    # and the sweep fires the deadline from the clock, once
    due = stage_clock(case).due_at + dt.timedelta(minutes=1)
    fire_deadlines(due)
    fire_deadlines(due)
    assert actions(case.pk) == ["file", "deadline_warning", "deadline_breached", "escalate"]
