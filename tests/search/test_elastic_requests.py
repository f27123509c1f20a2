"""The requests the Elasticsearch backend sends, checked against what Elasticsearch's reference
documents for each feature — without a cluster. This is where a feature the noida-db stand-in
lacks (tests/search/engines.py STAND_IN_GAPS) is still held to Elasticsearch's contract."""
from __future__ import annotations

import datetime as dt

from search.backends.elastic import ElasticBackend, index_definition
from search.documents import SIMILARITY_FIELDS
from search.query import CaseQuery, LikeParams

NOW = dt.datetime(2026, 6, 1, 8, 0, tzinfo=dt.UTC)


def backend() -> ElasticBackend:
    return ElasticBackend("http://127.0.0.1:9", alias="cases")  # never contacted


def test_the_index_analyses_chinese_twice_and_copies_the_story_into_body():
    body = index_definition("cases-1").to_dict()
    analysis = body["settings"]["analysis"]
    # Built-in cjk analyser by default (reference: "cjk analyzer").
    assert analysis["analyzer"]["case_text"] == {"type": "cjk"}
    # One token per letter or digit (reference: pattern tokenizer, `group` 0 = whole match).
    assert analysis["tokenizer"]["chars"] == {"type": "pattern", "pattern": r"[\p{L}\p{N}]", "group": 0}
    assert analysis["analyzer"]["chars"] == {"type": "custom", "tokenizer": "chars",
                                             "filter": ["cjk_width", "asciifolding", "lowercase"]}
    properties = body["mappings"]["properties"]
    # copy_to (reference: mapping parameter copy_to) fills `body`, which more_like_this reads.
    for name in SIMILARITY_FIELDS:
        assert properties[name]["copy_to"] == "body"
        assert properties[name]["fields"]["chars"] == {"type": "text", "analyzer": "chars"}
    assert properties["body"] == {"type": "text", "analyzer": "case_text"}
    assert "copy_to" not in properties["address"]
    for keyword in ("scope", "party_keys", "status", "dispute_type", "outcome", "township", "village", "year"):
        assert properties[keyword] == {"type": "keyword"}
    assert properties["recency"] == {"type": "long"}
    assert properties["filed_at"] == {"type": "date"}


def test_plugin_analysers_when_configured():
    smartcn = index_definition("x", "smartcn").to_dict()["settings"]["analysis"]["analyzer"]["case_text"]
    assert smartcn == {"type": "custom", "tokenizer": "smartcn_tokenizer", "filter": ["lowercase"]}
    ik = index_definition("x", "ik").to_dict()["settings"]["analysis"]["analyzer"]["case_text"]
    assert ik == {"type": "custom", "tokenizer": "ik_max_word", "filter": ["lowercase"]}


def test_a_search_request():
    query = CaseQuery(scope=("330681.108",), terms=("漏水", "3000元"), filters={"status": ("closed",)},
                      exclude={"mediators": ("7",)}, overdue=False, now=NOW, offset=20, size=10)
    request = backend().compile([backend()._term(t) for t in query.terms], [], query, ranked=True).to_dict()
    must = request["query"]["bool"]["must"]
    assert must[0] == {"bool": {"minimum_should_match": 1, "should": [
        {"match_phrase": {f"{name}.chars": "漏水"}} for name in
        ("number", "title", "description", "parties", "address", "agreement")]}}
    bool_ = request["query"]["bool"]
    assert {"terms": {"scope": ["330681.108"]}} in bool_["filter"]
    assert {"terms": {"status": ["closed"]}} in bool_["filter"]
    assert {"terms": {"mediators": ["7"]}} in bool_["must_not"]
    assert {"bool": {"filter": [{"term": {"is_open": True}}, {"range": {"due_at": {"lt": NOW.isoformat()}}}]}} \
        in bool_["must_not"]
    assert request["from"] == 20 and request["size"] == 10 and request["track_total_hits"] is True
    assert request["sort"] == ["_score", {"recency": {"order": "desc"}}]
    assert request["aggs"]["township"] == {"terms": {"field": "township", "size": 500}}
    highlight = request["highlight"]
    assert highlight["pre_tags"] == ["<em>"] and highlight["post_tags"] == ["</em>"] and highlight["encoder"] == "html"
    assert set(highlight["fields"]) == {"title.chars", "description.chars"}


def test_a_phone_term_also_matches_the_party_key():
    clause = backend()._term("13912345678").to_dict()
    assert any("term" in c and "party_keys" in c["term"] for c in clause["bool"]["should"])


def test_a_more_like_this_request():
    """Reference: more_like_this takes `fields`, `like` (documents or free text), and the term
    selection parameters max_query_terms, min_term_freq, min_doc_freq, minimum_should_match."""
    es = backend()
    query = CaseQuery(scope=("330681",), filters={"is_open": ("false",)}, exclude_ids=(5,), size=3, facets=False,
                      highlight=False)
    params = LikeParams(max_query_terms=30, min_term_freq=1, min_doc_freq=2, minimum_should_match="20%")
    like = {"title": "赡养纠纷", "description": "子女不付赡养费", "agreement": "每月付500元"}
    from elasticsearch_dsl import Q

    similar = Q("more_like_this", fields=["body"], like=["赡养纠纷\n子女不付赡养费\n每月付500元"], max_query_terms=30,
                min_term_freq=1, min_doc_freq=2, minimum_should_match="20%")
    request = es.compile([similar], [], query, ranked=True).to_dict()
    assert request["query"]["bool"]["must"] == [{"more_like_this": {
        "fields": ["body"], "like": ["赡养纠纷\n子女不付赡养费\n每月付500元"], "max_query_terms": 30,
        "min_term_freq": 1, "min_doc_freq": 2, "minimum_should_match": "20%"}}]
    assert {"ids": {"values": ["5"]}} in request["query"]["bool"]["must_not"]
    assert {"terms": {"is_open": ["false"]}} in request["query"]["bool"]["filter"]
    # What more_like() itself builds is that same clause.
    built = es._like_clause(like, params).to_dict()
    assert built == request["query"]["bool"]["must"][0]


def test_bulk_actions_carry_the_case_version_as_an_external_version():
    action = next(backend()._actions([{"id": 3, "version": 7}], "cases"))
    # Reference (bulk API / index API): version with version_type external_gte.
    assert action == {"_op_type": "index", "_index": "cases", "_id": "3", "version": 7,
                      "version_type": "external_gte", "_source": {"id": 3, "version": 7}}
