"""The parties' page (/p/<code>/): their case's progress by its code (解纷码), without signing in.

The same six facts as GET /api/v1/public/progress/{code}/, in Chinese, on a bare page (no menu),
counted against the same per-client rate as the API: guessing through the page is no cheaper.
"""
from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from rest_framework.throttling import ScopedRateThrottle

from casework.errors import NotFound
from mediation import progress as party_progress


class _Scope:
    throttle_scope = "party_code"  # the API's scope: one count per client across page and API


@never_cache
def progress_page(request, code: str):
    with translation.override("zh-hans"):
        throttle = ScopedRateThrottle()
        if not throttle.allow_request(request, _Scope()):
            wait = throttle.wait()
            response = HttpResponse(_("Too many look-ups from this address. Please try again in a minute."),
                                    status=429, content_type="text/plain; charset=utf-8")
            if wait is not None:
                response["Retry-After"] = str(int(wait) + 1)
            return response
        try:
            facts = party_progress.progress(code)
        except NotFound:
            raise Http404("No case has this code.")
        return render(request, "ui/progress.html", {"progress": facts})
