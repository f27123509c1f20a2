"""Request validation and response shapes. No business logic: that lives in services."""
from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from casework import clock, validators
from casework import permissions as perms
from casework.choices import (
    Channel,
    DisputeType,
    PartyRole,
    RegionLevel,
    RiskLevel,
    Role,
    Satisfaction,
    Source,
)
from casework.models import (
    Attachment,
    Case,
    CaseDeadline,
    CaseEvent,
    Party,
    Region,
    User,
)
from casework.selectors import possible_duplicates
from casework.services import allowed_transitions
from mediation.choices import AgreementForm


def _django_validator(func):
    def run(value):
        try:
            func(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages)

    return run


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["code", "name", "level", "path"]


class RoleSerializer(serializers.Serializer):
    role = serializers.CharField()
    region = RegionSerializer()


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    display_name = serializers.CharField(source="label")
    roles = serializers.SerializerMethodField()

    def get_roles(self, user) -> list[dict]:
        return RoleSerializer(perms.roles_of(user), many=True).data


# --- filing ---

class PartyInputSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=PartyRole.choices)
    name = serializers.CharField(max_length=64)
    id_number = serializers.CharField(required=False, allow_blank=True, max_length=18, default="")
    phone = serializers.CharField(required=False, allow_blank=True, max_length=11, default="")

    def validate_id_number(self, value: str) -> str:
        value = validators.normalize_id_number(value)
        if value:
            _django_validator(validators.validate_id_number)(value)
        return value

    def validate_phone(self, value: str) -> str:
        value = validators.normalize_digits(value)
        if value:
            _django_validator(validators.validate_mobile)(value)
        return value


class BoundedDateTimeField(serializers.DateTimeField):
    """A date-time DRF accepts without a 500 at the edges of what datetime can represent."""

    def to_internal_value(self, value):
        try:
            result = super().to_internal_value(value)
        except OverflowError:
            self.fail("invalid", format="ISO 8601")
        if result.year < 1900:
            raise serializers.ValidationError(_("Enter a date after 1900."))
        return result


class CaseCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=100)
    description = serializers.CharField(max_length=5000)
    dispute_type = serializers.ChoiceField(choices=DisputeType.choices)
    risk_level = serializers.ChoiceField(choices=RiskLevel.choices, default=RiskLevel.NORMAL)
    source = serializers.ChoiceField(choices=Source.choices, default=Source.GRID_PATROL)
    grid = serializers.CharField(max_length=20, required=False, help_text=_("Grid region code."))
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    occurred_at = BoundedDateTimeField(required=False, allow_null=True, default=None)
    parties = PartyInputSerializer(many=True, allow_empty=False, max_length=50)
    people_involved = serializers.IntegerField(min_value=1, max_value=1_000_000, required=False, allow_null=True)
    amount_involved = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True)
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, min_value=-90, max_value=90, required=False, allow_null=True)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, min_value=-180, max_value=180, required=False, allow_null=True)

    def validate_occurred_at(self, value):
        if value and value > clock.now() + datetime.timedelta(minutes=10):
            raise serializers.ValidationError(_("A dispute cannot have occurred in the future."))
        return value

    def validate_grid(self, value: str) -> Region:
        region = Region.objects.filter(code=value.strip()).first()
        if region is None:
            raise serializers.ValidationError(_("Unknown region code."))
        if region.level != RegionLevel.GRID:
            raise serializers.ValidationError(_("Choose a grid, not a larger region."))
        return region

    def validate(self, attrs):
        if "grid" not in attrs:
            user = self.context["request"].user
            grids = [ra.region for ra in perms.roles_of(user)
                     if ra.role == Role.GRID_WORKER and ra.region.level == RegionLevel.GRID]
            if len(grids) != 1:
                raise serializers.ValidationError({"grid": [_("This field is required.")]})
            attrs["grid"] = grids[0]
        if not any(p["role"] == PartyRole.APPLICANT for p in attrs["parties"]):
            raise serializers.ValidationError({"parties": [_("At least one party must be the applicant.")]})
        return attrs


# --- responses ---

class PartySerializer(serializers.ModelSerializer):
    class Meta:
        model = Party
        fields = ["id", "role", "name", "id_number", "phone"]

    def to_representation(self, party):
        data = super().to_representation(party)
        if not self.context.get("personal_data", False):
            data["id_number"] = validators.mask_id_number(party.id_number) if party.id_number else ""
            data["phone"] = validators.mask_phone(party.phone) if party.phone else ""
        return data


class DeadlineSerializer(serializers.ModelSerializer):
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = CaseDeadline
        fields = ["kind", "state", "started_at", "due_at", "warn_at", "paused_at", "pause_reason", "extended", "overdue"]

    def get_overdue(self, deadline) -> bool:
        return deadline.state != "paused" and deadline.due_at < clock.now()


class CaseListSerializer(serializers.ModelSerializer):
    region = RegionSerializer()
    parties = serializers.SerializerMethodField()
    mediators = serializers.SlugRelatedField(many=True, read_only=True, slug_field="username")
    deadline = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "id", "number", "title", "status", "outcome", "dispute_type", "risk_level", "source",
            "region", "deadline", "parties", "mediators", "created_at", "updated_at", "closed_at", "version",
        ]

    def _personal_data(self, case) -> bool:
        return perms.may_see_personal_data(self.context["request"].user, case)

    def get_parties(self, case) -> list[dict]:
        context = {**self.context, "personal_data": self._personal_data(case)}
        return PartySerializer(case.parties.all(), many=True, context=context).data

    def get_deadline(self, case) -> dict | None:
        """The clock of the current stage: the soonest open one that is not a detached countdown."""
        clocks = [c for c in getattr(case, "open_clocks", []) if c.kind != "judicial_confirmation"]
        return DeadlineSerializer(clocks[0]).data if clocks else None


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()

    class Meta:
        model = CaseEvent
        fields = ["seq", "action", "actor", "source_status", "target_status", "note", "data", "created_at"]

    def get_actor(self, event) -> dict | None:
        if event.actor is None:
            return None
        return {"username": event.actor.username, "display_name": event.actor.label}


class AttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attachment
        fields = ["id", "original_name", "content_type", "size", "sha256", "uploaded_at"]


class CaseDetailSerializer(CaseListSerializer):
    reported_by = serializers.SlugRelatedField(read_only=True, slug_field="username")
    lead_body = serializers.SerializerMethodField()
    merged_into = serializers.SerializerMethodField()
    deadlines = serializers.SerializerMethodField()
    events = EventSerializer(many=True)
    attachments = AttachmentSerializer(many=True)
    allowed_transitions = serializers.SerializerMethodField()

    class Meta(CaseListSerializer.Meta):
        fields = CaseListSerializer.Meta.fields + [
            "description", "address", "occurred_at", "latitude", "longitude", "people_involved",
            "amount_involved", "reported_by", "lead_body", "merged_into", "agreed_rung",
            "deadlines", "events", "attachments", "allowed_transitions",
        ]

    def get_lead_body(self, case) -> dict | None:
        return {"id": case.lead_body.pk, "name": case.lead_body.name} if case.lead_body else None

    def get_merged_into(self, case) -> dict | None:
        return {"id": case.merged_into.pk, "number": case.merged_into.number} if case.merged_into else None

    def get_deadlines(self, case) -> list[dict]:
        return DeadlineSerializer(getattr(case, "open_clocks", []), many=True).data

    def get_allowed_transitions(self, case) -> list[str]:
        return allowed_transitions(case, self.context["request"].user)


class FiledCaseSerializer(CaseDetailSerializer):
    possible_duplicates = serializers.SerializerMethodField()

    class Meta(CaseDetailSerializer.Meta):
        fields = CaseDetailSerializer.Meta.fields + ["possible_duplicates"]

    def get_possible_duplicates(self, case) -> list[dict]:
        viewer = self.context["request"].user
        return [{"id": c.pk, "number": c.number, "title": c.title, "status": c.status}
                for c in possible_duplicates(viewer=viewer, case=case)]


# --- transitions: one input serializer per transition (API.md) ---

class TransitionInput(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class NoteRequiredInput(TransitionInput):
    note = serializers.CharField(max_length=2000)


class AcceptInput(TransitionInput):
    mediators = serializers.ListField(child=serializers.CharField(max_length=150), required=False, max_length=20)

    def validate_mediators(self, usernames: list[str]) -> list[User]:
        users = {u.username: u for u in User.objects.filter(username__in=usernames, is_active=True)}
        unknown = [name for name in usernames if name not in users]
        if unknown:
            raise serializers.ValidationError(_("Unknown users: %(names)s") % {"names": ", ".join(unknown)})
        return [users[name] for name in dict.fromkeys(usernames)]


class DeclineInput(TransitionInput):
    reason = serializers.CharField(max_length=2000)
    advised_channel = serializers.CharField(max_length=100, help_text=_("A channel code, or free text."))


class EscalateInput(TransitionInput):
    reason = serializers.CharField(max_length=2000)


class TriageInput(TransitionInput):
    lead_body = serializers.IntegerField(required=False, allow_null=True, min_value=1)

    def validate_lead_body(self, value):
        from mediation.models import Organization

        if value is None:
            return None
        body = Organization.objects.select_related("region").filter(pk=value).first()
        if body is None:
            raise serializers.ValidationError(_("Unknown organization."))
        return body


class ReferInput(TransitionInput):
    channel = serializers.ChoiceField(choices=Channel.choices)
    receiving_body = serializers.CharField(max_length=100)


class ObligationInput(serializers.Serializer):
    description = serializers.CharField(max_length=500)
    due_date = serializers.DateField()
    # Art. 35 of 《人民调解工作若干规定》: who performs it, how and where (optional).
    party = serializers.IntegerField(required=False, allow_null=True, min_value=1,
                                     help_text=_("The obliged party: the id of one of the case's parties."))
    manner = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")  # 履行方式
    place = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")  # 履行地点

    def validate_due_date(self, value: datetime.date) -> datetime.date:
        # An obligation may already be due (an oral agreement recorded late), but not by years,
        # and none runs for decades: both would be typing mistakes.
        today = timezone.localdate(clock.now())
        if not today - datetime.timedelta(days=366) <= value <= today + datetime.timedelta(days=30 * 366):
            raise serializers.ValidationError(_("Enter a date within a year before and thirty years after today."))
        return value


class AgreementSignatureInput(serializers.Serializer):
    party = serializers.IntegerField(min_value=1, help_text=_("The id of one of the case's parties."))
    signed = serializers.BooleanField(required=False, default=True)
    signed_on = serializers.DateField(required=False, allow_null=True, default=None,
                                      help_text=_("Default: the day the agreement was concluded."))


class AgreementInput(TransitionInput):
    """API.md's `terms` and `obligations`, and optionally the rest of art. 35 of 《人民调解工作若干规定》."""

    terms = serializers.CharField(max_length=5000)
    obligations = ObligationInput(many=True, allow_empty=False, max_length=50)
    form = serializers.ChoiceField(choices=AgreementForm.choices, required=False, default=AgreementForm.WRITTEN)
    facts = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")  # 纠纷主要事实
    points_in_dispute = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    responsibilities = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    concluded_on = serializers.DateField(required=False, allow_null=True, default=None,
                                        help_text=_("The day the agreement was reached; default today."))
    parties = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, allow_empty=False,
                                    max_length=50, help_text=_("Ids of the parties to it; default every party."))
    signatures = AgreementSignatureInput(many=True, required=False, max_length=50)
    sealed = serializers.BooleanField(required=False, allow_null=True, default=None)
    sealed_on = serializers.DateField(required=False, allow_null=True, default=None)


class ReferralOutcomeInput(TransitionInput):
    resolved = serializers.BooleanField()
    reply = serializers.CharField(max_length=5000)


class ReopenInput(TransitionInput):
    reason = serializers.CharField(max_length=2000)


class CloseInput(TransitionInput):
    fulfilled = serializers.BooleanField()
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices)


class MergeInput(TransitionInput):
    into = serializers.IntegerField(min_value=1)


TRANSITION_INPUTS: dict[str, type[serializers.Serializer]] = {
    "resolve_on_spot": NoteRequiredInput,
    "accept": AcceptInput,
    "decline": DeclineInput,
    "escalate": EscalateInput,
    "triage_to_mediation": TriageInput,
    "return_to_village": NoteRequiredInput,
    "refer": ReferInput,
    "record_agreement": AgreementInput,
    "record_referral_outcome": ReferralOutcomeInput,
    "reopen": ReopenInput,
    "close": CloseInput,
    "withdraw": NoteRequiredInput,
    "merge": MergeInput,
}


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=False, max_length=255)

    def validate_file(self, upload):
        if upload.size > settings.ATTACHMENT_MAX_BYTES:
            raise serializers.ValidationError(
                _("The file is larger than %(limit)s.") % {"limit": filesizeformat(settings.ATTACHMENT_MAX_BYTES)}
            )
        head = upload.read(16)
        upload.seek(0)
        sniffed = validators.sniff_content_type(head)
        if sniffed is None:
            raise serializers.ValidationError(_("Only photos (JPEG, PNG, WebP, HEIC) and PDF files are accepted."))
        upload.sniffed_type, upload.sniffed_ext = sniffed
        return upload


class PauseInput(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class ResumeInput(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
