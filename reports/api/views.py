"""The statistics and ledger endpoints (API.md `GET /api/v1/stats/summary/`,
`GET /api/v1/reports/ledger/`)."""
from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import BinaryIO
from urllib.parse import quote

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from reports import ledgers, selectors
from reports.api import serializers as s

CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
FILE_BLOCK = 64 * 1024


class SummaryView(APIView):
    @extend_schema(parameters=[s.SummaryInput], responses=s.SummarySerializer)
    def get(self, request):
        form = s.SummaryInput(data=request.query_params)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        summary = selectors.stats_summary(viewer=request.user, region_code=data.get("region"),
                                          start=data["from"], end=data["to"], as_of=data["as_of"])
        return Response(s.SummarySerializer(summary).data)


class ErrorsAsJSON(DefaultContentNegotiation):
    """Here `?format=` is the ledger's file format, not DRF's renderer override
    (URL_FORMAT_OVERRIDE), which would answer 404 for `xlsx`. The ledger itself is a file
    response that is not rendered; what is rendered — a 400, 401/403 or 404 — is always JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class LedgerView(APIView):
    """台账: the ledger of a region and range as an xlsx or CSV file, streamed, recorded before it
    is sent (reports.exports), personal data masked for those who do not handle cases."""

    renderer_classes = [JSONRenderer]
    content_negotiation_class = ErrorsAsJSON

    @extend_schema(
        parameters=[s.LedgerInput],
        responses={
            (200, CONTENT_TYPES["xlsx"]): OpenApiResponse(OpenApiTypes.BINARY, description="The ledger as xlsx."),
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY, description="The ledger as CSV (UTF-8, BOM)."),
        },
    )
    def get(self, request):
        form = s.LedgerInput(data=request.query_params)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        ledger, file_format = ledgers.LEDGERS[data["kind"]], data["format"]
        scope = selectors.ledger_scope(viewer=request.user, region_code=data.get("region"),
                                       start=data["from"], end=data["to"])
        ledgers.record_ledger_export(user=request.user, ledger=ledger, scope=scope, file_format=file_format)
        if file_format == "xlsx":
            file = ledgers.xlsx_file(ledger, scope)
            size = file.seek(0, 2)
            file.seek(0)
            response = StreamingHttpResponse(_served(request, _blocks(file)), content_type=CONTENT_TYPES["xlsx"])
            response["Content-Length"] = str(size)
        else:
            response = StreamingHttpResponse(_served(request, ledgers.csv_chunks(ledger, scope)),
                                             content_type=CONTENT_TYPES["csv"])
        response["Content-Disposition"] = attachment(ledger.filename(scope, file_format),
                                                     fallback=f"ledger-{ledger.kind}.{file_format}")
        response["Cache-Control"] = "private, no-store"
        return response


def attachment(filename: str, *, fallback: str) -> str:
    """Content-Disposition for a download with a Chinese file name (RFC 6266 / RFC 5987), with a
    plain ASCII name for clients that do not read `filename*`."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _blocks(file: BinaryIO) -> Iterator[bytes]:
    try:
        while block := file.read(FILE_BLOCK):
            yield block
    finally:
        file.close()


def _served(request, chunks: Iterator[bytes]) -> Iterator[bytes] | AsyncIterator[bytes]:
    """The body as the server wants it, so that it is sent piece by piece, never held whole.

    Under WSGI, the iterator itself. Under ASGI, Django would first read a synchronous iterator
    to the end into a list (StreamingHttpResponse.__aiter__); so it is pulled one piece at a time
    in the request's own thread (thread-sensitive), where its database cursor lives.
    """
    if not isinstance(getattr(request, "_request", request), ASGIRequest):
        return chunks
    return _pulled(chunks)


async def _pulled(chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
    pull = sync_to_async(next, thread_sensitive=True)
    end = object()
    try:
        while (chunk := await pull(chunks, end)) is not end:
            yield chunk
    finally:
        await sync_to_async(chunks.close, thread_sensitive=True)()
