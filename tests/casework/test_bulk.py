"""`casework.bulk.insert` writes what `bulk_create` writes, gives each object the id of its own row,
and refuses what it cannot write as bulk_create would."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.models import F, Value
from django.test.utils import CaptureQueriesContext

from casework import bulk
from casework.models import Case, CaseDeadline, Party, PartyCode
from flows.models import DisputeProcess
from tests.conftest import file_case

# More parties than one statement may carry on SQLite (its parameter limit over their columns),
# so the batches are split there as bulk_create splits them.
MANY = 6_000
AT = dt.datetime(2026, 3, 2, 1, 30, 15, 250000, tzinfo=dt.UTC)


def _parties(case: Case, tag: str, n: int) -> list[Party]:
    return [Party(case=case, role="applicant" if i % 2 else "respondent", name=f"{tag}{i}",
                  id_number="" if i % 3 else "330681199001011234", phone=f"13{i:09d}") for i in range(n)]


def _clocks(case: Case, n: int) -> list[CaseDeadline]:
    return [CaseDeadline(case=case, kind="accept", started_at=AT, due_at=AT + dt.timedelta(days=i + 1),
                         warn_at=AT + dt.timedelta(hours=i), day_count="calendar", days=i + 1, extension_days=0)
            for i in range(n)]


def _rows(queryset, tag_field: str) -> list[dict]:
    return sorted(({k: v for k, v in row.items() if k != "id"} for row in queryset.values()),
                  key=lambda row: str(row[tag_field]))


def test_insert_writes_the_rows_bulk_create_writes(demo):
    # given one case and the same new parties and clocks twice
    case = file_case()
    Party.objects.filter(case=case).delete()
    CaseDeadline.objects.filter(case=case).delete()

    # when one copy is written by bulk_create and the other by insert
    Party.objects.bulk_create(_parties(case, "p", MANY))
    django_rows = _rows(Party.objects.filter(case=case), "name")
    Party.objects.filter(case=case).delete()
    bulk.insert(_parties(case, "p", MANY))
    CaseDeadline.objects.bulk_create(_clocks(case, 40))
    django_clocks = _rows(CaseDeadline.objects.filter(case=case), "due_at")
    CaseDeadline.objects.filter(case=case).delete()
    bulk.insert(_clocks(case, 40))

    # then the database holds the same rows either way
    assert _rows(Party.objects.filter(case=case), "name") == django_rows
    assert _rows(CaseDeadline.objects.filter(case=case), "due_at") == django_clocks


def test_each_object_gets_the_id_of_its_own_row(demo):
    case = file_case()
    parties = bulk.insert(_parties(case, "q", MANY))

    written = Party.objects.in_bulk([p.pk for p in parties])
    assert len(written) == MANY
    assert all(written[p.pk].name == p.name for p in parties)
    assert all(not p._state.adding and p._state.db == connection.alias for p in parties)


def test_one_statement_per_batch(demo):
    case = file_case()
    with CaptureQueriesContext(connection) as captured:
        bulk.insert(_parties(case, "r", 50))
    assert len(captured) == 1
    assert captured[0]["sql"].startswith("INSERT INTO")
    assert bulk.insert([]) == []


def test_refuses_what_it_cannot_write_as_bulk_create_would(demo):
    case = file_case()
    saved = Party.objects.filter(case=case).first()
    with pytest.raises(ValueError):
        bulk.insert([saved])  # not a new row
    with pytest.raises(TypeError):
        bulk.insert([Party(case=case, role="applicant", name=Value("x"))])  # an expression
    with pytest.raises(TypeError):
        bulk.insert([Party(case=case, role="applicant", name=F("phone"))])
    with pytest.raises(TypeError):
        bulk.insert([DisputeProcess(case=case)])  # a model with a parent model
    with pytest.raises(ValueError):
        bulk.insert([Party(case=case, role="applicant", name="a"), CaseDeadline(case=case)])  # two models
    assert Party.objects.filter(case=case).count() == case.parties.count()


def test_update_saves_each_row_its_own_values(demo):
    # given three cases
    cases = [file_case(title=f"纠纷{i}") for i in range(3)]

    # when their titles and versions change in memory and are saved in one statement
    for i, case in enumerate(cases):
        case.title, case.version = f"改{i}", 10 + i
    with CaptureQueriesContext(connection) as captured:
        bulk.update(cases, ["title", "version"])

    # then each row holds its own values, and nothing else moved
    assert len(captured) == 1
    rows = dict(Case.objects.filter(pk__in=[c.pk for c in cases]).values_list("pk", "title"))
    assert rows == {c.pk: f"改{i}" for i, c in enumerate(cases)}
    assert sorted(Case.objects.filter(pk__in=[c.pk for c in cases]).values_list("version", flat=True)) == [10, 11, 12]
    bulk.update([], ["title"])


def test_insert_updates_the_row_a_new_one_conflicts_with(demo):
    from mediation.models import PartyRating

    # given two filed cases, the first one rated by its parties
    first, second = file_case(), file_case()
    code_of = {case.pk: PartyCode.objects.get(case=case) for case in (first, second)}
    old = PartyRating.objects.create(case=first, party_code=code_of[first.pk], satisfaction="satisfied")

    # when a rating of each is written, the first conflicting on its code
    written = bulk.insert([PartyRating(case=case, party_code=code_of[case.pk], satisfaction="dissatisfied",
                                       comment=f"第{i}次") for i, case in enumerate((first, second))],
                          unique=["party_code"], update=["satisfaction", "comment"])

    # then the first row was updated in place and the second inserted; each object has its row's id
    assert written[0].pk == old.pk
    assert written[1].pk not in (None, old.pk)
    assert {r.pk: (r.case_id, r.satisfaction, r.comment) for r in PartyRating.objects.all()} == {
        old.pk: (first.pk, "dissatisfied", "第0次"), written[1].pk: (second.pk, "dissatisfied", "第1次")}


def test_insert_writes_rows_that_carry_their_primary_key(demo):
    from flows.models import InboxEntry

    # given a filed case's inbox row, deleted
    entry = InboxEntry.objects.get(case=file_case())
    values = {f.attname: getattr(entry, f.attname) for f in InboxEntry._meta.concrete_fields}
    InboxEntry.objects.filter(pk=entry.pk).delete()

    # when it is written again, and then once more with another stage (a conflict on its task)
    bulk.insert([InboxEntry(**values)])
    bulk.insert([InboxEntry(**{**values, "stage": "changed"})], unique=["task"], update=["stage"])

    # then one row is there, with the new stage
    assert list(InboxEntry.objects.filter(case_id=entry.case_id).values_list("pk", "stage")) == [(entry.pk, "changed")]
    with pytest.raises(ValueError):
        bulk.insert([InboxEntry(case_id=entry.case_id, stage="x")])  # no primary key to write


def test_insert_matches_conflicts_on_integer_fields_only(demo):
    with pytest.raises(TypeError):
        bulk.insert([CaseDeadline(case=file_case(), kind="accept")], unique=["kind"], update=["days"])
