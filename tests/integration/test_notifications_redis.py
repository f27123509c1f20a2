"""The scale configuration: several ASGI server processes share one county through Redis
(channels-redis). An escalation made through one process reaches a supervisor connected to
another, and so does a live push of every kind to every recipient wherever they are connected.

Two real `manage.py serve --no-workers` processes, on the test database, with REDIS_URL and a
channel-layer prefix of their own (so parallel runs sharing the Redis cannot cross).
"""
from __future__ import annotations

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


def test_one_publish_reaches_more_recipients_than_the_layers_connection_pool_holds(redis_url):
    # given 300 users' groups on channels-redis, configured as the settings configure it, each
    # with one connection's channel in it
    import asyncio

    from channels_redis.core import RedisChannelLayer

    from config.settings.base import redis_channel_layer
    from flows import realtime

    layer = RedisChannelLayer(**redis_channel_layer(redis_url, prefix=f"test-{uuid.uuid4().hex}")["CONFIG"])

    async def scenario() -> int:
        channels = [await layer.new_channel() for _ in range(300)]
        groups = [realtime.user_group(10_000 + i) for i in range(300)]
        for group, channel in zip(groups, channels, strict=True):
            await layer.group_add(group, channel)
        # when one publish sends to all 300 at once (an escalation in a big county)
        await realtime._send_all(layer, [(g, {"type": "notification.push", "message": {"id": i}})
                                         for i, g in enumerate(groups)])
        # then every channel has its message
        got = [await asyncio.wait_for(layer.receive(channel), 30) for channel in channels]
        await layer.flush()
        await layer.close_pools()
        return sorted(m["message"]["id"] for m in got) == list(range(300))

    assert asyncio.run(scenario())
