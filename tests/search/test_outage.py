"""The index converges to the database after the search engine was down (DESIGN.md §6), and
while it is down the search endpoints answer 503 with Retry-After — never 500 — and the rest of
the product works."""
from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest
from django.core.management import call_command
from django.test import override_settings

from casework.models import Case, SearchOutbox
from search import indexing
from search.backends import get_backend
from search.query import SearchUnavailable
from tests.conftest import filing_body, grid_of
from tests.processes import ROOT
from tests.search.engines import index_now
from tests.search.stand_in import StandIn


@pytest.fixture
def stand_in(tmp_path):
    server = StandIn(tmp_path / "noida").start()
    try:
        with override_settings(ELASTICSEARCH_URL=server.url, ELASTICSEARCH_REPLICAS=0,
                               SEARCH_INDEX_NAME=f"test-{uuid.uuid4().hex[:12]}"):
            yield server
    finally:
        server.stop()


@pytest.fixture
def fresh_backoff():
    indexing.backoff.succeeded()
    yield indexing.backoff
    indexing.backoff.succeeded()


def file(api, title: str, description: str) -> int:
    response = api("grid1").post("/api/v1/cases/", filing_body(title=title, description=description,
                                                               grid=grid_of("grid1").code), format="json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def found(api, q: str) -> set[int]:
    response = api("center1").get("/api/v1/search/cases/", {"q": q})
    assert response.status_code == 200, response.content
    return {hit["id"] for hit in response.json()["results"]}


def test_the_index_converges_after_elasticsearch_was_down(demo, api, stand_in, fresh_backoff):
    before = file(api, "鱼塘承包纠纷", "鱼塘承包到期后双方就续包价格发生争议。")
    index_now()
    assert found(api, "鱼塘") == {before}

    stand_in.stop()
    # Filing and working cases go on; the outbox keeps what the index has not seen.
    during = file(api, "果园灌溉用水纠纷", "两户果园共用一条水渠，灌溉季节争水。")
    response = api("head1").post(f"/api/v1/cases/{before}/transitions/accept/", {}, format="json")
    assert response.status_code == 200, response.content
    assert api("center1").get(f"/api/v1/cases/{during}/").status_code == 200
    assert api("center1").get("/api/v1/cases/").status_code == 200
    waiting = SearchOutbox.objects.count()
    assert waiting >= 2

    for url, params in [("/api/v1/search/cases/", {"q": "果园"}), ("/api/v1/cases/", {"q": "果园"}),
                        (f"/api/v1/cases/{before}/similar/", {})]:
        response = api("center1").get(url, params)
        assert response.status_code == 503, (url, response.status_code)
        assert int(response["Retry-After"]) > 0
        assert response.json()["code"] == "search_unavailable"
    # The duplicate warning at filing still gives what the database alone knows.
    response = api("grid1").post("/api/v1/search/duplicates/", {"description": "争水", "parties": [
        {"name": "张三", "phone": "13812345678"}]}, format="json")
    assert response.status_code == 200 and during in {d["id"] for d in response.json()["results"]}

    assert indexing.drain_outbox_job() == 0  # the job backs off instead of failing
    assert fresh_backoff.delay > 0 and not fresh_backoff.ready()
    with pytest.raises(SearchUnavailable):
        indexing.drain_outbox()
    assert SearchOutbox.objects.count() == waiting  # nothing taken, nothing lost

    stand_in.start()  # the same data folder: the engine comes back as it was
    fresh_backoff.succeeded()  # (the wait itself is not what is tested)
    assert indexing.drain_outbox_job() >= waiting
    assert SearchOutbox.objects.count() == 0
    assert found(api, "果园") == {during}
    assert not indexing.check()
    call_command("search_index", "--check")  # exits 0: nothing missing, stale or extra
    assert get_backend().versions()[before] == Case.objects.get(pk=before).version


HOLD_WRITER = """
import sys, time, django, tantivy
django.setup()
from search.backends.embedded import SCHEMA
index = tantivy.Index(SCHEMA, path=sys.argv[1])
writer = index.writer(heap_size=15_000_000, num_threads=1)
print("held", flush=True)
time.sleep(120)
"""


def test_the_drainer_waits_while_another_process_writes_the_embedded_index(demo, api, search_index, fresh_backoff):
    first = file(api, "鱼塘承包纠纷", "鱼塘承包到期后双方就续包价格发生争议。")
    index_now()
    live = search_index.live().path
    search_index.live().close()  # our own writer lets go, as after a commit in another worker
    holder = subprocess.Popen([sys.executable, "-c", HOLD_WRITER, str(live)], stdout=subprocess.PIPE, text=True,
                              cwd=ROOT, env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"})
    try:
        assert holder.stdout.readline().strip() == "held"
        second = file(api, "果园灌溉用水纠纷", "两户果园共用一条水渠，灌溉季节争水。")
        assert indexing.drain_outbox_job() == 0
        assert SearchOutbox.objects.filter(case_id=second).exists()
        assert found(api, "鱼塘") == {first}  # searching does not need the writer
    finally:
        holder.kill()
        holder.wait()
    fresh_backoff.succeeded()
    assert indexing.drain_outbox_job() > 0
    assert found(api, "果园") == {second}
    assert not indexing.check()


def test_an_embedded_generation_that_cannot_be_opened_is_a_503(demo, api, tmp_path):
    """The pointer names a generation whose folder cannot be made (a file in its way, as a full
    or read-only disk would fail): the search endpoints say 503, the rest works."""
    folder = tmp_path / "search"
    folder.mkdir()
    (folder / "current").write_text("cases-blocked")
    (folder / "cases-blocked").write_text("not a folder")
    with override_settings(ELASTICSEARCH_URL="", SEARCH_INDEX_DIR=str(folder)):
        case_id = file(api, "鱼塘承包纠纷", "鱼塘承包到期后双方就续包价格发生争议。")
        for url in ("/api/v1/search/cases/?q=鱼塘", f"/api/v1/cases/{case_id}/similar/"):
            response = api("center1").get(url)
            assert response.status_code == 503 and int(response["Retry-After"]) > 0
        assert api("center1").get(f"/api/v1/cases/{case_id}/").status_code == 200
        with pytest.raises(SearchUnavailable):
            indexing.drain_outbox()
