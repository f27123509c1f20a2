"""A search over cases as data: what every backend compiles into its engine's query, and what
it answers. Both backends give the same answer to the same `CaseQuery` (the conformance suite
in tests/search holds them to it).

Query semantics, whatever the engine:
- `q` is split on white space into terms; a case matches when *every* term occurs, as written
  (full-width folded, case ignored), in one of its text fields (number, title, description,
  parties' names, address, agreement) — one Chinese character, a word, a case number or an
  amount alike. A term that is a phone or ID number also matches the cases of a party with that
  number, through its keyed hash (they are never indexed in clear).
- Filters narrow to any of the listed values of a field; the scope (the caller's jurisdiction)
  is a filter like the others, so facet counts never count a case outside it.
- Ranked by relevance to the terms (BM25 over the segmented text), newest first without terms.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from search.documents import _ID_NUMBER, _PHONE, normalize, party_key

MAX_TERMS = 10
MAX_TERM_LENGTH = 50
MAX_WINDOW = 10_000  # offset + size: deeper pages are refused, as Elasticsearch does
# What makes up a term: letters and digits. Anything else separates tokens in the engines.
_TOKEN = re.compile(r"[^\W_]", re.UNICODE)


class SearchError(ValueError):
    """The query cannot be run as asked (the API answers 400 with the field and this message)."""

    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name
        self.message = message


class SearchUnavailable(RuntimeError):
    """The search engine does not answer; the API says 503 and when to retry."""

    retry_after = 10


def tokens(text: str) -> list[str]:
    """The character tokens of `text` as the engines index the text fields: letters and digits."""
    return _TOKEN.findall(normalize(text))


def parse_terms(q: str) -> tuple[str, ...]:
    """The terms of a query box's text; SearchError for one that cannot match anything."""
    terms = tuple(dict.fromkeys(t for t in normalize(q).split() if t))
    if len(terms) > MAX_TERMS:
        raise SearchError("q", _("Search for at most %(count)d words at a time.") % {"count": MAX_TERMS})
    for term in terms:
        if len(term) > MAX_TERM_LENGTH:
            raise SearchError("q", _("A word may have at most %(count)d characters.") % {"count": MAX_TERM_LENGTH})
        if not tokens(term):
            raise SearchError("q", _("Each word needs at least one letter or digit."))
    return terms


def term_key(term: str) -> str | None:
    """The party key to look for when `term` is a whole phone or ID number."""
    if _PHONE.fullmatch(term) or _ID_NUMBER.fullmatch(term):
        return party_key(term)
    return None


@dataclass(frozen=True)
class CaseQuery:
    scope: tuple[str, ...]  # region paths: only cases under one of them (the caller's jurisdiction)
    terms: tuple[str, ...] = ()
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # keyword field → any of
    exclude: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # keyword field → none of
    ids: tuple[int, ...] | None = None  # only these cases
    exclude_ids: tuple[int, ...] = ()
    filed_from: dt.datetime | None = None
    filed_before: dt.datetime | None = None
    overdue: bool | None = None
    now: dt.datetime | None = None  # for `overdue`
    offset: int = 0
    size: int = 20
    facets: bool = True
    highlight: bool = True

    def __post_init__(self):
        if not self.scope:
            raise ValueError("a search always has a scope")  # a caller without a region sees nothing
        if self.offset < 0 or self.size < 0 or self.offset + self.size > MAX_WINDOW:
            raise SearchError("page", _("Only the first %(count)d results can be paged through; narrow the search.")
                              % {"count": MAX_WINDOW})


@dataclass
class Hit:
    id: int
    score: float | None
    number: str
    title: str
    status: str
    dispute_type: str
    outcome: str
    highlight: dict[str, str] = field(default_factory=dict)


@dataclass
class Page:
    count: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)


# How `more_like_this` picks the terms of the case it starts from, in both backends.
@dataclass(frozen=True)
class LikeParams:
    max_query_terms: int = 25
    min_term_freq: int = 1
    min_doc_freq: int = 1
    minimum_should_match: str = "30%"


SIMILAR = LikeParams()


def highlight(text: str, terms: tuple[str, ...], *, fragment: int = 80) -> str | None:
    """`text` around the first occurrence of a term, HTML-escaped, each occurrence in <em>: the
    highlight the embedded backend returns, and the shape the Elasticsearch one is brought to."""
    from django.utils.html import escape

    folded = normalize(text)
    if len(folded) != len(text):  # NFKC changed the length: match on the text as it is
        folded = text.lower()
    spans = []
    for term in terms:
        start = folded.find(term)
        while start != -1:
            spans.append((start, start + len(term)))
            start = folded.find(term, start + len(term))
    if not spans:
        return None
    spans.sort()
    merged = [list(spans[0])]
    for start, end in spans[1:]:
        if start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    first = merged[0][0]
    lo = max(0, first - fragment // 4)
    hi = min(len(text), lo + fragment)
    out, at = [], lo
    for start, end in merged:
        if end <= lo or start >= hi:
            continue
        start, end = max(start, lo), min(end, hi)
        out.append(escape(text[at:start]))
        out.append(f"<em>{escape(text[start:end])}</em>")
        at = end
    out.append(escape(text[at:hi]))
    return ("…" if lo else "") + "".join(out) + ("…" if hi < len(text) else "")


def merge_adjacent_em(fragment: str) -> str:
    """Elasticsearch highlights a phrase over character tokens one character at a time."""
    return fragment.replace("</em><em>", "")
