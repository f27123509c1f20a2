"""The monthly reports endpoints (API.md `GET /api/v1/reports/monthly/`, and our `…/monthly/list/`)."""
from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from reports import monthly_form, selectors
from reports.api import serializers as s
from reports.exports import record_export
from reports.models import ExportKind

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class XlsxRenderer(BaseRenderer):
    """`?format=xlsx`: the view hands over the workbook's bytes, written as they are."""

    media_type = XLSX
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class MonthlyReportView(APIView):
    """The stored monthly report of a region and month; `format=xlsx` downloads it (recorded)."""

    renderer_classes = [JSONRenderer, XlsxRenderer]

    def perform_content_negotiation(self, request, force=False):
        try:
            return super().perform_content_negotiation(request, force)
        except Http404:  # DRF's answer to a `format` no renderer has
            raise serializers.ValidationError({"format": [_("Choose json or xlsx.")]})

    def handle_exception(self, exc):
        # Errors are JSON, even when the caller asked for the workbook.
        response = super().handle_exception(exc)
        self.request.accepted_renderer, self.request.accepted_media_type = JSONRenderer(), "application/json"
        return response

    @extend_schema(
        parameters=[s.MonthlyInput, OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "xlsx"])],
        responses={200: s.MonthlyReportSerializer, (200, XLSX): OpenApiResponse(OpenApiTypes.BINARY)},
    )
    def get(self, request):
        form = s.MonthlyInput(data=request.query_params)
        form.is_valid(raise_exception=True)
        report = selectors.monthly_report(viewer=request.user, region_code=form.validated_data.get("region"),
                                          month=form.validated_data["month"])
        if request.accepted_renderer.format == XlsxRenderer.format:
            # On record before the first byte leaves (reports.exports). No personal data in it.
            record_export(user=request.user, kind=ExportKind.MONTHLY_REPORT, format="xlsx", region=report.region,
                          params={"region": report.region.code, "month": report.month}, masked=True)
            name = f"monthly-report-{report.region.code}-{report.month}.xlsx"
            return Response(monthly_form.xlsx(report), content_type=XLSX,
                            headers={"Content-Disposition": f'attachment; filename="{name}"'})
        return Response(s.MonthlyReportSerializer(report_data(report)).data)


def report_data(report) -> dict:
    return {"region": selectors.region_data(report.region), "month": report.month, "zero_report": report.zero_report,
            "generated_at": report.generated_at, "as_of": report.as_of, "digest": report.digest,
            "figures": report.figures}


class MonthlyReportListView(ListAPIView):
    """The stored monthly reports of a region and the regions under it, in the caller's jurisdiction."""

    serializer_class = s.MonthlyReportRow

    @extend_schema(parameters=[s.MonthlyListInput])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        form = s.MonthlyListInput(data=self.request.query_params)
        form.is_valid(raise_exception=True)
        return selectors.monthly_reports(viewer=self.request.user, region_code=form.validated_data.get("region"),
                                         month=form.validated_data.get("month"))

    def get_serializer(self, *args, **kwargs):
        if args:
            args = ([{"id": r.pk, **report_data(r)} for r in args[0]], *args[1:])
        return super().get_serializer(*args, **kwargs)
