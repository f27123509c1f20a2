"""Work queue endpoints (`GET /api/v1/tasks/?view=…`, claim, assign, unassign) and notifications."""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from actions import services
from casework.choices import NotificationKind
from casework.errors import NotFound
from casework.models import User
from config.rest.requests import path_id
from flows import notifications, selectors
from flows.api.serializers import (
    AssignInput,
    NotificationSerializer,
    ReadAllInput,
    TaskSerializer,
)
from flows.models import InboxEntry, Notification


class TaskListView(generics.ListAPIView):
    serializer_class = TaskSerializer
    queryset = InboxEntry.objects.none()  # for the schema; requests use get_queryset

    @extend_schema(parameters=[OpenApiParameter("view", str, enum=list(selectors.INBOX_VIEWS))])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        view = self.request.query_params.get("view", "all")
        if view not in selectors.INBOX_VIEWS:
            raise ValidationError({"view": [_("Choose one of: %(views)s") % {"views": ", ".join(selectors.INBOX_VIEWS)}]})
        return selectors.inbox(viewer=self.request.user, view=view).only(*TaskSerializer.COLUMNS)


def _task_id(raw) -> int:
    return path_id(raw, _("No such task in your queues."))


class TaskActionView(APIView):
    @extend_schema(request=AssignInput, responses=TaskSerializer,
                   description="claim: take the task; assign: {assignee}; unassign: back to the queue.")
    def post(self, request, task_id, action):
        task_id = _task_id(task_id)
        if action == "claim":
            services.task_claim(task_id=task_id, actor=request.user)
        elif action == "assign":
            form = AssignInput(data=request.data)
            form.is_valid(raise_exception=True)
            assignee = User.objects.filter(username=form.validated_data["assignee"], is_active=True).first()
            if assignee is None:
                raise ValidationError({"assignee": [_("Unknown user.")]})
            services.task_assign(task_id=task_id, actor=request.user, assignee=assignee)
        elif action == "unassign":
            services.task_unassign(task_id=task_id, actor=request.user)
        else:
            raise NotFound(_("Unknown action."))
        task = selectors.task_get(viewer=request.user, task_id=task_id)
        return Response(TaskSerializer(task).data)


# --- notifications: `GET /api/v1/notifications/?unread=true`, `POST …/{id}/read/`, `POST …/read-all/` ---

def _flag(request, name: str) -> bool:
    raw = request.query_params.get(name, "").lower()
    if raw not in ("", "true", "false", "1", "0"):
        raise ValidationError({name: [_("Use true or false.")]})
    return raw in ("true", "1")


def _kind(raw: str | None) -> str | None:
    if raw and raw not in NotificationKind.values:
        raise ValidationError({"kind": [_("Choose one of: %(kinds)s") % {"kinds": ", ".join(NotificationKind.values)}]})
    return raw or None


class NotificationListView(generics.ListAPIView):
    """The caller's notifications, newest first; `unread=true` for the unread only, `kind=` for one kind."""

    serializer_class = NotificationSerializer
    queryset = Notification.objects.none()  # for the schema; requests use get_queryset

    @extend_schema(parameters=[OpenApiParameter("unread", bool),
                               OpenApiParameter("kind", str, enum=list(NotificationKind.values))])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        rows = selectors.notification_list(viewer=self.request.user, unread=_flag(self.request, "unread"))
        kind = _kind(self.request.query_params.get("kind"))
        if kind:
            rows = rows.filter(kind=kind)
        return rows.order_by("-id")


class NotificationReadView(APIView):
    @extend_schema(request=None, responses=NotificationSerializer, description="Mark one notification read (idempotent).")
    def post(self, request, notification_id):
        if not str(notification_id).isdigit():
            raise NotFound(_("No such notification."))
        notification = notifications.notification_mark_read(notification_id=int(notification_id), actor=request.user)
        return Response(NotificationSerializer(notification).data)


class NotificationReadAllView(APIView):
    @extend_schema(request=ReadAllInput, responses={200: {"type": "object", "properties": {"read": {"type": "integer"}}}},
                   description="Mark every unread notification of the caller read, or those of one kind.")
    def post(self, request):
        form = ReadAllInput(data=request.data)
        form.is_valid(raise_exception=True)
        count = notifications.notifications_mark_all_read(actor=request.user, kind=form.validated_data.get("kind"))
        return Response({"read": count})
