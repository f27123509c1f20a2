"""The statistics endpoint (API.md `GET /api/v1/stats/summary/`)."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from reports import selectors
from reports.api import serializers as s


class SummaryView(APIView):
    @extend_schema(parameters=[s.SummaryInput], responses=s.SummarySerializer)
    def get(self, request):
        form = s.SummaryInput(data=request.query_params)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        summary = selectors.stats_summary(viewer=request.user, region_code=data.get("region"),
                                          start=data["from"], end=data["to"], as_of=data["as_of"])
        return Response(s.SummarySerializer(summary).data)
