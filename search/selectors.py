"""Searches a user triggers. Each takes the viewer and scopes to their jurisdiction in the query
itself, so results and facet counts alike never include a case outside it."""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q

from casework import clock
from casework import permissions as perms
from casework.choices import OPEN_STATUSES, Outcome, RegionLevel
from casework.errors import NotFound
from casework.models import Case, Party, Region, User, path_at
from casework.selectors import DUPLICATE_WINDOW, case_scope, possible_duplicates
from flows.selectors import assigned_cases
from search.backends import get_backend
from search.documents import current_agreements, similarity_text, text_similarity
from search.query import SIMILAR, CaseQuery, LikeParams, Page, parse_terms

# Filters of the search box, each a keyword field of the document (the list's, and the facets').
KEYWORD_FILTERS = ("status", "dispute_type", "risk_level", "outcome", "township", "village", "year")


@dataclass(frozen=True)
class SearchParams:
    """What a search request asks, validated (the API's serializer and the UI's form build it)."""

    q: str = ""
    filters: dict | None = None  # keyword field → list of values
    region: str | None = None  # a region code: its subtree
    overdue: bool | None = None
    assigned_to_me: bool | None = None
    filed_from: dt.date | None = None
    filed_to: dt.date | None = None
    offset: int = 0
    size: int = 20


def _within(scope: list[str], path: str) -> list[str]:
    """The viewer's scope narrowed to the subtree `path`: nothing when they do not meet."""
    if any(perms.covers(mine, path) for mine in scope):
        return [path]
    return [mine for mine in scope if perms.covers(path, mine)]


def case_query(*, viewer: User, params: SearchParams, facets: bool = True) -> CaseQuery | None:
    """The query for `params` in the viewer's jurisdiction; None when nothing can match."""
    from django.utils import timezone

    scope = perms.scope_paths(viewer)
    if params.region:
        region = Region.objects.filter(code=params.region).only("path").first()
        if region is None:
            raise NotFound("No such region.")
        scope = _within(scope, region.path)
    if not scope:
        return None
    filters = {name: tuple(values) for name, values in (params.filters or {}).items() if values}
    exclude = {}
    ids, exclude_ids = None, ()
    if params.assigned_to_me is not None:
        # The inbox's "mine", read from the open tasks now (not the index's copy of the mediators).
        mine = tuple(sorted(set(assigned_cases(viewer=viewer))))
        if params.assigned_to_me and not mine:
            return None
        ids, exclude_ids = (mine, ()) if params.assigned_to_me else (None, mine)
    tz = timezone.get_current_timezone()
    return CaseQuery(
        scope=tuple(scope), terms=parse_terms(params.q), filters=filters, exclude=exclude, ids=ids, exclude_ids=exclude_ids,
        filed_from=dt.datetime.combine(params.filed_from, dt.time.min, tzinfo=tz) if params.filed_from else None,
        filed_before=(dt.datetime.combine(params.filed_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
                      if params.filed_to else None),
        overdue=params.overdue, now=clock.now(), offset=params.offset, size=params.size, facets=facets,
    )


def search_cases(*, viewer: User, params: SearchParams, facets: bool = True) -> Page:
    """Full-text search over every case in the viewer's jurisdiction, closed ones included."""
    query = case_query(viewer=viewer, params=params, facets=facets)
    if query is None:
        return Page(count=0, hits=[], facets={})
    return get_backend().search(query)


def _visible(viewer: User, case_id: int) -> Case:
    """The case with what its similar-case text needs (its current agreement); 404 outside the
    viewer's jurisdiction."""
    case = (Case.objects.select_related("region").prefetch_related(current_agreements())
            .filter(pk=case_id).first())
    if case is None or not perms.can_see(viewer, case):
        raise NotFound("No such case.")
    return case


def similar_cases(*, viewer: User, case_id: int, size: int = 10, among: Iterable[int] | None = None,
                  params: LikeParams = SIMILAR) -> Page:
    """类案参考: the past (closed) cases most like this one in the viewer's jurisdiction, most
    similar first. Merged duplicates are left out: the case they were merged into speaks for them.

    Two steps: the engine's more_like_this finds candidates; they are then ranked by the cosine
    of their TF-IDF vectors (sublinear tf, the engine's document frequencies) — which ranks
    better than more_like_this's own score (bench/similar_quality.py). `among` gives the
    candidates instead (the quality benchmark compares two).
    """
    case = _visible(viewer, case_id)
    query = CaseQuery(
        scope=tuple(perms.scope_paths(viewer)), filters={"is_open": ("false",)},
        exclude={"outcome": (Outcome.MERGED,)}, exclude_ids=(case.pk,),
        ids=tuple(among) if among is not None else None,
        size=max(size, SIMILAR_CANDIDATES) if among is None else len(tuple(among)), facets=False, highlight=False,
    )
    backend = get_backend()
    like = similarity_text(case)
    candidates = backend.more_like(like, query, params) if among is None else backend.search(query)
    if not candidates.hits:
        return candidates
    counts, held, df, total = backend.term_vectors(like, [hit.id for hit in candidates.hits])
    hits = [hit for hit in candidates.hits if hit.id in held]
    start = _tfidf(counts, df, total)
    for hit in hits:
        hit.score = _cosine(start, _tfidf(held[hit.id], df, total))
    hits.sort(key=lambda hit: hit.score, reverse=True)
    return Page(count=len(hits), hits=hits[:size], facets={})


SIMILAR_CANDIDATES = 50  # what more_like_this proposes for the TF-IDF ranking to order


def _tfidf(counts, df: dict[str, int], total: int) -> dict[str, float]:
    """Sublinear tf (1 + ln tf) times smoothed idf (ln((1 + N) / (1 + df)) + 1)."""
    return {term: (1 + math.log(tf)) * (math.log((1 + total) / (1 + df.get(term, 0))) + 1)
            for term, tf in counts.items() if tf > 0}


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    dot = sum(weight * b[term] for term, weight in a.items() if term in b)
    if not dot:
        return 0.0
    return dot / math.sqrt(sum(w * w for w in a.values()) * sum(w * w for w in b.values()))


SETTLED_AT = {Outcome.RESOLVED_GRID: "grid", Outcome.RESOLVED_VILLAGE: "village",
              Outcome.RESOLVED_TOWNSHIP: "township", Outcome.RESOLVED_CHANNEL: "channel"}


def settled_rung(case: Case) -> str:
    """The rung where a closed case was settled ("" when it was not: declined, withdrawn…)."""
    return SETTLED_AT.get(case.outcome, "")


# The same name and a description at least this close (character-bigram cosine, 0…1): the same
# leak told by two reporters scores 0.2–0.6, unrelated disputes of the village under 0.1.
DUPLICATE_SIMILARITY = 0.2
DUPLICATE_CANDIDATES = 50  # open cases of the village naming the same person, most recent first


@dataclass
class Duplicate:
    case: Case
    reason: str  # "same_person" (ID number or phone) | "same_name_similar" (name and description)


def _open_recent(viewer: User, village_path: str) -> Q:
    return (case_scope(perms.scope_paths(viewer), "region_path") & case_scope([village_path], "region_path")
            & Q(status__in=OPEN_STATUSES, created_at__gte=clock.now() - DUPLICATE_WINDOW))


def draft_duplicates(*, viewer: User, grid_path: str, parties: list[dict], description: str = "",
                     title: str = "", exclude: int | None = None, limit: int = 5) -> list[Duplicate]:
    """Open, recent cases of the same village that likely report the same dispute: one sharing a
    party's ID number or phone, or one with a party of the same name and a similar description.
    Read from the database, not the index: a case the hotline filed a moment ago counts, and the
    warning works while the search engine is down."""
    village_path = path_at(grid_path, RegionLevel.VILLAGE)
    numbers = Q()
    for party in parties:
        for name in ("id_number", "phone"):
            if party.get(name):
                numbers |= Q(**{name: party[name]})
    found: dict[int, Duplicate] = {}
    if numbers:
        sharing = Party.objects.filter(numbers).values("case_id")
        for case in (Case.objects.filter(_open_recent(viewer, village_path), pk__in=sharing)
                     .exclude(pk=exclude).order_by("-created_at")[:limit]):
            found[case.pk] = Duplicate(case, "same_person")
    names = {p["name"].strip() for p in parties if p.get("name", "").strip()}
    told = f"{title} {description}".strip()
    if names and told and len(found) < limit:
        named = Party.objects.filter(name__in=names).values("case_id")
        candidates = (Case.objects.filter(_open_recent(viewer, village_path), pk__in=named)
                      .exclude(pk__in=[*found, exclude]).order_by("-created_at")[:DUPLICATE_CANDIDATES])
        alike = sorted(((text_similarity(told, f"{c.title} {c.description}"), c) for c in candidates),
                       key=lambda pair: -pair[0])
        for similarity, case in alike:
            if similarity >= DUPLICATE_SIMILARITY and len(found) < limit:
                found[case.pk] = Duplicate(case, "same_name_similar")
    return list(found.values())


def likely_duplicates(*, viewer: User, case_id: int, limit: int = 5) -> list[Duplicate]:
    """The likely duplicates of an open case (并单 candidates) the viewer may see."""
    case = _visible(viewer, case_id)
    if not case.is_open:
        return []
    exact = {c.pk: Duplicate(c, "same_person") for c in possible_duplicates(viewer=viewer, case=case, limit=limit)}
    parties = [{"name": p.name} for p in case.parties.all()]
    more = draft_duplicates(viewer=viewer, grid_path=case.region_path, parties=parties, title=case.title,
                            description=case.description, exclude=case.pk, limit=limit)
    for duplicate in more:
        exact.setdefault(duplicate.case.pk, duplicate)
    return list(exact.values())[:limit]

