"""The scale configuration: several ASGI server processes share one county through Redis
(channels-redis). An escalation made through one process reaches a supervisor connected to
another, and so does a live push of every kind to every recipient wherever they are connected,
including those of a process without a server (a timer worker). A batch of notifications is one
channel-layer send, whatever the number of recipients and of server processes.

Two real `manage.py serve --no-workers` processes, on the test database, with REDIS_URL and a
channel-layer prefix of their own (so parallel runs sharing the Redis cannot cross).
"""
from __future__ import annotations

import contextlib
import json
import uuid

import pytest
from websockets.sync.client import connect

from flows.models import Notification
from tests.conftest import file_case, user
from tests.live import request
from tests.processes import ServerProcess, worker_env

WAIT = 30.0


@pytest.fixture(params=["core", "pubsub"])
def two_servers(request, transactional_db, tmp_path, redis_url):
    """Two server processes on one Redis, with each of channels-redis's layers (CHANNEL_LAYER_BACKEND)."""
    from demo.topology import load_topology

    load_topology()
    env = worker_env(tmp_path) | {"REDIS_URL": redis_url, "CHANNEL_LAYER_PREFIX": f"test-{uuid.uuid4().hex}",
                                  "CHANNEL_LAYER_BACKEND": request.param}
    with ServerProcess(env) as a, ServerProcess(env) as b:
        yield a, b


def token(username: str) -> str:
    from rest_framework.authtoken.models import Token

    return Token.objects.get_or_create(user=user(username))[0].key


def listen(server, username: str):
    return connect(f"{server.ws_url}/ws/notifications/?token={token(username)}", proxy=None, open_timeout=WAIT)


def receive(conn) -> dict:
    return json.loads(conn.recv(timeout=WAIT))


def test_an_escalation_made_through_process_a_reaches_a_client_connected_to_process_b(two_servers):
    a, b = two_servers
    # given super1 connected to B, and center1 to A
    with listen(b, "super1") as on_b, listen(a, "center1") as on_a:
        assert receive(on_b) == receive(on_a) == {"type": "synced", "unread": 0}
        # when head1 escalates a case through A's API
        case = file_case()
        reply = request("POST", f"{a.url}/api/v1/cases/{case.pk}/transitions/escalate/",
                        token=token("head1"), json_body={"reason": "村级调解难度大"})
        assert reply.status == 200, reply.body

        # then super1 hears of it on B, and center1 on A: each their own row
        to_b, to_a = receive(on_b), receive(on_a)
        assert (to_b["kind"], to_b["case"]["id"]) == (to_a["kind"], to_a["case"]["id"]) == ("escalated", case.pk)
        assert to_b["id"] == Notification.objects.get(case=case, recipient__username="super1").pk
        assert to_a["id"] == Notification.objects.get(case=case, recipient__username="center1").pk

        # and an ack sent to B marks it read for super1's tablet on A too
        with listen(a, "super1") as super1_on_a:
            # (A's connection joined after the push: it got it in its backlog)
            assert receive(super1_on_a)["id"] == to_b["id"]
            assert receive(super1_on_a) == {"type": "synced", "unread": 1}
            on_b.send(json.dumps({"type": "ack", "id": to_b["id"]}))
            assert receive(on_b) == receive(super1_on_a) == {"type": "read", "ids": [to_b["id"]]}


def test_a_client_reconnecting_to_the_other_process_gets_what_it_missed(two_servers):
    a, b = two_servers
    # given super1 was connected to A, then the network dropped
    with listen(a, "super1") as conn:
        assert receive(conn) == {"type": "synced", "unread": 0}
    # when two cases are escalated through B meanwhile
    cases = [file_case(), file_case(risk_level="high")]
    request("POST", f"{b.url}/api/v1/cases/{cases[0].pk}/transitions/escalate/",
            token=token("head1"), json_body={"reason": "村级调解难度大"})

    # then reconnecting — the load balancer picks B this time — brings both, in order
    with listen(b, "super1") as conn:
        received = [receive(conn) for _ in range(2)]
        assert receive(conn) == {"type": "synced", "unread": 2}
    assert [(m["kind"], m["case"]["id"]) for m in received] == [("high_risk", cases[1].pk), ("escalated", cases[0].pk)]


IDLE = 8  # seconds: longer than channels-redis's blocking read (5 s) and redis-py 8's default socket timeout (5 s)


def test_an_idle_connection_outlives_the_layers_blocking_read(two_servers):
    # given super1 connected to B and nothing happening for a while (a board on a wall at night)
    a, b = two_servers
    with listen(b, "super1") as conn:
        assert receive(conn) == {"type": "synced", "unread": 0}
        with pytest.raises(TimeoutError):
            conn.recv(timeout=IDLE)  # nothing arrives, and the server must not drop the socket

        # when a case is escalated through A
        case = file_case()
        reply = request("POST", f"{a.url}/api/v1/cases/{case.pk}/transitions/escalate/",
                        token=token("head1"), json_body={"reason": "村级调解难度大"})
        assert reply.status == 200, reply.body

        # then it still arrives on the same connection
        assert receive(conn)["case"]["id"] == case.pk


def test_deadlines_fired_by_a_process_without_a_server_reach_clients_of_both_servers(two_servers):
    import subprocess
    import sys

    from tests.processes import ROOT

    a, b = two_servers
    # given a case whose acceptance clock is due, super1 connected to A and center1 to B
    case = file_case()
    due = case.deadlines.get(ended_at__isnull=True).due_at
    with listen(a, "super1") as on_a, listen(b, "center1") as on_b:
        assert receive(on_a) == receive(on_b) == {"type": "synced", "unread": 0}
        # when a timer worker of its own (no server: `run_workers`' job) fires it
        done = subprocess.run([sys.executable, "manage.py", "fire_deadlines", "--as-of", due.isoformat()],
                              cwd=ROOT, env=a.env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr

        # then both hear the warning, the breach and the automatic escalation, in order, once
        for conn, name in ((on_a, "super1"), (on_b, "center1")):
            got = [receive(conn) for _ in range(3)]
            assert [m["kind"] for m in got] == ["deadline_warning", "deadline_breached", "escalated"]
            assert [m["id"] for m in got] == list(
                Notification.objects.filter(case=case, recipient__username=name).order_by("pk").values_list("pk", flat=True))


@pytest.mark.parametrize("backend", ["core", "pubsub"])
def test_one_batch_to_more_recipients_than_the_layers_connection_pool_holds_reaches_each(redis_url, backend):
    # given a listener on channels-redis, configured as the settings configure it, and 300
    # users each with one open connection's inbox in this process
    import asyncio

    from django.utils.module_loading import import_string

    from config.settings.base import redis_channel_layer
    from flows import realtime

    config = redis_channel_layer(redis_url, prefix=f"test-{uuid.uuid4().hex}", backend=backend)

    async def scenario() -> list[int]:
        listener = realtime.Listener(import_string(config["BACKEND"])(**config["CONFIG"]))
        await listener.joined.wait()
        inboxes = [asyncio.Queue() for _ in range(300)]
        for i, inbox in enumerate(inboxes):
            listener.inboxes[10_000 + i] = {inbox}
        # when one publish sends a batch to all 300 at once (an escalation in a big county)
        await realtime._send(listener.layer, {"type": "notifications.batch", "pushes": [
            (10_000 + i, {"type": "notification.push", "message": {"id": i}}) for i in range(300)]})
        # then every inbox has its message (a batch is delivered at once: nothing more follows)
        got = [(await asyncio.wait_for(inbox.get(), WAIT))["message"]["id"] for inbox in inboxes]
        assert all(inbox.empty() for inbox in inboxes)
        await listener.stop()
        return got

    assert asyncio.run(scenario()) == list(range(300))


class LayerSends:
    """Count the channel layer's sends under one prefix, as Redis sees them (MONITOR), across
    every process: a group send is a ZRANGE of the group's key on channels-redis's core layer,
    a send a ZCOUNT of the channel's key; on its pub/sub layer, each is one PUBLISH."""

    def __init__(self, redis_url: str, prefix: str) -> None:
        import threading

        import redis

        self.client = redis.Redis.from_url(redis_url)
        self.prefix, self.commands = prefix, []
        self.done = f"monitor-done-{uuid.uuid4().hex}"
        self.monitor = self.client.monitor().__enter__()  # once MONITOR said OK: watching from here on
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def _watch(self) -> None:
        while self.done not in (command := (seen := self.monitor.next_command())["command"]):
            if self.prefix in command and seen["client_type"] != "lua":  # not those a script ran
                self.commands.append(command)

    def stop(self) -> dict[str, int]:
        self.client.echo(self.done)
        self.thread.join(WAIT)
        self.monitor.__exit__(None, None, None)
        self.client.close()
        verbs = [c.split(" ", 2) for c in self.commands]
        return {
            "group_send": sum(v == "ZRANGE" and ":group:" in key or v == "PUBLISH" and "__group__" in key
                              for v, key, *_ in verbs),
            "send": sum(v == "ZCOUNT" or v == "PUBLISH" and "__group__" not in key for v, key, *_ in verbs),
        }


def test_a_batch_to_many_recipients_on_two_processes_is_one_layer_send_and_reaches_each_once(
        two_servers, redis_url):
    from casework.models import Region, RoleAssignment, User

    a, b = two_servers
    # given eight more supervisors of 枫桥镇, four connected to A and four to B, and super1
    # on both (a tablet and the board)
    township = Region.objects.get(name="枫桥镇")
    names = []
    for i in range(8):
        supervisor = User.objects.create_user(f"super-extra-{i}", password="x")
        RoleAssignment.objects.create(user=supervisor, role="township_supervisor", region=township)
        names.append(supervisor.username)
    with contextlib.ExitStack() as stack:
        sockets = [(name, stack.enter_context(listen(server, name)))
                   for name, server in [*((n, (a, b)[i % 2]) for i, n in enumerate(names)), ("super1", a), ("super1", b)]]
        for _, conn in sockets:
            assert receive(conn) == {"type": "synced", "unread": 0}
        case, later = file_case(), file_case()

        # when head1 escalates a case through A, Redis watching
        sends = LayerSends(redis_url, a.env["CHANNEL_LAYER_PREFIX"])
        reply = request("POST", f"{a.url}/api/v1/cases/{case.pk}/transitions/escalate/",
                        token=token("head1"), json_body={"reason": "村级调解难度大"})
        assert reply.status == 200, reply.body
        got = [receive(conn) for _, conn in sockets]
        counted = sends.stop()

        # then every connection has its user's own row, and the whole batch was one group send
        rows = dict(Notification.objects.filter(case=case).values_list("recipient__username", "pk"))
        assert len(rows) >= len(names) + 2  # and the demo's center staff, who are not connected
        assert [(m["case"]["id"], m["id"]) for m in got] == [(case.pk, rows[name]) for name, _ in sockets]
        assert counted == {"group_send": 1, "send": 0}

        # and each connection got it once: its next message is the next escalation's
        request("POST", f"{b.url}/api/v1/cases/{later.pk}/transitions/escalate/",
                token=token("head1"), json_body={"reason": "村级调解难度大"})
        assert [receive(conn)["case"]["id"] for _, conn in sockets] == [later.pk] * len(sockets)
