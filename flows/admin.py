"""Notifications in the admin, read-only: who was told what, and whether they have read it; and
viewflow's process and task lists in the admin's language."""
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from viewflow.workflow import admin as viewflow_admin
from viewflow.workflow.models import Process, Task

from flows.models import Notification, StageTask


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "case", "recipient", "read_at"]
    list_filter = ["kind", ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["case__number", "recipient__username"]
    list_select_related = ["case", "recipient"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# viewflow's own admins of its processes and tasks, with every column named in the admin's
# language: theirs show method and field names ("pk", "participants", "brief", "token") in English,
# and filter by flow class references ("flows/disputeflow"), of which there is one here.
admin.site.unregister(Process)
admin.site.unregister(Task)


class TaskInline(viewflow_admin.TaskInline):
    model = StageTask
    fields = readonly_fields = ["title", "status", "owner", "created", "finished"]

    @admin.display(description=_("Task"))
    def title(self, obj) -> str:
        return obj.title or ""


@admin.register(Process)
class ProcessAdmin(viewflow_admin.ProcessAdmin):
    """Read only: the process follows the case (flows.engine); nobody edits it by hand."""

    list_display = ["id", "created", "process_title", "status", "participants", "brief"]
    list_display_links = ["id", "created", "process_title"]
    list_filter = ["status"]
    fields = readonly_fields = ["process_title", "status", "created", "finished"]
    inlines = [TaskInline]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("Flow"))
    def process_title(self, obj) -> str:
        return obj.flow_class.process_title if obj.flow_class else ""

    @admin.display(description=_("Participants"))
    def participants(self, obj) -> str:
        return super().participants(obj)

    @admin.display(description=_("Summary"))
    def brief(self, obj) -> str:
        return obj.brief


@admin.register(StageTask)
class TaskAdmin(viewflow_admin.TaskAdmin):
    """Read only: tasks are claimed, assigned and done through the inbox and the case services."""

    list_display = ["id", "created", "process", "title", "status", "owner", "started", "finished"]
    list_display_links = ["id", "created", "process"]
    list_filter = ["status"]
    fields = readonly_fields = ["process", "title", "status", "owner", "created", "assigned", "started", "finished"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("Task"))
    def title(self, obj) -> str:
        return obj.title or ""
