"""Admin: the export trail (导出留痕) and the stored monthly reports, both read-only — an export
record is evidence, and a monthly report is an immutable snapshot."""
from django.contrib import admin

from casework.admin import ReadOnlyAdmin
from reports.models import ExportRecord, MonthlyReport


@admin.register(ExportRecord)
class ExportRecordAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "kind", "format", "region", "rows", "masked"]
    list_filter = ["kind", "format", "masked"]
    search_fields = ["user__username", "user__display_name", "region__name"]
    date_hierarchy = "created_at"
    list_select_related = ["user", "region"]


@admin.register(MonthlyReport)
class MonthlyReportAdmin(ReadOnlyAdmin):
    list_display = ["month", "region", "zero_report", "generated_at", "digest"]
    list_filter = ["month", "zero_report", "region__level"]
    search_fields = ["region__name", "region__code"]
    list_select_related = ["region"]
