"""A database that stays locked is a 503 with Retry-After, never a 500.

On SQLite every write waits for the one write lock (IMMEDIATE transactions, the busy timeout of
config/settings/base.py); a writer still waiting when the timeout runs out fails with
`database is locked`. Nothing was written then — each service is one transaction — so the
honest answer is "busy, send it again shortly": JSON on /api/ (DRF's views answer through
config.rest.errors; this middleware answers for the rest), a page in the UI.

What this middleware sees is what a view raises; an error in another middleware (a session
saved on the way out) is beyond its reach.
"""
from __future__ import annotations

import logging

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)

# Seconds a client is told to wait: the lock is held for one transaction at a time (milliseconds),
# so a few seconds is plenty once the queue that outlasted the busy timeout has drained.
RETRY_AFTER = 5
LOCKED_MESSAGES = ("database is locked", "database table is locked")


def is_database_locked(exc: BaseException) -> bool:
    return isinstance(exc, OperationalError) and any(m in str(exc).lower() for m in LOCKED_MESSAGES)


def busy_detail() -> str:
    return _("The system is busy: nothing was saved. Please send it again in a few seconds.")


def busy_json() -> dict:
    return {"code": "database_busy", "detail": busy_detail()}


def busy_response(request: HttpRequest) -> HttpResponse:
    """The 503 for this request: JSON under /api/, else the page (which reads nothing from the database)."""
    if request.path.startswith("/api/"):
        response = JsonResponse(busy_json(), status=503, json_dumps_params={"ensure_ascii": False})
    else:
        response = HttpResponse(render_to_string("errors/database_busy.html", {"retry_after": RETRY_AFTER}, request),
                                status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    return response


class DatabaseBusyMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_database_locked(exception):
            return None
        log.warning("database locked past the busy timeout: 503 for %s %s", request.method, request.path)
        return busy_response(request)
