"""One error shape for the API: 400 → field errors; 403/404/409/503 → {"code", "detail"}."""
from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from casework.errors import InvalidInput, Refused
from config.database_busy import RETRY_AFTER, busy_json, is_database_locked
from search.query import SearchUnavailable


def error_body(code: str, detail: str) -> dict:
    """The body of every API error but field errors (400 from a serializer)."""
    return {"code": code, "detail": detail}


def exception_handler(exc, context):
    if isinstance(exc, SearchUnavailable):
        # The search engine is down or busy: say when to come back; nothing else is affected.
        return Response({"code": "search_unavailable", "detail": _("Search is unavailable for the moment; try again shortly.")},
                        status=status.HTTP_503_SERVICE_UNAVAILABLE, headers={"Retry-After": str(exc.retry_after)})
    if is_database_locked(exc):
        # Still locked after the busy timeout: nothing was written; the client sends it again.
        return Response(busy_json(), status=status.HTTP_503_SERVICE_UNAVAILABLE, headers={"Retry-After": str(RETRY_AFTER)})
    if isinstance(exc, Refused):
        if isinstance(exc, InvalidInput):
            body = exc.fields or {"detail": exc.detail}
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        return Response({"code": exc.code, "detail": exc.detail}, status=exc.status)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, (exceptions.APIException, Http404)) and response.status_code != 400:
        if isinstance(response.data, dict) and "detail" in response.data:
            code = getattr(exc, "default_code", "not_found") if not isinstance(exc, Http404) else "not_found"
            if isinstance(exc, exceptions.APIException):
                codes = exc.get_codes()
                code = codes if isinstance(codes, str) else code
            response.data["code"] = code
    return response
