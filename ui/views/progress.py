"""The parties' page (/p/<code>/): their case's progress by its code (解纷码), without signing in,
and, once the case is closed, their rating of the handling.

The same facts as GET /api/v1/public/progress/{code}/, in Chinese, on a bare page (no menu),
counted against the same per-client rate as the API: guessing through the page is no cheaper.
The rating form is an ordinary form with Django's CSRF token (the page is a browser's).
"""
from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from rest_framework.throttling import ScopedRateThrottle

from actions import services
from casework.errors import InvalidInput, NotFound, Refused
from mediation import progress as party_progress
from ui.forms.rating import PartyRatingForm


class _Scope:
    throttle_scope = "party_code"  # the API's scope: one count per client across page and API


def _too_many(request) -> HttpResponse | None:
    """A 429 when this client has looked up too many codes lately, else None (and the look-up counted)."""
    throttle = ScopedRateThrottle()
    if throttle.allow_request(request, _Scope()):
        return None
    wait = throttle.wait()
    response = HttpResponse(_("Too many look-ups from this address. Please try again in a minute."),
                            status=429, content_type="text/plain; charset=utf-8")
    if wait is not None:
        response["Retry-After"] = str(int(wait) + 1)
    return response


def _page(request, code: str, *, form: PartyRatingForm | None = None, refusal: str = "", status: int = 200):
    try:
        facts = party_progress.progress(code)
    except NotFound:
        raise Http404("No case has this code.")
    return render(request, "ui/progress.html", {
        "progress": facts, "code": code, "form": form or PartyRatingForm(),
        "refusal": refusal, "rated": request.GET.get("rated") == "1",
    }, status=status)


@never_cache
def progress_page(request, code: str):
    with translation.override("zh-hans"):
        return _too_many(request) or _page(request, code)


@never_cache
@require_POST
def progress_rating(request, code: str):
    """The rating posted from the page: once per code, after the close; the page again with why if refused."""
    with translation.override("zh-hans"):
        if (refused := _too_many(request)) is not None:
            return refused
        form = PartyRatingForm(request.POST)
        if not form.is_valid():
            return _page(request, code, form=form, status=400)
        try:
            services.case_rate_by_party(code=code, **form.cleaned_data)
        except NotFound:
            raise Http404("No case has this code.")
        except InvalidInput as exc:
            for field, errors in exc.fields.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
            return _page(request, code, form=form, status=400)
        except Refused as exc:
            return _page(request, code, refusal=exc.detail, status=exc.status)
        return redirect(reverse("ui:progress", args=[code]) + "?rated=1#rating")
