"""The Elasticsearch backend, written with elasticsearch-dsl: used when ELASTICSEARCH_URL is set.

The live index is reached through an alias (`SEARCH_INDEX_NAME`); a rebuild loads a new
versioned index (`<alias>-<stamp>`) and swaps the alias in one atomic `_aliases` call, so
searches never see a half-built index. Writes carry the case version as an external version
(`external_gte`), so a slow worker can never put an older state of a case over a newer one.

Text fields are analysed twice: `case_text` (the built-in `cjk` analyser by default; `smartcn`
or `ik_max_word` when configured and the cluster has the plugin) feeds `body`, for relevance
and `more_like_this`; the `.chars` subfields hold one token per letter or digit, so that a query
term of any length — one character, a word, a case number — is a `match_phrase` over them.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import logging
import uuid
from collections import Counter
from collections.abc import Iterable

from elasticsearch import ApiError, Elasticsearch, TransportError, helpers
from elasticsearch_dsl import (
    Boolean,
    Date,
    Document,
    Index,
    Integer,
    Keyword,
    Long,
    Q,
    Search,
    Text,
    analyzer,
    tokenizer,
)

from search.documents import FACETS, SIMILARITY_FIELDS, TEXT_FIELDS
from search.query import SIMILAR, CaseQuery, Hit, LikeParams, Page, SearchUnavailable, merge_adjacent_em, term_key

log = logging.getLogger(__name__)

# One token per letter or digit, folded like the embedded backend's tokenizer.
CHARS = analyzer(
    "chars",
    tokenizer=tokenizer("chars", "pattern", pattern=r"[\p{L}\p{N}]", group=0),
    filter=["cjk_width", "asciifolding", "lowercase"],
)
# The segmenting analyser behind `body`, by configured name: (definition, plugin it needs).
ANALYZERS = {
    "cjk": (analyzer("case_text", type="cjk"), None),
    "smartcn": (analyzer("case_text", tokenizer="smartcn_tokenizer", filter=["lowercase"]), "analysis-smartcn"),
    "ik": (analyzer("case_text", tokenizer="ik_max_word", filter=["lowercase"]), "analysis-ik"),
}
SOURCE = ["id", "number", "title", "status", "dispute_type", "outcome"]
HIGHLIGHTED = ("title", "description")


def _text(*, similar: bool) -> Text:
    options = {"copy_to": "body"} if similar else {}
    return Text(analyzer="case_text", fields={"chars": Text(analyzer=CHARS)}, **options)


class CaseDocument(Document):
    """A case as the index holds it (search.documents.case_document builds the values)."""

    id = Integer()
    version = Integer()
    number = Keyword(fields={"chars": Text(analyzer=CHARS)})
    title = _text(similar=True)
    description = _text(similar=True)
    agreement = _text(similar=True)
    address = _text(similar=False)
    parties = Keyword(fields={"chars": Text(analyzer=CHARS)})
    body = Text(analyzer="case_text")  # title + description + agreement, segmented
    party_keys = Keyword()  # keyed hashes of ID numbers and phones: never the numbers
    dispute_type = Keyword()
    status = Keyword()
    outcome = Keyword()
    risk_level = Keyword()
    source = Keyword()
    rung = Keyword()
    is_open = Boolean()
    region = Keyword()
    village = Keyword()
    township = Keyword()
    scope = Keyword()  # every enclosing region path: jurisdiction is one `terms` filter
    mediators = Keyword()
    year = Keyword()
    filed_at = Date()
    recency = Long()  # search.documents.recency: newest first, the same order in both engines
    closed_at = Date()
    due_at = Date()


def index_definition(name: str, analyzer_name: str = "cjk", *, replicas: int = 1) -> Index:
    index = Index(name)
    index.settings(number_of_shards=1, number_of_replicas=replicas)
    index.analyzer(ANALYZERS[analyzer_name][0])
    index.document(CaseDocument)
    return index


@contextlib.contextmanager
def engine_errors():
    """An engine that is down, overloaded or unreachable is SearchUnavailable; anything else is a bug."""
    try:
        yield
    except ApiError as exc:
        if exc.status_code in (429, 502, 503, 504):
            raise SearchUnavailable(str(exc)) from exc
        raise
    except TransportError as exc:  # connection refused, timeout, TLS…
        raise SearchUnavailable(str(exc)) from exc


# Searches must answer fast or not at all (the API then says 503); maintenance calls on a whole
# index — bulk loads, refresh, settings, alias swaps, deletes — may take minutes on a busy cluster.
MAINTENANCE_TIMEOUT = 300.0


class ElasticBackend:
    name = "elasticsearch"

    def __init__(self, url: str, *, alias: str, analyzer_name: str = "cjk", replicas: int = 1, timeout: float = 5.0):
        self.client = Elasticsearch(url, request_timeout=timeout, max_retries=0, retry_on_timeout=False)
        self.maintenance = self.client.options(request_timeout=MAINTENANCE_TIMEOUT)
        self.alias = alias
        self.analyzer_name = analyzer_name
        self.replicas = replicas

    # --- generations -------------------------------------------------------------------------

    def _analyzer(self) -> str:
        """The configured analyser when the cluster has its plugin; `cjk` otherwise."""
        plugin = ANALYZERS[self.analyzer_name][1]
        if plugin is None:
            return self.analyzer_name
        installed = {row.get("component") for row in self.client.cat.plugins(format="json")}
        if plugin in installed:
            return self.analyzer_name
        log.warning("search analyser %s needs the %s plugin, which the cluster lacks: using cjk",
                    self.analyzer_name, plugin)
        return "cjk"

    def create_generation(self) -> ElasticGeneration:
        with engine_errors():
            name = f"{self.alias}-{dt.datetime.now(dt.UTC):%Y%m%d%H%M%S}-{uuid.uuid4().hex[:6]}"
            definition = index_definition(name, self._analyzer(), replicas=0)
            # Loading is faster without refreshes or replicas; publish() restores both.
            definition.settings(refresh_interval="-1")
            definition.create(using=self.maintenance)
            return ElasticGeneration(self, name)

    def _ensure_alias(self) -> None:
        if not self.client.indices.exists_alias(name=self.alias):
            generation = self.create_generation()
            generation.publish()

    def publish(self, name: str) -> None:
        with engine_errors():
            self.maintenance.indices.put_settings(index=name, settings={
                "index": {"refresh_interval": None, "number_of_replicas": self.replicas}})
            self.maintenance.indices.refresh(index=name)
            old = list(self.client.indices.get_alias(name=self.alias)) if self.client.indices.exists_alias(
                name=self.alias) else []
            actions = [{"remove": {"index": index, "alias": self.alias}} for index in old]
            actions.append({"add": {"index": name, "alias": self.alias, "is_write_index": True}})
            self.maintenance.indices.update_aliases(actions=actions)
            for index in old:
                if index != name:
                    self.maintenance.indices.delete(index=index, ignore_unavailable=True)

    def indices(self) -> list[str]:
        with engine_errors():
            return sorted(self.client.indices.get_alias(name=self.alias)) if self.client.indices.exists_alias(
                name=self.alias) else []

    def drop(self) -> None:
        """Delete the alias's indices and every generation left by an interrupted rebuild."""
        with engine_errors():
            # By name: clusters refuse wildcard deletes (action.destructive_requires_name).
            names = list(self.client.indices.get(index=f"{self.alias}-*", allow_no_indices=True))
            for name in names:
                self.maintenance.indices.delete(index=name, ignore_unavailable=True)

    # --- writing -----------------------------------------------------------------------------

    def _actions(self, docs: Iterable[dict], index: str) -> Iterable[dict]:
        for doc in docs:
            yield {"_op_type": "index", "_index": index, "_id": str(doc["id"]), "version": doc["version"],
                   "version_type": "external_gte", "_source": doc}

    def _bulk(self, docs: Iterable[dict], index: str, *, refresh: bool, client=None) -> int:
        written = 0
        with engine_errors():
            for ok, item in helpers.streaming_bulk(client or self.client, self._actions(docs, index), chunk_size=500,
                                                   raise_on_error=False, raise_on_exception=True,
                                                   refresh="wait_for" if refresh else False):
                result = item["index"]
                if ok:
                    written += 1
                elif result.get("status") != 409:  # 409: the index already holds a newer version
                    raise RuntimeError(f"indexing case {result.get('_id')} failed: {result.get('error')}")
        return written

    def index(self, docs: Iterable[dict]) -> int:
        docs = list(docs)
        if not docs:
            return 0
        with engine_errors():
            self._ensure_alias()
        return self._bulk(docs, self.alias, refresh=True)

    def delete(self, ids: Iterable[int]) -> None:
        with engine_errors():
            for case_id in ids:
                self.client.options(ignore_status=404).delete(index=self.alias, id=str(case_id), refresh=True)

    def versions(self) -> dict[int, int]:
        with engine_errors():
            self._ensure_alias()
            search = Search(using=self.client, index=self.alias).source(["id", "version"]).params(size=1000)
            return {int(hit.id): int(hit.version) for hit in search.scan()}

    # --- reading -----------------------------------------------------------------------------

    def search(self, query: CaseQuery) -> Page:
        must = [self._term(term) for term in query.terms]
        should = [Q("match", body=" ".join(query.terms))] if query.terms else []
        return self._run(must, should, query, ranked=bool(query.terms))

    def more_like(self, like: dict[str, str], query: CaseQuery, params: LikeParams = SIMILAR) -> Page:
        similar = self._like_clause(like, params)
        if similar is None:
            return Page(count=0, hits=[], facets={})
        return self._run([similar], [], query, ranked=True)

    @staticmethod
    def _like_clause(like: dict[str, str], params: LikeParams) -> Q | None:
        text = "\n".join(like.get(name, "") for name in SIMILARITY_FIELDS if like.get(name)).strip()
        if not text:
            return None
        return Q("more_like_this", fields=["body"], like=[text], max_query_terms=params.max_query_terms,
                 min_term_freq=params.min_term_freq, min_doc_freq=params.min_doc_freq,
                 minimum_should_match=params.minimum_should_match)

    def term_vectors(self, like: dict[str, str], ids: list[int]) -> tuple[Counter, dict[int, Counter], dict[str, int], int]:
        """The `body` terms with their counts of the text `like` (an artificial document) and of
        the indexed cases `ids`, with their document frequencies: the multi term vectors API."""
        text = "\n".join(like.get(name, "") for name in SIMILARITY_FIELDS if like.get(name))
        options = {"fields": ["body"], "term_statistics": True, "field_statistics": True,
                   "positions": False, "offsets": False}
        docs = [{"doc": {"body": text}, **options}] + [{"_id": str(i), **options} for i in ids]
        with engine_errors():
            self._ensure_alias()
            response = self.client.mtermvectors(index=self.alias, docs=docs)
        counts, df, total = [], {}, 0
        for doc in response["docs"]:
            vectors = doc.get("term_vectors", {}).get("body", {})
            total = max(total, vectors.get("field_statistics", {}).get("doc_count", 0))
            terms = vectors.get("terms", {})
            counts.append(Counter({term: stats["term_freq"] for term, stats in terms.items()}))
            for term, stats in terms.items():
                df[term] = max(df.get(term, 0), stats.get("doc_freq", 0))
        held = {int(doc["_id"]): count for doc, count in zip(response["docs"][1:], counts[1:], strict=True)
                if doc.get("found", True)}
        return counts[0], held, df, total

    @staticmethod
    def _term(term: str) -> Q:
        alternatives = [Q("match_phrase", **{f"{name}.chars": term}) for name in TEXT_FIELDS]
        key = term_key(term)
        if key:
            alternatives.append(Q("term", party_keys=key))
        return Q("bool", should=alternatives, minimum_should_match=1)

    def compile(self, must: list, should: list, query: CaseQuery, *, ranked: bool) -> Search:
        """The request for `query`, without running it (the JSON-shape tests read it)."""
        filters = [Q("terms", scope=list(query.scope))]
        filters += [Q("terms", **{name: list(values)}) for name, values in query.filters.items()]
        must_not = [Q("terms", **{name: list(values)}) for name, values in query.exclude.items()]
        if query.ids is not None:
            filters.append(Q("ids", values=[str(i) for i in query.ids]))
        if query.exclude_ids:
            must_not.append(Q("ids", values=[str(i) for i in query.exclude_ids]))
        if query.filed_from or query.filed_before:
            bounds = {}
            if query.filed_from:
                bounds["gte"] = query.filed_from.isoformat()
            if query.filed_before:
                bounds["lt"] = query.filed_before.isoformat()
            filters.append(Q("range", filed_at=bounds))
        if query.overdue is not None:
            overdue = Q("bool", filter=[Q("term", is_open=True), Q("range", due_at={"lt": query.now.isoformat()})])
            (filters if query.overdue else must_not).append(overdue)
        search = Search(using=self.client, index=self.alias).query(
            Q("bool", must=must, should=should, filter=filters, must_not=must_not))
        search = search.extra(track_total_hits=True, from_=query.offset, size=query.size).source(SOURCE)
        search = search.sort("_score", "-recency") if ranked else search.sort("-recency")
        if query.highlight and query.terms:
            search = search.highlight(*[f"{name}.chars" for name in HIGHLIGHTED], number_of_fragments=1,
                                      fragment_size=80, no_match_size=0)
            search = search.highlight_options(pre_tags=["<em>"], post_tags=["</em>"], encoder="html")
        if query.facets:
            for name in FACETS:
                search.aggs.bucket(name, "terms", field=name, size=500)
        return search

    def _run(self, must: list, should: list, query: CaseQuery, *, ranked: bool) -> Page:
        with engine_errors():
            self._ensure_alias()
            response = self.compile(must, should, query, ranked=ranked).execute()
        hits = []
        for hit in response.hits:
            highlight = {}
            for name in HIGHLIGHTED:
                fragments = getattr(getattr(hit.meta, "highlight", None), f"{name}.chars", None) if hasattr(
                    hit.meta, "highlight") else None
                if fragments:
                    highlight[name] = merge_adjacent_em(fragments[0])
            hits.append(Hit(
                id=int(hit.id), score=float(hit.meta.score) if ranked and hit.meta.score is not None else None,
                number=hit.number, title=hit.title, status=hit.status, dispute_type=hit.dispute_type,
                outcome=getattr(hit, "outcome", "") or "", highlight=highlight,
            ))
        facets = {}
        if query.facets:
            facets = {name: {str(b.key): b.doc_count for b in getattr(response.aggregations, name).buckets
                             if str(b.key) != ""} for name in FACETS}
        return Page(count=response.hits.total.value, hits=hits, facets=facets)


class ElasticGeneration:
    """A versioned index being loaded by a rebuild; published by swapping the alias onto it."""

    def __init__(self, backend: ElasticBackend, name: str):
        self.backend = backend
        self.name = name

    def bulk(self, docs: Iterable[dict]) -> int:
        return self.backend._bulk(docs, self.name, refresh=False, client=self.backend.maintenance)

    def publish(self) -> None:
        self.backend.publish(self.name)

    def discard(self) -> None:
        with engine_errors():
            self.backend.maintenance.indices.delete(index=self.name, ignore_unavailable=True)

    def size_on_disk(self) -> int:
        with engine_errors():
            stats = self.backend.client.indices.stats(index=self.name, metric="store")
            return int(stats["indices"][self.name]["total"]["store"]["size_in_bytes"])
