"""Every writer changes a case through `record_change`: its event chain stays valid, and the search
outbox row is written in the same transaction as the event — rolled back together with it."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from actions import services
from actions import sweep as deadline_handlers
from casework import clock, ladder
from casework.audit import verify_case_chain, verify_state
from casework.models import Case, CaseDeadline, CaseEvent, SearchOutbox
from casework.record import current_states
from flows import engine
from tests.casework.test_attachments import png_1x1
from tests.conftest import agreement_in_force, bring_to, days_from_today, file_case, user


def _agreed_unsigned() -> Case:
    """A village case whose written agreement waits for a signature and the seal."""
    case = bring_to("village_mediation")
    party = case.parties.first()
    services.case_record_agreement(case_id=case.pk, actor=user("mediator1"), **agreement_in_force(
        case, signatures=[{"party": party.pk, "signed": False}], sealed=False))
    return Case.objects.get(pk=case.pk)


def _stage_task(case: Case):
    return engine.open_stage_task(case.process.pk)


@dataclass
class Writer:
    """A case (made ready by `given`) and the write to make on it (`when`, given the case)."""

    given: Callable[[], Case]
    when: Callable[[Case], object]
    events: int = 1  # how many events the write appends


def _merge(case: Case) -> None:
    into = file_case("grid1", title="同一漏水纠纷（重复登记）")
    services.case_merge(case_id=case.pk, actor=user("head1"), into=into.pk)


def _claimed(case: Case) -> Case:
    services.task_claim(task_id=_stage_task(case).pk, actor=user("mediator1"))
    return Case.objects.get(pk=case.pk)


def _paused() -> Case:
    case = bring_to("village_mediation")
    services.case_pause_clock(case_id=case.pk, actor=user("head1"), reason="当事人外出务工，联系不上")
    return Case.objects.get(pk=case.pk)


def _requested() -> Case:
    case = bring_to("agreed")
    services.judicial_confirmation_request(case_id=case.pk, actor=user("mediator1"), court="诸暨市人民法院")
    return Case.objects.get(pk=case.pk)


def _swept(handler, moment: str, case: Case) -> None:
    """The deadline sweep's handler (actions.sweep) on the case's stage clock, at its moment."""
    stage_clock = CaseDeadline.objects.exclude(kind__in=ladder.DETACHED_CLOCKS).get(case=case, ended_at__isnull=True)
    at = getattr(stage_clock, moment)
    with clock.travel_to(at):
        assert handler([stage_clock.pk], as_of=at) == (1, 0)


def _warn(case: Case) -> None:
    _swept(deadline_handlers.warn_batch, "warn_at", case)


def _breach(case: Case) -> None:
    # A village stage: the breach, then the automatic escalation to the township.
    _swept(deadline_handlers.breach_batch, "due_at", case)


def _breach_at_township(case: Case) -> None:
    # A township stage: the breach and a supervision order (督办).
    _swept(deadline_handlers.breach_batch, "due_at", case)


head, center, mediator = (lambda: user("head1")), (lambda: user("center1")), (lambda: user("mediator1"))
WRITERS: dict[str, Writer] = {
    "resolve_on_spot": Writer(lambda: bring_to("reported"), lambda c: services.case_resolve_on_spot(
        case_id=c.pk, actor=user("grid1"), note="当场调解，双方和好")),
    "accept": Writer(lambda: bring_to("reported"), lambda c: services.case_accept(
        case_id=c.pk, actor=head(), mediators=[mediator()])),
    "decline": Writer(lambda: bring_to("reported"), lambda c: services.case_decline(
        case_id=c.pk, actor=head(), reason="属于劳动争议", advised_channel="arbitration")),
    "escalate": Writer(lambda: bring_to("reported"), lambda c: services.case_escalate(
        case_id=c.pk, actor=head(), reason="涉及多户")),
    "triage_to_mediation": Writer(lambda: bring_to("township_triage"), lambda c: services.case_triage_to_mediation(
        case_id=c.pk, actor=center())),
    "return_to_village": Writer(lambda: bring_to("township_triage"), lambda c: services.case_return_to_village(
        case_id=c.pk, actor=center(), note="请村调委会再做工作")),
    "refer": Writer(lambda: bring_to("township_triage"), lambda c: services.case_refer(
        case_id=c.pk, actor=center(), channel="court", receiving_body="诸暨市人民法院诉调对接中心")),
    "record_agreement": Writer(lambda: bring_to("village_mediation"), lambda c: services.case_record_agreement(
        case_id=c.pk, actor=mediator(), terms="赔偿维修费800元", obligations=[{"description": "付款", "due_date": days_from_today(40)}])),
    "record_referral_outcome": Writer(lambda: bring_to("referred"), lambda c: services.case_record_referral_outcome(
        case_id=c.pk, actor=center(), resolved=True, reply="经仲裁调解结案")),
    "reopen": Writer(lambda: bring_to("agreed"), lambda c: services.case_reopen(
        case_id=c.pk, actor=head(), reason="一方反悔")),
    "close": Writer(lambda: bring_to("agreed"), lambda c: services.case_close(
        case_id=c.pk, actor=head(), fulfilled=True, satisfaction="satisfied")),
    "withdraw": Writer(lambda: bring_to("reported"), lambda c: services.case_withdraw(
        case_id=c.pk, actor=head(), note="申请人撤回")),
    "merge": Writer(lambda: bring_to("reported"), _merge),
    "pause_clock": Writer(lambda: bring_to("village_mediation"), lambda c: services.case_pause_clock(
        case_id=c.pk, actor=head(), reason="当事人联系不上")),
    "resume_clock": Writer(_paused, lambda c: services.case_resume_clock(case_id=c.pk, actor=head())),
    "extend_deadline": Writer(lambda: bring_to("village_mediation"), lambda c: services.case_extend_deadline(
        case_id=c.pk, actor=head(), reason="双方同意延长", parties_consent=True)),
    "attach": Writer(lambda: bring_to("reported"), lambda c: services.case_add_attachment(
        case_id=c.pk, actor=user("grid1"), upload=SimpleUploadedFile("现场.png", png_1x1(), "image/png"),
        content_type="image/png", extension="png")),
    "session_recorded": Writer(lambda: bring_to("village_mediation"), lambda c: services.session_record(
        case_id=c.pk, actor=mediator(), held_at=clock.now(), place="村调解室", statements="双方陈述", result="继续调解")),
    "termination_recorded": Writer(lambda: bring_to("village_mediation"), lambda c: services.termination_record(
        case_id=c.pk, actor=mediator(), reason="双方分歧过大", advised_channels=["court"], then="close")),
    "agreement_signed": Writer(_agreed_unsigned, lambda c: services.agreement_sign(
        case_id=c.pk, actor=mediator(), signatures=[{"party": c.parties.first().pk, "signed": True}], sealed=True)),
    "judicial_confirmation_requested": Writer(lambda: bring_to("agreed"), lambda c: services.judicial_confirmation_request(
        case_id=c.pk, actor=mediator(), court="诸暨市人民法院")),
    "judicial_confirmation_decided": Writer(_requested, lambda c: services.judicial_confirmation_decide(
        case_id=c.pk, actor=mediator(), result="confirmed",
        request_id=c.agreements.get(superseded=False).confirmation_requests.get().pk)),
    "referral_received": Writer(lambda: bring_to("referred"), lambda c: services.referral_receive(
        case_id=c.pk, actor=center(), referral_id=c.referrals.get().pk)),
    "claim": Writer(lambda: bring_to("reported"), lambda c: services.task_claim(
        task_id=_stage_task(c).pk, actor=mediator())),
    "assign": Writer(lambda: bring_to("reported"), lambda c: services.task_assign(
        task_id=_stage_task(c).pk, actor=head(), assignee=mediator())),
    "unassign": Writer(lambda: _claimed(bring_to("reported")), lambda c: services.task_unassign(
        task_id=_stage_task(c).pk, actor=mediator())),
    "deadline_warning": Writer(lambda: bring_to("reported"), _warn),
    "deadline_breached": Writer(lambda: bring_to("reported"), _breach, events=2),
    "supervision_order": Writer(lambda: bring_to("township_triage"), _breach_at_township, events=2),
}


class Rollback(Exception):
    pass


def _state(case_id: int) -> tuple[list[int], list[tuple[int, int]]]:
    return (list(CaseEvent.objects.filter(case_id=case_id).values_list("seq", flat=True)),
            list(SearchOutbox.objects.filter(case_id=case_id).values_list("version", "id")))


@pytest.mark.parametrize("name", list(WRITERS))
def test_each_writer_keeps_the_chain_and_writes_its_outbox_row_in_the_same_transaction(shared_demo, name):
    writer = WRITERS[name]
    case = writer.given()
    before = _state(case.pk)

    # when the write runs in a transaction that is then rolled back
    with pytest.raises(Rollback), transaction.atomic():
        writer.when(Case.objects.get(pk=case.pk))
        assert len(_state(case.pk)[1]) > len(before[1])  # the outbox row exists inside it
        raise Rollback

    # then neither its events nor its outbox rows remain
    assert _state(case.pk) == before

    # when it runs and commits
    writer.when(Case.objects.get(pk=case.pk))

    # then the chain is intact, with one outbox row per change, each at the version it produced
    case = Case.objects.get(pk=case.pk)
    events = list(case.events.order_by("seq"))
    assert verify_case_chain(case, events) is None
    new_events = events[len(before[0]):]
    assert len(new_events) >= writer.events
    assert name in {e.action for e in new_events}
    versions = [v for v, _ in SearchOutbox.objects.filter(case=case).order_by("id").values_list("version", "id")]
    assert len(versions) == len(events)
    assert versions == sorted(versions) and versions[-1] == case.version


def _agree_unsigned(case: Case) -> None:
    # A written agreement still waiting for a signature: its confirmation clock is paused as it is recorded.
    services.case_record_agreement(case_id=case.pk, actor=user("mediator1"), terms="赔偿维修费800元",
                                   obligations=[{"description": "付款", "due_date": days_from_today(40)}],
                                   signatures=[{"party": case.parties.first().pk, "signed": False}], sealed=False)


RECORD_WRITERS = {**WRITERS, "record_agreement_unsigned": Writer(lambda: bring_to("village_mediation"), _agree_unsigned)}


@pytest.mark.parametrize("name", list(RECORD_WRITERS))
def test_each_writers_event_commits_to_the_record_as_the_write_leaves_it(shared_demo, name):
    # given a case ready for the write
    writer = RECORD_WRITERS[name]
    case = writer.given()

    # when the write runs
    writer.when(Case.objects.get(pk=case.pk))

    # then the last event's state is the record as it is now: every row was written before the event
    case = Case.objects.get(pk=case.pk)
    last = case.events.order_by("-seq").first()
    assert last.state_digest
    assert verify_state(case, last, current_states([case.pk])[case.pk]) is None


def test_filing_writes_its_outbox_rows_with_the_case_or_not_at_all(shared_demo):
    cases, rows = Case.objects.count(), SearchOutbox.objects.count()

    with pytest.raises(Rollback), transaction.atomic():
        file_case("grid1", risk_level="high")
        raise Rollback
    assert (Case.objects.count(), SearchOutbox.objects.count()) == (cases, rows)

    case = file_case("grid1", risk_level="high")
    events = list(case.events.order_by("seq"))
    assert [e.action for e in events] == ["file", "escalate"]
    assert verify_case_chain(Case.objects.get(pk=case.pk), events) is None
    assert list(SearchOutbox.objects.filter(case=case).values_list("version", flat=True)) == [1, 2]
