"""Filing a case through POST /api/v1/cases/: validation, idempotent retries, routing, numbering,
duplicate warnings and the masking of personal data."""
import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest

from actions import services
from casework import clock
from casework.models import Case, CaseDeadline, CaseEvent, IdempotencyKey, Party
from tests.conftest import PHONE, VALID_ID, file_case, filing_body, user

CASES = "/api/v1/cases/"
SHANGHAI = ZoneInfo("Asia/Shanghai")
GRID1 = "33068110800101"  # 枫桥镇 · 枫源村 · 第1网格
NUMBER = re.compile(r"^330681-(\d{8})-(\d{4})$")


def written() -> tuple[int, ...]:
    """Every row a filing writes."""
    return (Case.objects.count(), Party.objects.count(), CaseEvent.objects.count(),
            CaseDeadline.objects.count(), IdempotencyKey.objects.count())


def party(**fields) -> dict:
    return {"role": "applicant", "name": "张三", "id_number": VALID_ID, "phone": PHONE, **fields}


def without(key: str) -> dict:
    body = filing_body()
    del body[key]
    return body


def party_errors(response, index: int) -> dict:
    """The field errors reported for parties[index]: DRF sends a list, or an object keyed by index."""
    errors = response.json()["parties"]
    if isinstance(errors, dict):
        return errors.get(str(index), {})
    return errors[index] if index < len(errors) else {}


# --- field-level 400s, nothing written ---


@pytest.mark.parametrize(("body", "field"), [
    (without("title"), "title"),
    (without("description"), "description"),
    (without("dispute_type"), "dispute_type"),
    (without("parties"), "parties"),
    (filing_body(title=""), "title"),
    (filing_body(parties=[]), "parties"),
    (filing_body(dispute_type="fistfight"), "dispute_type"),
    (filing_body(risk_level="extreme"), "risk_level"),
    (filing_body(source="wechat"), "source"),
    (filing_body(title="纠" * 101), "title"),
    (filing_body(grid="330681108001"), "grid"),  # a village, not a grid
    (filing_body(grid="330681108"), "grid"),  # a township
    (filing_body(grid="999999999999"), "grid"),  # no such region
    (filing_body(parties=[party(role="respondent"), party(role="third_party", name="王五")]), "parties"),
    (filing_body(people_involved=0), "people_involved"),
    (filing_body(latitude="91"), "latitude"),
])
def test_invalid_filing_is_refused_with_the_field_named_and_nothing_written(demo, api, body, field):
    # given a grid worker and a body with one bad field
    before = written()
    # when they file it
    response = api("grid1").post(CASES, body, format="json")
    # then they get a 400 naming that field, and no row was written
    assert response.status_code == 400, response.data
    assert field in response.data, response.data
    assert written() == before


@pytest.mark.parametrize(("bad_party", "field"), [
    (party(id_number="110105194912310021"), "id_number"),  # wrong check digit
    (party(id_number="110105194902301234"), "id_number"),  # 30 February
    (party(id_number="1101051949123100"), "id_number"),  # too short
    (party(phone="12812345678"), "phone"),
    (party(phone="138123456"), "phone"),
    (party(role="witness"), "role"),
    (party(name=""), "name"),
    ({"role": "applicant"}, "name"),
])
def test_invalid_party_is_refused_with_the_party_field_named_and_nothing_written(demo, api, bad_party, field):
    # given a filing whose first party has one bad field
    before = written()
    body = filing_body(parties=[bad_party, {"role": "respondent", "name": "李四"}])
    # when a grid worker files it
    response = api("grid1").post(CASES, body, format="json")
    # then the 400 points at that field of parties[0], and nothing was written
    assert response.status_code == 400, response.data
    assert field in party_errors(response, 0), response.data
    assert not party_errors(response, 1)
    assert written() == before


def test_dispute_in_the_future_is_refused(demo, api):
    # given an occurred_at a day from now
    before = written()
    tomorrow = clock.now() + dt.timedelta(days=1)
    # when filed, then occurred_at is refused and nothing is written
    response = api("grid1").post(CASES, filing_body(occurred_at=tomorrow.isoformat()), format="json")
    assert response.status_code == 400
    assert "occurred_at" in response.data
    assert written() == before


@pytest.mark.parametrize("moment", [
    pytest.param("0001-01-01T00:00:00", id="year-1-local"),  # overflows when made aware in Asia/Shanghai
    pytest.param("0001-01-01T00:00:00Z", id="year-1-utc"),
    pytest.param("0001-01-01T00:00:00+08:00", id="year-1-offset"),
])
def test_dispute_dated_to_year_one_is_a_400_not_a_500(demo, api, moment):
    # given a tablet whose date picker sent the minimum date
    before = written()
    # when filed, then occurred_at is refused with a message, and nothing is written
    response = api("grid1").post(CASES, filing_body(occurred_at=moment), format="json")
    assert response.status_code == 400
    assert "occurred_at" in response.data
    assert written() == before


def test_dispute_that_occurred_this_morning_is_accepted(demo, api):
    # given an occurred_at earlier today, when filed, then the case keeps it
    earlier = clock.now() - dt.timedelta(hours=3)
    response = api("grid1").post(CASES, filing_body(occurred_at=earlier.isoformat()), format="json")
    assert response.status_code == 201, response.data
    assert abs(dt.datetime.fromisoformat(response.data["occurred_at"]) - earlier) < dt.timedelta(seconds=1)


@pytest.mark.parametrize("raw", ['{"title": "邻里纠纷", ', "not json at all", '{"title": "x"}}'])
def test_malformed_json_is_a_400_not_a_500_and_writes_nothing(demo, api, raw):
    # given a body the JSON parser cannot read
    before = written()
    # when posted, then the caller gets a 400 with a message, and nothing is written
    response = api("grid1").post(CASES, raw, content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()
    assert written() == before


@pytest.mark.parametrize("raw", ["[]", '["邻里纠纷"]', '"邻里纠纷"', "42", "null"])
def test_json_that_is_not_an_object_is_a_400_and_writes_nothing(demo, api, raw):
    # given valid JSON that is not an object
    before = written()
    # when posted, then the caller gets a 400, and nothing is written
    response = api("grid1").post(CASES, raw, content_type="application/json")
    assert response.status_code == 400, response.content
    assert written() == before


def test_full_width_id_number_is_stored_in_ascii_or_refused(demo, api):
    # given an ID number typed with a Chinese IME's full-width digits
    full_width = "１１０１０５１９４９１２３１００２X"
    # when filed
    response = api("grid1").post(CASES, filing_body(parties=[party(id_number=full_width)]), format="json")
    # then it is either refused or kept as the ASCII number (else duplicate checks and masks miss it)
    if response.status_code == 400:
        assert "id_number" in party_errors(response, 0)
    else:
        assert response.status_code == 201
        assert Party.objects.get(case_id=response.data["id"]).id_number == VALID_ID


# --- the grid ---


def test_grid_worker_with_one_grid_may_omit_it(demo, api):
    # given grid1, who holds exactly one grid, and a body with no grid
    body = filing_body()
    assert "grid" not in body
    # when they file
    response = api("grid1").post(CASES, body, format="json")
    # then the case is filed in their grid
    assert response.status_code == 201, response.data
    assert response.data["region"]["code"] == GRID1
    assert Case.objects.get(pk=response.data["id"]).region_path == "330681.108.001.01"


def test_staff_without_a_grid_must_name_one(demo, api):
    # given the committee head of 枫源村, who holds no grid
    before = written()
    # when they file without a grid, then the grid is required
    response = api("head1").post(CASES, filing_body(), format="json")
    assert response.status_code == 400
    assert "grid" in response.data
    assert written() == before
    # and when they name a grid of their village, then the case is filed there
    response = api("head1").post(CASES, filing_body(grid="33068110800102"), format="json")
    assert response.status_code == 201, response.data
    assert response.data["region"]["code"] == "33068110800102"


def test_filing_in_a_grid_outside_ones_jurisdiction_is_forbidden(demo, api):
    # given grid1 naming a grid of the other township
    before = written()
    # when they file there, then they are refused and nothing is written
    response = api("grid1").post(CASES, filing_body(grid="33068111100101"), format="json")
    assert response.status_code == 403
    assert written() == before


@pytest.mark.parametrize("supervisor", ["super1", "county1"])
def test_supervisors_cannot_file(demo, api, supervisor):
    # given a supervisor naming a grid in their jurisdiction
    before = written()
    # when they file, then they are refused and nothing is written
    response = api(supervisor).post(CASES, filing_body(grid=GRID1), format="json")
    assert response.status_code == 403
    assert written() == before


# --- idempotent retries ---


def test_retry_with_the_same_key_returns_the_same_case(demo, api):
    # given a tablet that files with an Idempotency-Key and retries after losing the reply
    client = api("grid1")
    first = client.post(CASES, filing_body(), format="json", HTTP_IDEMPOTENCY_KEY="tablet-7f3a-0001")
    before_retry = written()
    # when the same request is sent again
    retry = client.post(CASES, filing_body(), format="json", HTTP_IDEMPOTENCY_KEY="tablet-7f3a-0001")
    # then the first is 201, the retry 200 with the same case, and nothing more was written
    assert first.status_code == 201, first.data
    assert retry.status_code == 200, retry.data
    assert retry.data["id"] == first.data["id"]
    assert retry.data["number"] == first.data["number"]
    assert written() == before_retry
    assert Case.objects.count() == 1


def test_same_key_from_two_users_files_two_cases(demo, api):
    # given two grid workers whose tablets happen to use the same key
    first = api("grid1").post(CASES, filing_body(), format="json", HTTP_IDEMPOTENCY_KEY="draft-1")
    # when the second files with it
    second = api("grid2").post(CASES, filing_body(), format="json", HTTP_IDEMPOTENCY_KEY="draft-1")
    # then each gets their own new case
    assert first.status_code == second.status_code == 201
    assert first.data["id"] != second.data["id"]
    assert Case.objects.count() == 2


def test_different_keys_from_one_user_file_two_cases(demo, api):
    # given one grid worker filing twice with two keys, then two cases are filed
    client = api("grid1")
    a = client.post(CASES, filing_body(), format="json", HTTP_IDEMPOTENCY_KEY="a")
    b = client.post(CASES, filing_body(), format="json", HTTP_IDEMPOTENCY_KEY="b")
    assert (a.status_code, b.status_code) == (201, 201)
    assert a.data["id"] != b.data["id"]


def test_key_of_64_characters_is_accepted_and_65_refused(demo, api):
    # given keys at and just past the documented limit
    client = api("grid1")
    # when filed with a 64-character key, then it is accepted
    assert client.post(CASES, filing_body(), format="json", HTTP_IDEMPOTENCY_KEY="k" * 64).status_code == 201
    before = written()
    # when filed with a 65-character key, then the header is refused and nothing is written
    response = client.post(CASES, filing_body(), format="json", HTTP_IDEMPOTENCY_KEY="k" * 65)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.data
    assert written() == before


def test_invalid_body_with_a_key_does_not_burn_the_key(demo, api):
    # given a first attempt that is refused for a bad field, and wrote nothing (not even the key)
    client = api("grid1")
    before = written()
    refused = client.post(CASES, filing_body(dispute_type="nope"), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert refused.status_code == 400
    assert "dispute_type" in refused.data
    assert written() == before
    # when the corrected body is sent with the same key, then a case is filed
    accepted = client.post(CASES, filing_body(), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert accepted.status_code == 201, accepted.data
    # and it is a new case with the corrected body, the key now held by it
    case = Case.objects.get()
    assert accepted.data["id"] == case.pk
    assert (case.title, case.dispute_type, case.status) == (filing_body()["title"], "neighborhood", "reported")
    assert sorted(case.parties.values_list("role", "name")) == [("applicant", "张三"), ("respondent", "李四")]
    assert list(IdempotencyKey.objects.values_list("key", "case_id", "user__username")) == [("k-1", case.pk, "grid1")]
    # and a retry with that key now returns the same case
    retry = client.post(CASES, filing_body(), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert (retry.status_code, retry.data["id"]) == (200, case.pk)


# --- routing and numbering ---


def test_high_risk_filing_goes_straight_to_township_triage(demo, api):
    # given a grid worker reporting a threat of violence
    body = filing_body(risk_level="high", title="宅基地纠纷一方扬言动刀")
    # when they file it
    response = api("grid1").post(CASES, body, format="json")
    # then it skips the village: township triage, with a file and an automatic escalate event
    assert response.status_code == 201, response.data
    assert response.data["status"] == "township_triage"
    assert response.data["risk_level"] == "high"
    events = response.data["events"]
    assert [e["action"] for e in events] == ["file", "escalate"]
    assert events[1]["actor"] is None
    assert (events[1]["source_status"], events[1]["target_status"]) == ("reported", "township_triage")
    assert response.data["deadline"]["kind"] == "township_triage"


@pytest.mark.parametrize("risk", ["normal", "elevated"])
def test_lower_risk_filing_waits_for_the_village(demo, api, risk):
    # given a normal or elevated dispute, when filed, then it is reported with one event
    response = api("grid1").post(CASES, filing_body(risk_level=risk), format="json")
    assert response.data["status"] == "reported"
    assert [e["action"] for e in response.data["events"]] == ["file"]
    assert response.data["deadline"]["kind"] == "acceptance"


def test_case_numbers_are_county_date_sequence_unique_and_consecutive(demo, api):
    # given three filings in 枫桥镇 and one in 店口镇 (same county) on one day
    with clock.travel_to(dt.datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)):
        numbers = [api(who).post(CASES, filing_body(), format="json").data["number"]
                   for who in ("grid1", "grid1", "grid2", "grid1")]
    # then every number is 330681-<that day>-NNNN, all distinct, counting 1, 2, 3, 4
    parsed = [NUMBER.match(n) for n in numbers]
    assert all(parsed), numbers
    assert {m.group(1) for m in parsed} == {"20260302"}
    assert [int(m.group(2)) for m in parsed] == [1, 2, 3, 4]
    assert len(set(numbers)) == 4


def test_case_number_uses_the_local_date_and_restarts_each_day(demo, api):
    # given 00:30 in Zhuji (still the previous day in UTC)
    client = api("grid1")
    with clock.travel_to(dt.datetime(2026, 3, 2, 0, 30, tzinfo=SHANGHAI)):
        first = client.post(CASES, filing_body(), format="json").data["number"]
        second = client.post(CASES, filing_body(), format="json").data["number"]
    # when a case is filed the next day
    with clock.travel_to(dt.datetime(2026, 3, 3, 9, 0, tzinfo=SHANGHAI)):
        next_day = client.post(CASES, filing_body(), format="json").data["number"]
    # then numbers carry the local date and the sequence starts again
    assert (first, second, next_day) == ("330681-20260302-0001", "330681-20260302-0002", "330681-20260303-0001")


# --- duplicate warnings ---


def duplicates(response) -> list[int]:
    assert response.status_code == 201, response.data
    return [d["id"] for d in response.data["possible_duplicates"]]


def test_first_filing_has_no_duplicates(demo, api):
    # given an empty county, when a case is filed, then it does not warn about itself
    assert duplicates(api("grid1").post(CASES, filing_body(), format="json")) == []


def test_filing_warns_of_an_open_case_sharing_a_partys_id_number(demo, api):
    # given an open case of grid1's with 张三 by ID number
    earlier = file_case("grid1")
    # when grid1 files again with the same ID number but a new phone
    body = filing_body(parties=[party(phone="13700000000"), {"role": "respondent", "name": "赵六"}])
    # then the earlier case is offered as a possible duplicate
    assert duplicates(api("grid1").post(CASES, body, format="json")) == [earlier.pk]


def test_filing_warns_of_an_open_case_sharing_a_partys_phone(demo, api):
    # given an open case whose respondent has phone 13900001111
    earlier = file_case("grid1")
    # when grid1 files with a different applicant and that phone only
    body = filing_body(parties=[party(name="王五", id_number="", phone="13900001111")])
    # then the earlier case is offered
    response = api("grid1").post(CASES, body, format="json")
    assert duplicates(response) == [earlier.pk]
    assert response.data["possible_duplicates"][0]["number"] == earlier.number


def test_filing_does_not_warn_of_closed_unrelated_or_foreign_cases(demo, api):
    # given a closed case with the same parties, and an open one in the other township
    closed = file_case("grid1")
    services.case_withdraw(case_id=closed.pk, actor=user("head1"), note="撤回")
    file_case("grid2")
    # when grid1 files with the same parties, then nothing is offered
    assert duplicates(api("grid1").post(CASES, filing_body(), format="json")) == []
    # and when grid1 files with strangers, then nothing is offered either
    strangers = [party(name="钱七", id_number="110101199003077774", phone="15900001111")]
    assert duplicates(api("grid1").post(CASES, filing_body(parties=strangers), format="json")) == []


# --- personal data ---


def parties_of(data: dict) -> dict[str, dict]:
    return {p["name"]: p for p in data["parties"]}


@pytest.mark.parametrize("viewer", ["super1", "county1"])
def test_supervisors_see_id_numbers_and_phones_masked(demo, api, viewer):
    # given a filed case with 张三's ID number and phone
    case = file_case("grid1")
    client = api(viewer)
    # when a supervisor lists and opens it
    listed = client.get(CASES)
    detail = client.get(f"{CASES}{case.pk}/")
    # then both show masked values only
    assert listed.status_code == detail.status_code == 200
    for data in (listed.data["results"][0], detail.data):
        zhang = parties_of(data)["张三"]
        assert (zhang["id_number"], zhang["phone"]) == ("110105********002X", "138****5678")
        assert parties_of(data)["李四"]["phone"] == "139****1111"
    for body in (listed.content.decode(), detail.content.decode()):
        assert VALID_ID not in body and PHONE not in body


@pytest.mark.parametrize("viewer", ["grid1", "head1", "center1"])
def test_those_who_work_the_case_see_id_numbers_and_phones_in_full(demo, api, viewer):
    # given a filed case
    case = file_case("grid1")
    client = api(viewer)
    # when someone who handles it lists and opens it
    listed = client.get(CASES)
    detail = client.get(f"{CASES}{case.pk}/")
    # then they see the numbers in full
    for data in (listed.data["results"][0], detail.data):
        zhang = parties_of(data)["张三"]
        assert (zhang["id_number"], zhang["phone"]) == (VALID_ID, PHONE)


def test_lower_case_x_is_stored_upper_case(demo, api):
    # given an ID number typed with a lower-case x
    body = filing_body(parties=[party(id_number="11010519491231002x")])
    # when filed, then it is stored and shown with X
    response = api("grid1").post(CASES, body, format="json")
    assert response.status_code == 201, response.data
    assert parties_of(response.data)["张三"]["id_number"] == VALID_ID
    assert Party.objects.get(case_id=response.data["id"]).id_number == VALID_ID
