"""The statistics (统计分析), computed from the audit trail as it stood at a moment.

Nothing here reads `Case.status`, `Case.outcome` or `Case.closed_at`: those are the record as it
is now. Every figure is read from the case's events (`CaseEvent`) dated at or before `as_of`, so
the summary of a past moment is the one a supervisor would have seen then, and events written
later change nothing. Only what a case never changes is read from the case row: its grid
(`region_path`) and its dispute type.

One SQL statement does the work (`statement`), in one pass over the events. Inside, built with
the ORM (`per_case`): one row per filing event in range, joined to every event of its case known
at `as_of` and folded by aggregates — its status (the latest event's), how it ended (its closing
event's action and answer, where its last agreement was reached), whether a deadline was
breached, the highest rung it reached… Outside, those rows are counted per group of what the
figures break down by. The groups (some thousands for a county over years) come back and are
folded into the figures below, `outcome` naming how a case ended; no event, and no case, is
loaded into Python. The statement used to look each of these up per case with a correlated
subquery over the case's events, nine of them; in one pass it is two (SQLite) to four
(PostgreSQL) times faster (bench/stats_summary.py). What would call a function written in Python
once per case on SQLite (the local month, the time to resolution) is said in the database's own
terms instead.

Each figure is defined once, in a property of `Figures` (its docstring says it in a supervisor's
words), and the README's "Statistics" says the same.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import Case as When_
from django.db.models import (
    CharField,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    Max,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Substr
from django.db.models.lookups import LessThan

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
# The rungs in the order a case climbs them: `reached` is the index of the highest one.
RUNGS = (Rung.GRID, Rung.VILLAGE, Rung.TOWNSHIP, Rung.CHANNEL)
# Concluded: closed for any reason but a merge (a merged duplicate counts in the case that carries on).
CONCLUDED = tuple(outcome for outcome in Outcome.values if outcome != Outcome.MERGED)
# 小事不出村: settled on the spot by the grid or by the village committee.
SETTLED_IN_VILLAGE = (Outcome.RESOLVED_GRID, Outcome.RESOLVED_VILLAGE)
SATISFIED = (Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED)
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
        return ratio(sum(self.by_outcome[outcome] for outcome in SETTLED_IN_VILLAGE), self.concluded)

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
        return {rung: sum(n for r, n in self.reached.items() if RUNGS.index(r) >= RUNGS.index(rung)) for rung in RUNGS}

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
        if outcome not in CONCLUDED:
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


# Every event of the filing's case, joined to the filing: `EVENT + "action"` is one's action.
EVENT = "case__events__"
# How each closing transition ends a case; `record_referral_outcome` and `close` depend on the
# closing event's own answer (`resolved`, `fulfilled`): see `outcome`.
OUTCOME_OF_CLOSING = {
    A.RESOLVE_ON_SPOT: Outcome.RESOLVED_GRID, A.DECLINE: Outcome.DECLINED, A.WITHDRAW: Outcome.WITHDRAWN,
    A.MERGE: Outcome.MERGED, A.CLOSE_UNRESOLVED: Outcome.UNRESOLVED,
}
assert set(OUTCOME_OF_CLOSING) | {A.RECORD_REFERRAL_OUTCOME, A.CLOSE} == set(CLOSING), "every closing has an outcome"
# The statuses by number: a status travels through the statement as its index here.
STATUSES = tuple(Status.values)


def _event(**lookups) -> Q:
    """A condition on one of the case's joined events."""
    return Q(**{EVENT + name: value for name, value in lookups.items()})


def _any(condition: Q) -> Max:
    """1 when one of the case's events meets `condition`, else 0."""
    return Max(When_(When(condition, then=Value(1)), default=Value(0)))


def _of_closing(expression) -> Max:
    """`expression` read from the case's closing event (a closed case has exactly one: `closed`
    is final), NULL while it is open."""
    return Max(When_(When(_event(action__in=CLOSING), then=expression), default=None))


def _number(field_name: str, values: tuple[str, ...]) -> When_:
    """The index of the event's `field_name` in `values`: the statement carries small numbers."""
    return When_(*[When(_event(**{field_name: value}), then=Value(i)) for i, value in enumerate(values)], default=None)


def _latest(field_name: str, values: tuple[str, ...], condition: Q | None = None):
    """The index in `values` of `field_name` of the latest of the case's events (meeting
    `condition`; NULL if none): the greatest seq × len(values) + index, modulo len(values)."""
    key = F(f"{EVENT}seq") * len(values) + _number(field_name, values)
    if condition is not None:
        key = When_(When(condition, then=key), default=None)
    return Max(key) % len(values)


class Elapsed(Func):
    """The time from one moment to a later one, as a duration.

    Django's subtraction, except on SQLite, where Django calls a function written in Python —
    once per case here, about 0.4 s per 100,000 cases. There it is SQLite's own
    arithmetic on the stored text ("YYYY-MM-DD HH:MM:SS[.ffffff]", UTC), exact to the
    microsecond as Django's: whole seconds from strftime('%s'), plus the digits after the dot.
    """

    arity = 2
    output_field = DurationField()

    def as_sql(self, compiler, connection, **extra_context):
        since, until = self.get_source_expressions()
        return compiler.compile(ExpressionWrapper(until - since, output_field=DurationField()))

    def as_sqlite(self, compiler, connection, **extra_context):
        (since, since_params), (until, until_params) = (compiler.compile(e) for e in self.get_source_expressions())
        # '%%s': the backend turns %% into %, as it turns %s into a placeholder.
        micro = "(CAST(strftime('%%s', {0}) AS INTEGER) * 1000000 + CAST(substr({0}, 21) AS INTEGER))"
        return f"({micro.format(until)} - {micro.format(since)})", (*until_params, *until_params,
                                                                     *since_params, *since_params)


def _month_of(moment, start: dt.date, end: dt.date) -> When_:
    """The month ("YYYY-MM", local time) of `moment`, a moment in [start, end]: the first month
    that ends after it. Plain comparisons, where TruncMonth would call a date function once per
    case (on SQLite one written in Python, about 0.6 s per 100,000 cases)."""
    *months, last = months_between(start, end)
    ends = {month: dt.datetime(int(month[:4]) + int(month[5:]) // 12, int(month[5:]) % 12 + 1, 1, tzinfo=local_zone())
            for month in months}
    return When_(*[When(LessThan(moment, Value(ends[month], output_field=DateTimeField())), then=Value(month))
                   for month in months],
                 default=Value(last), output_field=CharField())


def per_case(*, paths: list[str], start: dt.date, end: dt.date, as_of: dt.datetime, child_length: int | None):
    """One row per filing in [start, end] (local dates) under `paths`, known at `as_of`: the case
    as its events up to `as_of` describe it, in one pass over them (joined to the filing)."""
    zone = local_zone()
    since = dt.datetime.combine(start, dt.time.min, tzinfo=zone)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    # The filing's own columns have one value per row: Max only lifts them out of the per-event
    # rows, where grouping by them would compute them once per event.
    filed_at = Max("created_at")
    return (
        CaseEvent.objects
        .filter(in_subtrees(paths, "case__region_path"), action=A.FILE, created_at__gte=since,
                created_at__lt=until, created_at__lte=as_of)
        # Each of the case's events known at `as_of`; the aggregates below fold them per filing.
        .filter(**{f"{EVENT}created_at__lte": as_of})
        .values("id")
        .annotate(
            month=_month_of(filed_at, start, end),
            dispute_type=Max("case__dispute_type"),
            child=Max(Substr("case__region_path", 1, child_length)) if child_length else Value(""),
            status=_latest("target_status", STATUSES),
            end_action=_of_closing(_number("action", CLOSING)),
            # The closing event said it worked: the channel resolved it, the agreement was fulfilled.
            worked=_any(_event(action=A.RECORD_REFERRAL_OUTCOME, data__resolved=True)
                        | _event(action=A.CLOSE, data__fulfilled=True)),
            # The satisfaction the follow-up visit recorded (回访), on closing.
            satisfaction=Max(When_(When(_event(action=A.CLOSE), then=KeyTextTransform("satisfaction", f"{EVENT}data")),
                                   default=None, output_field=CharField())),
            # Where the agreement a `close` followed up was reached: the last one recorded.
            agreed_from=_latest("source_status", STATUSES, _event(action=A.RECORD_AGREEMENT)),
            breached=_any(_event(action=A.DEADLINE_BREACHED)),
            mediated=_any(_event(target_status__in=ladder.MEDIATING)),
            reached=Max(When_(
                *[When(_event(target_status__in=ladder.statuses_at(rung)), then=Value(RUNGS.index(rung)))
                  for rung in reversed(RUNGS[1:])],
                default=Value(0))),
            duration=Elapsed(filed_at, _of_closing(F(f"{EVENT}created_at"))),
        )
        .values("month", "dispute_type", "child", "status", "end_action", "worked", "satisfaction", "agreed_from",
                "breached", "mediated", "reached", "duration")
        .order_by()
    )


GROUPED_BY = ("month", "dispute_type", "child", "status", "end_action", "worked", "satisfaction", "agreed_from",
              "breached", "mediated", "reached")


def statement(*, paths: list[str], start: dt.date, end: dt.date, as_of: dt.datetime,
              child_length: int | None) -> tuple[str, tuple, tuple[str, ...]]:
    """The one SQL statement behind `case_rows` (its text, parameters and column names): the
    rows of `per_case`, counted per group of what the figures break down by. Only the column
    names are written into the text; every value is a parameter."""
    sql, params = per_case(paths=paths, start=start, end=end, as_of=as_of,
                           child_length=child_length).query.sql_with_params()
    columns = ", ".join(connection.ops.quote_name(name) for name in GROUPED_BY)
    return (f"SELECT {columns}, COUNT(*), SUM({connection.ops.quote_name('duration')}) "
            f"FROM ({sql}) per_case GROUP BY {columns}", params, (*GROUPED_BY, "n", "duration"))


def case_rows(*, paths: list[str], start: dt.date, end: dt.date, as_of: dt.datetime,
              child_length: int | None) -> list[dict]:
    """The grouped rows: filings in [start, end] (local dates) under `paths`, known at `as_of`,
    each case described by its events up to `as_of`, counted per group."""
    sql, params, columns = statement(paths=paths, start=start, end=end, as_of=as_of, child_length=child_length)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [_unpack(dict(zip(columns, row, strict=True))) for row in cursor.fetchall()]


def ending_facts(as_of: dt.datetime) -> dict:
    """What `outcome` reads of how a case (`OuterRef("case_id")`) ended, as known at `as_of`,
    looked up per case: for a query over a few cases (a month's reports), where one pass over
    every event would read more than it needs. `end_action` and `agreed_from` are names here,
    not the statement's numbers."""
    events = CaseEvent.objects.filter(case_id=OuterRef("case_id"), created_at__lte=as_of)
    return {
        "end_action": Subquery(events.filter(action__in=CLOSING).values("action")[:1]),
        "worked": Exists(events.filter(Q(action=A.RECORD_REFERRAL_OUTCOME, data__resolved=True)
                                       | Q(action=A.CLOSE, data__fulfilled=True))),
        "agreed_from": Subquery(events.filter(action=A.RECORD_AGREEMENT).order_by("-seq").values("source_status")[:1]),
    }


def outcome(row: dict) -> str:
    """How a case ended, from its closing event ("" while open)."""
    action = row["end_action"]
    if action == A.RECORD_REFERRAL_OUTCOME:
        return Outcome.RESOLVED_CHANNEL if row["worked"] else Outcome.UNRESOLVED
    if action == A.CLOSE:  # resolved at the rung that reached the agreement the follow-up found performed
        return OUTCOME_OF_RUNG[ladder.rung_of(row["agreed_from"])] if row["worked"] else Outcome.UNRESOLVED
    return OUTCOME_OF_CLOSING.get(action, "")


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
        total.add(row)
        if child_length:
            children[row["child"]].add(row)
    if child_paths and not child_length:  # children of uneven path lengths: one query each
        for path in child_paths:
            for row in case_rows(paths=[path], start=start, end=end, as_of=as_of, child_length=None):
                children[path].add(row)
    return Summary(total, children, months_between(start, end))


def _unpack(row: dict) -> dict:
    row["status"] = STATUSES[row["status"]]
    row["agreed_from"] = "" if row["agreed_from"] is None else STATUSES[row["agreed_from"]]
    row["end_action"] = "" if row["end_action"] is None else CLOSING[row["end_action"]]
    row["outcome"] = outcome(row)
    row["satisfaction"] = row["satisfaction"] or ""
    row["reached"] = RUNGS[row["reached"]]
    if row["duration"] is not None and not isinstance(row["duration"], dt.timedelta):
        row["duration"] = dt.timedelta(microseconds=row["duration"])  # SQLite: a sum of microseconds
    return row
