"""How the case services drive the process: start it at filing, move it when the case moves.

The deadlines are not the process's: the clock rows are their schedule, swept by
`fire_deadlines` (flows.deadlines, actions.sweep), so a paused, resumed or extended clock needs
nothing from the process.

The process rows are written directly, in bulk, exactly as viewflow's activations would leave
them (tests/flows/test_engine_direct.py compares the two row by row on every path). viewflow
stays the process engine: its flow graph decides the path — the gateways' conditions, the
nodes' queue, owner and timers are the flow's own callables, evaluated here with a light
activation — and its views and queues work on these rows as on its own.
What goes is its bookkeeping per node: a savepoint around every gateway and timer, a save
and an M2M add per task, a lock round trip, a re-read. Filing's process start goes from 28
statements to 7, a transition's step from about 40 to 9 (counts pinned by the tests).

Supported are the node kinds the dispute flow uses (a start handle, If and Switch gateways,
human View tasks — with timer boundary events, should a flow have any again — End);
`check_supported` refuses any other, so a new kind of node cannot be silently written wrong.
viewflow's task signals are not sent: their only receivers are the boundary events' own
"cancel the armed timers when the host finishes", which `follow_many` performs itself (the
test checks nobody else listens).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection, models
from django.utils import timezone
from viewflow.workflow.models import Process, Task
from viewflow.workflow.nodes.boundary import TimerBoundaryActivation
from viewflow.workflow.nodes.end import EndActivation
from viewflow.workflow.nodes.if_gate import IfActivation
from viewflow.workflow.nodes.start import StartHandleActivation
from viewflow.workflow.nodes.switch import SwitchActivation
from viewflow.workflow.nodes.view import ViewActivation
from viewflow.workflow.status import PROCESS, STATUS

from casework import bulk, ladder
from casework.models import Case, User
from flows.flows import DisputeFlow
from flows.models import DisputeProcess

OPEN_TASK = [STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED]
ARMED = [STATUS.NEW, STATUS.SCHEDULED]  # what a timer boundary's cancel() accepts
SUPPORTED = {StartHandleActivation, IfActivation, SwitchActivation, ViewActivation, EndActivation,
             TimerBoundaryActivation}
Link = Task.previous.through  # (from_task: the task, to_task: its previous)


def check_supported(flow=DisputeFlow) -> None:
    """Refuse a flow this module would not write as viewflow does: every node the walk from the
    start can reach is of a supported kind, with no task data, seed or on-create hook, and its
    boundary events are non-interrupting timers (the functions behind them are viewflow's
    dispatcher's business, not walked here)."""
    seen, todo = set(), [flow.start]
    while todo:
        node = todo.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        kind = node.activation_class
        if kind not in SUPPORTED or kind is TimerBoundaryActivation:
            raise NotImplementedError(f"flows.engine cannot write the {kind.__name__} of {node.name}")
        if getattr(node, "_task_data", None) or getattr(node, "_task_seed", None) or getattr(node, "_on_create", None):
            raise NotImplementedError(f"flows.engine does not pass task data, seeds or on-create hooks ({node.name})")
        for event in node._boundary_events:
            if event.activation_class is not TimerBoundaryActivation or event._interrupting:
                raise NotImplementedError(f"flows.engine arms non-interrupting timers only ({event.name})")
        if kind is IfActivation:
            todo += [node._on_true, node._on_false]
        elif kind is SwitchActivation:
            todo += [target for target, _ in node._branches]
        elif kind is not EndActivation:
            todo.append(node._next)


check_supported()


@dataclass(eq=False)
class _Activation:
    """What the flow's callables read of an activation: the process (with its case) and the task."""

    process: DisputeProcess
    task: Task

    @property
    def flow_task(self):
        return self.task.flow_task

    @property
    def flow_class(self):
        return self.task.flow_task.flow_class


class _Rows:
    """The task rows and `previous` links of one batch, in the order viewflow would create them
    (so their ids order as viewflow's do), written in one INSERT each."""

    def __init__(self) -> None:
        self.tasks: list[Task] = []
        self.links: list[tuple[Task, Task]] = []
        self.ended: list[int] = []  # processes that reached an End

    def add(self, node, process: DisputeProcess, previous: Task | None, **fields) -> Task:
        task = Task(process_id=process.pk, flow_task=node, flow_task_type=node.task_type, data={}, **fields)
        self.tasks.append(task)
        if previous is not None:
            self.links.append((task, previous))
        return task

    def walk(self, node, process: DisputeProcess, previous: Task) -> None:
        """From `node` on, what the activations write, up to the next task that waits (or the end)."""
        while node is not None:
            kind = node.activation_class
            if kind is ViewActivation:
                self._open(node, process, previous)
                return
            now = timezone.now()
            if kind is EndActivation:
                self.add(node, process, previous, status=STATUS.DONE, started=now, finished=now)
                self.ended.append(process.pk)
                return
            task = self.add(node, process, previous, status=STATUS.DONE, finished=now)
            if kind is IfActivation:
                node = node._on_true if node._condition(_Activation(process, task)) else node._on_false
            elif kind is SwitchActivation:
                node = _switch(node, _Activation(process, task))
            else:
                raise NotImplementedError(f"flows.engine cannot walk through {node.name}")
            previous = task

    def _open(self, node, process: DisputeProcess, previous: Task) -> None:
        """ViewActivation.create, then each boundary event's _arm (TimerActivation.activate)."""
        task = self.add(node, process, previous, status=STATUS.NEW)
        activation = _Activation(process, task)
        permission = node.calc_owner_permission(activation)
        if permission:
            task.owner_permission = permission
            task.owner_permission_obj = node.calc_owner_permission_obj(activation)
        owner = node.calc_owner(activation)
        if owner:
            task.owner, task.status = owner, STATUS.ASSIGNED
        for event in node._boundary_events:
            timer = self.add(event, process, task, status=STATUS.SCHEDULED)
            delay = event._delay(_Activation(process, timer)) if callable(event._delay) else event._delay
            if isinstance(delay, dt.timedelta):
                delay = timezone.now() + delay
            if not isinstance(delay, dt.datetime):
                raise ValueError(f"Timer delay must be a timedelta or datetime, got {delay!r}")
            timer.scheduled = delay

    def write(self) -> None:
        bulk.insert(self.tasks)
        bulk.insert([Link(from_task_id=task.pk, to_task_id=previous.pk) for task, previous in self.links])
        if self.ended:
            # EndActivation.activate: the process is done when no other task of it is still open.
            unfinished = Task.objects.filter(process_id=models.OuterRef("pk"), finished__isnull=True)
            (Process.objects.filter(pk__in=self.ended).exclude(models.Exists(unfinished))
             .update(status=PROCESS.DONE, finished=timezone.now()))


def _switch(node, activation: _Activation):
    """SwitchActivation.activate: the first branch whose condition holds, else the default."""
    chosen = None
    for target, condition in node._branches:
        if condition is None:
            chosen = target
        elif condition(activation):
            return target
    if chosen is None:
        raise RuntimeError(f"No next task available for {node.name}")
    return chosen


def _in_transaction() -> None:
    # viewflow wraps its steps in transactions (savepoints, when nested); here the caller's
    # transaction holds every statement, so a failure leaves nothing half-written.
    if not connection.in_atomic_block:
        raise RuntimeError("flows.engine writes inside the caller's transaction")


# --- start ---------------------------------------------------------------------------------------


def start(case: Case) -> DisputeProcess:
    """Start the process of a case just filed (what `DisputeFlow.start.run(case=case)` leaves)."""
    return start_many([case])[0]


def start_many(cases: Sequence[Case]) -> list[DisputeProcess]:
    """Start the processes of many cases: one INSERT of processes, one of their case links,
    one of tasks, one of `previous` links (SQLite's limit is SQLITE_LIMIT_VARIABLE_NUMBER, 32,766,
    since casework.apps lifts Django 5.2's 999: some 2,000 task rows an INSERT), plus what the flow's callables read per case (the owning body, each timer's clock).

    Nothing to lock: a process nobody else can see until the transaction commits.
    """
    _in_transaction()
    flow = DisputeFlow
    node = flow.start
    parents = Process.objects.bulk_create(
        [Process(flow_class=flow, status=PROCESS.NEW, data={}) for _ in cases])
    processes = []
    for parent, case in zip(parents, cases, strict=True):
        process = DisputeProcess(id=parent.pk, process_ptr_id=parent.pk, flow_class=flow, status=parent.status,
                                 created=parent.created, data=parent.data, case=case)
        process._state.adding, process._state.db = False, parent._state.db
        processes.append(process)
    _insert_process_rows(processes)
    rows = _Rows()
    for process in processes:
        now = timezone.now()
        begun = rows.add(node, process, None, status=STATUS.DONE, started=now, finished=now)
        rows.walk(node._next, process, begun)
    rows.write()
    written: dict[int, list[Task]] = {}
    for task in rows.tasks:
        written.setdefault(task.process_id, []).append(task)
    for process in processes:  # what the filing hands to the inbox (flows.inbox.add) as written
        process.written_tasks = written.get(process.pk, [])
    return processes


def _insert_process_rows(processes: list[DisputeProcess]) -> None:
    """The child table's rows (process link, case) — the INSERT `save()` makes for a child of a
    multi-table model, for many at once: `bulk_create` refuses multi-table models."""
    if not processes:
        return
    fields = DisputeProcess._meta.local_concrete_fields
    size = connection.ops.bulk_batch_size(fields, processes) or len(processes)
    for i in range(0, len(processes), size):
        DisputeProcess._base_manager._insert(processes[i:i + size], fields=fields, using=processes[0]._state.db)


# --- follow --------------------------------------------------------------------------------------


def open_stage_task(process_id: int):
    return (DisputeFlow.task_class.objects.filter(process_id=process_id, flow_task_type="HUMAN", status__in=OPEN_TASK)
            .order_by("-created").first())


def follow(case: Case, actor: User | None) -> None:
    """Complete the stage task the case has just left; the route gateway opens the next one."""
    follow_many([case], actor)


def follow_many(cases: Iterable[Case], actor: User | None) -> int:
    """Move the processes of cases that have just changed status, in bulk; returns how many moved.

    For each case whose open stage task stands for another status than the case's: the task is
    completed as `assign/reassign → start → execute` would (owner: the actor when there is one,
    else whoever held it; started and finished stamped), its armed timers are canceled, and the
    route gateway opens the stage task of the case's status (with its timers), or ends the
    process of a closed case. At most six statements for any number of cases (INSERTs split as in
    `start_many`), plus what the flow's callables read per case (the owning body, the assigned
    mediator, each timer's clock).

    Locking: the callers hold the row lock of every case (services, the deadline sweep), and
    every writer of a stage task takes that lock first (the services, task claim / assign /
    unassign, the deadline handlers); that is what serializes the moves. The process rows are
    locked too, in the same SELECT that reads the open tasks (no statement of its own), so that
    viewflow's own writers — its timer dispatcher and task views, which lock the process only —
    wait for us as they waited for viewflow's lock. Unlike viewflow's lock this one waits
    rather than failing fast (NOWAIT and five tries): the case lock was already waited for, and a
    dispatcher that holds a process while waiting for its case is a deadlock the database breaks
    at once, where the tries took seconds to fail. The timer cancel is a conditional UPDATE:
    a timer a dispatcher has already started is left to it, as viewflow leaves it, and its
    handler then finds the clock ended under the case lock.
    """
    _in_transaction()
    by_id = {case.pk: case for case in cases}
    if not by_id:
        return 0
    candidates = (Task.objects.select_related("process").select_for_update(of=("process",))
                  .filter(process__disputeprocess__case_id__in=list(by_id), flow_task_type="HUMAN", status__in=OPEN_TASK)
                  .annotate(case_id=models.F("process__disputeprocess__case_id")).order_by("-created", "-pk"))
    moving: dict[int, Task] = {}
    for task in candidates:
        if task.case_id in moving:
            continue  # an older open task: open_stage_task takes the newest
        moving[task.case_id] = task
    moving = {case_id: task for case_id, task in moving.items()
              if ladder.STAGE_BY_TASK[task.flow_task.name].status != by_id[case_id].status}
    if not moving:
        return 0

    now = timezone.now()
    done = models.Case(models.When(status=STATUS.STARTED, then=models.F("started")), default=models.Value(now),
                       output_field=models.DateTimeField())
    completed = {"status": STATUS.DONE, "started": done, "finished": now}
    if actor is not None:  # assign(actor) or reassign(actor); a started task keeps its owner
        completed["owner_id"] = models.Case(models.When(status=STATUS.STARTED, then=models.F("owner_id")),
                                            default=models.Value(actor.pk), output_field=models.IntegerField())
    ids = [task.pk for task in moving.values()]
    Task.objects.filter(pk__in=ids).update(**completed)
    events = {event for task in moving.values() for event in task.flow_task._boundary_events}
    if events:  # BoundaryEventMixin._on_host_finished
        (Task.objects.filter(previous__in=ids, flow_task__in=events, status__in=ARMED)
         .update(status=STATUS.CANCELED, finished=timezone.now()))

    rows = _Rows()
    for case_id, task in sorted(moving.items(), key=lambda item: item[1].process_id):
        process = DisputeProcess(id=task.process_id, process_ptr_id=task.process_id, flow_class=DisputeFlow,
                                 status=task.process.status, case=by_id[case_id])
        rows.walk(task.flow_task._next, process, task)
    rows.write()
    return len(moving)


# --- viewflow's own path (the reference the direct writes are compared with, and the bench's) ----


def start_via_viewflow(case: Case) -> DisputeProcess:
    process = DisputeFlow.start.run(case=case)
    process.written_tasks = list(Task.objects.filter(process_id=process.pk).order_by("pk"))  # as start_many gives
    return process


def follow_via_viewflow(case: Case, actor: User | None) -> None:
    process = DisputeProcess.objects.filter(case=case).only("pk").first()
    if process is None:
        return
    task = open_stage_task(process.pk)
    if task is None or ladder.STAGE_BY_TASK[task.flow_task.name].status == case.status:
        return
    with task.activation() as activation:
        if task.status == STATUS.NEW:
            activation.assign(actor)
        if task.status == STATUS.ASSIGNED:
            if actor is not None and task.owner_id != actor.pk:
                activation.reassign(actor)  # the task records who actually completed it
            activation.start(None)
        activation.execute()
