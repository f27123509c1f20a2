"""The parties' code (解纷码, issue 12 point 3): issued with the filing, followed without signing in
at GET /api/v1/public/progress/{party_code}/, revoked (and reissued) by those handling the case.

The progress answer holds six facts and nothing personal; an unknown or revoked code is a 404;
one client asking too often gets a 429.
"""
from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.utils import timezone, translation

from casework.audit import verify_audit
from casework.choices import DeadlineState, Status
from casework.ladder import STAGES
from casework.models import CaseDeadline, CaseEvent, PartyCode
from casework.models.party_codes import ALPHABET, normalize
from tests.conftest import PHONE, VALID_ID, bring_to, file_case, filing_body, party_code_of

pytestmark = pytest.mark.usefixtures("fresh_throttle")  # the rate limit counts in the cache

CASES = "/api/v1/cases/"
PROGRESS = "/api/v1/public/progress/"
CODE_SHAPE = re.compile(rf"^[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}-[{ALPHABET}]{{2}}$")


def stage_label(status: str) -> str:
    with translation.override("zh-hans"):
        return str(STAGES[status].title)


def revoke(api, who: str, case_id: int, **body):
    return api(who).post(f"{CASES}{case_id}/party-code/revoke/", body, format="json")


def test_the_filing_response_carries_a_grouped_code_and_a_retry_returns_the_same(demo, api):
    # given a grid worker filing with an idempotency key
    grid = api("grid1")

    # when they file, and retry with the same key
    first = grid.post(CASES, filing_body(), format="json", HTTP_IDEMPOTENCY_KEY="party-code-1")
    retry = grid.post(CASES, filing_body(), format="json", HTTP_IDEMPOTENCY_KEY="party-code-1")

    # then the response carries a code of 50 bits in Crockford base32, grouped 4-4-2, the retry the same one
    assert first.status_code == 201, first.data
    assert CODE_SHAPE.match(first.data["party_code"]), first.data["party_code"]
    assert retry.status_code == 200
    assert retry.data["party_code"] == first.data["party_code"]
    # and the case has exactly one code, stored without its dashes
    assert list(PartyCode.objects.filter(case_id=first.data["id"]).values_list("code", flat=True)) == [
        first.data["party_code"].replace("-", "")]


def test_codes_differ_between_cases(demo):
    codes = {party_code_of(file_case()) for _ in range(5)}
    assert len(codes) == 5


def test_progress_needs_no_sign_in_and_tells_six_facts_and_nothing_personal(demo, api):
    # given a reported case of 枫源村 with its parties' names, ID number and phones
    case = file_case()
    clock = CaseDeadline.objects.get(case=case, state=DeadlineState.RUNNING)

    # when anyone, not signed in, asks with its code
    response = api(None).get(f"{PROGRESS}{party_code_of(case)}/")

    # then they get where it stands, who handles it, what comes next and when it is due
    assert response.status_code == 200, response.data
    body = response.json()
    assert set(body) == {"number", "stage", "handled_by", "next_step", "due_date", "closed", "rating"}
    assert body["number"] == case.number
    assert body["stage"] == stage_label(Status.REPORTED)
    assert body["handled_by"] and "调解委员会" in body["handled_by"]
    assert body["next_step"]
    assert body["due_date"] == timezone.localdate(clock.due_at).isoformat()
    assert body["closed"] is False
    assert body["rating"] is None
    # and nothing personal or about the dispute's content
    text = response.content.decode()
    for secret in ("张三", "李四", VALID_ID, PHONE, "13900001111", case.title, case.description, case.address):
        assert secret not in text


def test_the_code_is_read_case_insensitively_with_dashes_optional(demo, api):
    case = file_case()
    code = party_code_of(case)
    for typed in (code.lower(), code.replace("-", ""), code.replace("-", " ").lower()):
        assert api(None).get(f"{PROGRESS}{typed}/").json()["number"] == case.number
    assert normalize("k7qd-9m3x-tp") == "K7QD9M3XTP"
    assert normalize("O1IL") == "0111"


@pytest.mark.parametrize("typed", ["0000-0000-00", "nonsense", "-"])
def test_an_unknown_code_is_a_404(demo, api, typed):
    file_case()
    assert api(None).get(f"{PROGRESS}{typed}/").status_code == 404


def test_progress_follows_the_ladder_up_to_the_close(demo, api):
    # given cases escalated to the township and closed
    township = bring_to(Status.TOWNSHIP_TRIAGE)
    closed = bring_to(Status.CLOSED)

    # then the township's is handled by its governance center, the closed one (withdrawn at the
    # village) by the village committee that last handled it, with no due date
    up = api(None).get(f"{PROGRESS}{party_code_of(township)}/").json()
    assert (up["stage"], up["closed"]) == (stage_label(Status.TOWNSHIP_TRIAGE), False)
    assert up["handled_by"] and "综治中心" in up["handled_by"]
    done = api(None).get(f"{PROGRESS}{party_code_of(closed)}/").json()
    assert (done["stage"], done["due_date"], done["closed"]) == ("已结案", None, True)
    assert done["handled_by"] and "调解委员会" in done["handled_by"]


@pytest.mark.parametrize("who", ["head1", "center1"])
def test_revoking_is_audited_and_the_old_code_is_a_404(demo, api, who):
    # given a case and its code, which works
    case = file_case()
    old = party_code_of(case)
    assert api(None).get(f"{PROGRESS}{old}/").status_code == 200

    # when someone handling the case revokes it
    response = revoke(api, who, case.pk)

    # then there is no code in force, the old one is a 404, and the timeline records who revoked it
    assert response.status_code == 200, response.data
    assert response.data == {"party_code": None}
    assert not PartyCode.objects.in_force().filter(case=case).exists()
    assert api(None).get(f"{PROGRESS}{old}/").status_code == 404
    event = CaseEvent.objects.filter(case=case).order_by("-seq").first()
    assert (event.action, event.actor.username) == ("party_code_revoked", who)
    assert old.replace("-", "") not in str(event.data)
    # and the audit trail still verifies: the code is not part of the record, its revocation is an event
    assert list(verify_audit()) == []


def test_reissuing_hands_out_a_new_code_that_works(demo, api):
    case = file_case()
    old = party_code_of(case)

    response = revoke(api, "head1", case.pk, reissue=True)

    assert response.status_code == 200, response.data
    new = response.data["party_code"]
    assert CODE_SHAPE.match(new) and new != old
    assert api(None).get(f"{PROGRESS}{old}/").status_code == 404
    assert api(None).get(f"{PROGRESS}{new}/").json()["number"] == case.number
    assert list(verify_audit()) == []


def test_a_case_whose_code_was_revoked_gets_a_new_one_only_on_request(demo, api):
    case = file_case()
    revoke(api, "head1", case.pk)
    # revoking again (nothing in force) is still recorded, and reissuing later works
    assert revoke(api, "head1", case.pk).data == {"party_code": None}
    new = revoke(api, "center1", case.pk, reissue=True).data["party_code"]
    assert PartyCode.objects.filter(case=case).count() == 2
    assert party_code_of(case) == new
    assert CaseEvent.objects.filter(case=case, action="party_code_revoked").count() == 3


@pytest.mark.parametrize(("who", "status"), [("grid1", 403), ("mediator2", 404), ("grid2", 404), (None, 401)])
def test_only_those_handling_the_case_may_revoke_and_outsiders_do_not_see_it(demo, api, who, status):
    # given a case of 枫源村 (枫桥镇)
    case = file_case()
    code = party_code_of(case)

    # when the reporting grid worker, or someone of another village or township (店口镇) tries
    response = revoke(api, who, case.pk)

    # then it is refused, and the code still works
    assert response.status_code == status
    assert party_code_of(case) == code
    assert not CaseEvent.objects.filter(case=case, action="party_code_revoked").exists()


def test_too_many_requests_from_one_client_get_a_429(demo, api):
    # given the configured rate, e.g. 30 a minute
    allowed = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["party_code"].split("/")[0])
    code = party_code_of(file_case())
    client = api(None)

    # when one client asks that many times (guesses count too), then once more
    answers = [client.get(f"{PROGRESS}{code if i % 2 else 'WRONG'}/").status_code for i in range(allowed)]
    last = client.get(f"{PROGRESS}{code}/")

    # then every one was answered but the last, which is told to wait
    assert 429 not in answers
    assert last.status_code == 429
    assert "Retry-After" in last


def test_the_migration_gives_cases_filed_before_codes_one_each(demo, api):
    # given two cases filed before codes existed (their rows removed), and one filed after
    from importlib import import_module

    from django.apps import apps

    before = [file_case(), bring_to(Status.CLOSED)]
    after = file_case()
    kept = party_code_of(after)
    PartyCode.objects.filter(case__in=before).delete()

    # when the data migration runs
    import_module("casework.migrations.0010_party_codes_for_existing_cases").issue_missing(apps, None)

    # then each earlier case has one working code, the later one keeps its own, and the audit verifies
    for case in before:
        assert api(None).get(f"{PROGRESS}{party_code_of(case)}/").json()["number"] == case.number
    assert party_code_of(after) == kept
    assert list(verify_audit()) == []
