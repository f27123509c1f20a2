"""Point 7 of issue 10: every SQLite database runs with WAL, IMMEDIATE transactions and a busy
timeout, however it is configured — the embedded default, `DATABASE_URL=sqlite:///…`, the tests."""
from __future__ import annotations

import pytest
from django.conf import settings
from django.db.backends.sqlite3.base import DatabaseWrapper

from config.settings import base


def connect(config: dict, alias: str = "probe") -> DatabaseWrapper:
    """A connection opened with exactly these settings, as Django opens one."""
    full = {"ATOMIC_REQUESTS": False, "AUTOCOMMIT": True, "CONN_MAX_AGE": 0, "CONN_HEALTH_CHECKS": False,
            "TIME_ZONE": None, "USER": "", "PASSWORD": "", "HOST": "", "PORT": "", "TEST": {}, **config}
    wrapper = DatabaseWrapper(full, alias)
    wrapper.ensure_connection()
    return wrapper


def pragma(wrapper: DatabaseWrapper, name: str):
    with wrapper.cursor() as cursor:
        cursor.execute(f"PRAGMA {name}")
        return cursor.fetchone()[0]


@pytest.fixture
def probe(django_db_blocker):
    """Opening a connection of one's own (not the test database) is allowed in these tests."""
    with django_db_blocker.unblock():
        yield


@pytest.fixture
def from_url(monkeypatch, probe):
    def parse(url: str) -> dict:
        monkeypatch.setenv("DATABASE_URL", url)
        return base.database_from_env()

    return parse


def test_a_sqlite_database_url_gets_wal_immediate_and_a_busy_timeout(from_url, tmp_path):
    # given the database named by URL, as a deployment of several processes names it
    config = from_url(f"sqlite:///{tmp_path / 'county.sqlite3'}")

    # when a connection is opened with it
    wrapper = connect(config)
    try:
        # then it runs in WAL mode, waits for the lock, and takes it when a transaction starts
        assert pragma(wrapper, "journal_mode") == "wal"
        assert pragma(wrapper, "busy_timeout") == 20_000
        assert pragma(wrapper, "synchronous") == 1  # NORMAL
        assert pragma(wrapper, "foreign_keys") == 1
        assert wrapper.transaction_mode == "IMMEDIATE"
    finally:
        wrapper.close()


def test_options_given_in_the_url_are_kept_and_the_rest_added(from_url, tmp_path):
    # given a URL that sets its own timeout and pragma
    config = from_url(f"sqlite:///{tmp_path / 'county.sqlite3'}?timeout=5&init_command=PRAGMA+cache_size%3D-8000%3B")

    # then what it asks for holds, and the options it does not mention are still there
    wrapper = connect(config)
    try:
        assert pragma(wrapper, "busy_timeout") == 5_000
        assert pragma(wrapper, "cache_size") == -8000
        assert pragma(wrapper, "journal_mode") == "wal"
        assert wrapper.transaction_mode == "IMMEDIATE"
    finally:
        wrapper.close()


def test_the_embedded_default_keeps_its_options(monkeypatch, tmp_path):
    # given no DATABASE_URL: the file under FENGQIAO_VAR_DIR
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setattr(base, "VAR_DIR", tmp_path)
    config = base.database_from_env()

    # then it has the same options as a URL gets
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert config["OPTIONS"]["timeout"] == 20
    assert "journal_mode=WAL" in config["OPTIONS"]["init_command"]


def test_a_postgres_url_gets_no_sqlite_options(from_url):
    config = from_url("postgres://postgres@127.0.0.1:5432/fengqiao")
    assert "transaction_mode" not in config.get("OPTIONS", {})
    assert "init_command" not in config.get("OPTIONS", {})


def test_the_test_settings_run_sqlite_as_production_does():
    # given the settings this test run uses (DATABASE_URL or not)
    config = settings.DATABASES["default"]
    if not config["ENGINE"].endswith("sqlite3"):
        pytest.skip("the test database is not SQLite")

    # then the SQLite options are there
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert config["OPTIONS"]["timeout"] >= 20
    assert "journal_mode=WAL" in config["OPTIONS"]["init_command"]
