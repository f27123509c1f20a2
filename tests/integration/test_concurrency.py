"""DESIGN.md §6 under real concurrency: several threads, real HTTP, the real ASGI app.

Each test releases its requests together with a barrier and then looks only at outcomes —
statuses, rows, numbers, the audit chain — never at timings. Runs on SQLite (writers queue on
IMMEDIATE transactions) and on PostgreSQL (writers queue on row locks).
"""
from __future__ import annotations

import io
import itertools
import re
from collections import Counter, defaultdict

import pytest
from django.core.management import call_command

from casework.choices import Status
from casework.ladder import clocks_for
from casework.models import Case, CaseDeadline, CaseEvent, CaseNumberCounter, IdempotencyKey, Party
from tests.conftest import bring_to, days_from_today, file_case, filing_body
from tests.live import request, run_together

CASES = "/api/v1/cases/"
NUMBER = re.compile(r"^330681-(\d{8})-(\d{4})$")


def file_over_http(live_url: str, token: str, body: dict, key: str | None = None):
    headers = {"Idempotency-Key": key} if key else {}
    return lambda: request("POST", live_url + CASES, token=token, json_body=body, headers=headers)


def fire_over_http(live_url: str, token: str, case_id: int, name: str, body: dict, seen_version: int | None = None):
    url = f"{live_url}{CASES}{case_id}/transitions/{name}/"
    headers = {"If-Match": f'"{seen_version}"'} if seen_version is not None else {}
    return lambda: request("POST", url, token=token, json_body=body, headers=headers)


def assert_audit_intact() -> None:
    out, err = io.StringIO(), io.StringIO()
    call_command("verify_audit", stdout=out, stderr=err)
    assert "audit trail intact" in out.getvalue()
    assert err.getvalue() == ""


def assert_gap_free(numbers: list[str]) -> None:
    """Unique, well-formed, and per day exactly 0001…000n (a run crossing midnight has two days)."""
    assert len(set(numbers)) == len(numbers), numbers
    by_day = defaultdict(list)
    for number in numbers:
        match = NUMBER.match(number)
        assert match, number
        by_day[match[1]].append(int(match[2]))
    for day, seqs in by_day.items():
        assert sorted(seqs) == list(range(1, len(seqs) + 1)), (day, sorted(seqs))
        assert CaseNumberCounter.objects.get(county_code="330681", day=f"{day[:4]}-{day[4:6]}-{day[6:]}").last == len(seqs)


# --- no lost or duplicated case ---

def test_same_idempotency_key_sent_by_eight_threads_files_one_case(demo, live_url, token):
    # given a tablet that fires the same filing eight times at once (a retry storm)
    grid1 = token("grid1")
    calls = [file_over_http(live_url, grid1, filing_body(), key="tablet-7f3a-retry") for _ in range(8)]

    # when all eight arrive together
    replies = run_together(calls)

    # then one case was created and every reply carries it: one 201, seven 200
    assert sorted(r.status for r in replies) == [200] * 7 + [201], [(r.status, r.body[:300]) for r in replies]
    assert len({r.json()["id"] for r in replies}) == 1
    assert len({r.json()["number"] for r in replies}) == 1
    case = Case.objects.get()
    assert replies[0].json()["id"] == case.pk
    assert IdempotencyKey.objects.filter(key="tablet-7f3a-retry").count() == 1
    assert Party.objects.filter(case=case).count() == 2
    assert list(CaseEvent.objects.values_list("action", flat=True)) == ["file"]
    assert CaseDeadline.objects.filter(case=case).count() == 1
    assert_audit_intact()


def test_same_key_from_different_users_files_one_case_each(demo, live_url, token):
    # given two grid workers whose tablets happen to generate the same key, four requests each
    calls = [file_over_http(live_url, token(user), filing_body(), key="shared-key")
             for user in ("grid1", "grid2") for _ in range(4)]

    # when all eight arrive together
    replies = run_together(calls)

    # then each user got exactly one case back, created once
    by_user = {user: replies[i * 4:(i + 1) * 4] for i, user in enumerate(("grid1", "grid2"))}
    for user, mine in by_user.items():
        assert sorted(r.status for r in mine) == [200, 200, 200, 201], (user, [(r.status, r.body[:300]) for r in mine])
        assert len({r.json()["id"] for r in mine}) == 1
    assert by_user["grid1"][0].json()["id"] != by_user["grid2"][0].json()["id"]
    assert Case.objects.count() == 2
    assert CaseEvent.objects.filter(action="file").count() == 2
    assert_audit_intact()


# --- two people acting on the same case at once ---

def assert_one_winner(case_id: int, replies, attempted: list[str]) -> str:
    """Exactly one 200, the others a clear 409; one new event, for the winner; returns its action."""
    statuses = [r.status for r in replies]
    detail = [(name, r.status, r.body.decode(errors="replace")[:200]) for name, r in zip(attempted, replies, strict=True)]
    assert statuses.count(200) == 1, detail
    assert statuses.count(409) == len(replies) - 1, detail
    for reply in replies:
        if reply.status == 409:
            assert reply.json()["code"] in {"conflict", "invalid_transition"}, reply.json()
            assert reply.json()["detail"]
    winner = attempted[statuses.index(200)]
    case = Case.objects.get(pk=case_id)
    events = list(CaseEvent.objects.filter(case=case).order_by("seq"))
    assert [e.action for e in events] == ["file", winner]
    assert case.event_count == 2 and case.version == 2
    assert replies[statuses.index(200)].json()["status"] == case.status
    # the clocks moved once: exactly the clocks of the status reached are running
    open_kinds = sorted(CaseDeadline.objects.filter(case=case, ended_at__isnull=True).values_list("kind", flat=True))
    assert open_kinds == sorted(clocks_for(case.status))
    assert CaseDeadline.objects.filter(case=case, kind="acceptance").count() == 1
    return winner


def test_head_and_mediator_accepting_at_once_one_wins_the_other_gets_409(demo, live_url, token):
    # given a freshly reported case of 枫源村
    case = file_case("grid1")

    # when the committee head and a mediator both accept it at the same moment
    attempted = ["accept", "accept"]
    replies = run_together([
        fire_over_http(live_url, token("head1"), case.pk, "accept", {"mediators": ["mediator1"]}),
        fire_over_http(live_url, token("mediator1"), case.pk, "accept", {}),
    ])

    # then one accepted it, the other was told of the conflict, and the trail shows one accept
    assert_one_winner(case.pk, replies, attempted)
    assert list(Case.objects.get(pk=case.pk).mediators.values_list("username", flat=True)) == ["mediator1"]
    assert_audit_intact()


# (user, transition, body): what may be fired on a reported case of 枫源村. After any one of the
# first four, none of the four is possible any more; escalate and withdraw stay possible after
# some of the others, so they only conflict with what their sender saw (If-Match).
EXCLUSIVE_RIVALS = [
    ("head1", "accept", {"mediators": ["mediator1"]}),
    ("mediator1", "accept", {}),
    ("head1", "decline", {"reason": "不属于调解范围", "advised_channel": "court"}),
    ("grid1", "resolve_on_spot", {"note": "现场调解成功"}),
]
RIVALS = EXCLUSIVE_RIVALS + [
    ("head1", "escalate", {"reason": "涉及多个村"}),
    ("center1", "withdraw", {"note": "申请人撤回申请"}),
]


@pytest.mark.parametrize("round_", range(2))
def test_mutually_exclusive_transitions_at_once_leave_exactly_one_event(demo, live_url, token, round_):
    # given a reported case and four people firing transitions that rule each other out
    case = file_case("grid1")
    # a different order each round, so the winner is not always the first thread started
    rivals = EXCLUSIVE_RIVALS[round_:] + EXCLUSIVE_RIVALS[:round_]
    calls = [fire_over_http(live_url, token(user), case.pk, name, body) for user, name, body in rivals]

    # when all four arrive together
    replies = run_together(calls)

    # then one transition happened, completely, and three were refused without a trace
    winner = assert_one_winner(case.pk, replies, [name for _, name, _ in rivals])
    mediators = list(Case.objects.get(pk=case.pk).mediators.values_list("username", flat=True))
    assert mediators == (["mediator1"] if winner == "accept" else [])
    assert_audit_intact()


@pytest.mark.parametrize("round_", range(3))
def test_six_people_acting_on_the_version_they_saw_leave_exactly_one_event(demo, live_url, token, round_):
    # given a reported case (version 1) and six people each firing a transition on what they saw
    case = file_case("grid1")
    rivals = RIVALS[round_:] + RIVALS[:round_]
    calls = [fire_over_http(live_url, token(user), case.pk, name, body, seen_version=case.version)
             for user, name, body in rivals]

    # when all six arrive together
    replies = run_together(calls)

    # then one transition happened, completely, and five were refused without a trace
    winner = assert_one_winner(case.pk, replies, [name for _, name, _ in rivals])
    mediators = list(Case.objects.get(pk=case.pk).mediators.values_list("username", flat=True))
    assert mediators == (["mediator1"] if winner == "accept" else [])
    assert_audit_intact()


def test_escalate_and_agreement_racing_in_village_mediation_leave_one_event(demo, live_url, token):
    # given a case under village mediation
    case = bring_to(Status.VILLAGE_MEDIATION)
    before = case.event_count

    # when, on the version they all saw, the head escalates while the mediator records an
    # agreement, the center withdraws it and the head merges it into another case
    rivals = [
        ("head1", "escalate", {"reason": "调解陷入僵局"}),
        ("mediator1", "record_agreement", {"terms": "赔偿800元", "obligations": [{"description": "付款", "due_date": days_from_today(60).isoformat()}]}),
        ("center1", "withdraw", {"note": "申请人撤回"}),
        ("head1", "merge", {"into": file_case("grid1").pk}),
    ]
    replies = run_together([fire_over_http(live_url, token(u), case.pk, n, b, seen_version=case.version)
                            for u, n, b in rivals])

    # then exactly one of them moved the case, and only its rows exist
    statuses = [r.status for r in replies]
    assert statuses.count(200) == 1 and statuses.count(409) == 3, [(r.status, r.body[:300]) for r in replies]
    winner = rivals[statuses.index(200)][1]
    case.refresh_from_db()
    assert case.event_count == before + 1
    assert CaseEvent.objects.filter(case=case, seq__gt=before).get().action == winner
    assert case.agreements.count() == (1 if winner == "record_agreement" else 0)
    assert_audit_intact()


def test_accepting_different_cases_at_once_all_succeed(demo, live_url, token):
    # given six reported cases (the refusals above are about one case, not about load)
    cases = [file_case("grid1") for _ in range(6)]

    # when head1 and mediator1 accept them all at once, three each
    calls = [fire_over_http(live_url, token(user), case.pk, "accept", {"mediators": ["mediator1"]})
             for user, case in zip(itertools.cycle(["head1", "mediator1"]), cases)]
    replies = run_together(calls)

    # then every one was accepted, with one event each
    assert [r.status for r in replies] == [200] * 6, [(r.status, r.body[:300]) for r in replies]
    assert Counter(Case.objects.values_list("status", flat=True)) == {Status.VILLAGE_MEDIATION: 6}
    assert CaseEvent.objects.filter(action="accept").count() == 6
    assert_audit_intact()


# --- case numbers under concurrency ---

def test_concurrent_filings_in_one_county_get_unique_gap_free_numbers(demo, live_url, token):
    # given grid workers of two townships of one county filing at once: eight distinct filings,
    # plus one filing retried four times with one key (three of which roll back their number)
    grid1, grid2 = token("grid1"), token("grid2")
    calls = [file_over_http(live_url, grid1 if i % 2 else grid2, filing_body(title=f"纠纷{i}"), key=f"distinct-{i}")
             for i in range(8)]
    calls += [file_over_http(live_url, grid1, filing_body(title="重试"), key="retried") for _ in range(4)]

    # when all twelve arrive together
    replies = run_together(calls)

    # then nine cases exist, numbered without duplicates and without gaps
    assert Counter(r.status for r in replies) == {201: 9, 200: 3}, [(r.status, r.body[:300]) for r in replies]
    numbers = list(Case.objects.values_list("number", flat=True))
    assert len(numbers) == 9
    assert sorted({r.json()["number"] for r in replies}) == sorted(numbers)
    assert_gap_free(numbers)
    assert_audit_intact()


def test_concurrent_high_risk_filings_number_and_route_every_case(demo, live_url, token):
    # given six high-risk filings at once (each writes two events and two clocks)
    calls = [file_over_http(live_url, token("grid1"), filing_body(title=f"群体性纠纷{i}", risk_level="high"))
             for i in range(6)]

    # when they arrive together
    replies = run_together(calls)

    # then each went straight to township triage, completely, with its own number
    assert [r.status for r in replies] == [201] * 6, [(r.status, r.body[:300]) for r in replies]
    assert Counter(Case.objects.values_list("status", flat=True)) == {Status.TOWNSHIP_TRIAGE: 6}
    assert CaseEvent.objects.count() == 12
    assert_gap_free(list(Case.objects.values_list("number", flat=True)))
    assert_audit_intact()
