"""Choices of the flows app."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    """What a notification tells its recipient (the `kind` of API.md's WebSocket messages)."""

    ESCALATED = "escalated", _("Escalated")  # 上报
    HIGH_RISK = "high_risk", _("High risk")  # 重大风险
    DEADLINE_WARNING = "deadline_warning", _("Deadline warning")  # 即将超期
    DEADLINE_BREACHED = "deadline_breached", _("Deadline breached")  # 已超期
    SUPERVISION_ORDER = "supervision_order", _("Supervision order")  # 督办
    ASSIGNED = "assigned", _("Assigned to you")  # 指派
