"""Admin for mediation bodies (editable reference data) and mediation records (read-only:
only the services write them, each with its audit event)."""
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from mediation.models import (
    Agreement,
    AgreementParty,
    FollowUpVisit,
    JudicialConfirmationRequest,
    MediationSession,
    Mediator,
    Obligation,
    Organization,
    Referral,
    Termination,
)


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


class ReadOnlyMixin:
    """A record: shown, never added, changed or deleted here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RecordAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_select_related = ["case"]
    search_fields = ["case__number"]

    @admin.display(description=_("case"), ordering="case__number")
    def case_number(self, obj):
        return obj.case.number


class ReadOnlyInline(ReadOnlyMixin, admin.TabularInline):
    extra = 0

    def get_readonly_fields(self, request, obj=None):
        return self.fields


class SignatoryInline(ReadOnlyInline):
    model = AgreementParty
    fields = ["party", "signed", "signed_on"]  # names only: ID numbers and phones stay out of the admin


class ObligationInline(ReadOnlyInline):
    model = Obligation
    fields = ["party", "description", "manner", "place", "due_date"]


class ConfirmationInline(ReadOnlyInline):
    model = JudicialConfirmationRequest
    fields = ["requested_on", "court", "status", "decided_on", "decision"]


@admin.register(MediationSession)
class MediationSessionAdmin(RecordAdmin):
    list_display = ["case_number", "held_at", "place", "recorded_by", "created_at"]
    date_hierarchy = "held_at"
    fields = ["case", "held_at", "place", "mediators", "attendees", "statements", "result", "recorded_by", "created_at"]


@admin.register(Agreement)
class AgreementAdmin(RecordAdmin):
    list_display = ["number", "case_number", "form", "organization", "effective_on", "sealed", "superseded",
                    "recorded_at"]
    list_filter = ["form", "sealed", "superseded"]
    search_fields = ["number", "case__number"]
    date_hierarchy = "recorded_at"
    fields = ["case", "number", "organization", "form", "facts", "points_in_dispute", "responsibilities", "terms",
              "concluded_on", "sealed", "sealed_on", "effective_on", "superseded", "recorded_by", "recorded_at"]
    inlines = [SignatoryInline, ObligationInline, ConfirmationInline]


@admin.register(Termination)
class TerminationAdmin(RecordAdmin):
    list_display = ["case_number", "stage", "reason", "recorded_by", "recorded_at"]
    list_filter = ["stage"]
    fields = ["case", "stage", "reason", "advised_channels", "advice", "recorded_by", "recorded_at"]


@admin.register(JudicialConfirmationRequest)
class JudicialConfirmationRequestAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["agreement", "court", "requested_on", "status", "decided_on"]
    list_filter = ["status"]
    list_select_related = ["agreement"]
    search_fields = ["agreement__number", "court"]
    fields = ["agreement", "requested_on", "court", "status", "decided_on", "decision", "recorded_by",
              "recorded_at", "decision_recorded_by"]


@admin.register(Referral)
class ReferralAdmin(RecordAdmin):
    list_display = ["case_number", "channel", "receiving_body", "sent_at", "received_at", "replied_at", "resolved"]
    list_filter = ["channel", "resolved"]
    search_fields = ["case__number", "receiving_body"]
    fields = ["case", "channel", "receiving_body", "sent_at", "sent_by", "received_at", "receipt_note",
              "receipt_recorded_by", "replied_at", "reply", "resolved"]


@admin.register(FollowUpVisit)
class FollowUpVisitAdmin(RecordAdmin):
    list_display = ["case_number", "visited_at", "manner", "fulfilled", "satisfaction", "visited_by"]
    list_filter = ["manner", "fulfilled", "satisfaction"]
    fields = ["case", "visited_at", "manner", "fulfilled", "satisfaction", "notes", "visited_by"]
