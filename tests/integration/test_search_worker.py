"""The outbox is drained by the background workers that `serve` and `run_workers` start: a case
filed over HTTP becomes findable without anyone running a command."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import pytest
from django.test import override_settings

from casework.models import SearchOutbox
from search import indexing
from search.backends import get_backend
from search.query import CaseQuery
from tests.conftest import file_case, filing_body, grid_of
from tests.processes import ROOT, ServerProcess, worker_env

pytestmark = pytest.mark.django_db(transaction=True)
WAIT = 60


def call(url: str, token: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(url, data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Authorization": f"Token {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_serve_indexes_what_is_filed(demo, tmp_path, token):
    with ServerProcess(worker_env(tmp_path), workers=True) as server:
        filed = call(server.url + "/api/v1/cases/", token("grid1"), filing_body(
            title="水库移民补偿纠纷", description="移民安置补偿款分配不均。", grid=grid_of("grid1").code))
        query = urllib.parse.urlencode({"q": "移民"})
        deadline = time.monotonic() + WAIT
        while True:
            found = call(f"{server.url}/api/v1/search/cases/?{query}", token("center1"))
            if found["count"]:
                break
            assert time.monotonic() < deadline, f"not indexed in {WAIT} s:\n{server.output()}"
            time.sleep(0.2)
        assert [hit["id"] for hit in found["results"]] == [filed["id"]]


def test_run_workers_drains_the_outbox(demo, tmp_path):
    case = file_case(title="水库移民补偿纠纷")
    # config.settings.test gives each process a temporary index unless told where: tell it.
    env = worker_env(tmp_path) | {"FENGQIAO_TEST_SEARCH_INDEX_DIR": str(tmp_path / "index")}
    worker = subprocess.Popen([sys.executable, "manage.py", "run_workers"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + WAIT
        while SearchOutbox.objects.exists():
            assert worker.poll() is None and time.monotonic() < deadline, "the outbox was not drained"
            time.sleep(0.2)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.communicate(timeout=30)
    assert worker.returncode == 0
    with override_settings(ELASTICSEARCH_URL="", SEARCH_INDEX_DIR=str(tmp_path / "index")):
        hits = get_backend().search(CaseQuery(scope=("330681",), terms=("移民",), facets=False)).hits
        assert [hit.id for hit in hits] == [case.pk]
        assert not indexing.check()


def test_a_worker_starting_on_an_empty_index_fills_it(demo, tmp_path):
    """The index folder lost (or new) while the database has cases: the outbox has nothing to
    say, the worker's first round repairs it."""
    case = file_case(title="水库移民补偿纠纷")
    SearchOutbox.objects.all().delete()
    env = worker_env(tmp_path) | {"FENGQIAO_TEST_SEARCH_INDEX_DIR": str(tmp_path / "index")}
    worker = subprocess.Popen([sys.executable, "manage.py", "run_workers"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        with override_settings(ELASTICSEARCH_URL="", SEARCH_INDEX_DIR=str(tmp_path / "index")):
            deadline = time.monotonic() + WAIT
            while not get_backend().search(CaseQuery(scope=("330681",), terms=("移民",), facets=False)).count:
                assert worker.poll() is None and time.monotonic() < deadline, "the index was not repaired"
                time.sleep(0.2)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.communicate(timeout=30)
    with override_settings(ELASTICSEARCH_URL="", SEARCH_INDEX_DIR=str(tmp_path / "index")):
        assert not indexing.check() and get_backend().versions() == {case.pk: case.version}
