"""调解协议书 with the contents of art. 35 of 《人民调解工作若干规定》: the record_agreement transition's
optional fields, GET /api/v1/cases/{id}/agreements/ and POST …/agreement/signatures/."""
from __future__ import annotations

import datetime as dt

import pytest

from casework import clock
from casework.choices import Status
from casework.models import CaseDeadline
from mediation.models import Agreement
from tests.conftest import bring_to, file_case
from tests.mediation.support import OUTSIDE, at, events, fire, get, post, records

LEGACY = {"terms": "被申请人赔偿申请人厨房吊顶维修费800元", "obligations": [{"description": "支付维修费800元",
                                                                   "due_date": "2026-03-31"}]}


def parties(case) -> dict[str, int]:
    return {p.role: p.pk for p in case.parties.all()}


def full_body(case, **overrides) -> dict:
    """An agreement with every art. 35 content, signed by both parties and sealed."""
    ids = parties(case)
    body = {
        "facts": "2026年1月起，被申请人李四家卫生间漏水，渗至楼下申请人张三家厨房，致吊顶霉变脱落。",
        "points_in_dispute": "漏水原因及维修费用的承担。",
        "responsibilities": "被申请人对漏水负主要责任；申请人未及时告知，负次要责任。",
        "terms": "一、被申请人赔偿申请人维修费800元；二、被申请人自行修复卫生间防水。",
        "obligations": [
            {"description": "赔偿维修费800元", "due_date": "2026-03-31", "party": ids["respondent"],
             "manner": "银行转账", "place": "枫源村村委会"},
            {"description": "修复卫生间防水层", "due_date": "2026-04-15", "party": ids["respondent"],
             "manner": "自行聘请施工队", "place": "枫源村3组12号"},
        ],
        "form": "written",
        "concluded_on": "2026-03-10",
        "signatures": [{"party": ids["applicant"], "signed_on": "2026-03-10"},
                       {"party": ids["respondent"], "signed_on": "2026-03-11"}],
        "sealed": True,
        "sealed_on": "2026-03-11",
    }
    body.update(overrides)
    return body


def agreement_of(api, case_id: int, who: str = "head1") -> dict:
    found = get(api, who, case_id, "agreements/")
    assert found.status_code == 200, found.data
    return found.data[-1]


def window(case_id: int) -> CaseDeadline:
    return CaseDeadline.objects.get(case_id=case_id, kind="judicial_confirmation", ended_at__isnull=True)


def jc_windows(case_id: int) -> int:
    return CaseDeadline.objects.filter(case_id=case_id, kind="judicial_confirmation").count()


def test_the_original_minimal_agreement_body_records_a_draft_that_is_not_in_force(demo, api):
    # given a case in village mediation
    with clock.travel_to(at(2026, 3, 10)):
        case = bring_to(Status.VILLAGE_MEDIATION)
        # when an agreement is recorded with only API.md's terms and obligations
        data = fire(api, "mediator1", case.pk, "record_agreement", **LEGACY)

    # then the case is agreed, and the agreement is written, numbered, between every party
    assert data["status"] == "agreed"
    agreement = agreement_of(api, case.pk)
    assert agreement["form"] == "written" and agreement["number"] == f"{case.number}-1"
    assert agreement["terms"] == LEGACY["terms"]
    assert [(o["description"], o["due_date"], o["manner"]) for o in agreement["obligations"]] == [
        ("支付维修费800元", "2026-03-31", "")]
    assert sorted(p["role"] for p in agreement["parties"]) == ["applicant", "respondent"]
    assert agreement["organization"]["name"] == "枫源村人民调解委员会"
    # but it is a draft lacking art. 35's facts, responsibilities and obliged party: not in force, no countdown
    assert agreement["effective_on"] is None and agreement["confirmation_last_day"] is None
    assert agreement["in_force"] is False and len(agreement["missing"]) == 3
    assert jc_windows(case.pk) == 0

    # and it cannot be signed or sealed while it is a draft: 409, nothing changed
    ids = parties(case)
    before = records(case.pk)
    with clock.travel_to(at(2026, 3, 11)):
        refused = post(api, "mediator1", case.pk, "agreement/signatures/",
                       {"signatures": [{"party": ids["applicant"]}, {"party": ids["respondent"]}], "sealed": True})
    assert refused.status_code == 409, refused.data
    assert records(case.pk) == before

    # when the mediator completes it, then both parties sign and the committee seals
    with clock.travel_to(at(2026, 3, 11)):
        completed = api("mediator1").patch(f"/api/v1/cases/{case.pk}/agreement/", {
            "facts": "楼上漏水致楼下吊顶脱落。", "responsibilities": "被申请人负全部责任。",
            "obligations": [{"description": "支付维修费800元", "due_date": "2026-03-31", "party": ids["respondent"]}],
        }, format="json")
        assert completed.status_code == 200, completed.data
        assert completed.data["missing"] == [] and completed.data["in_force"] is False
        signed = post(api, "mediator1", case.pk, "agreement/signatures/",
                      {"signatures": [{"party": ids["applicant"]}, {"party": ids["respondent"]}], "sealed": True})
    # then it is in force from that day, and only now does the 30-day countdown run
    assert signed.status_code == 200, signed.data
    assert signed.data["effective_on"] == "2026-03-11" and signed.data["confirmation_last_day"] == "2026-04-10"
    assert window(case.pk).state == "running"
    assert window(case.pk).due_at == at(2026, 4, 10, 23, 59) + dt.timedelta(seconds=59)
    assert events(case.pk)[-2:] == ["agreement_amended", "agreement_signed"]


def test_a_signed_agreement_cannot_be_amended(demo, api):
    with clock.travel_to(at(2026, 3, 12)):
        case = bring_to(Status.VILLAGE_MEDIATION)
        ids = parties(case)
        fire(api, "mediator1", case.pk, "record_agreement",
             **full_body(case, signatures=[{"party": ids["applicant"]}], sealed=False, sealed_on=None))
        before = records(case.pk)
        response = api("mediator1").patch(f"/api/v1/cases/{case.pk}/agreement/", {"facts": "改过的事实"}, format="json")
    assert response.status_code == 400, response.data
    assert Agreement.objects.get(case=case).facts.startswith("2026年1月起")
    assert records(case.pk) == before


def test_agreement_records_the_art35_contents_and_takes_effect_when_signed_and_sealed(demo, api):
    # given a case in village mediation
    with clock.travel_to(at(2026, 3, 10)):
        case = bring_to(Status.VILLAGE_MEDIATION)
    # when on 12 March the mediator records the agreement both parties signed and the committee sealed
    with clock.travel_to(at(2026, 3, 12)):
        fire(api, "mediator1", case.pk, "record_agreement", **full_body(case))

    # then every art. 35 content is on record
    agreement = agreement_of(api, case.pk)
    assert agreement["facts"].startswith("2026年1月起") and agreement["points_in_dispute"] == "漏水原因及维修费用的承担。"
    assert agreement["responsibilities"].startswith("被申请人对漏水负主要责任")
    respondent = parties(case)["respondent"]
    assert [(o["party"], o["manner"], o["place"], o["due_date"]) for o in agreement["obligations"]] == [
        (respondent, "银行转账", "枫源村村委会", "2026-03-31"),
        (respondent, "自行聘请施工队", "枫源村3组12号", "2026-04-15"),
    ]
    assert {(p["role"], p["signed"], p["signed_on"]) for p in agreement["parties"]} == {
        ("applicant", True, "2026-03-10"), ("respondent", True, "2026-03-11")}
    assert (agreement["sealed"], agreement["sealed_on"]) == (True, "2026-03-11")
    # and it took effect on the last signature and the seal: 11 March, confirmable until 10 April
    assert agreement["effective_on"] == "2026-03-11" and agreement["confirmation_last_day"] == "2026-04-10"
    assert window(case.pk).due_at == at(2026, 4, 10, 23, 59) + dt.timedelta(seconds=59)


def test_written_agreement_waits_for_signatures_and_its_countdown_stands_still(demo, api):
    # given an agreement recorded on 10 March that only the applicant has signed, not yet sealed
    with clock.travel_to(at(2026, 3, 10)):
        case = bring_to(Status.VILLAGE_MEDIATION)
        ids = parties(case)
        fire(api, "mediator1", case.pk, "record_agreement", **full_body(
            case, signatures=[{"party": ids["applicant"]}], sealed=False, sealed_on=None))
    # then it is not in force, and no confirmation countdown runs
    assert agreement_of(api, case.pk)["effective_on"] is None
    assert jc_windows(case.pk) == 0

    # when on 14 March the respondent's signature and the seal are recorded
    with clock.travel_to(at(2026, 3, 14)):
        response = post(api, "mediator1", case.pk, "agreement/signatures/",
                        {"signatures": [{"party": ids["respondent"], "signed_on": "2026-03-13"}],
                         "sealed": True, "sealed_on": "2026-03-14"})

    # then it took effect on 14 March and the countdown runs 30 days from then
    assert response.status_code == 200, response.data
    assert response.data["effective_on"] == "2026-03-14"
    assert all(p["signed"] for p in response.data["parties"])
    assert window(case.pk).state == "running"
    assert window(case.pk).due_at == at(2026, 4, 13, 23, 59) + dt.timedelta(seconds=59)
    assert events(case.pk)[-1] == "agreement_signed"

    # and once in force, nothing more is signed on it: 409, and nothing changed
    before = records(case.pk)
    again = post(api, "mediator1", case.pk, "agreement/signatures/", {"sealed": True})
    assert again.status_code == 409
    assert records(case.pk) == before


def test_oral_agreement_takes_effect_the_day_it_was_reached(demo, api):
    # given a case in village mediation
    with clock.travel_to(at(2026, 3, 12)):
        case = bring_to(Status.VILLAGE_MEDIATION)
        # when the mediator records an oral agreement reached two days earlier
        fire(api, "mediator1", case.pk, "record_agreement",
             **{**LEGACY, "form": "oral", "concluded_on": "2026-03-10"})
    # then it is oral, in force since 10 March, unsigned
    agreement = agreement_of(api, case.pk)
    assert (agreement["form"], agreement["effective_on"]) == ("oral", "2026-03-10")
    assert not any(p["signed"] for p in agreement["parties"])
    # and signing it is not a thing: 409, and nothing changed
    before = records(case.pk)
    assert post(api, "mediator1", case.pk, "agreement/signatures/", {"sealed": True}).status_code == 409
    assert records(case.pk) == before


@pytest.mark.parametrize(("overrides", "field"), [
    ({"form": "oral"}, "signatures"),  # an oral agreement is not signed or sealed
    ({"parties": [999999]}, "parties"),
    ({"concluded_on": "2099-01-01"}, "concluded_on"),
    ({"concluded_on": "0001-01-01"}, "concluded_on"),  # before the case was filed
    ({"sealed_on": "0001-01-01"}, "sealed_on"),  # before the agreement was reached
    ({"signatures": [{"party": 0, "signed_on": "2026-03-01"}]}, "signatures"),  # signed before it was reached
    ({"facts": "", "signatures": [{"party": 0}]}, "signatures"),  # a draft cannot be signed
    ({"form": "telepathic"}, "form"),
    ({"signatures": [{"party": 999999}]}, "signatures"),
    ({"obligations": [{"description": "付款", "due_date": "2026-03-31", "party": 999999}]}, "obligations"),
])
def test_agreement_with_inconsistent_art35_contents_is_a_400_and_changes_nothing(demo, api, overrides, field):
    # given a case in village mediation
    with clock.travel_to(at(2026, 3, 12)):
        case = bring_to(Status.VILLAGE_MEDIATION)
        before = records(case.pk)
        # when the agreement's contents contradict themselves or name strangers
        if overrides.get("signatures") and overrides["signatures"][0]["party"] == 0:
            overrides = {**overrides, "signatures": [{**overrides["signatures"][0], "party": parties(case)["applicant"]}]}
        response = post(api, "mediator1", case.pk, "transitions/record_agreement/", full_body(case, **overrides))
    # then 400 names the field, and nothing changed
    assert response.status_code == 400, response.data
    assert field in response.data
    assert records(case.pk) == before


def test_agreement_naming_a_party_of_another_case_is_a_400(demo, api):
    # given two cases, when an agreement of one lists a party of the other, then 400
    with clock.travel_to(at(2026, 3, 12)):
        case, other = bring_to(Status.VILLAGE_MEDIATION), file_case()
        stranger = other.parties.first().pk
        before = records(case.pk)
        response = post(api, "mediator1", case.pk, "transitions/record_agreement/",
                        {**LEGACY, "parties": [parties(case)["applicant"], stranger]})
    assert response.status_code == 400 and "parties" in response.data
    assert records(case.pk) == before


def test_signing_twice_is_a_400(demo, api):
    # given an agreement the applicant signed, waiting for the respondent
    with clock.travel_to(at(2026, 3, 12)):
        case = bring_to(Status.VILLAGE_MEDIATION)
        ids = parties(case)
        fire(api, "mediator1", case.pk, "record_agreement",
             **full_body(case, signatures=[{"party": ids["applicant"]}], sealed=False, sealed_on=None))
        before = records(case.pk)
        # when the applicant's signature is recorded again, then 400 and nothing changed
        response = post(api, "mediator1", case.pk, "agreement/signatures/", {"signatures": [{"party": ids["applicant"]}]})
    assert response.status_code == 400 and "signatures" in response.data
    assert records(case.pk) == before


@pytest.mark.parametrize(("who", "status"), [("grid1", 403), ("super1", 403), *[(who, 404) for who in OUTSIDE]])
def test_signatures_by_a_role_that_does_not_hold_the_agreement_are_refused(demo, api, who, status):
    # given an unsigned agreement
    with clock.travel_to(at(2026, 3, 12)):
        case = bring_to(Status.VILLAGE_MEDIATION)
        ids = parties(case)
        fire(api, "mediator1", case.pk, "record_agreement", **{**LEGACY, "signatures": []})
        before = records(case.pk)
        # when someone else records the signatures, then refused and nothing changed
        response = post(api, who, case.pk, "agreement/signatures/",
                        {"signatures": [{"party": ids["applicant"]}, {"party": ids["respondent"]}], "sealed": True})
    assert response.status_code == status, response.data
    assert records(case.pk) == before


def test_agreements_of_a_case_outside_jurisdiction_are_404(demo, api):
    case = bring_to(Status.AGREED)
    assert get(api, "mediator2", case.pk, "agreements/").status_code == 404
    assert get(api, "county1", case.pk, "agreements/").status_code == 200
