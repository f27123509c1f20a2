"""How the statistics page (统计分析) and the board's small charts say the summary's figures.

Pure functions of what `reports.selectors.stats_summary` returned: the figures are read, never
computed here (each is defined once, in `reports.stats.Figures`). What this module adds is the
words (each figure's name and definition, in the reader's language), the formatting (a rate as a
percentage with one decimal) and, for each figure, the link to the cases behind it: the case
search (`/search/`) with the same region and filing dates and the figure's own filter.
"""
from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field

from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from casework.choices import DisputeType, Outcome, Rung
from reports.stats import CONCLUDED, OUTCOME_OF_RUNG, RESOLVED, RUNGS, SETTLED_IN_VILLAGE

# The KPI tiles: the summary's key, the name and the definition a supervisor reads (the same
# words as reports.stats.Figures and the README's "Statistics"), and how the value is written.
TILES = (
    ("filed", pgettext_lazy("figure", "Filed"),
     gettext_lazy("The cases filed in the range, in the region."), "count"),
    ("resolution_rate", gettext_lazy("Resolution rate"),
     gettext_lazy("Of the cases concluded (closed for any reason but a merge), the share resolved: "
                  "at the grid, in the village, at the township or through a channel."), "rate"),
    ("mediation_success_rate", gettext_lazy("Mediation success rate"),
     gettext_lazy("Of the concluded cases that were mediated in the village or at the township, the "
                  "share that ended in an agreement followed up and closed."), "rate"),
    ("settled_in_village_share", gettext_lazy("Small matters stay in the village"),
     gettext_lazy("Of the cases concluded, the share resolved without leaving the village: on the spot "
                  "by the grid, or by the village committee."), "rate"),
    ("on_time_rate", gettext_lazy("Concluded on time"),
     gettext_lazy("Of the cases concluded, the share that never breached a deadline on the way."), "rate"),
    ("satisfaction_rate", gettext_lazy("Satisfaction rate"),
     gettext_lazy("Of the follow-up visits recording satisfaction, the share where the parties were "
                  "satisfied or basically satisfied."), "rate"),
    ("fulfilment_rate", gettext_lazy("Agreements performed"),
     gettext_lazy("Of the agreements followed up and closed, the share the follow-up found performed."), "rate"),
    ("mean_days_to_resolution", gettext_lazy("Mean days to resolution"),
     gettext_lazy("For the cases resolved, the mean number of days from filing to the resolution."), "days"),
)


def percent(value: float | None) -> str:
    """A rate in [0, 1] as a percentage with one decimal; a dash when there was nothing to divide by."""
    return "—" if value is None else f"{value * 100:.1f}%"


def days(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def formatted(value, kind: str) -> str:
    if kind == "rate":
        return percent(value)
    if kind == "days":
        return days(value)
    return str(value)


def chart_percent(value: float | None) -> float | None:
    """A rate as the charts draw it: a percentage rounded to one decimal."""
    return None if value is None else round(value * 100, 1)


@dataclass(frozen=True)
class Filters:
    """What the page was asked for: the links to the cases carry the same."""

    region: str  # a region code, or "" for the viewer's whole jurisdiction
    start: dt.date
    end: dt.date

    def query(self) -> dict[str, str]:
        out = {"from": self.start.isoformat(), "to": self.end.isoformat()}
        if self.region:
            out = {"region": self.region, **out}
        return out

    def search(self, *, start: dt.date | None = None, end: dt.date | None = None, region: str | None = None,
               **filters) -> str:
        """The case search of the cases filed in the range in the region, narrowed by `filters`
        (a facet of the search page → one value or several)."""
        query = QueryDict(mutable=True)
        if region or self.region:
            query["region"] = region or self.region
        query["filed_from"] = (start or self.start).isoformat()
        query["filed_to"] = (end or self.end).isoformat()
        for name, values in filters.items():
            query.setlist(name, [values] if isinstance(values, str) else list(values))
        return f"{reverse('ui:search')}?{query.urlencode()}"

    def page(self, region: str) -> str:
        """This page for another region, the same dates."""
        query = QueryDict(mutable=True)
        query.update({"region": region, "from": self.start.isoformat(), "to": self.end.isoformat()})
        return f"{reverse('ui:stats')}?{query.urlencode()}"

    def ledger(self, *, kind: str, fmt: str) -> str:
        query = QueryDict(mutable=True)
        query.update({**self.query(), "format": fmt, "kind": kind})
        return f"{reverse('api-reports-ledger')}?{query.urlencode()}"


@dataclass
class Link:
    label: str
    url: str


@dataclass
class Tile:
    key: str
    label: str
    value: str
    definition: str
    links: list[Link] = field(default_factory=list)


def ledger_links(f: Filters) -> list[Link]:
    """The ledgers (台账) of the same cases: the register as xlsx and as CSV, and the referrals (分流)."""
    return [Link(_("Export the ledger (xlsx)"), f.ledger(kind="cases", fmt="xlsx")),
            Link(_("Export the ledger (CSV)"), f.ledger(kind="cases", fmt="csv")),
            Link(_("Referral ledger"), f.ledger(kind="referrals", fmt="xlsx"))]


def tile_links(key: str, f: Filters) -> list[Link]:
    """The cases behind a tile: its numerator where the search can say it, and the cases it is
    a share of. The search filters on how a case ended (its outcome), not on its history: for
    the figures that read the history (mediated, breached a deadline, followed up) the link
    goes to the concluded cases they are a share of."""
    filed = Link(_("The cases filed"), f.search())
    concluded = Link(_("The concluded cases"), f.search(outcome=CONCLUDED))
    resolved = Link(_("The resolved cases"), f.search(outcome=RESOLVED))
    return {
        "filed": [filed],
        "resolution_rate": [resolved, concluded],
        "settled_in_village_share": [Link(_("Resolved in the grid or village"), f.search(outcome=SETTLED_IN_VILLAGE)),
                                     concluded],
        "mean_days_to_resolution": [resolved],
    }.get(key, [concluded])


def tiles(summary: dict, f: Filters) -> list[Tile]:
    return [Tile(key=key, label=str(label), value=formatted(summary[key], kind), definition=str(definition),
                 links=tile_links(key, f))
            for key, label, definition, kind in TILES]


def _month_range(month: str, f: Filters) -> tuple[dt.date, dt.date]:
    year, number = (int(part) for part in month.split("-"))
    first = dt.date(year, number, 1)
    last = dt.date(year, number, calendar.monthrange(year, number)[1])
    return max(first, f.start), min(last, f.end)


def trend(summary: dict, f: Filters) -> dict:
    """Month by month of filing: filed, and of those, concluded and resolved (by now)."""
    series = (("filed", pgettext("figure", "Filed"), {}),
              ("concluded", pgettext("figure", "Concluded"), {"outcome": CONCLUDED}),
              ("resolved", pgettext("figure", "Resolved"), {"outcome": RESOLVED}))
    rows = summary["by_month"]
    out_series = []
    for key, label, filters in series:
        data = []
        for row in rows:
            start, end = _month_range(row["month"], f)
            data.append({"value": row[key], "url": f.search(start=start, end=end, **filters)})
        out_series.append({"key": key, "name": label, "data": data})
    table = [{"month": row["month"], "cells": [s["data"][i] for s in out_series]} for i, row in enumerate(rows)]
    return {"categories": [row["month"] for row in rows], "series": out_series, "rows": table}


def rung_labels() -> dict[str, str]:
    return {Rung.GRID: _("Grid"), Rung.VILLAGE: _("Village"), Rung.TOWNSHIP: _("Township"),
            Rung.CHANNEL: _("Channel")}


def funnel(summary: dict, f: Filters) -> list[dict]:
    """The ladder as a funnel. Every filed case reached the grid: its step links to them. Having
    reached a rung is the case's history, which the search does not filter on: no link there."""
    labels = rung_labels()
    return [{"key": rung, "name": labels[rung], "value": summary["reached_by_rung"][rung],
             "url": f.search() if rung == Rung.GRID else ""} for rung in RUNGS]


def dispute_types(summary: dict, f: Filters) -> list[dict]:
    labels = dict(DisputeType.choices)
    rows = [{"key": key, "name": str(labels.get(key, key)), "value": n, "url": f.search(dispute_type=key)}
            for key, n in summary["by_dispute_type"].items() if n]
    return sorted(rows, key=lambda row: (-row["value"], row["name"]))


def outcomes(summary: dict, f: Filters) -> list[dict]:
    labels = dict(Outcome.choices)
    return [{"key": key, "name": str(labels[key]), "value": summary["by_outcome"].get(key, 0),
             "url": f.search(outcome=key)} for key in Outcome.values if summary["by_outcome"].get(key)]


def rung_shares(summary: dict, f: Filters) -> list[dict]:
    """Of the cases resolved, the share settled at each rung (and how many)."""
    labels = rung_labels()
    return [{"key": rung, "name": labels[rung], "share": percent(summary["resolved_share_by_rung"][rung]),
             "value": chart_percent(summary["resolved_share_by_rung"][rung]),
             "count": summary["by_outcome"].get(OUTCOME_OF_RUNG[rung], 0),
             "url": f.search(outcome=OUTCOME_OF_RUNG[rung])} for rung in RUNGS]


def gauges(summary: dict) -> list[dict]:
    names = {key: str(label) for key, label, _definition, _kind in TILES}
    return [{"key": key, "name": names[key], "value": chart_percent(summary[key]), "text": percent(summary[key])}
            for key in ("on_time_rate", "satisfaction_rate", "fulfilment_rate")]


def ranking(summary: dict, f: Filters) -> list[dict]:
    """The child regions, best resolution rate first (those with nothing concluded last), each
    with the page of that region and the search of its concluded cases."""
    rows = []
    for child in summary["by_region"]:
        code = child["region"]["code"]
        rows.append({
            "code": code, "name": child["region"]["name"], "filed": child["filed"],
            "resolution_rate": percent(child["resolution_rate"]), "value": chart_percent(child["resolution_rate"]),
            "settled_in_village_share": percent(child["settled_in_village_share"]),
            "on_time_rate": percent(child["on_time_rate"]), "satisfaction_rate": percent(child["satisfaction_rate"]),
            "page": f.page(code), "filed_url": f.search(region=code),
            "url": f.search(region=code, outcome=CONCLUDED),
        })
    return sorted(rows, key=lambda row: (row["value"] is None, -(row["value"] or 0), -row["filed"], row["code"]))


def chart_text() -> dict:
    """The words stats.js writes (it has no catalogue of its own)."""
    return {"filed": pgettext("figure", "Filed"), "cases": _("Cases"), "resolution_rate": _("Resolution rate")}


def charts(summary: dict, f: Filters) -> dict:
    """Everything the page's charts draw, for `json_script`; the tables show the same."""
    return {
        "text": chart_text(),
        "trend": trend(summary, f), "funnel": funnel(summary, f), "types": dispute_types(summary, f),
        "outcomes": outcomes(summary, f), "rungs": rung_shares(summary, f), "gauges": gauges(summary),
        "ranking": ranking(summary, f),
    }


def board_charts(summary: dict, f: Filters) -> dict:
    """The board's two small charts: the monthly trend and the ladder's funnel, this year."""
    return {"text": chart_text(), "trend": trend(summary, f), "funnel": funnel(summary, f)}
