"""Filing a case (立案/登记): numbering, idempotent retries, high-risk routing."""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from actions.changes import record_change
from actions.party_codes import issue_party_code
from casework import clock, deadlines, validators
from casework import permissions as perms
from casework.choices import NotificationKind, RegionLevel, RiskLevel, Source, Status
from casework.errors import Forbidden, InvalidInput
from casework.ladder import EventAction
from casework.models import Case, CaseNumberCounter, IdempotencyKey, Party, Region, User
from flows import engine, inbox


@dataclass
class PartyInput:
    role: str
    name: str
    id_number: str = ""
    phone: str = ""


@dataclass
class CaseInput:
    title: str
    description: str
    dispute_type: str
    grid: Region
    parties: list[PartyInput]
    risk_level: str = RiskLevel.NORMAL
    source: str = Source.GRID_PATROL
    address: str = ""
    occurred_at: dt.datetime | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    people_involved: int | None = None
    amount_involved: Decimal | None = None
    extra: dict = field(default_factory=dict)


def allocate_number(*, county_code: str, at: dt.datetime) -> str:
    """The next `<county>-<yyyymmdd>-<seq>` number, in one statement.

    An upsert on the day's counter (INSERT … ON CONFLICT (county_code, day) DO UPDATE SET
    last = last + 1 RETURNING last: SQLite ≥ 3.35 and PostgreSQL both have it) creates or bumps
    the row and reads the number back at once. It runs inside the filing's transaction, which
    holds the row (PostgreSQL's row lock; SQLite's one writer) until it ends, so a filing that
    rolls back gives its number back (the numbers have no gaps) and concurrent filings in one
    county queue on this row — which is why the filing takes it as late as it can.
    """
    day = timezone.localtime(at).date()
    q = connection.ops.quote_name
    table, county, day_, last = (q(CaseNumberCounter._meta.db_table), q("county_code"), q("day"), q("last"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({county}, {day_}, {last}) VALUES (%s, %s, 1) "
            f"ON CONFLICT ({county}, {day_}) DO UPDATE SET {last} = {table}.{last} + 1 RETURNING {last}",
            [county_code, day],
        )
        (seq,) = cursor.fetchone()
    return f"{county_code}-{day:%Y%m%d}-{seq:04d}"


def _provisional_number() -> str:
    """A unique stand-in for the case row's number until `allocate_number` gives the real one,
    later in the same transaction: it is never committed."""
    return "~" + uuid.uuid4().hex[:31]


class _KeyTaken(Exception):
    """The Idempotency-Key already names a case: the filing in progress rolls back."""

    def __init__(self, case_id: int) -> None:
        super().__init__(case_id)
        self.case_id = case_id


def _claim_key(actor: User, key: str, case: Case) -> int:
    """Record that `key` (of `actor`) names `case`, in one statement; the case it names.

    An upsert that changes nothing on a conflict (ON CONFLICT (user_id, key) DO UPDATE SET
    case_id = case_id RETURNING case_id): a new key returns our case, a known one the case it
    already names. A request with the same key still in flight on PostgreSQL makes it wait for
    that transaction's end on the unique index, then see its row (or insert ours, if it rolled
    back); on SQLite the writers take turns.
    """
    q = connection.ops.quote_name
    table, user_id, key_, case_id, created_at = (q(IdempotencyKey._meta.db_table), q("user_id"), q("key"),
                                                 q("case_id"), q("created_at"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({user_id}, {key_}, {case_id}, {created_at}) VALUES (%s, %s, %s, %s) "
            f"ON CONFLICT ({user_id}, {key_}) DO UPDATE SET {case_id} = {table}.{case_id} RETURNING {case_id}",
            [actor.pk, key, case.pk, connection.ops.adapt_datetimefield_value(clock.now())],
        )
        (owner,) = cursor.fetchone()
    return owner


def case_file(*, actor: User, data: CaseInput, idempotency_key: str = "") -> tuple[Case, bool]:
    """File a case; returns (case, created).

    With an idempotency key, a retry (even one racing the first attempt) returns the case
    the first attempt created and creates nothing: the key is claimed in the filing's
    transaction right after the case row is written, and a key that already names a case rolls
    the whole filing back (its number included). A new case comes back as written, with what
    the filing response shows held on it (`_hold`): nothing needs to be read back.
    """
    try:
        with transaction.atomic():
            case = _create_case(actor=actor, data=data, idempotency_key=idempotency_key)
    except _KeyTaken as taken:
        return Case.objects.get(pk=taken.case_id), False
    except (Forbidden, InvalidInput, IntegrityError):
        # A retry whose first attempt was filed gets that case, even if the actor's roles or the
        # rules have changed since; anything else is refused as it stands.
        existing = _case_for_key(actor, idempotency_key) if idempotency_key else None
        if existing is None:
            raise
        return existing, False
    return case, True


def _case_for_key(actor: User, key: str) -> Case | None:
    row = IdempotencyKey.objects.filter(user=actor, key=key).select_related("case").first()
    return row.case if row else None


def _check(rule, value, field: str) -> None:
    """Apply a rule of casework.validators, refusing with a field error (400)."""
    try:
        rule(value)
    except ValidationError as exc:
        raise InvalidInput(exc.messages[0], fields={field: exc.messages})


def _hold(case: Case, **related: list) -> None:
    """Put rows on the case as `prefetch_related` would, so `case.<name>.all()` reads no more."""
    cache = case.__dict__.setdefault("_prefetched_objects_cache", {})
    for name, rows in related.items():
        queryset = getattr(case, name).all()
        queryset._result_cache = list(rows)
        queryset._prefetch_done = True
        cache[name] = queryset


def _create_case(*, actor: User, data: CaseInput, idempotency_key: str = "") -> Case:
    grid = data.grid
    if grid.level != RegionLevel.GRID:
        raise InvalidInput("Cases are filed in a grid.", fields={"grid": ["Choose a grid, not a larger region."]})
    if not perms.may_file(actor, grid.path):
        raise Forbidden("You may not file cases in this grid.")
    _check(validators.validate_party_roles, [p.role for p in data.parties], "parties")
    if data.occurred_at is not None:
        _check(validators.validate_occurred_at, data.occurred_at, "occurred_at")
    now = clock.now()
    case = Case.objects.create(
        number=_provisional_number(),
        title=data.title, description=data.description, dispute_type=data.dispute_type,
        risk_level=data.risk_level, source=data.source, region=grid, region_path=grid.path,
        address=data.address, occurred_at=data.occurred_at, latitude=data.latitude,
        longitude=data.longitude, people_involved=data.people_involved,
        amount_involved=data.amount_involved, reported_by=actor, created_at=now,
    )
    if idempotency_key:
        owner = _claim_key(actor, idempotency_key, case)
        if owner != case.pk:
            raise _KeyTaken(owner)
    parties = Party.objects.bulk_create(
        Party(case=case, role=p.role, name=p.name, id_number=p.id_number, phone=p.phone)
        for p in data.parties
    )
    code = issue_party_code(case)  # 解纷码, handed to the parties with the receipt
    clocks = deadlines.on_status_change(case=case, source="", at=now)
    high_risk = data.risk_level == RiskLevel.HIGH
    if not high_risk:
        # The process and the inbox (not the record) need no number: written before it is taken.
        process = engine.start(case)
        inbox.add(case.pk, process.written_tasks, clocks)
    # From here to the commit the county's counter row is held (other filings of the county wait
    # for it on PostgreSQL): only what needs the number comes after — the events, which commit to
    # the case row, number included. The number is saved with the filing event's case row.
    case.number = allocate_number(county_code=grid.path.split(".", 1)[0], at=now)
    # Nothing but these rows hangs off the new case yet: the digest is computed from them.
    events = [record_change(case, actor=actor, action=EventAction.FILE, source="", fields=["status", "number"],
                            data={"source": data.source, "risk_level": data.risk_level,
                                  "parties": len(data.parties)},
                            written=[*parties, *clocks])]
    if high_risk:
        # 重大风险: skip the village, straight to township triage, and alert the township and county.
        case.escalate()
        clocks = deadlines.on_status_change(case=case, source=Status.REPORTED, at=now)
        events.append(record_change(case, actor=None, action=EventAction.ESCALATE, source=Status.REPORTED,
                                    fields=["status"], data={"automatic": True, "reason": "high_risk"},
                                    notify=NotificationKind.HIGH_RISK, notify_exclude=actor))
        engine.start(case)  # the process starts where the case now stands: township triage
        inbox.sync([case.pk])  # (read back: the escalation stopped the first clock in the database)
    # What the filing response shows, as written (the clocks open now are those just started).
    _hold(case, parties=parties, events=events, mediators=[], attachments=[])
    case.open_clocks = sorted(clocks, key=lambda c: c.due_at)
    case.issued_party_code = code
    return case
