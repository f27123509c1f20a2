"""The WebSocket of API.md, `/ws/notifications/`: the unread backlog first, live pushes after.

Messages to the client: `notification` (API.md), and three additions — `synced` `{unread}`
once the unread backlog is out (what the client held before and did not get again has been
read elsewhere meanwhile), `read` `{ids}` when some of the user's notifications were marked
read anywhere (another tab, the REST API, this connection's own `ack`), and `error`
`{detail}` for a message the server could not take. The server closes a connection with code
4403 when the credentials that opened it are revoked: the token it came with, or all the
user's (deactivated, password changed).

A connection has no channel of its own on the channel layer: its process's listener
(flows.realtime) receives each batch of pushes once and puts the user's events in the local
inbox of each of their connections here, which handles them one at a time, in order, as a
channel-layer channel would.
"""
from __future__ import annotations

import asyncio
import contextlib
from urllib.parse import parse_qs

from channels.auth import AuthMiddlewareStack
from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.security.websocket import AllowedHostsOriginValidator
from channels.utils import await_many_dispatch
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.http.cookie import parse_cookie
from django.utils import translation
from django.utils.translation import gettext as _

from casework import tokens
from casework.errors import NotFound
from flows import notifications, realtime, selectors

# The events flows.realtime delivers to a user's connections (their handlers are below).
PUSHED_EVENTS = frozenset({"notification.push", "notification.read", "credentials.revoked"})


def _language(scope) -> str:
    """The language of the handshake (cookie, then Accept-Language), as LocaleMiddleware would pick."""
    request = HttpRequest()
    for name, value in scope.get("headers", []):
        if name == b"accept-language":
            request.META["HTTP_ACCEPT_LANGUAGE"] = value.decode("latin-1")
        elif name == b"cookie":
            request.COOKIES = parse_cookie(value.decode("latin-1"))
    return translation.get_language_from_request(request)


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    # No channel-layer channel per connection: pushes arrive through `inbox` (flows.realtime).
    channel_layer_alias = None

    async def __call__(self, scope, receive, send) -> None:
        """channels' AsyncConsumer.__call__, with the local inbox where a layer channel would be."""
        self.scope, self.channel_layer, self.base_send = scope, None, send
        self.inbox: asyncio.Queue = asyncio.Queue()
        try:
            with contextlib.suppress(StopConsumer):
                await await_many_dispatch([receive, self.inbox.get], self.dispatch)
        finally:  # however the connection ended (a handler that failed too), nothing more for it
            if hasattr(self, "user"):
                realtime.detach(self.user.pk, self.inbox)

    async def dispatch(self, message) -> None:
        # channels runs close_old_connections before each handler, through the one thread that
        # also runs the sync views: for every push to every socket, a wait behind the request
        # that caused it. The pushed events' handlers touch no database, so they skip it.
        if message["type"] in PUSHED_EVENTS:
            await getattr(self, get_handler_name(message))(message)
        else:
            await super().dispatch(message)

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            await self.close()  # before accept: the handshake is refused with HTTP 403
            return
        self.user = user
        self.language = _language(self.scope)
        # Attach before reading the backlog, so nothing committed in between is missed; what
        # arrives both ways is sent once (consumers handle one message at a time, so the
        # pushes wait until the backlog is out).
        await realtime.attach(user.pk, self.inbox)
        await self.accept()
        backlog = await database_sync_to_async(self._backlog)()
        if backlog is None:
            await self.close(code=realtime.REVOKED_CLOSE_CODE)
            return
        self.backlog_ids = {m["id"] for m in backlog}
        for message in backlog:
            await self.send_json(message)
        await self.send_json({"type": "synced", "unread": len(backlog)})

    def _backlog(self) -> list[dict] | None:
        # A revocation committed between the handshake and attaching found nobody here to
        # close: read the credentials again now that this connection is attached.
        if not tokens.credentials_hold(user=self.user, digest=self.scope.get("token_digest")):
            return None
        unread = selectors.notification_list(viewer=self.user, unread=True)
        return [notifications.message(n) for n in unread.iterator(chunk_size=500)]

    async def receive_json(self, content, **kwargs) -> None:
        with translation.override(self.language):
            if not isinstance(content, dict) or content.get("type") != "ack":
                await self.send_json({"type": "error", "detail": _("Unknown message; send {\"type\": \"ack\", \"id\": …}.")})
                return
            notification_id = content.get("id")
            if isinstance(notification_id, bool) or not isinstance(notification_id, int):
                await self.send_json({"type": "error", "detail": _("“id” must be a notification id.")})
                return
            try:
                await database_sync_to_async(self._mark_read)(notification_id)
            except NotFound as refused:
                await self.send_json({"type": "error", "id": notification_id, "detail": refused.detail})

    def _mark_read(self, notification_id: int) -> None:
        with translation.override(self.language):  # another thread: the language goes along
            notifications.notification_mark_read(notification_id=notification_id, actor=self.user)

    @classmethod
    async def decode_json(cls, text_data):
        try:
            return await super().decode_json(text_data)
        except ValueError:
            return None  # answered with an error message, not a dropped connection

    # --- events pushed to this user (flows.notifications, flows.realtime) ---

    async def notification_push(self, event) -> None:
        message = event["message"]
        if message["id"] in self.backlog_ids:
            return  # already sent with the backlog
        await self.send_json(message)

    async def notification_read(self, event) -> None:
        await self.send_json({"type": "read", "ids": event["ids"]})

    async def credentials_revoked(self, event) -> None:
        """The user was deactivated or changed their password (token None), or revoked a token:
        close what those credentials opened."""
        if event["token"] is None or event["token"] == self.scope.get("token_digest"):
            await self.close(code=realtime.REVOKED_CLOSE_CODE)


@database_sync_to_async
def _token_user(key: str):
    return tokens.token_user(key) or AnonymousUser()


class WebSocketAuth:
    """Who is connecting: `?token=` (API token), else the session cookie.

    The session path also checks the Origin against ALLOWED_HOSTS: a cookie is sent by the
    browser whatever page opens the socket (cross-site WebSocket hijacking). A token is not,
    so token clients — tablets, scripts — need no Origin.
    """

    def __init__(self, inner) -> None:
        self.by_token = inner
        self.by_session = AllowedHostsOriginValidator(AuthMiddlewareStack(inner))

    async def __call__(self, scope, receive, send):
        token = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token")
        if token:
            scope = dict(scope, user=await _token_user(token[-1]), token_digest=tokens.token_digest(token[-1]))
            return await self.by_token(scope, receive, send)
        return await self.by_session(scope, receive, send)
