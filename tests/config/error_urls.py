"""The project's URLs plus views that fail on purpose, for the error-page tests only."""
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.urls import path
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny

from config.urls import *  # noqa: F403 — the handlers (handler404 …) come with the URLs
from config.urls import urlpatterns as project_urlpatterns


def boom(request):
    raise RuntimeError("a bug in a page")


def forbidden(request):
    raise PermissionDenied


@api_view(["GET"])
@permission_classes([AllowAny])
def api_boom(request):
    raise RuntimeError("a bug in an endpoint")


def api_plain_post(request):
    """A plain Django view under /api/ (CSRF-checked by the middleware, unlike DRF's views)."""
    return HttpResponse("ok")


def broken_context_processor(request):
    raise RuntimeError("a context processor that needs the database, which is down")


urlpatterns = [
    path("test-errors/boom/", boom),
    path("test-errors/forbidden/", forbidden),
    path("api/v1/test-errors/boom/", api_boom),
    path("api/v1/test-errors/post/", api_plain_post),
    *project_urlpatterns,
]
