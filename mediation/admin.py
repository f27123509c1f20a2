from django.contrib import admin

from mediation.models import Mediator, Organization


class MediatorInline(admin.TabularInline):
    model = Mediator
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "region", "specialty"]
    list_filter = ["kind", "specialty"]
    search_fields = ["name"]
    autocomplete_fields = ["region"]
    inlines = [MediatorInline]
