"""The inbox's projection (`InboxEntry`): one row per open stage task, with its queue, holder,
stage and the due moment of the case's stage clock, kept in step by the actions layer.

Who calls `sync`: every action that opens, closes, claims, assigns or puts back a stage task,
or moves a clock — after the process step (`engine.start`, `engine.follow`), inside its
transaction, holding the case's row lock. A writer that works in bulk (a sweep over many
clocks, a batch of filings) calls it once with all the case ids it touched: the cost is a
constant number of statements per `CHUNK` cases, not per case.

The projection is derived data: it holds nothing the tasks and clocks do not, and
`rebuild()` (`manage.py sync_inbox`) recomputes it whole.
"""
from __future__ import annotations

from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.db.models import F, OuterRef, Subquery
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from casework import bulk
from casework.choices import DeadlineKind
from casework.models import CaseDeadline, is_ticking, ticking
from flows.models import InboxEntry
from mediation.models import Organization

__all__ = ["CHUNK", "INBOX_STATUSES", "add", "rebuild", "stage_due", "sync"]

# The tasks a queue shows: waiting to be claimed, or claimed and not yet done.
INBOX_STATUSES = (STATUS.NEW, STATUS.ASSIGNED)
# Case ids per round of statements: the delete names the chunk's cases and its open tasks, inside
# the 999 parameters a SQLite library may be built with.
CHUNK = 400
UPDATED = ["case", "organization", "owner", "stage", "status", "created", "due_at"]


def stage_due(case: OuterRef | F) -> Subquery:
    """The due moment the inbox sorts and flags by: the earliest ticking clock of the case, but the
    judicial-confirmation countdown (the parties', not the queue's). Null when none ticks."""
    clocks = (CaseDeadline.objects.filter(case=case, ended_at__isnull=True)
              # Paused with no end, it waits: neither due soon nor overdue. Paused with an end, its
              # due moment is the latest it can be: due soon or overdue whenever it is resumed.
              .filter(ticking()).exclude(kind=DeadlineKind.JUDICIAL_CONFIRMATION)
              .order_by("due_at").values("due_at")[:1])
    return Subquery(clocks)


def _open_tasks():
    """The open human tasks of the dispute processes that wait in an organization's queue."""
    return (Task.objects.filter(flow_task_type="HUMAN", status__in=INBOX_STATUSES,
                                owner_permission_content_type=ContentType.objects.get_for_model(Organization),
                                owner_permission_obj_pk__isnull=False)
            .annotate(case_id=F("process__disputeprocess__case_id"),
                      due_at=stage_due(OuterRef("process__disputeprocess__case_id")))
            .values_list("pk", "case_id", "owner_permission_obj_pk", "owner_id", "flow_task", "status", "created",
                         "due_at"))


def _entries(rows) -> list[InboxEntry]:
    return [InboxEntry(task_id=pk, case_id=case_id, organization_id=int(org), owner_id=owner,
                       stage=flow_task.name, status=status, created=created, due_at=due_at)
            for pk, case_id, org, owner, flow_task, status, created, due_at in rows]


def sync(case_ids: Iterable[int]) -> None:
    """Recompute the inbox rows of these cases from their open stage tasks and clocks.

    Three statements per `CHUNK` cases, whatever moved: read the open tasks with their due
    moment, delete the rows of tasks no longer open, write the others (insert or update; two
    when none is open; on SQLite the write is split every 124 rows, its parameter limit). Call it inside the transaction that moved the tasks or clocks, after the
    process step, holding the cases' row locks (or, in bulk, the clocks').
    """
    ids = sorted(set(case_ids))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        entries = _entries(_open_tasks().filter(process__disputeprocess__case_id__in=chunk))
        InboxEntry.objects.filter(case_id__in=chunk).exclude(task_id__in=[e.task_id for e in entries]).delete()
        if entries:
            bulk.insert(entries, unique=["task"], update=UPDATED)


def add(case_id: int, tasks: Iterable[Task], clocks: Iterable[CaseDeadline]) -> list[InboxEntry]:
    """`sync` for a case created in this transaction (the filing), from the rows just written under
    it — its process's tasks and every clock it has — in one statement: there is nothing to read
    back and no row of it to delete. The same rows as `sync` writes (`_open_tasks` and
    `stage_due`, said of rows in memory), which tests/flows/test_inbox.py checks."""
    ticking = [c.due_at for c in clocks if c.ended_at is None and is_ticking(c)
               and c.kind != DeadlineKind.JUDICIAL_CONFIRMATION]
    due_at = min(ticking, default=None)
    queue_type = ContentType.objects.get_for_model(Organization).pk
    return bulk.insert(
        InboxEntry(task_id=task.pk, case_id=case_id, organization_id=int(task.owner_permission_obj_pk),
                   owner_id=task.owner_id, stage=task.flow_task.name, status=task.status, created=task.created,
                   due_at=due_at)
        for task in tasks
        if task.flow_task_type == "HUMAN" and task.status in INBOX_STATUSES
        and task.owner_permission_content_type_id == queue_type and task.owner_permission_obj_pk is not None)


def rebuild(batch: int = 2000) -> int:
    """Recompute the whole projection from the tasks and clocks (after a restore, or to check it)."""
    InboxEntry.objects.all().delete()
    entries = _entries(_open_tasks().order_by("pk").iterator(chunk_size=batch))
    InboxEntry.objects.bulk_create(entries, batch_size=batch)
    return len(entries)
