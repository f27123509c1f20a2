"""Signing in and out, and the landing page each role starts from."""
from __future__ import annotations

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
