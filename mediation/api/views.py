"""HTTP endpoints of the mediation records, under /api/v1/cases/{id}/ (README "API additions").

Each view validates input, calls a selector or a service, shapes output. A refusal that does
not depend on the body (404, 403, 409) comes before a 400, as for the case transitions. Records
add to a case rather than move it: acting on an older view of it is not a conflict by itself, so
a version is checked only when the client sends If-Match."""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from actions import services
from casework.models import Case
from config.rest.requests import IF_MATCH_HEADER, if_match, path_id
from mediation import selectors
from mediation.api.serializers import (
    AgreementCompletionInput,
    AgreementSerializer,
    ConfirmationRequestInput,
    ConfirmationRequestSerializer,
    ConfirmationResultInput,
    FollowUpInput,
    FollowUpSerializer,
    ReceiptInput,
    ReferralSerializer,
    SessionInput,
    SessionSerializer,
    SignaturesInput,
    TerminationInput,
    TerminationSerializer,
)


def _id(raw) -> int:
    return path_id(raw, str(_("Not found.")))


def _respond(data: dict, case: Case, code: int = status.HTTP_200_OK) -> Response:
    """The record, with the case's new version as ETag for the client's next If-Match."""
    response = Response(data, status=code)
    response["ETag"] = f'"{case.version}"'
    return response


class SessionListView(APIView):
    @extend_schema(responses=SessionSerializer(many=True))
    def get(self, request, case_id):
        found = selectors.sessions(viewer=request.user, case_id=_id(case_id))
        return Response(SessionSerializer(found, many=True).data)

    @extend_schema(request=SessionInput, responses={201: SessionSerializer}, parameters=[IF_MATCH_HEADER])
    def post(self, request, case_id):
        case = selectors.visible_case(viewer=request.user, case_id=_id(case_id))
        seen = if_match(request)
        services.check_mediation_record(case, request.user, "session", seen)
        form = SessionInput(data=request.data)
        form.is_valid(raise_exception=True)
        session = services.session_record(case_id=case.pk, actor=request.user, seen_version=seen,
                                          **form.validated_data)
        return _respond(SessionSerializer(session).data, session.case, status.HTTP_201_CREATED)


# --- termination ---

class TerminationView(APIView):
    @extend_schema(responses=TerminationSerializer(many=True))
    def get(self, request, case_id):
        found = selectors.terminations(viewer=request.user, case_id=_id(case_id))
        return Response(TerminationSerializer(found, many=True).data)

    @extend_schema(request=TerminationInput, responses={201: TerminationSerializer}, parameters=[IF_MATCH_HEADER])
    def post(self, request, case_id):
        case = selectors.visible_case(viewer=request.user, case_id=_id(case_id))
        seen = if_match(request)
        services.check_mediation_record(case, request.user, "termination", seen)
        form = TerminationInput(data=request.data)
        form.is_valid(raise_exception=True)
        termination = services.termination_record(case_id=case.pk, actor=request.user, seen_version=seen,
                                                  **form.validated_data)
        return _respond(TerminationSerializer(termination).data, termination.case, status.HTTP_201_CREATED)


# --- agreements ---

class AgreementListView(APIView):
    @extend_schema(responses=AgreementSerializer(many=True))
    def get(self, request, case_id):
        found = selectors.agreements(viewer=request.user, case_id=_id(case_id))
        return Response(AgreementSerializer(found, many=True).data)


class AgreementView(APIView):
    """Complete the agreement in force while nobody has signed it (a draft lacks art. 35's contents)."""

    @extend_schema(request=AgreementCompletionInput, responses=AgreementSerializer, parameters=[IF_MATCH_HEADER])
    def patch(self, request, case_id):
        case = selectors.visible_case(viewer=request.user, case_id=_id(case_id))
        seen = if_match(request)
        services.check_agreement_act(case, request.user, seen)
        form = AgreementCompletionInput(data=request.data)
        form.is_valid(raise_exception=True)
        agreement = services.agreement_complete(case_id=case.pk, actor=request.user, seen_version=seen,
                                                **form.validated_data)
        fresh = selectors.agreements(viewer=request.user, case_id=case.pk).get(pk=agreement.pk)
        return _respond(AgreementSerializer(fresh).data, agreement.case)


class AgreementSignaturesView(APIView):
    """Record signatures and the seal on the agreement in force, after it was recorded."""

    @extend_schema(request=SignaturesInput, responses=AgreementSerializer, parameters=[IF_MATCH_HEADER])
    def post(self, request, case_id):
        case = selectors.visible_case(viewer=request.user, case_id=_id(case_id))
        seen = if_match(request)
        services.check_agreement_act(case, request.user, seen)
        form = SignaturesInput(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        data.setdefault("signatures", [])
        agreement = services.agreement_sign(case_id=case.pk, actor=request.user, seen_version=seen, **data)
        fresh = selectors.agreements(viewer=request.user, case_id=case.pk).get(pk=agreement.pk)
        return _respond(AgreementSerializer(fresh).data, agreement.case)


# --- judicial confirmation ---

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
        seen = if_match(request)
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
        seen, request_id = if_match(request), _id(request_id)
        services.check_confirmation_decision(case, request.user, request_id, seen)
        form = ConfirmationResultInput(data=request.data)
        form.is_valid(raise_exception=True)
        decided = services.judicial_confirmation_decide(case_id=case.pk, actor=request.user, request_id=request_id,
                                                        seen_version=seen, **form.validated_data)
        return _respond(ConfirmationRequestSerializer(decided).data, decided.agreement.case)


# --- referrals ---

class ReferralListView(APIView):
    @extend_schema(responses=ReferralSerializer(many=True))
    def get(self, request, case_id):
        found = selectors.referrals(viewer=request.user, case_id=_id(case_id))
        return Response(ReferralSerializer(found, many=True).data)


class ReferralReceiptView(APIView):
    @extend_schema(request=ReceiptInput, responses=ReferralSerializer, parameters=[IF_MATCH_HEADER])
    def post(self, request, case_id, referral_id):
        case = selectors.visible_case(viewer=request.user, case_id=_id(case_id))
        seen = if_match(request)
        services.check_referral_tracking(case, request.user, seen)
        form = ReceiptInput(data=request.data)
        form.is_valid(raise_exception=True)
        referral = services.referral_receive(case_id=case.pk, actor=request.user,
                                             referral_id=_id(referral_id), seen_version=seen,
                                             **form.validated_data)
        return _respond(ReferralSerializer(referral).data, referral.case)


# --- follow-up visits ---

class FollowUpListView(APIView):
    """回访: the visits to the parties after an agreement, the one that closed the case among them."""

    @extend_schema(responses=FollowUpSerializer(many=True))
    def get(self, request, case_id):
        found = selectors.follow_ups(viewer=request.user, case_id=_id(case_id))
        return Response(FollowUpSerializer(found, many=True).data)

    @extend_schema(request=FollowUpInput, responses={201: FollowUpSerializer}, parameters=[IF_MATCH_HEADER])
    def post(self, request, case_id):
        case = selectors.visible_case(viewer=request.user, case_id=_id(case_id))
        seen = if_match(request)
        services.check_follow_up(case, request.user, seen)
        form = FollowUpInput(data=request.data)
        form.is_valid(raise_exception=True)
        visit = services.follow_up_record(case_id=case.pk, actor=request.user, seen_version=seen,
                                          **form.validated_data)
        return _respond(FollowUpSerializer(visit).data, visit.case, status.HTTP_201_CREATED)
