"""The embedded backend: a tantivy index in a folder under the data directory, the default when
no Elasticsearch is configured. Nothing to install or run beside the product.

Layout of `SEARCH_INDEX_DIR`:
    current            the name of the live generation (the embedded "alias"), replaced atomically
    cases-<stamp>/     a generation: one tantivy index
    .lock              held while writing or swapping, so a write never lands in a retired generation

Text fields are tokenized the way the Elasticsearch backend's `chars` analyser does (one token
per letter or digit, folded, lower case) so a query term is a phrase over them; `body` holds the
jieba words of the title, description and agreement, for relevance and for similar cases.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import logging
import math
import os
import shutil
import threading
import uuid
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import tantivy
from tantivy import Document, FieldType, Filter, Occur, PreTokenizedString, Query, TextAnalyzerBuilder, Token, Tokenizer

from search.documents import FACETS, SIMILARITY_FIELDS, TEXT_FIELDS
from search.query import SIMILAR, CaseQuery, Hit, LikeParams, Page, SearchUnavailable, highlight, term_key, tokens
from search.words import words

log = logging.getLogger(__name__)

KEYWORDS = ("dispute_type", "status", "outcome", "risk_level", "source", "rung", "region", "village", "township",
            "scope", "year", "party_keys", "is_open", "mediators", "parties")
DATES = ("filed_at", "closed_at", "due_at")
STORED = ("number", "title", "description", "status", "dispute_type", "outcome")
CHARS = "chars"
WRITER_HEAP = 50_000_000


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("id", stored=True, indexed=True, fast=True)
    builder.add_integer_field("version", stored=True, indexed=False, fast=True)
    builder.add_integer_field("recency", stored=False, indexed=False, fast=True)
    for name in TEXT_FIELDS:
        builder.add_text_field(name, stored=name in STORED, tokenizer_name=CHARS)
    builder.add_text_field("body", stored=False, tokenizer_name="raw", index_option="freq")
    builder.add_bytes_field("body_words", stored=True)  # the words of `body`, for similar-case ranking
    for name in KEYWORDS:
        builder.add_text_field(f"k_{name}", stored=name in STORED, tokenizer_name="raw", fast=True)
    for name in DATES:
        builder.add_date_field(name, stored=False, indexed=True, fast=True)
    return builder.build()


SCHEMA = _schema()


def _analyzer():
    # The Elasticsearch backend's `chars` analyser: pattern [\p{L}\p{N}], asciifolding, lowercase.
    return TextAnalyzerBuilder(Tokenizer.regex(r"[\p{L}\p{N}]")).filter(Filter.ascii_fold()).filter(Filter.lowercase()).build()


def _date(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def _body(doc: dict) -> list[str]:
    return [w for name in SIMILARITY_FIELDS for w in words(doc[name])]


def _tantivy_document(doc: dict) -> Document:
    out = Document()
    out.add_integer("id", doc["id"])
    out.add_integer("version", doc["version"])
    out.add_integer("recency", doc["recency"])
    for name in TEXT_FIELDS:
        values = doc[name] if isinstance(doc[name], list) else [doc[name]]
        for value in values:
            out.add_text(name, value)
    body = _body(doc)
    out.add_pre_tokenized_text("body", PreTokenizedString("", [Token(w, i, 0, 0) for i, w in enumerate(body)]))
    out.add_bytes("body_words", " ".join(body).encode())
    for name in KEYWORDS:
        value = doc[name]
        for item in value if isinstance(value, list) else [value]:
            out.add_text(f"k_{name}", str(item).lower() if isinstance(item, bool) else str(item))
    for name in DATES:
        if doc[name]:
            out.add_date(name, _date(doc[name]))
    return out


class Generation:
    """One tantivy index in its own folder; `writer()` is held by one process at a time."""

    def __init__(self, path: Path):
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        self.index = tantivy.Index(SCHEMA, path=str(path))
        self.index.register_tokenizer(CHARS, _analyzer())
        self._writer = None

    def writer(self):
        if self._writer is None:
            try:
                self._writer = self.index.writer(heap_size=WRITER_HEAP, num_threads=1)
            except ValueError as exc:  # another process holds the writer lock
                raise SearchUnavailable(f"the search index is being written by another process: {exc}") from exc
        return self._writer

    def close(self) -> None:
        if self._writer is not None:
            self._writer.wait_merging_threads()
            self._writer = None


class EmbeddedBackend:
    name = "embedded"

    def __init__(self, root: Path):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self._live: Generation | None = None
        self._lock = threading.RLock()
        self._held = threading.local()

    # --- generations -------------------------------------------------------------------------

    @property
    def _pointer(self) -> Path:
        return self.root / "current"

    def _live_name(self) -> str | None:
        try:
            return self._pointer.read_text().strip() or None
        except FileNotFoundError:
            return None

    @contextlib.contextmanager
    def _dir_lock(self):
        """The folder's lock between processes (flock), taken once by a thread that nests it."""
        if getattr(self._held, "depth", 0):
            self._held.depth += 1
            try:
                yield
            finally:
                self._held.depth -= 1
            return
        with open(self.root / ".lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            self._held.depth = 1
            try:
                yield
            finally:
                self._held.depth = 0
                fcntl.flock(handle, fcntl.LOCK_UN)

    def live(self) -> Generation:
        """The live generation, reopened when a rebuild has swapped another in; created if none.
        SearchUnavailable when its folder or index cannot be opened (a full or read-only disk)."""
        try:
            return self._open_live()
        except OSError as exc:
            raise SearchUnavailable(f"the search index cannot be opened: {exc}") from exc

    def _open_live(self) -> Generation:
        with self._lock:
            name = self._live_name()
            if name is None:
                with self._dir_lock():
                    name = self._live_name()
                    if name is None:
                        name = self._new_name()
                        Generation(self.root / name)
                        self._swap_pointer(name)
            if self._live is None or self._live.path.name != name:
                if self._live is not None:
                    self._live.close()
                try:
                    self._live = Generation(self.root / name)
                except ValueError as exc:
                    if "schema" not in str(exc).lower():
                        raise
                    self._live = self._replace_outdated(name)
            return self._live

    def _replace_outdated(self, name: str) -> Generation:
        """A generation written by an older version of this code (another schema): start a new,
        empty one; the workers' first round (search.indexing.drain_outbox_job) fills it."""
        log.warning("the search index %s has an older schema: starting a new one; the background "
                    "workers refill it (or run `manage.py search_index --rebuild`)", name)
        with self._dir_lock():
            fresh = Generation(self.root / self._new_name())
            self.publish(fresh)
        return fresh

    def _new_name(self) -> str:
        return f"cases-{dt.datetime.now(dt.UTC):%Y%m%d%H%M%S}-{uuid.uuid4().hex[:6]}"

    def _swap_pointer(self, name: str) -> None:
        tmp = self.root / f".current-{uuid.uuid4().hex}"
        tmp.write_text(name)
        os.replace(tmp, self._pointer)

    def create_generation(self) -> EmbeddedGeneration:
        return EmbeddedGeneration(self, self.root / self._new_name())

    def publish(self, generation: Generation) -> None:
        with self._lock, self._dir_lock():
            old = self._live_name()
            self._swap_pointer(generation.path.name)
        if old and old != generation.path.name:
            shutil.rmtree(self.root / old, ignore_errors=True)

    # --- writing -----------------------------------------------------------------------------

    def index(self, docs: Iterable[dict]) -> int:
        """Upsert the documents into the live generation; one never replaces a newer version."""
        docs = list(docs)
        if not docs:
            return 0
        with self._lock, self._dir_lock():
            live = self.live()
            live.index.reload()
            searcher = live.index.searcher()
            writer = live.writer()
            written = 0
            for doc in docs:
                held = self._version(searcher, doc["id"])
                if held is not None and held > doc["version"]:
                    continue
                writer.delete_documents_by_term("id", doc["id"])
                writer.add_document(_tantivy_document(doc))
                written += 1
            writer.commit()
            live.index.reload()
            return written

    def delete(self, ids: Iterable[int]) -> None:
        with self._lock, self._dir_lock():
            live = self.live()
            writer = live.writer()
            for case_id in ids:
                writer.delete_documents_by_term("id", case_id)
            writer.commit()
            live.index.reload()

    @staticmethod
    def _version(searcher, case_id: int) -> int | None:
        result = searcher.search(Query.term_query(SCHEMA, "id", case_id), 1, count=False)
        if not result.hits:
            return None
        return searcher.doc(result.hits[0][1])["version"][0]

    def versions(self) -> dict[int, int]:
        live = self.live()
        live.index.reload()
        searcher = live.index.searcher()
        result = searcher.search(Query.all_query(), max(searcher.num_docs, 1), count=False)
        out = {}
        for _, address in result.hits:
            doc = searcher.doc(address)
            out[doc["id"][0]] = doc["version"][0]
        return out

    # --- reading -----------------------------------------------------------------------------

    def _searcher(self):
        live = self.live()
        live.index.reload()
        return live.index.searcher()

    def search(self, query: CaseQuery) -> Page:
        searcher = self._searcher()
        must = [(Occur.Must, self._term(term)) for term in query.terms]
        if query.terms:
            relevance = [w for term in query.terms for w in words(term)]
            if relevance:
                must.append((Occur.Should, Query.boolean_query(
                    [(Occur.Should, Query.term_query(SCHEMA, "body", w)) for w in dict.fromkeys(relevance)])))
        compiled = self._filtered(must, query)
        return self._page(searcher, compiled, query, ranked=bool(query.terms))

    def more_like(self, like: dict[str, str], query: CaseQuery, params: LikeParams = SIMILAR) -> Page:
        searcher = self._searcher()
        counts = Counter(w for name in SIMILARITY_FIELDS for w in words(like.get(name, "")))
        total = max(searcher.num_docs, 1)
        scored = []
        for term, tf in counts.items():
            if tf < params.min_term_freq:
                continue
            df = searcher.doc_freq("body", term)
            if df < params.min_doc_freq:
                continue
            # Lucene's classic idf, as more_like_this ranks the terms of the document it starts from.
            scored.append((tf * (1 + math.log(total / (df + 1))), term))
        scored.sort(reverse=True)
        picked = [term for _, term in scored[: params.max_query_terms]]
        if not picked:
            return Page(count=0, hits=[], facets={})
        should = [(Occur.Should, Query.term_query(SCHEMA, "body", term)) for term in picked]
        needed = _minimum_should_match(params.minimum_should_match, len(picked))
        similar = Query.boolean_query(should, minimum_number_should_match=needed)
        compiled = self._filtered([(Occur.Must, similar)], query)
        return self._page(searcher, compiled, query, ranked=True)

    def term_vectors(self, like: dict[str, str], ids: list[int]) -> tuple[Counter, dict[int, Counter], dict[str, int], int]:
        """The `body` terms with their counts of the text `like` and of the indexed cases `ids`,
        each term's document frequency in the index, and the number of documents: what a
        TF-IDF comparison needs."""
        searcher = self._searcher()
        start = Counter(w for name in SIMILARITY_FIELDS for w in words(like.get(name, "")))
        held = {}
        if ids:
            result = searcher.search(_ids(ids), len(ids), count=False)
            for _, address in result.hits:
                doc = searcher.doc(address)
                held[doc["id"][0]] = Counter(bytes(doc["body_words"][0]).decode().split())
        terms = set(start).union(*held.values())
        return start, held, {term: searcher.doc_freq("body", term) for term in terms}, searcher.num_docs

    # --- compiling a CaseQuery -----------------------------------------------------------------

    @staticmethod
    def _term(term: str) -> Query:
        """A term occurs in one of the text fields, as a phrase of its character tokens."""
        parts = tokens(term)
        alternatives = [
            (Occur.Should, Query.phrase_query(SCHEMA, name, parts) if len(parts) > 1
             else Query.term_query(SCHEMA, name, parts[0]))
            for name in TEXT_FIELDS
        ]
        key = term_key(term)
        if key:
            alternatives.append((Occur.Should, Query.term_query(SCHEMA, "k_party_keys", key)))
        return Query.boolean_query(alternatives)

    @staticmethod
    def _filtered(clauses: list, query: CaseQuery) -> Query:
        filters = [(Occur.Must, Query.const_score_query(Query.term_set_query(SCHEMA, "k_scope", list(query.scope)), 0.0))]
        for name, values in query.filters.items():
            filters.append((Occur.Must, Query.const_score_query(
                Query.term_set_query(SCHEMA, f"k_{name}", [str(v) for v in values]), 0.0)))
        for name, values in query.exclude.items():
            filters.append((Occur.MustNot, Query.term_set_query(SCHEMA, f"k_{name}", [str(v) for v in values])))
        if query.ids is not None:
            filters.append((Occur.Must, _ids(query.ids)))
        if query.exclude_ids:
            filters.append((Occur.MustNot, _ids(query.exclude_ids)))
        if query.filed_from or query.filed_before:
            filters.append((Occur.Must, Query.range_query(
                SCHEMA, "filed_at", FieldType.Date, query.filed_from, query.filed_before,
                include_upper=query.filed_before is None)))
        if query.overdue is not None:
            overdue = Query.boolean_query([
                (Occur.Must, Query.term_query(SCHEMA, "k_is_open", "true")),
                (Occur.Must, Query.range_query(SCHEMA, "due_at", FieldType.Date, None, query.now, include_upper=False)),
            ])
            filters.append((Occur.Must if query.overdue else Occur.MustNot, overdue))
        return Query.boolean_query(clauses + filters)

    def _page(self, searcher, compiled: Query, query: CaseQuery, *, ranked: bool) -> Page:
        if ranked:
            result = searcher.search(compiled, query.size, count=True, offset=query.offset)
        else:
            result = searcher.search(compiled, query.size, count=True, offset=query.offset,
                                     order_by_field="recency", order=tantivy.Order.Desc)
        hits = []
        for score, address in result.hits:
            doc = searcher.doc(address)
            first = {name: (doc[name] or [""])[0] for name in ("number", "title", "description")}
            hit = Hit(
                id=doc["id"][0], score=float(score) if ranked else None, number=first["number"],
                title=first["title"], status=doc["k_status"][0], dispute_type=doc["k_dispute_type"][0],
                outcome=(doc["k_outcome"] or [""])[0],
            )
            if query.highlight and query.terms:
                for name in ("title", "description"):
                    fragment = highlight(first[name], query.terms)
                    if fragment:
                        hit.highlight[name] = fragment
            hits.append(hit)
        facets = {}
        if query.facets:
            aggs = searcher.aggregate(compiled, {
                name: {"terms": {"field": f"k_{name}", "size": 500}} for name in FACETS
            })
            facets = {name: {b["key"]: b["doc_count"] for b in aggs[name]["buckets"] if b["key"] != ""}
                      for name in FACETS}
        return Page(count=result.count, hits=hits, facets=facets)


class EmbeddedGeneration:
    """A generation being built by a rebuild: bulk-loaded without version checks, then published."""

    def __init__(self, backend: EmbeddedBackend, path: Path):
        self.backend = backend
        self.generation = Generation(path)
        self.writer = self.generation.writer()

    def bulk(self, docs: Iterable[dict]) -> int:
        count = 0
        for doc in docs:
            self.writer.add_document(_tantivy_document(doc))
            count += 1
        return count

    def publish(self) -> None:
        self.writer.commit()
        self.generation.close()
        self.backend.publish(self.generation)

    def discard(self) -> None:
        self.generation.close()
        shutil.rmtree(self.generation.path, ignore_errors=True)

    def size_on_disk(self) -> int:
        return sum(f.stat().st_size for f in self.generation.path.rglob("*") if f.is_file())


def _ids(ids: Iterable[int]) -> Query:
    return Query.const_score_query(
        Query.boolean_query([(Occur.Should, Query.term_query(SCHEMA, "id", i)) for i in ids] or
                            [(Occur.Must, Query.empty_query())]), 0.0)


def _minimum_should_match(spec: str, clauses: int) -> int:
    """Elasticsearch's minimum_should_match for a percentage ("30%") or a count ("3")."""
    if spec.endswith("%"):
        return max(1, int(clauses * int(spec[:-1]) / 100))
    return max(1, min(clauses, int(spec)))
