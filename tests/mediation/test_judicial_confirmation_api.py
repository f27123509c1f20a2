"""司法确认: POST /api/v1/cases/{id}/judicial-confirmations/ and …/{rid}/result/ — a joint request to a
court within 30 days of the agreement taking effect (People's Mediation Law art. 33), and the ruling."""
from __future__ import annotations

import pytest

from casework import clock
from casework.choices import Status
from casework.models import CaseDeadline
from mediation.models import JudicialConfirmationRequest
from tests.conftest import bring_to
from tests.mediation.support import OUTSIDE, at, events, fire, get, post, records

COURT = "诸暨市人民法院枫桥人民法庭"
AGREEMENT = {"terms": "被申请人赔偿申请人维修费800元", "obligations": [{"description": "支付800元", "due_date": "2026-03-31"}]}


def agreed_on_10_march():
    """A case whose village agreement was recorded, and took effect, on 10 March 2026."""
    with clock.travel_to(at(2026, 3, 2)):
        case = bring_to(Status.VILLAGE_MEDIATION)
    return case


def agree(api, case, **extra) -> None:
    """Record a complete agreement (art. 35), by default signed by every party and sealed that day."""
    respondent = case.parties.get(role="respondent").pk
    complete = {
        "terms": AGREEMENT["terms"], "facts": "楼上漏水致楼下吊顶脱落。", "responsibilities": "被申请人负全部责任。",
        "obligations": [{**AGREEMENT["obligations"][0], "party": respondent}],
        "signatures": [{"party": p.pk} for p in case.parties.all()], "sealed": True,
    }
    with clock.travel_to(at(2026, 3, 10)):
        fire(api, "mediator1", case.pk, "record_agreement", **{**complete, **extra})


def request(api, who: str, case_id: int, **body):
    return post(api, who, case_id, "judicial-confirmations/", {"court": COURT, **body})


def window_state(case_id: int) -> str:
    return CaseDeadline.objects.filter(case_id=case_id, kind="judicial_confirmation").latest("started_at").state


def test_mediator_records_the_parties_joint_request_on_the_thirtieth_day(demo, api):
    # given an agreement in force since 10 March
    case = agreed_on_10_march()
    agree(api, case)
    # when on 9 April, the 30th day, the mediator records the parties' joint request
    with clock.travel_to(at(2026, 4, 9, 16)):
        response = request(api, "mediator1", case.pk)
    # then it is pending at the court, the countdown is met, and the case got one event
    assert response.status_code == 201, response.data
    assert (response.data["court"], response.data["requested_on"], response.data["status"]) == (
        COURT, "2026-04-09", "pending")
    assert window_state(case.pk) == "met"
    assert events(case.pk)[-1] == "judicial_confirmation_requested"
    listed = get(api, "county1", case.pk, "judicial-confirmations/").data
    assert [r["id"] for r in listed] == [response.data["id"]]


@pytest.mark.parametrize("body", [{}, {"requested_on": "2026-04-10"}])
def test_request_after_30_days_is_a_400_and_changes_nothing(demo, api, body):
    # given an agreement in force since 10 March (last day 9 April)
    case = agreed_on_10_march()
    agree(api, case)
    before = records(case.pk)
    # when a request is recorded for 10 April (given, or today's date)
    with clock.travel_to(at(2026, 4, 10, 9)):
        response = request(api, "mediator1", case.pk, **body)
    # then 400 on requested_on, citing the law, and nothing changed
    assert response.status_code == 400, response.data
    assert "requested_on" in response.data
    assert "2026-04-09" in response.data["requested_on"][0]
    assert records(case.pk) == before
    assert window_state(case.pk) == "running"


def test_request_dated_before_the_agreement_took_effect_is_a_400(demo, api):
    # given an agreement in force since 10 March
    case = agreed_on_10_march()
    agree(api, case)
    before = records(case.pk)
    # when a request is recorded as made on 9 March
    with clock.travel_to(at(2026, 3, 20)):
        response = request(api, "mediator1", case.pk, requested_on="2026-03-09")
    # then 400 on requested_on, nothing changed, and the countdown still runs
    assert response.status_code == 400 and "requested_on" in response.data
    assert records(case.pk) == before
    assert window_state(case.pk) == "running"


def test_window_counts_from_the_last_signature_not_from_the_recording(demo, api):
    # given an agreement recorded on 10 March but sealed only on 20 March
    case = agreed_on_10_march()
    ids = {p.role: p.pk for p in case.parties.all()}
    agree(api, case, signatures=[{"party": ids["applicant"]}, {"party": ids["respondent"]}], sealed=False)
    with clock.travel_to(at(2026, 3, 20)):
        assert post(api, "head1", case.pk, "agreement/signatures/", {"sealed": True}).status_code == 200
    # when the request is recorded on 15 April (more than 30 days after recording, fewer after effect)
    with clock.travel_to(at(2026, 4, 15)):
        response = request(api, "mediator1", case.pk)
    # then it is accepted: pending at the court, the countdown met, one event on the case
    assert response.status_code == 201, response.data
    made = JudicialConfirmationRequest.objects.get(agreement__case=case)
    assert (made.pk, made.court, made.requested_on.isoformat(), made.status, made.recorded_by.username) == (
        response.data["id"], COURT, "2026-04-15", "pending", "mediator1")
    assert window_state(case.pk) == "met"
    assert events(case.pk)[-1] == "judicial_confirmation_requested"


def test_request_for_an_agreement_not_yet_in_force_is_a_409(demo, api):
    # given an agreement that still lacks the respondent's signature and the seal
    case = agreed_on_10_march()
    ids = {p.role: p.pk for p in case.parties.all()}
    agree(api, case, signatures=[{"party": ids["applicant"]}])
    before = records(case.pk)
    # when a request is recorded, then 409: there is nothing in force to confirm
    with clock.travel_to(at(2026, 3, 12)):
        response = request(api, "mediator1", case.pk)
    assert response.status_code == 409 and response.data["code"] == "invalid_transition"
    assert records(case.pk) == before


def test_request_without_an_agreement_is_a_409(demo, api):
    case = bring_to(Status.VILLAGE_MEDIATION)
    before = records(case.pk)
    response = request(api, "head1", case.pk)
    assert response.status_code == 409
    assert records(case.pk) == before


def test_second_request_while_one_is_pending_is_a_409(demo, api):
    case = agreed_on_10_march()
    agree(api, case)
    with clock.travel_to(at(2026, 3, 15)):
        assert request(api, "mediator1", case.pk).status_code == 201
        before = records(case.pk)
        response = request(api, "head1", case.pk)
    assert response.status_code == 409
    assert records(case.pk) == before


def test_court_ruling_is_recorded_once(demo, api):
    # given a pending request made on 15 March
    case = agreed_on_10_march()
    agree(api, case)
    with clock.travel_to(at(2026, 3, 15)):
        made = request(api, "mediator1", case.pk).data
    # when the court's confirmation of 25 March is recorded
    with clock.travel_to(at(2026, 3, 26)):
        response = post(api, "head1", case.pk, f"judicial-confirmations/{made['id']}/result/",
                        {"result": "confirmed", "decided_on": "2026-03-25", "decision": "（2026）浙0681民特123号"})
        # then the request shows it, with one event
        assert response.status_code == 200, response.data
        assert (response.data["status"], response.data["decided_on"]) == ("confirmed", "2026-03-25")
        assert events(case.pk)[-1] == "judicial_confirmation_decided"
        before = records(case.pk)
        # and recording a ruling again is a 409, and so is a new request
        again = post(api, "head1", case.pk, f"judicial-confirmations/{made['id']}/result/", {"result": "rejected"})
        assert again.status_code == 409
        assert request(api, "mediator1", case.pk).status_code == 409
    assert records(case.pk) == before


def test_after_a_rejection_the_parties_may_ask_again_within_the_window(demo, api):
    case = agreed_on_10_march()
    agree(api, case)
    with clock.travel_to(at(2026, 3, 20)):
        made = request(api, "mediator1", case.pk).data
        rejected = post(api, "mediator1", case.pk, f"judicial-confirmations/{made['id']}/result/",
                        {"result": "rejected", "decision": "协议内容需补正"})
        assert rejected.status_code == 200 and rejected.data["status"] == "rejected"
        again = request(api, "mediator1", case.pk)
        assert again.status_code == 201
    # and the new request is pending beside the rejected one, each on the timeline
    assert list(JudicialConfirmationRequest.objects.filter(agreement__case=case).values_list("pk", "status")) == [
        (made["id"], "rejected"), (again.data["id"], "pending")]
    assert events(case.pk)[-3:] == ["judicial_confirmation_requested", "judicial_confirmation_decided",
                                    "judicial_confirmation_requested"]


@pytest.mark.parametrize(("overrides", "field"), [
    ({"result": "pending"}, "result"), ({"result": "confirmed", "decided_on": "2026-03-01"}, "decided_on"),
])
def test_bad_ruling_is_a_400(demo, api, overrides, field):
    case = agreed_on_10_march()
    agree(api, case)
    with clock.travel_to(at(2026, 3, 15)):
        made = request(api, "mediator1", case.pk).data
        before = records(case.pk)
        response = post(api, "head1", case.pk, f"judicial-confirmations/{made['id']}/result/", overrides)
    assert response.status_code == 400 and field in response.data
    assert records(case.pk) == before


@pytest.mark.parametrize(("who", "status"), [("grid1", 403), ("super1", 403), *[(who, 404) for who in OUTSIDE]])
def test_request_by_a_role_that_does_not_hold_the_agreement_is_refused_and_changes_nothing(demo, api, who, status):
    case = agreed_on_10_march()
    agree(api, case)
    before = records(case.pk)
    with clock.travel_to(at(2026, 3, 15)):
        response = request(api, who, case.pk)
    assert response.status_code == status, response.data
    assert records(case.pk) == before


def test_ruling_of_another_cases_request_is_404(demo, api):
    case, other = agreed_on_10_march(), agreed_on_10_march()
    agree(api, case)
    agree(api, other)
    with clock.travel_to(at(2026, 3, 15)):
        made = request(api, "mediator1", other.pk).data
        before = records(case.pk), records(other.pk)
        response = post(api, "head1", case.pk, f"judicial-confirmations/{made['id']}/result/", {"result": "confirmed"})
    # then 404, and neither case nor the other's request changed
    assert response.status_code == 404
    assert (records(case.pk), records(other.pk)) == before
    assert JudicialConfirmationRequest.objects.get(pk=made["id"]).status == "pending"


def test_late_request_is_refused_in_chinese_by_default_and_in_english_on_request(demo, api):
    # given an agreement in force since 10 March
    case = agreed_on_10_march()
    agree(api, case)
    before = records(case.pk)
    # when a request is recorded on 20 April, without and with a language preference
    with clock.travel_to(at(2026, 4, 20)):
        chinese = request(api, "mediator1", case.pk)
        english = post(api, "mediator1", case.pk, "judicial-confirmations/", {"court": COURT},
                       HTTP_ACCEPT_LANGUAGE="en")
    # then the refusal cites the law and the last day, in each language
    assert chinese.status_code == english.status_code == 400
    assert chinese.data["requested_on"][0] == (
        "司法确认应当自调解协议生效之日起30日内申请（《人民调解法》第三十三条）：本协议于 2026-03-10 生效，"
        "申请期限已于 2026-04-09 届满。")
    assert "within 30 days" in english.data["requested_on"][0] and "2026-04-09" in english.data["requested_on"][0]
    # and neither refusal changed anything
    assert records(case.pk) == before
