"""Deadline timers end to end (DESIGN.md §2, §6): the warning at two thirds of the time, the
breach that escalates a village stage one rung or raises a supervision order (督办) at the
township, fired by `fire_deadlines --as-of` (and by viewflow's own `workflow_timers`) — once,
however often the sweep runs, and never while the clock is paused (until the pause runs out).

Sweep moments are taken from each case's own clock (`warn_at`, `due_at`); nothing is asserted
about how long anything took. viewflow's dispatcher reads django's `timezone.now()`, so its
tests file the case in the past (`clock.travel_to`) or move a timer's `scheduled` back.
"""
from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from actions import services
from casework import clock
from casework.models import Case, CaseDeadline, CaseEvent
from flows import engine
from tests.conftest import user
from tests.flows.helpers import (
    AGREEMENT,
    CASES,
    actions,
    assert_process_follows,
    events,
    file_via_api,
    fire,
    fire_deadlines,
    fired,
    process_of,
    stage_clock,
    sweep_moments,
)

MINUTE = dt.timedelta(minutes=1)


def clock_of(case_id: int) -> CaseDeadline:
    return stage_clock(Case.objects.get(pk=case_id))


def stage_task(case_id: int) -> Task:
    return engine.open_stage_task(process_of(case_id).pk)


def state_of(case_id: int) -> tuple:
    """What a sweep that has nothing to do must leave unchanged."""
    case = Case.objects.get(pk=case_id)
    tasks = Task.objects.filter(process=process_of(case_id)).order_by("pk")
    return (case.status, case.version, case.event_count, case.last_event_hash,
            list(tasks.values_list("pk", "status", "scheduled")),
            list(CaseDeadline.objects.filter(case=case).order_by("pk").values_list(
                "kind", "state", "warned_at", "breached_at", "ended_at", "due_at")))


def bring(api, status: str) -> int:
    case_id = file_via_api(api)
    if status in ("village_mediation",):
        fire(api, "head1", case_id, "accept", {"mediators": ["mediator1"]})
    if status in ("township_triage", "township_mediation", "referred"):
        fire(api, "head1", case_id, "escalate", {"reason": "村级调解难度大"})
    if status in ("township_mediation", "referred"):
        fire(api, "center1", case_id, "triage_to_mediation")
    if status == "referred":
        fire(api, "center1", case_id, "refer", {"channel": "court", "receiving_body": "诸暨市人民法院枫桥法庭"})
    assert Case.objects.get(pk=case_id).status == status
    return case_id


# --- the warning ---

def test_warning_at_two_thirds_of_the_time_is_recorded_and_leaves_the_case_where_it_is(demo, api):
    # given a case just filed: its acceptance clock warns at two thirds of three days
    case_id = file_via_api(api)
    deadline = clock_of(case_id)
    assert deadline.started_at + (deadline.due_at - deadline.started_at) * 2 / 3 == deadline.warn_at
    before = Case.objects.get(pk=case_id)

    # when the sweep runs a minute before the warning: nothing is due
    assert fired(fire_deadlines(deadline.warn_at - MINUTE))[0] == 0
    assert actions(case_id) == ["file"]

    # when it runs a minute after the warning
    out = fire_deadlines(deadline.warn_at + MINUTE)

    # then one warning by the system is on the timeline, the clock is marked warned, nothing else moved
    assert fired(out)[0] == 1
    assert events(case_id) == [("file", user("grid1").pk), ("deadline_warning", None)]
    deadline.refresh_from_db()
    assert deadline.warned_at is not None and deadline.warn_at <= deadline.warned_at < deadline.due_at
    assert (deadline.state, deadline.breached_at, deadline.ended_at) == ("running", None, None)
    case = Case.objects.get(pk=case_id)
    assert (case.status, case.outcome) == (before.status, before.outcome) == ("reported", "")
    assert case.version == before.version + 1  # the timeline grew: a client's stale view must know
    warning_event = CaseEvent.objects.get(case_id=case_id, action="deadline_warning")
    assert warning_event.data["deadline"] == "acceptance"

    # and the stage task is still open; its clock's warning is done, its breach still due at its moment
    task = stage_task(case_id)
    assert task.flow_task.name == "village_acceptance" and task.status == STATUS.NEW
    assert sweep_moments(deadline) == {"breach": deadline.due_at}


# --- the breach in the village: one rung up ---

@pytest.mark.parametrize("status", ["reported", "village_mediation"])
def test_breach_in_the_village_escalates_to_township_triage_as_the_system(demo, api, status):
    # given a case waiting in the village (acceptance, or mediation after acceptance)
    case_id = bring(api, status)
    deadline = clock_of(case_id)
    seen = len(events(case_id))

    # when the sweep runs a minute after the stage's due moment
    out = fire_deadlines(deadline.due_at + MINUTE)

    # then the warning and the breach fired, and the system escalated the case one rung
    assert fired(out) == (2, 0, 0)
    assert events(case_id)[seen:] == [("deadline_warning", None), ("deadline_breached", None), ("escalate", None)]
    escalation = CaseEvent.objects.get(case_id=case_id, action="escalate")
    assert (escalation.source_status, escalation.target_status) == (status, "township_triage")
    assert escalation.data == {"reason": "deadline_breached", "automatic": True}
    deadline.refresh_from_db()
    assert deadline.state == "breached" and deadline.breached_at is not None and deadline.ended_at is not None

    # and the process moved to the township triage task, in the center's queue, timed by the triage clock
    assert_process_follows(case_id, "township_triage", "township", owner=None)
    triage = clock_of(case_id)
    assert triage.started_at >= deadline.due_at  # the escalation happened at the sweep's moment


@pytest.mark.parametrize("status", ["township_triage", "township_mediation", "referred"])
def test_breach_at_the_township_raises_a_supervision_order_and_the_case_stays(demo, api, status):
    # given a case waiting at the township
    case_id = bring(api, status)
    deadline = clock_of(case_id)
    task = stage_task(case_id)
    seen = len(events(case_id))

    # when the sweep runs after the stage's due moment
    out = fire_deadlines(deadline.due_at + MINUTE)

    # then a supervision order to the county is on the timeline; the case did not move
    assert fired(out) == (2, 0, 0)
    assert events(case_id)[seen:] == [("deadline_warning", None), ("deadline_breached", None),
                                      ("supervision_order", None)]
    order = CaseEvent.objects.get(case_id=case_id, action="supervision_order")
    assert order.data["to"] == "county"
    case = Case.objects.get(pk=case_id)
    assert case.status == status
    deadline.refresh_from_db()
    assert (deadline.state, deadline.ended_at) == ("breached", None)

    # and the same stage task is still open, its clock with nothing more to fire
    assert stage_task(case_id) == task
    assert sweep_moments(deadline) == {}

    # and a later sweep finds nothing more to do
    quiet = state_of(case_id)
    assert fired(fire_deadlines(deadline.due_at + dt.timedelta(days=1)))[0] == 0
    assert state_of(case_id) == quiet


# --- once, however often the sweep runs ---

def test_running_the_sweep_twice_at_the_same_moment_fires_nothing_more(demo, api):
    # given two village cases and a township case, all past their due moments
    cases = [bring(api, "reported"), bring(api, "village_mediation"), bring(api, "township_triage")]
    as_of = max(clock_of(c).due_at for c in cases) + MINUTE
    first = fire_deadlines(as_of)
    assert fired(first)[0] == 6
    after_first = [state_of(c) for c in cases]
    counts = CaseEvent.objects.count()

    # when the same sweep runs again
    second = fire_deadlines(as_of)

    # then nothing fired and nothing changed: one warning and one breach per clock, one escalation per case
    assert fired(second)[0] == 0
    assert [state_of(c) for c in cases] == after_first
    assert CaseEvent.objects.count() == counts
    for case_id in cases:
        assert actions(case_id).count("deadline_warning") == 1
        assert actions(case_id).count("deadline_breached") == 1
    assert [actions(c).count("escalate") for c in cases] == [1, 1, 1]  # the third was escalated by head1
    assert [actions(c).count("supervision_order") for c in cases] == [0, 0, 1]
    assert [Case.objects.get(pk=c).status for c in cases] == ["township_triage"] * 3


def test_an_earlier_then_a_later_sweep_fire_each_timer_once(demo, api):
    # given a case filed now
    case_id = file_via_api(api)
    deadline = clock_of(case_id)
    warn_moment, due_moment = deadline.warn_at + MINUTE, deadline.due_at + MINUTE

    # when the sweep runs at the warning, then after the due moment, then both again in reverse order
    assert fired(fire_deadlines(warn_moment))[0] == 1
    assert fired(fire_deadlines(due_moment))[0] == 1
    settled = state_of(case_id)
    assert fired(fire_deadlines(due_moment))[0] == 0
    assert fired(fire_deadlines(warn_moment))[0] == 0

    # then one warning, one breach, one escalation — and the later runs changed nothing
    assert actions(case_id) == ["file", "deadline_warning", "deadline_breached", "escalate"]
    assert state_of(case_id) == settled
    assert_process_follows(case_id, "township_triage", "township", owner=None)


def test_a_later_then_an_earlier_sweep_changes_nothing_more(demo, api):
    # given a case swept after its due moment (warning and breach fired together)
    case_id = file_via_api(api)
    deadline = clock_of(case_id)
    fire_deadlines(deadline.due_at + MINUTE)
    settled = state_of(case_id)

    # when a sweep for an earlier moment (the warning's) runs afterwards
    out = fire_deadlines(deadline.warn_at + MINUTE)

    # then nothing fires again
    assert fired(out)[0] == 0
    assert state_of(case_id) == settled
    assert actions(case_id) == ["file", "deadline_warning", "deadline_breached", "escalate"]


# --- a paused clock does not run ---

def pause(api, case_id: int, *, via: str, reason: str = "当事人外出务工，暂时联系不上") -> None:
    if via == "api":
        response = api("head1").post(f"{CASES}{case_id}/deadline/pause/", {"reason": reason}, format="json")
        assert response.status_code == 200, response.data
    else:
        services.case_pause_clock(case_id=case_id, actor=user("head1"), reason=reason)


def resume(api, case_id: int, *, via: str) -> None:
    if via == "api":
        response = api("head1").post(f"{CASES}{case_id}/deadline/resume/", {}, format="json")
        assert response.status_code == 200, response.data
    else:
        services.case_resume_clock(case_id=case_id, actor=user("head1"))


@pytest.mark.parametrize("via", ["api", "services"])
@pytest.mark.parametrize("status", ["reported", "village_mediation"])
def test_a_paused_clock_does_not_fire_and_its_moments_move_with_it_on_resume(demo, api, via, status):
    # given a case waiting in the village, whose clock is paused while a party cannot be reached
    case_id = bring(api, status)
    deadline = clock_of(case_id)
    original_warn, original_due = deadline.warn_at, deadline.due_at
    pause(api, case_id, via=via)

    # then the sweep waits for the pause to run out (DEADLINE_PAUSE_MAX_DAYS): the clock is due at
    # the moments it reaches if the pause runs its full length, none before the pause ends
    paused = clock_of(case_id)
    longest = paused.pause_ends_at - paused.paused_at
    moments = sweep_moments(paused)
    assert moments["breach"] == paused.due_at == original_due + longest
    assert moments["warning"] == max(original_warn + longest, paused.pause_ends_at)

    # when the sweep runs long after the original due moment, but before the pause runs out
    out = fire_deadlines(original_due + dt.timedelta(days=10))

    # then nothing fired: no warning, no breach, no escalation
    assert fired(out)[0] == 0
    assert "deadline_warning" not in actions(case_id) and "deadline_breached" not in actions(case_id)
    assert Case.objects.get(pk=case_id).status == status

    # when the clock is resumed after standing still longer than its last third (so the old due
    # moment falls before the new warning)
    stood = (original_due - original_warn) + dt.timedelta(days=1)
    with clock.travel_to(clock_of(case_id).paused_at + stood):
        resume(api, case_id, via=via)

    # then the clock moved by the time it stood still, and the sweep takes it at its new moments
    deadline.refresh_from_db()
    assert deadline.state == "running"
    assert abs((deadline.due_at - original_due) - stood) < dt.timedelta(seconds=5)
    assert abs((deadline.warn_at - original_warn) - stood) < dt.timedelta(seconds=5)
    assert_process_follows(case_id, status, "village")  # due at exactly warn_at / due_at

    # and a sweep after the original due moment (but before the new warning) fires nothing
    assert fired(fire_deadlines(original_due + MINUTE))[0] == 0
    # while one after the new due moment escalates, once
    assert fired(fire_deadlines(deadline.due_at + MINUTE))[0] == 2
    assert actions(case_id).count("escalate") == 1
    assert Case.objects.get(pk=case_id).status == "township_triage"


# --- dry run ---

def test_dry_run_counts_what_is_due_and_changes_nothing(demo, api):
    # given three cases past their due moments, and one filed much later (its clock not due)
    cases = [bring(api, "reported"), bring(api, "village_mediation"), bring(api, "township_triage")]
    as_of = max(clock_of(c).due_at for c in cases) + MINUTE
    with clock.travel_to(as_of):
        later = file_via_api(api)
    before = [state_of(c) for c in [*cases, later]]
    event_count = CaseEvent.objects.count()

    # when the sweep runs dry
    out = fire_deadlines(as_of, dry_run=True)

    # then it reports the six due firings (a warning and a breach each) and changed nothing
    assert out.startswith("6 deadline(s) due as of"), out
    assert [state_of(c) for c in [*cases, later]] == before
    assert CaseEvent.objects.count() == event_count

    # and the real sweep afterwards fires exactly what the dry run counted
    assert fired(fire_deadlines(as_of))[0] == 6


# --- the clocks are the schedule: no viewflow timer, the worker job sweeps them ---

def test_the_process_has_no_timers_so_viewflows_dispatcher_finds_nothing_and_the_worker_job_fires(demo, api):
    # given a case filed five days ago: by the wall clock its warning and its breach are past due
    with clock.travel_to(clock.now() - dt.timedelta(days=5)):
        case_id = file_via_api(api)
    deadline = clock_of(case_id)
    assert deadline.due_at < clock.now()

    # when viewflow's own dispatcher runs: the process carries no timer, so it has nothing to fire
    out = io.StringIO()
    call_command("workflow_timers", stdout=out)
    assert out.getvalue().startswith("0 timer(s) fired"), out.getvalue()
    assert not Task.objects.filter(process=process_of(case_id), flow_task_type="TIMER").exists()
    assert actions(case_id) == ["file"]

    # when the worker job (serve / run_workers) runs at the wall clock's moment
    from flows.timers import fire_deadlines_job

    assert fire_deadlines_job() == 2

    # then warning, breach and the automatic escalation, by the system; and again, nothing more
    assert events(case_id)[1:] == [("deadline_warning", None), ("deadline_breached", None), ("escalate", None)]
    assert_process_follows(case_id, "township_triage", "township", owner=None)
    assert fire_deadlines_job() == 0
    assert fired(fire_deadlines(clock.now()))[0] == 0
    assert actions(case_id).count("escalate") == 1


def test_a_deadline_rule_of_zero_days_makes_the_clock_due_the_same_day(demo, api):
    # given acceptance due "within 0 days" (a rule in the database) for a case filed at 08:00
    from casework.models import DeadlineRule

    DeadlineRule.objects.update_or_create(kind="acceptance", region=None, dispute_type="",
                                          defaults={"days": 0, "day_count": "calendar"})
    morning = clock.now().astimezone(dt.timezone(dt.timedelta(hours=8))).replace(hour=8, minute=0, second=0, microsecond=0)
    with clock.travel_to(morning):
        case_id = file_via_api(api)
    deadline = clock_of(case_id)
    assert deadline.due_at.astimezone(morning.tzinfo).date() == morning.date()

    # when the sweep runs at the end of that day
    fire_deadlines(deadline.due_at + MINUTE)

    # then the acceptance deadline was breached and the case escalated, by the system
    assert actions(case_id) == ["file", "deadline_warning", "deadline_breached", "escalate"]
    assert_process_follows(case_id, "township_triage", "township", owner=None)


def test_agreement_follow_up_breach_raises_a_supervision_order_and_the_case_stays(demo, api):
    # given a village agreement whose follow-up visit (回访) is due 15 days after the last obligation
    case_id = bring(api, "village_mediation")
    fire(api, "mediator1", case_id, "record_agreement", AGREEMENT)
    deadline = clock_of(case_id)
    assert deadline.kind == "follow_up"

    # when the sweep runs after it
    fire_deadlines(deadline.due_at + MINUTE)

    # then the breach is on the timeline with a supervision order (督办, issue 10), and the agreed
    # case stays agreed with its follow-up task
    assert actions(case_id)[-3:] == ["deadline_warning", "deadline_breached", "supervision_order"]
    assert Case.objects.get(pk=case_id).status == "agreed"
    assert stage_task(case_id).flow_task.name == "follow_up"


# --- the --as-of argument ---

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def test_as_of_a_bare_date_means_the_end_of_that_local_day(demo, api):
    # given a case whose acceptance warning and due moment fall on two different local days
    case_id = file_via_api(api)
    deadline = clock_of(case_id)
    warn_day, due_day = deadline.warn_at.astimezone(SHANGHAI).date(), deadline.due_at.astimezone(SHANGHAI).date()
    assert warn_day < due_day

    # when the sweep runs "as of" the warning's day, then "as of" the due day (dates, no time)
    out_warn, out_due = io.StringIO(), io.StringIO()
    call_command("fire_deadlines", as_of=warn_day.isoformat(), stdout=out_warn)
    call_command("fire_deadlines", as_of=due_day.isoformat(), stdout=out_due)

    # then each date covered its whole day: the warning on the first, the breach (at 23:59:59) on the second
    assert fired(out_warn.getvalue())[0] == 1, f"--as-of {warn_day} (warning due {deadline.warn_at}): {out_warn.getvalue()}"
    assert fired(out_due.getvalue())[0] == 1, f"--as-of {due_day} (breach due {deadline.due_at}): {out_due.getvalue()}"
    assert actions(case_id) == ["file", "deadline_warning", "deadline_breached", "escalate"]


def test_as_of_without_an_offset_is_local_time(demo, api):
    # given a case past its warning
    case_id = file_via_api(api)
    deadline = clock_of(case_id)
    fire_deadlines(deadline.warn_at + MINUTE)
    local_due = deadline.due_at.astimezone(SHANGHAI).replace(tzinfo=None)

    # when the sweep runs a minute before the due moment, written as Asia/Shanghai wall time
    before = io.StringIO()
    call_command("fire_deadlines", as_of=(local_due - MINUTE).isoformat(), stdout=before)
    # (read as UTC it would be eight hours later, and the breach would fire)
    assert fired(before.getvalue())[0] == 0

    # then a minute after it, it fires
    after = io.StringIO()
    call_command("fire_deadlines", as_of=(local_due + MINUTE).isoformat(), stdout=after)
    assert fired(after.getvalue())[0] == 1


def test_an_unreadable_as_of_is_refused_and_fires_nothing(demo, api):
    from django.core.management.base import CommandError

    case_id = file_via_api(api)
    with pytest.raises(CommandError, match="ISO 8601"):
        call_command("fire_deadlines", as_of="next tuesday", stdout=io.StringIO())
    assert actions(case_id) == ["file"]
