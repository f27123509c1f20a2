"""The reader's text size (适老化): standard, large or extra large, kept in a cookie.

The cookie is read when the page is rendered (ui_tags.text_size_class), so the first paint is
already at the chosen size, with or without JavaScript.
"""
from __future__ import annotations

from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from ui.views.common import safe_next

COOKIE = "fq_text_size"
SIZES = ("standard", "large", "xlarge")
ONE_YEAR = 365 * 24 * 3600


def text_size_of(request) -> str:
    size = request.COOKIES.get(COOKIE, "")
    return size if size in SIZES else SIZES[0]


@require_POST
def text_size(request):
    """Remember the size asked for (an unknown one means standard), back to the page it came from."""
    size = request.POST.get("size", "")
    response = redirect(safe_next(request, "/"))
    response.set_cookie(COOKIE, size if size in SIZES else SIZES[0], max_age=ONE_YEAR, samesite="Lax",
                        secure=request.is_secure(), httponly=True)
    return response
