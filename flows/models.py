"""The workflow's process, bound one-to-one to a case (案件流程), and the notifications it raises."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process, Task

from casework import ladder
from casework.choices import NotificationKind

__all__ = ["DisputeProcess", "InboxEntry", "Notification", "StageTask"]


class DisputeProcess(Process):
    case = models.OneToOneField(
        "casework.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="process"
    )

    class Meta:
        verbose_name = _("dispute process")
        verbose_name_plural = _("dispute processes")


class StageTask(Task):
    """viewflow's task as the admin shows it: the node's title and the status in the reader's
    language (“村级调解 · 已分配”), where viewflow's own says `<dispute.Village Mediation/7> - ASSIGNED`."""

    class Meta:
        proxy = True
        verbose_name = _("workflow task")
        verbose_name_plural = _("workflow tasks")

    def __str__(self) -> str:
        return f"{self.title or ''} · {self.get_status_display()}"

    @property
    def title(self):
        # The rows of the deadline timers the flow no longer has (migration flows 0004) read as
        # viewflow's Obsolete nodes, titled from their English node names: they were the deadline's.
        if getattr(self.flow_task, "task_type", "") == "OBSOLETE":
            return gettext("Deadline")
        return super().title


class Notification(models.Model):
    """One notice to one recipient (通知), written in the transaction of the event that caused it.

    A row per recipient, so read state is per recipient; the WebSocket pushes it after commit
    and sends every unread row again when the recipient reconnects.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=32, choices=NotificationKind.choices)
    case = models.ForeignKey(
        "casework.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="notifications"
    )
    event = models.ForeignKey(
        "casework.CaseEvent", verbose_name=_("event"), on_delete=models.SET_NULL, null=True,
        related_name="notifications",
    )
    created_at = models.DateTimeField(_("created at"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["id"]
        indexes = [
            # The unread backlog of one recipient, oldest first: the query of every WebSocket connect.
            models.Index(fields=["recipient", "read_at", "id"], name="notification_inbox"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.case_id} → {self.recipient_id}"


class InboxEntry(models.Model):
    """One open stage task as the work queues list it (待办): derived data, never the record.

    A projection of viewflow's task (its queue, holder and stage) and of the case's stage clock
    (its due moment, as `flows.inbox.stage_due` defines it), so a page of the inbox is one
    indexed range scan instead of a correlated subquery per task of the queue. The actions
    layer keeps it in step (`flows.inbox.sync`) in the transaction that moves the task or the
    clock; `manage.py sync_inbox` rebuilds it from the tasks and clocks.
    """

    task = models.OneToOneField(Task, verbose_name=_("workflow task"), primary_key=True, on_delete=models.CASCADE,
                                related_name="inbox_entry")
    case = models.ForeignKey("casework.Case", verbose_name=_("case"), on_delete=models.CASCADE,
                             related_name="inbox_entries")
    # The queue: the body whose roster works the task (viewflow's owner_permission_obj).
    organization = models.ForeignKey("mediation.Organization", verbose_name=_("organization"), on_delete=models.CASCADE,
                                     related_name="inbox_entries", db_index=False)  # led by the indexes below
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                              null=True, blank=True, related_name="inbox_entries")
    stage = models.CharField(_("stage"), max_length=50)  # the flow node: casework.ladder.STAGE_BY_TASK
    status = models.CharField(_("status"), max_length=50)  # viewflow's: NEW or ASSIGNED
    created = models.DateTimeField(_("created at"))
    # Null when no clock ticks: sorted as the database sorts nulls (first on SQLite, last on PostgreSQL).
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("Inbox")  # 待办
        indexes = [
            # "queue" (owner is null) and an owner's tasks of a queue, by due moment: a page is a range.
            models.Index(fields=["organization", "owner", "due_at", "task"], name="inbox_queue_owner_due"),
            # "all", "due_soon" and "overdue" of a queue, by due moment.
            models.Index(fields=["organization", "due_at", "task"], name="inbox_queue_due"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} · {self.stage} · {self.status}"

    @property
    def title(self):
        """The stage task's title (村（社区）受理…), as the flow node is annotated."""
        return ladder.STAGE_BY_TASK[self.stage].title
