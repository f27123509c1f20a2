"""Fixtures shared by every test: the demo county, API clients per demo user, and cases
brought to any status through the real services."""
from __future__ import annotations

import contextlib
import datetime as dt
import io
from unittest import mock

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from actions import services
from casework import clock, reference
from casework.choices import Status
from casework.models import Case, PartyCode, Region, User
from demo.topology import load_topology
from mediation import reference as bodies
from tests.snapshots import Snapshot

VALID_ID = "11010519491231002X"  # GB 11643 example number, valid check digit
PHONE = "13812345678"


def days_from_today(days: int) -> dt.date:
    """The date `days` after today as the services see it (`clock.travel_to` moves it): for due
    dates that must stay a little ahead whatever day the tests run."""
    return timezone.localdate(clock.now()) + dt.timedelta(days=days)


@contextlib.contextmanager
def frozen_clock(moment: dt.datetime):
    """The wall clock stopped at `moment` within the block.

    Everything the project reads the time from goes through `django.utils.timezone.now`
    (`casework.clock.now` wraps it; the models' defaults and the services use that), so this is
    the one place to stop it. `clock.travel_to` still works inside: it moves the services' clock
    relative to this one, and with it stopped, exactly to the moment asked for.
    """
    stopped = moment.astimezone(dt.UTC)
    with mock.patch.object(timezone, "now", lambda: stopped):
        yield stopped


@contextlib.contextmanager
def generated_county(topology_snapshot: Snapshot, django_db_blocker, *, seed: int, generated_at: dt.datetime,
                     now: dt.datetime, cases: int = 60):
    """For a module-scoped fixture: the demo county with `cases` past cases of `seed` generated
    at `generated_at`, the block run in a transaction with the clock frozen at `now`, and
    everything rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        topology_snapshot.restore()
        with frozen_clock(generated_at):
            call_command("load_demo", "--cases", str(cases), "--seed", str(seed), stdout=io.StringIO(),
                         stderr=io.StringIO())
        with frozen_clock(now):
            yield
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def fresh_reference_rows():
    """Each test starts without the reference rows a process holds (casework.reference, and the
    queues' bodies: mediation.reference): the rows of the test before were rolled back or flushed,
    and snapshots are restored in bulk, which sends no signal."""
    reference.clear()
    bodies.clear()
    yield
    reference.clear()
    bodies.clear()


@pytest.fixture(scope="session")
def topology_snapshot(django_db_setup, django_db_blocker) -> Snapshot:
    """What `load_topology()` writes, taken once per test process (tests/snapshots.py)."""
    with django_db_blocker.unblock():
        return Snapshot.take(load_topology)


@pytest.fixture
def demo(topology_snapshot, db):
    """The demo topology and users of API.md: the rows `load_topology()` writes, restored into this
    test's database (committed, for a transactional test), and a fresh copy of its Topology."""
    return topology_snapshot.restore()


@pytest.fixture(scope="module")
def county(topology_snapshot, django_db_blocker):
    """The demo topology, loaded once for a module in a transaction rolled back after it.

    A module whose tests only need the topology overrides `demo` with `shared_demo`: each test
    still runs in its own savepoint inside it (pytest-django), so whatever a test writes is
    undone; only the regions, bodies and users are shared.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        yield topology_snapshot.restore()
        transaction.set_rollback(True)


@pytest.fixture
def shared_demo(county, db):
    return county


def user(username: str) -> User:
    return User.objects.get(username=username)


def api_client(username: str | None) -> APIClient:
    """An APIClient authenticated by token as that demo user; anonymous for None."""
    from rest_framework.authtoken.models import Token

    client = APIClient()
    if username:
        token, _ = Token.objects.get_or_create(user=user(username))
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def api():
    """api("grid1") → an APIClient authenticated by token as that demo user; api(None) anonymous."""
    return api_client


def filing_body(**overrides) -> dict:
    body = {
        "title": "邻里漏水纠纷",
        "description": "楼上住户卫生间漏水，渗到楼下厨房，双方就维修费用协商未果。",
        "dispute_type": "neighborhood",
        "risk_level": "normal",
        "address": "枫源村3组12号",
        "parties": [
            {"role": "applicant", "name": "张三", "id_number": VALID_ID, "phone": PHONE},
            {"role": "respondent", "name": "李四", "phone": "13900001111"},
        ],
    }
    body.update(overrides)
    return body


def grid_of(username: str) -> Region:
    return next(ra.region for ra in user(username).role_assignments.select_related("region") if ra.region.level == "grid")


def file_case(reporter: str = "grid1", **overrides) -> Case:
    """File a case through the service, as a grid worker in their own grid."""
    body = filing_body(**overrides)
    parties = [services.PartyInput(**p) for p in body.pop("parties")]
    body.pop("risk_level")
    case, _ = services.case_file(
        actor=user(reporter),
        data=services.CaseInput(grid=grid_of(reporter), parties=parties, risk_level=overrides.get("risk_level", "normal"), **body),
    )
    return case


def in_force(case_id: int, body: dict) -> dict:
    """An API body of record_agreement completed as art. 35 asks (facts, responsibilities, the
    respondent obliged by each obligation) and signed by every party and sealed: in force."""
    parties = list(Case.objects.get(pk=case_id).parties.all())
    obliged = next((p for p in parties if p.role == "respondent"), parties[0])
    return {"facts": "双方因琐事发生纠纷，经调解查明事实。", "responsibilities": "被申请人承担主要责任。", **body,
            "obligations": [{"party": obliged.pk, **o} for o in body["obligations"]],
            "signatures": [{"party": p.pk} for p in parties], "sealed": True}


def agreement_in_force(case: Case, terms: str = "赔偿维修费800元", *, due_in_days: int = 0, **extra) -> dict:
    """The input of record_agreement for a complete written agreement (`in_force`) with one
    obligation falling due `due_in_days` from today (0: closing needs no reason); `extra` overrides."""
    body = {"terms": terms, "obligations": [{"description": "付款", "due_date": days_from_today(due_in_days)}]}
    return {**in_force(case.pk, body), **extra}


def bring_to(status: str, *, agreed_at: str = "village", reporter: str = "grid1") -> Case:
    """A case of 枫源村 (grid1's village) in `status`, reached through the real services.

    agreed_at ("village" | "township" | "channel") chooses the path to `agreed`.
    """
    head, center = user("head1"), user("center1")
    case = file_case(reporter)
    if status == Status.REPORTED:
        return case
    if status == Status.VILLAGE_MEDIATION or (status == Status.AGREED and agreed_at == "village"):
        services.case_accept(case_id=case.pk, actor=head, mediators=[user("mediator1")])
        if status == Status.AGREED:
            services.case_record_agreement(case_id=case.pk, actor=user("mediator1"),
                                           **agreement_in_force(case, "赔偿维修费800元"))
        return Case.objects.get(pk=case.pk)
    if status == Status.CLOSED:
        services.case_withdraw(case_id=case.pk, actor=head, note="申请人撤回")
        return Case.objects.get(pk=case.pk)
    services.case_escalate(case_id=case.pk, actor=head, reason="村级调解难度大")
    if status == Status.TOWNSHIP_TRIAGE:
        return Case.objects.get(pk=case.pk)
    services.case_triage_to_mediation(case_id=case.pk, actor=center)
    if status == Status.TOWNSHIP_MEDIATION or (status == Status.AGREED and agreed_at == "township"):
        if status == Status.AGREED:
            services.case_record_agreement(case_id=case.pk, actor=center, **agreement_in_force(case, "分期赔偿"))
        return Case.objects.get(pk=case.pk)
    services.case_refer(case_id=case.pk, actor=center, channel="arbitration", receiving_body="诸暨市劳动人事争议仲裁委员会")
    if status == Status.AGREED:
        services.case_record_agreement(case_id=case.pk, actor=center, **agreement_in_force(case, "仲裁庭调解结案"))
    return Case.objects.get(pk=case.pk)


def snapshot(case_id: int) -> tuple:
    """Everything a refused action must leave unchanged."""
    case = Case.objects.get(pk=case_id)
    return (case.status, case.outcome, case.version, case.event_count, case.last_event_hash,
            case.deadlines.count(), case.agreements.count(), case.referrals.count())


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture
def search_index(tmp_path):
    """A fresh embedded search index for this test; `tests.search.engines.index_now()` drains the
    outbox into it as the background worker would."""
    from tests.search.engines import engine

    with engine("embedded", tmp_path / "search") as backend:
        yield backend


@pytest.fixture
def fresh_throttle():
    """The rate limits count in the cache: a test using this starts with none spent."""
    cache.clear()
    yield
    cache.clear()


def party_code_of(case: Case) -> str:
    """The parties' code (解纷码) in force for the case, as printed on the receipt."""
    return PartyCode.objects.in_force().get(case=case).display
