"""What the search index holds of a case: one flat document, the same for every backend.

The document is built from the database only (`case_documents`), so a rebuild, the outbox
drainer and `search_index --check` agree on what a case's document is. Parties' resident ID
numbers and phones are never indexed in clear — not from the party rows, and not where someone
typed one into a description: they are masked in the text and kept only as keyed hashes
(`party_key`), which is enough to find a person's cases by exact number.
"""
from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.crypto import salted_hmac

from casework.choices import DeadlineKind, RegionLevel
from casework.models import Case, CaseDeadline, Region, enclosing_paths, path_at, ticking
from casework.validators import ID_NUMBER_IN_TEXT, PHONE_IN_TEXT, mask_numbers
from mediation.models import Agreement

# The text fields a query term is looked for in, and the facets every search returns.
TEXT_FIELDS = ("number", "title", "description", "parties", "address", "agreement")
FACETS = ("dispute_type", "status", "outcome", "township", "village", "year")
# What a similar-case query compares: the dispute as told and how it was settled.
SIMILARITY_FIELDS = ("title", "description", "agreement")

_LETTERS_DIGITS = re.compile(r"[^\W_]")
# Phones and ID numbers in free text: found and masked as casework.validators finds and masks them.
_PHONE = PHONE_IN_TEXT
_ID_NUMBER = ID_NUMBER_IN_TEXT


def normalize(text: str) -> str:
    """Full-width forms folded (ＡＢ１２ → ab12) and lower case: what the engines' analysers do."""
    return unicodedata.normalize("NFKC", text).lower()


def text_similarity(a: str, b: str) -> float:
    """Cosine of the character-bigram counts of two texts (letters and digits only), 0…1."""
    def grams(text: str) -> Counter:
        chars = "".join(_LETTERS_DIGITS.findall(normalize(text)))
        return Counter(chars[i:i + 2] for i in range(len(chars) - 1))

    x, y = grams(a), grams(b)
    dot = sum(count * y[gram] for gram, count in x.items())
    if not dot:
        return 0.0
    return dot / math.sqrt(sum(v * v for v in x.values()) * sum(v * v for v in y.values()))


def party_key(value: str) -> str:
    """A keyed hash of an ID number or phone: equal numbers match, the number cannot be read back.

    Keyed with SECRET_KEY: rotating the key means rebuilding the index (`search_index --rebuild`).
    """
    value = normalize(value).strip().upper()
    return salted_hmac("search.party_key", value, algorithm="sha256").hexdigest()[:32]


def personal_numbers(text: str) -> list[str]:
    """The phones and ID numbers written in `text`."""
    return [m.group(0) for m in _ID_NUMBER.finditer(text)] + [m.group(0) for m in _PHONE.finditer(text)]


def current_agreements() -> Prefetch:
    """The agreement in force (mediation.selectors.current_agreement), as `current_agreements[0]`."""
    return Prefetch("agreements", queryset=Agreement.objects.filter(superseded=False).order_by("-recorded_at", "-id"),
                    to_attr="current_agreements")


def _open_deadlines() -> Prefetch:
    # The clocks the list's `overdue` filter counts (casework.selectors.overdue_filter).
    return Prefetch(
        "deadlines",
        queryset=CaseDeadline.objects.filter(ticking(), ended_at__isnull=True)
        .exclude(kind=DeadlineKind.JUDICIAL_CONFIRMATION).order_by("due_at"),
        to_attr="overdue_clocks",
    )


def cases_for_index() -> QuerySet[Case]:
    """Cases with everything their document needs, in a constant number of queries."""
    return (
        Case.objects.select_related("region")
        .prefetch_related("parties", "mediators", current_agreements(), _open_deadlines())
        .order_by("pk")
    )


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(dt.UTC).isoformat() if moment else None


def agreement_text(agreement: Agreement | None) -> str:
    if agreement is None:
        return ""
    return "\n".join(part for part in (agreement.points_in_dispute, agreement.responsibilities, agreement.terms) if part)


def similarity_text(case: Case) -> dict[str, str]:
    """The fields similar cases are compared on, as indexed (a case prefetched with `current_agreements`)."""
    agreement = (getattr(case, "current_agreements", None) or [None])[0]
    return {"title": mask_numbers(case.title), "description": mask_numbers(case.description),
            "agreement": mask_numbers(agreement_text(agreement))}


def case_document(case: Case, codes: dict[str, str]) -> dict:
    """The document of `case` (prefetched as `cases_for_index` does); `codes` maps region paths to codes."""
    parties = list(case.parties.all())
    agreement = (getattr(case, "current_agreements", None) or [None])[0]
    free_text = " ".join([case.title, case.description, case.address, agreement_text(agreement)])
    numbers = [p.id_number for p in parties if p.id_number] + [p.phone for p in parties if p.phone]
    numbers += personal_numbers(free_text)
    clocks = getattr(case, "overdue_clocks", [])
    filed = timezone.localtime(case.created_at)
    return {
        "id": case.pk,
        "version": case.version,
        "number": case.number,
        "title": mask_numbers(case.title),
        "description": mask_numbers(case.description),
        "address": mask_numbers(case.address),
        "agreement": mask_numbers(agreement_text(agreement)),
        "parties": [p.name for p in parties],
        "party_keys": sorted({party_key(n) for n in numbers}),
        "dispute_type": case.dispute_type,
        "status": case.status,
        "outcome": case.outcome,
        "risk_level": case.risk_level,
        "source": case.source,
        "rung": case.rung,
        "is_open": case.is_open,
        "region": case.region.code,
        "village": codes.get(path_at(case.region_path, RegionLevel.VILLAGE), ""),
        "township": codes.get(path_at(case.region_path, RegionLevel.TOWNSHIP), ""),
        "scope": enclosing_paths(case.region_path),
        "mediators": [u.pk for u in case.mediators.all()],
        "year": str(filed.year),
        "filed_at": _iso(case.created_at),
        "recency": recency(case),
        "closed_at": _iso(case.closed_at),
        "due_at": _iso(clocks[0].due_at) if clocks and case.is_open else None,
    }


RECENCY_EPOCH = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


def recency(case: Case) -> int:
    """Newest first to the second, then the later filing: one number both engines sort on. Kept
    below 2**53 (seconds since 2020 in 30 bits, the id's low 22 bits) so that it survives any
    JSON reader, JavaScript's included, exactly."""
    seconds = max(0, int((case.created_at - RECENCY_EPOCH).total_seconds()))
    return (seconds << 22) | (case.pk & (2**22 - 1))


def region_codes(paths: Iterable[str] | None = None) -> dict[str, str]:
    regions = Region.objects.all() if paths is None else Region.objects.filter(path__in=set(paths))
    return dict(regions.values_list("path", "code"))


def documents(case_ids: Iterable[int] | None = None, *, chunk: int = 500) -> Iterator[dict]:
    """The documents of the given cases (all cases when None) that exist, in id order."""
    codes = region_codes()
    cases = cases_for_index()
    if case_ids is not None:
        ids = sorted(set(case_ids))
        for start in range(0, len(ids), chunk):
            for case in cases.filter(pk__in=ids[start:start + chunk]):
                yield case_document(case, codes)
        return
    last = 0
    while True:
        batch = list(cases.filter(pk__gt=last)[:chunk])
        if not batch:
            return
        for case in batch:
            yield case_document(case, codes)
        last = batch[-1].pk
