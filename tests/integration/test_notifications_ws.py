"""`/ws/notifications/` over the network (API.md, DESIGN.md §6 "a notification is persisted
before it is pushed; a supervisor who reconnects receives what they missed").

Real `websockets` clients against config.asgi.application under uvicorn (tests/live.py), on
the embedded default's in-memory channel layer; cases are escalated through the live HTTP
API by the committee head, as in production. To show that something did *not* arrive
without waiting on a clock, a test makes a later event the client must get and checks that
it comes next.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from casework.models import Region, RoleAssignment, User
from flows.models import Notification
from tests.conftest import file_case, user
from tests.live import LiveASGIServer, request

WAIT = 20.0  # seconds a client waits for a message that must come; never an assertion on time


@pytest.fixture
def server(transactional_db):
    from demo.topology import load_topology

    load_topology()
    with LiveASGIServer() as live:
        yield live


def receive(conn) -> dict:
    return json.loads(conn.recv(timeout=WAIT))


@contextlib.contextmanager
def ws(server, *, token: str | None = None, **kwargs):
    """A connection whose unread backlog has been read, up to the server's `synced`: `.backlog`."""
    query = f"?token={token}" if token else ""
    with connect(f"{server.ws_url}/ws/notifications/{query}", proxy=None, open_timeout=WAIT, **kwargs) as conn:
        backlog = []
        while (message := receive(conn))["type"] == "notification":
            backlog.append(message)
        assert message == {"type": "synced", "unread": len(backlog)}
        conn.backlog = backlog
        yield conn


def escalate(server, token, case_id: int, reason: str = "村级调解难度大") -> None:
    reply = request("POST", f"{server.url}/api/v1/cases/{case_id}/transitions/escalate/",
                    token=token("head1"), json_body={"reason": reason})
    assert reply.status == 200, reply.body


def escalate_in_dianko(server, token) -> int:
    """A case of 店口镇 escalated by its village head, through the API."""
    case = file_case("grid2")
    head = RoleAssignment.objects.get(role="committee_head", region=case.region.parent).user.username
    reply = request("POST", f"{server.url}/api/v1/cases/{case.pk}/transitions/escalate/",
                    token=token(head), json_body={"reason": "村级调解难度大"})
    assert reply.status == 200, reply.body
    return case.pk


def test_a_supervisor_receives_escalations_of_their_township_and_never_of_another(server, token):
    # given super1 (枫桥镇) and a supervisor of 店口镇, both connected
    dianko = User.objects.create_user("super-dianko", password="x")
    RoleAssignment.objects.create(user=dianko, role="township_supervisor", region=Region.objects.get(name="店口镇"))
    with ws(server, token=token("super1")) as fengqiao_client, ws(server, token=token("super-dianko")) as dianko_client:
        # when a case of 店口镇 is escalated, then one of 枫桥镇
        dianko_case = escalate_in_dianko(server, token)
        case = file_case()
        escalate(server, token, case.pk)

        # then super1's next message is 枫桥镇's escalation, as API.md describes it — 店口镇's never came
        message = receive(fengqiao_client)
        row = Notification.objects.get(recipient__username="super1", case=case)
        assert message == {
            "type": "notification", "id": row.pk, "kind": "escalated", "created_at": message["created_at"],
            "case": {"id": case.pk, "number": case.number, "title": case.title, "status": "township_triage",
                     "risk_level": "normal", "region": {"code": case.region.code, "name": case.region.name,
                                                         "level": "grid", "path": case.region.path}},
        }
        # and 店口镇's supervisor got 店口镇's escalation first, then nothing of 枫桥镇: the next
        # thing they hear is a second escalation of their own township
        assert receive(dianko_client)["case"]["id"] == dianko_case
        later = escalate_in_dianko(server, token)
        assert receive(dianko_client)["case"]["id"] == later


@pytest.mark.parametrize("credentials", ["none", "wrong", "empty", "inactive", "expired"])
def test_anonymous_wrong_inactive_or_expired_token_connections_are_refused(server, token, credentials, settings):
    key = {"none": None, "wrong": "0" * 40, "empty": "", "inactive": token("super1"), "expired": token("super1")}[credentials]
    if credentials == "inactive":
        User.objects.filter(username="super1").update(is_active=False)
    if credentials == "expired":
        issued = timezone.now() - dt.timedelta(days=settings.API_TOKEN_TTL_DAYS, seconds=1)
        Token.objects.filter(key=key).update(created=issued)
    url = f"{server.ws_url}/ws/notifications/" + ("" if key is None else f"?token={key}")
    with pytest.raises(InvalidStatus) as refused:
        connect(url, proxy=None, open_timeout=WAIT)
    assert refused.value.response.status_code == 403


def test_a_browser_session_connects_from_the_sites_own_origin_only(server):
    # given super1's session cookie, as the board's browser holds it
    client = Client()
    client.force_login(user("super1"))
    cookie = f"sessionid={client.cookies['sessionid'].value}"

    # when the page of this site opens the socket, it is accepted
    with ws(server, additional_headers={"Cookie": cookie}, origin=server.url) as conn:
        case = file_case(risk_level="high")
        assert receive(conn)["case"]["id"] == case.pk

    # and when another site's page tries it with the same cookie (cross-site hijacking), or a
    # client sends the cookie without saying where it comes from, it is refused
    for origin in ("http://evil.example", None):
        with pytest.raises(InvalidStatus) as refused, ws(server, additional_headers={"Cookie": cookie}, origin=origin):
            pass
        assert refused.value.response.status_code == 403


def test_a_client_disconnected_during_three_escalations_gets_all_three_once_on_reconnect(server, token):
    # given super1 connected, with nothing unread
    with ws(server, token=token("super1")) as conn:
        first = file_case()
        escalate(server, token, first.pk)
        seen = receive(conn)
        conn.send(json.dumps({"type": "ack", "id": seen["id"]}))
        assert receive(conn) == {"type": "read", "ids": [seen["id"]]}

    # when three escalations happen while the tablet is asleep
    missed = [file_case() for _ in range(3)]
    for case in missed:
        escalate(server, token, case.pk)

    # then on reconnect the three arrive first, oldest first, each once
    with ws(server, token=token("super1")) as conn:
        backlog = conn.backlog
        assert [m["case"]["id"] for m in backlog] == [c.pk for c in missed]
        assert len({m["id"] for m in backlog}) == 3
        # and what comes next is the next live event, not a repeat
        later = file_case()
        escalate(server, token, later.pk)
        assert receive(conn)["case"]["id"] == later.pk


def test_an_ack_marks_read_for_every_open_connection_of_the_user_and_the_backlog(server, token):
    # given super1 on two tablets, and an escalation both received
    with ws(server, token=token("super1")) as one, ws(server, token=token("super1")) as two:
        case = file_case()
        escalate(server, token, case.pk)
        message = receive(one)
        assert receive(two)["id"] == message["id"]

        # when one tablet acknowledges it
        one.send(json.dumps({"type": "ack", "id": message["id"]}))

        # then both hear that it is read, and the row says so
        assert receive(one) == receive(two) == {"type": "read", "ids": [message["id"]]}
        assert Notification.objects.get(pk=message["id"]).read_at is not None

    # and a new connection's backlog no longer holds it: its first message is the next event
    with ws(server, token=token("super1")) as conn:
        later = file_case()
        escalate(server, token, later.pk)
        assert receive(conn)["case"]["id"] == later.pk


def test_bad_messages_get_an_error_and_the_connection_stays_open(server, token):
    case = file_case()
    escalate(server, token, case.pk)
    center_row = Notification.objects.get(recipient__username="center1", case=case)
    with ws(server, token=token("super1"), additional_headers={"Accept-Language": "en"}) as conn:
        [mine] = conn.backlog
        for bad in ("not json", json.dumps({"type": "subscribe"}), json.dumps({"type": "ack", "id": "1"}),
                    json.dumps({"type": "ack", "id": True}), json.dumps([1, 2])):
            conn.send(bad)
            reply = receive(conn)
            assert reply["type"] == "error" and reply["detail"], bad
        # someone else's notification is not super1's to mark read
        conn.send(json.dumps({"type": "ack", "id": center_row.pk}))
        assert receive(conn) == {"type": "error", "id": center_row.pk, "detail": "No such notification."}
        # and the connection still works
        conn.send(json.dumps({"type": "ack", "id": mine["id"]}))
        assert receive(conn) == {"type": "read", "ids": [mine["id"]]}
    center_row.refresh_from_db()
    assert center_row.read_at is None
    # (in Chinese unless the client asks otherwise)
    with ws(server, token=token("super1")) as conn:
        conn.send(json.dumps({"type": "ack", "id": center_row.pk}))
        assert receive(conn)["detail"] == "提醒不存在。"


def test_a_mark_read_through_the_rest_api_reaches_the_open_board(server, token):
    case = file_case()
    with ws(server, token=token("super1")) as conn:
        escalate(server, token, case.pk)
        message = receive(conn)
        reply = request("POST", f"{server.url}/api/v1/notifications/{message['id']}/read/", token=token("super1"))
        assert reply.status == 200
        assert receive(conn) == {"type": "read", "ids": [message["id"]]}


def test_a_deadline_fired_by_a_timer_job_beside_the_server_is_pushed(server, token):
    # given super1 connected, and a case whose acceptance clock is due
    from flows.timers import fire_due

    case = file_case()
    due = case.deadlines.get(ended_at__isnull=True).due_at
    with ws(server, token=token("super1")) as conn:
        # when the timer job (a thread outside the server's event loop, as in `serve`) fires it
        fire_due(as_of=due)

        # then the warning, the breach and the automatic escalation arrive, in that order
        assert [receive(conn)["kind"] for _ in range(3)] == ["deadline_warning", "deadline_breached", "escalated"]


def closed_with(conn) -> int:
    """Wait for the server to close the connection; the close code it sent."""
    with pytest.raises(ConnectionClosed) as closed:
        receive(conn)
    return closed.value.rcvd.code


def test_a_deactivated_users_open_connections_are_closed(server, token):
    # given super1 connected twice: a tablet by token, the board by its session cookie
    client = Client()
    client.force_login(user("super1"))
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    with ws(server, token=token("super1")) as tablet, \
            ws(server, additional_headers={"Cookie": cookie}, origin=server.url) as board, \
            ws(server, token=token("county1")) as colleague:
        # when an administrator deactivates super1
        super1 = user("super1")
        super1.is_active = False
        super1.save()

        # then both connections are closed by the server, with the code of revoked credentials
        assert closed_with(tablet) == 4403
        assert closed_with(board) == 4403
        # and a colleague's connection stays open: the next escalation reaches it
        case = file_case(risk_level="high")
        assert receive(colleague)["case"]["id"] == case.pk


def test_a_password_change_closes_the_users_open_connections(server, token):
    with ws(server, token=token("super1")) as tablet:
        super1 = user("super1")
        super1.set_password("a-new-long-password")
        super1.save()
        assert closed_with(tablet) == 4403


def test_revoking_a_token_closes_the_connections_it_opened_and_no_other(server, token):
    # given super1 connected by token, and by session on the board
    key = token("super1")
    client = Client()
    client.force_login(user("super1"))
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    with ws(server, token=key) as tablet, ws(server, additional_headers={"Cookie": cookie}, origin=server.url) as board:
        # when super1 revokes that token through the API
        assert request("DELETE", f"{server.url}/api/v1/auth/token/", token=key).status == 204

        # then the tablet's connection is closed, and the board's stays open
        assert closed_with(tablet) == 4403
        case = file_case(risk_level="high")
        assert receive(board)["case"]["id"] == case.pk
