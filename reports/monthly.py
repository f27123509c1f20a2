"""The monthly screening reports (矛盾纠纷排查化解月报), generated from the record, never typed.

Each village, township and the county gets one report a month, stored once as an immutable
snapshot (`MonthlyReport`): its figures are those of the audit trail as it stood at the end of
the month (local time), so a report generated on the 1st and one generated a year later are the
same report, and anything that happens afterwards — a case closed late, a case filed with an
earlier date in its text — changes nothing in it.

What a report holds (`figures`):
- the month's flow of cases (`Flow`, each figure defined once below): carried over into the
  month, filed in it, concluded in it, still open at its end, the major-risk (重大) ones, by
  dispute type, and by the rung where the concluded ones were settled;
- `summary`: the statistics of the cases filed in the month, exactly as `reports.stats.summarize`
  gives them for the region and the month as of its end (`GET /api/v1/stats/summary/`).

A village with nothing to report gets its 零报告 (zero report) without anyone typing it: see
`Flow.zero_report`.

Immutability: `digest` is the SHA-256 of the canonical JSON of {region code, month, zero_report,
figures}. A stored report is never updated. Generating a month again recomputes every report and
compares: a stored report whose content no longer matches its own digest (edited in the
database), or whose recomputation differs from it (only a tampered audit trail or a bug can cause
that), is counted as a mismatch and logged; the stored row is left as it is.

Cost: one `summarize` and one grouped flow query for the county, split by village (`child_paths`);
a township's figures are the sum of its villages'. The whole county's month is two statements of
figures, whatever the number of townships, villages or cases (bench/monthly_reports.py).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, fields

from django.db import IntegrityError, transaction
from django.db.models import BooleanField, Count, Exists, F, OuterRef, Q, Value, When
from django.db.models import Case as When_
from django.db.models.functions import Substr
from django.utils import timezone

from casework import clock, ladder
from casework.choices import Outcome, RegionLevel, RiskLevel
from casework.models import CaseEvent, Region, enclosing_paths, in_subtrees
from reports import stats
from reports.models import MonthlyReport

log = logging.getLogger(__name__)
A = ladder.EventAction

# The regions that report: not the grids (a grid's cases are its village's).
REPORT_LEVELS = (RegionLevel.COUNTY, RegionLevel.TOWNSHIP, RegionLevel.VILLAGE)
FLOW_BY_TYPE = ("carried_over", "filed", "concluded", "resolved", "open_at_end")
# Rates and means are kept to six decimals: a snapshot must recompute to the same digest, and
# the order a database returns groups in (hence float sums) is not part of the record.
DECIMALS = 6


class MonthNotOver(ValueError):
    """A month is reported once it has ended (local time), never before."""


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """"YYYY-MM" → Month; ValueError for anything else."""
        if not isinstance(text, str) or len(text) != 7 or text[4] != "-":
            raise ValueError(f"not a month (YYYY-MM): {text!r}")
        year, month = int(text[:4]), int(text[5:])
        if not 1 <= month <= 12 or year < 1900:
            raise ValueError(f"not a month (YYYY-MM): {text!r}")
        return cls(year, month)

    @classmethod
    def of(cls, moment: dt.datetime) -> Month:
        """The month `moment` falls in, local time."""
        local = timezone.localtime(moment, stats.local_zone())
        return cls(local.year, local.month)

    @property
    def label(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def last_day(self) -> dt.date:
        return self.next().first_day - dt.timedelta(days=1)

    @property
    def since(self) -> dt.datetime:
        """Its first moment, local time."""
        return dt.datetime.combine(self.first_day, dt.time.min, tzinfo=stats.local_zone())

    @property
    def until(self) -> dt.datetime:
        """The first moment of the next month: the month is over once the clock reaches it."""
        return self.next().since

    @property
    def as_of(self) -> dt.datetime:
        """The end of its last day, local time: the audit trail as it stood then."""
        return dt.datetime.combine(self.last_day, dt.time.max, tzinfo=stats.local_zone())

    def next(self) -> Month:
        return Month(self.year + 1, 1) if self.month == 12 else Month(self.year, self.month + 1)

    def previous(self) -> Month:
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)

    def __str__(self) -> str:
        return self.label


def month_just_ended(now: dt.datetime | None = None) -> Month:
    """The last month that is over, local time (on 1 March, February)."""
    return Month.of(now or clock.now()).previous()


@dataclass
class Flow:
    """A region's cases through one month, as the audit trail stood at the month's end.

    The cases counted are those on the region's books in the month: filed before its end and not
    closed before its start. They add up: carried over + filed = concluded + merged + open at end.
    """

    carried_over: int = 0
    filed: int = 0
    concluded: int = 0
    merged: int = 0
    open_at_end: int = 0
    major_risk: int = 0
    major_risk_open: int = 0
    by_outcome: Counter = field(default_factory=Counter)
    by_dispute_type: dict[str, Counter] = field(default_factory=dict)

    # Each figure, defined once (its docstring is what the README and the report say).

    @staticmethod
    def is_carried_over(row: dict) -> bool:
        """上月结转 (carried over): filed before the month and still open when it began."""
        return row["carried"]

    @staticmethod
    def is_concluded(row: dict) -> bool:
        """本月办结 (concluded in the month): closed during the month for any reason but a merge,
        whenever it was filed — settled, declined, withdrawn or closed unresolved. A duplicate
        merged into another case (并单) is counted as merged, once, in the case that carries on."""
        return row["outcome"] in stats.CONCLUDED

    @staticmethod
    def is_open_at_end(row: dict) -> bool:
        """月末在办 (open at month end): filed by the end of the month and not closed by then."""
        return not row["outcome"]

    @staticmethod
    def is_major_risk(row: dict) -> bool:
        """重大 (major risk): on the books in the month and rated high risk (重大) at its end — at
        filing, or raised to it by then."""
        return row["high"]

    @property
    def resolved(self) -> int:
        """本月化解 (resolved in the month): concluded in the month and settled — on the spot by the
        grid, by the village committee, at the township, or through a channel."""
        return sum(self.by_outcome[o] for o in stats.RESOLVED)

    @property
    def resolved_by_rung(self) -> dict[str, int]:
        """By the rung where the cases resolved in the month were settled: grid, village,
        township, channel (小事不出村、大事不出镇)."""
        return {rung: self.by_outcome[outcome] for rung, outcome in stats.OUTCOME_OF_RUNG.items()}

    @property
    def handled(self) -> int:
        """On the books in the month: carried over into it or filed in it."""
        return self.carried_over + self.filed

    @property
    def zero_report(self) -> bool:
        """零报告 (zero report): nothing to report — no case filed in the month, none concluded
        or merged in it, none open at its end (and so none carried over into it)."""
        return self.handled == 0

    def add(self, row: dict) -> None:
        n = row["n"]
        per_type = self.by_dispute_type.setdefault(row["dispute_type"], Counter())
        if self.is_carried_over(row):
            self.carried_over += n
            per_type["carried_over"] += n
        else:
            self.filed += n
            per_type["filed"] += n
        if row["outcome"]:
            self.by_outcome[row["outcome"]] += n
        if self.is_concluded(row):
            self.concluded += n
            per_type["concluded"] += n
            if row["outcome"] in stats.RESOLVED:
                per_type["resolved"] += n
        elif row["outcome"] == Outcome.MERGED:
            self.merged += n
        if self.is_open_at_end(row):
            self.open_at_end += n
            per_type["open_at_end"] += n
        if self.is_major_risk(row):
            self.major_risk += n
            if self.is_open_at_end(row):
                self.major_risk_open += n

    def as_dict(self) -> dict:
        return {
            "carried_over": self.carried_over,
            "filed": self.filed,
            "concluded": self.concluded,
            "resolved": self.resolved,
            "merged": self.merged,
            "open_at_end": self.open_at_end,
            "major_risk": self.major_risk,
            "major_risk_open": self.major_risk_open,
            "resolved_by_rung": self.resolved_by_rung,
            "by_dispute_type": {
                kind: {key: counts[key] for key in FLOW_BY_TYPE}
                for kind, counts in sorted(self.by_dispute_type.items())
            },
        }


def flow_rows(*, paths: list[str], month: Month, child_length: int | None):
    """The grouped rows behind `Flow`: one per filing on the books in the month under `paths`
    (filed before its end, not closed before its start), described by the events up to its end."""
    as_of = month.as_of
    closing = CaseEvent.objects.filter(case_id=OuterRef("case_id"), action__in=stats.CLOSING)
    raised_to_high = CaseEvent.objects.filter(case_id=OuterRef("case_id"), action=A.RAISE_RISK,
                                              data__to=RiskLevel.HIGH, created_at__lte=as_of)
    return (
        CaseEvent.objects
        .filter(in_subtrees(paths, "case__region_path"), action=A.FILE, created_at__lte=as_of)
        .filter(~Exists(closing.filter(created_at__lt=month.since)))
        .annotate(
            carried=When_(When(created_at__lt=month.since, then=Value(True)), default=Value(False),
                          output_field=BooleanField()),
            **stats.ending_facts(as_of),
            # The risk at filing is on the filing event; it is only ever raised afterwards.
            high=When_(When(Q(data__risk_level=RiskLevel.HIGH) | Q(Exists(raised_to_high)), then=Value(True)),
                       default=Value(False), output_field=BooleanField()),
            dispute_type=F("case__dispute_type"),
            child=Substr("case__region_path", 1, child_length) if child_length else Value(""),
        )
        .values("carried", "end_action", "worked", "agreed_from", "high", "dispute_type", "child")
        .annotate(n=Count("id"))
        .order_by()
    )


def month_flows(*, paths: list[str], month: Month, child_paths: list[str] = ()) -> tuple[Flow, dict[str, Flow]]:
    """The month's `Flow` under `paths`, and the same per child region (`child_paths`, of one
    path length, partitioning `paths`), in one grouped query."""
    lengths = {len(p) for p in child_paths}
    child_length = lengths.pop() if len(lengths) == 1 else None
    total, children = Flow(), {p: Flow() for p in child_paths}
    for row in _flow_rows(paths=paths, month=month, child_length=child_length):
        total.add(row)
        if child_length:
            children[row["child"]].add(row)
    if child_paths and not child_length:  # children of uneven path lengths: one query each
        for path in child_paths:
            for row in _flow_rows(paths=[path], month=month, child_length=None):
                children[path].add(row)
    return total, children


def _flow_rows(**kwargs):
    for row in flow_rows(**kwargs):
        row["outcome"] = stats.outcome(row)
        yield row


def rounded(value):
    """The snapshot's numbers: floats to DECIMALS places, everything else as it is."""
    if isinstance(value, float):
        return round(value, DECIMALS)
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [rounded(v) for v in value]
    return value


def report_figures(flow: Flow, summary: stats.Figures, month: Month) -> dict:
    return rounded({**flow.as_dict(), "summary": summary.as_dict([month.label])})


def canonical_json(*, region_code: str, month: str, zero_report: bool, figures: dict) -> str:
    return json.dumps({"region": region_code, "month": month, "zero_report": zero_report, "figures": figures},
                      sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def report_digest(*, region_code: str, month: str, zero_report: bool, figures: dict) -> str:
    """SHA-256 (hex) of the report's canonical JSON: what makes an edit of a stored report show."""
    text = canonical_json(region_code=region_code, month=month, zero_report=zero_report, figures=figures)
    return hashlib.sha256(text.encode()).hexdigest()


def stored_digest_holds(report: MonthlyReport) -> bool:
    """Does the stored report's content still hash to its stored digest?"""
    return report.digest == report_digest(region_code=report.region.code, month=report.month,
                                          zero_report=report.zero_report, figures=report.figures)


@dataclass
class Computed:
    zero_report: bool
    figures: dict
    digest: str


def compute_month(regions: list[Region], month: Month) -> dict[int, Computed]:
    """Each region's report content for the month (region id → Computed).

    One pass (a `summarize` and a flow query) per topmost region asked for, split by the villages
    under it (`child_paths`); a township's figures are the sum of its villages'. Generating the
    whole county is two statements, whatever the number of townships, villages or cases.
    """
    by_path = {r.path: r for r in regions}
    tops = [r for r in regions if not any(p in by_path for p in enclosing_paths(r.path)[:-1])]
    results: dict[int, tuple[Flow, stats.Figures]] = {}
    for top in tops:
        villages = list(Region.objects.filter(in_subtrees([top.path]), level=RegionLevel.VILLAGE)
                        .exclude(pk=top.pk).order_by("path"))
        child_paths = [v.path for v in villages]
        summary = stats.summarize(paths=[top.path], start=month.first_day, end=month.last_day,
                                  as_of=month.as_of, child_paths=child_paths)
        flow, village_flows = month_flows(paths=[top.path], month=month, child_paths=child_paths)
        results[top.pk] = (flow, summary.total)
        for region in regions:
            if region.pk != top.pk and top.covers(region.path):
                under = [v.path for v in villages if region.covers(v.path)]
                results[region.pk] = (sum_of(Flow, [village_flows[p] for p in under]),
                                      sum_of(stats.Figures, [summary.children[p] for p in under]))
    computed = {}
    for region in regions:
        flow, summary = results[region.pk]
        figures = report_figures(flow, summary, month)
        computed[region.pk] = Computed(flow.zero_report, figures, report_digest(
            region_code=region.code, month=month.label, zero_report=flow.zero_report, figures=figures))
    return computed


def sum_of(kind: type, parts: list):
    """The sum of several regions' counts (`Flow` or `stats.Figures`): numbers add, counters add,
    and mappings of counters (by month, by dispute type) add key by key."""
    total = kind()
    for part in parts:
        for f in fields(kind):
            mine, theirs = getattr(total, f.name), getattr(part, f.name)
            if isinstance(theirs, Counter):
                mine.update(theirs)
            elif isinstance(theirs, dict):
                for key, counts in theirs.items():
                    mine.setdefault(key, Counter()).update(counts)
            else:
                setattr(total, f.name, mine + theirs)
    return total


@dataclass
class Generated:
    """What a generation run did: reports created, already present, and mismatched (of those present)."""

    month: str
    created: int = 0
    present: int = 0
    mismatched: list[str] = field(default_factory=list)  # region codes

    @property
    def ok(self) -> bool:
        return not self.mismatched


def report_regions(root: Region | None = None) -> list[Region]:
    """The regions that report, in path order (parents first): all, or those of `root`'s subtree."""
    regions = Region.objects.filter(level__in=REPORT_LEVELS)
    if root is not None:
        regions = regions.filter(in_subtrees([root.path]))
    return list(regions.order_by("path"))


def generate_month(month: str | Month, *, regions: Iterable[Region] | None = None) -> Generated:
    """Generate (once) each reporting region's report for a month that is over.

    Idempotent: a report already stored is left exactly as it is (same digest, same generated_at)
    and checked against its recomputation; two workers running it at once store each report once
    (the unique constraint decides; the loser finds the winner's row). Raises MonthNotOver for the
    current or a future month, ValueError for a malformed one.
    """
    month = month if isinstance(month, Month) else Month.parse(month)
    now = clock.now()
    if now < month.until:
        raise MonthNotOver(f"{month.label} is not over yet: it can be reported from {month.until.date()} on")
    regions = sorted({r.pk: r for r in (report_regions() if regions is None else regions)
                      if r.level in REPORT_LEVELS}.values(), key=lambda r: r.path)
    existing = {r.region_id: r for r in MonthlyReport.objects.filter(month=month.label, region__in=regions)}
    computed = compute_month(regions, month)
    result = Generated(month.label)
    for region in regions:
        content = computed[region.pk]
        stored = existing.get(region.pk)
        if stored is None:
            stored = _store(region, month, content, now)
            if stored is None:
                result.created += 1
                continue
        result.present += 1
        stored.region = region
        intact = stored_digest_holds(stored)
        if not intact or stored.digest != content.digest:
            result.mismatched.append(region.code)
            log.warning("monthly report %s %s does not match its %s", region.code, month.label,
                        "recomputation" if intact else "digest (edited after it was stored)")
    return result


def _store(region: Region, month: Month, content: Computed, now: dt.datetime) -> MonthlyReport | None:
    """Insert the report; None when stored, or the row another worker stored meanwhile."""
    log.debug("monthly report %s %s: storing", region.code, month.label)
    try:
        with transaction.atomic():
            MonthlyReport.objects.create(
                region=region, month=month.label, zero_report=content.zero_report, figures=content.figures,
                digest=content.digest, as_of=month.as_of, generated_at=now)
        return None
    except IntegrityError:
        log.info("monthly report %s %s was stored meanwhile by another worker", region.code, month.label)
        return MonthlyReport.objects.get(region=region, month=month.label)


def generate_last_month_job() -> int:
    """Background job (hourly): once a month is over, generate its reports. Each run after that
    costs one EXISTS query until the next month ends."""
    month = month_just_ended()
    missing = Region.objects.filter(level__in=REPORT_LEVELS).exclude(
        Exists(MonthlyReport.objects.filter(region=OuterRef("pk"), month=month.label)))
    if not missing.exists():
        return 0
    result = generate_month(month, regions=list(missing))
    return result.created
