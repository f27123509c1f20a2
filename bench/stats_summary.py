"""`GET /api/v1/stats/summary/` for the county at 100,000 cases, against the raw SQL aggregate.

    python bench/stats_summary.py [--backend sqlite|postgres|both] [--cases 100000] [--rounds 30]
                                  [--warmup 3]

For each database backend: a fresh database (bench/_support.py), `migrate`, the demo topology,
then `--cases` cases seeded in bulk with their audit trail (bench/_seed.py, `events=True`: one
event per step of each case's planned life, three years of filings). Then, one at a time, after
`--warmup` unmeasured rounds, `--rounds` times each, the order alternating:

  api  GET /api/v1/stats/summary/?from=…&to=… as county1 (the whole county, three years, as of
       now), token auth, through Django's full request stack (middleware, DRF, serializer) in
       this process with the test client — no network, no server process
  raw  the one SQL statement `reports.stats.statement` builds for the same question (the one
       `case_rows` runs), run on a cursor and fetched: the database's share of the work, without
       Django

p50 and p95 of each, in milliseconds. The answers are compared: the API's `filed` must be the
sum of the raw rows' counts. Numbers only: nothing here asserts a time.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._support import percentile, run_on_each_backend, seeded_database, table  # noqa: E402

DATABASE_NAME = "fengqiao_bench_stats"


def run(backend: str, args) -> dict:
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from casework import clock
    from casework.models import User
    from reports import stats

    seeded = seeded_database(backend, args.cases, events=True)

    today = timezone.localdate(clock.now())
    start, end = today.replace(year=today.year - 3, month=1, day=1), today.replace(month=12, day=31)
    county = User.objects.get(username="county1")
    token, _ = Token.objects.get_or_create(user=county)
    client = APIClient(HTTP_HOST="127.0.0.1")
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    params = {"from": start.isoformat(), "to": end.isoformat()}

    def api() -> int:
        response = client.get("/api/v1/stats/summary/", params)
        assert response.status_code == 200, response.content[:500]
        return response.json()["filed"]

    def raw() -> int:
        # The same moment the API's default as_of takes; the statement built once per round, as
        # the API builds it.
        sql, sql_params, columns = stats.statement(paths=["330681"], start=start, end=end, as_of=clock.now(),
                                                   child_length=10)
        with connection.cursor() as cursor:
            cursor.execute(sql, sql_params)
            fetched = cursor.fetchall()
        return sum(row[columns.index("n")] for row in fetched)

    counts = {"api": api(), "raw": raw()}
    print(f"[{backend}] filed in range: api {counts['api']:,}, raw {counts['raw']:,}", flush=True)
    assert counts["api"] == counts["raw"], counts
    for _ in range(args.warmup):
        api(), raw()
    timings: dict[str, list[float]] = {"api": [], "raw": []}
    for i in range(args.rounds):
        for name in (("api", "raw") if i % 2 == 0 else ("raw", "api")):
            t0 = time.perf_counter()
            (api if name == "api" else raw)()
            timings[name].append((time.perf_counter() - t0) * 1000)
    return {"backend": backend, "cases": seeded.cases, "events": seeded.events, "filed": counts["api"],
            "timings": timings}


def report(result: dict) -> None:
    rows = [[result["backend"], name, f"{result['filed']:,}", f"{statistics.median(t):.0f}",
             f"{percentile(t, 95):.0f}", len(t)] for name, t in result["timings"].items()]
    print(table(["backend", "path", "cases counted", "p50 ms", "p95 ms", "n"], rows), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args()
    return run_on_each_backend(__file__, args, ('cases', 'rounds', 'warmup'), DATABASE_NAME, run, report)


if __name__ == "__main__":
    sys.exit(main())
