"""Request and response shapes of the mediation API. No business logic: that lives in the actions layer."""
from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from casework.api.serializers import AgreementSignatureInput, BoundedDateTimeField, ObligationInput, UsersField
from casework.choices import Channel, Satisfaction
from mediation.choices import DECIDED, ConfirmationStatus, VisitManner
from mediation.models import (
    Agreement,
    AgreementParty,
    FollowUpVisit,
    JudicialConfirmationRequest,
    MediationSession,
    Obligation,
    Referral,
    Termination,
)


class UserRefSerializer(serializers.Serializer):
    username = serializers.CharField()
    display_name = serializers.CharField(source="label")


# --- sessions ---

class AttendeeSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=64)
    role = serializers.CharField(max_length=32, required=False, allow_blank=True, default="",
                                 help_text=_("Free text: applicant, respondent, relative, village cadre, witness…"))


class SessionInput(serializers.Serializer):
    held_at = BoundedDateTimeField()
    place = serializers.CharField(max_length=200)
    mediators = UsersField(required=False, max_length=20, help_text=_("Usernames; default the recorder."))
    attendees = AttendeeSerializer(many=True, required=False, max_length=50)
    statements = serializers.CharField(max_length=20000, help_text=_("What was said: the parties' statements."))
    result = serializers.CharField(max_length=5000, help_text=_("The result, and the next step."))


class SessionSerializer(serializers.ModelSerializer):
    mediators = UserRefSerializer(many=True)
    attendees = AttendeeSerializer(many=True)
    recorded_by = UserRefSerializer()

    class Meta:
        model = MediationSession
        fields = ["id", "held_at", "place", "mediators", "attendees", "statements", "result", "recorded_by",
                  "created_at"]


class TerminationInput(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)
    advised_channels = serializers.ListField(
        # Validated by the service; not a ChoiceField so that the schema keeps one enum for channels.
        child=serializers.CharField(max_length=32), required=False, max_length=len(Channel.values),
        help_text=_("Channel codes, as for the refer transition, the parties were told of."),
    )
    advice = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="",
                                   help_text=_("Other routes or advice given, in free text."))
    then = serializers.ChoiceField(
        choices=[("escalate", _("Escalate to the township (village mediation)")),
                 ("refer", _("Refer to a channel (township mediation)")),
                 ("close", _("Close as unresolved"))],
        help_text=_("Where the case goes now: a terminated mediation does not leave the case open at this rung."),
    )
    channel = serializers.CharField(max_length=32, required=False, allow_blank=True, default="",
                                    help_text=_("With then=refer: the channel code, as for the refer transition."))
    receiving_body = serializers.CharField(max_length=100, required=False, allow_blank=True, default="",
                                           help_text=_("With then=refer: the receiving body."))


class TerminationSerializer(serializers.ModelSerializer):
    # Plain strings: the schema already has enums named `status` and for these values.
    stage = serializers.CharField(help_text=_("The status the case was in: village_mediation or township_mediation."))
    recorded_by = UserRefSerializer()

    class Meta:
        model = Termination
        fields = ["id", "stage", "reason", "advised_channels", "advice", "recorded_by", "recorded_at", "case_status"]

    case_status = serializers.CharField(source="case.status", read_only=True,
                                        help_text=_("The case's status after the termination moved it on."))


class ObligationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Obligation
        fields = ["id", "party", "description", "manner", "place", "due_date"]


class SignatorySerializer(serializers.ModelSerializer):
    party = serializers.IntegerField(source="party_id")
    role = serializers.CharField(source="party.role")
    name = serializers.CharField(source="party.name")

    class Meta:
        model = AgreementParty
        fields = ["party", "role", "name", "signed", "signed_on"]


class ConfirmationRequestSerializer(serializers.ModelSerializer):
    status = serializers.CharField(help_text=_("pending, confirmed or rejected."))

    class Meta:
        model = JudicialConfirmationRequest
        fields = ["id", "agreement", "requested_on", "court", "status", "decided_on", "decision", "recorded_at"]


class AgreementSerializer(serializers.ModelSerializer):
    organization = serializers.SerializerMethodField()
    parties = SignatorySerializer(source="signatories", many=True)
    obligations = ObligationSerializer(many=True)
    confirmation_requests = ConfirmationRequestSerializer(many=True)
    confirmation_last_day = serializers.DateField(allow_null=True)
    recorded_by = UserRefSerializer()
    print_url = serializers.SerializerMethodField()
    mediators = UserRefSerializer(many=True)
    in_force = serializers.BooleanField(help_text=_("Signed by every party and sealed (written), or reached (oral)."))
    missing = serializers.SerializerMethodField(
        help_text=_("What art. 35 asks that this written agreement still lacks: while not empty it is a draft."))

    class Meta:
        model = Agreement
        fields = [
            "id", "number", "organization", "body_name", "mediators", "in_force", "missing", "form", "parties", "facts", "points_in_dispute", "responsibilities",
            "terms", "obligations", "concluded_on", "sealed", "sealed_on", "effective_on", "confirmation_last_day",
            "confirmation_requests", "superseded", "recorded_by", "recorded_at", "print_url",
        ]

    def get_organization(self, agreement) -> dict | None:
        org = agreement.organization
        return {"id": org.pk, "name": org.name} if org else None

    def get_missing(self, agreement) -> list[str]:
        return [str(m) for m in agreement.missing_contents(list(agreement.obligations.all()))]

    def get_print_url(self, agreement) -> str:
        url = reverse("mediation:agreement-print", kwargs={"case_id": agreement.case_id})
        return f"{url}?agreement={agreement.pk}"


class AgreementCompletionInput(serializers.Serializer):
    """What a written agreement lacked (art. 35), filled in before anyone signs it."""

    facts = serializers.CharField(max_length=5000, required=False, help_text=_("The main facts of the dispute."))
    points_in_dispute = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    responsibilities = serializers.CharField(max_length=5000, required=False, help_text=_("Each side's responsibility."))
    obligations = ObligationInput(many=True, required=False, allow_empty=False, max_length=50,
                                  help_text=_("Replaces every obligation; each names its obliged party."))


class SignaturesInput(serializers.Serializer):
    signatures = AgreementSignatureInput(many=True, required=False, max_length=50)
    sealed = serializers.BooleanField(required=False, default=False, help_text=_("The committee has sealed it."))
    sealed_on = serializers.DateField(required=False, allow_null=True, default=None)


class ConfirmationRequestInput(serializers.Serializer):
    court = serializers.CharField(max_length=100)
    requested_on = serializers.DateField(required=False, allow_null=True, default=None,
                                         help_text=_("Default: today."))


class ConfirmationResultInput(serializers.Serializer):
    result = serializers.ChoiceField(choices=[(c, ConfirmationStatus(c).label) for c in DECIDED],
                                     help_text=_("The court's ruling."))
    decided_on = serializers.DateField(required=False, allow_null=True, default=None)
    decision = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="",
                                     help_text=_("The ruling's number, and its reasons if rejected."))


class ReferralSerializer(serializers.ModelSerializer):
    sent_by = UserRefSerializer()

    class Meta:
        model = Referral
        fields = ["id", "channel", "receiving_body", "sent_at", "sent_by", "received_at", "receipt_note",
                  "replied_at", "reply", "resolved"]


class ReceiptInput(serializers.Serializer):
    received_at = BoundedDateTimeField(required=False, allow_null=True, default=None,
                                       help_text=_("When the receiving body signed for it; default now."))
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="",
                                 help_text=_("Who signed for it, the body's registration number…"))


# --- follow-up visits (回访) ---

class FollowUpInput(serializers.Serializer):
    visited_at = BoundedDateTimeField()
    manner = serializers.ChoiceField(choices=VisitManner.choices, help_text=_("in_person (上门) or phone (电话)."))
    fulfilled = serializers.BooleanField(help_text=_("The agreement is performed."))
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices)
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class FollowUpSerializer(serializers.ModelSerializer):
    visited_by = UserRefSerializer()
    manner = serializers.CharField(help_text=_("in_person, phone, or empty where the visit that closed the case "
                                               "did not record it."))

    class Meta:
        model = FollowUpVisit
        fields = ["id", "visited_at", "manner", "fulfilled", "satisfaction", "notes", "visited_by"]
