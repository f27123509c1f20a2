"""Issue 13: filing writes what it must and reads nothing back.

- The state digest of the filing's event is computed from the rows just written
  (`record.new_case_state`): it equals the one read back from the database at that moment.
- The 201 is built from what was written: the same body a retry (read back) gets.
- The case number and the Idempotency-Key each take one statement; a key that already names a
  case rolls the filing back, number included.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework import record
from casework.models import Case, CaseNumberCounter, IdempotencyKey
from tests.conftest import file_case, filing_body, frozen_clock


@pytest.fixture
def digests_compared(monkeypatch):
    """Every digest computed from written rows, next to the one read back at the same moment."""
    pairs = []
    computed = record.new_case_state

    def both(case, written):
        state = computed(case, written)
        read = record.current_states([case.pk], case_rows={case.pk: record.case_values(case)})[case.pk]
        pairs.append((state, read))
        return state

    monkeypatch.setattr(record, "new_case_state", both)
    return pairs


@pytest.mark.parametrize("overrides", [
    pytest.param({}, id="plain"),
    pytest.param({"latitude": Decimal("29.7"), "longitude": Decimal("120.236711"), "people_involved": 3,
                  "amount_involved": Decimal("800"), "occurred_at": dt.datetime(2026, 11, 20, 8, 30, tzinfo=dt.UTC),
                  "source": "hotline_12345", "address": ""},
                 id="every-optional-field"),
    pytest.param({"parties": [{"role": "applicant", "name": "王五"}, {"role": "respondent", "name": "赵六"},
                              {"role": "third_party", "name": "钱七", "phone": "13700001111"}]},
                 id="no-id-numbers"),
    pytest.param({"risk_level": "high"}, id="high-risk"),
])
def test_the_filings_state_digest_from_the_written_rows_equals_the_one_read_back(demo, digests_compared, overrides):
    # given a filing (at a moment with microseconds, which a backend could round)
    with frozen_clock(dt.datetime(2026, 12, 2, 10, 15, 30, 123456, tzinfo=dt.UTC)):
        # when it is filed
        case = file_case(**overrides)

    # then the digest its event commits to, computed without reading, is the one read back
    assert len(digests_compared) == 1
    state, read = digests_compared[0]
    assert state.parts == read.parts
    assert state.digest == read.digest
    first = case.events.order_by("seq").first()
    assert first.state_digest == read.digest
    assert set(read.parts) >= {"casework.case", "casework.party", "casework.casedeadline"}


def test_the_201_built_from_the_written_rows_is_the_body_a_retry_reads_back(demo, api):
    # given a grid worker's tablet
    client = api("grid1")

    # when it files, and then retries with the same key (that reply is read from the database)
    first = client.post("/api/v1/cases/", filing_body(), format="json", HTTP_IDEMPOTENCY_KEY="tablet-1")
    retry = client.post("/api/v1/cases/", filing_body(), format="json", HTTP_IDEMPOTENCY_KEY="tablet-1")

    # then both bodies are the same, field for field
    assert (first.status_code, retry.status_code) == (201, 200)
    assert first.json() == retry.json()
    assert set(first.json()) >= {"id", "number", "status", "region", "deadline", "deadlines", "events", "parties",
                                 "allowed_transitions", "possible_duplicates", "party_code"}


def test_a_high_risk_201_is_the_body_a_retry_reads_back(demo, api):
    client = api("grid1")
    first = client.post("/api/v1/cases/", filing_body(risk_level="high"), format="json",
                        HTTP_IDEMPOTENCY_KEY="tablet-high")
    retry = client.post("/api/v1/cases/", filing_body(risk_level="high"), format="json",
                        HTTP_IDEMPOTENCY_KEY="tablet-high")
    assert (first.status_code, retry.status_code) == (201, 200)
    assert first.json() == retry.json()
    assert [e["action"] for e in first.json()["events"]] == ["file", "escalate"]


def test_the_number_and_the_key_take_one_statement_each_and_a_known_key_gives_the_number_back(demo, api):
    # given a filing with a key
    client = api("grid1")
    with CaptureQueriesContext(connection) as first:
        created = client.post("/api/v1/cases/", filing_body(), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    counter = [q["sql"] for q in first.captured_queries if "casework_casenumbercounter" in q["sql"]]
    keys = [q["sql"] for q in first.captured_queries if "casework_idempotencykey" in q["sql"]]

    # then the counter and the key were each touched by one statement
    assert len(counter) == 1 and counter[0].startswith("INSERT") and "RETURNING" in counter[0], counter
    assert len(keys) == 1 and keys[0].startswith("INSERT") and "RETURNING" in keys[0], keys

    # when the same key comes again, then the same case comes back, and its number was given back
    retry = client.post("/api/v1/cases/", filing_body(), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert retry.status_code == 200 and retry.json()["id"] == created.json()["id"]
    assert Case.objects.count() == 1 and IdempotencyKey.objects.count() == 1
    assert CaseNumberCounter.objects.get().last == 1
    following = client.post("/api/v1/cases/", filing_body(), format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert following.json()["number"].endswith("-0002")
