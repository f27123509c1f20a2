"""How the case services drive the process: start it at filing, move it when the case moves.

The deadlines are not the process's: the clock rows are their schedule, swept by
`fire_deadlines` (flows.deadlines, actions.sweep), so a paused, resumed or extended clock needs
nothing from the process."""
from __future__ import annotations

from viewflow.workflow.status import STATUS

from casework import ladder
from casework.models import Case, User
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
