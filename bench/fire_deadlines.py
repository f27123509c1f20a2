"""How fast does the deadline sweep go through 10,000 due deadlines, and what does each cost in SQL?

    python bench/fire_deadlines.py [--backend sqlite|postgres|both] [--cases 10000] [--workers 1]

For each backend: a fresh database, migrate, the demo topology, then `--cases` cases: one
filed through `actions.services.case_file` in each of the twelve demo grids by the grid's own
worker, then copied (`--seed clone`, default: tests/bulk.py copies every row a filing left) —
or every one filed (`--seed file`, 500 to a transaction: ~30 minutes a backend at 10,000 on a
busy machine) — so every case has a real viewflow process, a village
acceptance task and its acceptance clock (warning at two thirds, breach at the end), which is
what the sweep reads. Then three sweeps, each at an `as_of` taken from the clocks themselves:

  - dry run at the warning moment (`fire_due(dry_run=True)`): counting what is due;
  - warnings: `as_of` just after the last acceptance warning, before the first due moment —
    one `deadline_warning` per case;
  - breaches: `as_of` just after the last due moment — one `deadline_breached` per case, each
    escalating the case to township triage (the process moves to the triage task, whose new
    timers are not due at that moment).

Before each of the two real sweeps, in the same run and on the same rows, the floor: a bare
bulk write of what the sweep writes at the least, in batches of 500 due clocks — one UPDATE of
the clocks, one INSERT of as many events as the sweep writes (one per warning; two per breach:
the breach and the escalation), one UPDATE bumping the cases' versions — then rolled back. The
issue's target (≥ 500 warnings/s and ≥ 500 breaches/s at 10,000 due) is printed, met or not.

With `--workers 1` (default) each sweep runs in this process through `flows.timers.fire_due`
(what `manage.py fire_deadlines --as-of` runs), and an execute wrapper counts the SQL
statements. With `--workers N` each sweep is N `manage.py fire_deadlines --as-of …` processes
started at once (the wall time from start to the last exit; no statement count). Either way
the run ends by checking that every deadline fired exactly once.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._data import filing_body  # noqa: E402
from bench._support import ROOT, backends, fresh_database, machine_summary, postgres_version, table  # noqa: E402

DATABASE_NAME = "fengqiao_bench_deadlines"  # + BENCH_DATABASE_SUFFIX: one per person running it
TARGET = 500  # deadlines a second, issue 13
BATCH = 500
PLACEHOLDERS = re.compile(r"(%s|\(%s(, %s)*\))(, (%s|\(%s(, %s)*\)))*")
REPORT = re.compile(r"(\d+) deadline\(s\) fired as of .*; (\d+) skipped, (\d+) failed")


@dataclass
class Sweep:
    name: str
    due: int
    fired: int
    skipped: int
    failed: int
    seconds: float
    statements: int | None  # None when the sweep ran in other processes

    dry_run: bool = False
    floor: float | None = None  # the bare bulk write's rate on the same rows, same run

    def row(self, backend: str, workers: int) -> list[str]:
        if self.dry_run:  # one count query: per-timer figures would mean nothing
            return [backend, self.name, "1", f"{self.due:,}", "-", "-", "-", f"{self.seconds:.2f}", "-", "-",
                    f"{self.statements} in all", "-", "-"]
        per_s = self.fired / self.seconds if self.seconds else 0.0
        per_fired = f"{self.statements / self.fired:.1f}" if self.statements is not None and self.fired else "-"
        ms = f"{1000 * self.seconds / self.fired:.2f}" if self.fired else "-"
        floor = f"{self.floor:,.0f}" if self.floor else "-"
        met = "met" if per_s >= TARGET else "NOT met"
        return [backend, self.name, str(workers), f"{self.due:,}", f"{self.fired:,}", str(self.skipped),
                str(self.failed), f"{self.seconds:.2f}", f"{per_s:.0f}", ms, per_fired, floor,
                f"≥ {TARGET}/s: {met}"]


class StatementCounter:
    """Counts the statements Django sends through its cursors (BEGIN/COMMIT come on top), and
    the time spent in each kind of statement (its text up to the first 70 characters, with runs
    of placeholders folded): what the database and the driver take, the rest being Python."""

    def __init__(self) -> None:
        self.count = 0
        self.seconds: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            kind = PLACEHOLDERS.sub("…", sql)[:70]
            self.seconds[kind] += time.perf_counter() - began
            self.calls[kind] += 1

    def report(self, backend: str, name: str, wall: float, top: int = 8) -> None:
        inside = sum(self.seconds.values())
        print(f"[{backend}] {name}: {inside:.2f} s of {wall:.2f} s in the database and its driver "
              f"({inside / wall:.0%}); the rest is Python. Slowest kinds of statement:", file=sys.stderr)
        for kind, seconds in self.seconds.most_common(top):
            print(f"    {seconds:6.2f} s  {self.calls[kind]:5d}×  {kind}", file=sys.stderr)


def run(backend: str, cases: int, workers: int, env: dict[str, str], seed: str = "clone") -> list[Sweep]:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.db.models import Max, Min

    from actions import services
    from casework.choices import Role
    from casework.models import Case, CaseDeadline, CaseEvent, RoleAssignment
    from demo.topology import load_topology
    from flows.timers import fire_due
    from tests.bulk import clone_filed_case

    call_command("migrate", verbosity=0, interactive=False)
    topo = load_topology()
    grids = [g for village_grids in topo.grids.values() for g in village_grids]
    workers_of = {ra.region_id: ra.user for ra in RoleAssignment.objects.filter(
        role=Role.GRID_WORKER, region__in=grids, user__username__startswith="grid-").select_related("user")}
    rng = random.Random(11)

    def file_one(n: int):
        grid = grids[n % len(grids)]
        body = filing_body(rng)
        parties = [services.PartyInput(**p) for p in body.pop("parties")]
        for key in ("occurred_at", "people_involved", "amount_involved", "latitude", "longitude"):
            body.pop(key)
        body["risk_level"] = "normal"  # every case waits for village acceptance
        return services.case_file(actor=workers_of[grid.pk], data=services.CaseInput(grid=grid, parties=parties, **body))[0]

    began = time.monotonic()
    if seed == "file":
        print(f"[{backend}] filing {cases:,} cases…", file=sys.stderr, flush=True)
        done = 0
        while done < cases:
            with transaction.atomic():
                for _ in range(min(BATCH, cases - done)):
                    file_one(done)
                    done += 1
            print(f"  … {done:,} cases ({time.monotonic() - began:.0f}s)", file=sys.stderr, flush=True)
        real = list(Case.objects.values_list("pk", flat=True))
    else:
        # One real filing per grid, then copies of them (every row each filing left, numbered anew).
        real = [file_one(n).pk for n in range(min(len(grids), cases))]
        templates = list(Case.objects.filter(pk__in=real).order_by("pk"))
        for i, start in enumerate(range(len(real), cases, BATCH)):
            count = min(BATCH, cases - start)
            per = [count // len(templates) + (1 if t < count % len(templates) else 0) for t in range(len(templates))]
            for t, template in enumerate(templates):
                if per[t]:
                    clone_filed_case(template, per[t], tag=f"{i:03d}")
            print(f"  … {start + count:,} cases ({time.monotonic() - began:.0f}s)", file=sys.stderr, flush=True)
    filing_seconds = time.monotonic() - began
    print(f"[{backend}] {seed}d {cases:,} cases in {filing_seconds:.0f}s", file=sys.stderr, flush=True)
    # The planner's statistics, as a database in service has them (PostgreSQL's autovacuum
    # analyzes a table once a tenth of it has changed, minutes after a load like this one).
    # Without them PostgreSQL guesses one row per table and plans the inbox's read of the triage
    # tasks (one subquery per task over the clocks' partial index) at ~110 ms a batch, not ~7.
    # (SQLite in service has none unless someone runs ANALYZE: it is left as it is.)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    bounds = CaseDeadline.objects.filter(kind="acceptance").aggregate(
        last_warn=Max("warn_at"), first_due=Min("due_at"), last_due=Max("due_at"))
    warn_as_of = bounds["last_warn"] + dt.timedelta(seconds=1)
    breach_as_of = bounds["last_due"] + dt.timedelta(minutes=1)
    if warn_as_of >= bounds["first_due"]:
        raise RuntimeError("the filing crossed a day boundary: warnings and breaches overlap; run again")

    from django.db.models import F

    from casework.models import Case as CaseModel
    from flows import deadlines

    def floor(kind: str, as_of: dt.datetime, events_per_clock: int) -> float:
        """Rows a second of the bare bulk write of what the sweep writes at the least, rolled back."""
        ids = list(deadlines.due(kind, as_of).order_by("pk").values_list("pk", "case_id"))
        began = time.monotonic()
        with transaction.atomic():
            for start in range(0, len(ids), BATCH):
                batch = ids[start:start + BATCH]
                clock_ids, case_ids = [pk for pk, _ in batch], [case_id for _, case_id in batch]
                mark = {"warned_at": as_of} if kind == "warning" else {"state": "breached", "breached_at": as_of}
                CaseDeadline.objects.filter(pk__in=clock_ids).update(**mark)
                CaseEvent.objects.bulk_create([
                    CaseEvent(case_id=case_id, seq=1_000_000 + n, action="deadline_warning", created_at=as_of,
                              hash="0" * 64) for case_id in case_ids for n in range(events_per_clock)])
                CaseModel.objects.filter(pk__in=case_ids).update(version=F("version") + events_per_clock)
            seconds = time.monotonic() - began
            transaction.set_rollback(True)
        return len(ids) / seconds if seconds else 0.0

    def sweep(name: str, as_of: dt.datetime, *, dry_run: bool = False, floor_of: tuple | None = None) -> Sweep:
        floor_rate = None
        if floor_of is not None:
            print(f"[{backend}] floor: {name} as of {as_of.isoformat()}…", file=sys.stderr, flush=True)
            floor_rate = floor(floor_of[0], as_of, floor_of[1])
        print(f"[{backend}] sweep: {name} as of {as_of.isoformat()}…", file=sys.stderr, flush=True)
        if workers == 1 or dry_run:
            counter = StatementCounter()
            began = time.monotonic()
            with connection.execute_wrapper(counter):
                result = fire_due(as_of=as_of, dry_run=dry_run)
            seconds = time.monotonic() - began
            if not dry_run:
                counter.report(backend, name, seconds)
            fired = result.due if dry_run else result.fired
            return Sweep(name, result.due, fired, result.skipped, result.failed, seconds, counter.count, dry_run,
                         floor_rate)
        due = fire_due(as_of=as_of, dry_run=True).due
        command = [sys.executable, "manage.py", "fire_deadlines", "--as-of", as_of.isoformat()]
        began = time.monotonic()
        procs = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(workers)]
        outs = [p.communicate() for p in procs]
        seconds = time.monotonic() - began
        fired = skipped = failed = 0
        for proc, (out, err) in zip(procs, outs, strict=True):
            match = REPORT.search(out)
            if proc.returncode not in (0, 1) or match is None:
                raise RuntimeError(f"worker failed ({proc.returncode}): {out}\n{err[-2000:]}")
            fired, skipped, failed = fired + int(match[1]), skipped + int(match[2]), failed + int(match[3])
            print(f"    worker: {out.strip()}", file=sys.stderr, flush=True)
        return Sweep(name, due, fired, skipped, failed, seconds, None, floor=floor_rate)

    sweeps = [
        sweep("dry run (count due)", warn_as_of, dry_run=True),
        sweep("warnings", warn_as_of, floor_of=("warning", 1)),
        sweep("breaches → escalations", breach_as_of, floor_of=("breach", 2)),
    ]

    # Exactly once: one warning, one breach and one automatic escalation per case.
    counts = {action: CaseEvent.objects.filter(action=action).count()
              for action in ("deadline_warning", "deadline_breached", "escalate")}
    triage = Case.objects.filter(status="township_triage").count()
    once = counts == {"deadline_warning": cases, "deadline_breached": cases, "escalate": cases} and triage == cases
    print(f"[{backend}] events: {counts}; cases in township triage: {triage:,}; "
          f"every deadline fired exactly once: {'yes' if once else 'NO'}", file=sys.stderr, flush=True)
    if not once:
        raise RuntimeError("a deadline fired more or less than once")
    # The hash chains the sweep continued, on the real filings (a copy's own `file` event is not
    # re-hashed for its new case id, so only the real ones can be verified whole).
    from casework.audit import verify_case_chain, verify_state
    from casework.record import current_states

    states = current_states(real)
    problems = []
    for case in Case.objects.filter(pk__in=real):
        chain = list(CaseEvent.objects.filter(case=case).order_by("seq"))
        problem = verify_case_chain(case, chain) or verify_state(case, chain[-1], states[case.pk])
        if problem:
            problems.append(str(problem))
    print(f"[{backend}] audit chains of the {len(real):,} real filings after the sweeps: "
          f"{'intact' if not problems else problems[:3]}", file=sys.stderr, flush=True)
    if problems:
        raise RuntimeError("the sweep broke a hash chain")
    return sweeps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=1, help="fire_deadlines processes per sweep (1: in process)")
    parser.add_argument("--seed", choices=["clone", "file"], default="clone",
                        help="clone: one real filing per grid, copied (tests/bulk.py; fast); file: every case filed")
    args = parser.parse_args(argv)

    if args.backend == "both":
        print(f"# {machine_summary()}, PostgreSQL {postgres_version()}", flush=True)
        codes = []
        for backend in backends("both"):
            cmd = [sys.executable, str(Path(__file__).resolve()), "--backend", backend,
                   "--cases", str(args.cases), "--workers", str(args.workers), "--seed", args.seed]
            codes.append(subprocess.run(cmd, cwd=ROOT).returncode)
        return max(codes)

    with fresh_database(args.backend, DATABASE_NAME) as env:
        os.environ.clear()
        os.environ.update(env)
        began = time.monotonic()
        sweeps = run(args.backend, args.cases, args.workers, env, args.seed)
        print()
        print(table(["backend", "sweep", "workers", "due", "fired", "skipped", "failed", "seconds", "fired/s",
                     "ms/fired", "statements/fired", "floor/s", "target"],
                    [s.row(args.backend, args.workers) for s in sweeps]))
        print(f"\n[{args.backend}] whole run {time.monotonic() - began:.0f}s", flush=True)
    return 0


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main())
