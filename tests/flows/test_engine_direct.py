"""flows.engine writes the process rows itself (no per-node savepoints); viewflow's own
activations are the reference: on every path through the ladder, a case driven by the direct
writes and an identical case driven by viewflow end with the same task rows, field by field.

Both runs of a path happen at the same frozen moment, so the timers' due moments (read from
the stage clocks) match exactly; the stamps (created, started, finished) are compared as
present or absent and in order, since viewflow takes them from the wall clock.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import weakref
from collections import defaultdict
from collections.abc import Callable
from types import SimpleNamespace
from unittest import mock

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from viewflow.workflow import signals
from viewflow.workflow.models import Task
from viewflow.workflow.status import PROCESS, STATUS

from actions import services
from actions.tasks import task_assign, task_claim
from casework.choices import Status
from casework.models import Case
from flows import engine
from flows.flows import DisputeFlow
from flows.models import DisputeProcess
from tests.casework.test_query_counts import FEW, MANY, grow_to
from tests.conftest import agreement_in_force, file_case, frozen_clock, user
from tests.flows.helpers import assert_process_follows, fire_deadlines, fired, stage_clock

MOMENT = dt.datetime(2026, 11, 23, 9, 30, tzinfo=dt.UTC)  # a Monday morning
MINUTE = dt.timedelta(minutes=1)
Link = Task.previous.through


# --- the two engines -------------------------------------------------------------------------


@contextlib.contextmanager
def viewflows_path():
    """The services drive the process through viewflow's activations, as before flows.engine."""
    with mock.patch.object(engine, "start", engine.start_via_viewflow), \
            mock.patch.object(engine, "follow", engine.follow_via_viewflow):
        yield


@contextlib.contextmanager
def held_back(*names: str):
    """The services leave the process alone (to be moved afterwards, in bulk): a held-back start
    writes no task (the filing then has none to put in the inbox)."""
    left_alone = {"start": lambda *args, **kwargs: SimpleNamespace(written_tasks=[])}
    with contextlib.ExitStack() as stack:
        for name in names:
            stack.enter_context(mock.patch.object(engine, name, left_alone.get(name, lambda *args, **kwargs: None)))
        yield


def rows_of(case_id: int) -> dict:
    """The process and its task rows, with ids replaced by positions (tasks in id order)."""
    process = DisputeProcess.objects.get(case_id=case_id)
    tasks = list(Task.objects.filter(process=process).order_by("pk"))
    position = {task.pk: i for i, task in enumerate(tasks)}
    previous = defaultdict(list)
    for task_id, previous_id in Link.objects.filter(from_task__process=process).values_list("from_task", "to_task"):
        previous[position[task_id]].append(position[previous_id])
    created = [task.created for task in tasks]
    assert created == sorted(created), "tasks are created in id order"
    for task in tasks:
        assert task.started is None or task.finished is None or task.started <= task.finished
    return {
        "process": (process.flow_class, process.status, process.finished is None, process.data,
                    process.parent_task_id, process.seed_content_type_id, process.seed_object_id,
                    process.artifact_content_type_id, process.artifact_object_id),
        "tasks": [
            {"flow_task": task.flow_task.name, "type": task.flow_task_type, "status": task.status,
             "owner": task.owner_id, "owner_permission": task.owner_permission,
             "owner_permission_obj": (task.owner_permission_content_type_id, task.owner_permission_obj_pk),
             "previous": sorted(previous[i]), "scheduled": task.scheduled, "token": str(task.token),
             "data": task.data, "seed": (task.seed_content_type_id, task.seed_object_id),
             "artifact": (task.artifact_content_type_id, task.artifact_object_id),
             "external_task_id": task.external_task_id,
             "stamps": (task.assigned is not None, task.started is not None, task.finished is not None)}
            for i, task in enumerate(tasks)
        ],
    }


# --- the paths -------------------------------------------------------------------------------

Step = Callable[[int], object]


def transition(name: str, who: str, **kwargs) -> Step:
    def step(case_id: int):
        given = {**kwargs, **({"mediators": [user(m) for m in kwargs["mediators"]]} if "mediators" in kwargs else {})}
        return getattr(services, f"case_{name}")(case_id=case_id, actor=user(who), **given)
    step.__name__ = name
    return step


def agree(who: str) -> Step:
    def step(case_id: int):
        case = Case.objects.get(pk=case_id)
        return services.case_record_agreement(case_id=case_id, actor=user(who), **agreement_in_force(case))
    return step


def claim(who: str) -> Step:
    def step(case_id: int):
        task_claim(task_id=engine.open_stage_task(DisputeProcess.objects.get(case_id=case_id).pk).pk, actor=user(who))
    return step


def assign(who: str, to: str) -> Step:
    def step(case_id: int):
        task = engine.open_stage_task(DisputeProcess.objects.get(case_id=case_id).pk)
        task_assign(task_id=task.pk, actor=user(who), assignee=user(to))
    return step


def merge(case_id: int) -> None:
    """并单 into another open case of the village, filed for the purpose."""
    into = file_case().pk
    services.case_merge(case_id=case_id, actor=user("head1"), into=into, note="同一纠纷重复登记")


def breach(case_id: int) -> None:
    """The stage clock runs out and the sweep fires it (a village breach escalates as the system)."""
    out = fire_deadlines(stage_clock(Case.objects.get(pk=case_id)).due_at + MINUTE)
    assert fired(out)[0] >= 1, out


def warning(case_id: int) -> None:
    out = fire_deadlines(stage_clock(Case.objects.get(pk=case_id)).warn_at + MINUTE)
    assert fired(out)[0] == 1, out


ACCEPT = transition("accept", "head1", mediators=["mediator1"])
ESCALATE = transition("escalate", "head1", reason="涉及多户，村级调解难度大")
TRIAGE = transition("triage_to_mediation", "center1")
REFER = transition("refer", "center1", channel="arbitration", receiving_body="诸暨市劳动人事争议仲裁委员会")


def close(who: str) -> Step:
    return transition("close", who, fulfilled=True, satisfaction="satisfied", note="回访：义务已履行完毕。")


PATHS: dict[str, tuple[dict, list[Step]]] = {
    "filed": ({}, []),
    "filed at high risk (straight to township triage)": ({"risk_level": "high"}, []),
    "settled on the spot": ({}, [transition("resolve_on_spot", "grid1", note="当场协调，双方握手言和")]),
    "declined": ({}, [transition("decline", "head1", reason="属劳动争议", advised_channel="arbitration")]),
    "withdrawn from mediation": ({}, [ACCEPT, transition("withdraw", "head1", note="申请人撤回")]),
    "merged into another case": ({}, [merge]),
    "settled in the village": ({}, [ACCEPT, agree("mediator1"), close("mediator1")]),
    "claimed, then accepted by the head (reassigned)": ({}, [claim("mediator1"), ACCEPT]),
    "assigned by the head, then escalated (reassigned)": ({}, [assign("head1", "mediator1"), ESCALATE]),
    "escalated, triaged, referred and unresolved": ({}, [
        ESCALATE, TRIAGE, REFER,
        transition("record_referral_outcome", "center1", resolved=False, reply="申请人未到庭"),
    ]),
    "returned to the village": ({}, [ESCALATE, transition("return_to_village", "center1", note="由村调委会继续调解")]),
    "reneged in the village and reopened": ({}, [ACCEPT, agree("mediator1"),
                                                 transition("reopen", "head1", reason="被申请人反悔")]),
    "reneged at the township, reopened and closed": ({}, [
        ESCALATE, TRIAGE, agree("center1"), transition("reopen", "center1", reason="第一期款项逾期未付"),
        agree("center1"), close("center1"),
    ]),
    "risk raised to high (fast track, as the system)": ({}, [
        transition("raise_risk", "head1", risk_level="high", reason="双方扬言动手"),
    ]),
    "warned, then breached in the village (escalated as the system)": ({}, [warning, breach]),
    "breached in village mediation": ({}, [ACCEPT, breach]),
    "breached at the township (supervision order, the case stays)": ({}, [ESCALATE, breach]),
}


def walk(filing: dict, steps: list[Step]) -> int:
    case_id = file_case(**filing).pk
    for step in steps:
        step(case_id)
    return case_id


@pytest.mark.parametrize("path", list(PATHS))
def test_the_direct_writes_leave_the_rows_viewflow_leaves_on_every_path(demo, path):
    filing, steps = PATHS[path]
    with frozen_clock(MOMENT):
        # given a case driven through the path by viewflow's activations
        with viewflows_path():
            reference = walk(filing, steps)
        # when an identical case is driven through it by the direct writes
        direct = walk(filing, steps)

    # then the process rows are the same, field by field
    assert rows_of(direct) == rows_of(reference)
    assert len(rows_of(direct)["tasks"]) >= 3 + len(steps)  # start, risk gate, stage task; a route per step


def test_the_direct_start_is_followed_by_viewflows_own_activations(demo):
    """viewflow works on the rows written directly: its activation completes the task and routes."""
    with frozen_clock(MOMENT):
        with viewflows_path():
            reference = walk({}, [ACCEPT, ESCALATE])
        direct = file_case().pk
        with mock.patch.object(engine, "follow", engine.follow_via_viewflow):
            ACCEPT(direct)
            ESCALATE(direct)
    assert rows_of(direct) == rows_of(reference)
    assert_process_follows(direct, "township_triage", "township", owner=None)


def test_a_process_viewflow_started_is_moved_on_by_the_direct_writes(demo):
    """Processes started before the direct writes (by viewflow) move on as before."""
    with frozen_clock(MOMENT):
        with viewflows_path():
            reference = walk({}, [ACCEPT, ESCALATE])
        with mock.patch.object(engine, "start", engine.start_via_viewflow):
            direct = file_case().pk
        ACCEPT(direct)
        ESCALATE(direct)
    assert rows_of(direct) == rows_of(reference)


def test_the_bulk_start_and_follow_match_viewflow_case_by_case(demo):
    with frozen_clock(MOMENT):
        # given cases filed, accepted, then escalated one by one through viewflow
        with viewflows_path():
            reference = [walk({}, [ACCEPT, ESCALATE]) for _ in range(3)]
        # when identical cases are started together, and each move followed together
        with held_back("start", "follow"):
            cases = [file_case() for _ in range(3)]
        engine.start_many(cases)
        for step, actor in ((ACCEPT, user("head1")), (ESCALATE, user("head1"))):
            with held_back("follow"):
                for case in cases:
                    step(case.pk)
            assert engine.follow_many(list(Case.objects.filter(pk__in=[c.pk for c in cases])), actor) == 3
    # then every process is as viewflow left its twin
    for case, twin in zip(cases, reference, strict=True):
        assert rows_of(case.pk) == rows_of(twin)


def test_follow_leaves_a_process_that_already_stands_where_the_case_is(demo):
    case = file_case()
    before = rows_of(case.pk)
    assert engine.follow_many([case], user("head1")) == 0
    assert rows_of(case.pk) == before


def test_the_direct_engine_writes_only_inside_a_transaction(demo):
    case = file_case()
    with mock.patch.object(connection, "in_atomic_block", False), pytest.raises(RuntimeError):
        engine.follow(case, None)


def test_nobody_else_listens_to_the_task_signals_the_direct_writes_do_not_send(demo):
    """viewflow's task signals are not sent by the direct writes: their one receiver is the boundary
    events' own cancel of the host's timers, which follow_many performs itself."""
    def receivers(signal) -> list:
        return [entry[1]() if isinstance(entry[1], weakref.ref) else entry[1] for entry in signal.receivers]

    boundary = [event._on_host_finished for node in DisputeFlow._nodes_by_name.values()
                for event in node._boundary_events]
    assert all(receiver in boundary for receiver in receivers(signals.task_finished)), receivers(signals.task_finished)
    for signal in (signals.task_started, signals.flow_started, signals.flow_finished, signals.task_failed):
        assert receivers(signal) == [], signal


def test_a_closed_case_ends_the_process_with_no_open_task(demo):
    case_id = walk({}, [ACCEPT, transition("withdraw", "head1", note="申请人撤回")])
    process = DisputeProcess.objects.get(case_id=case_id)
    assert process.status == PROCESS.DONE and process.finished is not None
    assert not Task.objects.filter(process=process, finished__isnull=True).exists()
    assert Task.objects.filter(process=process, flow_task=DisputeFlow.end, status=STATUS.DONE).count() == 1


# --- statement counts ------------------------------------------------------------------------

# Filing's process start: each timer's clock, then one INSERT each of the process, its case link,
# the tasks and their previous links (the task's queue, the village committee, is held per
# process: mediation.reference). One transition's step (accept: village acceptance → village
# mediation, assigned to the first mediator): the open task (and the process lock), its
# completion, its timers' cancel, the mediator, each timer's clock, one INSERT of the tasks, one
# of their links. By the number of boundary timers each stage task would arm: none since the
# deadlines are swept from the clocks, two when they were boundary timers (the warning and the
# breach; test_without_boundary_timers_… compares the two).
PINNED = {
    2: {"start": 6, "accept": 8, "escalate": 7, "close": 6},
    0: {"start": 4, "accept": 5, "escalate": 4, "close": 5},
}
TIMERS = len(DisputeFlow.village_acceptance._boundary_events)
START_STATEMENTS = PINNED[TIMERS]["start"]
FOLLOW_STATEMENTS = {step: count for step, count in PINNED[TIMERS].items() if step != "start"}


@contextlib.contextmanager
def no_boundary_timers():
    """The flow as it would be with no timer on any stage task."""
    with contextlib.ExitStack() as stack:
        for node in DisputeFlow._nodes_by_name.values():
            stack.enter_context(mock.patch.object(node, "_boundary_events", []))
        yield


def counted(name: str, run: Callable[[], object]) -> int:
    """The statements of the one call of engine.`name` that `run` makes."""
    real, counts = getattr(engine, name), []

    def counting(*args, **kwargs):
        with CaptureQueriesContext(connection) as captured:
            result = real(*args, **kwargs)
        counts.append(len(captured.captured_queries))
        return result

    with mock.patch.object(engine, name, counting):
        run()
    assert len(counts) == 1, counts
    return counts[0]


def statements() -> dict[str, int]:
    counts = {"start": counted("start", file_case)}
    village, agreed = file_case().pk, file_case().pk
    counts["accept"] = counted("follow", lambda: ACCEPT(village))
    counts["escalate"] = counted("follow", lambda: ESCALATE(village))
    ACCEPT(agreed)
    agree("mediator1")(agreed)
    counts["close"] = counted("follow", lambda: close("mediator1")(agreed))
    return counts


def test_start_and_follow_cost_a_fixed_number_of_statements_with_few_and_with_many_cases(demo):
    # given few cases (and the content types cached, as in a running server)
    file_case()
    grow_to(demo, FEW)
    few = statements()
    # when there are many more, in every status
    grow_to(demo, MANY)
    many = statements()
    # then the process costs the same, and what is pinned
    assert few == many
    assert few == {"start": START_STATEMENTS, **FOLLOW_STATEMENTS}


def test_without_boundary_timers_the_rows_still_match_and_cost_less(demo):
    steps = [ACCEPT, ESCALATE, TRIAGE, agree("center1"), close("center1")]
    with no_boundary_timers():
        with frozen_clock(MOMENT):
            with viewflows_path():
                reference = walk({}, steps)
            direct = walk({}, steps)
        assert rows_of(direct) == rows_of(reference)
        assert statements() == PINNED[0]


def test_bulk_writes_cost_the_same_for_one_case_and_for_many_but_the_flows_own_reads(demo):
    """start_many / follow_many write in one statement per table; what grows with the batch is only
    what the flow's callables read per case (each timer's clock; the queues' bodies are held)."""
    def cost(n: int) -> tuple[int, int]:
        with held_back("start", "follow"):
            cases = [file_case() for _ in range(n)]
        with CaptureQueriesContext(connection) as started:
            engine.start_many(cases)
        with held_back("follow"):
            for case in cases:
                ESCALATE(case.pk)
        cases, head = list(Case.objects.filter(pk__in=[c.pk for c in cases])), user("head1")
        with CaptureQueriesContext(connection) as followed:
            engine.follow_many(cases, head)
        return len(started.captured_queries), len(followed.captured_queries)

    file_case()
    one, five = cost(1), cost(5)
    per_case = TIMERS  # each timer's clock, read by the flow's callables
    assert five[0] - one[0] == 4 * per_case
    assert five[1] - one[1] == 4 * per_case
    assert one == (START_STATEMENTS, FOLLOW_STATEMENTS["escalate"])


def test_a_failure_inside_the_callers_transaction_leaves_nothing(demo):
    with held_back("start"):
        case = file_case()
    with pytest.raises(RuntimeError), transaction.atomic():
        engine.start(case)
        raise RuntimeError("the filing failed after the process was started")
    assert not DisputeProcess.objects.filter(case=case).exists()


def test_a_breach_fires_once_after_the_direct_writes(demo):
    case_id = file_case().pk
    due = stage_clock(Case.objects.get(pk=case_id)).due_at
    assert fired(fire_deadlines(due + MINUTE))[0] >= 1
    assert Case.objects.get(pk=case_id).status == Status.TOWNSHIP_TRIAGE
    assert fired(fire_deadlines(due + MINUTE))[0] == 0
    assert_process_follows(case_id, "township_triage", "township", owner=None)
