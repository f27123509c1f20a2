"""The statistics page (`/stats/`) and the board with its small charts (`/board/`,
`/board/charts/`), against the summary endpoint they read.

    python bench/stats_page.py [--backend sqlite|postgres|both] [--cases 100000] [--rounds 20]
                               [--warmup 2]

For each database backend: a fresh database (bench/_support.py), `migrate`, the demo topology,
then `--cases` cases seeded in bulk with their audit trail (bench/_seed.py, `events=True`, three
years of filings). Then, after `--warmup` unmeasured rounds, `--rounds` times each, the order
rotating, as county1 through Django's full request stack in this process (test client, session
sign-in; no network, no server process):

  api    GET /api/v1/stats/summary/?from=…&to=… (the whole county, three years): the baseline,
         the figures the page shows
  page   GET /stats/?from=…&to=… — the same figures, and the words, links, chart data and tables
         of the page (ui/stats_presenters.py, the template)
  board  GET /board/ — the supervisors' board, as it is sent (its charts come after)
  charts GET /board/charts/ — the board's two small charts, which its script fetches once the
         board is up: this year's summary of the jurisdiction, and its words and tables
  year   reports.selectors.stats_summary for this year, called directly: the charts' share that
         is the summary itself

p50 and p95 of each, in milliseconds, and the page's size. Numbers only: nothing here asserts a time.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._support import percentile, run_on_each_backend, seeded_database, table  # noqa: E402

DATABASE_NAME = "fengqiao_bench_stats_page"


def run(backend: str, args) -> dict:
    import datetime as dt

    import django

    django.setup()
    from django.test import Client
    from django.utils import timezone

    from casework import clock
    from casework.models import User
    from reports import selectors

    seeded = seeded_database(backend, args.cases, events=True)

    today = timezone.localdate(clock.now())
    start, end = today.replace(year=today.year - 3, month=1, day=1), today.replace(month=12, day=31)
    params = {"from": start.isoformat(), "to": end.isoformat()}
    county = User.objects.get(username="county1")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(county)
    sizes: dict[str, int] = {}

    def get(name: str, url: str, data=None):
        def call() -> None:
            response = client.get(url, data)
            assert response.status_code == 200, (url, response.status_code)
            sizes[name] = len(response.content)
        return call

    def year() -> None:
        selectors.stats_summary(viewer=county, region_code=None, start=dt.date(today.year, 1, 1),
                                end=dt.date(today.year, 12, 31), as_of=clock.now())

    paths = {"api": get("api", "/api/v1/stats/summary/", params), "page": get("page", "/stats/", params),
             "board": get("board", "/board/"), "charts": get("charts", "/board/charts/"), "year": year}
    for _ in range(args.warmup):
        for call in paths.values():
            call()
    timings: dict[str, list[float]] = {name: [] for name in paths}
    names = list(paths)
    for i in range(args.rounds):
        for name in names[i % len(names):] + names[:i % len(names)]:
            t0 = time.perf_counter()
            paths[name]()
            timings[name].append((time.perf_counter() - t0) * 1000)
    return {"backend": backend, "cases": seeded.cases, "timings": timings, "sizes": sizes}


def report(result: dict) -> None:
    rows = [[result["backend"], name, f"{statistics.median(t):.0f}", f"{percentile(t, 95):.0f}",
             f"{result['sizes'].get(name, 0) / 1024:.0f}" if name in result["sizes"] else "", len(t)]
            for name, t in result["timings"].items()]
    print(f"{result['cases']:,} cases")
    print(table(["backend", "path", "p50 ms", "p95 ms", "KiB", "n"], rows), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=2)
    args = parser.parse_args()
    return run_on_each_backend(__file__, args, ('cases', 'rounds', 'warmup'), DATABASE_NAME, run, report)


if __name__ == "__main__":
    sys.exit(main())
