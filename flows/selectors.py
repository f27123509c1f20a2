"""Reads of the work queues; every one takes the viewer."""
from __future__ import annotations

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from casework import clock
from casework import permissions as perms
from casework.choices import DeadlineKind
from casework.errors import NotFound
from casework.models import Case, CaseDeadline, User, ticking
from casework.selectors import case_scope
from flows.models import Notification
from flows.queues import queue_organizations
from mediation.models import Organization

DUE_SOON = dt.timedelta(days=3)
INBOX_VIEWS = ("mine", "queue", "due_soon", "overdue", "all")


def _stage_due() -> Subquery:
    clocks = (CaseDeadline.objects.filter(case=OuterRef("process__disputeprocess__case"), ended_at__isnull=True)
              # Paused with no end, it waits: neither due soon nor overdue. Paused with an end, its
              # due moment is the latest it can be: due soon or overdue whenever it is resumed.
              .filter(ticking()).exclude(kind=DeadlineKind.JUDICIAL_CONFIRMATION)
              .order_by("due_at").values("due_at")[:1])
    return Subquery(clocks)


def open_tasks(*, viewer: User) -> QuerySet[Task]:
    """Open stage tasks in the queues the viewer works, with their case and stage due moment."""
    org_ids = [str(org.pk) for org in queue_organizations(viewer)]
    return (
        Task.objects.filter(
            flow_task_type="HUMAN", status__in=[STATUS.NEW, STATUS.ASSIGNED],
            owner_permission_content_type=ContentType.objects.get_for_model(Organization),
            owner_permission_obj_pk__in=org_ids,
        )
        .select_related("owner", "process__disputeprocess__case__region")
        .annotate(due_at=_stage_due())
        .order_by("due_at", "pk")
    )


def assigned_to(viewer: User) -> Q:
    """A task is the viewer's (指派给我) when they hold it, or when the case names them among its
    mediators: a stage task has one holder, an accept may name several, and each of them is told
    指派给您. Combined with `open_tasks`, so only what waits in a queue the viewer works."""
    named = Case.mediators.through.objects.filter(case_id=OuterRef("process__disputeprocess__case_id"),
                                                  user_id=viewer.pk)
    return Q(owner=viewer) | Q(Exists(named))


def assigned_cases(*, viewer: User) -> QuerySet:
    """The ids of the cases whose open stage task is the viewer's: the "mine" view, by case
    (the `assigned_to_me` of the case list and of search), so the inbox and they never disagree."""
    return (open_tasks(viewer=viewer).filter(assigned_to(viewer)).order_by()
            .values_list("process__disputeprocess__case_id", flat=True))


def inbox(*, viewer: User, view: str = "all") -> QuerySet[Task]:
    tasks = open_tasks(viewer=viewer)
    now = clock.now()
    if view == "mine":
        return tasks.filter(assigned_to(viewer))
    if view == "queue":
        return tasks.filter(owner__isnull=True)
    if view == "due_soon":
        return tasks.filter(due_at__gte=now, due_at__lt=now + DUE_SOON)
    if view == "overdue":
        return tasks.filter(due_at__lt=now)
    return tasks


def task_get(*, viewer: User, task_id: int) -> Task:
    task = open_tasks(viewer=viewer).filter(pk=task_id).first()
    if task is None:
        raise NotFound("No such task in your queues.")
    return task


def notification_list(*, viewer: User, unread: bool = False) -> QuerySet[Notification]:
    """The viewer's own notifications about cases they may still see, oldest first."""
    notifications = (Notification.objects.filter(case_scope(perms.scope_paths(viewer), "case__region_path"),
                                                  recipient=viewer)
                     .select_related("case__region").order_by("id"))
    return notifications.filter(read_at__isnull=True) if unread else notifications
