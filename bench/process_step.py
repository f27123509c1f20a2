"""The process step: a case's process started, and moved on by one transition, written directly
(flows.engine) against viewflow's own activations, in the same run.

    python bench/process_step.py [--backend sqlite|postgres|both] [--cases 400]

In process, after `migrate` and the demo topology, on a fresh database per backend (PostgreSQL:
`fengqiao_bench_process_step`, plus BENCH_DATABASE_SUFFIX). For each step, `--cases` cases per
engine are made ready first, outside the measure: filed through `actions.services.case_file`
with the process start held back (start), or started and then escalated through
`case_escalate` with the process step held back (follow — village acceptance → township
triage, the step a deadline breach takes). Then, case by case, the engines take turns, each
call in its own transaction (as the filing and transition services run it):

  - start: `engine.start(case)` (direct) / `engine.start_via_viewflow(case)` (viewflow's
    `DisputeFlow.start.run`), and `engine.start_many` over all the cases in one transaction;
  - follow: `engine.follow(case, head)` / `engine.follow_via_viewflow(case, head)`, and
    `engine.follow_many` over all the cases in one transaction (what the deadline sweep calls);
  - floor: one row inserted (`bench.bareapp.BareRow`) in its own transaction — the cost of any
    write at all on this stack, measured between the same calls.

It prints µs per case (median and mean; for the bulk calls, the whole call divided by the
cases) and SQL statements per case (counted by an execute wrapper: on SQLite it sees the BEGIN
IMMEDIATE of each transaction too; COMMIT is not counted),
and each mean as a multiple of the floor's.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._support import ROOT, run_on_each_backend, table  # noqa: E402

DATABASE_NAME = "fengqiao_bench_process_step"
BATCH = 200


@dataclass
class Measured:
    step: str
    engine: str
    cases: int
    seconds: list[float]  # per case, or one total for a bulk call
    statements: int
    bulk: bool = False

    @property
    def mean_us(self) -> float:
        return sum(self.seconds) / self.cases * 1e6

    @property
    def median_us(self) -> float | None:
        return None if self.bulk else statistics.median(self.seconds) * 1e6


class Counter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def measure(backend: str, args) -> list[Measured]:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from actions import services
    from bench._data import filing_body
    from bench.bareapp.models import BareRow
    from casework.models import Case, User
    from demo.topology import load_topology
    from flows import engine

    call_command("migrate", verbosity=0, interactive=False)
    load_topology()
    grid_worker, head = User.objects.get(username="grid1"), User.objects.get(username="head1")
    grid = next(ra.region for ra in grid_worker.role_assignments.select_related("region") if ra.region.level == "grid")
    rng = random.Random(13)
    n = args.cases

    def held_back(name: str):
        return mock.patch.object(engine, name, lambda *a, **k: None)

    def filed(count: int, *, started: bool = False, escalated: bool = False) -> list[Case]:
        cases = []
        with held_back("start"), held_back("follow"):
            for i in range(0, count, BATCH):
                with transaction.atomic():
                    for _ in range(min(BATCH, count - i)):
                        body = filing_body(rng)
                        parties = [services.PartyInput(**p) for p in body.pop("parties")]
                        for key in ("risk_level", "occurred_at", "people_involved", "amount_involved", "latitude",
                                    "longitude"):
                            body.pop(key)
                        case, _ = services.case_file(actor=grid_worker, data=services.CaseInput(
                            grid=grid, parties=parties, risk_level="normal", **body))
                        if started:
                            engine.start_many([case])
                        if escalated:
                            case = services.case_escalate(case_id=case.pk, actor=head, reason="bench")
                        cases.append(case)
        return cases

    def floor() -> None:
        BareRow.objects.create(user=grid_worker, title="bench")

    def turns(step: str, engines: dict[str, tuple], ready: dict[str, list]) -> list[Measured]:
        """The engines (and the floor) take turns, case by case, each call in its own transaction."""
        timings = {name: [] for name in engines}
        counters = {name: Counter() for name in engines}
        for i in range(n):
            for name, call in engines.items():
                counter = counters[name]
                began = time.perf_counter()
                with connection.execute_wrapper(counter), transaction.atomic():
                    call(ready[name][i]) if ready.get(name) else call(None)
                timings[name].append(time.perf_counter() - began)
        return [Measured(step, name, n, timings[name], counters[name].count) for name in engines]

    def bulk(step: str, name: str, call, cases: list) -> Measured:
        counter = Counter()
        began = time.perf_counter()
        with connection.execute_wrapper(counter), transaction.atomic():
            call(cases)
        return Measured(step, name, len(cases), [time.perf_counter() - began], counter.count, bulk=True)

    print(f"[{backend}] preparing {4 * n:,} cases for the start…", file=sys.stderr, flush=True)
    ready = {"direct": filed(n), "viewflow": filed(n)}
    many = filed(n)
    print(f"[{backend}] measuring the start…", file=sys.stderr, flush=True)
    results = turns("start", {"direct": engine.start, "viewflow": engine.start_via_viewflow,
                              "floor: one-row insert": lambda _: floor()}, ready)
    results.append(bulk("start", "direct, start_many", engine.start_many, many))

    print(f"[{backend}] preparing {3 * n:,} escalated cases for the follow…", file=sys.stderr, flush=True)
    ready = {"direct": filed(n, started=True, escalated=True), "viewflow": filed(n, started=True, escalated=True)}
    many = filed(n, started=True, escalated=True)
    print(f"[{backend}] measuring the follow…", file=sys.stderr, flush=True)
    results += turns("follow", {"direct": lambda case: engine.follow(case, head),
                                "viewflow": lambda case: engine.follow_via_viewflow(case, head),
                                "floor: one-row insert": lambda _: floor()}, ready)
    results.append(bulk("follow", "direct, follow_many", lambda cases: engine.follow_many(cases, head), many))
    return results


def report(results: list[Measured]) -> None:
    floors = {m.step: m.mean_us for m in results if m.engine.startswith("floor")}
    rows = []
    for m in results:
        rows.append([m.step, m.engine, f"{m.cases:,}", "—" if m.median_us is None else f"{m.median_us:,.0f}",
                     f"{m.mean_us:,.0f}", f"{m.statements / m.cases:.1f}", f"{m.mean_us / floors[m.step]:.1f}×"])
    print()
    print(table(["step", "engine", "cases", "µs/case p50", "µs/case mean", "statements/case", "mean / floor"], rows))
    by = {(m.step, m.engine): m for m in results}
    for step in ("start", "follow"):
        direct, viewflow = by[(step, "direct")], by[(step, "viewflow")]
        print(f"{step}: direct {viewflow.mean_us / direct.mean_us:.1f}× faster than viewflow's path, "
              f"{direct.statements / direct.cases:.0f} statements per case against {viewflow.statements / viewflow.cases:.0f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--cases", type=int, default=400, help="cases per engine and step")
    args = parser.parse_args(argv)
    return run_on_each_backend(__file__, args, ["cases"], DATABASE_NAME, measure, report)


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main())
