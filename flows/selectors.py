"""Reads of the work queues; every one takes the viewer."""
from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from casework import clock
from casework import permissions as perms
from casework.errors import NotFound
from casework.models import Case, User
from casework.selectors import case_scope
from flows.models import InboxEntry, Notification
from flows.queues import queue_organizations

DUE_SOON = dt.timedelta(days=3)
INBOX_VIEWS = ("mine", "queue", "due_soon", "overdue", "all")


def open_tasks(*, viewer: User) -> QuerySet[InboxEntry]:
    """Open stage tasks in the queues the viewer works, with their case and stage due moment,
    soonest due first (a task with no ticking clock sorts as the database sorts nulls).

    Read from the inbox's projection (flows.inbox): a page is a range of the index on
    (queue, holder, due moment, task) or (queue, due moment, task), joined to what a row shows.
    """
    org_ids = [org.pk for org in queue_organizations(viewer)]
    return (InboxEntry.objects.filter(organization_id__in=org_ids)
            .select_related("owner", "case__region").order_by("due_at", "task_id"))


def assigned_to(viewer: User) -> Q:
    """A task is the viewer's (指派给我) when they hold it, or when the case names them among its
    mediators: a stage task has one holder, an accept may name several, and each of them is told
    指派给您. Combined with `open_tasks`, so only what waits in a queue the viewer works."""
    named = Case.mediators.through.objects.filter(user_id=viewer.pk).values("case_id")
    return Q(owner=viewer) | Q(case_id__in=named)


def assigned_cases(*, viewer: User) -> QuerySet:
    """The ids of the cases whose open stage task is the viewer's: the "mine" view, by case
    (the `assigned_to_me` of the case list and of search), so the inbox and they never disagree."""
    return open_tasks(viewer=viewer).filter(assigned_to(viewer)).order_by().values_list("case_id", flat=True)


def inbox(*, viewer: User, view: str = "all") -> QuerySet[InboxEntry]:
    return open_tasks(viewer=viewer).filter(view_filter(viewer, view))


def view_filter(viewer: User, view: str) -> Q:
    """The condition of one view of the inbox (`all`: none), also for counting every view at once."""
    now = clock.now()
    return {
        "mine": assigned_to(viewer),
        "queue": Q(owner__isnull=True),
        "due_soon": Q(due_at__gte=now, due_at__lt=now + DUE_SOON),
        "overdue": Q(due_at__lt=now),
    }.get(view, Q())


def task_get(*, viewer: User, task_id: int) -> InboxEntry:
    task = open_tasks(viewer=viewer).filter(task_id=task_id).first()
    if task is None:
        raise NotFound("No such task in your queues.")
    return task


def notification_list(*, viewer: User, unread: bool = False) -> QuerySet[Notification]:
    """The viewer's own notifications about cases they may still see, oldest first."""
    notifications = (Notification.objects.filter(case_scope(perms.scope_paths(viewer), "case__region_path"),
                                                  recipient=viewer)
                     .select_related("case__region").order_by("id"))
    return notifications.filter(read_at__isnull=True) if unread else notifications
