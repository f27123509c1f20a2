"""Bringing the index to the database: the drainer, the rebuild with its swap and catch-up, the
check and its exit codes, versions that never go back, and numbers that are never indexed in
clear — on every reachable engine."""
from __future__ import annotations

import json
import threading

import pytest
from django.core.management import call_command

from actions import services
from casework.models import Case, SearchOutbox
from search import indexing
from search.backends import get_backend
from search.documents import documents
from search.query import CaseQuery
from tests.conftest import file_case, user
from tests.search.engines import ENGINES, engine, index_now

PHONE = "13912345678"
ID_NUMBER = "11010519491231002X"


@pytest.fixture(params=ENGINES)
def backend(request, tmp_path, demo):
    with engine(request.param, tmp_path / "search") as chosen:
        yield chosen


def everything(backend) -> set[int]:
    return {hit.id for hit in backend.search(CaseQuery(scope=("330681",), size=100, facets=False)).hits}


def test_the_drainer_indexes_what_the_outbox_names_and_empties_it(backend):
    cases = [file_case(title=f"山林权属争议{i}") for i in range(3)]
    assert SearchOutbox.objects.count() == 3
    assert indexing.drain_outbox(batch_size=2) == 2  # batches
    assert indexing.drain_outbox(batch_size=2) == 1
    assert SearchOutbox.objects.count() == 0
    assert everything(backend) == {c.pk for c in cases}
    assert not indexing.check()


def test_rebuild_swaps_a_new_generation_in_and_catches_up_with_changes_made_meanwhile(backend):
    old = [file_case(title=f"山林权属争议{i}") for i in range(5)]
    index_now()
    seen_during = []

    def progress(done: int, total: int) -> None:
        if seen_during:
            return
        # Halfway through the load: searches still answer from the live generation, and
        # work goes on — a filing and an acceptance, drained into the old generation.
        seen_during.append(everything(backend))
        seen_during.append(file_case(title="新报山林争议").pk)
        services.case_accept(case_id=old[0].pk, actor=user("head1"), mediators=[user("mediator1")])
        index_now()

    rebuilt = indexing.rebuild(progress=progress)
    assert seen_during[0] == {c.pk for c in old}
    assert rebuilt.cases == 5 and rebuilt.size_bytes > 0
    assert set(rebuilt.caught_up.missing) == {seen_during[1]}
    assert rebuilt.caught_up.stale == [old[0].pk]
    assert everything(backend) == {c.pk for c in old} | {seen_during[1]}
    assert not indexing.check()
    if backend.name == "elasticsearch":
        assert len(backend.indices()) == 1  # the alias moved; the old index is gone
    else:
        generations = [p.name for p in backend.root.iterdir() if p.name.startswith("cases-")]
        assert generations == [backend.live().path.name]


def test_check_names_missing_stale_and_extra_in_its_exit_code(backend):
    a, b = file_case(title="甲"), file_case(title="乙")
    index_now()
    call_command("search_index", "--check")  # in step: returns, exit code 0

    backend.delete([a.pk])  # missing
    with pytest.raises(SystemExit) as exit_:
        call_command("search_index", "--check")
    assert exit_.value.code == 1

    services.case_accept(case_id=b.pk, actor=user("head1"), mediators=[user("mediator1")])  # stale: not drained
    ghost = next(documents([b.pk])) | {"id": 999_999, "number": "330681-20200101-9999"}  # extra
    backend.index([ghost])
    with pytest.raises(SystemExit) as exit_:
        call_command("search_index", "--check")
    assert exit_.value.code == 1 | 2 | 4
    assert indexing.check() == indexing.Drift(missing=[a.pk], stale=[b.pk], extra=[999_999])

    call_command("search_index", "--repair")
    call_command("search_index", "--check")
    assert everything(backend) == {a.pk, b.pk}


def test_an_older_version_never_replaces_a_newer_one(backend):
    case = file_case(title="宅基地纠纷")
    first = next(documents([case.pk]))
    services.case_accept(case_id=case.pk, actor=user("head1"), mediators=[user("mediator1")])
    second = next(documents([case.pk]))
    backend.index([second])
    backend.index([first])  # a slow worker with what it read before the change
    assert backend.versions()[case.pk] == second["version"] == first["version"] + 1
    hit = backend.search(CaseQuery(scope=("330681",), terms=("宅基地",), facets=False)).hits[0]
    assert hit.status == "village_mediation"


def test_numbers_are_never_indexed_in_clear(backend, api):
    case = file_case(
        title="借款纠纷", description=f"对方留下电话{PHONE}，身份证{ID_NUMBER}，称下月还款。",
        parties=[{"role": "applicant", "name": "张三", "id_number": ID_NUMBER, "phone": "13812345678"},
                 {"role": "respondent", "name": "李四", "phone": PHONE}],
    )
    index_now()
    if backend.name == "elasticsearch":
        stored = json.dumps(backend.client.get(index=backend.alias, id=str(case.pk))["_source"], ensure_ascii=False)
    else:
        stored = b"".join(f.read_bytes() for f in backend.live().path.rglob("*") if f.is_file()).decode("latin-1")
        stored += json.dumps(next(documents([case.pk])), ensure_ascii=False)
    for number in (PHONE, ID_NUMBER, "13812345678"):
        assert number not in stored
    # Found by the whole number (its keyed hash), shown masked.
    body = api("center1").get("/api/v1/search/cases/", {"q": PHONE}).json()
    assert [hit["id"] for hit in body["results"]] == [case.pk]
    body = api("center1").get("/api/v1/search/cases/", {"q": "电话"}).json()
    assert "139****5678" in body["results"][0]["highlight"]["description"]


@pytest.mark.django_db(transaction=True)
def test_drainers_racing_leave_the_index_in_step(tmp_path, demo):
    """Several workers drain at once (SKIP LOCKED on PostgreSQL; on SQLite a case may be indexed
    twice): every row is taken, none is lost, the index matches."""
    with engine("embedded", tmp_path / "search"):
        cases = [file_case(title=f"噪音纠纷{i}") for i in range(30)]
        for case in cases[:10]:
            services.case_accept(case_id=case.pk, actor=user("head1"), mediators=[user("mediator1")])
        errors = []

        def drain():
            try:
                indexing.drain_all(batch_size=7)
            except Exception as exc:  # noqa: BLE001 — reported below
                errors.append(exc)
            finally:
                from django.db import connection

                connection.close()

        threads = [threading.Thread(target=drain) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors
        assert SearchOutbox.objects.count() == 0
        assert not indexing.check()
        assert get_backend().versions() == dict(Case.objects.values_list("pk", "version"))


def test_assigned_to_me_finds_what_the_inbox_and_the_case_list_call_mine(backend, api):
    # given a dispute whose acceptance task the committee head assigned to mediator1, and one
    # mediator1 has nothing to do with, both indexed
    mine, other = file_case(title="邻里漏水纠纷"), file_case(title="邻里漏水纠纷")
    task = engine_task(mine)
    services.task_assign(task_id=task.pk, actor=user("head1"), assignee=user("mediator1"))
    index_now()

    # when mediator1 searches with assigned_to_me, then it is the case the case list calls theirs
    found = api("mediator1").get("/api/v1/search/cases/", {"q": "漏水", "assigned_to_me": "true"}).json()
    listed = api("mediator1").get("/api/v1/cases/", {"assigned_to_me": "true"}).json()
    assert [hit["id"] for hit in found["results"]] == [row["id"] for row in listed["results"]] == [mine.pk]
    # and without it, the other one
    found = api("mediator1").get("/api/v1/search/cases/", {"q": "漏水", "assigned_to_me": "false"}).json()
    assert [hit["id"] for hit in found["results"]] == [other.pk]


def engine_task(case: Case):
    from flows import engine as flow_engine
    from flows.models import DisputeProcess

    return flow_engine.open_stage_task(DisputeProcess.objects.get(case=case).pk)
