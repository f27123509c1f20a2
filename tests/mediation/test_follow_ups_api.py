"""回访 as visits: GET/POST /api/v1/cases/{id}/follow-ups/ — more than one visit per case, in person
or by phone, on an agreed case or after it was closed on its agreement; the statistics keep the
figures of the visit that closed the case."""
from __future__ import annotations

import datetime as dt

from actions import services
from casework import clock
from casework.choices import Status
from casework.models import Case
from mediation.models import FollowUpVisit
from reports.stats import summarize
from tests.conftest import agreement_in_force, bring_to, user
from tests.mediation.support import OUTSIDE, at, events, get, post, records

VISIT = {"visited_at": "2026-03-15T10:00:00+08:00", "manner": "phone", "fulfilled": True,
         "satisfaction": "basically_satisfied", "notes": "电话回访申请人，已收到第一期款项。"}


def agreed() -> int:
    with clock.travel_to(at(2026, 3, 10)):
        case = bring_to(Status.VILLAGE_MEDIATION)
        services.case_record_agreement(case_id=case.pk, actor=user("mediator1"), **agreement_in_force(case))
    return case.pk


def visit(api, who: str, case_id: int, day: int = 16, **body):
    with clock.travel_to(at(2026, 3, day)):
        return post(api, who, case_id, "follow-ups/", {**VISIT, **body})


def test_mediator_records_two_visits_and_both_are_listed(demo, api):
    # given an agreed case
    case_id = agreed()
    # when the mediator records a phone visit, then an in-person one
    first = visit(api, "mediator1", case_id)
    second = visit(api, "mediator1", case_id, day=18, visited_at="2026-03-18T09:00:00+08:00", manner="in_person",
                   satisfaction="satisfied", notes="")
    # then both are recorded, in order, each with an event, and the case stays agreed
    assert (first.status_code, second.status_code) == (201, 201), (first.data, second.data)
    assert first.data["manner"] == "phone" and first.data["visited_by"]["username"] == "mediator1"
    listed = get(api, "county1", case_id, "follow-ups/").data
    assert [(v["manner"], v["satisfaction"]) for v in listed] == [("phone", "basically_satisfied"),
                                                                   ("in_person", "satisfied")]
    assert events(case_id)[-2:] == ["follow_up_recorded", "follow_up_recorded"]
    assert second["ETag"] == f'"{Case.objects.get(pk=case_id).version}"'


def test_a_visit_after_closing_is_recorded_and_does_not_change_the_closing_figures(demo, api):
    # given a case closed on 20 March by a visit that found the parties satisfied
    case_id = agreed()
    with clock.travel_to(at(2026, 3, 20)):
        services.case_close(case_id=case_id, actor=user("mediator1"), fulfilled=True, satisfaction="satisfied")
    paths = [Case.objects.get(pk=case_id).region_path]

    def figures():
        summary = summarize(paths=paths, start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31),
                            as_of=at(2026, 4, 30))
        return summary.total.satisfaction_rate, summary.total.fulfilment_rate

    before = figures()
    # when a later visit finds them dissatisfied
    response = visit(api, "mediator1", case_id, day=25, visited_at="2026-03-25T09:00:00+08:00",
                     satisfaction="dissatisfied", fulfilled=False, notes="被申请人第二期未付。")
    # then it is recorded beside the closing visit, and the reported figures stay those of the closing
    assert response.status_code == 201, response.data
    assert FollowUpVisit.objects.filter(case_id=case_id).count() == 2
    assert figures() == before == (1.0, 1.0)


def test_bad_input_is_a_400_with_field_errors_and_changes_nothing(demo, api):
    case_id = agreed()
    before = records(case_id)
    response = visit(api, "mediator1", case_id, manner="letter", satisfaction="", visited_at="")
    assert response.status_code == 400
    assert {"manner", "satisfaction", "visited_at"} <= set(response.data)
    future = visit(api, "mediator1", case_id, visited_at="2026-03-30T09:00:00+08:00")
    assert future.status_code == 400 and "visited_at" in future.data
    early = visit(api, "mediator1", case_id, visited_at="2026-03-01T09:00:00+08:00")
    assert early.status_code == 400 and "visited_at" in early.data
    assert records(case_id) == before and FollowUpVisit.objects.filter(case_id=case_id).count() == 0


def test_without_an_agreement_it_is_a_409(demo, api):
    with clock.travel_to(at(2026, 3, 10)):
        case = bring_to(Status.VILLAGE_MEDIATION)
    response = visit(api, "mediator1", case.pk)
    assert response.status_code == 409, response.data


def test_wrong_role_is_a_403_and_other_jurisdiction_a_404(demo, api):
    case_id = agreed()
    assert visit(api, "grid1", case_id).status_code == 403
    for who in OUTSIDE:
        assert visit(api, who, case_id).status_code == 404
        assert get(api, who, case_id, "follow-ups/").status_code == 404
    assert FollowUpVisit.objects.filter(case_id=case_id).count() == 0
