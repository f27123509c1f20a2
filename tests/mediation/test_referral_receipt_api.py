"""Referral receipt: POST /api/v1/cases/{id}/referrals/{rid}/receipt/ — the receiving body signed for it."""
from __future__ import annotations

import datetime as dt

import pytest

from casework import clock
from casework.choices import Status
from tests.conftest import bring_to
from tests.mediation.support import OUTSIDE, at, events, get, post, records


def referred_case():
    """A case referred to arbitration on 10 March, and its referral's id."""
    with clock.travel_to(at(2026, 3, 10)):
        case = bring_to(Status.REFERRED)
    return case, case.referrals.get().pk


def test_center_records_when_the_receiving_body_signed_for_the_referral(demo, api):
    # given a case referred to arbitration on 10 March
    case, referral_id = referred_case()

    # when the center records that the arbitration commission signed for it on 12 March
    with clock.travel_to(at(2026, 3, 13)):
        response = post(api, "center1", case.pk, f"referrals/{referral_id}/receipt/",
                        {"received_at": "2026-03-12T09:30:00+08:00", "note": "仲裁委立案庭签收，登记号2026-031"})

    # then the referral shows the receipt, and the case got one event without moving
    assert response.status_code == 200, response.data
    assert dt.datetime.fromisoformat(response.data["received_at"]) == at(2026, 3, 12, 9, 30)
    assert response.data["receipt_note"] == "仲裁委立案庭签收，登记号2026-031"
    assert events(case.pk)[-1] == "referral_received"
    listed = get(api, "super1", case.pk, "referrals/").data
    assert [(r["id"], r["channel"], r["received_at"] is not None) for r in listed] == [(referral_id, "arbitration", True)]
    assert case.__class__.objects.get(pk=case.pk).status == "referred"


def test_receipt_defaults_to_now(demo, api):
    # given a referred case, when the receipt is recorded without a moment, then it is now
    case, referral_id = referred_case()
    with clock.travel_to(at(2026, 3, 11, 15)):
        response = post(api, "center1", case.pk, f"referrals/{referral_id}/receipt/")
    assert response.status_code == 200, response.data
    assert abs(dt.datetime.fromisoformat(response.data["received_at"]) - at(2026, 3, 11, 15)) < dt.timedelta(minutes=1)


def test_a_referral_is_received_once(demo, api):
    # given a receipt already recorded
    case, referral_id = referred_case()
    assert post(api, "center1", case.pk, f"referrals/{referral_id}/receipt/").status_code == 200
    before = records(case.pk)
    # when it is recorded again, then 409 and nothing changed
    response = post(api, "center1", case.pk, f"referrals/{referral_id}/receipt/")
    assert response.status_code == 409 and response.data["code"] == "invalid_transition"
    assert records(case.pk) == before


def test_receipt_before_the_referral_was_sent_is_a_400(demo, api):
    # given a referral sent on 10 March, when it is said to be received on 9 March, then 400
    case, referral_id = referred_case()
    before = records(case.pk)
    with clock.travel_to(at(2026, 3, 12)):
        response = post(api, "center1", case.pk, f"referrals/{referral_id}/receipt/",
                        {"received_at": "2026-03-09T09:00:00+08:00"})
    assert response.status_code == 400 and "received_at" in response.data
    assert records(case.pk) == before


@pytest.mark.parametrize(("who", "status"), [
    ("head1", 403), ("mediator1", 403), ("grid1", 403), ("super1", 403), *[(who, 404) for who in OUTSIDE],
])
def test_receipt_by_anyone_but_the_center_is_refused_and_changes_nothing(demo, api, who, status):
    # given a referred case of 枫桥镇
    case, referral_id = referred_case()
    before = records(case.pk)
    # when someone who does not track referrals records the receipt, then refused, nothing changed
    response = post(api, who, case.pk, f"referrals/{referral_id}/receipt/")
    assert response.status_code == status, response.data
    assert records(case.pk) == before


def test_receipt_of_another_cases_referral_is_404(demo, api):
    # given two referred cases, when one's referral is received through the other, then 404
    case, _ = referred_case()
    other, other_referral = referred_case()
    before = records(case.pk), records(other.pk)
    response = post(api, "center1", case.pk, f"referrals/{other_referral}/receipt/")
    assert response.status_code == 404
    # and neither case, nor the other's referral, changed: it is still waiting for its receipt
    assert (records(case.pk), records(other.pk)) == before
    assert other.referrals.get().received_at is None
