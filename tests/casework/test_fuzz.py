"""Fuzzing the two write endpoints: whatever arrives, a 4xx or one whole change — never a 5xx,
never half a case (DESIGN.md §6: bad input gets a 400, a refused action changes nothing).

Every example runs in its own rolled-back transaction (hypothesis.extra.django.TestCase) from
the same start: the demo county and a case in every status. After each request the whole
project database is compared with what it was before: a refusal must leave every row as it
was; a success must be exactly one filing or one transition, complete, with an intact trail.
Bodies are sent as bytes we encode ourselves, so they can carry what a test client would refuse
to send (lone surrogates, NaN, invalid UTF-8).

The named tests at the end replay, deterministically, the inputs fuzzing found to crash the API.
"""
from __future__ import annotations

import datetime as dt
import json
from urllib.parse import quote

from django.apps import apps
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from casework import validators
from casework.audit import verify_audit
from casework.choices import Channel, DisputeType, PartyRole, RiskLevel, Satisfaction, Source, Status
from casework.ladder import DETACHED_CLOCKS, TRANSITIONS, allowed_transitions, clocks_for
from casework.models import Case, CaseEvent, Region, User
from demo.topology import load_topology
from mediation.models import Organization
from tests.conftest import VALID_ID, bring_to, file_case, filing_body

USERS = ["grid1", "grid2", "head1", "mediator1", "mediator2", "center1", "super1", "county1", "admin"]
# Those who may act on most cases of 枫源村 come up more often, so that fuzzing reaches success too.
ACTORS = st.sampled_from(USERS + ["head1", "mediator1", "center1", "admin"] * 2)
ANSWERS = {200, 201, 400, 403, 404, 409}
FUZZ = settings(
    max_examples=150, deadline=None,
    # no "explain" phase: on a failure it replays the example dozens of times for little insight
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
PROJECT_APPS = ("casework", "mediation", "flows", "search")
# Tables a filing or a transition writes; anything else may only gain rows (notifications, outbox).
CORE_TABLES = {
    "casework.Case", "casework.Case_mediators", "casework.Party", "casework.CaseEvent", "casework.CaseDeadline",
    "casework.IdempotencyKey", "casework.CaseNumberCounter", "mediation.Agreement", "mediation.Obligation",
    "mediation.Referral", "mediation.FollowUpVisit",
    # The workflow follows the case: its process and task rows move with every transition.
    "flows.DisputeProcess", "viewflow.Process", "viewflow.Task", "viewflow.Task_previous",
    # The inbox's projection of the open stage tasks follows the tasks and clocks (derived data).
    "flows.InboxEntry",
}


# --- the whole database, before and after ---

def world() -> dict[str, dict]:
    """Every row of every project table, by primary key."""
    tables = {}
    for label in PROJECT_APPS:
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            if model._meta.proxy:  # its concrete model's table, read under that model's name
                continue
            pk = model._meta.pk.attname
            tables[model._meta.label] = {row[pk]: row for row in model.objects.values()}
    return tables


def diff(before: dict, after: dict) -> dict[str, dict[str, set]]:
    """Per table: primary keys added, removed and changed."""
    changes = {}
    for table, rows in after.items():
        old = before.get(table, {})
        added, removed = set(rows) - set(old), set(old) - set(rows)
        changed = {pk for pk in set(rows) & set(old) if rows[pk] != old[pk]}
        if added or removed or changed:
            changes[table] = {"added": added, "removed": removed, "changed": changed}
    return changes


def assert_nothing_changed(before: dict, reply) -> None:
    changes = diff(before, world())
    assert not changes, f"a refused request ({reply.status_code} {reply.content[:300]!r}) wrote {changes}"


def assert_audit_intact() -> None:
    problems = [str(p) for p in verify_audit()]
    assert not problems, problems


def assert_clocks_match_status(case: Case) -> None:
    running = sorted(k for k in case.deadlines.filter(ended_at__isnull=True).values_list("kind", flat=True)
                     if k not in DETACHED_CLOCKS)
    assert running == sorted(k for k in clocks_for(case.status) if k not in DETACHED_CLOCKS)


def assert_only_core_tables_rewritten(changes: dict) -> None:
    for table, change in changes.items():
        if table not in CORE_TABLES:
            assert not change["removed"] and not change["changed"], (table, change)


def assert_one_whole_filing(before: dict, body: dict, key: str, reply) -> Case:
    """Exactly one new case, with all its parties, its events, its clocks and its number."""
    after = world()
    changes = diff(before, after)
    assert_only_core_tables_rewritten(changes)
    case = Case.objects.get(pk=reply.json()["id"])
    assert changes["casework.Case"] == {"added": {case.pk}, "removed": set(), "changed": set()}
    for table in ("casework.Party", "casework.CaseEvent", "casework.CaseDeadline"):
        assert not changes[table]["removed"] and not changes[table]["changed"], (table, changes[table])
        assert {after[table][pk]["case_id"] for pk in changes[table]["added"]} == {case.pk}, table
    assert "mediation.Agreement" not in changes and "casework.Case_mediators" not in changes
    parties = sorted((p["role"], p["name"].strip()) for p in body["parties"])
    assert sorted(case.parties.values_list("role", "name")) == parties
    actions = list(case.events.order_by("seq").values_list("action", flat=True))
    assert actions == (["file", "escalate"] if case.risk_level == RiskLevel.HIGH else ["file"])
    assert case.event_count == len(actions) and case.status in (Status.REPORTED, Status.TOWNSHIP_TRIAGE)
    assert_clocks_match_status(case)
    keys = changes.get("casework.IdempotencyKey", {"added": set()})["added"]
    assert len(keys) == (1 if key else 0)
    counters = changes["casework.CaseNumberCounter"]
    moved = counters["added"] | counters["changed"]
    assert len(moved) == 1
    (counter,) = moved
    old_last = before["casework.CaseNumberCounter"].get(counter, {"last": 0})["last"]
    assert after["casework.CaseNumberCounter"][counter]["last"] == old_last + 1
    assert case.number.endswith(f"-{old_last + 1:04d}")
    assert_audit_intact()
    return case


def assert_one_whole_transition(before: dict, case_id: int, name: str, actor: str, reply) -> None:
    """Exactly one event on the case, the case moved once, and nothing of any other case touched."""
    after = world()
    changes = diff(before, after)
    assert_only_core_tables_rewritten(changes)
    assert changes["casework.Case"] == {"added": set(), "removed": set(), "changed": {case_id}}
    old, new = before["casework.Case"][case_id], after["casework.Case"][case_id]
    assert new["version"] == old["version"] + 1 and new["event_count"] == old["event_count"] + 1
    assert changes["casework.CaseEvent"]["removed"] == changes["casework.CaseEvent"]["changed"] == set()
    (event_id,) = changes["casework.CaseEvent"]["added"]
    event = CaseEvent.objects.get(pk=event_id)
    assert (event.case_id, event.seq, event.action) == (case_id, new["event_count"], name)
    assert (event.source_status, event.target_status) == (old["status"], new["status"])
    assert event.actor.username == actor and reply.json()["status"] == new["status"]
    for table in ("casework.Party", "casework.IdempotencyKey", "casework.CaseNumberCounter"):
        assert table not in changes, table
    for table, fk in (("casework.CaseDeadline", "case_id"), ("casework.Case_mediators", "case_id"),
                      ("mediation.Agreement", "case_id"), ("mediation.Referral", "case_id"),
                      ("mediation.FollowUpVisit", "case_id"), ("flows.InboxEntry", "case_id")):
        touched = changes.get(table, {"added": set(), "changed": set(), "removed": set()})
        assert not touched["removed"] or table in ("casework.Case_mediators", "flows.InboxEntry"), (table, touched)
        rows = {**before.get(table, {}), **after.get(table, {})}
        assert {rows[pk][fk] for pk in touched["added"] | touched["changed"] | touched["removed"]} <= {case_id}, table
    wrote = {t: bool(changes.get(t, {}).get("added")) for t in ("mediation.Agreement", "mediation.Referral",
                                                                "mediation.FollowUpVisit")}
    assert wrote == {"mediation.Agreement": name == "record_agreement", "mediation.Referral": name == "refer",
                     "mediation.FollowUpVisit": name == "close"}
    assert_clocks_match_status(Case.objects.get(pk=case_id))
    assert_audit_intact()


# --- strategies ---

def weighted(*choices: tuple[int, st.SearchStrategy]) -> st.SearchStrategy:
    """One of the strategies, by weight (st.one_of would pick among them evenly)."""
    return st.sampled_from([strategy for weight, strategy in choices for _ in range(weight)]).flatmap(lambda s: s)


def _text_with_surrogates(max_size: int) -> st.SearchStrategy[str]:
    return st.text(st.characters(exclude_categories=()), max_size=max_size)


nasty_text = st.one_of(
    st.text(max_size=40),
    _text_with_surrogates(20),
    st.sampled_from(["", " ", "\t\n", "\x00", "a\x00b", "\u200b", "\ufeff", "\u202e", "'; DROP TABLE casework_case; --",
                     "<script>alert(1)</script>", "𠮷野家", "ＡＢＣ", "null", "NaN", "1e400", "-0", "٣", "²", "ⅷ",
                     "%s%n", "../../etc/passwd", "张三" * 40]),
    st.sampled_from([101, 201, 2001, 5001, 70_000]).map(lambda n: "纠" * n),
)
json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), nasty_text,
    st.sampled_from([0, -1, 2**31, 2**63, -(2**63) - 1, 10**30, 1e308, -1e-308, 0.5]),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
iso_dates = st.dates().map(dt.date.isoformat)
iso_datetimes = weighted(
    # mostly a moment in the past, with or without a zone; now and then any moment at all
    (6, st.datetimes(dt.datetime(1950, 1, 1), dt.datetime(2025, 12, 31), timezones=st.none() | st.timezones())
     .map(dt.datetime.isoformat)),
    (1, st.datetimes(timezones=st.none() | st.timezones()).map(dt.datetime.isoformat)),
    (1, st.sampled_from(["2026-01-01T08:00:00+08:00", "2026-13-01T00:00:00", "yesterday", "2026-02-30", ""])),
)


@st.composite
def id_numbers(draw) -> str:
    """A resident ID number of 诸暨 with a valid check digit (broken bodies break it)."""
    first17 = "330681" + draw(st.dates(dt.date(1900, 1, 1), dt.date(2020, 12, 31))).strftime("%Y%m%d") + draw(
        st.from_regex(r"[0-9]{3}", fullmatch=True))
    return first17 + validators.id_check_digit(first17)


chinese_names = st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=2, max_size=4)
party = st.fixed_dictionaries(
    {"role": st.sampled_from(PartyRole.values),
     "name": weighted((4, chinese_names), (1, st.text(min_size=1, max_size=64)))},
    optional={"id_number": id_numbers() | st.just(VALID_ID) | st.just(""),
              "phone": st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True) | st.just("")},
)
applicant = party.map(lambda p: {**p, "role": PartyRole.APPLICANT})


def valid_filings(grid_codes: list[str]) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries(
        {
            "title": chinese_names.map(lambda s: s + "纠纷") | st.text(min_size=1, max_size=100),
            "description": st.text(min_size=1, max_size=300),
            "dispute_type": st.sampled_from(DisputeType.values),
            "parties": st.tuples(applicant, st.lists(party, max_size=3)).map(lambda t: [t[0], *t[1]]),
        },
        optional={
            "risk_level": st.sampled_from(RiskLevel.values),
            "source": st.sampled_from(Source.values),
            "grid": weighted((3, st.just(grid_codes[0])), (1, st.sampled_from(grid_codes))),
            "address": st.text(max_size=200),
            "occurred_at": weighted((4, iso_datetimes), (1, st.none())),
            "people_involved": st.integers(1, 1_000_000) | st.none(),
            "amount_involved": st.decimals(0, 10**11, places=2).map(str) | st.none(),
            "latitude": st.decimals(-90, 90, places=6).map(str),
            "longitude": st.decimals(-180, 180, places=6).map(float),
        },
    )


@st.composite
def one_field_broken(draw, valid: st.SearchStrategy[dict]) -> dict:
    """A valid-looking body with one field (or one field of one list item) deleted or replaced by junk."""
    body = json.loads(json.dumps(draw(valid), default=str))
    container = body
    lists = [k for k, v in body.items() if isinstance(v, list) and v and all(isinstance(i, dict) for i in v)]
    if lists and draw(st.booleans()):
        items = body[draw(st.sampled_from(sorted(lists)))]
        container = items[draw(st.integers(0, len(items) - 1))]
    if not container:
        return body
    key = draw(st.sampled_from(sorted(container)))
    if draw(st.integers(0, 3)) == 0:
        del container[key]
    else:
        container[key] = draw(json_values)
    return body


def payloads(valid: st.SearchStrategy[dict], keys: list[str]) -> st.SearchStrategy:
    return weighted(
        (4, valid),
        (3, one_field_broken(valid)),
        (1, st.dictionaries(st.sampled_from(keys) | st.text(max_size=12), json_values, max_size=8)),
        (1, json_values),
    )


def transition_bodies(name: str, case_ids: list[int], org_ids: list[int]) -> st.SearchStrategy[dict]:
    text = st.text(min_size=1, max_size=200)
    fields = {
        "resolve_on_spot": {"note": text},
        "return_to_village": {"note": text},
        "withdraw": {"note": text},
        "accept": {},
        "decline": {"reason": text, "advised_channel": st.sampled_from(Channel.values) | text},
        "escalate": {"reason": text},
        "triage_to_mediation": {},
        "refer": {"channel": st.sampled_from(Channel.values), "receiving_body": text},
        "record_agreement": {
            "terms": text,
            "obligations": st.lists(st.fixed_dictionaries({"description": text, "due_date": iso_dates}),
                                    min_size=1, max_size=3),
        },
        "record_referral_outcome": {"resolved": st.booleans(), "reply": text},
        "reopen": {"reason": text},
        "close": {"fulfilled": st.booleans(), "satisfaction": st.sampled_from(Satisfaction.values)},
        "merge": {"into": st.sampled_from(case_ids)},
    }.get(name, {})
    optional = {} if "note" in fields else {"note": st.text(max_size=200)}
    if name == "accept":
        optional["mediators"] = st.lists(st.sampled_from(["mediator1", "mediator2", "head1", "grid1", "nobody"]),
                                         max_size=3)
    if name == "triage_to_mediation":
        optional["lead_body"] = st.sampled_from(org_ids) | st.none()
    return st.fixed_dictionaries(fields, optional=optional)


idempotency_keys = weighted(
    (3, st.uuids().map(str)), (2, st.just("")), (1, st.text(max_size=70)),
    (1, st.sampled_from(["a" * 64, "a" * 65, "key\n", "键", " "])),
)
if_match_headers = weighted(
    (6, st.none()),
    (2, st.sampled_from(['"1"', '"2"', '"3"', '"99"', 'W/"2"', "*", "", "abc", '"-1"'])),
    (1, st.text(max_size=8)),
)
transition_names = weighted(
    (8, st.sampled_from(tuple(TRANSITIONS))),
    (1, st.sampled_from(["", "ACCEPT", "accept ", "file", "save", "delete", "__init__", "pause_clock", "a/b", "..", "%"])),
    (1, st.text(min_size=1, max_size=30)),
)


def encode(body) -> bytes:
    # ensure_ascii: lone surrogates travel as \udXXX escapes, as any JSON client may send them
    return json.dumps(body, default=str).encode()


class FuzzCase(TestCase):
    """The demo county, a token per demo user, and a case in every status."""

    @classmethod
    def setUpTestData(cls) -> None:
        load_topology()
        cls.tokens = {u: Token.objects.create(user=User.objects.get(username=u)).key for u in USERS}
        # grid1's grid, grid2's grid, another grid; then a village, a township and nonsense
        cls.grid_codes = [g.code for g in Region.objects.filter(level="grid").order_by("code")[:3]] + [
            Region.objects.filter(level=level).order_by("code").first().code for level in ("village", "township")
        ] + [Region.objects.get(role_assignments__user__username="grid2").code, "nonexistent", ""]
        cls.cases = {
            "reported": file_case("grid1").pk,
            "reported_elsewhere": file_case("grid2").pk,  # another township: 404 for 枫桥镇 users
            "village_mediation": bring_to(Status.VILLAGE_MEDIATION).pk,
            "township_triage": bring_to(Status.TOWNSHIP_TRIAGE).pk,
            "township_mediation": bring_to(Status.TOWNSHIP_MEDIATION).pk,
            "referred": bring_to(Status.REFERRED).pk,
            "agreed_village": bring_to(Status.AGREED).pk,
            "agreed_township": bring_to(Status.AGREED, agreed_at="township").pk,
            "closed": bring_to(Status.CLOSED).pk,
        }
        cls.org_ids = list(Organization.objects.values_list("pk", flat=True)[:6]) + [10**6]

    def post(self, actor: str, path: str, raw: bytes, **headers):
        client = APIClient()
        return client.generic("POST", path, raw, content_type="application/json",
                              HTTP_AUTHORIZATION=f"Token {self.tokens[actor]}", **headers)

    def steered_names(self, case_id: str, actor: str) -> st.SearchStrategy[str]:
        """Any name, but often one the actor may fire on the case now, so that successes are explored too."""
        case = Case.objects.filter(pk=int(case_id)).first() if case_id.isascii() and case_id.isdigit() else None
        allowed = allowed_transitions(case, User.objects.get(username=actor)) if case else []
        if not allowed:
            return transition_names
        return weighted((1, transition_names), (1, st.sampled_from(allowed)))

    def draw_case_id(self, data) -> str:
        known = st.sampled_from(sorted(self.cases)).map(lambda label: str(self.cases[label]))
        unknown = st.one_of(st.integers().map(str), st.text(min_size=1, max_size=10), st.just(str(10**30)))
        return data.draw(weighted((8, known), (1, unknown)), label="case id")


class FilingFuzzTests(FuzzCase):
    FIELDS = ["title", "description", "dispute_type", "risk_level", "source", "grid", "address", "occurred_at",
              "parties", "people_involved", "amount_involved", "latitude", "longitude"]

    @FUZZ
    @given(data=st.data())
    def test_filing_any_json_files_one_whole_case_or_changes_nothing(self, data):
        # given a demo user, a JSON body of any shape and maybe an Idempotency-Key
        actor = data.draw(st.sampled_from(USERS), label="actor")
        body = data.draw(payloads(valid_filings(self.grid_codes), self.FIELDS), label="body")
        key = data.draw(idempotency_keys, label="key")
        before = world()

        # when it is posted
        reply = self.post(actor, "/api/v1/cases/", encode(body), HTTP_IDEMPOTENCY_KEY=key)
        event(f"HTTP {reply.status_code}")

        # then it is refused without a trace, or exactly one whole case was filed
        assert reply.status_code in ANSWERS - {200}, (reply.status_code, reply.content[:500])
        if reply.status_code != 201:
            assert_nothing_changed(before, reply)
            return
        assert_one_whole_filing(before, body, key, reply)
        if key:
            # and a retry with the same key gets the same case back and files nothing
            filed = world()
            retry = self.post(actor, "/api/v1/cases/", encode(body), HTTP_IDEMPOTENCY_KEY=key)
            assert retry.status_code == 200 and retry.json()["id"] == reply.json()["id"], retry.content[:300]
            assert_nothing_changed(filed, retry)

    @FUZZ
    @given(data=st.data())
    def test_filing_any_bytes_as_json_is_refused_or_files_one_whole_case(self, data):
        # given raw bytes declared as JSON: noise, truncated or corrupted JSON, other encodings
        actor = data.draw(st.sampled_from(USERS), label="actor")
        valid = encode(filing_body())
        raw = data.draw(raw_bodies(valid), label="raw body")
        before = world()

        # when they are posted
        reply = self.post(actor, "/api/v1/cases/", raw)
        event(f"HTTP {reply.status_code}")

        # then the answer is a 4xx that changed nothing, or (the bytes happened to be valid) one case
        assert reply.status_code in ANSWERS - {200}, (reply.status_code, reply.content[:500])
        if reply.status_code == 201:
            assert_one_whole_filing(before, json.loads(raw), "", reply)
        else:
            assert_nothing_changed(before, reply)


@st.composite
def raw_bodies(draw, valid: bytes) -> bytes:
    kind = draw(st.sampled_from(range(6)))
    if kind == 0:
        return draw(st.binary(max_size=600))
    if kind == 1:  # valid JSON, cut short
        return valid[: draw(st.integers(0, len(valid)))]
    if kind == 2:  # valid JSON with a few bytes overwritten
        raw = bytearray(valid)
        for _ in range(draw(st.integers(1, 4))):
            raw[draw(st.integers(0, len(raw) - 1))] = draw(st.integers(0, 255))
        return bytes(raw)
    if kind == 3:  # valid JSON in another encoding, or with a byte-order mark
        text = valid.decode()
        return draw(st.sampled_from([text.encode("utf-16"), text.encode("utf-32"), b"\xef\xbb\xbf" + valid,
                                     text.encode("gb18030")]))
    if kind == 4:  # JSON's own oddities
        return draw(st.sampled_from([b"", b"null", b"{}", b"[]", b'"x"', b"0", b"NaN", b"-Infinity", b'{"a": NaN}',
                                     b'{"title": 1e400}', b"{" * 3 + b"}" * 3, b'{"a":1,"a":2}', b"\x00",
                                     b'{"parties": [null]}', b'{"parties": {}}']))
    depth = draw(st.sampled_from([1, 2, 10, 100, 500, 990, 1_000, 2_000, 100_000]))  # nesting, shallow to absurd
    return draw(st.sampled_from([b"[" * depth + b"]" * depth, b'{"a":' * depth + b"1" + b"}" * depth]))


class TransitionFuzzTests(FuzzCase):
    FIELDS = ["note", "mediators", "reason", "advised_channel", "lead_body", "channel", "receiving_body", "terms",
              "obligations", "resolved", "reply", "fulfilled", "satisfaction", "into"]

    def check(self, before: dict, reply, case_id: str, name: str, actor: str) -> None:
        event(f"HTTP {reply.status_code}")
        assert reply.status_code in ANSWERS - {201}, (reply.status_code, reply.content[:500])
        if reply.status_code == 200:
            assert_one_whole_transition(before, int(case_id), name, actor, reply)
        else:
            assert_nothing_changed(before, reply)
            if reply.status_code == 409:
                assert reply.json()["code"] in {"conflict", "invalid_transition"}, reply.json()

    @FUZZ
    @given(data=st.data())
    def test_transition_any_json_fires_once_completely_or_changes_nothing(self, data):
        # given any demo user, any case (or none), any transition name (or junk) and any body
        actor = data.draw(ACTORS, label="actor")
        case_id = self.draw_case_id(data)
        name = data.draw(self.steered_names(case_id, actor), label="transition")
        valid = transition_bodies(name, list(self.cases.values()), self.org_ids)
        body = data.draw(payloads(valid, self.FIELDS), label="body")
        if_match = data.draw(if_match_headers, label="If-Match")
        headers = {} if if_match is None else {"HTTP_IF_MATCH": if_match}
        before = world()

        # when it is fired
        path = f"/api/v1/cases/{quote(case_id, safe='')}/transitions/{quote(name, safe='')}/"
        reply = self.post(actor, path, encode(body), **headers)

        # then it was refused without a trace, or it happened exactly once, completely
        self.check(before, reply, case_id, name, actor)

    @FUZZ
    @given(data=st.data())
    def test_transition_any_bytes_as_json_is_refused_or_fires_once(self, data):
        # given a real transition on a real case, with raw bytes for a body
        actor = data.draw(ACTORS, label="actor")
        label = data.draw(st.sampled_from(sorted(self.cases)), label="case")
        name = data.draw(self.steered_names(str(self.cases[label]), actor).filter(lambda n: n in TRANSITIONS),
                         label="transition")
        valid = encode(data.draw(transition_bodies(name, list(self.cases.values()), self.org_ids)))
        raw = data.draw(raw_bodies(valid), label="raw body")
        before = world()

        # when they are posted
        case_id = str(self.cases[label])
        reply = self.post(actor, f"/api/v1/cases/{case_id}/transitions/{name}/", raw)

        # then a 4xx that changed nothing, or one complete transition
        self.check(before, reply, case_id, name, actor)


class CrashingInputTests(FuzzCase):
    """Inputs fuzzing found to crash the API with a 500; each must be a 400 and change nothing.

    (A naive year-1 `occurred_at`, also found this way, is covered by test_filing_api.py.)
    """

    def assert_refused(self, reply, before) -> None:
        assert reply.status_code == 400, (reply.status_code, reply.content[:300])
        assert_nothing_changed(before, reply)

    def post_safely(self, actor: str, path: str, raw: bytes, **headers):
        client = APIClient(raise_request_exception=False)
        return client.generic("POST", path, raw, content_type="application/json",
                              HTTP_AUTHORIZATION=f"Token {self.tokens[actor]}", **headers)

    def test_deeply_nested_json_body_is_refused_with_400(self):
        # given a body of 100 000 nested arrays (Python's json module recurses per level)
        before = world()
        # when it is posted as a filing and as a transition
        filing = self.post_safely("grid1", "/api/v1/cases/", b"[" * 100_000 + b"]" * 100_000)
        accept = self.post_safely("head1", f"/api/v1/cases/{self.cases['reported']}/transitions/accept/",
                                  b'{"mediators":' + b"[" * 100_000 + b"]" * 100_000 + b"}")
        # then both are refused as malformed JSON
        self.assert_refused(filing, before)
        self.assert_refused(accept, before)

    def test_lone_surrogate_in_a_choice_field_is_refused_with_400(self):
        # given valid filings and transitions except for a lone UTF-16 surrogate in a choice field
        before = world()
        filing = self.post_safely("grid1", "/api/v1/cases/", encode(filing_body(dispute_type="\ud800")))
        party = self.post_safely("grid1", "/api/v1/cases/", encode(filing_body(
            parties=[{"role": "\udfff", "name": "张三"}])))
        close = self.post_safely("head1", f"/api/v1/cases/{self.cases['agreed_village']}/transitions/close/",
                                 encode({"fulfilled": True, "satisfaction": "\ud83d"}))
        # then each is a 400 naming the field (the error message must not crash the renderer)
        for reply in (filing, party, close):
            self.assert_refused(reply, before)

    def test_if_match_that_is_not_an_ascii_number_is_refused_with_400(self):
        # given If-Match headers that str.isdigit() accepts but int() does not
        before = world()
        path = f"/api/v1/cases/{self.cases['reported']}/transitions/escalate/"
        for header in ("²", "①", "9" * 5000):
            # when head1 escalates with it
            reply = self.post_safely("head1", path, encode({"reason": "涉及多个村"}), HTTP_IF_MATCH=header)
            # then it is refused as a bad header, not a crash
            self.assert_refused(reply, before)

    def test_agreement_with_an_obligation_due_at_the_end_of_the_calendar_is_refused_with_400(self):
        # given an agreement whose obligation falls due on 9999-12-31 (the follow-up clock would
        # start 15 days after it, past the last date Python can represent)
        before = world()
        reply = self.post_safely("mediator1", f"/api/v1/cases/{self.cases['village_mediation']}/transitions/record_agreement/",
                                 encode({"terms": "分期付款", "obligations": [{"description": "付清", "due_date": "9999-12-31"}]}))
        # then it is refused as an impossible date, and nothing is recorded
        self.assert_refused(reply, before)
