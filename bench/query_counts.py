"""SQL queries per request, with few and with many cases in the database: do they stay constant?

    python bench/query_counts.py [--backend sqlite|postgres|both] [--sizes 100,10000] [--verbose]

In process, through DRF's APIClient and token auth, each request inside
django.test.utils.CaptureQueriesContext. For each size the database is first topped up to
that many cases (filed through actions.services.case_file, in batches of one transaction,
spread over every demo grid; one in ten accepted by its village so lists carry mediators),
then it counts the queries of

  - a filing (POST /api/v1/cases/, grid1, its own Idempotency-Key),
  - each transition on a case of grid1's village, fired through the API: the village path
    (accept, record_agreement, close) and the township path (escalate, triage_to_mediation,
    refer, record_agreement, close),
  - a list page (GET /api/v1/cases/) as grid1, head1, mediator1, center1 and county1, a
    filtered one, and a case's detail (GET /api/v1/cases/{id}/).

When a count differs between sizes, it prints which statements were repeated and the line
of project code that issued them. `--verbose` prints every statement of the last size.
"""
from __future__ import annotations

import argparse
import collections
import os
import random
import re
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._data import filing_body  # noqa: E402
from bench._support import ROOT, backends, fresh_database, table  # noqa: E402

DATABASE_NAME = "fengqiao_bench_queries"
BATCH = 500
PROJECT_DIRS = ("casework", "mediation", "flows", "search", "config")


@dataclass
class Measured:
    count: int
    statements: list[tuple[str, str]] = field(repr=False)  # (sql, where in project code)


# --- where a query comes from ---

class Origins:
    """An execute wrapper noting, for each statement, the innermost line of project code on the stack."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def __call__(self, execute, sql, params, many, context):
        self.seen.append((sql, self.where()))
        return execute(sql, params, many, context)

    def pair(self, captured: list[str]) -> list[tuple[str, str]]:
        """Each captured statement with its origin. The query log also holds the COMMIT (and on
        PostgreSQL the BEGIN) Django issues on the connection itself, which no cursor wrapper sees."""
        pending = iter(self.seen)
        nxt = next(pending, None)
        out = []
        for sql in captured:
            if nxt is not None and (nxt[0] == sql or nxt[0].split()[:1] == sql.split()[:1]):
                out.append((sql, nxt[1]))
                nxt = next(pending, None)
            else:
                out.append((sql, "(transaction control)" if sql.strip().upper() in {"BEGIN", "COMMIT", "ROLLBACK"}
                            else "?"))
        return out

    @staticmethod
    def where() -> str:
        for frame in reversed(traceback.extract_stack()[:-2]):
            path = Path(frame.filename)
            try:
                rel = path.resolve().relative_to(ROOT)
            except ValueError:
                continue
            if rel.parts and rel.parts[0] in PROJECT_DIRS:
                return f"{rel}:{frame.lineno} ({frame.name})"
        return "(framework)"


def normalize(sql: str) -> str:
    """One shape per statement: literals and id lists folded, so repeats of a query group together."""
    sql = re.sub(r"'(?:[^']|'')*'", "?", sql)
    sql = re.sub(r"\b\d+(\.\d+)?\b", "?", sql)
    sql = re.sub(r"\((?:\s*\?\s*,)+\s*\?\s*\)", "(?…)", sql)
    sql = re.sub(r'(?i)\b(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)\s+"?\w+"?', r"\1 ?", sql)
    return sql


# --- the scenario ---

def run(backend: str, sizes: list[int], verbose: bool) -> bool:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from actions import services
    from casework.choices import Role
    from casework.models import Case, RoleAssignment, User
    from demo.topology import load_topology

    call_command("migrate", verbosity=0, interactive=False)
    topo = load_topology()
    grids = [g for village_grids in topo.grids.values() for g in village_grids]
    workers = {ra.region_id: ra.user for ra in RoleAssignment.objects.filter(
        role=Role.GRID_WORKER, region__in=grids, user__username__startswith="grid-").select_related("user")}
    heads = {ra.region_id: ra.user for ra in RoleAssignment.objects.filter(
        role=Role.COMMITTEE_HEAD, user__username__startswith="head-").select_related("user")}
    rng = random.Random(7)

    def top_up(size: int) -> None:
        missing = size - Case.objects.count()
        began, done = time.monotonic(), 0
        while done < missing:
            with transaction.atomic():
                for _ in range(min(BATCH, missing - done)):
                    grid = grids[done % len(grids)]
                    body = filing_body(rng)
                    body.pop("grid", None)
                    parties = [services.PartyInput(**p) for p in body.pop("parties")]
                    for key in ("occurred_at", "people_involved", "amount_involved", "latitude", "longitude"):
                        body.pop(key)
                    case, _ = services.case_file(actor=workers[grid.pk], data=services.CaseInput(
                        grid=grid, parties=parties, **body))
                    if done % 10 == 0 and case.status == "reported":
                        head = heads[grid.parent_id]
                        services.case_accept(case_id=case.pk, actor=head, mediators=[head])
                    done += 1
            print(f"  … {Case.objects.count()} cases ({time.monotonic() - began:.0f}s)", file=sys.stderr, flush=True)

    clients: dict[str, APIClient] = {}

    def api(username: str) -> APIClient:
        if username not in clients:
            token, _ = Token.objects.get_or_create(user=User.objects.get(username=username))
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
            clients[username] = client
        return clients[username]

    keys = iter(range(10**9))

    def measure(username: str, method: str, path: str, body: dict | None = None, **headers) -> tuple[Measured, dict]:
        client = api(username)
        origins = Origins()
        with connection.execute_wrapper(origins), CaptureQueriesContext(connection) as captured:
            if method == "GET":
                response = client.get(path)
            else:
                response = client.post(path, body or {}, format="json", **headers)
        if response.status_code not in (200, 201):
            raise RuntimeError(f"{username} {method} {path}: {response.status_code} {response.data}")
        sqls = [q["sql"] for q in captured.captured_queries]
        return Measured(len(sqls), origins.pair(sqls)), response.data

    def file(username: str = "grid1") -> tuple[Measured, int]:
        body = filing_body(rng)
        m, data = measure(username, "POST", "/api/v1/cases/", body, HTTP_IDEMPOTENCY_KEY=f"qc-{next(keys)}")
        return m, data["id"]

    def fire(username: str, case_id: int, name: str, body: dict | None = None) -> Measured:
        return measure(username, "POST", f"/api/v1/cases/{case_id}/transitions/{name}/", body)[0]

    agreement = {"terms": "责任方承担维修费800元，分两期支付", "obligations": [
        {"description": "支付第一期400元", "due_date": "2030-01-31"},
        {"description": "支付第二期400元", "due_date": "2030-02-28"}]}
    closing = {"fulfilled": True, "satisfaction": "satisfied"}
    township_code = topo.townships[0].code

    def scenario() -> dict[str, Measured]:
        out: dict[str, Measured] = {}
        file()  # warm-up: one-off work (today's number counter, caches) is not what we count
        out["file  POST /cases/ (grid1)"], village_case = file()
        out["accept (head1)"] = fire("head1", village_case, "accept", {"mediators": ["mediator1"]})
        out["record_agreement, village (mediator1)"] = fire("mediator1", village_case, "record_agreement", agreement)
        out["close, village (mediator1)"] = fire("mediator1", village_case, "close", closing)
        _, township_case = file()
        out["escalate (head1)"] = fire("head1", township_case, "escalate", {"reason": "涉及多户，村级调解难度大"})
        out["triage_to_mediation (center1)"] = fire("center1", township_case, "triage_to_mediation", {})
        out["refer (center1)"] = fire("center1", township_case, "refer",
                                      {"channel": "arbitration", "receiving_body": "诸暨市劳动人事争议仲裁委员会"})
        out["record_agreement, channel (center1)"] = fire("center1", township_case, "record_agreement", agreement)
        out["close, channel (center1)"] = fire("center1", township_case, "close", closing)
        for username in ("grid1", "head1", "mediator1", "center1", "county1"):
            out[f"list  GET /cases/ ({username})"] = measure(username, "GET", "/api/v1/cases/")[0]
        out["list  GET /cases/?region=…&status=reported (county1)"] = measure(
            "county1", "GET", f"/api/v1/cases/?region={township_code}&status=reported")[0]
        out["list  GET /cases/?overdue=false&page_size=50 (center1)"] = measure(
            "center1", "GET", "/api/v1/cases/?overdue=false&page_size=50")[0]
        out["list  GET /cases/?assigned_to_me=true (mediator1)"] = measure(
            "mediator1", "GET", "/api/v1/cases/?assigned_to_me=true")[0]
        out["detail GET /cases/{id}/ (head1)"] = measure("head1", "GET", f"/api/v1/cases/{village_case}/")[0]
        out["detail GET /cases/{id}/ (county1)"] = measure("county1", "GET", f"/api/v1/cases/{township_case}/")[0]
        return out

    results: dict[int, dict[str, Measured]] = {}
    for size in sizes:
        print(f"[{backend}] topping up to {size} cases…", file=sys.stderr, flush=True)
        top_up(size)
        results[size] = scenario()

    names = list(results[sizes[0]])
    rows, constant = [], True
    for name in names:
        counts = [results[s][name].count for s in sizes]
        same = len(set(counts)) == 1
        constant &= same
        rows.append([backend, name, *map(str, counts), "yes" if same else "NO"])
    print()
    print(table(["backend", "request", *(f"queries @{s:,} cases" for s in sizes), "constant"], rows))
    print(f"\n[{backend}] every count constant across {', '.join(f'{s:,}' for s in sizes)} cases: "
          f"{'yes' if constant else 'NO'}")

    if not constant:
        first, last = sizes[0], sizes[-1]
        for name in names:
            a, b = results[first][name], results[last][name]
            if a.count == b.count:
                continue
            print(f"\n{name}: {a.count} → {b.count} queries. Statements whose number changed:")
            shapes_a = collections.Counter(normalize(sql) for sql, _ in a.statements)
            shapes_b = collections.Counter(normalize(sql) for sql, _ in b.statements)
            where_b = collections.defaultdict(collections.Counter)
            for sql, where in b.statements:
                where_b[normalize(sql)][where] += 1
            for shape in sorted(set(shapes_a) | set(shapes_b), key=lambda s: shapes_a[s] - shapes_b[s]):
                if shapes_a[shape] != shapes_b[shape]:
                    print(f"  {shapes_a[shape]:>4} → {shapes_b[shape]:<4} {shape[:300]}")
                    for where, n in where_b[shape].most_common(3):
                        print(f"             {n}× from {where}")
    if verbose:
        for name, measured in results[sizes[-1]].items():
            print(f"\n== {name}: {measured.count} queries")
            for i, (sql, where) in enumerate(measured.statements, 1):
                print(f"  {i:>2}. [{where}] {sql[:240]}")
    return constant


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--sizes", default="100,10000", help="comma-separated case counts, ascending")
    parser.add_argument("--verbose", action="store_true", help="print every statement measured at the last size")
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(","))

    if args.backend == "both":
        # One process per backend: Django's settings (the database) are fixed once loaded.
        codes = []
        for backend in backends("both"):
            cmd = [sys.executable, str(Path(__file__).resolve()), "--backend", backend, "--sizes", args.sizes]
            codes.append(subprocess.run(cmd + (["--verbose"] if args.verbose else []), cwd=ROOT).returncode)
        return max(codes)

    with fresh_database(args.backend, DATABASE_NAME) as env:
        os.environ.clear()
        os.environ.update(env)
        return 0 if run(args.backend, sizes, args.verbose) else 1


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main())
