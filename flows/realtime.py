"""Pushing to WebSocket clients: one channel-layer message per batch, fanned out in each process.

Services call `publish()` from `transaction.on_commit`, so a push never announces a row that
was rolled back, and a failed push loses nothing: the row is there, and the client gets it
with its unread backlog when it reconnects.

A batch — the pushes one `notify()` made, `[(recipient id, event), …]` — is one `group_send`
to `FANOUT_GROUP`, whatever the number of recipients. Each server process has one listener
(`Listener`): a channel of the layer, in that group, whose messages it hands to the open
connections of this process, by user id (`attach`). So an escalation to 200 supervisors on
two server processes costs one layer message, received once by each process, instead of 200
group sends of a few Redis round trips each. Each connection still handles its messages one
at a time, in order, from its own local inbox (flows.consumers).

The listener starts with the server (ASGI lifespan startup) or with its first connection (a
server that does not speak lifespan), and re-joins the group before channels-redis's
`group_expiry` drops it. It works the same on every layer: the in-memory one (the embedded
default, one process), channels-redis's core layer and its pub/sub layer.

The in-memory layer keeps its queues in the event loop of the server that holds the
connections; touching them from another thread — a request thread, a timer job beside the
server — would not wake that loop. So the server registers its loop at lifespan startup, and
pushes made outside it are handed to that loop. With Redis the same path is taken in a server
process; a process without a server (`run_workers`, tests) sends through its own short-lived
loop, and so does a request thread of a server that does not speak lifespan (runserver's
daphne), which asgiref takes back to its server's loop.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer

log = logging.getLogger(__name__)

# The group every server process's listener joins: a batch sent to it reaches each process once.
FANOUT_GROUP = "notifications.fanout"
# channels-redis drops a channel from its groups after `group_expiry` (a day by default); a
# server runs longer than that, so its listener re-joins hourly.
GROUP_REFRESH_SECONDS = 3600
# How long a connection waits for its process's listener to join the group (the layer is
# down): then the handshake fails and the client retries, rather than miss pushes silently.
LISTENER_READY_TIMEOUT = 15.0

# The close code of a connection whose credentials were revoked (API.md, WebSocket): the
# client signs in again rather than reconnecting with what it holds.
REVOKED_CLOSE_CODE = 4403

_server_loop: asyncio.AbstractEventLoop | None = None


def close_revoked(sender, *, user_id: int, token: str | None, **kwargs) -> None:
    """`casework.tokens.credentials_revoked` (sent on commit): close the user's connections that
    the revoked token opened, or all of them (password changed, user deactivated), in every
    server process."""
    publish([(user_id, {"type": "credentials.revoked", "token": token})])


# --- the sending side: any thread of any process ---

async def _send(layer, message: dict) -> None:
    try:
        await layer.group_send(FANOUT_GROUP, message)
    except Exception as exc:
        # Rows are saved: the recipients get them on reconnect. Say how many, never what.
        log.warning("a push to %d recipient(s) failed: %r", len(message["pushes"]), exc)


def _report(future) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.warning("push failed: %r", future.exception())


def publish(pushes: Iterable[tuple[int, dict]]) -> None:
    """Send one batch of (recipient user id, event) to every server process; best effort, never raises.

    Each event is a channel-layer message for flows.consumers.NotificationConsumer (`type`
    names its handler); it reaches each of the recipient's open connections once.
    """
    batch = [(int(getattr(recipient, "pk", recipient)), event) for recipient, event in pushes]
    layer = get_channel_layer()
    if not batch or layer is None:
        return
    if isinstance(layer, InMemoryChannelLayer) and not layer.groups.get(FANOUT_GROUP):
        # Only this process's connections can be reached, and no listener is here (a timer
        # sweep in its own process, the test suite).
        return
    message = {"type": "notifications.batch", "pushes": batch}
    loop = _server_loop
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    try:
        if loop is not None and loop.is_running():
            if running is loop:
                loop.create_task(_send(layer, message))
            else:
                asyncio.run_coroutine_threadsafe(_send(layer, message), loop).add_done_callback(_report)
        else:
            # A request thread of a server without lifespan (runserver's daphne) is taken back to
            # its server's loop by asgiref; elsewhere this runs on a loop of its own.
            async_to_sync(_send)(layer, message)
    except Exception:  # a push is best effort; the caller's transaction has committed
        log.exception("push failed")


# --- the receiving side: one listener per server process (per event loop) ---

class Listener:
    """This process's member of FANOUT_GROUP: hands each batch to the local connections it names.

    Lives in one event loop, the server's; connections of that loop `attach` their inbox.
    """

    def __init__(self, layer) -> None:
        self.layer = layer
        self.loop = asyncio.get_running_loop()
        self.inboxes: dict[int, set[asyncio.Queue]] = {}
        self.channel: str | None = None
        self.joined = asyncio.Event()
        self.task = self.loop.create_task(self._run())

    def alive(self) -> bool:
        return not self.task.done() and not self.loop.is_closed()

    async def _run(self) -> None:
        refresher = None
        pause = 0.5
        try:
            while True:
                try:
                    if self.channel is None:
                        self.channel = await self.layer.new_channel()
                    await self.layer.group_add(FANOUT_GROUP, self.channel)
                    self.joined.set()
                    if refresher is None:
                        refresher = asyncio.create_task(self._stay_in_group())
                    pause = 0.5
                    while True:
                        self.deliver(await self.layer.receive(self.channel))
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    # The layer is unreachable (Redis restarting): what is pushed meanwhile is
                    # lost to the push, not to the clients, who get it with their backlog; new
                    # connections wait for the group again (or fail, and their client retries).
                    self.joined.clear()
                    log.warning("notification listener: channel layer failed, retrying: %r", exc)
                    await asyncio.sleep(pause)
                    pause = min(pause * 2, 10.0)
        finally:
            if refresher is not None:
                refresher.cancel()

    async def _stay_in_group(self) -> None:
        while True:
            await asyncio.sleep(GROUP_REFRESH_SECONDS)
            with contextlib.suppress(Exception):  # the receive loop notices a dead layer and retries
                await self.layer.group_add(FANOUT_GROUP, self.channel)

    def deliver(self, message: dict) -> None:
        if message.get("type") != "notifications.batch":
            return
        for user_id, event in message["pushes"]:
            for inbox in self.inboxes.get(user_id, ()):
                inbox.put_nowait(event)

    async def stop(self) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task
        if self.channel is not None:
            with contextlib.suppress(Exception):
                await self.layer.group_discard(FANOUT_GROUP, self.channel)


_listener: Listener | None = None


async def listening() -> Listener:
    """This loop's listener, started if need be, once it has joined FANOUT_GROUP."""
    global _listener
    listener = _listener
    if listener is None or not listener.alive() or listener.loop is not asyncio.get_running_loop():
        listener = _listener = Listener(get_channel_layer())
    await asyncio.wait_for(listener.joined.wait(), LISTENER_READY_TIMEOUT)
    return listener


async def attach(user_id: int, inbox: asyncio.Queue) -> None:
    """Deliver the user's pushes to `inbox` from now on (a connection of this loop that opened)."""
    listener = await listening()
    listener.inboxes.setdefault(user_id, set()).add(inbox)


def detach(user_id: int, inbox: asyncio.Queue) -> None:
    """Stop delivering to `inbox` (its connection closed)."""
    listener = _listener
    if listener is None:
        return
    inboxes = listener.inboxes.get(user_id)
    if inboxes is not None:
        inboxes.discard(inbox)
        if not inboxes:
            del listener.inboxes[user_id]


async def lifespan(scope, receive, send) -> None:
    """ASGI lifespan: remember the server's event loop while it serves, and listen from the start."""
    global _server_loop, _listener
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            _server_loop = asyncio.get_running_loop()
            try:
                await listening()
            except Exception as exc:  # the layer is down: connections start the listener again
                log.warning("notification listener not started: %r", exc)
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            if _server_loop is asyncio.get_running_loop():
                _server_loop = None
            if _listener is not None and _listener.loop is asyncio.get_running_loop():
                await _listener.stop()
                _listener = None
            await send({"type": "lifespan.shutdown.complete"})
            return
