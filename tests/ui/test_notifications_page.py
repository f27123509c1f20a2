"""The notifications page (通知) and the header's bell, for every role: the viewer's own rows only,
newest first, unread marked, each linking to its case; marking one or all read."""
from __future__ import annotations

import re

from casework.choices import Status
from flows.models import Notification
from tests.conftest import bring_to, user
from tests.ui.conftest import Browser


def bell_count(html: str) -> int:
    return int(re.search(r'<span class="count" data-unread>(\d+)</span>', html).group(1))


def test_the_bell_and_the_list_show_the_viewers_own_notifications(demo):
    # given two escalated cases of 枫桥镇: its center staff and township supervisor are told of each
    first, second = bring_to(Status.TOWNSHIP_TRIAGE), bring_to(Status.TOWNSHIP_TRIAGE)
    center, supervisor, grid = Browser("center1"), Browser("super1"), Browser("grid1")

    # when the center staff opens any page, the bell counts their two unread notifications
    assert bell_count(center.get("/triage/").html) == 2

    # and the list shows them newest first, unread marked, each linking to its case
    page = center.get("/notifications/")
    assert page.status == 200
    ids = [int(i) for i in re.findall(r'data-notification-id="(\d+)"', page.html)]
    own = list(Notification.objects.filter(recipient=user("center1")).order_by("-id").values_list("pk", flat=True))
    assert ids == own and len(ids) == 2
    assert page.html.index(f'href="/cases/{second.pk}/"') < page.html.index(f'href="/cases/{first.pk}/"')
    assert page.html.count('class="notification unread"') == 2 and "未读" in page.text

    # and a grid worker, told of nothing, has an empty list and a bell at zero
    assert bell_count(grid.get("/my-cases/").html) == 0
    assert "暂无通知" in grid.get("/notifications/").text
    # and the supervisor's list holds only the supervisor's own rows
    theirs = set(Notification.objects.filter(recipient=user("super1")).values_list("pk", flat=True))
    shown = {int(i) for i in re.findall(r'data-notification-id="(\d+)"', supervisor.get("/notifications/").html)}
    assert shown == theirs and not shown & set(own)


def test_marking_read_is_the_viewers_own_business(demo):
    # given an escalated case, of which the center staff and the supervisor are told
    bring_to(Status.TOWNSHIP_TRIAGE)
    center, supervisor = Browser("center1"), Browser("super1")
    mine = Notification.objects.get(recipient=user("center1"))
    theirs = Notification.objects.get(recipient=user("super1"))

    # when the supervisor tries to mark the center staff's notification read (a forged form)
    page = supervisor.get("/notifications/")
    form = page.form(f"/notifications/{theirs.pk}/read/")
    form.action = f"/notifications/{mine.pk}/read/"
    refused = supervisor.submit(form)

    # then it does not exist for them, and it stays unread
    assert refused.status == 404
    mine.refresh_from_db()
    assert mine.read_at is None

    # when the center staff marks it read with the page's form
    page = center.submit(center.get("/notifications/").form(f"/notifications/{mine.pk}/read/"))

    # then it is read, no longer marked, the bell at zero; the supervisor's stays unread
    assert page.url == "/notifications/" and bell_count(page.html) == 0
    assert 'class="notification unread"' not in page.html
    theirs.refresh_from_db()
    assert theirs.read_at is None and bell_count(supervisor.get("/board/").html) == 1


def test_mark_all_read(demo):
    # given three notifications of the supervisor
    for _ in range(3):
        bring_to(Status.TOWNSHIP_TRIAGE)
    supervisor = Browser("super1")
    assert bell_count(supervisor.get("/board/").html) == 3

    # when they press “全部标为已读”
    page = supervisor.submit(supervisor.get("/notifications/").form("/notifications/read-all/"))

    # then all are read, and the center staff's are untouched
    assert bell_count(page.html) == 0 and "已将 3 条通知标为已读" in page.messages[0]
    assert Notification.objects.filter(recipient=user("center1"), read_at__isnull=True).count() == 3


def test_marking_read_wants_a_post_with_the_csrf_token(demo):
    bring_to(Status.TOWNSHIP_TRIAGE)
    supervisor = Browser("super1")
    row = Notification.objects.get(recipient=user("super1"))
    assert supervisor.client.get(f"/notifications/{row.pk}/read/").status_code == 405
    assert supervisor.client.post(f"/notifications/{row.pk}/read/").status_code == 403  # no CSRF token
    row.refresh_from_db()
    assert row.read_at is None


def test_the_list_is_paginated(demo):
    # given thirty notifications of the supervisor
    case = bring_to(Status.TOWNSHIP_TRIAGE)
    first = Notification.objects.get(recipient=user("super1"))
    Notification.objects.bulk_create(
        Notification(recipient=first.recipient, kind=first.kind, case=case, created_at=first.created_at)
        for _ in range(29))
    supervisor = Browser("super1")

    # then the first page shows 25, the second the 5 oldest, the very first among them
    assert supervisor.get("/notifications/").html.count("data-notification-id=") == 25
    second = supervisor.get("/notifications/?page=2").html
    assert second.count("data-notification-id=") == 5 and f'data-notification-id="{first.pk}"' in second
