"""The search engines a test can run against: the embedded index always, Elasticsearch when
ELASTICSEARCH_URL is set for the test run (CI: the noida-db stand-in)."""
from __future__ import annotations

import contextlib
import uuid

import pytest
from django.conf import settings
from django.test import override_settings

from search.backends import get_backend
from search.indexing import drain_all

ENGINES = ["embedded", "elasticsearch"]


@contextlib.contextmanager
def engine(name: str, folder):
    """The settings that select engine `name` with an index of its own, dropped afterwards."""
    if name == "elasticsearch":
        if not settings.TEST_ELASTICSEARCH_URL:
            pytest.skip("ELASTICSEARCH_URL is not set: the Elasticsearch backend's suite needs an engine")
        overrides = {"ELASTICSEARCH_URL": settings.TEST_ELASTICSEARCH_URL, "ELASTICSEARCH_REPLICAS": 0,
                     "SEARCH_INDEX_NAME": f"test-{uuid.uuid4().hex[:12]}"}
    else:
        overrides = {"ELASTICSEARCH_URL": "", "SEARCH_INDEX_DIR": str(folder)}
    with override_settings(**overrides):
        try:
            yield get_backend()
        finally:
            if name == "elasticsearch":
                get_backend().drop()


def index_now() -> int:
    """Drain the outbox into the engine, as the background worker would."""
    return drain_all()


# Features of Elasticsearch that the noida-db stand-in lacks, with what Elasticsearch documents.
# A test that needs one is marked as expected to fail on the stand-in only (strictly: when the
# stand-in learns the feature, the mark must go); tests/search/test_elastic_requests.py checks
# the JSON we send for it against the reference.
STAND_IN_GAPS = {
    "copy_to": "the noida-db stand-in leaves copy_to targets empty, so `body` (title + description + "
               "agreement, which more_like_this reads) holds nothing there; Elasticsearch fills it "
               "(reference: mapping parameter copy_to)",
}


def is_stand_in(backend) -> bool:
    if backend.name != "elasticsearch":
        return False
    return backend.client.info()["version"].get("build_hash") == "noida"


def needs(request, feature: str) -> None:
    """Mark the running test as expected to fail when the engine is the stand-in lacking `feature`."""
    if is_stand_in(get_backend()):
        request.applymarker(pytest.mark.xfail(reason=STAND_IN_GAPS[feature], strict=True))
