"""Template helpers: the navigation for the viewer's roles, badges, countdowns, form fields."""
from __future__ import annotations

from django import forms, template
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from casework import permissions as perms
from flows import selectors as flow_selectors
from ui import access
from ui.views import preferences

register = template.Library()

NAV = (
    # access.PAGES key, label, the URL when it is not the page's own (reverse(key))
    ("ui:my_cases", _("My cases"), None),
    ("ui:file_case", _("File a case"), None),
    ("ui:inbox", _("Inbox"), None),
    ("ui:triage", _("Triage"), None),
    ("ui:board", _("Supervision board"), None),
    ("ui:overview", _("County overview"), None),
    ("ui:search", _("Case search"), None),
    ("ui:monthly_reports", _("Monthly reports"), None),
    ("ui:stats", _("Statistics"), None),
    ("ui:flow", _("Flow chart"), None),
    ("flow-bpmn", _("BPMN export"), lambda: reverse("flow-chart") + "?format=bpmn"),
    ("api-docs", _("API docs"), None),
)


@register.simple_tag(takes_context=True)
def ui_nav(context) -> list[dict]:
    """The menu: the pages whose job is one of the viewer's roles (ui/access.py), and only those."""
    request = context["request"]
    items = []
    for page, label, url in NAV:
        if access.may_open(request.user, page):
            href = url() if url else reverse(page)
            items.append({"url": href, "label": label, "active": request.path == href,
                          "download": "dispute-flow.bpmn" if page == "flow-bpmn" else ""})
    return items


@register.simple_tag(takes_context=True)
def may_open(context, page: str) -> bool:
    """Whether the viewer's roles work `page` (ui/access.py), e.g. to offer the offline filing app."""
    return access.may_open(context["request"].user, page)


@register.simple_tag(takes_context=True)
def unread_count(context) -> int:
    """The bell's number: the viewer's unread notifications (0 for a page without a signed-in user)."""
    user = context["request"].user
    if not user.is_authenticated:
        return 0
    return flow_selectors.notification_list(viewer=user, unread=True).count()


@register.simple_tag(takes_context=True)
def text_size(context) -> str:
    """The reader's text size (ui/views/preferences.py), for the class on <html>."""
    return preferences.text_size_of(context["request"])


@register.simple_tag
def text_sizes() -> list[tuple[str, str]]:
    return list(zip(preferences.SIZES, TEXT_SIZE_LABELS, strict=True))


TEXT_SIZE_LABELS = (_("Standard"), _("Large"), _("Extra large"))


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
