"""The workflow's process, bound one-to-one to a case (案件流程), and the notifications it raises."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process, Task

from casework.choices import NotificationKind

__all__ = ["DisputeProcess", "Notification", "StageTask"]


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
