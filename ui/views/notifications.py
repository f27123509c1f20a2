"""The viewer's notifications (通知), for every role: the list, and marking them read.

Only ever the viewer's own rows (flows.selectors.notification_list takes the viewer); another
user's notification id is a 404, as in the API.
"""
from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from casework.errors import NotFound
from flows import notifications, selectors
from ui.access import page_for
from ui.views.common import safe_next

PAGE_SIZE = 25


@page_for("ui:notifications")
def notification_list(request):
    """Newest first; the unread ones marked, each with its case and a way to mark it read."""
    rows = selectors.notification_list(viewer=request.user).select_related("case").order_by("-id")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "ui/notifications.html", {
        "page": page, "unread": selectors.notification_list(viewer=request.user, unread=True).count(),
    })


@page_for("ui:notifications")
@require_POST
def notification_read(request, notification_id: int):
    try:
        notifications.notification_mark_read(notification_id=notification_id, actor=request.user)
    except NotFound:
        raise Http404("No such notification.")
    return redirect(safe_next(request, reverse("ui:notifications")))


@page_for("ui:notifications")
@require_POST
def notifications_read_all(request):
    count = notifications.notifications_mark_all_read(actor=request.user)
    messages.success(request, _("Marked %(count)d notifications as read.") % {"count": count})
    return redirect(safe_next(request, reverse("ui:notifications")))
