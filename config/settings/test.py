"""Test settings: the base configuration with fast hashing and a throw-away file database.

The SQLite test database is a file (not shared-cache memory) so that tests which run real
concurrent threads see WAL and IMMEDIATE transactions exactly as production does.
"""
import os
import tempfile

from .base import *  # noqa: F403
from .base import ALLOWED_HOSTS, DATABASES, MIDDLEWARE, with_sqlite_options

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = tempfile.mkdtemp(prefix="fengqiao-media-")

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["TEST"] = {"NAME": tempfile.mktemp(prefix="fengqiao-test-", suffix=".sqlite3")}
for _config in DATABASES.values():
    with_sqlite_options(_config)

# Each test process has its own embedded search index; a test that searches gets a fresh one
# (tests/conftest.py `search_index`). The Elasticsearch backend's suite runs against the engine
# at ELASTICSEARCH_URL when it is set (CI: the noida-db stand-in); nothing else uses it.
TEST_ELASTICSEARCH_URL = ELASTICSEARCH_URL  # noqa: F405
ELASTICSEARCH_URL = ""
SEARCH_INDEX_DIR = os.environ.get("FENGQIAO_TEST_SEARCH_INDEX_DIR") or tempfile.mkdtemp(prefix="fengqiao-search-")

# Django's test client asks for this host.
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]
# servestatic scans every static folder when the middleware is built, which the test client does
# for each client (~150 ms each): the tests that load pages in a browser serve static files with
# Django's ASGIStaticFilesHandler instead, and tests/config/test_production_server.py runs it.
MIDDLEWARE = [m for m in MIDDLEWARE if m != "servestatic.middleware.ServeStaticMiddleware"]

# Tests travel months through the services' clock with the tokens of the demo users: a token
# does not expire there. The expiry itself is tested with API_TOKEN_TTL_DAYS set per test.
API_TOKEN_TTL_DAYS = 36500

# Reference rows (casework.reference) are dropped by the signals of the changes tests make and
# at the start of every test (tests/conftest.py); never on the clock, so that a slow test does not
# count one more statement when they happen to be read again.
REFERENCE_TTL_SECONDS = float("inf")
