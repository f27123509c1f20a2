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


def percentile(values: Sequence[float], p: float) -> float:
    """The nearest-rank p-th percentile of `values`."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def seeded_database(backend: str, cases: int, *, events: bool, log=sys.stdout):
    """Inside a fresh database, after django.setup(): `migrate`, the demo topology, `cases` cases
    seeded in bulk (bench/_seed.py; with their audit trail when `events`), statistics refreshed
    on PostgreSQL; progress printed to `log`. Returns what `seed_cases` seeded."""
    import time

    from django.core.management import call_command
    from django.db import connection

    from bench._seed import seed_cases
    from demo.topology import load_topology

    began = time.monotonic()
    call_command("migrate", verbosity=0)
    load_topology()
    print(f"[{backend}] migrated, topology loaded ({time.monotonic() - began:.0f}s); seeding {cases:,} cases…",
          file=log, flush=True)
    seeded = seed_cases(cases, events=events)
    print(f"[{backend}] seeded {seeded.cases:,} cases, {seeded.events:,} events, {seeded.parties:,} parties, "
          f"{seeded.agreements:,} agreements in {seeded.seconds:.0f}s", file=log, flush=True)
    if backend == "postgres":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return seeded


def run_on_each_backend(script: str, args, options: Sequence[str], database: str, measure, report) -> int:
    """A benchmark's `main` once its arguments are parsed: for `--backend both`, the script again
    in a child process per backend (each gets a clean interpreter and Django), passing on
    `options` (names of `args` attributes, e.g. "cases"); for one backend, `measure(backend,
    args)` inside a fresh database named `database`, then `report` of its result."""
    import subprocess

    if args.backend == "both":
        codes = []
        for backend in backends("both"):
            command = [sys.executable, str(Path(script).resolve()), "--backend", backend]
            for option in options:
                command += [f"--{option}", str(getattr(args, option))]
            codes.append(subprocess.run(command, cwd=ROOT).returncode)
        return max(codes)
    print(machine_summary(), flush=True)
    if args.backend == "postgres":
        print(f"PostgreSQL {postgres_version()}", flush=True)
    with fresh_database(args.backend, database) as env:
        os.environ.clear()
        os.environ.update(env)
        report(measure(args.backend, args))
    return 0
