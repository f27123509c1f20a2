"""延长调解期限: POST /api/v1/cases/{id}/deadline/extend/ (DESIGN.md §2) — village mediation once with
both parties' consent, township mediation once by 30 days; the CaseDeadline moves, and with it
the moments at which the deadline sweep takes it."""
from __future__ import annotations

import datetime as dt

import pytest

from casework import clock, ladder
from casework.choices import Status
from casework.models import Case, CaseDeadline, DeadlineRule
from tests.conftest import bring_to
from tests.flows.helpers import sweep_moments
from tests.mediation.support import OUTSIDE, at, events, post, records

REASON = "双方同意延期，待房屋漏水鉴定结果出来后再行调解"


def extend(api, who: str, case_id: int, **body):
    return post(api, who, case_id, "deadline/extend/", body)


def stage_clock(case_id: int, kind: str) -> CaseDeadline:
    return CaseDeadline.objects.get(case_id=case_id, kind=kind, ended_at__isnull=True)


def timers(case_id: int) -> dict[str, dt.datetime]:
    """When the deadline sweep takes the case's stage clock's warning and breach (its moments, read
    through the sweep's own query: tests.flows.helpers.sweep_moments)."""
    deadline = CaseDeadline.objects.exclude(kind__in=ladder.DETACHED_CLOCKS).get(case_id=case_id, ended_at__isnull=True)
    return sweep_moments(deadline)


def test_village_mediation_is_extended_once_with_both_parties_consent_and_its_timers_move(demo, api):
    # given a case accepted by the village on 2 March: mediation due at the end of 1 April
    with clock.travel_to(at(2026, 3, 2)):
        case = bring_to(Status.VILLAGE_MEDIATION)
    before = stage_clock(case.pk, "village_mediation")
    assert before.due_at == at(2026, 4, 1, 23, 59) + dt.timedelta(seconds=59)
    assert timers(case.pk) == {"warning": before.warn_at, "breach": before.due_at}

    # when the committee head extends it on 20 March with both parties' consent
    with clock.travel_to(at(2026, 3, 20)):
        response = extend(api, "head1", case.pk, reason=REASON, parties_consent=True)

    # then the clock is due 30 days later, marked extended, its warning at two thirds of the longer time
    assert response.status_code == 200, response.data
    after = stage_clock(case.pk, "village_mediation")
    assert after.due_at == before.due_at + dt.timedelta(days=30)
    assert after.extended is True
    assert after.warn_at == after.started_at + (after.due_at - after.started_at) * 2 / 3
    assert response.data["deadline"]["extended"] is True
    assert dt.datetime.fromisoformat(response.data["deadline"]["due_at"]) == after.due_at
    # and the sweep takes the clock at its new moments
    assert timers(case.pk) == {"warning": after.warn_at, "breach": after.due_at}
    # and the timeline records the extension, the consent and the reason
    event = Case.objects.get(pk=case.pk).events.order_by("-seq").first()
    assert event.action == "extend_deadline" and event.note == REASON
    assert event.data["parties_consent"] is True and event.data["extension_days"] == 30


def test_second_extension_is_a_409_and_changes_nothing(demo, api):
    # given a village mediation already extended once
    case = bring_to(Status.VILLAGE_MEDIATION)
    assert extend(api, "head1", case.pk, reason=REASON, parties_consent=True).status_code == 200
    before, armed = records(case.pk), timers(case.pk)
    # when it is extended again, then 409 invalid_transition, and neither the clock nor the timers moved
    response = extend(api, "mediator1", case.pk, reason="再延一次", parties_consent=True)
    assert response.status_code == 409, response.data
    assert response.data["code"] == "invalid_transition"
    assert records(case.pk) == before and timers(case.pk) == armed


@pytest.mark.parametrize("body", [{"reason": REASON, "parties_consent": False}, {"reason": REASON}])
def test_village_extension_without_both_parties_consent_is_a_400_and_changes_nothing(demo, api, body):
    # given a case in village mediation
    case = bring_to(Status.VILLAGE_MEDIATION)
    before, armed = records(case.pk), timers(case.pk)
    # when it is extended without the parties' consent, then 400 on parties_consent, nothing changed
    response = extend(api, "head1", case.pk, **body)
    assert response.status_code == 400, response.data
    assert "parties_consent" in response.data
    assert records(case.pk) == before and timers(case.pk) == armed


def test_extension_without_a_reason_is_a_400(demo, api):
    case = bring_to(Status.VILLAGE_MEDIATION)
    before = records(case.pk)
    response = extend(api, "head1", case.pk, reason="   ", parties_consent=True)
    assert response.status_code == 400 and "reason" in response.data
    assert records(case.pk) == before


def test_township_mediation_is_extended_once_by_30_days(demo, api):
    # given a case in joint mediation at the township since 5 March
    with clock.travel_to(at(2026, 3, 5)):
        case = bring_to(Status.TOWNSHIP_MEDIATION)
    before = stage_clock(case.pk, "township_mediation")
    # when the center extends it (no consent is asked for at the township)
    with clock.travel_to(at(2026, 3, 25)):
        response = extend(api, "center1", case.pk, reason="需等待司法鉴定意见")
    # then it is due 30 days later and the breach timer moved with it
    assert response.status_code == 200, response.data
    after = stage_clock(case.pk, "township_mediation")
    assert after.due_at == before.due_at + dt.timedelta(days=30) and after.extended
    assert timers(case.pk)["breach"] == after.due_at
    assert events(case.pk)[-1] == "extend_deadline"
    # and a second extension is refused, moving neither the clock nor the timers
    before, armed = records(case.pk), timers(case.pk)
    assert extend(api, "center1", case.pk, reason="再延").status_code == 409
    assert records(case.pk) == before and timers(case.pk) == armed


@pytest.mark.parametrize(("who", "status"), [
    ("grid1", 403), ("center1", 403), ("super1", 403), *[(who, 404) for who in OUTSIDE],
])
def test_village_extension_by_anyone_but_the_village_committee_is_refused_and_changes_nothing(demo, api, who, status):
    # given a case in village mediation
    case = bring_to(Status.VILLAGE_MEDIATION)
    before, armed = records(case.pk), timers(case.pk)
    # when someone else extends it, then refused (404 outside their jurisdiction), nothing changed
    response = extend(api, who, case.pk, reason=REASON, parties_consent=True)
    assert response.status_code == status, response.data
    assert records(case.pk) == before and timers(case.pk) == armed


@pytest.mark.parametrize("state", [Status.REPORTED, Status.TOWNSHIP_TRIAGE, Status.REFERRED, Status.AGREED])
def test_extension_of_a_stage_that_is_not_mediation_is_a_409(demo, api, state):
    # given a case that is not being mediated, when the center extends "its deadline", then 409
    case = bring_to(state)
    before = records(case.pk)
    response = extend(api, "center1", case.pk, reason=REASON, parties_consent=True)
    assert response.status_code == 409, response.data
    assert records(case.pk) == before


def village_mediation_rule(*, extension_days: int) -> None:
    """The default village mediation rule (30 calendar days) with that extension: updated, or written
    again when a transactional test earlier in this process flushed the rows the migration wrote."""
    DeadlineRule.objects.update_or_create(kind="village_mediation", region=None, dispute_type="",
                                          defaults={"days": 30, "day_count": "calendar",
                                                    "extension_days": extension_days})


def test_rule_without_extension_days_cannot_be_extended(demo, api):
    # given an administrator who set village mediation to allow no extension
    village_mediation_rule(extension_days=0)
    case = bring_to(Status.VILLAGE_MEDIATION)
    before = records(case.pk)
    # when it is extended, then 409 and nothing changed
    response = extend(api, "head1", case.pk, reason=REASON, parties_consent=True)
    assert response.status_code == 409 and response.data["code"] == "invalid_transition"
    assert records(case.pk) == before


def test_rule_with_a_shorter_extension_extends_by_that_much(demo, api):
    # given a rule allowing 15 days' extension of village mediation
    village_mediation_rule(extension_days=15)
    case = bring_to(Status.VILLAGE_MEDIATION)
    before = stage_clock(case.pk, "village_mediation").due_at
    # when extended, then by 15 days
    assert extend(api, "head1", case.pk, reason=REASON, parties_consent=True).status_code == 200
    assert stage_clock(case.pk, "village_mediation").due_at == before + dt.timedelta(days=15)


def test_deadline_that_has_passed_cannot_be_extended(demo, api):
    # given village mediation started on 2 March, due 1 April
    with clock.travel_to(at(2026, 3, 2)):
        case = bring_to(Status.VILLAGE_MEDIATION)
    before = records(case.pk)
    # when it is extended on 3 April, before the timers acted on the breach, then 409
    with clock.travel_to(at(2026, 4, 3)):
        response = extend(api, "head1", case.pk, reason=REASON, parties_consent=True)
    assert response.status_code == 409, response.data
    assert records(case.pk) == before


def test_paused_clock_is_extended_and_its_timers_wait_for_the_resume(demo, api):
    # given village mediation started on 2 March (due 1 April), paused on 10 March
    with clock.travel_to(at(2026, 3, 2)):
        case = bring_to(Status.VILLAGE_MEDIATION)
    original_due = stage_clock(case.pk, "village_mediation").due_at
    with clock.travel_to(at(2026, 3, 10)):
        assert post(api, "head1", case.pk, "deadline/pause/", {"reason": "被申请人外出务工"}).status_code == 200
    # when it is extended while paused, then it is due 30 days later than it would be at the end
    # of the pause (a pause lasts 30 days at most), and the timers wait for the pause to run out
    with clock.travel_to(at(2026, 3, 12)):
        assert extend(api, "head1", case.pk, reason=REASON, parties_consent=True).status_code == 200
    paused = stage_clock(case.pk, "village_mediation")
    longest = paused.pause_ends_at - paused.paused_at
    assert paused.due_at == original_due + dt.timedelta(days=30) + longest
    assert timers(case.pk) == {"warning": max(paused.warn_at, paused.pause_ends_at),
                               "breach": paused.due_at}
    # and when it resumes five days after the pause, the timers are armed at the extended, shifted moments
    with clock.travel_to(at(2026, 3, 15)):
        assert post(api, "head1", case.pk, "deadline/resume/").status_code == 200
    resumed = stage_clock(case.pk, "village_mediation")
    assert abs(resumed.due_at - (original_due + dt.timedelta(days=35))) < dt.timedelta(minutes=1)
    assert timers(case.pk) == {"warning": resumed.warn_at, "breach": resumed.due_at}
