"""Pushing to WebSocket clients through the channel layer, from any thread of any process.

Services call `publish()` from `transaction.on_commit`, so a push never announces a row that
was rolled back, and a failed push loses nothing: the row is there, and the client gets it
with its unread backlog when it reconnects.

The in-memory channel layer (the embedded default) keeps its queues in the event loop of the
server that holds the connections; touching them from another thread — a request thread, a
timer job beside the server — would not wake that loop. So the server registers its loop at
ASGI lifespan startup (`lifespan` below), and pushes made outside it are handed to that loop.
With Redis the same path is taken in a server process; a process without a server
(`run_workers`, tests) sends through its own short-lived loop, and so does a request thread
of a server that does not speak lifespan (runserver's daphne), which asgiref takes back to
its server's loop.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer

log = logging.getLogger(__name__)

_server_loop: asyncio.AbstractEventLoop | None = None


def user_group(user_id: int) -> str:
    """The channel-layer group of one user's open connections (one per tab or tablet)."""
    return f"notifications.user.{user_id}"


# The close code of a connection whose credentials were revoked (API.md, WebSocket): the
# client signs in again rather than reconnecting with what it holds.
REVOKED_CLOSE_CODE = 4403


def close_revoked(sender, *, user_id: int, token: str | None, **kwargs) -> None:
    """`casework.tokens.credentials_revoked` (sent on commit): close the user's connections that
    the revoked token opened, or all of them (password changed, user deactivated)."""
    publish([(user_group(user_id), {"type": "credentials.revoked", "token": token})])


# Group sends in flight at once for one publish: with Redis each is a few round trips, and
# one escalation can reach a county's worth of supervisors, but the layer's connection pool
# is bounded (redis-py: 100 per process), and exhausting it fails the sends beyond it.
CONCURRENT_SENDS = 16


async def _send_all(layer, pushes: list[tuple[str, dict]]) -> None:
    slots = asyncio.Semaphore(CONCURRENT_SENDS)

    async def send(group: str, message: dict) -> None:
        async with slots:
            await layer.group_send(group, message)

    results = await asyncio.gather(*(send(group, message) for group, message in pushes), return_exceptions=True)
    failures = [r for r in results if isinstance(r, BaseException)]
    if failures:
        # Rows are saved: the recipients get them on reconnect. Say how many, never what.
        log.warning("%d of %d pushes failed: %r", len(failures), len(pushes), failures[0])


def _report(future) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.warning("push failed: %r", future.exception())


def publish(pushes: Iterable[tuple[str, dict]]) -> None:
    """Send each (group, message) through the channel layer; best effort, never raises."""
    pushes = list(pushes)
    layer = get_channel_layer()
    if isinstance(layer, InMemoryChannelLayer):
        # Only this process's connections can be reached: skip groups nobody here has joined
        # (a timer sweep in its own process, the test suite).
        pushes = [(group, message) for group, message in pushes if layer.groups.get(group)]
    if not pushes or layer is None:
        return
    loop = _server_loop
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    try:
        if loop is not None and loop.is_running():
            if running is loop:
                loop.create_task(_send_all(layer, pushes))
            else:
                asyncio.run_coroutine_threadsafe(_send_all(layer, pushes), loop).add_done_callback(_report)
        else:
            # A request thread of a server without lifespan (runserver's daphne) is taken back to
            # its server's loop by asgiref; elsewhere this runs on a loop of its own.
            async_to_sync(_send_all)(layer, pushes)
    except Exception:  # a push is best effort; the caller's transaction has committed
        log.exception("push failed")


async def lifespan(scope, receive, send) -> None:
    """ASGI lifespan: remember the server's event loop while it serves."""
    global _server_loop
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            _server_loop = asyncio.get_running_loop()
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            if _server_loop is asyncio.get_running_loop():
                _server_loop = None
            await send({"type": "lifespan.shutdown.complete"})
            return
