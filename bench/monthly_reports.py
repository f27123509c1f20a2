"""Generating a month's screening reports (月报) for the whole demo county, against one county-wide
`summarize` of the same month (the floor).

    python bench/monthly_reports.py [--backend sqlite|postgres|both] [--cases 100000] [--rounds 5]

For each database backend: a fresh database (bench/_support.py), `migrate`, the demo topology,
then `--cases` cases seeded in bulk with their audit trail (bench/_seed.py, `events=True`: three
years of filings, one event per step). The month measured is the last full month before today
that the seeded history covers well: the month just ended. Then, `--rounds` times, the order
alternating:

  generate  `reports.monthly.generate_month` for every reporting region (1 county, 2 townships,
            6 villages), after the stored reports of the month are deleted: the whole first
            generation (figures, digests, inserts), as the worker runs it on the 1st
  again     the same call with every report already stored: recompute and compare, no write
  floor     one `reports.stats.summarize` of the county for the month as of its end, without
            child regions: the least a report of the county alone costs
  naive     one `summarize` per reporting region, without child splitting: what generation
            would cost with one pass per region (flow figures not even included)

Per round: milliseconds, and SQL statements (counted with CaptureQueriesContext). The summary
prints p50 of each, and p50 per region for `generate`. Numbers only: nothing here asserts a time.
The seeded events do not carry the filing's risk level (bench/_seed.py), so the major-risk
figures are zero here; that costs the same query.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._support import run_on_each_backend, seeded_database, table  # noqa: E402

DATABASE_NAME = "fengqiao_bench_monthly"


def run(backend: str, args) -> dict:
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reports import monthly, stats
    from reports.models import MonthlyReport

    seeded = seeded_database(backend, args.cases, events=True)

    month = monthly.month_just_ended()
    regions = monthly.report_regions()
    county = next(r for r in regions if r.parent_id is None)

    def generate():
        MonthlyReport.objects.filter(month=month.label).delete()
        return monthly.generate_month(month)

    def again():
        return monthly.generate_month(month)

    def floor():
        return stats.summarize(paths=[county.path], start=month.first_day, end=month.last_day, as_of=month.as_of)

    def naive():
        return [stats.summarize(paths=[r.path], start=month.first_day, end=month.last_day, as_of=month.as_of)
                for r in regions]

    paths = {"generate": generate, "again": again, "floor": floor, "naive": naive}
    first = generate()
    county_report = MonthlyReport.objects.get(region=county, month=month.label)
    print(f"[{backend}] {month.label}: {first.created} reports; county: filed {county_report.figures['filed']:,}, "
          f"carried over {county_report.figures['carried_over']:,}, concluded {county_report.figures['concluded']:,}, "
          f"open at end {county_report.figures['open_at_end']:,}; zero reports "
          f"{MonthlyReport.objects.filter(month=month.label, zero_report=True).count()}", flush=True)
    assert county_report.figures["filed"] == floor().total.filed
    timings: dict[str, list[float]] = {name: [] for name in paths}
    statements: dict[str, list[int]] = {name: [] for name in paths}
    for i in range(args.rounds):
        order = list(paths) if i % 2 == 0 else list(reversed(paths))
        for name in order:
            with CaptureQueriesContext(connection) as queries:
                t0 = time.perf_counter()
                paths[name]()
                elapsed = (time.perf_counter() - t0) * 1000
            timings[name].append(elapsed)
            statements[name].append(len(queries.captured_queries) - (1 if name == "generate" else 0))
    return {"backend": backend, "cases": seeded.cases, "events": seeded.events, "month": month.label,
            "regions": len(regions), "timings": timings, "statements": statements}


def report(result: dict) -> None:
    floor = statistics.median(result["timings"]["floor"])
    rows = []
    for name, values in result["timings"].items():
        p50 = statistics.median(values)
        per_region = f"{p50 / result['regions']:.0f}" if name in ("generate", "again", "naive") else "-"
        rows.append([result["backend"], name, f"{p50:.0f}", f"{max(values):.0f}", per_region,
                     statistics.median(result["statements"][name]), f"{p50 / floor:.1f}×"])
    print(f"{result['cases']:,} cases, {result['events']:,} events; month {result['month']}, "
          f"{result['regions']} reporting regions", flush=True)
    print(table(["backend", "path", "p50 ms", "max ms", "ms/region", "SQL", "÷ floor"], rows), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    return run_on_each_backend(__file__, args, ('cases', 'rounds'), DATABASE_NAME, run, report)


if __name__ == "__main__":
    sys.exit(main())
