"""The WebSocket consumer reads its credentials again once it has joined the user's group: a
revocation committed between the handshake and the join (its close message found nobody in
the group) still closes the connection."""
from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from rest_framework.authtoken.models import Token

from casework import tokens
from flows.consumers import NotificationConsumer
from tests.conftest import user


async def open_as(scope_user, digest: str | None) -> WebsocketCommunicator:
    """A connection whose handshake resolved `scope_user` (and, by token, `digest`)."""
    communicator = WebsocketCommunicator(NotificationConsumer.as_asgi(), "/ws/notifications/")
    communicator.scope.update(user=scope_user, token_digest=digest)
    connected, _ = await communicator.connect(timeout=20)
    assert connected
    return communicator


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
@pytest.mark.parametrize("revocation", ["token_revoked", "deactivated", "password_changed"])
async def test_credentials_revoked_before_the_join_close_the_connection(demo, revocation):
    # given super1 resolved by the handshake from their token
    super1 = await sync_to_async(user)("super1")
    token = await sync_to_async(lambda: Token.objects.get_or_create(user=super1)[0])()

    # when the credentials go before the consumer joins the group
    if revocation == "token_revoked":
        await sync_to_async(tokens.token_revoke)(token=token)
    elif revocation == "deactivated":
        await sync_to_async(lambda: type(super1).objects.filter(pk=super1.pk).update(is_active=False))()
    else:
        await sync_to_async(lambda: type(super1).objects.filter(pk=super1.pk).update(password="changed"))()
    communicator = await open_as(super1, tokens.token_digest(token.key))

    # then the connection is closed as revoked, without its backlog
    assert await communicator.receive_output(timeout=20) == {"type": "websocket.close", "code": 4403}
    await communicator.wait()


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_credentials_that_hold_keep_the_connection(demo):
    super1 = await sync_to_async(user)("super1")
    token = await sync_to_async(lambda: Token.objects.get_or_create(user=super1)[0])()
    for digest in (tokens.token_digest(token.key), None):  # by token, by session
        communicator = await open_as(super1, digest)
        assert await communicator.receive_json_from(timeout=20) == {"type": "synced", "unread": 0}
        await communicator.disconnect()
