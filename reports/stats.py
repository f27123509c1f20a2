"""The statistics (统计分析), computed from the audit trail as it stood at a moment.

Nothing here reads `Case.status`, `Case.outcome` or `Case.closed_at`: those are the record as it
is now. Every figure is read from the case's events (`CaseEvent`) dated at or before `as_of`, so
the summary of a past moment is the one a supervisor would have seen then, and events written
later change nothing. Only what a case never changes is read from the case row: its grid
(`region_path`) and its dispute type.

One grouped query does the work: one row per filing event in range, each annotated from that
case's events (its status at `as_of`, how it ended, whether a deadline was breached…), grouped by
what the figures break down by. The few hundred groups come back and are folded into the figures
below; no event is ever loaded into Python.

Each figure is defined once, in a property of `Figures` (its docstring says it in a supervisor's
words), and the README's "Statistics" says the same.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import (
    Case as When_,
)
from django.db.models import (
    CharField,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce, Concat, Substr, TruncMonth

from casework import ladder
from casework.choices import Outcome, Rung, Satisfaction, Status
from casework.models import CaseEvent, in_subtrees

A = ladder.EventAction
# The transitions that close a case, from the ladder: each ends a case once and for all.
CLOSING = tuple(name for name, spec in ladder.TRANSITIONS.items() if spec.target == Status.CLOSED)
RESOLVED = (Outcome.RESOLVED_GRID, Outcome.RESOLVED_VILLAGE, Outcome.RESOLVED_TOWNSHIP, Outcome.RESOLVED_CHANNEL)
RUNG_OF_OUTCOME = {
    Outcome.RESOLVED_GRID: Rung.GRID, Outcome.RESOLVED_VILLAGE: Rung.VILLAGE,
    Outcome.RESOLVED_TOWNSHIP: Rung.TOWNSHIP, Outcome.RESOLVED_CHANNEL: Rung.CHANNEL,
}
OUTCOME_OF_RUNG = {rung: outcome for outcome, rung in RUNG_OF_OUTCOME.items()}
SATISFIED = (Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED)
# Where an agreement recorded from each status was reached (the ladder's stages).
AGREEMENT_SOURCES = tuple(ladder.TRANSITIONS["record_agreement"].sources)

# Ten years of monthly rows at most: a range beyond is a mistake, not a question.
MAX_RANGE = dt.timedelta(days=3661)


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass
class Figures:
    """The counts behind every figure of one region (or of one child region)."""

    filed: int = 0
    by_status: Counter = field(default_factory=Counter)
    by_outcome: Counter = field(default_factory=Counter)
    by_dispute_type: Counter = field(default_factory=Counter)
    by_month: dict[str, Counter] = field(default_factory=dict)
    concluded: int = 0
    resolved: int = 0
    on_time: int = 0
    mediated: int = 0
    mediated_agreed: int = 0
    follow_ups: int = 0
    fulfilled: int = 0
    satisfaction_recorded: int = 0
    satisfied: int = 0
    resolution_seconds: float = 0.0
    reached: Counter = field(default_factory=Counter)

    @property
    def resolution_rate(self) -> float | None:
        """化解率: of the cases concluded, the share resolved (settled at the grid, in the village,
        at the township, or through a channel). Concluded: closed for any reason but a merge — a
        duplicate merged into another case is counted once, in the case that carries on."""
        return ratio(self.resolved, self.concluded)

    @property
    def mediation_success_rate(self) -> float | None:
        """调解成功率: of the concluded cases that were mediated (accepted for mediation in the
        village or at the township), the share that ended in an agreement that was followed up
        and closed — whether or not the follow-up found it performed."""
        return ratio(self.mediated_agreed, self.mediated)

    @property
    def on_time_rate(self) -> float | None:
        """按期办结率: of the cases concluded, the share that never breached a deadline on the way."""
        return ratio(self.on_time, self.concluded)

    @property
    def mean_days_to_resolution(self) -> float | None:
        """平均化解天数: for the cases resolved, the mean number of days from filing to the
        resolution (the on-the-spot settlement, the follow-up closing the agreement, or the
        channel's reply)."""
        return self.resolution_seconds / 86400 / self.resolved if self.resolved else None

    @property
    def satisfaction_rate(self) -> float | None:
        """群众满意率: of the follow-up visits (回访) recording satisfaction, the share where the
        parties were satisfied or basically satisfied."""
        return ratio(self.satisfied, self.satisfaction_recorded)

    @property
    def settled_in_village_share(self) -> float | None:
        """小事不出村: of the cases concluded, the share resolved without leaving the village (on
        the spot by the grid, or by the village committee)."""
        return ratio(self.by_outcome[Outcome.RESOLVED_GRID] + self.by_outcome[Outcome.RESOLVED_VILLAGE],
                     self.concluded)

    @property
    def fulfilment_rate(self) -> float | None:
        """协议履行率: of the agreements followed up and closed, the share the follow-up found performed."""
        return ratio(self.fulfilled, self.follow_ups)

    @property
    def resolved_share_by_rung(self) -> dict[str, float | None]:
        """Of the cases resolved, the share settled at each rung (grid, village, township, channel)."""
        return {rung: ratio(self.by_outcome[outcome], self.resolved) for rung, outcome in OUTCOME_OF_RUNG.items()}

    @property
    def reached_by_rung(self) -> dict[str, int]:
        """The ladder as a funnel: of the cases filed, how many reached each rung — every case
        starts at the grid; a case reached the village when the committee accepted it for
        mediation, the township when it was escalated to triage, a channel when it was referred
        (多元化解分流). A case that went further counts at every rung below too."""
        order = list(OUTCOME_OF_RUNG)
        return {rung: sum(n for r, n in self.reached.items() if order.index(r) >= order.index(rung)) for rung in order}

    def add(self, row: dict) -> None:
        n = row["n"]
        outcome = row["outcome"]
        self.filed += n
        self.reached[row["reached"]] += n
        self.by_status[row["status"]] += n
        self.by_dispute_type[row["dispute_type"]] += n
        month = self.by_month.setdefault(row["month"], Counter())
        month["filed"] += n
        if not outcome:
            return
        self.by_outcome[outcome] += n
        if outcome == Outcome.MERGED:
            return
        self.concluded += n
        month["concluded"] += n
        if not row["breached"]:
            self.on_time += n
        if outcome in RESOLVED:
            self.resolved += n
            month["resolved"] += n
            self.resolution_seconds += row["duration"].total_seconds() if row["duration"] else 0.0
        if row["mediated"]:
            self.mediated += n
            if row["end_action"] == A.CLOSE:
                self.mediated_agreed += n
        if row["end_action"] == A.CLOSE:
            self.follow_ups += n
            if outcome in RESOLVED:
                self.fulfilled += n
        if row["satisfaction"]:
            self.satisfaction_recorded += n
            if row["satisfaction"] in SATISFIED:
                self.satisfied += n

    def as_dict(self, months: list[str]) -> dict:
        return {
            "filed": self.filed,
            "by_status": dict(sorted(self.by_status.items())),
            "by_outcome": dict(sorted(self.by_outcome.items())),
            "resolved_share_by_rung": self.resolved_share_by_rung,
            "reached_by_rung": self.reached_by_rung,
            "resolution_rate": self.resolution_rate,
            "mediation_success_rate": self.mediation_success_rate,
            "on_time_rate": self.on_time_rate,
            "mean_days_to_resolution": self.mean_days_to_resolution,
            "satisfaction_rate": self.satisfaction_rate,
            "settled_in_village_share": self.settled_in_village_share,
            "fulfilment_rate": self.fulfilment_rate,
            "by_dispute_type": dict(sorted(self.by_dispute_type.items())),
            "by_month": [
                {"month": m, "filed": self.by_month.get(m, Counter())["filed"],
                 "concluded": self.by_month.get(m, Counter())["concluded"],
                 "resolved": self.by_month.get(m, Counter())["resolved"]}
                for m in months
            ],
        }


def months_between(start: dt.date, end: dt.date) -> list[str]:
    months, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _events(as_of: dt.datetime, **filters):
    return CaseEvent.objects.filter(case_id=OuterRef("case_id"), created_at__lte=as_of, **filters)


def ending_label(as_of: dt.datetime) -> Subquery:
    """How the case (`OuterRef("case_id")`) ended, as known at `as_of`, in one look at its closing
    event: "action|outcome|satisfaction" ("" while it is open); `split_ending` reads it."""
    ending = _events(as_of, action__in=CLOSING).order_by("-seq")
    # The rung of the agreement a `close` followed up: where the last agreement was recorded.
    agreed_at = _events(as_of, action=A.RECORD_AGREEMENT).order_by("-seq").annotate(
        rung_outcome=When_(
            *[When(source_status=s, then=Value(OUTCOME_OF_RUNG[ladder.rung_of(s)])) for s in AGREEMENT_SOURCES],
            default=Value(""), output_field=CharField(),
        )).values("rung_outcome")[:1]
    return Subquery(ending.annotate(label=Concat(
        "action", Value("|"),
        When_(
            When(action=A.RESOLVE_ON_SPOT, then=Value(Outcome.RESOLVED_GRID)),
            When(action=A.DECLINE, then=Value(Outcome.DECLINED)),
            When(action=A.WITHDRAW, then=Value(Outcome.WITHDRAWN)),
            When(action=A.MERGE, then=Value(Outcome.MERGED)),
            When(action=A.CLOSE_UNRESOLVED, then=Value(Outcome.UNRESOLVED)),
            When(Q(action=A.RECORD_REFERRAL_OUTCOME, data__resolved=True), then=Value(Outcome.RESOLVED_CHANNEL)),
            When(action=A.RECORD_REFERRAL_OUTCOME, then=Value(Outcome.UNRESOLVED)),
            When(Q(action=A.CLOSE, data__fulfilled=True), then=Subquery(agreed_at)),
            When(action=A.CLOSE, then=Value(Outcome.UNRESOLVED)),
            default=Value(""), output_field=CharField(),
        ),
        Value("|"),
        When_(When(action=A.CLOSE, then=Coalesce(KT("data__satisfaction"), Value(""))),
              default=Value(""), output_field=CharField()),
        output_field=CharField(),
    )).values("label")[:1])


def case_rows(*, paths: list[str], start: dt.date, end: dt.date, as_of: dt.datetime, child_length: int | None):
    """The grouped rows: filings in [start, end] (local dates) under `paths`, known at `as_of`,
    each case described by its events up to `as_of`, counted per group."""
    zone = local_zone()
    since = dt.datetime.combine(start, dt.time.min, tzinfo=zone)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    status = _events(as_of).order_by("-seq").values("target_status")[:1]
    ending = _events(as_of, action__in=CLOSING).order_by("-seq")
    rows = (
        CaseEvent.objects
        .filter(in_subtrees(paths, "case__region_path"), action=A.FILE, created_at__gte=since,
                created_at__lt=until, created_at__lte=as_of)
        .annotate(
            status=Subquery(status),
            ended=ending_label(as_of),
            breached=Exists(_events(as_of, action=A.DEADLINE_BREACHED)),
            mediated=Exists(_events(as_of, target_status__in=ladder.MEDIATING)),
            reached=When_(
                *[When(Exists(_events(as_of, target_status__in=ladder.statuses_at(rung))), then=Value(rung))
                  for rung in (Rung.CHANNEL, Rung.TOWNSHIP, Rung.VILLAGE)],
                default=Value(Rung.GRID), output_field=CharField(),
            ),
            month=TruncMonth("created_at", tzinfo=zone),
            dispute_type=F("case__dispute_type"),
            child=Substr("case__region_path", 1, child_length) if child_length else Value(""),
        )
        .values("status", "ended", "breached", "mediated", "reached", "month",
                "dispute_type", "child")
        .annotate(
            n=Count("id"),
            duration=Sum(ExpressionWrapper(Subquery(ending.values("created_at")[:1]) - F("created_at"),
                                           output_field=DurationField())),
        )
        .order_by()
    )
    return rows


@dataclass
class Summary:
    total: Figures
    children: dict[str, Figures]
    months: list[str]


def summarize(*, paths: list[str], start: dt.date, end: dt.date, as_of: dt.datetime,
              child_paths: list[str] = ()) -> Summary:
    """The figures of the cases filed in [start, end] under `paths`, as the audit trail stood at
    `as_of`, and the same per child region (`child_paths`, which must partition `paths`)."""
    lengths = {len(p) for p in child_paths}
    child_length = lengths.pop() if len(lengths) == 1 else None
    total, children = Figures(), {p: Figures() for p in child_paths}
    for row in case_rows(paths=paths, start=start, end=end, as_of=as_of, child_length=child_length):
        _unpack(row)
        total.add(row)
        if child_length:
            children[row["child"]].add(row)
    if child_paths and not child_length:  # children of uneven path lengths: one query each
        for path in child_paths:
            for row in case_rows(paths=[path], start=start, end=end, as_of=as_of, child_length=None):
                _unpack(row)
                children[path].add(row)
    return Summary(total, children, months_between(start, end))


def split_ending(label: str | None) -> tuple[str, str, str]:
    """An `ending_label` read back: (closing action, outcome, satisfaction), empty while open."""
    action, outcome, satisfaction = (label or "||").split("|")
    return action, outcome, satisfaction


def _unpack(row: dict) -> None:
    row["end_action"], row["outcome"], row["satisfaction"] = split_ending(row.pop("ended"))
    row["month"] = timezone_month(row["month"])


def timezone_month(value: dt.datetime | dt.date) -> str:
    return f"{value.year:04d}-{value.month:02d}"
