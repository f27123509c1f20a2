"""Work queue endpoints: `GET /api/v1/tasks/?view=…`, claim, assign, unassign."""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView
from viewflow.workflow.models import Task

from casework import clock
from casework.errors import NotFound
from casework.models import User
from flows import selectors, services


class TaskSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
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
        return task.flow_task.name

    def get_title(self, task) -> str:
        return str(task.flow_task.task_title)

    def get_owner(self, task) -> str | None:
        return task.owner.username if task.owner_id else None

    def get_queue(self, task) -> dict:
        return {"id": int(task.owner_permission_obj_pk)}

    def get_case(self, task) -> dict:
        case = task.process.disputeprocess.case
        return {"id": case.pk, "number": case.number, "title": case.title, "status": case.status,
                "risk_level": case.risk_level, "region": case.region.name}

    def get_overdue(self, task) -> bool:
        return task.due_at is not None and task.due_at < clock.now()


class TaskListView(generics.ListAPIView):
    serializer_class = TaskSerializer
    queryset = Task.objects.none()  # for the schema; requests use get_queryset

    @extend_schema(parameters=[OpenApiParameter("view", str, enum=list(selectors.INBOX_VIEWS))])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        view = self.request.query_params.get("view", "all")
        if view not in selectors.INBOX_VIEWS:
            raise ValidationError({"view": [_("Choose one of: %(views)s") % {"views": ", ".join(selectors.INBOX_VIEWS)}]})
        return selectors.inbox(viewer=self.request.user, view=view)


class AssignInput(serializers.Serializer):
    assignee = serializers.CharField(max_length=150)


def _task_id(raw) -> int:
    if not str(raw).isdigit():
        raise NotFound(_("No such task in your queues."))
    return int(raw)


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
