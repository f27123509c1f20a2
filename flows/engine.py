"""How the case services drive the process: start it at filing, move it when the case moves,
re-time its deadline timers when a clock is paused, resumed or extended."""
from __future__ import annotations

from viewflow.workflow.status import STATUS

from casework import ladder
from casework.deadlines import timer_moment
from casework.models import Case, User
from flows import deadlines
from flows.flows import DisputeFlow
from flows.models import DisputeProcess

OPEN_TASK = [STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED]


def start(case: Case) -> DisputeProcess:
    return DisputeFlow.start.run(case=case)


def open_stage_task(process_id: int):
    return (DisputeFlow.task_class.objects.filter(process_id=process_id, flow_task_type="HUMAN", status__in=OPEN_TASK)
            .order_by("-created").first())


def follow(case: Case, actor: User | None) -> None:
    """Complete the stage task the case has just left; the route gateway opens the next one."""
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


def reschedule(case: Case) -> int:
    """Point the armed timers of the open stage task at its clock's current moments."""
    process = DisputeProcess.objects.filter(case=case).only("pk").first()
    task = open_stage_task(process.pk) if process else None
    if task is None:
        return 0
    deadline = deadlines.stage_clock(case, task.flow_task.name)
    moved = 0
    for timer in task.leading.filter(flow_task_type="TIMER", status=STATUS.SCHEDULED):
        is_warning = timer.flow_task._next.name == "raise_warning"
        if is_warning and deadline is not None and deadline.warned_at:
            continue
        # None while it stands still with no end; a pause with an end fires nothing before it ends.
        moment = timer_moment(deadline, "warn_at" if is_warning else "due_at")
        timer.scheduled = moment
        timer.save(update_fields=["scheduled"])
        moved += 1
    return moved
