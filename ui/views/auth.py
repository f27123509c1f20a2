"""Signing in and out, and the landing page each role starts from."""
from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from ui import selectors


class LoginView(auth_views.LoginView):
    template_name = "ui/login.html"
    redirect_authenticated_user = True

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        form.fields["username"].widget.attrs.update({"autocapitalize": "none", "autocomplete": "username"})
        form.fields["password"].widget.attrs.update({"autocomplete": "current-password"})
        return form


def locked_out(request, *args):
    """django-axes' lockout response (AXES_LOCKOUT_CALLABLE), for /login/ and the admin's sign-in:
    a page that says to wait or to ask an administrator, 429 with Retry-After."""
    cool_off = int(settings.AXES_COOLOFF_TIME.total_seconds())
    response = render(request, "ui/locked_out.html", {"minutes": cool_off // 60}, status=429)
    response["Retry-After"] = str(cool_off)
    return response


class LogoutView(auth_views.LogoutView):
    next_page = "ui:login"


@login_required
def home(request):
    """Grid worker → their cases; mediator / head → inbox; center → triage; supervisor → board;
    administrator → county overview."""
    name = selectors.home_url_name(request.user)
    if name is None:
        return render(request, "ui/no_role.html")
    return redirect(name)
