"""Notifications as data (issue 4): who hears of what, written in the causing transaction,
pushed through the channel layer only after commit, read state per recipient, and the REST
endpoints of API.md — every read scoped to the caller's own rows in their jurisdiction.

The WebSocket itself, over the network, is tested in tests/integration/test_notifications_ws.py.
"""
from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from actions import services
from actions.tasks import task_assign, task_claim
from casework.errors import InvalidTransition
from casework.models import Case, CaseEvent, Region, RoleAssignment, User
from flows import engine, realtime
from flows.models import Notification
from tests.conftest import bring_to, file_case, user
from tests.flows.helpers import clock_of_case, fire, fire_deadlines, fired, process_of

NOTIFICATIONS = "/api/v1/notifications/"
# 枫桥镇: its center staff (center1, center-330681108) and its supervisor.
FENGQIAO_TOWNSHIP = {"center1", "center-330681108", "super1"}


def heard(case_id: int, kind: str | None = None) -> set[str]:
    rows = Notification.objects.filter(case_id=case_id)
    if kind:
        rows = rows.filter(kind=kind)
    return set(rows.values_list("recipient__username", flat=True))


def kinds(case_id: int) -> list[str]:
    return sorted(set(Notification.objects.filter(case_id=case_id).values_list("kind", flat=True)))


@pytest.fixture
def dianko_supervisor(demo):
    """A township supervisor of 店口镇, the demo county's other township."""
    supervisor = User.objects.create_user("super-dianko", password="x", display_name="店口督导")
    RoleAssignment.objects.create(user=supervisor, role="township_supervisor", region=Region.objects.get(name="店口镇"))
    return supervisor


# --- who hears of what ---

def test_an_escalation_notifies_the_townships_center_staff_and_supervisors_only(demo, dianko_supervisor):
    # given a case of 枫源村 (枫桥镇)
    case = file_case()

    # when its committee head escalates it
    services.case_escalate(case_id=case.pk, actor=user("head1"), reason="村级调解难度大")

    # then the township's center staff and supervisor hear of it, nobody else: not the county,
    # not the other township, not the head who did it
    assert heard(case.pk) == FENGQIAO_TOWNSHIP
    assert kinds(case.pk) == ["escalated"]
    # and each row points at the escalation on the timeline
    escalation = CaseEvent.objects.get(case=case, action="escalate")
    assert set(Notification.objects.filter(case=case).values_list("event", flat=True)) == {escalation.pk}


def test_a_high_risk_filing_alarms_the_township_and_the_county_once(demo, dianko_supervisor):
    # when a grid worker files a high-risk case (it goes straight to township triage)
    case = file_case(risk_level="high")

    # then the township and the county supervisors hear of it as high risk, and not a second
    # time as an escalation
    assert heard(case.pk) == FENGQIAO_TOWNSHIP | {"county1"}
    assert kinds(case.pk) == ["high_risk"]
    assert Notification.objects.filter(case=case, recipient__username="super1").count() == 1


def test_a_normal_filing_notifies_nobody(demo):
    case = file_case()
    assert not Notification.objects.filter(case=case).exists()


def test_a_deadline_warning_reaches_the_township_and_whoever_holds_the_task(demo, api):
    # given a case accepted by head1 for mediator1, whose mediation task mediator1 now holds
    case = file_case()
    fire(api, "head1", case.pk, "accept", {"mediators": ["mediator1"]})
    Notification.objects.all().delete()

    # when the sweep passes the warning moment of the village mediation clock
    deadline = clock_of_case(case.pk)
    assert fired(fire_deadlines(deadline.warn_at))[0] == 1

    # then the township and the mediator hear of it
    assert heard(case.pk, "deadline_warning") == FENGQIAO_TOWNSHIP | {"mediator1"}


def test_a_village_breach_notifies_the_breach_and_the_automatic_escalation(demo):
    case = file_case()
    deadline = clock_of_case(case.pk)

    fire_deadlines(deadline.due_at)

    assert Case.objects.get(pk=case.pk).status == "township_triage"
    assert heard(case.pk, "deadline_breached") == FENGQIAO_TOWNSHIP
    assert heard(case.pk, "escalated") == FENGQIAO_TOWNSHIP
    assert heard(case.pk, "deadline_warning") == FENGQIAO_TOWNSHIP
    assert kinds(case.pk) == ["deadline_breached", "deadline_warning", "escalated"]


def test_a_township_breach_raises_a_supervision_order_to_the_county(demo):
    case = bring_to("township_triage")
    Notification.objects.all().delete()

    fire_deadlines(clock_of_case(case.pk).due_at)

    assert heard(case.pk, "deadline_breached") == FENGQIAO_TOWNSHIP
    assert heard(case.pk, "supervision_order") == FENGQIAO_TOWNSHIP | {"county1"}


def test_accepting_for_another_mediator_notifies_them_but_naming_oneself_does_not(demo):
    named = file_case()
    services.case_accept(case_id=named.pk, actor=user("head1"), mediators=[user("mediator1")])
    assert heard(named.pk) == {"mediator1"} and kinds(named.pk) == ["assigned"]

    own = file_case()
    services.case_accept(case_id=own.pk, actor=user("mediator1"))
    assert heard(own.pk) == set()


def test_assigning_a_task_notifies_the_assignee_and_claiming_notifies_nobody(demo):
    # given two cases waiting for acceptance in 枫源村's queue
    first, second = file_case(), file_case()
    task_of = lambda case: engine.open_stage_task(process_of(case.pk).pk)  # noqa: E731

    # when mediator1 claims one and the head assigns the other to mediator1
    task_claim(task_id=task_of(first).pk, actor=user("mediator1"))
    task_assign(task_id=task_of(second).pk, actor=user("head1"), assignee=user("mediator1"))

    # then only the assignment is a notification, to the assignee
    assert heard(first.pk) == set()
    assert heard(second.pk) == {"mediator1"} and kinds(second.pk) == ["assigned"]


def test_an_inactive_user_is_not_notified(demo):
    User.objects.filter(username="super1").update(is_active=False)
    case = file_case()
    services.case_escalate(case_id=case.pk, actor=user("head1"), reason="村级调解难度大")
    assert heard(case.pk) == FENGQIAO_TOWNSHIP - {"super1"}


# --- same transaction, push after commit ---

def test_a_refused_escalation_leaves_no_notification(demo):
    # given a case already escalated
    case = bring_to("township_triage")
    before = Notification.objects.count()

    # when the head tries again (an invalid transition)
    with pytest.raises(InvalidTransition):
        services.case_escalate(case_id=case.pk, actor=user("head1"), reason="再次上报")

    # then nothing was written
    assert Notification.objects.count() == before


def test_notifications_roll_back_with_the_event_that_caused_them(demo, monkeypatch):
    # given a workflow step that fails after the escalation's event and notifications are written
    case = file_case()

    def broken_follow(case, actor):
        raise RuntimeError("the workflow engine failed")

    monkeypatch.setattr(engine, "follow", broken_follow)

    # when the escalation runs
    with pytest.raises(RuntimeError):
        services.case_escalate(case_id=case.pk, actor=user("head1"), reason="村级调解难度大")

    # then neither the event nor its notifications exist
    assert not CaseEvent.objects.filter(case=case, action="escalate").exists()
    assert not Notification.objects.filter(case=case).exists()


@pytest.mark.django_db(transaction=True)
def test_the_push_goes_through_the_channel_layer_only_after_commit():
    from demo.topology import load_topology

    load_topology()
    layer = get_channel_layer()
    # (a server process's listener: one channel in the fan-out group)
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(realtime.FANOUT_GROUP, channel)
    case = file_case()

    def pending() -> list[dict]:
        messages = []
        while True:
            try:
                messages.append(layer.channels[channel].get_nowait()[1])
            except Exception:
                return messages

    with transaction.atomic():
        services.case_escalate(case_id=case.pk, actor=user("head1"), reason="村级调解难度大")
        row = Notification.objects.get(case=case, recipient__username="super1")
        # persisted, not yet pushed
        assert pending() == []

    # committed: pushed once, one batch for every recipient, each their own row as API.md's message
    [batch] = pending()
    assert batch["type"] == "notifications.batch"
    rows = Notification.objects.filter(case=case)
    assert sorted(recipient for recipient, _ in batch["pushes"]) == sorted(rows.values_list("recipient_id", flat=True))
    [push] = [event for recipient, event in batch["pushes"] if recipient == user("super1").pk]
    assert push["type"] == "notification.push"
    message = push["message"]
    assert message["type"] == "notification" and message["id"] == row.pk and message["kind"] == "escalated"
    assert message["case"]["number"] == case.number
    assert message["case"]["status"] == "township_triage"
    assert message["case"]["region"]["name"] == "枫源村第1网格"

    # and a transaction that rolls back pushes nothing
    other = file_case()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.case_escalate(case_id=other.pk, actor=user("head1"), reason="村级调解难度大")
        raise RuntimeError("rolled back")
    assert pending() == []
    assert not Notification.objects.filter(case=other).exists()
    async_to_sync(layer.group_discard)(realtime.FANOUT_GROUP, channel)


@pytest.mark.django_db(transaction=True)
def test_rows_written_in_bulk_for_several_cases_are_pushed_as_one_batch_after_commit():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from demo.topology import load_topology
    from flows.notifications import case_summary, push_on_commit

    load_topology()
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(realtime.FANOUT_GROUP, channel)
    try:
        cases = [file_case() for _ in range(3)]
        recipients = [user("super1"), user("center1")]
        # given a writer of rows in bulk (a deadline sweep), with the first case's summary at hand
        with transaction.atomic():
            rows = Notification.objects.bulk_create(
                Notification(recipient=who, kind="deadline_warning", case=case, created_at=timezone.now())
                for case in cases for who in recipients)
            rows = list(Notification.objects.filter(pk__in=[r.pk for r in rows]).order_by("pk"))
            at_hand = {cases[0].pk: case_summary(cases[0])}
            with CaptureQueriesContext(connection) as queries:
                push_on_commit(rows, at_hand)
            # the other two cases are read once each (the case, its region), not once per row
            assert len(queries) == 4
            assert channel not in layer.channels  # nothing before commit
        # then one batch: each row to its recipient, with its own case's summary
        batch = layer.channels[channel].get_nowait()[1]
        assert layer.channels[channel].empty()
        assert [(who, event["message"]["id"], event["message"]["case"]["number"]) for who, event in batch["pushes"]] == [
            (row.recipient_id, row.pk, row.case.number) for row in rows]
    finally:
        async_to_sync(layer.group_discard)(realtime.FANOUT_GROUP, channel)


# --- the REST endpoints ---

def _escalated(n: int = 1) -> list[Case]:
    cases = [file_case() for _ in range(n)]
    for case in cases:
        services.case_escalate(case_id=case.pk, actor=user("head1"), reason="村级调解难度大")
    return cases


def test_the_list_shows_only_the_callers_own_notifications_newest_first(demo, api):
    cases = _escalated(2)
    response = api("super1").get(NOTIFICATIONS)
    assert response.status_code == 200
    assert response.data["count"] == 2
    assert [r["case"]["id"] for r in response.data["results"]] == [cases[1].pk, cases[0].pk]
    first = response.data["results"][0]
    assert set(first) == {"type", "id", "kind", "created_at", "read_at", "case"}
    assert set(first["case"]) == {"id", "number", "title", "status", "risk_level", "region"}
    assert first["read_at"] is None
    mine = set(Notification.objects.filter(recipient__username="super1").values_list("pk", flat=True))
    assert {r["id"] for r in response.data["results"]} == mine

    # the county supervisor heard of none of them, and grid1 of nothing at all
    assert api("county1").get(NOTIFICATIONS).data["count"] == 0
    assert api("grid1").get(NOTIFICATIONS).data["count"] == 0
    assert api(None).get(NOTIFICATIONS).status_code == 401


def test_marking_read_is_per_recipient_idempotent_and_filters_unread(demo, api):
    [case] = _escalated(1)
    mine = Notification.objects.get(case=case, recipient__username="super1")
    center = Notification.objects.get(case=case, recipient__username="center1")

    response = api("super1").post(f"{NOTIFICATIONS}{mine.pk}/read/")
    assert response.status_code == 200 and response.data["read_at"] is not None
    first_read = response.data["read_at"]
    assert api("super1").post(f"{NOTIFICATIONS}{mine.pk}/read/").data["read_at"] == first_read

    assert api("super1").get(NOTIFICATIONS, {"unread": "true"}).data["count"] == 0
    assert api("super1").get(NOTIFICATIONS).data["count"] == 1
    # center1's copy of the same notice is still unread
    center.refresh_from_db()
    assert center.read_at is None
    assert api("center1").get(NOTIFICATIONS, {"unread": "true"}).data["count"] == 1


def test_someone_elses_notification_cannot_be_marked_read(demo, api):
    [case] = _escalated(1)
    theirs = Notification.objects.get(case=case, recipient__username="center1")
    for who in ("super1", "county1", "grid2"):
        response = api(who).post(f"{NOTIFICATIONS}{theirs.pk}/read/")
        assert response.status_code == 404, who
    assert api("super1").post(f"{NOTIFICATIONS}abc/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_read_all_marks_the_callers_unread_of_one_kind_or_all(demo, api):
    _escalated(2)
    file_case(risk_level="high")
    assert api("super1").get(NOTIFICATIONS, {"unread": "true"}).data["count"] == 3

    response = api("super1").post(f"{NOTIFICATIONS}read-all/", {"kind": "escalated"}, format="json")
    assert response.status_code == 200 and response.data == {"read": 2}
    unread = api("super1").get(NOTIFICATIONS, {"unread": "true"}).data
    assert [r["kind"] for r in unread["results"]] == ["high_risk"]

    assert api("super1").post(f"{NOTIFICATIONS}read-all/", {}, format="json").data == {"read": 1}
    assert api("center1").get(NOTIFICATIONS, {"unread": "true"}).data["count"] == 3


@pytest.mark.parametrize("query", [{"unread": "maybe"}, {"kind": "birthday"}])
def test_bad_filters_get_a_400_with_the_field(demo, api, query):
    response = api("super1").get(NOTIFICATIONS, query)
    assert response.status_code == 400
    assert set(query) <= set(response.data)


def test_read_all_with_an_unknown_kind_is_refused(demo, api):
    _escalated(1)
    response = api("super1").post(f"{NOTIFICATIONS}read-all/", {"kind": "birthday"}, format="json")
    assert response.status_code == 400
    assert api("super1").get(NOTIFICATIONS, {"unread": "true"}).data["count"] == 1


def test_a_supervisor_moved_out_of_the_township_no_longer_sees_its_notifications(demo, api):
    # given super1 heard of an escalation in 枫桥镇
    _escalated(1)
    assert api("super1").get(NOTIFICATIONS).data["count"] == 1

    # when super1 is moved to 店口镇
    RoleAssignment.objects.filter(user__username="super1").update(region=Region.objects.get(name="店口镇"))

    # then the old township's notifications are out of their sight, list and read alike
    assert api("super1").get(NOTIFICATIONS).data["count"] == 0
    row = Notification.objects.get(recipient__username="super1")
    assert api("super1").post(f"{NOTIFICATIONS}{row.pk}/read/").status_code == 404
    # and the refused read left the row unread
    row.refresh_from_db()
    assert row.read_at is None


def test_the_admin_lists_notifications_read_only(demo):
    from django.test import Client

    [case] = _escalated(1)
    client = Client()
    client.force_login(user("admin"))
    listing = client.get("/admin/flows/notification/", {"kind": "escalated"})
    assert listing.status_code == 200 and case.number in listing.content.decode()
    row = Notification.objects.filter(case=case).first()
    rows_before = list(Notification.objects.order_by("pk").values())
    assert client.get(f"/admin/flows/notification/{row.pk}/change/").status_code == 200
    assert client.post(f"/admin/flows/notification/{row.pk}/change/", {"kind": "assigned"}).status_code == 403
    assert client.get("/admin/flows/notification/add/").status_code == 403
    # and the refused change left every notification as it was
    assert list(Notification.objects.order_by("pk").values()) == rows_before
    row.refresh_from_db()
    assert row.kind == "escalated"
