"""Error responses: product pages in zh-hans for people, the API's JSON for anything under /api/.

Django calls these for errors no view answered itself (config/urls.py `handler400` …, and
`CSRF_FAILURE_VIEW`); DRF's views answer their own errors (config/rest/errors.py) in the same
shape, `{"code", "detail"}`. The 500 page renders without the request: no context processor
runs, nothing reads the database, which may be what failed.
"""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.csrf import requires_csrf_token

from config.rest.errors import error_body


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def api_error(code: str, detail: str, *, status: int) -> JsonResponse:
    # UTF-8 as DRF writes it, not \u escapes.
    return JsonResponse(error_body(code, detail), status=status, json_dumps_params={"ensure_ascii": False})


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return api_error("bad_request", _("Bad request."), status=400)
    return defaults.bad_request(request, exception, template_name="ui/errors/400.html")


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return api_error("permission_denied", _("You do not have permission to perform this action."), status=403)
    return defaults.permission_denied(request, exception, template_name="ui/errors/403.html")


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return api_error("not_found", _("Not found."), status=404)
    return defaults.page_not_found(request, exception, template_name="ui/errors/404.html")


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    if is_api(request):
        return api_error("server_error", _("A server error occurred."), status=500)
    return defaults.server_error(request, template_name="ui/errors/500.html")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without a valid CSRF token: usually a page left open past its session."""
    if is_api(request):
        return api_error("permission_denied", _("CSRF Failed: %s") % reason, status=403)
    page = loader.get_template("ui/errors/403.html").render(
        {"detail": _("The form has expired: go back, reload the page and send it again.")}, request)
    return HttpResponse(page, status=403)
