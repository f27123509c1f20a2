"""The parties' code after the close (issue 12 point 3): the parties rate the handling once per
code at POST /api/v1/public/progress/{code}/rating/, the progress answer names the body that last
handled a closed case, and those handling a case read its code in the case detail.
"""
from __future__ import annotations

import pytest

from actions import services
from casework.audit import verify_audit
from casework.models import CaseEvent
from mediation.models import PartyRating
from tests.conftest import PHONE, VALID_ID, bring_to, file_case, party_code_of, user

pytestmark = pytest.mark.usefixtures("fresh_throttle")  # the rate limit counts in the cache

PROGRESS = "/api/v1/public/progress/"


def rate(api, code: str, **body):
    return api(None).post(f"{PROGRESS}{code}/rating/", {"satisfaction": "satisfied", **body}, format="json")


def test_a_party_rates_a_closed_case_once_and_the_timeline_records_it_by_no_one(demo, api):
    # given a closed case and its code
    case = bring_to("closed")
    code = party_code_of(case)

    # when a party, not signed in, rates it with a comment
    response = rate(api, code, satisfaction="basically_satisfied", comment="调解员很耐心，张三很满意")

    # then the rating is kept, and the progress answer shows it (without the comment)
    assert response.status_code == 201, response.data
    assert response.data["satisfaction"] == "basically_satisfied"
    rating = PartyRating.objects.get(case=case)
    assert (rating.satisfaction, rating.comment) == ("basically_satisfied", "调解员很耐心，张三很满意")
    progress = api(None).get(f"{PROGRESS}{code}/").json()
    assert progress["rating"]["satisfaction"] == "basically_satisfied"
    assert "张三" not in str(progress)
    # and the timeline has one event by the system, holding only the answer
    event = CaseEvent.objects.filter(case=case).order_by("-seq").first()
    assert (event.action, event.actor, event.data) == ("party_rated", None, {"satisfaction": "basically_satisfied"})
    assert list(verify_audit()) == []


def test_a_second_rating_with_the_same_code_is_refused_and_the_first_stays(demo, api):
    case = bring_to("closed")
    code = party_code_of(case)
    assert rate(api, code, satisfaction="dissatisfied").status_code == 201

    again = rate(api, code.lower().replace("-", ""), satisfaction="satisfied")

    assert again.status_code == 409
    assert again.data["code"] == "already_rated"
    assert list(PartyRating.objects.filter(case=case).values_list("satisfaction", flat=True)) == ["dissatisfied"]
    assert CaseEvent.objects.filter(case=case, action="party_rated").count() == 1


def test_a_reissued_code_may_rate_again(demo, api):
    case = bring_to("closed")
    assert rate(api, party_code_of(case)).status_code == 201
    new = services.case_revoke_party_code(case_id=case.pk, actor=user("head1"), reissue=True)
    assert rate(api, new.display, satisfaction="dissatisfied").status_code == 201
    assert PartyRating.objects.filter(case=case).count() == 2


@pytest.mark.parametrize("status", ["reported", "village_mediation", "agreed"])
def test_an_open_case_cannot_be_rated(demo, api, status):
    case = bring_to(status)
    version = case.version

    response = rate(api, party_code_of(case))

    assert response.status_code == 409
    assert response.data["code"] == "case_open"
    assert not PartyRating.objects.exists()
    case.refresh_from_db()
    assert case.version == version


def test_an_unknown_or_revoked_code_cannot_rate(demo, api):
    case = bring_to("closed")
    code = party_code_of(case)
    services.case_revoke_party_code(case_id=case.pk, actor=user("head1"))
    assert rate(api, code).status_code == 404
    assert rate(api, "0000-0000-00").status_code == 404
    assert not PartyRating.objects.exists()


@pytest.mark.parametrize(("body", "field"), [
    ({"satisfaction": "delighted"}, "satisfaction"),
    ({"satisfaction": ""}, "satisfaction"),
    ({"comment": "很" * 201}, "comment"),
])
def test_bad_input_is_a_400_with_the_field(demo, api, body, field):
    response = rate(api, party_code_of(bring_to("closed")), **body)
    assert response.status_code == 400
    assert field in response.data
    assert not PartyRating.objects.exists()


def test_the_api_needs_no_csrf_token_even_with_a_session(demo, api):
    # a browser that is signed in elsewhere still posts as no one, and no CSRF token is asked for
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user("grid1"))
    response = client.post(f"{PROGRESS}{party_code_of(bring_to('closed'))}/rating/", {"satisfaction": "satisfied"},
                           format="json")
    assert response.status_code == 201
    assert CaseEvent.objects.filter(action="party_rated").get().actor is None


def test_rating_counts_against_the_progress_rate_limit(demo, api):
    # given a small rate (the cached DRF rate is read per request from the throttle class)
    from rest_framework.throttling import ScopedRateThrottle

    rates = {**ScopedRateThrottle.THROTTLE_RATES, "party_code": "3/min"}
    ScopedRateThrottle.THROTTLE_RATES, saved = rates, ScopedRateThrottle.THROTTLE_RATES
    try:
        code = party_code_of(bring_to("closed"))
        client = api(None)
        answers = [client.get(f"{PROGRESS}{code}/").status_code for _ in range(2)]
        answers.append(client.post(f"{PROGRESS}{code}/rating/", {"satisfaction": "satisfied"}, format="json").status_code)
        answers.append(client.post(f"{PROGRESS}{code}/rating/", {"satisfaction": "satisfied"}, format="json").status_code)
    finally:
        ScopedRateThrottle.THROTTLE_RATES = saved
    assert answers == [200, 200, 201, 429]


# --- who handled a closed case -----------------------------------------------------------------

def _closed_at_channel():
    case = bring_to("referred")
    services.case_record_referral_outcome(case_id=case.pk, actor=user("center1"), resolved=True, reply="仲裁调解成功")
    return case


def _closed_on_the_spot():
    case = file_case()
    services.case_resolve_on_spot(case_id=case.pk, actor=user("grid1"), note="当场说和")
    return case


def _closed_at_township():
    case = bring_to("township_mediation")
    services.case_withdraw(case_id=case.pk, actor=user("center1"), note="申请人撤回")
    return case


@pytest.mark.parametrize(("make", "expected"), [
    (_closed_at_channel, "诸暨市劳动人事争议仲裁委员会"),
    (_closed_at_township, "综治中心"),
    (lambda: bring_to("closed"), "调解委员会"),
    (_closed_on_the_spot, "网格"),
])
def test_a_closed_case_names_the_body_that_last_handled_it(demo, api, make, expected):
    case = make()
    body = api(None).get(f"{PROGRESS}{party_code_of(case)}/").json()
    assert body["closed"] is True
    assert body["handled_by"] and expected in body["handled_by"]


# --- the code in the case detail ---------------------------------------------------------------

@pytest.mark.parametrize(("who", "sees"), [("head1", True), ("center1", True), ("grid1", False), ("county1", False)])
def test_the_case_detail_carries_the_code_for_those_who_may_manage_it(demo, api, who, sees):
    case = file_case()
    response = api(who).get(f"/api/v1/cases/{case.pk}/")
    assert response.status_code == 200, response.data
    assert response.data["party_code"] == (party_code_of(case) if sees else None)


def test_the_case_detail_has_no_code_once_it_is_revoked(demo, api):
    case = file_case()
    services.case_revoke_party_code(case_id=case.pk, actor=user("head1"))
    assert api("head1").get(f"/api/v1/cases/{case.pk}/").data["party_code"] is None


def test_nothing_personal_reaches_the_public_answers(demo, api):
    case = bring_to("closed")
    code = party_code_of(case)
    texts = [rate(api, code).content.decode(), api(None).get(f"{PROGRESS}{code}/").content.decode()]
    for text in texts:
        for secret in ("张三", "李四", VALID_ID, PHONE, case.title, case.address):
            assert secret not in text
