"""Request and response shapes of the flows API. No business logic: that lives in the actions layer."""
from __future__ import annotations

from django.utils import timezone
from rest_framework import serializers

from casework import clock, ladder
from casework.choices import NotificationKind
from flows import notifications


class TaskSerializer(serializers.Serializer):
    """A stage task of the inbox, read from its projection (flows.models.InboxEntry)."""

    id = serializers.IntegerField(source="task_id")
    stage = serializers.SerializerMethodField()
    title = serializers.SerializerMethodField()
    status = serializers.CharField()
    owner = serializers.SerializerMethodField()
    queue = serializers.SerializerMethodField()
    case = serializers.SerializerMethodField()
    due_at = serializers.DateTimeField(allow_null=True)
    overdue = serializers.SerializerMethodField()
    created = serializers.DateTimeField()

    def get_stage(self, task) -> str:
        return task.stage

    def get_title(self, task) -> str:
        return str(task.title)

    def get_owner(self, task) -> str | None:
        return task.owner.username if task.owner_id else None

    def get_queue(self, task) -> dict:
        return {"id": task.organization_id}

    def get_case(self, task) -> dict:
        case = task.case
        return {"id": case.pk, "number": case.number, "title": case.title, "status": case.status,
                "risk_level": case.risk_level, "region": case.region.name}

    def get_overdue(self, task) -> bool:
        return task.due_at is not None and task.due_at < clock.now()

    # The columns a row reads, for `QuerySet.only` (the case's long text stays in the database).
    COLUMNS = ("task_id", "case", "organization_id", "owner", "stage", "status", "created", "due_at",
               "owner__username", "case__number", "case__title", "case__status", "case__risk_level",
               "case__region", "case__region__name")

    def to_representation(self, task) -> dict:
        """The fields above, written out: an inbox page is mostly this loop, and DRF's per-field
        machinery cost more than the rows' SQL (the declared fields still give the schema)."""
        now, fields = clock.now(), self.fields
        case = task.case
        return {
            "id": task.task_id, "stage": task.stage, "title": self._title(task.stage), "status": task.status,
            "owner": task.owner.username if task.owner_id else None, "queue": {"id": task.organization_id},
            "case": {"id": case.pk, "number": case.number, "title": case.title, "status": case.status,
                     "risk_level": case.risk_level, "region": case.region.name},
            "due_at": fields["due_at"].to_representation(task.due_at) if task.due_at is not None else None,
            "overdue": task.due_at is not None and task.due_at < now,
            "created": fields["created"].to_representation(task.created),
        }

    def _title(self, stage: str) -> str:
        titles = self.__dict__.setdefault("_titles", {})  # one translation per stage and response
        if stage not in titles:
            titles[stage] = str(ladder.STAGE_BY_TASK[stage].title)
        return titles[stage]


class AssignInput(serializers.Serializer):
    assignee = serializers.CharField(max_length=150)


class RegionSummarySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.CharField()
    path = serializers.CharField()


class CaseSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField()
    risk_level = serializers.CharField()
    region = RegionSummarySerializer()


class NotificationSerializer(serializers.Serializer):
    """The WebSocket message of API.md (`type`, `id`, `kind`, `created_at`, `case`) and `read_at`."""

    type = serializers.CharField(default="notification")
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=NotificationKind.choices)
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)
    case = CaseSummarySerializer()

    def to_representation(self, notification):
        read_at = notification.read_at
        return {**notifications.message(notification),
                "read_at": timezone.localtime(read_at).isoformat() if read_at else None}


class ReadAllInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=NotificationKind.choices, required=False)
