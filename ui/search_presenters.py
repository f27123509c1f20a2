"""How the case search page says things: highlighted snippets, facets as links, result rows.

Pure functions of what the search and the selectors returned; no queries.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass

from django.http import QueryDict
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from casework.choices import DisputeType, Outcome, Status
from casework.models import Case
from search.documents import mask_numbers
from search.query import Hit
from ui.forms.search import FACETS, CaseSearchForm

SNIPPET = 120  # characters of a description shown when no word of it was matched
_EM = re.compile(r"(</?em>)", re.IGNORECASE)


def highlight_html(fragment: str) -> SafeString:
    """A search engine's highlight fragment made safe to put in a page: only <em> marks survive.

    The engines send HTML-escaped text with the matched words in <em>…</em>. That is not taken on
    trust: the fragment is cut at its <em> and </em> marks, every piece of text between them is
    unescaped once and escaped again (so whatever else looks like markup is shown as text), and
    the marks are kept only where they open and close in turn.
    """
    out, inside = [], False
    for piece in _EM.split(fragment):
        mark = piece.lower()
        if mark == "<em>" and not inside:
            out.append("<em>")
            inside = True
        elif mark == "</em>" and inside:
            out.append("</em>")
            inside = False
        else:
            out.append(escape(html.unescape(piece)))
    if inside:
        out.append("</em>")
    return mark_safe("".join(out))  # every piece is escaped text or a balanced <em> mark


# --- facets -----------------------------------------------------------------------------------

FACET_LABELS = {
    "dispute_type": _("Dispute type"), "status": _("Status"), "outcome": _("Outcome"),
    "township": _("Township"), "village": _("Village"), "year": _("Year filed"),
}
CHOICES = {"dispute_type": DisputeType, "status": Status, "outcome": Outcome}


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool
    url: str  # the search with this value added (or, when selected, removed)


@dataclass
class Facet:
    name: str
    label: str
    values: list[FacetValue]

    @property
    def selected(self) -> list[FacetValue]:
        return [v for v in self.values if v.selected]


def toggled(query: QueryDict, name: str, value: str) -> str:
    """The query string with `value` of filter `name` added, or removed when it is there; back to page 1."""
    query = query.copy()
    query.pop("page", None)
    values = query.getlist(name)
    query.setlist(name, [v for v in values if v != value] if value in values else [*values, value])
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


def _labels(name: str, form: CaseSearchForm) -> dict[str, str]:
    if name in CHOICES:
        return {value: str(label) for value, label in CHOICES[name].choices}
    if name == "township":
        return {r.code: r.name for r in form.townships}
    if name == "village":
        return {r.code: r.name for r in form.villages}
    return {}


def _order(name: str, labels: dict[str, str], counts: dict[str, int]):
    """Statuses in the ladder's order, years newest first, the rest the most frequent first."""
    if name == "status":
        rank = {value: i for i, value in enumerate(Status.values)}
        return lambda v: rank.get(v, len(rank))
    if name == "year":
        return lambda v: -int(v) if v.isdigit() else 0
    return lambda v: (-counts.get(v, 0), labels.get(v, v))


# Facets that say nothing when every result lies in the one region they list (a village
# committee's cases are all of its village and township): left out then.
WHERE = ("township", "village")


def facets(found: dict[str, dict[str, int]], form: CaseSearchForm, query: QueryDict, total: int) -> list[Facet]:
    """Every facet with its values and counts; a chosen value stays listed (to be removed) even
    when nothing matches it any more."""
    chosen = form.filters()
    out = []
    for name in FACETS:
        counts = dict(found.get(name, {}))
        for value in chosen[name]:
            counts.setdefault(value, 0)
        if name in WHERE and not chosen[name] and list(counts.values()) == [total]:
            continue
        labels = _labels(name, form)
        values = [
            FacetValue(value=v, label=labels.get(v, v), count=counts[v], selected=v in chosen[name],
                       url=toggled(query, name, v))
            for v in sorted(counts, key=_order(name, labels, counts))
        ]
        if values:
            out.append(Facet(name=name, label=str(FACET_LABELS[name]), values=values))
    return out


@dataclass
class RangeChip:
    label: str
    url: str  # the search without it


def without(query: QueryDict, *names: str) -> str:
    query = query.copy()
    for name in (*names, "page"):
        query.pop(name, None)
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


def range_chips(form: CaseSearchForm, query: QueryDict) -> list[RangeChip]:
    """The region and the filing dates a statistics link chose, each shown with a way to drop it."""
    chosen = dict(form.range_filters())
    chips = []
    if form.region is not None:
        chips.append(RangeChip(f"{_('Region')}：{form.region.name}", without(query, "region")))
    if chosen.get("filed_from") or chosen.get("filed_to"):
        label = f"{_('Filed')}：{chosen.get('filed_from', '…')} – {chosen.get('filed_to', '…')}"
        chips.append(RangeChip(label, without(query, "filed_from", "filed_to")))
    return chips


# --- results ----------------------------------------------------------------------------------


@dataclass
class ResultRow:
    case: Case
    title: SafeString
    snippet: SafeString
    score: float | None


def result_rows(hits: list[Hit], cases: dict[int, Case]) -> list[ResultRow]:
    """One row a hit, in the engine's order, with what the database holds of its case; the title
    and the description shown with the matched words marked, phone and ID numbers masked."""
    rows = []
    for hit in hits:
        case = cases.get(hit.id)
        if case is None:
            continue
        title = hit.highlight.get("title")
        snippet = hit.highlight.get("description")
        rows.append(ResultRow(
            case=case,
            title=highlight_html(title) if title else escape(mask_numbers(case.title)),
            snippet=(highlight_html(snippet) if snippet
                     else escape(Truncator(mask_numbers(case.description)).chars(SNIPPET))),
            score=hit.score,
        ))
    return rows


@dataclass
class Pages:
    number: int
    count: int
    size: int
    last: int  # the last page that can be shown (the engines page no deeper than MAX_WINDOW)

    @property
    def num_pages(self) -> int:
        return max(1, min(-(-self.count // self.size), self.last))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def previous_page_number(self) -> int:
        return min(self.number - 1, self.num_pages)

    @property
    def next_page_number(self) -> int:
        return self.number + 1
