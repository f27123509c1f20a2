"""Admin for reference data: regions, people and roles, deadline rules, holidays.

Cases and their events are shown read-only: only the actions layer changes a case.
"""
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group, Permission
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from casework.choices import Status
from casework.ladder import EventAction
from casework.models import Case, CaseDeadline, CaseEvent, DeadlineRule, Holiday, Party, Region, RoleAssignment, User

admin.site.site_header = _("Fengqiao dispute resolution administration")
admin.site.site_title = _("Fengqiao administration")


class RoleInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    autocomplete_fields = ["region"]


# Django names permissions in English when it creates them ("Can view case"), and stores the
# names; the admin's permission pickers show them translated instead, from the codename's action
# and the model's verbose name.
PERMISSION_ACTIONS = {
    "add": _("Can add %(model)s"),
    "change": _("Can change %(model)s"),
    "delete": _("Can delete %(model)s"),
    "view": _("Can view %(model)s"),
    "manage": _("Can manage %(model)s"),  # viewflow's permission on a flow's processes
}


def permission_label(permission: Permission) -> str:
    """“案件办理 | 案件 | 可查看案件”: the app, the model and the permission, in the admin's language."""
    model = permission.content_type.model_class()
    if model is None:  # a model since removed: its stored name is all there is
        return permission.name
    action, _sep, model_name = permission.codename.partition("_")
    template = PERMISSION_ACTIONS.get(action) if model_name == model._meta.model_name else None
    name = template % {"model": model._meta.verbose_name} if template else gettext(permission.name)
    return f"{model._meta.app_config.verbose_name} | {model._meta.verbose_name} | {name}"


class TranslatedPermissions:
    """For the user and group admins: their permission pickers labelled by `permission_label`."""

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name in ("permissions", "user_permissions"):
            field.label_from_instance = permission_label
        return field


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(TranslatedPermissions, BaseGroupAdmin):
    pass


@admin.register(User)
class UserAdmin(TranslatedPermissions, BaseUserAdmin):
    fieldsets = BaseUserAdmin.fieldsets + ((_("Display"), {"fields": ["display_name"]}),)
    list_display = ["username", "display_name", "is_active", "is_staff"]
    search_fields = ["username", "display_name"]
    inlines = [RoleInline]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "path", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    ordering = ["path"]
    autocomplete_fields = ["parent"]

    def get_readonly_fields(self, request, obj=None):
        # Moving a region would orphan the materialized paths below it.
        return ["code", "parent"] if obj else []


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "region"]
    list_filter = ["role", "region__level"]
    search_fields = ["user__username", "user__display_name", "region__name"]
    autocomplete_fields = ["user", "region"]


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(admin.ModelAdmin):
    list_display = ["kind", "region", "dispute_type", "days", "day_count", "extension_days"]
    list_filter = ["kind", "day_count"]
    autocomplete_fields = ["region"]


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "name", "is_working_day"]
    list_filter = ["is_working_day"]
    date_hierarchy = "date"


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PartyInline(admin.TabularInline):
    model = Party
    fields = ["role", "name"]  # ID numbers and phones stay out of the admin lists
    readonly_fields = fields
    extra = 0
    can_delete = False


def _label(choices, value: str) -> str:
    return str(choices(value).label) if value in choices.values else value


class EventInline(admin.TabularInline):
    """The audit trail, its codes (`accept`, `village_mediation`) shown by their labels."""

    model = CaseEvent
    fields = ["seq", "action_label", "actor", "status_before", "status_after", "note", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    @admin.display(description=_("action"))
    def action_label(self, event: CaseEvent) -> str:
        return _label(EventAction, event.action)

    @admin.display(description=_("status before"))
    def status_before(self, event: CaseEvent) -> str:
        return _label(Status, event.source_status)

    @admin.display(description=_("status after"))
    def status_after(self, event: CaseEvent) -> str:
        return _label(Status, event.target_status)


class DeadlineInline(admin.TabularInline):
    model = CaseDeadline
    fields = ["kind", "state", "started_at", "due_at", "paused_at", "pause_reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ["number", "title", "status", "outcome", "dispute_type", "risk_level", "region", "created_at"]
    list_filter = ["status", "outcome", "dispute_type", "risk_level", "source"]
    search_fields = ["number", "title"]
    date_hierarchy = "created_at"
    list_select_related = ["region"]
    inlines = [PartyInline, DeadlineInline, EventInline]
