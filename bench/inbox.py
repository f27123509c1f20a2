"""The work-queue inbox with 100 and with 10,000 open tasks in one township: SQL per page and latency.

    python bench/inbox.py [--backend sqlite|postgres|both] [--sizes 100,10000] [--requests 200]
                          [--warmup 20] [--page-sizes 20,50]

For each backend: a fresh database, migrate, the demo topology. For each size the township
枫桥镇 is topped up to that many open tasks, through the services, so every task is a real
viewflow task with its timers: cases filed with `actions.services.case_file` (500 to a
transaction, round-robin over 枫桥镇's six grids by each grid's worker); every other one
escalated by its village head (`case_escalate`), so half the tasks are township triage tasks
in the governance center's queue and half are village acceptance tasks in the three
committees' queues; one village task in five is claimed by its village's mediator
(`actions.tasks.task_claim`).

Then, in process, through DRF's APIClient with token auth (the whole middleware stack, the
view, the serializer, JSON rendering — no network), each endpoint is requested once, then once
inside `CaptureQueriesContext` to count its SQL (BEGIN/COMMIT included, as in query_counts.py),
`--warmup` times unmeasured and `--requests` times measured — in turn with its bare twin,
one request of each, so both see the same machine:

  - ours — `GET /api/v1/tasks/?view=queue` as center1 (the center's unclaimed tasks) and
    `?view=all` as head1 (枫源村's committee), at each page size: read from the inbox's
    projection (flows.InboxEntry, kept in step by the services that filled the township), with
    the case, its region and the holder joined, soonest due first;
  - bare — `GET /bench/inbox-bare/?view=…`, a plain DRF `ListAPIView` + `ModelSerializer` over
    the same viewflow `Task` rows filtered the same way (same queue lookup, human tasks,
    open, in the viewer's bodies' queues, unowned for `queue`), ordered by id: no due-moment
    annotation, no case, no joins. It is mounted on a URLconf built by this script (the
    production URLconf and bench/urls.py do not know it).

It prints the ratios ours / bare, whether issue 13's target is met (p95 at most 1.5x the bare
list's at the largest size, for every endpoint), and whether the projection holds one row per
open task of the township. The PostgreSQL database is `fengqiao_bench_inbox` plus
BENCH_DATABASE_SUFFIX.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
import types
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._data import filing_body  # noqa: E402
from bench._support import ROOT, backends, fresh_database, machine_summary, postgres_version, table  # noqa: E402

DATABASE_NAME = "fengqiao_bench_inbox"
BATCH = 500
TOWNSHIP = "330681108"  # 枫桥镇
URLCONF = "bench_inbox_urls"
TARGET_P95_RATIO = 1.5  # issue 13: inbox at 10,000 open tasks, p95 <= 1.5x the bare list


def build_bare_view():
    """The baseline: the same Task rows, filtered the same way, as plainly as DRF lists anything."""
    from django.contrib.contenttypes.models import ContentType
    from rest_framework import generics, serializers
    from viewflow.workflow.models import Task
    from viewflow.workflow.status import STATUS

    from flows.queues import queue_organizations
    from mediation.models import Organization

    class BareTaskSerializer(serializers.ModelSerializer):
        class Meta:
            model = Task
            fields = ["id", "flow_task_type", "status", "owner", "process", "created", "owner_permission_obj_pk"]

    class BareTaskList(generics.ListAPIView):
        serializer_class = BareTaskSerializer

        def get_queryset(self):
            org_ids = [str(org.pk) for org in queue_organizations(self.request.user)]
            tasks = Task.objects.filter(
                flow_task_type="HUMAN", status__in=[STATUS.NEW, STATUS.ASSIGNED],
                owner_permission_content_type=ContentType.objects.get_for_model(Organization),
                owner_permission_obj_pk__in=org_ids,
            ).order_by("pk")
            view = self.request.query_params.get("view", "all")
            if view == "queue":
                tasks = tasks.filter(owner__isnull=True)
            elif view == "mine":
                tasks = tasks.filter(owner=self.request.user)
            return tasks

    return BareTaskList


def install_urlconf() -> None:
    """A URLconf module of this run: the bench URLs plus the bare inbox view."""
    from django.urls import include, path

    module = types.ModuleType(URLCONF)
    module.urlpatterns = [
        path("bench/inbox-bare/", build_bare_view().as_view(), name="bench-inbox-bare"),
        path("", include("bench.urls")),
    ]
    sys.modules[URLCONF] = module


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def run(backend: str, sizes: list[int], requests: int, warmup: int, page_sizes: list[int],
        services_up_to: int = 200) -> bool:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext, override_settings
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient
    from viewflow.workflow.models import Task
    from viewflow.workflow.status import STATUS

    from actions import services
    from actions.tasks import task_claim
    from casework.choices import Role
    from casework.models import Region, RoleAssignment, User
    from demo.topology import load_topology
    from flows import engine
    from flows.models import DisputeProcess

    call_command("migrate", verbosity=0, interactive=False)
    topo = load_topology()
    township = Region.objects.get(code=TOWNSHIP)
    grids = [g for village in topo.villages[township.code] for g in topo.grids[village.code]]
    workers = {ra.region_id: ra.user for ra in RoleAssignment.objects.filter(
        role=Role.GRID_WORKER, region__in=grids, user__username__startswith="grid-").select_related("user")}
    heads = {ra.region_id: ra.user for ra in RoleAssignment.objects.filter(
        role=Role.COMMITTEE_HEAD, user__username__startswith="head-").select_related("user")}
    mediators = {ra.region_id: ra.user for ra in RoleAssignment.objects.filter(
        role=Role.MEDIATOR, user__username__startswith="mediator-").select_related("user")}
    rng = random.Random(5)
    filed = [0]

    def open_tasks() -> int:
        return Task.objects.filter(flow_task_type="HUMAN", status__in=[STATUS.NEW, STATUS.ASSIGNED],
                                   process__disputeprocess__case__region_path__startswith=township.path + ".").count()

    def clone_up_to(size: int) -> None:
        """Copy the cases filed so far, with their process, open stage task and open clocks, until
        the township holds `size` open tasks; then fill the projection for them with one bulk
        `flows.inbox.sync` — what a bulk writer of tasks does."""
        from django.db import connection
        from viewflow.workflow.models import Process

        from casework.models import Case, CaseDeadline
        from flows import inbox
        from flows.models import InboxEntry

        sources = list(Task.objects.filter(flow_task_type="HUMAN", status__in=[STATUS.NEW, STATUS.ASSIGNED],
                                           process__disputeprocess__case__region_path__startswith=township.path + ".")
                       .select_related("process__disputeprocess__case").order_by("pk"))
        clocks: dict[int, list] = {}
        for deadline in CaseDeadline.objects.filter(case__in=[t.process.disputeprocess.case_id for t in sources],
                                                    ended_at__isnull=True):
            clocks.setdefault(deadline.case_id, []).append(deadline)

        def copy_of(row, model=None, **changes):
            """A new unsaved row of `model` (default: the row's) with the row's column values and `changes`."""
            model = model or type(row)
            values = {f.attname: getattr(row, f.attname) for f in model._meta.concrete_fields if not f.primary_key}
            return model(**{**values, **changes})

        missing, copy = size - open_tasks(), 0
        began = time.monotonic()
        while missing > 0:
            batch = [sources[(copy + i) % len(sources)] for i in range(min(BATCH * 4, missing))]
            with transaction.atomic():
                cases = []
                for i, task in enumerate(batch):
                    case = copy_of(task.process.disputeprocess.case)
                    case.number = f"{case.number}-c{copy + i}"
                    cases.append(case)
                Case.objects.bulk_create(cases)
                processes = [copy_of(task.process, model=Process) for task in batch]
                Process.objects.bulk_create(processes)
                with connection.cursor() as cursor:  # the child rows of the multi-table DisputeProcess
                    cursor.executemany("INSERT INTO flows_disputeprocess (process_ptr_id, case_id) VALUES (%s, %s)",
                                       [(p.pk, c.pk) for p, c in zip(processes, cases, strict=True)])
                tasks = [copy_of(task, process_id=process.pk) for task, process in zip(batch, processes, strict=True)]
                Task.objects.bulk_create(tasks)
                deadlines = []
                for task, case in zip(batch, cases, strict=True):
                    for deadline in clocks.get(task.process.disputeprocess.case_id, []):
                        deadlines.append(copy_of(deadline, case_id=case.pk))
                CaseDeadline.objects.bulk_create(deadlines)
                inbox.sync([c.pk for c in cases])
            copy += len(batch)
            missing -= len(batch)
            print(f"  … {open_tasks():,} open tasks, {InboxEntry.objects.count():,} in the inbox "
                  f"({time.monotonic() - began:.0f}s)", file=sys.stderr, flush=True)

    def top_up(size: int) -> None:
        if size > services_up_to and open_tasks() < size:
            top_up(services_up_to)
            clone_up_to(size)
            return
        missing = size - open_tasks()
        began, done = time.monotonic(), 0
        while done < missing:
            with transaction.atomic():
                for _ in range(min(BATCH, missing - done)):
                    i = filed[0]
                    grid = grids[i % len(grids)]
                    body = filing_body(rng)
                    parties = [services.PartyInput(**p) for p in body.pop("parties")]
                    for key in ("occurred_at", "people_involved", "amount_involved", "latitude", "longitude"):
                        body.pop(key)
                    body["risk_level"] = "normal"
                    case, _ = services.case_file(actor=workers[grid.pk], data=services.CaseInput(
                        grid=grid, parties=parties, **body))
                    if i % 2 == 0:
                        services.case_escalate(case_id=case.pk, actor=heads[grid.parent_id], reason="村级调解难度大")
                    elif i % 10 == 1:  # one village task in five
                        process = DisputeProcess.objects.only("pk").get(case=case)
                        task_claim(task_id=engine.open_stage_task(process.pk).pk, actor=mediators[grid.parent_id])
                    filed[0] += 1
                    done += 1
            print(f"  … {open_tasks():,} open tasks ({time.monotonic() - began:.0f}s)", file=sys.stderr, flush=True)

    clients: dict[str, APIClient] = {}

    def client(username: str) -> APIClient:
        if username not in clients:
            token, _ = Token.objects.get_or_create(user=User.objects.get(username=username))
            clients[username] = APIClient(HTTP_HOST="localhost")  # one of ALLOWED_HOSTS, unlike "testserver"
            clients[username].credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return clients[username]

    endpoints = []
    for page_size in page_sizes:
        for who, view in (("center1", "queue"), ("head1", "all")):
            endpoints.append((f"ours  /api/v1/tasks/?view={view}&page_size={page_size} ({who})", who,
                              f"/api/v1/tasks/?view={view}&page_size={page_size}"))
            endpoints.append((f"bare  /bench/inbox-bare/?view={view}&page_size={page_size} ({who})", who,
                              f"/bench/inbox-bare/?view={view}&page_size={page_size}"))

    install_urlconf()
    results: dict[int, dict[str, tuple]] = {}
    with override_settings(ROOT_URLCONF=URLCONF):
        for size in sizes:
            print(f"[{backend}] topping up to {size:,} open tasks in 枫桥镇…", file=sys.stderr, flush=True)
            top_up(size)
            # The planner's statistics, as a database in service has them (autovacuum analyzes a
            # table once a tenth of it has changed): as fire_deadlines.py, PostgreSQL only.
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
            results[size] = {}
            # Each endpoint of ours is measured with its bare twin, one request of each in turn, so
            # that both see the same share of a machine other work may be using.
            for pair in (endpoints[i:i + 2] for i in range(0, len(endpoints), 2)):
                facts = {}
                for name, who, url in pair:
                    client(who).get(url)  # what the process loads once (on PostgreSQL, 5 statements) is not counted
                    with CaptureQueriesContext(connection) as captured:
                        response = client(who).get(url)
                    if response.status_code != 200:
                        raise RuntimeError(f"{name}: {response.status_code} {response.content[:300]}")
                    facts[name] = (len(captured.captured_queries), response.data["count"], len(response.data["results"]))
                    for _ in range(warmup):
                        client(who).get(url)
                times = {name: [] for name, _, _ in pair}
                for _ in range(requests):
                    for name, who, url in pair:
                        c = client(who)
                        began = time.perf_counter()
                        c.get(url)
                        times[name].append(1000 * (time.perf_counter() - began))
                for name, _, _ in pair:
                    results[size][name] = (*facts[name], statistics.median(times[name]),
                                           percentile(times[name], 0.95), statistics.fmean(times[name]))
                    print(f"  {name}: {results[size][name]}", file=sys.stderr, flush=True)

    from flows.models import InboxEntry

    projection_rows = InboxEntry.objects.filter(case__region_path__startswith=township.path + ".").count()
    rows, constant = [], True
    for name, _, _ in endpoints:
        queries = [results[s][name][0] for s in sizes]
        constant &= len(set(queries)) == 1
        for size in sizes:
            q, count, page, p50, p95, mean = results[size][name]
            rows.append([backend, name, f"{size:,}", f"{count:,}", str(page), str(q), f"{p50:.1f}", f"{p95:.1f}", f"{mean:.1f}"])
    print()
    print(table(["backend", "endpoint", "open tasks", "count", "rows", "queries", "p50 ms", "p95 ms", "mean ms"],
                rows, align_left=2))
    ratios = []
    for size in sizes:
        for name, _, _ in endpoints:
            if name.startswith("ours"):
                bare = name.replace("ours  /api/v1/tasks/", "bare  /bench/inbox-bare/")
                ratios.append([backend, name.removeprefix("ours  "), f"{size:,}",
                               f"{results[size][name][3] / results[size][bare][3]:.2f}x",
                               f"{results[size][name][4] / results[size][bare][4]:.2f}x"])
    print()
    print(table(["backend", "ours / bare", "open tasks", "p50", "p95"], ratios))
    print(f"\n[{backend}] query counts constant across {', '.join(f'{s:,}' for s in sizes)} open tasks: "
          f"{'yes' if constant else 'NO'}", flush=True)
    largest = sizes[-1]
    worst = max(results[largest][name][4] / results[largest][name.replace("ours  /api/v1/tasks/", "bare  /bench/inbox-bare/")][4]
                for name, _, _ in endpoints if name.startswith("ours"))
    print(f"[{backend}] target (issue 13): inbox p95 <= {TARGET_P95_RATIO}x the bare list's at {largest:,} open tasks — "
          f"worst endpoint {worst:.2f}x: {'met' if worst <= TARGET_P95_RATIO else 'NOT met'}", flush=True)
    print(f"[{backend}] projection in step: {projection_rows:,} inbox rows for {open_tasks():,} open tasks "
          f"({'yes' if projection_rows == open_tasks() else 'NO'})", flush=True)
    return constant and projection_rows == open_tasks()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--sizes", default="100,10000", help="comma-separated open-task counts, ascending")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--page-sizes", default="20,50")
    parser.add_argument("--services-up-to", type=int, default=200,
                        help="open tasks filed through the services; beyond, copies of them are written in bulk")
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(","))
    page_sizes = [int(s) for s in args.page_sizes.split(",")]

    if args.backend == "both":
        print(f"# {machine_summary()}, PostgreSQL {postgres_version()}", flush=True)
        codes = []
        for backend in backends("both"):
            cmd = [sys.executable, str(Path(__file__).resolve()), "--backend", backend, "--sizes", args.sizes,
                   "--requests", str(args.requests), "--warmup", str(args.warmup), "--page-sizes", args.page_sizes,
                   "--services-up-to", str(args.services_up_to)]
            codes.append(subprocess.run(cmd, cwd=ROOT).returncode)
        return max(codes)

    with fresh_database(args.backend, DATABASE_NAME) as env:
        os.environ.clear()
        os.environ.update(env)
        began = time.monotonic()
        ok = run(args.backend, sizes, args.requests, args.warmup, page_sizes, args.services_up_to)
        print(f"[{args.backend}] whole run {time.monotonic() - began:.0f}s", flush=True)
        return 0 if ok else 1


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main())
