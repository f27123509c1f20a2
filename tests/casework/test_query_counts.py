"""The SQL a request costs does not grow with the number of cases: no N+1 in filing, in the
transitions or in the list and detail pages.

Each test counts the queries of the same requests with few cases in the database and again
with many more, and compares the two. The ceilings are loose guards against a blow-up, not
a budget: the comparison is what the tests show. (`bench/query_counts.py` does the same at
100 and 10,000 cases and prints the figures.)
"""
from __future__ import annotations

import itertools

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from casework.choices import Status
from casework.models import Case
from casework.record import many_to_many, parts
from tests.conftest import bring_to, days_from_today, file_case, filing_body, in_force

FEW, MANY = 5, 60
# The workflow's step adds 5–6 to a transition (flows.engine, direct writes), the audit's state digest 14.
MAX_WRITE_QUERIES = 100
MAX_READ_QUERIES = 20

STATUSES = [Status.REPORTED, Status.VILLAGE_MEDIATION, Status.TOWNSHIP_MEDIATION, Status.AGREED, Status.CLOSED]
AGREEMENT = {"terms": "责任方承担维修费800元，分两期支付", "obligations": [
    {"description": "支付第一期400元", "due_date": days_from_today(60).isoformat()},
    {"description": "支付第二期400元", "due_date": days_from_today(90).isoformat()},
]}
CLOSING = {"fulfilled": True, "satisfaction": "satisfied", "note": "回访：义务已提前履行完毕。"}

_keys = itertools.count()


def queries_of(request) -> int:
    """The number of SQL statements one request issues."""
    with CaptureQueriesContext(connection) as captured:
        response = request()
    assert response.status_code in (200, 201), getattr(response, "data", response)
    return len(captured.captured_queries)


def grow_to(demo, total: int) -> None:
    """Cases up to `total`: half worked by grid1's village into every status, half filed across all grids."""
    grids = [grid for village_grids in demo.grids.values() for grid in village_grids]
    for i in itertools.count():
        if Case.objects.count() >= total:
            return
        if i % 2 == 0:
            bring_to(STATUSES[(i // 2) % len(STATUSES)])
        else:
            file_case(f"grid-{grids[(i // 2) % len(grids)].code}")


def file_through_api(client):
    return client.post("/api/v1/cases/", filing_body(), format="json", HTTP_IDEMPOTENCY_KEY=f"count-{next(_keys)}")


def filing_queries(api) -> dict[str, int]:
    grid = api("grid1")
    file_through_api(grid)  # today's case-number counter exists before the filing we count
    return {"file": queries_of(lambda: file_through_api(grid))}


def transition_queries(api) -> dict[str, int]:
    head, mediator, center = api("head1"), api("mediator1"), api("center1")

    def fire(client, case_id: int, name: str, body: dict | None = None) -> int:
        return queries_of(lambda: client.post(f"/api/v1/cases/{case_id}/transitions/{name}/", body or {}, format="json"))

    village, township = file_case().pk, file_case().pk
    return {
        "accept": fire(head, village, "accept", {"mediators": ["mediator1"]}),
        "record_agreement (village)": fire(mediator, village, "record_agreement", in_force(village, AGREEMENT)),
        "close (village)": fire(mediator, village, "close", CLOSING),
        "escalate": fire(head, township, "escalate", {"reason": "涉及多户，村级调解难度大"}),
        "triage_to_mediation": fire(center, township, "triage_to_mediation"),
        "refer": fire(center, township, "refer", {"channel": "arbitration", "receiving_body": "诸暨市劳动人事争议仲裁委员会"}),
        "record_agreement (channel)": fire(center, township, "record_agreement", in_force(township, AGREEMENT)),
        "close (channel)": fire(center, township, "close", CLOSING),
    }


def page_queries(api) -> dict[str, int]:
    clients = {who: api(who) for who in ("grid1", "head1", "mediator1", "center1", "county1")}
    counts = {f"list as {who}": queries_of(lambda client=client: client.get("/api/v1/cases/"))
              for who, client in clients.items()}
    counts["list filtered"] = queries_of(lambda: clients["county1"].get("/api/v1/cases/?status=reported&overdue=false"))
    case_id = bring_to(Status.AGREED).pk
    counts["detail"] = queries_of(lambda: clients["head1"].get(f"/api/v1/cases/{case_id}/"))
    return counts


@pytest.mark.parametrize(("measure", "ceiling"), [
    pytest.param(filing_queries, MAX_WRITE_QUERIES, id="filing"),
    pytest.param(transition_queries, MAX_WRITE_QUERIES, id="transitions"),
    pytest.param(page_queries, MAX_READ_QUERIES, id="list-and-detail-pages"),
])
def test_query_count_is_the_same_with_few_and_with_many_cases(demo, api, measure, ceiling):
    # given few cases in the county
    grow_to(demo, FEW)
    few = measure(api)

    # when there are many more, in every status and every grid
    grow_to(demo, MANY)
    assert Case.objects.count() >= MANY
    many = measure(api)

    # then each request issues exactly as many queries as before, and not absurdly many
    assert many == few, f"queries grew with the number of cases: { {k: (few[k], many[k]) for k in few if few[k] != many[k]} }"
    assert max(few.values()) <= ceiling, few


# A filing through the API with an Idempotency-Key, statement by statement (issue 13), in order:
#   2  the token, the filer's roles (held for the rest of the request)
#   1  the filing's transaction (a savepoint here: the test runs in a transaction), and 1 to end it
#   1  the case row, 1 the Idempotency-Key (one upsert), 1 the parties, 1 the parties' code
#   1  the acceptance clock (the deadline rules are held in memory: casework.reference)
#   4  the workflow's process start (flows.engine.start: the process, its tasks and their links,
#      written directly — no savepoint per node, no timer: the clocks are the schedule; the task's
#      queue, the village committee, is held per process: mediation.reference)
#   1  the inbox's projection of the new stage task (flows.inbox.add: from the task and clock as
#      written; nothing to read back, nothing to delete)
#   1  the case number (one upsert on the day's counter, held from here to the commit)
#   3  the event, the case's chain head with its number, the search outbox row (the state digest
#      reads nothing: it is computed from the rows just written)
#   1  the possible duplicates (reached through the parties' indexes)
# and nothing read back for the 201.
FILING_STATEMENTS = 19


def test_a_filing_costs_exactly_the_pinned_statements_with_few_and_with_many_cases(demo, api):
    # given few cases in the county
    grow_to(demo, FEW)
    few = filing_queries(api)["file"]

    # when there are many more, in every status and every grid, with the same parties
    grow_to(demo, MANY)
    many = filing_queries(api)["file"]

    # then a filing costs exactly the pinned number of statements, both times
    assert (few, many) == (FILING_STATEMENTS, FILING_STATEMENTS)


def test_a_filing_takes_the_county_counter_last_of_all_but_what_commits_to_its_number(demo, api):
    # given a grid worker whose county already has a counter for today
    grid = api("grid1")
    file_through_api(grid)

    # when a case is filed
    with CaptureQueriesContext(connection) as captured:
        file_through_api(grid)
    statements = [q["sql"] for q in captured]

    # then the counter (whose row other filings of the county wait for until this one commits)
    # is taken after the case, its parties, clock, process and inbox row are written, and is
    # followed only by the event, the case's chain head with the number, and the outbox row
    counter = next(i for i, sql in enumerate(statements) if "casenumbercounter" in sql)
    written_after = [sql.split()[2].strip('"') if sql.startswith("INSERT") else sql.split()[1].strip('"')
                     for sql in statements[counter + 1:] if sql.startswith(("INSERT", "UPDATE"))]
    assert written_after == ["casework_caseevent", "casework_case", "casework_searchoutbox"], written_after
    assert any("viewflow_task" in sql for sql in statements[:counter])
    assert any("flows_inboxentry" in sql for sql in statements[:counter])


def test_the_state_digest_costs_one_statement_per_part_of_the_record_and_field_linking_many(demo, api):
    # given the transitions counted without the state digest (the switch only the benchmark uses)
    grow_to(demo, FEW)
    with override_settings(AUDIT_STATE_DIGEST=False):
        without = {**filing_queries(api), **transition_queries(api)}

    # when they are counted with it
    with_digest = {**filing_queries(api), **transition_queries(api)}

    # then each change costs the same few statements more: one per part of the record but the case
    # row (held in memory) and one per many-to-many field — today 12 + 3 = 15 —, whatever the change;
    # but the filing, whose digest is computed from the rows it has just written, costs none
    per_change = len(parts()) - 1 + sum(len(many_to_many(p.model)) for p in parts())
    assert per_change == 15
    assert {name: with_digest[name] - without[name] for name in without} == {
        name: 0 if name == "file" else per_change for name in without}


# Each transition through the API, with the workflow's step written directly (flows.engine) and
# the inbox's projection kept in step (flows.inbox.sync): the few/many comparison above shows they
# do not grow with the caseload; these are what they are.
TRANSITION_STATEMENTS = {
    "accept": 54, "record_agreement (village)": 61, "close (village)": 48, "escalate": 51,
    "triage_to_mediation": 48, "refer": 47, "record_agreement (channel)": 59, "close (channel)": 48,
}


def test_each_transition_costs_exactly_the_pinned_statements_with_few_and_with_many_cases(demo, api):
    # given few cases in the county
    grow_to(demo, FEW)
    few = transition_queries(api)

    # when there are many more
    grow_to(demo, MANY)
    many = transition_queries(api)

    # then every transition costs exactly its pinned number of statements, both times
    assert few == many == TRANSITION_STATEMENTS
