"""Claiming and assigning stage tasks (认领与指派). Each writes an event on the case; an
assignment by someone else also notifies the assignee."""
from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from actions.changes import record_change
from casework import ladder
from casework.choices import NotificationKind, Rung
from casework.errors import Conflict, Forbidden, InvalidInput, NotFound
from casework.ladder import EventAction
from casework.models import Case, CaseEvent, User
from flows import inbox, queues
from mediation.models import Organization


def _locked(task_id: int, actor: User) -> tuple[Task, Case, Organization]:
    task = Task.objects.select_related("process__disputeprocess").filter(pk=task_id, flow_task_type="HUMAN").first()
    org = task.owner_permission_obj if task else None
    if task is None or not isinstance(org, Organization) or not queues.may_work(actor, org) and not queues.may_manage(actor, org):
        raise NotFound(_("No such task in your queues."))
    case = Case.objects.select_for_update().get(pk=task.process.disputeprocess.case_id)
    task.refresh_from_db()  # under the case lock: the state another claim may have left
    if task.status not in (STATUS.NEW, STATUS.ASSIGNED):
        raise Conflict(_("This task is already done."))
    return task, case, org


def _record(case: Case, actor: User, task: Task, assignee: User | None, action: str, *, named: bool = False,
            **notify) -> CaseEvent:
    data = {"task": task.pk, "stage": task.flow_task.name, "assignee": assignee.username if assignee else None}
    if named:
        data["mediators"] = sorted(case.mediators.values_list("username", flat=True))
    event = record_change(case, actor=actor, action=action, **notify, data=data)
    inbox.sync([case.pk])  # the task's holder
    return event


def _names_mediator(case: Case) -> bool:
    """Whether holding the case's stage task means mediating it: a village stage that mediates,
    where only the mediators the case names may record its agreement (permissions.is_assigned)."""
    stage = ladder.STAGES.get(case.status)
    return stage is not None and stage.mediates and stage.rung == Rung.VILLAGE


@transaction.atomic
def task_claim(*, task_id: int, actor: User) -> Task:
    """A mediator or center staff takes an unclaimed task of their queue."""
    task, case, org = _locked(task_id, actor)
    if task.owner_id is not None:
        if task.owner_id == actor.pk:
            return task
        raise Conflict(_("Already claimed by %(name)s.") % {"name": task.owner.label})
    if not queues.may_work(actor, org):
        raise Forbidden(_("This task is not in your queue."))
    task.owner, task.status = actor, STATUS.ASSIGNED
    task.save(update_fields=["owner", "status"])
    _record(case, actor, task, actor, EventAction.CLAIM)
    return task


@transaction.atomic
def task_assign(*, task_id: int, actor: User, assignee: User) -> Task:
    """The committee head or center staff gives a task to someone who works the queue."""
    task, case, org = _locked(task_id, actor)
    if not queues.may_manage(actor, org):
        raise Forbidden(_("Only the committee head or center staff may assign tasks."))
    if not queues.may_work(assignee, org):
        raise InvalidInput(_("%(name)s does not work this queue.") % {"name": assignee.label},
                           fields={"assignee": [_("%(name)s does not work this queue.") % {"name": assignee.label}]})
    task.owner, task.status = assignee, STATUS.ASSIGNED
    task.save(update_fields=["owner", "status"])
    # 指派 of a mediation task names its mediator too: told 指派给您, they may then act on it.
    named = _names_mediator(case) and not case.mediators.filter(pk=assignee.pk).exists()
    if named:
        case.mediators.add(assignee)
    _record(case, actor, task, assignee, EventAction.ASSIGN, named=named,
            notify=NotificationKind.ASSIGNED, notify_also=[assignee])
    return task


@transaction.atomic
def task_unassign(*, task_id: int, actor: User) -> Task:
    """Back to the queue: by its holder, or by the head / center staff."""
    task, case, org = _locked(task_id, actor)
    if task.owner_id is None:
        raise Conflict(_("This task is not assigned."))
    if task.owner_id != actor.pk and not queues.may_manage(actor, org):
        raise Forbidden(_("Only the holder, the committee head or center staff may unassign this task."))
    task.owner, task.status = None, STATUS.NEW
    task.save(update_fields=["owner", "status"])
    _record(case, actor, task, None, EventAction.UNASSIGN)
    return task
