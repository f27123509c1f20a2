"""What every page view shares: the visible case or a 404, a safe way back."""
from __future__ import annotations

from django.http import Http404, HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

from casework import selectors
from casework.errors import NotFound
from casework.models import Case


def visible_case(request: HttpRequest, case_id: int) -> Case:
    """The case with its timeline, or 404 when it lies outside the viewer's jurisdiction."""
    try:
        return selectors.case_get(viewer=request.user, case_id=case_id)
    except NotFound:
        raise Http404("No such case.")


def safe_next(request: HttpRequest, default: str) -> str:
    """The page a form came from (`next`), if it is one of ours; else the default."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()},
                                                     require_https=request.is_secure()):
        return candidate
    return default
