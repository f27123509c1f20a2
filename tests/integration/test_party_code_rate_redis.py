"""The rate limit of the parties' code (解纷码) in the scale configuration: several ASGI server
processes behind one address count one client together, in Redis's cache, so a guesser gains
nothing by being spread over the processes — on the API and the HTML page alike.

Two real `manage.py serve --no-workers` processes with REDIS_URL and a cache key prefix of their
own (parallel runs sharing the Redis cannot cross; nothing here clears the cache, which would
flush the whole Redis database).
"""
from __future__ import annotations

import uuid

import pytest

from casework.models import PartyCode
from tests.conftest import file_case
from tests.live import request
from tests.processes import ServerProcess, worker_env

RATE = 6


@pytest.fixture
def two_servers(transactional_db, tmp_path, redis_url):
    from demo.topology import load_topology

    load_topology()
    env = worker_env(tmp_path) | {"REDIS_URL": redis_url, "CHANNEL_LAYER_PREFIX": f"test-{uuid.uuid4().hex}",
                                  "CACHE_KEY_PREFIX": f"test-{uuid.uuid4().hex}", "PARTY_CODE_RATE": f"{RATE}/min"}
    with ServerProcess(env) as a, ServerProcess(env) as b:
        yield a, b


def test_two_server_processes_count_one_client_together(two_servers):
    a, b = two_servers
    code = PartyCode.objects.in_force().get(case=file_case()).display

    # when one client spreads its look-ups over both processes, page and API, guesses included
    urls = [f"{a.url}/api/v1/public/progress/{code}/", f"{b.url}/p/{code}/",
            f"{a.url}/p/0000-0000-00/", f"{b.url}/api/v1/public/progress/WRONG/"]
    answers = [request("GET", urls[i % len(urls)]).status for i in range(RATE)]

    # then the allowance is spent across them: the next look-up is refused by either process
    assert 429 not in answers, answers
    assert answers.count(200) == 4
    for server in (a, b):
        refused = request("GET", f"{server.url}/api/v1/public/progress/{code}/")
        assert refused.status == 429, refused.body
        assert "Retry-After" in refused.headers
    assert request("GET", f"{b.url}/p/{code}/").status == 429


def test_the_embedded_default_keeps_a_local_memory_cache(settings):
    # the test settings run without REDIS_URL, as the embedded default does
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
