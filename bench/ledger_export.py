"""The ledger (`GET /api/v1/reports/ledger/`) as xlsx and CSV at 100,000 rows and at 100: time and memory.

    python bench/ledger_export.py [--backend sqlite|postgres|both] [--cases 100000] [--small 100]

For each database backend: a fresh database (bench/_support.py), `migrate`, the demo topology,
then `--cases` cases seeded in bulk (bench/_seed.py: parties with ID numbers and phones, assigned
mediators, agreements; no referrals or follow-up visits, which the seeder does not write — the
ledger shows 无协议 / 待回访 / 未到期 for them as it would). Then each measurement runs in a child
process of its own, against that database, so that its memory is its own:

  api xlsx   the county's case ledger as xlsx, as county1 (masked), token auth, through Django's
             full request stack with the test client in process (no network), the streamed body
             read to its end and counted, not kept
  api csv    the same as CSV
  naive csv  the baseline for memory: the same rows and their related records loaded whole (one
             chunk of everything), then written as CSV into memory — what an export that does not
             stream would hold
  raw fetch  the baseline for time: the cases of the range read on a cursor (the case table's
             columns, 1,000 rows a fetch, discarded) — the database's share, without Django

once over every case (the whole three years: `--cases` rows) and once over the latest filings
(a range that starts on the day of the `--small`-th latest filing: about `--small` rows).

Memory is the child's resident set from /proc: `VmHWM` (its high-water mark) read after the
warm-up request (Django, DRF and the models imported, the token checked) and after the export;
`peak growth` is the difference — what the export added at its peak. Not tracemalloc: it would
slow the Python side several-fold and miss the database driver's C allocations. Wall time is
measured around the request (or the baseline) alone. Numbers only: nothing here asserts.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._support import ROOT, backends, fresh_database, machine_summary, postgres_version, seeded_database, table  # noqa: E402

DATABASE_NAME = "fengqiao_bench_ledger"
WAYS = ("api xlsx", "api csv", "naive csv", "raw fetch")


def seed(backend: str, args) -> dict:
    import django

    django.setup()
    from django.utils import timezone

    from casework import clock
    from casework.models import Case

    seeded = seeded_database(backend, args.cases, events=False, log=sys.stderr)
    today = timezone.localdate(clock.now())
    latest = Case.objects.order_by("-created_at").values_list("created_at", flat=True)[args.small - 1]
    first = Case.objects.order_by("created_at").values_list("created_at", flat=True).first()
    return {
        "cases": seeded.cases,
        "ranges": {
            "all": {"from": timezone.localdate(first).isoformat(), "to": today.isoformat()},
            "latest": {"from": timezone.localdate(latest).isoformat(), "to": today.isoformat()},
        },
    }


def child(spec: dict) -> dict:
    """One measurement, in this (child) process: see the module's docstring."""
    import django

    django.setup()
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from bench._engines import memory_kib
    from casework.models import User

    county = User.objects.get(username="county1")
    token, _ = Token.objects.get_or_create(user=county)
    client = APIClient(HTTP_HOST="127.0.0.1")
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get("/api/v1/me/").status_code == 200  # warm-up: imports, token, roles
    way, params = spec["way"], spec["range"]
    if way == "naive csv":
        from reports import ledgers, selectors  # noqa: F401 — imported before the baseline is read, as the API's are
    before = memory_kib(os.getpid())
    began = time.perf_counter()
    if way.startswith("api"):
        response = client.get("/api/v1/reports/ledger/", {**params, "format": way.split()[1]})
        assert response.status_code == 200, response.content[:500]
        size = sum(len(piece) for piece in response.streaming_content)
        rows = None
    elif way == "naive csv":
        size, rows = _naive_csv(county, params)
    else:
        size, rows = _raw_fetch(params)
    seconds = time.perf_counter() - began
    after = memory_kib(os.getpid())
    if rows is None:
        from reports.models import ExportRecord

        rows = ExportRecord.objects.latest("id").rows
    return {"way": way, "rows": rows, "bytes": size, "seconds": seconds, "hwm_before": before.get("VmHWM", 0),
            "hwm_after": after.get("VmHWM", 0)}


def _naive_csv(viewer, params: dict) -> tuple[int, int]:
    import csv
    import datetime as dt
    import io

    from reports import ledgers, selectors

    scope = selectors.ledger_scope(viewer=viewer, region_code=None, start=dt.date.fromisoformat(params["from"]),
                                   end=dt.date.fromisoformat(params["to"]))
    ledger = ledgers.CASES
    context = ledgers.RowContext.for_scope(scope)
    cases = list(ledger.records(scope))
    related = ledger.related(cases, context)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([c.header for c in ledger.columns])
    for number, case in enumerate(cases, 1):
        writer.writerow([ledgers.csv_cell(v) for v in ledger.row(case, number, related, context)])
    content = buffer.getvalue().encode("utf-8")
    return len(content), len(cases)


def _raw_fetch(params: dict) -> tuple[int, int]:
    import datetime as dt

    from django.db import connection

    from casework.models import Case
    from reports.ledgers import day_bounds

    since, until = day_bounds(dt.date.fromisoformat(params["from"]), dt.date.fromisoformat(params["to"]))
    sql, sql_params = (Case.objects.filter(created_at__gte=since, created_at__lt=until).order_by("created_at", "id")
                       .query.sql_with_params())
    rows = size = 0
    with connection.cursor() as cursor:
        cursor.execute(sql, sql_params)
        while batch := cursor.fetchmany(1000):
            rows += len(batch)
            size += sum(len(str(r)) for r in batch)
    return size, rows


def measure(env: dict, way: str, params: dict) -> dict:
    spec = json.dumps({"way": way, "range": params})
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", spec], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{way} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(backend: str, args) -> None:
    print(machine_summary(), flush=True)
    if backend == "postgres":
        print(f"PostgreSQL {postgres_version()}", flush=True)
    with fresh_database(backend, DATABASE_NAME) as env:
        setup = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--seed-only", "--backend", backend,
                                "--cases", str(args.cases), "--small", str(args.small)],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
        if setup.returncode != 0:
            raise SystemExit(setup.returncode)
        seeded = json.loads(setup.stdout.strip().splitlines()[-1])
        results = []
        for name in ("latest", "all"):
            for way in WAYS:
                result = measure(env, way, seeded["ranges"][name])
                result["range"] = name
                results.append(result)
                print(f"[{backend}] {way:9} {result['rows']:>7,} rows  {result['seconds']:7.2f}s", flush=True)
        mib = 1024
        print(table(
            ["backend", "export", "rows", "size MB", "wall s", "ms / 1,000 rows", "VmHWM before MiB",
             "VmHWM after MiB", "peak growth MiB"],
            [[backend, r["way"], f"{r['rows']:,}", f"{r['bytes'] / 1e6:.2f}", f"{r['seconds']:.2f}",
              f"{r['seconds'] * 1e6 / max(r['rows'], 1):.0f}", f"{r['hwm_before'] / mib:.0f}",
              f"{r['hwm_after'] / mib:.0f}", f"{(r['hwm_after'] - r['hwm_before']) / mib:.1f}"]
             for r in results],
        ), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--seed-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(json.loads(args.child))), flush=True)
        return 0
    if args.seed_only:
        print(json.dumps(seed(args.backend, args)), flush=True)
        return 0
    for backend in backends(args.backend):
        run(backend, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
