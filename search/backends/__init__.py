"""The search engine behind `search.selectors`: Elasticsearch when ELASTICSEARCH_URL is set, the
embedded tantivy index otherwise. Both give the same answers (tests/search/test_conformance.py)."""
from __future__ import annotations

import functools

from django.conf import settings

from search.query import SearchUnavailable


def get_backend():
    """The configured engine; SearchUnavailable when it cannot be opened at all (the embedded
    index's folder cannot be made: a full or read-only disk, a file in its way)."""
    try:
        return _backend(settings.ELASTICSEARCH_URL, settings.SEARCH_INDEX_NAME, str(settings.SEARCH_INDEX_DIR),
                        settings.SEARCH_ANALYZER, settings.ELASTICSEARCH_REPLICAS)
    except OSError as exc:
        raise SearchUnavailable(f"the search index cannot be opened: {exc}") from exc


@functools.lru_cache(maxsize=8)
def _backend(url: str, alias: str, folder: str, analyzer_name: str, replicas: int):
    if url:
        from search.backends.elastic import ElasticBackend

        return ElasticBackend(url, alias=alias, analyzer_name=analyzer_name, replicas=replicas)
    from search.backends.embedded import EmbeddedBackend

    return EmbeddedBackend(folder)
