"""Filing a case (立案/登记): numbering, idempotent retries, high-risk routing."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
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
    """The next `<county>-<yyyymmdd>-<seq>` number, under a row lock on the day's counter.

    The counter row is taken inside the filing's transaction, so a filing that rolls back
    gives its number back; concurrent filings in one county queue on this one row.
    """
    day = timezone.localtime(at).date()
    counter, _ = CaseNumberCounter.objects.get_or_create(county_code=county_code, day=day)
    CaseNumberCounter.objects.filter(pk=counter.pk).update(last=F("last") + 1)
    seq = CaseNumberCounter.objects.values_list("last", flat=True).get(pk=counter.pk)
    return f"{county_code}-{day:%Y%m%d}-{seq:04d}"


def case_file(*, actor: User, data: CaseInput, idempotency_key: str = "") -> tuple[Case, bool]:
    """File a case; returns (case, created).

    With an idempotency key, a retry (even one racing the first attempt) returns the case
    the first attempt created and creates nothing.
    """
    if idempotency_key:
        existing = _case_for_key(actor, idempotency_key)
        if existing is not None:
            return existing, False
    try:
        with transaction.atomic():
            case = _create_case(actor=actor, data=data)
            if idempotency_key:
                IdempotencyKey.objects.create(user=actor, key=idempotency_key, case=case)
    except IntegrityError:
        # A concurrent request with the same key committed first: return its case.
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


def _create_case(*, actor: User, data: CaseInput) -> Case:
    grid = data.grid
    if grid.level != RegionLevel.GRID:
        raise InvalidInput("Cases are filed in a grid.", fields={"grid": ["Choose a grid, not a larger region."]})
    if not perms.may_file(actor, grid.path):
        raise Forbidden("You may not file cases in this grid.")
    _check(validators.validate_party_roles, [p.role for p in data.parties], "parties")
    if data.occurred_at is not None:
        _check(validators.validate_occurred_at, data.occurred_at, "occurred_at")
    now = clock.now()
    county_code = grid.path.split(".", 1)[0]
    case = Case.objects.create(
        number=allocate_number(county_code=county_code, at=now),
        title=data.title, description=data.description, dispute_type=data.dispute_type,
        risk_level=data.risk_level, source=data.source, region=grid, region_path=grid.path,
        address=data.address, occurred_at=data.occurred_at, latitude=data.latitude,
        longitude=data.longitude, people_involved=data.people_involved,
        amount_involved=data.amount_involved, reported_by=actor, created_at=now,
    )
    Party.objects.bulk_create(
        Party(case=case, role=p.role, name=p.name, id_number=p.id_number, phone=p.phone)
        for p in data.parties
    )
    issue_party_code(case)  # 解纷码, handed to the parties with the receipt
    deadlines.on_status_change(case=case, source="", at=now)
    record_change(case, actor=actor, action=EventAction.FILE, source="", fields=["status"],
                  data={"source": data.source, "risk_level": data.risk_level, "parties": len(data.parties)})
    if data.risk_level == RiskLevel.HIGH:
        # 重大风险: skip the village, straight to township triage, and alert the township and county.
        case.escalate()
        deadlines.on_status_change(case=case, source=Status.REPORTED, at=now)
        record_change(case, actor=None, action=EventAction.ESCALATE, source=Status.REPORTED, fields=["status"],
                      data={"automatic": True, "reason": "high_risk"},
                      notify=NotificationKind.HIGH_RISK, notify_exclude=actor)
    engine.start(case)
    inbox.sync([case.pk])
    return case
