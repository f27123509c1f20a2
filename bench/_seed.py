"""Many realistic cases, fast: the demo generator's stories and lives, written with bulk_create.

`demo.cases` files each case through the services and replays its life step by step: real,
and about 20 cases a second. A search benchmark needs 100,000 cases and only what the index
reads of them, so this module takes the demo's plans (`demo.cases._Planner`: the same
Chinese titles, descriptions, parties, agreement terms, outcome decks, three years of filing
moments, every village of the demo county) and writes the rows directly:

- the case, its status, outcome, agreed rung, closed_at and lead body, found by calling the
  case's own pure FSM transition methods in the planned order, each at its planned moment
  (steps after today are not taken, so recent cases stay open where they had got to; a
  high-risk filing goes straight to township triage, as `case_file` does);
- its parties, its mediators (those named at `accept`), its agreements (the planned terms;
  earlier ones superseded by a reopening), merged duplicates pointing at their case;
- the day counters behind the case numbers, so a filing made afterwards gets a free number.

With `events=True`, also each case's audit trail as the statistics read it (`reports.stats`):
one `CaseEvent` per step (the filing, each transition with its source and target status, the
close's `fulfilled`/`satisfaction`, the referral outcome's `resolved`, the clock pauses), in
order, numbered — but not hash-chained (`hash` is a placeholder: `verify_audit` would refuse
them, and no benchmark reads the chain).

Not written, because no search document or statistic reads them: deadlines and timers, workflow
tasks, notifications, obligations, the outbox. Bench-only: nothing in the product calls this.
"""
from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

BATCH = 2000  # cases per transaction


@dataclass
class Seeded:
    cases: int = 0
    events: int = 0
    parties: int = 0
    agreements: int = 0
    mediators: int = 0
    seconds: float = 0.0
    statuses: Counter = field(default_factory=Counter)
    outcomes: Counter = field(default_factory=Counter)
    dispute_types: Counter = field(default_factory=Counter)
    villages: Counter = field(default_factory=Counter)
    years: Counter = field(default_factory=Counter)


def _units(count: int, seed: int):
    """The demo's plans for `count` cases (one or two cases a unit), in planning order."""
    from django.utils import timezone

    from casework import clock
    from demo.cases import _load_villages, _Planner
    from demo.topology import load_topology

    topology = load_topology()
    horizon = dt.datetime.combine(timezone.localdate(clock.now()), dt.time(0), tzinfo=timezone.get_current_timezone())
    planner = _Planner(_load_villages(topology, seed), seed, horizon)
    index, unit_no = 0, 0
    while index < count:
        size = planner.size(unit_no)
        yield planner.plan(unit_no, index, count), horizon
        index += size
        unit_no += 1


def _live(unit, horizon: dt.datetime):
    """The unit's cases with the fields their planned steps up to `horizon` leave, and what hangs off them."""
    from casework import clock
    from casework.choices import RiskLevel
    from casework.models import Case, Party
    from mediation.models import Agreement

    cases, parties, agreements, mediators, events = [], [], [], [], []
    for plan in unit.cases:
        data = plan.data
        case = Case(
            number="", title=data.title, description=data.description, dispute_type=data.dispute_type,
            risk_level=data.risk_level, source=data.source, region=data.grid, region_path=data.grid.path,
            address=data.address, occurred_at=data.occurred_at, latitude=data.latitude, longitude=data.longitude,
            people_involved=data.people_involved, amount_involved=data.amount_involved, reported_by=plan.filer,
            created_at=plan.filed_at, updated_at=plan.filed_at,
        )
        if data.risk_level == RiskLevel.HIGH:
            case.escalate()  # case_file: 重大风险 skips the village
            case.version += 1
        events.append([("file", "", case.status, {}, plan.filed_at, plan.filer)])
        cases.append(case)
        parties.append([Party(role=p.role, name=p.name, id_number=p.id_number, phone=p.phone) for p in data.parties])
        agreements.append([])
        mediators.append([])
    for step in sorted(unit.steps, key=lambda s: (s.at, s.member)):
        if step.at > horizon:
            continue
        case = cases[step.member]
        if unit.cases[step.member].filed_at > horizon:
            continue
        kwargs = step.kwargs
        source = case.status
        with clock.travel_to(step.at):
            if step.action in ("pause_clock", "resume_clock"):
                pass  # a clock, not the case's state
            elif step.action == "accept":
                case.accept()
                mediators[step.member] = list(dict.fromkeys(u.pk for u in kwargs["mediators"]))
            elif step.action == "triage_to_mediation":
                case.triage_to_mediation(lead_body=kwargs["lead_body"])
            elif step.action == "record_agreement":
                case.record_agreement()
                day = step.at.date()
                agreements[step.member].append(Agreement(
                    terms=kwargs["terms"], concluded_on=day, effective_on=day, sealed=True, sealed_on=day,
                    recorded_by=step.actor, recorded_at=step.at))
            elif step.action == "reopen":
                case.reopen()
                for agreement in agreements[step.member]:
                    agreement.superseded = True
            elif step.action == "record_referral_outcome":
                case.record_referral_outcome(resolved=kwargs["resolved"])
            elif step.action == "merge":
                case.merge(into=cases[kwargs["into_member"]])
            else:
                getattr(case, step.action)()
        case.version += 1
        case.updated_at = step.at
        data = {k: kwargs[k] for k in ("fulfilled", "satisfaction", "resolved") if k in kwargs}
        events[step.member].append((step.action, source, case.status, data, step.at, step.actor))
    return [(c, p, a, m, e) for plan, c, p, a, m, e
            in zip(unit.cases, cases, parties, agreements, mediators, events, strict=True)
            if plan.filed_at <= horizon]


def _write(batch: list, counters: dict, stats: Seeded, *, events: bool = False) -> None:
    from django.db import transaction
    from django.utils import timezone

    from casework.models import Case, CaseEvent, Party
    from mediation.models import Agreement

    for case, *_ in batch:
        day = timezone.localtime(case.created_at).date()
        county = case.region_path.split(".", 1)[0]
        counters[(county, day)] = counters.get((county, day), 0) + 1
        case.number = f"{county}-{day:%Y%m%d}-{counters[(county, day)]:04d}"
    with transaction.atomic():
        # A merged duplicate points at a case of its own unit: that one is inserted first.
        Case.objects.bulk_create([c for c, *_ in batch if c.merged_into is None])
        Case.objects.bulk_create([c for c, *_ in batch if c.merged_into is not None])
        parties, agreements, links, rows = [], [], [], []
        for case, case_parties, case_agreements, case_mediators, case_events in batch:
            if events:
                rows += [CaseEvent(case=case, seq=seq, action=action, actor=actor, source_status=source,
                                   target_status=target, data=data, created_at=at, hash="bench")
                         for seq, (action, source, target, data, at, actor) in enumerate(case_events, 1)]
            for party in case_parties:
                party.case = case
                parties.append(party)
            for agreement in case_agreements:
                agreement.case = case
                agreements.append(agreement)
            links += [Case.mediators.through(case_id=case.pk, user_id=u) for u in case_mediators]
        Party.objects.bulk_create(parties)
        Agreement.objects.bulk_create(agreements)
        Case.mediators.through.objects.bulk_create(links)
        CaseEvent.objects.bulk_create(rows, batch_size=1000)
    stats.cases += len(batch)
    stats.events += len(rows)
    stats.parties += len(parties)
    stats.agreements += len(agreements)
    stats.mediators += len(links)
    for case, *_ in batch:
        stats.statuses[case.status] += 1
        stats.outcomes[case.outcome or "-"] += 1
        stats.dispute_types[case.dispute_type] += 1
        stats.villages[case.region_path.rsplit(".", 1)[0]] += 1
        stats.years[timezone.localtime(case.created_at).year] += 1


def seed_cases(count: int, *, seed: int = 2026, progress: Callable[[int, int], None] | None = None,
               events: bool = False) -> Seeded:
    """Write about `count` demo-like cases (a merged pair may leave it one short); needs the demo topology."""
    from casework.models import CaseNumberCounter

    began = time.monotonic()
    stats = Seeded()
    counters: dict = {}
    batch: list = []
    for unit, horizon in _units(count, seed):
        batch += _live(unit, horizon)
        if len(batch) >= BATCH:
            _write(batch, counters, stats, events=events)
            batch = []
            if progress:
                progress(stats.cases, count)
    if batch:
        _write(batch, counters, stats, events=events)
    CaseNumberCounter.objects.bulk_create(
        [CaseNumberCounter(county_code=county, day=day, last=last) for (county, day), last in counters.items()],
        batch_size=1000)
    if progress:
        progress(stats.cases, count)
    stats.seconds = time.monotonic() - began
    return stats


def chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
