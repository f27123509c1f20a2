"""The hash-chained audit trail: `verify_audit` passes an intact trail and names the first
tampered or missing row of a broken one; the model itself refuses to edit or delete an event.

Tampering is done the way an insider with database access would: through QuerySet.update and
QuerySet.delete, which bypass CaseEvent.save() and .delete().
"""
from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from actions import services
from casework.choices import Status
from casework.models import Case, CaseEvent
from casework.models.events import AppendOnlyError
from tests.conftest import bring_to, file_case, user


def verify(*args) -> tuple[str, str, CommandError | None]:
    """Run `manage.py verify_audit`; its stdout, its stderr and the CommandError it raised, if any."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_audit", *args, stdout=out, stderr=err)
    except CommandError as exc:
        return out.getvalue(), err.getvalue(), exc
    return out.getvalue(), err.getvalue(), None


def assert_tampered(case: Case, seq: int, problem: str, event_id: int | None = None) -> str:
    """verify_audit fails and its one report names this case, this seq (and this row) and the problem."""
    out, err, failure = verify()
    assert failure is not None, out
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    report = lines[0]
    assert report.startswith(f"TAMPERED case {case.number} (id {case.pk}), seq {seq}, "), report
    assert problem in report, report
    if event_id is not None:
        assert f"event id {event_id}:" in report, report
    return report


def events_of(case: Case) -> list[CaseEvent]:
    return list(CaseEvent.objects.filter(case=case).order_by("seq"))


@pytest.fixture
def agreed(demo) -> Case:
    """A case with three events (file, accept, record_agreement) between two untouched neighbours."""
    file_case("grid1")
    case = bring_to(Status.AGREED)
    file_case("grid1")
    return case


def test_intact_trail_passes_with_the_number_of_cases_checked(demo):
    # given cases that went every way: agreed and closed, withdrawn, high risk, referred, paused and resumed
    closed = bring_to(Status.AGREED)
    services.case_close(case_id=closed.pk, actor=user("mediator1"), fulfilled=True, satisfaction="satisfied")
    bring_to(Status.CLOSED)
    bring_to(Status.REFERRED)
    file_case("grid1", risk_level="high")
    paused = file_case("grid1")
    services.case_pause_clock(case_id=paused.pk, actor=user("head1"), reason="当事人外出务工，联系不上")
    services.case_resume_clock(case_id=paused.pk, actor=user("head1"), note="已联系上")

    # when the trail is verified
    out, err, failure = verify()

    # then it passes and says how many cases it checked
    assert failure is None, err
    assert err == ""
    assert f"audit trail intact: {Case.objects.count()} cases checked" in out


@pytest.mark.parametrize(("field", "forged"), [
    ("note", "双方已和解"),
    ("data", {"mediators": ["mediator2"]}),
    ("action", "decline"),
    ("target_status", Status.CLOSED),
    ("actor", "mediator2"),
    ("created_at", dt.timedelta(seconds=1)),
])
def test_an_event_edited_behind_the_models_back_is_reported_as_altered(agreed, field, forged):
    # given the accept event (seq 2, fired by head1) rewritten with a plain UPDATE
    accept = events_of(agreed)[1]
    if field == "actor":
        forged = user(forged)
    elif field == "created_at":
        forged = accept.created_at + forged
    assert getattr(accept, field) != forged
    CaseEvent.objects.filter(pk=accept.pk).update(**{field: forged})

    # when the trail is verified
    # then that very row is named, as altered
    assert_tampered(agreed, 2, "content altered", accept.pk)


def test_an_event_deleted_from_the_middle_is_reported_missing(agreed):
    # given the accept event (seq 2 of 3) deleted with a plain DELETE
    CaseEvent.objects.filter(pk=events_of(agreed)[1].pk).delete()

    # when the trail is verified
    # then seq 2 is reported missing
    assert_tampered(agreed, 2, "missing (deleted?)")


def test_the_first_event_deleted_is_reported_missing(agreed):
    # given the filing event (seq 1) deleted
    CaseEvent.objects.filter(pk=events_of(agreed)[0].pk).delete()

    # then seq 1 is reported missing
    assert_tampered(agreed, 1, "missing (deleted?)")


def test_the_last_event_deleted_is_reported_missing_against_the_cases_count(agreed):
    # given the latest event (seq 3) deleted: what is left is a perfect chain of two
    CaseEvent.objects.filter(pk=events_of(agreed)[-1].pk).delete()

    # when the trail is verified
    # then the case row's own count gives it away, at seq 3
    assert_tampered(agreed, 3, "missing: the case records 3 events")


def test_two_events_swapped_are_reported_as_a_broken_chain(agreed):
    # given the accept (seq 2) and the agreement (seq 3) swapped, in one transaction
    _, accept, agreement = events_of(agreed)
    with transaction.atomic():
        CaseEvent.objects.filter(pk=accept.pk).update(seq=999_999)
        CaseEvent.objects.filter(pk=agreement.pk).update(seq=2)
        CaseEvent.objects.filter(pk=accept.pk).update(seq=3)

    # when the trail is verified
    # then the row now at seq 2 (the agreement) does not follow seq 1
    assert_tampered(agreed, 2, "chain broken", agreement.pk)


def test_an_edited_event_with_its_hash_recomputed_breaks_the_chain_at_the_next_one(agreed):
    # given the accept event edited and its own hash recomputed to match
    _, accept, agreement = events_of(agreed)
    accept.note = "无需调解"
    CaseEvent.objects.filter(pk=accept.pk).update(note=accept.note, hash=accept.compute_hash())

    # when the trail is verified
    # then the edited row passes its own check, and the next one no longer links to it
    assert_tampered(agreed, 3, "chain broken", agreement.pk)


def test_a_chain_rewritten_to_the_end_is_caught_by_the_cases_chain_head(agreed):
    # given the accept event edited and every later hash recomputed, links included
    prev_hash = events_of(agreed)[0].hash
    for event in events_of(agreed)[1:]:
        if event.seq == 2:
            event.note = "无需调解"
        event.prev_hash = prev_hash
        event.hash = event.compute_hash()
        CaseEvent.objects.filter(pk=event.pk).update(note=event.note, prev_hash=event.prev_hash, hash=event.hash)
        prev_hash = event.hash

    # when the trail is verified
    # then the head kept on the case row no longer matches the last event
    assert_tampered(agreed, 3, "does not match the case's chain head")


def test_a_forged_event_appended_without_moving_the_head_is_reported(agreed):
    # given an extra, correctly chained event inserted after the last one
    last = events_of(agreed)[-1]
    forged = CaseEvent(case=agreed, seq=4, action="close", actor=user("head1"), source_status=Status.AGREED,
                       target_status=Status.CLOSED, note="伪造的结案", data={}, created_at=last.created_at,
                       prev_hash=last.hash)
    forged.hash = forged.compute_hash()
    forged.save(force_insert=True)

    # when the trail is verified
    # then the forged row itself is named: seq 4, which exists, and is not in the case's chain
    assert_tampered(agreed, 4, "", forged.pk)


def test_only_the_first_tampered_row_of_a_case_is_reported(agreed):
    # given two rows of one case edited: seq 3, then seq 2
    _, accept, agreement = events_of(agreed)
    CaseEvent.objects.filter(pk=agreement.pk).update(note="改")
    CaseEvent.objects.filter(pk=accept.pk).update(note="改")

    # when the trail is verified
    # then the report names seq 2, the first broken row
    assert_tampered(agreed, 2, "content altered", accept.pk)


def test_the_first_broken_case_fails_the_check_and_all_reports_every_broken_case(demo):
    # given five cases, the second and the fourth tampered with
    cases = [bring_to(Status.VILLAGE_MEDIATION) for _ in range(5)]
    for case in (cases[1], cases[3]):
        CaseEvent.objects.filter(case=case, seq=2).update(note="改")

    # when the trail is verified, and then verified with --all
    _, first_err, first_failure = verify()
    _, all_err, all_failure = verify("--all")

    # then by default the first broken case is reported; with --all both are, and no other
    assert first_failure is not None and all_failure is not None
    (first_report,) = first_err.strip().splitlines()
    assert first_report.startswith(f"TAMPERED case {cases[1].number} (id {cases[1].pk}), seq 2, "), first_report
    reported = [line.split(" ")[2] for line in all_err.strip().splitlines()]
    assert reported == [cases[1].number, cases[3].number]
    assert "2 case(s)" in str(all_failure)


def test_saving_an_existing_event_is_refused_and_changes_nothing(agreed):
    # given a stored event
    accept = events_of(agreed)[1]
    original = (accept.note, accept.hash)

    # when it is edited and saved through the model, plainly or with update_fields
    accept.note = "篡改"
    with pytest.raises(AppendOnlyError):
        accept.save()
    with pytest.raises(AppendOnlyError):
        accept.save(update_fields=["note"])

    # then the row is as it was, and the trail is intact
    stored = CaseEvent.objects.get(pk=accept.pk)
    assert (stored.note, stored.hash) == original
    assert verify()[2] is None


def test_deleting_an_event_through_the_model_is_refused_and_changes_nothing(agreed):
    # given a stored event
    accept = events_of(agreed)[1]

    # when it is deleted through the model
    with pytest.raises(AppendOnlyError):
        accept.delete()

    # then it is still there, and the trail is intact
    assert CaseEvent.objects.filter(pk=accept.pk).exists()
    assert verify()[2] is None
