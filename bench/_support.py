"""What both benchmarks share: a fresh database per backend, and printing a table.

A benchmark never runs against the developer's own database: SQLite gets a file in a new
temporary folder (FENGQIAO_VAR_DIR), PostgreSQL a dedicated database that is dropped and
created before the run and dropped after it, even when the run fails.
"""
from __future__ import annotations

import contextlib
import os
import platform
import shutil
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BACKENDS = ("sqlite", "postgres")
# The server a bench database is created on; the user must be allowed to CREATE DATABASE.
POSTGRES_SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
SETTINGS = "bench.settings"


def backends(choice: str) -> list[str]:
    return list(BACKENDS) if choice == "both" else [choice]


def _admin_connection():
    import psycopg

    return psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True, connect_timeout=10)


def _drop_postgres(name: str) -> None:
    from psycopg import sql

    with _admin_connection() as conn:
        # FORCE: a server that died mid-run may have left sessions behind.
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@contextlib.contextmanager
def fresh_database(backend: str, name: str, *, keep: bool = False) -> Iterator[dict[str, str]]:
    """An environment (os.environ plus what selects the database) pointing at a new, empty database.

    BENCH_DATABASE_SUFFIX is appended to the PostgreSQL database's name, so several people can
    run the same benchmark on one server at once.
    """
    name += os.environ.get("BENCH_DATABASE_SUFFIX", "")
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "FENGQIAO_VAR_DIR"}}
    env["DJANGO_SETTINGS_MODULE"] = SETTINGS
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    # The embedded search index and media land in the temporary folder too, whatever the backend.
    folder = tempfile.mkdtemp(prefix=f"fengqiao-bench-{backend}-")
    env["FENGQIAO_VAR_DIR"] = folder
    env["FENGQIAO_MEDIA_ROOT"] = str(Path(folder) / "media")
    if backend == "postgres":
        from psycopg import sql

        _drop_postgres(name)
        with _admin_connection() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        env["DATABASE_URL"] = f"{POSTGRES_SERVER}/{name}"
    elif backend != "sqlite":
        raise ValueError(f"unknown backend {backend!r}")
    try:
        yield env
    finally:
        if backend == "postgres" and not keep:
            _drop_postgres(name)
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)


def machine_summary() -> str:
    import sqlite3

    import django

    return (f"{os.cpu_count()} CPU(s), {platform.system()} {platform.release()}, Python {platform.python_version()}, "
            f"Django {django.get_version()}, SQLite {sqlite3.sqlite_version}")


def postgres_version() -> str:
    try:
        with _admin_connection() as conn:
            return conn.execute("SHOW server_version").fetchone()[0]
    except Exception as exc:  # only informative
        return f"unavailable ({exc.__class__.__name__})"


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], *, align_left: int = 2) -> str:
    """A plain-text table; the first `align_left` columns are left-aligned, the rest right-aligned."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        cells = (c.ljust(w) if i < align_left else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True)))
        return "  ".join(cells).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), rule, *(line(r) for r in cells[1:])])
