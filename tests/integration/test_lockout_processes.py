"""The sign-in lockout is one state for the whole county: failures counted by one server
process lock the account on every other (axes' database handler, on the shared database)."""
from __future__ import annotations

import pytest

from tests.live import request
from tests.processes import ServerProcess, worker_env


@pytest.fixture
def servers(transactional_db, tmp_path):
    from demo.topology import load_topology

    load_topology()
    env = worker_env(tmp_path)
    env.pop("REDIS_URL", None)
    with ServerProcess(env) as a, ServerProcess(env) as b:
        yield a, b


def sign_in(server, password: str):
    return request("POST", f"{server.url}/api/v1/auth/token/",
                   json_body={"username": "grid1", "password": password})


def test_failures_counted_by_one_server_process_lock_the_account_on_the_other(servers, settings):
    a, b = servers
    # given wrong passwords one short of the limit on one process
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(a, "guess").status == 400

    # when the other process, which saw none of them, gets one more: that one locks
    assert sign_in(b, "guess").status == 429

    # then the right password is refused by both: the count they share is at the limit
    for server in (a, b):
        reply = sign_in(server, "fengqiao-demo")
        assert reply.status == 429, reply.body
        assert reply.json()["code"] == "locked_out"
        assert int(reply.headers["Retry-After"]) > 0
