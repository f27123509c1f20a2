"""Template helpers: the navigation for the viewer's roles, badges, countdowns, form fields."""
from __future__ import annotations

from django import forms, template
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from casework import permissions as perms
from casework.choices import Role
from ui import selectors
from ui.views import monthly
from ui.views.stats import STATS_ROLES

register = template.Library()

NAV = (
    # url name, label, shown to holders of any of these roles (None: everyone signed in)
    ("ui:my_cases", _("My cases"), {Role.GRID_WORKER}),
    ("ui:file_case", _("File a case"), perms.FILING_ROLES),
    ("ui:inbox", _("Inbox"), {Role.MEDIATOR, Role.COMMITTEE_HEAD, Role.CENTER_STAFF}),
    ("ui:triage", _("Triage"), {Role.CENTER_STAFF, Role.ADMIN}),
    ("ui:board", _("Supervision board"), {Role.CENTER_STAFF, Role.ADMIN, *selectors.SUPERVISORS}),
    ("ui:overview", _("County overview"), {Role.ADMIN, Role.COUNTY_SUPERVISOR}),
    ("ui:search", _("Case search"), set(Role.values)),
    ("ui:monthly_reports", _("Monthly reports"), monthly.READERS),
    ("ui:stats", _("Statistics"), STATS_ROLES),
)


@register.simple_tag(takes_context=True)
def ui_nav(context) -> list[dict]:
    request = context["request"]
    roles = selectors.role_set(request.user)
    items = []
    for name, label, allowed in NAV:
        if roles & set(allowed):
            url = reverse(name)
            items.append({"url": url, "label": label, "active": request.path == url})
    return items


@register.simple_tag(takes_context=True)
def ui_roles(context) -> str:
    """“调解员 · 枫源村”: the viewer's roles, as the header shows them."""
    request = context["request"]
    return "；".join(f"{ra.get_role_display()} · {ra.region.name}" for ra in perms.roles_of(request.user))


@register.inclusion_tag("ui/includes/countdown.html")
def countdown_badge(countdown, show_due: bool = True, show_reason: bool = True) -> dict:
    return {"cd": countdown, "show_due": show_due, "show_reason": show_reason}


@register.inclusion_tag("ui/includes/risk.html")
def risk_badge(case) -> dict:
    return {"case": case}


@register.inclusion_tag("ui/includes/status.html")
def status_badge(case) -> dict:
    return {"case": case}


@register.inclusion_tag("ui/includes/field.html")
def field(bound_field) -> dict:
    widget = bound_field.field.widget
    return {
        "f": bound_field,
        "choice_list": isinstance(widget, (forms.RadioSelect, forms.CheckboxSelectMultiple)),
        "hidden": bound_field.is_hidden,
    }
