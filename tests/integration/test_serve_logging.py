"""No secret or personal data in the server's log: `manage.py serve` logs requests and
WebSocket handshakes without their query strings (API tokens in `?token=`, search terms that
may name a party in `?q=`)."""
from __future__ import annotations

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.conftest import user
from tests.live import request
from tests.processes import ServerProcess, worker_env


@pytest.fixture
def server(transactional_db, tmp_path):
    from demo.topology import load_topology

    load_topology()
    env = worker_env(tmp_path) | {"LOG_LEVEL": "INFO"}
    env.pop("REDIS_URL", None)
    with ServerProcess(env) as live:
        yield live


def test_tokens_and_query_strings_never_reach_the_log(server):
    from rest_framework.authtoken.models import Token

    key = Token.objects.get_or_create(user=user("super1"))[0].key
    # a WebSocket with its token, a refused one, and a search naming a party
    with connect(f"{server.ws_url}/ws/notifications/?token={key}", proxy=None) as conn:
        assert conn.recv(timeout=20)
    with pytest.raises(InvalidStatus):
        connect(f"{server.ws_url}/ws/notifications/?token=not-a-token", proxy=None)
    request("GET", f"{server.url}/api/v1/cases/?q=%E5%BC%A0%E4%B8%89&status=reported", token=key)
    server.stop()

    log = server.output()
    # the lines are there (so the filter did not just silence them) ...
    assert '"WebSocket /ws/notifications/?…" [accepted]' in log
    assert "GET /api/v1/cases/?… HTTP/1.1" in log
    # ... without what followed the "?"
    for secret in (key, "not-a-token", "%E5%BC%A0", "张三", "status=reported"):
        assert secret not in log
