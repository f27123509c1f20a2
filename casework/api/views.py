"""HTTP endpoints of API.md. Each view validates input, calls a selector or a service, shapes output."""
from __future__ import annotations

from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from actions import services
from casework import ladder, selectors
from casework.api import serializers as s
from casework.api.filters import CaseFilter
from casework.errors import NotFound
from config.rest.requests import IF_MATCH_HEADER, if_match, path_id
from mediation import progress as party_progress
from search.api.serializers import SearchInput
from search.api.views import page_links, run_search

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key", str, OpenApiParameter.HEADER, required=False,
    description="Any string up to 64 characters; a retry with the same key returns the same case.",
)


class MeView(APIView):
    @extend_schema(responses=s.MeSerializer)
    def get(self, request):
        return Response(s.MeSerializer(request.user).data)


class RegionListView(generics.ListAPIView):
    serializer_class = s.RegionSerializer
    pagination_class = None

    @extend_schema(parameters=[OpenApiParameter("parent", str, description="Region code")])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.region_children(viewer=self.request.user, parent_code=self.request.query_params.get("parent"))


def _idempotency_key(request) -> str:
    key = request.headers.get("Idempotency-Key", "")
    if len(key) > 64 or (key and not key.isprintable()):
        raise ValidationError({"Idempotency-Key": [_("At most 64 printable characters.")]})
    return key


def _case_id(raw) -> int:
    return path_id(raw, _("No such case."))


class CaseListCreateView(generics.ListAPIView):
    serializer_class = s.CaseListSerializer
    filterset_class = CaseFilter

    def get_queryset(self):
        return selectors.case_list(viewer=self.request.user)

    @extend_schema(parameters=[OpenApiParameter(
        "q", str, description="Words to find (as /api/v1/search/cases/ finds them); ranked by relevance.")])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def list(self, request, *args, **kwargs):
        if "q" not in request.query_params:
            return super().list(request, *args, **kwargs)
        # With `q` the list goes through the search engine: same filters, same jurisdiction,
        # ranked by relevance; rows are then read from the database as the list shows them.
        self.filter_queryset(self.get_queryset())  # the list's own validation of its filters: 400s alike
        form = SearchInput(data=request.query_params)
        form.is_valid(raise_exception=True)
        found = run_search(request, form.params(), facets=False)
        rows = {case.pk: case for case in self.get_queryset().filter(pk__in=[hit.id for hit in found.hits])}
        following, previous = page_links(request, form.validated_data["page"], form.validated_data["page_size"],
                                         found.count)
        results = [rows[hit.id] for hit in found.hits if hit.id in rows]
        return Response({"count": found.count, "next": following, "previous": previous,
                         "results": self.get_serializer(results, many=True).data})

    @extend_schema(request=s.CaseCreateSerializer, responses={201: s.FiledCaseSerializer, 200: s.FiledCaseSerializer},
                   parameters=[IDEMPOTENCY_HEADER])
    def post(self, request):
        key = _idempotency_key(request)
        form = s.CaseCreateSerializer(data=request.data, context={"request": request})
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        parties = [services.PartyInput(**p) for p in data.pop("parties")]
        case, created = services.case_file(
            actor=request.user, data=services.CaseInput(parties=parties, **data), idempotency_key=key,
        )
        if not created:
            case = selectors.case_get(viewer=request.user, case_id=case.pk)
        # A new case comes back from the filing as written, its rows held on it: not read again.
        return Response(
            s.FiledCaseSerializer(case, context={"request": request}).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class CaseDetailView(APIView):
    @extend_schema(responses=s.CaseDetailSerializer)
    def get(self, request, case_id):
        case = selectors.case_get(viewer=request.user, case_id=_case_id(case_id))
        response = Response(s.CaseDetailSerializer(case, context={"request": request}).data)
        response["ETag"] = f'"{case.version}"'
        return response




def _seen_version(request, case) -> int:
    """The version the caller acted on: If-Match if sent, else what this request read first."""
    seen = if_match(request)
    return case.version if seen is None else seen


class TransitionView(APIView):
    @extend_schema(
        request=PolymorphicProxySerializer(
            component_name="TransitionRequest", serializers=list(s.TRANSITION_INPUTS.values()),
            resource_type_field_name=None,
        ),
        responses={200: s.CaseDetailSerializer},
        parameters=[IF_MATCH_HEADER, OpenApiParameter(
            "name", str, OpenApiParameter.PATH, enum=list(ladder.TRANSITIONS),
            description="The transition to fire; its request body is the matching `<Name>Input`.",
        )],
        description="Fire a transition of the ladder. The body is the input of that transition: "
        + "; ".join(f"`{name}` → `{form.__name__}`" for name, form in s.TRANSITION_INPUTS.items()) + ".",
    )
    def post(self, request, case_id, name):
        service = services.SERVICES.get(name)
        if service is None:
            raise NotFound(_("Unknown transition: %(name)s") % {"name": name})
        case_id = _case_id(case_id)
        # Read once without a lock: the 404, and the version this request acts on.
        case = selectors.case_get(viewer=request.user, case_id=case_id)
        seen = _seen_version(request, case)
        # Role and state are checked before the body, so a refused action reads as 403/409, not
        # 400; the service checks again under the row lock.
        services.check_transition(case, request.user, name, seen)
        form = s.TRANSITION_INPUTS[name](data=request.data, context={"request": request})
        form.is_valid(raise_exception=True)
        service(case_id=case_id, actor=request.user, seen_version=seen, **form.validated_data)
        case = selectors.case_get(viewer=request.user, case_id=case_id)
        response = Response(s.CaseDetailSerializer(case, context={"request": request}).data)
        response["ETag"] = f'"{case.version}"'
        return response


class AttachmentView(APIView):
    @extend_schema(request={"multipart/form-data": s.AttachmentUploadSerializer},
                   responses={201: s.AttachmentSerializer, 200: s.AttachmentSerializer},
                   parameters=[OpenApiParameter(
                       "Idempotency-Key", str, OpenApiParameter.HEADER, required=False,
                       description="Any string up to 64 characters, one per file; sending the same file again "
                                   "with the same key returns the attachment it made (200), never a second one.")])
    def post(self, request, case_id):
        case_id = _case_id(case_id)
        selectors.case_get(viewer=request.user, case_id=case_id)  # 404 before looking at the body
        key = _idempotency_key(request)
        form = s.AttachmentUploadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        upload = form.validated_data["file"]
        attachment, created = services.case_attach(
            case_id=case_id, actor=request.user, upload=upload,
            content_type=upload.sniffed_type, extension=upload.sniffed_ext, idempotency_key=key,
        )
        return Response(s.AttachmentSerializer(attachment).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(responses=s.AttachmentSerializer(many=True))
    def get(self, request, case_id):
        case = selectors.case_get(viewer=request.user, case_id=_case_id(case_id))
        return Response(s.AttachmentSerializer(case.attachments.all(), many=True).data)


class AttachmentDownloadView(APIView):
    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    def get(self, request, case_id, attachment_id):
        case = selectors.case_get(viewer=request.user, case_id=_case_id(case_id))
        attachment = next((a for a in case.attachments.all() if str(a.pk) == str(attachment_id)), None)
        if attachment is None:
            raise NotFound(_("No such attachment."))
        # Under its original name: FileResponse writes filename*=utf-8''… (RFC 5987) for a Chinese one.
        response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type, as_attachment=True,
                                filename=attachment.download_name)
        response["X-Content-Type-Options"] = "nosniff"
        return response


class ClockView(APIView):
    """Pause or resume the current stage's deadline (waiting for an unreachable party…)."""

    @extend_schema(request=s.PauseInput, responses=s.CaseDetailSerializer)
    def post(self, request, case_id, action):
        case_id = _case_id(case_id)
        case = selectors.case_get(viewer=request.user, case_id=case_id)
        services.check_clock(case, request.user)  # a role that may not reads 403 whatever the body
        if action == "pause":
            form = s.PauseInput(data=request.data)
            form.is_valid(raise_exception=True)
            services.case_pause_clock(case_id=case_id, actor=request.user, **form.validated_data)
        elif action == "resume":
            form = s.ResumeInput(data=request.data)
            form.is_valid(raise_exception=True)
            services.case_resume_clock(case_id=case_id, actor=request.user, **form.validated_data)
        else:
            raise NotFound(_("Unknown action."))
        case = selectors.case_get(viewer=request.user, case_id=case_id)
        return Response(s.CaseDetailSerializer(case, context={"request": request}).data)


class DeadlineExtendInput(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)
    parties_consent = serializers.BooleanField(
        required=False, default=False,
        help_text="Both parties agreed to the extension (recorded); required for village mediation.",
    )


class DeadlineExtendView(APIView):
    """Extend the current mediation stage's deadline once (延长调解期限, DESIGN.md §2)."""

    @extend_schema(request=DeadlineExtendInput, responses=s.CaseDetailSerializer, parameters=[IF_MATCH_HEADER])
    def post(self, request, case_id):
        case_id = _case_id(case_id)
        case = selectors.case_get(viewer=request.user, case_id=case_id)
        seen = if_match(request)
        # Role and state before the body, as for the transitions: a refused action reads as 403/409, not 400.
        services.check_extension(case, request.user, seen)
        form = DeadlineExtendInput(data=request.data)
        form.is_valid(raise_exception=True)
        services.case_extend_deadline(case_id=case_id, actor=request.user, seen_version=seen, **form.validated_data)
        case = selectors.case_get(viewer=request.user, case_id=case_id)
        response = Response(s.CaseDetailSerializer(case, context={"request": request}).data)
        response["ETag"] = f'"{case.version}"'
        return response


class RiskView(APIView):
    """Raise the case's risk level after filing (风险升级)."""

    @extend_schema(
        request=s.RiskRaiseInput, parameters=[IF_MATCH_HEADER],
        responses={
            200: s.CaseDetailSerializer,
            400: OpenApiResponse(description="Field errors: `risk_level` unknown, `reason` missing."),
            403: OpenApiResponse(s.ErrorSerializer, description="Only the case's village committee, the township "
                                 "center and the township or county supervisors may raise it."),
            404: OpenApiResponse(s.ErrorSerializer, description="No such case in the caller's jurisdiction."),
            409: OpenApiResponse(s.ErrorSerializer, description="`conflict`: a stale If-Match. `invalid_transition`: "
                                 "the case is closed, or the level is not higher than the case's."),
        },
        description="Raise the risk level (normal → elevated → high), with a reason recorded on the timeline as "
        "`raise_risk`. Raised to `high`, the case is fast-tracked as a high-risk filing is — from `reported` or "
        "`village_mediation` straight to `township_triage` (an automatic `escalate`) — and the township and county "
        "are notified (`high_risk`). A level cannot be lowered.",
    )
    def post(self, request, case_id):
        case_id = _case_id(case_id)
        case = selectors.case_get(viewer=request.user, case_id=case_id)
        seen = _seen_version(request, case)
        # Role and state before the body, as for the transitions: a refused action reads as 403/409, not 400.
        services.check_risk(case, request.user, seen)
        form = s.RiskRaiseInput(data=request.data)
        form.is_valid(raise_exception=True)
        services.case_raise_risk(case_id=case_id, actor=request.user, seen_version=seen, **form.validated_data)
        case = selectors.case_get(viewer=request.user, case_id=case_id)
        response = Response(s.CaseDetailSerializer(case, context={"request": request}).data)
        response["ETag"] = f'"{case.version}"'
        return response


class PartyCodeRevokeView(APIView):
    """Revoke the parties' code (解纷码), and with `reissue` issue a new one."""

    @extend_schema(
        request=s.PartyCodeRevokeInput,
        responses={
            200: s.PartyCodeSerializer,
            403: OpenApiResponse(s.ErrorSerializer, description="Only the case's village committee or township "
                                 "center may revoke its code."),
            404: OpenApiResponse(s.ErrorSerializer, description="No such case in the caller's jurisdiction."),
        },
        description="Revoke the code in force (recorded on the timeline as `party_code_revoked`); from then on "
        "the old code is a 404 on the progress endpoint. With `reissue: true` a new code is issued and returned.",
    )
    def post(self, request, case_id):
        case_id = _case_id(case_id)
        selectors.case_get(viewer=request.user, case_id=case_id)
        form = s.PartyCodeRevokeInput(data=request.data)
        form.is_valid(raise_exception=True)
        code = services.case_revoke_party_code(case_id=case_id, actor=request.user,
                                               reissue=form.validated_data["reissue"])
        return Response({"party_code": code.display if code else None})


class PublicProgressView(APIView):
    """The parties' view of their case's progress, by its code: no sign-in, rate-limited."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "party_code"

    @extend_schema(
        auth=[],
        responses={
            200: s.PublicProgressSerializer,
            404: OpenApiResponse(s.ErrorSerializer, description="Unknown or revoked code."),
            429: OpenApiResponse(description="Too many requests from this client; retry after `Retry-After`."),
        },
        description="Where the case stands, for its parties: nothing personal. The code is case-insensitive, "
        "dashes optional.",
    )
    def get(self, request, party_code):
        return Response(party_progress.progress(party_code).as_dict())


class PublicRatingView(APIView):
    """The parties rate the handling of their closed case with its code: no sign-in, rate-limited.

    No authentication class, so no session and no CSRF check: the request carries nothing but the
    code, which is the credential. It counts against the same per-client rate as the progress GET.
    """

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "party_code"

    @extend_schema(
        auth=[],
        request=s.PublicRatingInput,
        responses={
            201: s.PublicRatingSerializer,
            400: OpenApiResponse(description="Field errors (`satisfaction`, `comment`)."),
            404: OpenApiResponse(s.ErrorSerializer, description="Unknown or revoked code."),
            409: OpenApiResponse(s.ErrorSerializer, description="`case_open`: the case is not closed yet; "
                                 "`already_rated`: this code has rated the case (a rating is not replaced)."),
            429: OpenApiResponse(description="Too many requests from this client; retry after `Retry-After`."),
        },
        description="Once the case is closed, its parties rate the handling (满意 / 基本满意 / 不满意) with an "
        "optional short comment, once per code. Recorded on the case's timeline as `party_rated`, by no one.",
    )
    def post(self, request, party_code):
        form = s.PublicRatingInput(data=request.data)
        form.is_valid(raise_exception=True)
        rating = services.case_rate_by_party(code=party_code, **form.validated_data)
        return Response({"satisfaction": rating.satisfaction, "rated_on": timezone.localdate(rating.rated_at)},
                        status=status.HTTP_201_CREATED)
