"""Admin for reference data: regions, people and roles, deadline rules, holidays.

Cases and their events are shown read-only: only the actions layer changes a case.
"""
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from casework.models import Case, CaseDeadline, CaseEvent, DeadlineRule, Holiday, Party, Region, RoleAssignment, User

admin.site.site_header = _("Fengqiao dispute resolution administration")
admin.site.site_title = _("Fengqiao administration")


class RoleInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    autocomplete_fields = ["region"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
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


class EventInline(admin.TabularInline):
    model = CaseEvent
    fields = ["seq", "action", "actor", "source_status", "target_status", "note", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False


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
