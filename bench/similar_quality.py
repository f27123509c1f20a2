"""Quality of 类案参考 (similar cases) on the public CAIL2019-SCM labelled triplets, against a
character-bigram TF-IDF cosine in the same run, for several `more_like_this` settings.

    python bench/similar_quality.py --data PATH [--backend sqlite|postgres] [--engines embedded,elasticsearch]
                                    [--grid] [--json FILE]

The data is not in the repository (it has no licence): `--data` takes either
  - the upstream file itself, `scm/baseline/tf_idf/input.txt` of github.com/china-ai-law-challenge/CAIL2019
    at commit 010ebcedb4a1faf0ae25576254d134fa518e4830 (CAIL2019-SCM-small, 500 triplets
    {"A", "B", "C"}, one JSON object a line, sim(A,B) > sim(A,C) in every row), which this
    script balances as /work/scm-data/build_jsonl.py does: B and C swapped in a seeded-random half
    (random.Random(20190524), 250 rows), the label saying which is the more similar; or
  - the result of that conversion, one {"a", "b", "c", "label": "B"|"C"} a line (.jsonl, or .gz).
Cite: Xiao et al., "CAIL2019-SCM: A Dataset of Similar Case Matching in Legal Domain",
arXiv:1911.08962, 2019. All 500 are private-lending (民间借贷) first-instance judgments; 227
distinct texts.

What it does: a fresh database (`--backend`, SQLite by default), `migrate`, the demo topology;
each distinct text becomes one closed case in 枫源村 (description = the text, title = its first
sentence, dispute type contract, resolved in the village), written with bulk_create; then the
real `search.indexing.rebuild()`. Then, for every triplet, three ways of asking, as center1:

  similar_cases(among=[B, C])   the selector behind GET /api/v1/cases/{id}/similar/ with the
                                candidates given: how the product ranks two cases (its TF-IDF
                                cosine over the engine's term vectors; `params` plays no part)
  similar_cases, top N, params  the selector as the API calls it, over every case: more_like_this
                                (with `params`) proposes N (SIMILAR_CANDIDATES, 50), the cosine
                                orders them; B and C compared by their places in that answer
  more_like score only, params  the engine's more_like_this restricted to B and C, ranked by its
                                own score: how similar_cases ranked before f65d07a

A triplet is right when the labelled candidate ranks higher. A candidate missing from the answer
ranks below one present; both missing, or equal scores, is a tie and counts a half. The
`both found` / `one/none found` columns tell how often the candidates came back at all.

The variants are search.query.LikeParams: the product's setting, Elasticsearch's defaults, and
single changes of max_query_terms, min_term_freq, min_doc_freq and minimum_should_match;
`--grid` runs all 96 combinations.

Baselines in the same run, pure Python, over the same texts:
  tfidf-char-bigram  character bigrams (letters and digits), smoothed idf over the distinct
                     texts, cosine: /work/scm-data/tfidf_baseline.py's MAIN (0.628 there)
  tfidf-body-words   the same cosine over the words our index holds in `body` (search.words:
                     jieba search mode over title + description), so the tokens are ours and
                     only the ranking differs

The Elasticsearch stand-in (noida-db, started and stopped by this script) does not fill
`copy_to` fields, so `body` is empty there: more_like_this finds nothing and the term vectors
are empty. When no triplet gets a hit, or every one is a tie, the accuracy is reported as n/a,
not as 0.5.
"""
from __future__ import annotations

import argparse
import collections
import datetime as dt
import gzip
import itertools
import json
import math
import os
import random
import re
import signal
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._engines import StandIn, code_version, same_code  # noqa: E402
from bench._support import ROOT, fresh_database, machine_summary, table  # noqa: E402

DATABASE_NAME = "fengqiao_bench_similar"
ENGINES = ("embedded", "elasticsearch")
VIEWER = "center1"
GRID = "33068110800101"  # 枫源村第1网格
BALANCE_SEED = 20190524  # /work/scm-data/build_jsonl.py
ALIAS = "fengqiao-bench-similar"


# --- the data ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Triplet:
    a: str
    b: str
    c: str
    label: str  # "B" | "C": the more similar to a


def load_triplets(path: Path) -> list[Triplet]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    if rows and "A" in rows[0]:
        # The upstream input.txt: every row has sim(A,B) > sim(A,C); balance as build_jsonl.py does.
        swapped = set(random.Random(BALANCE_SEED).sample(range(len(rows)), len(rows) // 2))
        return [Triplet(r["A"], r["C"], r["B"], "C") if i in swapped else Triplet(r["A"], r["B"], r["C"], "B")
                for i, r in enumerate(rows)]
    triplets = [Triplet(r["a"], r["b"], r["c"], r["label"]) for r in rows]
    if any(t.label not in ("B", "C") for t in triplets):
        raise SystemExit(f"{path}: a label other than B or C")
    return triplets


# --- the baselines -------------------------------------------------------------------------------

_KEEP = re.compile(r"[^\W_]")


def char_bigrams(text: str) -> list[str]:
    chars = _KEEP.findall(text)
    return [chars[i] + chars[i + 1] for i in range(len(chars) - 1)]


class Cosine:
    """TF-IDF cosine with sklearn's smoothed idf, over the distinct texts."""

    def __init__(self, texts: list[str], tokenize):
        self.tf = {t: collections.Counter(tokenize(t)) for t in texts}
        df = collections.Counter(term for counts in self.tf.values() for term in counts)
        n = len(texts)
        self.vectors = {}
        for text, counts in self.tf.items():
            vector = {term: f * (math.log((1 + n) / (1 + df[term])) + 1) for term, f in counts.items()}
            norm = math.sqrt(sum(x * x for x in vector.values())) or 1.0
            self.vectors[text] = {term: x / norm for term, x in vector.items()}

    def __call__(self, a: str, b: str) -> float:
        va, vb = self.vectors[a], self.vectors[b]
        if len(va) > len(vb):
            va, vb = vb, va
        return sum(x * vb.get(term, 0.0) for term, x in va.items())


@dataclass
class Score:
    name: str
    correct: float = 0.0
    ties: int = 0
    both: int = 0  # triplets where both candidates came back
    one: int = 0
    none: int = 0
    labelled: int = 0  # triplets where the more similar candidate came back
    n: int = 0
    seconds: float = 0.0
    na: bool = False

    @property
    def accuracy(self) -> float:
        return self.correct / self.n if self.n else float("nan")

    def add(self, b: float | None, c: float | None, label: str) -> None:
        """One triplet: the scores of B and C (None: not in the answer)."""
        self.n += 1
        present = (b is not None) + (c is not None)
        self.both += present == 2
        self.one += present == 1
        self.none += present == 0
        self.labelled += (b if label == "B" else c) is not None
        b = -math.inf if b is None else b
        c = -math.inf if c is None else c
        if b == c:
            self.correct += 0.5
            self.ties += 1
        elif (b > c) == (label == "B"):
            self.correct += 1

    def row(self) -> list[str]:
        if self.na:
            return [self.name, "n/a", "", "", "", "", f"{self.one}/{self.none}", "", f"{self.seconds:.1f}"]
        half = 1.96 * math.sqrt(self.accuracy * (1 - self.accuracy) / self.n) if self.n else float("nan")
        return [self.name, f"{self.accuracy:.3f}", f"±{half:.3f}", f"{self.correct:g}/{self.n}", str(self.ties),
                str(self.both), f"{self.one}/{self.none}", str(self.labelled), f"{self.seconds:.1f}"]


def baseline(name: str, triplets: list[Triplet], similarity) -> Score:
    began = time.monotonic()
    score = Score(name)
    for t in triplets:
        score.add(similarity(t.a, t.b), similarity(t.a, t.c), t.label)
    score.seconds = time.monotonic() - began
    return score


# --- the variants of more_like_this ---------------------------------------------------------------

def variants(grid: bool):
    from search.query import SIMILAR, LikeParams

    if grid:
        return [LikeParams(q, tf, df, msm) for q, tf, df, msm in itertools.product(
            (25, 50, 100, 200), (1, 2), (1, 2, 5), ("1", "10%", "30%", "50%"))]
    return [
        SIMILAR,  # the product's setting
        LikeParams(25, 2, 5, "30%"),  # Elasticsearch's defaults
        LikeParams(25, 1, 1, "1"),
        LikeParams(25, 1, 1, "10%"),
        LikeParams(25, 1, 1, "50%"),
        LikeParams(25, 1, 2, "30%"),
        LikeParams(25, 2, 1, "30%"),
        LikeParams(50, 1, 1, "30%"),
        LikeParams(100, 1, 1, "30%"),
        LikeParams(200, 1, 1, "30%"),
        LikeParams(50, 1, 1, "1"),
        LikeParams(100, 1, 1, "1"),
        LikeParams(200, 1, 1, "1"),
        LikeParams(100, 1, 2, "1"),
    ]


def label(params) -> str:
    return (f"mlt q={params.max_query_terms} tf>={params.min_term_freq} df>={params.min_doc_freq} "
            f"msm={params.minimum_should_match}")


# --- the cases and the index ---------------------------------------------------------------------

def first_sentence(text: str) -> str:
    head = re.split(r"[。\n]", text.strip(), maxsplit=1)[0].strip()
    return head[:100] or text[:100]


def seed(texts: list[str]) -> dict[str, int]:
    """One closed case per distinct text; text → case id."""
    from django.db import transaction
    from django.utils import timezone

    from casework.choices import DisputeType, Outcome, Rung, Status
    from casework.models import Case, CaseNumberCounter, Region, User

    grid = Region.objects.get(code=GRID)
    filer = User.objects.get(username="grid1")
    start = timezone.now().replace(microsecond=0) - dt.timedelta(days=2 * 365)
    cases = []
    for i, text in enumerate(texts):
        filed = start + dt.timedelta(hours=3 * i)
        cases.append(Case(
            number=f"330681-{timezone.localtime(filed):%Y%m%d}-9{i:03d}", title=first_sentence(text), description=text,
            dispute_type=DisputeType.CONTRACT, status=Status.CLOSED, outcome=Outcome.RESOLVED_VILLAGE,
            agreed_rung=Rung.VILLAGE, region=grid, region_path=grid.path, reported_by=filer, created_at=filed,
            updated_at=filed + dt.timedelta(days=20), closed_at=filed + dt.timedelta(days=20)))
    with transaction.atomic():
        Case.objects.bulk_create(cases)
        # Numbers end in 9xxx: a counter per day at 9999 keeps a later filing from reusing one.
        days = {timezone.localtime(c.created_at).date() for c in cases}
        CaseNumberCounter.objects.bulk_create([CaseNumberCounter(county_code="330681", day=d, last=9999) for d in days])
    return {c.description: c.pk for c in cases}


def _viewer():
    from casework.models import User

    return User.objects.get(username=VIEWER)


def pair(triplets: list[Triplet], ids: dict[str, int]) -> Score:
    """similar_cases(among=[B, C]): how the product ranks two given cases."""
    from search.selectors import similar_cases

    viewer, score, began = _viewer(), Score("similar_cases(among=[B, C])"), time.monotonic()
    for t in triplets:
        b, c = ids[t.b], ids[t.c]
        found = {hit.id: hit.score for hit in similar_cases(viewer=viewer, case_id=ids[t.a], among=[b, c], size=2).hits}
        score.add(found.get(b), found.get(c), t.label)
    score.seconds = time.monotonic() - began
    return score


def end_to_end(triplets: list[Triplet], ids: dict[str, int], params) -> Score:
    """similar_cases(case_id=A) over every case: B and C by their places in the answer."""
    from search import selectors

    size = getattr(selectors, "SIMILAR_CANDIDATES", 50)
    viewer, score, began = _viewer(), Score(f"similar_cases, top {size}, {label(params)}"), time.monotonic()
    for t in triplets:
        page = selectors.similar_cases(viewer=viewer, case_id=ids[t.a], size=size, params=params)
        place = {hit.id: -rank for rank, hit in enumerate(page.hits)}  # higher is better
        score.add(place.get(ids[t.b]), place.get(ids[t.c]), t.label)
    score.seconds = time.monotonic() - began
    return score


def mlt_only(triplets: list[Triplet], ids: dict[str, int], params) -> Score:
    """The engine's more_like_this score alone, restricted to B and C: how similar_cases ranked
    before it re-ranked candidates by TF-IDF cosine (f65d07a)."""
    from casework import permissions as perms
    from casework.choices import Outcome
    from casework.models import Case
    from search.backends import get_backend
    from search.documents import current_agreements, similarity_text
    from search.query import CaseQuery

    viewer, score, began = _viewer(), Score(f"more_like score only, {label(params)}"), time.monotonic()
    cases = Case.objects.prefetch_related(current_agreements()).in_bulk(list(ids.values()))
    scope = tuple(perms.scope_paths(viewer))
    backend = get_backend()
    for t in triplets:
        a, b, c = ids[t.a], ids[t.b], ids[t.c]
        query = CaseQuery(scope=scope, filters={"is_open": ("false",)}, exclude={"outcome": (Outcome.MERGED,)},
                          exclude_ids=(a,), ids=(b, c), size=2, facets=False, highlight=False)
        found = {hit.id: hit.score for hit in backend.more_like(similarity_text(cases[a]), query, params).hits}
        score.add(found.get(b), found.get(c), t.label)
    score.seconds = time.monotonic() - began
    return score


def run(args) -> list[tuple[str, Score]]:
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import override_settings

    from demo.topology import load_topology
    from search import indexing
    from search.backends import get_backend
    from search.words import words

    triplets = load_triplets(args.data)
    texts = list(dict.fromkeys(x for t in triplets for x in (t.a, t.b, t.c)))
    labels = collections.Counter(t.label for t in triplets)
    print(f"{args.data}: {len(triplets)} triplets ({labels['B']} B, {labels['C']} C), {len(texts)} distinct texts",
          flush=True)
    began = time.monotonic()
    call_command("migrate", verbosity=0)
    load_topology()
    ids = seed(texts)
    print(f"migrated, demo topology, {len(ids)} closed cases ({time.monotonic() - began:.0f}s)", flush=True)

    results: list[tuple[str, Score]] = []
    bigrams = Cosine(texts, char_bigrams)
    results.append(("-", baseline("tfidf-char-bigram cosine", triplets, bigrams)))
    body = Cosine(texts, lambda text: words(first_sentence(text)) + words(text))
    results.append(("-", baseline("tfidf-body-words cosine", triplets, body)))

    folder = Path(os.environ["FENGQIAO_VAR_DIR"])
    for engine in args.engines:
        stand_in = None
        overrides = {"ELASTICSEARCH_URL": "", "SEARCH_INDEX_DIR": folder / "search"}
        try:
            if engine == "elasticsearch":
                stand_in = StandIn(folder / "noida", folder / "noida.log")
                stand_in.wait_ready()
                overrides.update(ELASTICSEARCH_URL=stand_in.url, SEARCH_INDEX_NAME=ALIAS)
            with override_settings(**overrides):
                rebuilt = indexing.rebuild(backend=get_backend())
                print(f"[{engine}] rebuilt {rebuilt.cases} cases in {rebuilt.seconds:.1f}s", flush=True)
                runs = [lambda: pair(triplets, ids)]
                # On the stand-in the product's setting shows what there is to see (it finds nothing).
                for params in variants(args.grid) if engine == "embedded" else variants(False)[:1]:
                    runs.append(lambda params=params: end_to_end(triplets, ids, params))
                    if engine == "embedded":
                        runs.append(lambda params=params: mlt_only(triplets, ids, params))
                for measure in runs:
                    score = measure()
                    # Nothing found, or every pair tied (no term vectors): nothing was measured.
                    score.na = score.none == score.n or score.ties == score.n
                    print(f"[{engine}] {score.name}: "
                          f"{'n/a' if score.na else f'{score.accuracy:.3f}'} in {score.seconds:.0f}s", flush=True)
                    results.append((engine, score))
        finally:
            if stand_in:
                stand_in.stop()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True,
                        help="CAIL2019-SCM-small: upstream input.txt, or its balanced .jsonl / .jsonl.gz")
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--engines", default="embedded", help="comma-separated: embedded, elasticsearch")
    parser.add_argument("--grid", action="store_true", help="every combination of the parameters (96 variants)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    args.engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    if unknown := set(args.engines) - set(ENGINES):
        parser.error(f"unknown engine(s): {', '.join(sorted(unknown))}")
    if not args.data.is_file():
        parser.error(f"{args.data} is not a file: see the docstring for where the data comes from")
    args.data = args.data.resolve()

    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    print(machine_summary(), flush=True)
    version = code_version(ROOT)
    print(f"code: {version}", flush=True)
    began = time.monotonic()
    with fresh_database(args.backend, DATABASE_NAME) as env:
        os.environ.clear()
        os.environ.update(env)
        results = run(args)

    print()
    rows = [[engine, *score.row()] for engine, score in results]
    print(table(["engine", "ranker", "accuracy", "95% CI", "right", "ties", "both found", "one/none found",
                 "labelled found", "seconds"], rows))
    print("right: triplets where the labelled candidate ranks higher (a tie counts 0.5). both found, one/none found:\n"
          "in how many triplets the answer held both of B and C, one, or neither; labelled found: the more similar one\n"
          "was in it (always, for the baselines and among=[B, C]).")
    for kind in ("similar_cases, top", "more_like score only"):
        best = max((s for e, s in results if e == "embedded" and not s.na and s.name.startswith(kind)),
                   key=lambda s: s.accuracy, default=None)
        if best:
            print(f"best {kind}… on the embedded engine: {best.name} ({best.accuracy:.3f})")
    print(f"whole run {time.monotonic() - began:.0f}s", flush=True)
    if not same_code(code_version(ROOT), version):
        print(f"WARNING: the code changed during the run: {version} at the start, {code_version(ROOT)} at the end",
              flush=True)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps([{"engine": e, **asdict(s), "accuracy": None if s.na else s.accuracy}
                                         for e, s in results], indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main())
