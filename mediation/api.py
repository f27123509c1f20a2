"""HTTP endpoints of the mediation records, under /api/v1/cases/{id}/ (README "API additions").

Each view validates input, calls a selector or a service, shapes output. A refusal that does
not depend on the body (404, 403, 409) comes before a 400, as for the case transitions.
"""
from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.api.serializers import AgreementSignatureInput, BoundedDateTimeField
from casework.choices import Channel
from casework.errors import NotFound
from casework.models import Case, User
from mediation import selectors, services
from mediation.choices import DECIDED, ConfirmationStatus
from mediation.models import (
    Agreement,
    AgreementParty,
    JudicialConfirmationRequest,
    MediationSession,
    Obligation,
    Referral,
    Termination,
)

IF_MATCH_HEADER = OpenApiParameter(
    "If-Match", str, OpenApiParameter.HEADER, required=False,
    description="The case `version` the client acted on; a stale one gets 409 conflict.",
)


def _id(raw) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise NotFound(str(_("Not found.")))


def _if_match(request) -> int | None:
    """The case version the client says it acted on; None when it does not say (records add to a
    case rather than move it, so acting on an older view of it is not a conflict by itself)."""
    header = request.headers.get("If-Match", "").strip().removeprefix("W/").strip('"')
    if not header or header == "*":
        return None
    if not (header.isascii() and header.isdigit() and len(header) <= 10):
        raise ValidationError({"If-Match": [_("Send the case version as a number.")]})
    return int(header)


def _respond(data: dict, case: Case, code: int = status.HTTP_200_OK) -> Response:
    """The record, with the case's new version as ETag for the client's next If-Match."""
    response = Response(data, status=code)
    response["ETag"] = f'"{case.version}"'
    return response


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
    mediators = serializers.ListField(child=serializers.CharField(max_length=150), required=False, max_length=20,
                                      help_text=_("Usernames; default the recorder."))
    attendees = AttendeeSerializer(many=True, required=False, max_length=50)
    statements = serializers.CharField(max_length=20000, help_text=_("What was said: the parties' statements."))
    result = serializers.CharField(max_length=5000, help_text=_("The result, and the next step."))

    def validate_mediators(self, usernames: list[str]) -> list[User]:
        users = {u.username: u for u in User.objects.filter(username__in=usernames, is_active=True)}
        unknown = [name for name in usernames if name not in users]
        if unknown:
            raise serializers.ValidationError(_("Unknown users: %(names)s") % {"names": ", ".join(unknown)})
        return [users[name] for name in dict.fromkeys(usernames)]


class SessionSerializer(serializers.ModelSerializer):
    mediators = UserRefSerializer(many=True)
    attendees = AttendeeSerializer(many=True)
    recorded_by = UserRefSerializer()

    class Meta:
        model = MediationSession
        fields = ["id", "held_at", "place", "mediators", "attendees", "statements", "result", "recorded_by",
                  "created_at"]


class SessionListView(APIView):
    @extend_schema(responses=SessionSerializer(many=True))
    def get(self, request, case_id):
        found = selectors.sessions(viewer=request.user, case_id=_id(case_id))
        return Response(SessionSerializer(found, many=True).data)

    @extend_schema(request=SessionInput, responses={201: SessionSerializer}, parameters=[IF_MATCH_HEADER])
    def post(self, request, case_id):
        case = selectors.visible_case(viewer=request.user, case_id=_id(case_id))
        seen = _if_match(request)
        services.check_mediation_record(case, request.user, "session", seen)
        form = SessionInput(data=request.data)
        form.is_valid(raise_exception=True)
        session = services.session_record(case_id=case.pk, actor=request.user, seen_version=seen,
                                          **form.validated_data)
        return _respond(SessionSerializer(session).data, session.case, status.HTTP_201_CREATED)


# --- termination ---

class TerminationInput(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)
    advised_channels = serializers.ListField(
        # Validated by the service; not a ChoiceField so that the schema keeps one enum for channels.
        child=serializers.CharField(max_length=32), required=False, max_length=len(Channel.values),
        help_text=_("Channel codes, as for the refer transition, the parties were told of."),
    )
    advice = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="",
                                   help_text=_("Other routes or advice given, in free text."))


class TerminationSerializer(serializers.ModelSerializer):
    # Plain strings: the schema already has enums named `status` and for these values.
    stage = serializers.CharField(help_text=_("The status the case was in: village_mediation or township_mediation."))
    recorded_by = UserRefSerializer()

    class Meta:
        model = Termination
        fields = ["id", "stage", "reason", "advised_channels", "advice", "recorded_by", "recorded_at"]


class TerminationView(APIView):
    @extend_schema(responses=TerminationSerializer(many=True))
    def get(self, request, case_id):
        found = selectors.terminations(viewer=request.user, case_id=_id(case_id))
        return Response(TerminationSerializer(found, many=True).data)

    @extend_schema(request=TerminationInput, responses={201: TerminationSerializer}, parameters=[IF_MATCH_HEADER])
    def post(self, request, case_id):
        case = selectors.visible_case(viewer=request.user, case_id=_id(case_id))
        seen = _if_match(request)
        services.check_mediation_record(case, request.user, "termination", seen)
        form = TerminationInput(data=request.data)
        form.is_valid(raise_exception=True)
        termination = services.termination_record(case_id=case.pk, actor=request.user, seen_version=seen,
                                                  **form.validated_data)
        return _respond(TerminationSerializer(termination).data, termination.case, status.HTTP_201_CREATED)


# --- agreements ---

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

    class Meta:
        model = Agreement
        fields = [
            "id", "number", "organization", "form", "parties", "facts", "points_in_dispute", "responsibilities",
            "terms", "obligations", "concluded_on", "sealed", "sealed_on", "effective_on", "confirmation_last_day",
            "confirmation_requests", "superseded", "recorded_by", "recorded_at", "print_url",
        ]

    def get_organization(self, agreement) -> dict | None:
        org = agreement.organization
        return {"id": org.pk, "name": org.name} if org else None

    def get_print_url(self, agreement) -> str:
        url = reverse("mediation:agreement-print", kwargs={"case_id": agreement.case_id})
        return f"{url}?agreement={agreement.pk}"


class AgreementListView(APIView):
    @extend_schema(responses=AgreementSerializer(many=True))
    def get(self, request, case_id):
        found = selectors.agreements(viewer=request.user, case_id=_id(case_id))
        return Response(AgreementSerializer(found, many=True).data)


class SignaturesInput(serializers.Serializer):
    signatures = AgreementSignatureInput(many=True, required=False, max_length=50)
    sealed = serializers.BooleanField(required=False, default=False, help_text=_("The committee has sealed it."))
    sealed_on = serializers.DateField(required=False, allow_null=True, default=None)


class AgreementSignaturesView(APIView):
    """Record signatures and the seal on the agreement in force, after it was recorded."""

    @extend_schema(request=SignaturesInput, responses=AgreementSerializer, parameters=[IF_MATCH_HEADER])
    def post(self, request, case_id):
        case = selectors.visible_case(viewer=request.user, case_id=_id(case_id))
        seen = _if_match(request)
        services.check_agreement_act(case, request.user, seen)
        form = SignaturesInput(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        data.setdefault("signatures", [])
        agreement = services.agreement_sign(case_id=case.pk, actor=request.user, seen_version=seen, **data)
        fresh = selectors.agreements(viewer=request.user, case_id=case.pk).get(pk=agreement.pk)
        return _respond(AgreementSerializer(fresh).data, agreement.case)


# --- judicial confirmation ---

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


class ConfirmationRequestListView(APIView):
    @extend_schema(responses=ConfirmationRequestSerializer(many=True))
    def get(self, request, case_id):
        found = selectors.agreements(viewer=request.user, case_id=_id(case_id))
        rows = [r for agreement in found for r in agreement.confirmation_requests.all()]
        return Response(ConfirmationRequestSerializer(rows, many=True).data)

    @extend_schema(request=ConfirmationRequestInput, responses={201: ConfirmationRequestSerializer},
                   parameters=[IF_MATCH_HEADER])
    def post(self, request, case_id):
        case = selectors.visible_case(viewer=request.user, case_id=_id(case_id))
        seen = _if_match(request)
        services.check_agreement_act(case, request.user, seen)
        form = ConfirmationRequestInput(data=request.data)
        form.is_valid(raise_exception=True)
        made = services.judicial_confirmation_request(case_id=case.pk, actor=request.user, seen_version=seen,
                                                      **form.validated_data)
        return _respond(ConfirmationRequestSerializer(made).data, made.agreement.case, status.HTTP_201_CREATED)


class ConfirmationResultView(APIView):
    @extend_schema(request=ConfirmationResultInput, responses=ConfirmationRequestSerializer,
                   parameters=[IF_MATCH_HEADER])
    def post(self, request, case_id, request_id):
        case = selectors.visible_case(viewer=request.user, case_id=_id(case_id))
        seen, request_id = _if_match(request), _id(request_id)
        services.check_confirmation_decision(case, request.user, request_id, seen)
        form = ConfirmationResultInput(data=request.data)
        form.is_valid(raise_exception=True)
        decided = services.judicial_confirmation_decide(case_id=case.pk, actor=request.user, request_id=request_id,
                                                        seen_version=seen, **form.validated_data)
        return _respond(ConfirmationRequestSerializer(decided).data, decided.agreement.case)


# --- referrals ---

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


class ReferralListView(APIView):
    @extend_schema(responses=ReferralSerializer(many=True))
    def get(self, request, case_id):
        found = selectors.referrals(viewer=request.user, case_id=_id(case_id))
        return Response(ReferralSerializer(found, many=True).data)


class ReferralReceiptView(APIView):
    @extend_schema(request=ReceiptInput, responses=ReferralSerializer, parameters=[IF_MATCH_HEADER])
    def post(self, request, case_id, referral_id):
        case = selectors.visible_case(viewer=request.user, case_id=_id(case_id))
        seen = _if_match(request)
        services.check_referral_tracking(case, request.user, seen)
        form = ReceiptInput(data=request.data)
        form.is_valid(raise_exception=True)
        referral = services.referral_receive(case_id=case.pk, actor=request.user,
                                             referral_id=_id(referral_id), seen_version=seen,
                                             **form.validated_data)
        return _respond(ReferralSerializer(referral).data, referral.case)
