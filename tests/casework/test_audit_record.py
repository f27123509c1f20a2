"""The audit trail covers the record: each event commits to the state of the case's record it
produced, so `verify_audit` reports an edit made in the database outside the services; and the
chain heads published to an anchor file outside the database show a whole chain rewritten.

Tampering is done the way an insider with database access would: QuerySet.update, raw rows.
"""
from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import override_settings

from actions import services
from casework import clock
from casework.audit import commit_present_states, publish_anchor, verify_audit
from casework.models import Case, CaseEvent, Party
from casework.models.events import event_digest
from casework.record import current_states
from mediation.models import Agreement
from tests.casework.test_attachments import png_1x1
from tests.casework.test_audit import verify
from tests.conftest import bring_to, days_from_today, file_case, frozen_clock, user


def assert_reported(case: Case, *expected: str, args: tuple[str, ...] = ()) -> str:
    """verify_audit fails, and its one report names this case and says each of `expected` (with
    --all, the report of this case among the others')."""
    out, err, failure = verify(*args)
    assert failure is not None, out
    lines = err.strip().splitlines()
    if "--all" not in args:
        assert len(lines) == 1, err
    line = next((line for line in lines if f"(id {case.pk})" in line), None)
    assert line is not None, err
    for text in expected:
        assert text in line, line
    return line


def assert_clean(*args: str) -> str:
    out, err, failure = verify("--all", *args)
    assert failure is None, err
    return out


def rich_case() -> Case:
    """A case with rows in every part of the record: parties, an attachment, clocks, a session with
    its mediators, a termination, a referral received, an agreement signed and sealed with its
    signatories and obligations, a judicial confirmation requested, a follow-up visit, and the
    parties' rating given with their code after the close."""
    head, center, mediator = user("head1"), user("center1"), user("mediator1")
    case = file_case("grid1", latitude=Decimal("29.713245"), longitude=Decimal("120.236711"), people_involved=3,
                     amount_involved=Decimal("800.50"), occurred_at=clock.now() - dt.timedelta(days=2))
    services.case_add_attachment(case_id=case.pk, actor=user("grid1"), upload=SimpleUploadedFile(
        "现场.png", png_1x1(), "image/png"), content_type="image/png", extension="png")
    services.case_accept(case_id=case.pk, actor=head, mediators=[mediator])
    services.session_record(case_id=case.pk, actor=mediator, held_at=clock.now(), place="村调解室",
                            statements="双方陈述", result="继续调解", attendees=[{"name": "张三", "role": "申请人"}])
    services.termination_record(case_id=case.pk, actor=mediator, reason="双方分歧过大", advised_channels=["court"],
                                then="escalate")
    services.case_triage_to_mediation(case_id=case.pk, actor=center)
    services.case_refer(case_id=case.pk, actor=center, channel="arbitration", receiving_body="诸暨市劳动人事争议仲裁委员会")
    services.referral_receive(case_id=case.pk, actor=center, referral_id=case.referrals.get().pk, note="王某签收")
    first, second = case.parties.all()
    services.case_record_agreement(
        case_id=case.pk, actor=center, terms="分期赔偿", facts="楼上漏水", points_in_dispute="维修费",
        responsibilities="楼上住户承担全部责任",
        obligations=[{"description": "付款", "party": second.pk, "manner": "转账", "place": "村委会",
                      "due_date": days_from_today(30)}],
        signatures=[{"party": first.pk, "signed": True}, {"party": second.pk, "signed": False}], sealed=False)
    services.agreement_sign(case_id=case.pk, actor=center, signatures=[{"party": second.pk, "signed": True}],
                            sealed=True)
    services.judicial_confirmation_request(case_id=case.pk, actor=center, court="诸暨市人民法院")
    services.case_close(case_id=case.pk, actor=center, fulfilled=True, satisfaction="satisfied",
                        note="回访：义务已提前履行完毕。")
    services.case_rate_by_party(code=case.party_codes.get().code, satisfaction="basically_satisfied", comment="处理及时")
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def rich(demo) -> Case:
    file_case("grid1")
    case = rich_case()
    file_case("grid1")
    return case


# --- edits outside the services are reported ------------------------------------------------------


def test_an_outcome_edited_in_the_database_is_reported_as_an_edit_of_the_case_fields(demo):
    # given a case closed as withdrawn, its chain intact
    case = bring_to("closed")
    assert case.outcome == "withdrawn"
    assert_clean()

    # when its outcome is changed in the database to "resolved in the village"
    Case.objects.filter(pk=case.pk).update(outcome="resolved_village")

    # then verify_audit names the case and the case's own fields
    assert_reported(case, "current record edited outside the services", "case fields")


def test_a_partys_id_number_edited_in_the_database_is_reported(demo):
    # given a filed case whose applicant has an ID number
    case = file_case("grid1")
    party = case.parties.exclude(id_number="").get()

    # when the ID number is changed in the database
    Party.objects.filter(pk=party.pk).update(id_number="330681199001011234")

    # then verify_audit names the case and its parties
    assert_reported(case, "current record edited outside the services", "casework.party")


def test_an_agreements_terms_edited_in_the_database_are_reported(demo):
    # given an agreed case
    case = bring_to("agreed")

    # when the agreement's terms are changed in the database
    Agreement.objects.filter(case=case).update(terms="赔偿维修费8000元")

    # then verify_audit names the case and the agreement
    assert_reported(case, "current record edited outside the services", "mediation.agreement")


def test_a_row_added_to_or_deleted_from_the_record_is_reported(demo):
    # given an agreed case with one party more than needed
    case = bring_to("agreed")

    # when a party is added in the database, the report names the parties
    extra = Party.objects.create(case=case, role="respondent", name="王五")
    assert_reported(case, "casework.party")

    # and when it is deleted again, the record is as committed
    extra.delete()
    assert_clean()

    # and when an obligation is deleted, the report names the obligations
    Agreement.objects.get(case=case).obligations.all().delete()
    assert_reported(case, "mediation.obligation")


# --- the digest itself ---------------------------------------------------------------------------

# The digest of the state built in the next test, the same on SQLite and PostgreSQL (the test runs on both).
KNOWN_STATE_DIGEST = "4a8dd2ec63dc7e0fa12d908e31fe4980afaf31aadb67da77f019b8e7803bd62e"


def test_the_digest_of_the_same_state_is_the_same_on_every_backend(db):
    # given a case and its rows with fixed ids and awkward values — an instant with microseconds
    # in +08:00, decimals of fewer places than their columns, JSON with unsorted keys, Chinese text
    # (foreign keys to rows that do not exist: the constraints are deferred and never checked)
    shanghai = dt.timezone(dt.timedelta(hours=8))
    at = dt.datetime(2026, 11, 22, 9, 30, 15, 123456, tzinfo=shanghai)
    case = Case(pk=990001, number="330681-20261122-0007", title="邻里漏水纠纷", description="楼上漏水\n楼下受损",
                dispute_type="neighborhood", region_id=990002, region_path="330681.003.012.02",
                latitude=Decimal("29.7"), longitude=Decimal("120.25"), amount_involved=Decimal("800.5"),
                people_involved=3, occurred_at=at, reported_by_id=990003, created_at=at, updated_at=at,
                status="agreed", agreed_rung="village", version=4)
    case.save_base(raw=True)
    Party.objects.bulk_create([
        Party(pk=990011, case_id=990001, role="applicant", name="张三", id_number="11010519491231002X"),
        Party(pk=990012, case_id=990001, role="respondent", name="李四", phone="13900001111"),
    ])
    Case.mediators.through.objects.bulk_create([Case.mediators.through(case_id=990001, user_id=990004)])
    from mediation.models import MediationSession
    MediationSession.objects.bulk_create([MediationSession(
        pk=990021, case_id=990001, held_at=at, place="村调解室", statements="陈述", result="继续",
        attendees=[{"role": "申请人", "name": "张三", "extra": {"z": 1, "a": [1.5, None, True]}}],
        recorded_by_id=990004, created_at=at)])

    # when its state is read from the database
    state = current_states([990001])[990001]
    # (the rows go before the test's end, where the constraints are checked)
    MediationSession.objects.filter(pk=990021).delete()
    Case.objects.filter(pk=990001).delete()

    # then it is the one known digest, whatever the backend
    assert sorted(state.parts) == ["casework.case", "casework.party", "mediation.mediationsession"]
    assert state.digest == KNOWN_STATE_DIGEST, (connection.vendor, state.parts)


def test_an_intact_history_stays_intact_and_every_event_commits_to_a_state(demo):
    # given cases worked every way, through the services only
    rich_case()
    bring_to("closed")
    bring_to("referred")
    file_case("grid1", risk_level="high")

    # then every event commits to a state, and the whole trail verifies
    assert not CaseEvent.objects.filter(state_digest="").exists()
    assert list(verify_audit()) == []


# --- events written before the state digest ------------------------------------------------------


def _as_written_before_the_digest(case: Case) -> None:
    """Rewrite the case's chain as the code before state digests wrote it: no state, hashes without it."""
    prev = ""
    for event in CaseEvent.objects.filter(case=case).order_by("seq"):
        digest = event_digest(case_id=event.case_id, seq=event.seq, action=event.action, actor_id=event.actor_id,
                              source=event.source_status, target=event.target_status, note=event.note,
                              data=event.data, created_at=event.created_at, prev_hash=prev)
        CaseEvent.objects.filter(pk=event.pk).update(state_digest="", state_parts={}, prev_hash=prev, hash=digest)
        prev = digest
    Case.objects.filter(pk=case.pk).update(last_event_hash=prev)


@pytest.mark.parametrize("registry", ["project", "migration"])
def test_events_written_before_the_digest_commit_to_the_present_state_once(demo, registry):
    # given two cases whose events were written before state digests existed
    old = bring_to("agreed")
    other = bring_to("closed")
    for case in (old, other):
        _as_written_before_the_digest(case)
    # verify_audit says so: the last event commits to no state
    out, err, failure = verify("--all")
    assert failure is not None and "commits to no state" in err and len(err.strip().splitlines()) == 2, err

    # when the migration's step runs (with the project's models, or the migration's historical ones)
    kwargs = {}
    if registry == "migration":
        executor = MigrationExecutor(connection)
        kwargs["apps"] = executor.loader.project_state(("casework", "0008_commit_present_states")).apps
    assert commit_present_states(**kwargs) == 2

    # then the trail verifies: the present state is trusted, once
    assert_clean()
    assert commit_present_states(**kwargs) == 0
    # and an edit made afterwards is reported
    Agreement.objects.filter(case=old).update(terms="改过的条款")
    assert_reported(old, "mediation.agreement")


# --- anchors --------------------------------------------------------------------------------------


def _rewrite_chain(case: Case, note: str) -> None:
    """Forge the case's first event and re-hash the whole chain consistently, head included."""
    prev = ""
    for event in CaseEvent.objects.filter(case=case).order_by("seq"):
        if event.seq == 1:
            event.note = note
        event.prev_hash = prev
        digest = event.compute_hash()
        CaseEvent.objects.filter(pk=event.pk).update(note=event.note, prev_hash=prev, hash=digest)
        prev = digest
    Case.objects.filter(pk=case.pk).update(last_event_hash=prev)


def test_a_chain_rewritten_consistently_passes_the_chain_check_but_not_the_anchor(demo, tmp_path):
    # given three cases, and their chain heads anchored to a file outside the database
    case = bring_to("agreed")
    bring_to("closed")
    file_case("grid1")
    anchors = tmp_path / "anchors.jsonl"
    out = io.StringIO()
    call_command("verify_audit", "--anchor", str(anchors), stdout=out)
    assert "anchored 3 chain heads" in out.getvalue()
    assert_clean("--check-anchor", str(anchors))

    # when one case's chain is rewritten from its first event, every hash recomputed
    _rewrite_chain(case, note="伪造的登记说明")

    # then the chains alone look intact
    assert_clean()
    # but against the anchor the case is reported
    report = assert_reported(case, "anchored on", args=("--check-anchor", str(anchors)))
    assert "seq 3" in report


def test_a_case_worked_after_its_anchor_still_matches_it(demo, tmp_path):
    # given a case anchored in the reported status, then accepted and agreed
    case = file_case("grid1")
    anchors = tmp_path / "anchors.jsonl"
    call_command("verify_audit", "--anchor", str(anchors), stdout=io.StringIO())
    services.case_accept(case_id=case.pk, actor=user("head1"), mediators=[user("mediator1")])

    # then the chain still holds the anchored head
    assert_clean("--check-anchor", str(anchors))

    # and a second anchor carries only the head that moved, and a root over all of them
    bring_to("reported")
    call_command("verify_audit", "--anchor", str(anchors), stdout=io.StringIO())
    first, second = (json.loads(line) for line in anchors.read_text().splitlines())
    assert set(first["heads"]) == {str(case.pk)} and first["cases"] == 1
    assert len(second["heads"]) == 2 and second["cases"] == 2 and second["root"] != first["root"]
    assert_clean("--check-anchor", str(anchors))

    # and an anchor file edited by hand is reported
    second["heads"][str(case.pk)][1] = "0" * 64
    anchors.write_text(json.dumps(first) + "\n" + json.dumps(second) + "\n")
    out, err, failure = verify("--check-anchor", str(anchors))
    assert failure is not None and "TAMPERED" in err


def test_the_background_job_publishes_one_anchor_a_day(demo, tmp_path):
    file_case("grid1")
    with override_settings(AUDIT_ANCHOR_DIR=tmp_path / "audit-anchors"):
        with frozen_clock(dt.datetime(2026, 12, 1, 23, 0, tzinfo=dt.UTC)):  # 07:00 on 2 December in Beijing
            assert publish_anchor() == 1
            assert publish_anchor() == 0
        with frozen_clock(dt.datetime(2026, 12, 2, 16, 30, tzinfo=dt.UTC)):  # 00:30 on 3 December
            assert publish_anchor() == 1
        lines = (tmp_path / "audit-anchors" / "chain-heads.jsonl").read_text().splitlines()
        assert [json.loads(line)["date"] for line in lines] == ["2026-12-02", "2026-12-03"]
        assert_clean("--check-anchor")


def test_checking_against_a_missing_anchor_file_fails(demo, tmp_path):
    file_case("grid1")
    out, err, failure = verify("--check-anchor", str(tmp_path / "nothing.jsonl"))
    assert failure is not None and "no anchor" in str(failure)


# --- a clean history: the demo generator's cases ---------------------------------------------------


def test_the_demo_generators_history_verifies_clean_with_its_anchor(db, tmp_path):
    # given the demo county with generated past cases, and more worked through the services
    call_command("load_demo", "--cases", "40", stdout=io.StringIO(), stderr=io.StringIO())
    rich_case()
    anchors = tmp_path / "anchors.jsonl"
    call_command("verify_audit", "--anchor", str(anchors), stdout=io.StringIO())
    case = bring_to("village_mediation")
    services.case_record_agreement(case_id=case.pk, actor=user("mediator1"), terms="赔偿维修费800元",
                                   obligations=[{"description": "付款", "due_date": days_from_today(40)}])

    # then every chain is intact, every record matches its last event, and the anchor holds
    out = assert_clean("--check-anchor", str(anchors))
    assert f"{Case.objects.count()} cases checked" in out
    assert not CaseEvent.objects.filter(state_digest="").exists()
