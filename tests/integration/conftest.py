"""Fixtures for tests that talk to the real ASGI app over the network."""
from __future__ import annotations

import pytest

from tests.live import LiveASGIServer


@pytest.fixture
def live_url(transactional_db):
    """The base URL (http://127.0.0.1:PORT) of config.asgi.application served by uvicorn.

    The server answers from other threads with their own database connections, so a test must
    commit what it should see: hence `transactional_db`. For WebSocket, swap the scheme to ws://.
    """
    with LiveASGIServer() as server:
        yield server.url


@pytest.fixture
def token():
    """token("grid1") → the API token of that demo user, committed so the live server sees it."""
    from rest_framework.authtoken.models import Token

    from casework.models import User

    def make(username: str) -> str:
        return Token.objects.get_or_create(user=User.objects.get(username=username))[0].key

    return make


@pytest.fixture
def redis_url():
    """The Redis of the scale configuration (TEST_REDIS_URL, default the local one), answering.

    Not a skip when it is down: CI starts it, and a silent skip would hide the only test of
    delivery across server processes.
    """
    import os

    import redis

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=5).ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis is not answering at {url} ({exc}); start it as README.md says, or set TEST_REDIS_URL")
    return url
