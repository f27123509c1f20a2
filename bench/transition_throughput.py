"""Transition throughput and latency over real HTTP, against a bare Django insert on the same server.

    python bench/transition_throughput.py [--backend sqlite|postgres|both] [--cases 100]
                                          [--warmup-cases 10] [--concurrency 8]
                                          [--township-share 0.5] [--root DIR] [--json FILE]

For each backend: a fresh database, `migrate`, the demo topology, then the real ASGI app
(config.asgi, bench settings) under uvicorn in one worker process on 127.0.0.1. grid1, head1,
mediator1 and center1 get their tokens through the API; grid1 files the cases (not measured).
Then `--concurrency` client threads, each with its own keep-alive connection, take whole cases
from one queue (a case belongs to one thread: no two requests ever race on a case) and walk each
along its path, warm-up cases first (not measured), then the measured ones:

  village   head1 accept (mediators ["mediator1"]) → mediator1 record_agreement → head1 close
  township  head1 escalate → center1 triage_to_mediation → center1 refer (court)
            → center1 record_agreement → center1 close

  ours  POST /api/v1/cases/{id}/transitions/{name}/
  bare  POST /bench/bare/   the same sequence of requests: same tokens, same bodies, same
                            concurrency; one token lookup, one INSERT

and the script prints transitions, errors, transitions/s and p50/p95/p99 latency, the server's
CPU per request, and ours/bare. Everything goes over HTTP and the topology loader is found by
name, so `--root DIR` runs the server from another checkout of the project (an older commit)
with this same script. The server is stopped by its pid when the run ends, fails or is
interrupted. Numbers only: nothing here asserts a time.
"""
from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._data import filing_body  # noqa: E402
from bench._support import (  # noqa: E402
    ROOT,
    backends,
    fresh_database,
    machine_summary,
    postgres_version,
    table,
)
from bench.filing_throughput import (  # noqa: E402
    HOST,
    call,
    cpu_seconds,
    free_port,
    machine_busy_seconds,
    own_cpu_seconds,
)

DATABASE_NAME = "fengqiao_bench_transitions"
OURS, BARE = "POST /api/v1/cases/{id}/transitions/{name}/", "POST /bench/bare/ (bare)"
USERS = ("grid1", "head1", "mediator1", "center1")

# Works against the current layout (demo.topology) and the older one (casework.demo).
LOAD_TOPOLOGY = """\
try:
    from demo.topology import load_topology
except ModuleNotFoundError as exc:
    if exc.name not in ("demo", "demo.topology"):
        raise
    from casework.demo import load_topology
load_topology()
"""


@dataclass
class Step:
    """One request of a case's walk: who fires which transition with which body."""

    user: str
    name: str
    body: bytes


@dataclass
class Walk:
    case_id: int
    path: str  # "village" or "township"
    steps: list[Step]


@dataclass
class Result:
    backend: str
    endpoint: str
    requests: int  # requests sent (a failed step ends its case's walk: the rest are skipped)
    errors: int
    seconds: float
    latencies_ms: list[float] = field(repr=False)
    by_transition: dict[str, list[float]] = field(repr=False, default_factory=dict)
    skipped: int = 0
    error_samples: list[str] = field(default_factory=list)
    server_cpu_seconds: float | None = None  # user + system time of the uvicorn process
    # Share of the machine's CPU capacity used during the measured phase by everything but
    # the server and this client: the database server on PostgreSQL, and any other work.
    others_cpu_share: float | None = None

    @property
    def cpu_ms_per_request(self) -> float | None:
        if self.server_cpu_seconds is None or not self.requests:
            return None
        return self.server_cpu_seconds * 1000 / self.requests

    @property
    def rate(self) -> float:
        return (self.requests - self.errors) / self.seconds if self.seconds else 0.0

    def percentile(self, p: float, values: list[float] | None = None) -> float:
        """Nearest-rank percentile of the successful requests' latencies."""
        ordered = sorted(self.latencies_ms if values is None else values)
        if not ordered:
            return float("nan")
        rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
        return ordered[rank - 1]

    def row(self) -> list[str]:
        return [self.backend, self.endpoint, str(self.requests), str(self.errors), f"{self.rate:.1f}",
                f"{self.percentile(50):.1f}", f"{self.percentile(95):.1f}", f"{self.percentile(99):.1f}",
                f"{statistics.fmean(self.latencies_ms):.1f}" if self.latencies_ms else "nan",
                f"{self.cpu_ms_per_request:.1f}" if self.cpu_ms_per_request is not None else "n/a",
                f"{self.others_cpu_share:.0%}" if self.others_cpu_share is not None else "n/a"]


# --- the checkout the server runs ---

@dataclass
class Checkout:
    """Where the server's code comes from: its directory, its Python, its PYTHONPATH."""

    root: Path
    python: str
    pythonpath: list[str]
    bench_from: Path  # the checkout whose `bench` package (settings, urls, bareapp) the server imports
    commit: str

    @classmethod
    def at(cls, root: Path, shim_dir: Path) -> Checkout:
        root = root.resolve()
        if not (root / "manage.py").is_file() or not (root / "config").is_dir():
            raise SystemExit(f"--root {root}: no manage.py and config/ there; not a checkout of the project")
        own = root / "bench"
        needed = ("__init__.py", "settings.py", "urls.py", "bareapp/__init__.py", "bareapp/views.py")
        if all((own / n).exists() for n in needed):
            bench_from, pythonpath = root, [str(root)]
        elif own.exists():
            # manage.py and `python -m` put the root first on sys.path, so its partial `bench`
            # would shadow any other: refuse rather than run half of each.
            raise SystemExit(f"--root {root}: its bench/ lacks {', '.join(n for n in needed if not (own / n).exists())}")
        else:
            # No bench package there: this script's own, through a folder holding only a link to
            # it (putting this checkout itself on the path would also expose its other packages).
            (shim_dir / "bench").symlink_to(ROOT / "bench", target_is_directory=True)
            bench_from, pythonpath = ROOT, [str(root), str(shim_dir)]
        venv_python = root / ".venv" / "bin" / "python"
        python = str(venv_python) if venv_python.exists() else sys.executable
        done = subprocess.run(["git", "-C", str(root), "log", "-1", "--format=%h %s"], capture_output=True, text=True)
        commit = done.stdout.strip() if done.returncode == 0 else "unknown commit"
        return cls(root, python, pythonpath, bench_from, commit)

    def environment(self, env: dict[str, str]) -> dict[str, str]:
        """fresh_database()'s environment with this checkout (not necessarily this script's) on the path."""
        env = dict(env)
        inherited = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p and p != str(ROOT)]
        env["PYTHONPATH"] = os.pathsep.join(self.pythonpath + inherited)
        return env


def run_step(checkout: Checkout, env: dict[str, str], *args: str) -> str:
    done = subprocess.run([checkout.python, *args], cwd=checkout.root, env=env, capture_output=True, text=True,
                          timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def prepare_database(checkout: Checkout, env: dict[str, str]) -> None:
    run_step(checkout, env, "manage.py", "migrate", "--noinput", "-v", "0")
    run_step(checkout, env, "manage.py", "shell", "-c", LOAD_TOPOLOGY)


class Server:
    """uvicorn serving the checkout's config.asgi:application in one process; stopped by its pid."""

    def __init__(self, checkout: Checkout, env: dict[str, str], log_path: Path):
        self.port = free_port()
        self.log_path = log_path
        self._log = open(log_path, "w")  # closed in stop()
        self.proc = subprocess.Popen(
            [checkout.python, "-m", "uvicorn", "config.asgi:application", "--host", HOST, "--port", str(self.port),
             "--workers", "1", "--lifespan", "off", "--no-access-log", "--log-level", "warning"],
            cwd=checkout.root, env=env, stdout=self._log, stderr=subprocess.STDOUT,
            # Its own session: a Ctrl-C at the terminal reaches only this script, which then
            # stops the server itself, by pid, in order.
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                conn = http.client.HTTPConnection(HOST, self.port, timeout=5)
                conn.request("GET", "/api/v1/me/")
                conn.getresponse().read()
                conn.close()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"the server did not answer within {timeout}s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        self._log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def exceptions(self) -> Counter[str]:
        """The final line of each traceback in the server's log ("module.Error: message"), counted."""
        self._log.flush()
        pattern = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Warning)\b.*$")
        return Counter(line for line in self.log_path.read_text(errors="replace").splitlines() if pattern.match(line))

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # this pid only
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)
        self._log.close()


# --- the client ---

def login(port: int, username: str) -> str:
    status, data = call("POST", "/api/v1/auth/token/", {"username": username, "password": "fengqiao-demo"}, port=port)
    if status != 200:
        raise RuntimeError(f"no token for {username}: {status} {data}")
    return data["token"]


def grid_of(port: int, token: str) -> str:
    status, me = call("GET", "/api/v1/me/", token=token, port=port)
    if status != 200:
        raise RuntimeError(f"GET /api/v1/me/: {status} {me}")
    return next(r["region"]["code"] for r in me["roles"] if r["region"]["level"] == "grid")


def run_threads(concurrency: int, work) -> float:
    """Run `work()` in `concurrency` threads released together; the wall time until all are done."""
    start = threading.Barrier(concurrency + 1)

    def client() -> None:
        start.wait()
        work()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(concurrency)]
    for t in threads:
        t.start()
    start.wait()
    began = time.perf_counter()
    for t in threads:
        t.join()
    return time.perf_counter() - began


def file_cases(port: int, token: str, grid: str, count: int, concurrency: int, seed: int) -> list[int]:
    """File `count` cases as grid1 through the API (not measured); their ids, in filing order."""
    rng = random.Random(seed)
    # No high-risk filing: those go straight to township triage and could not be accepted.
    bodies = [json.dumps(filing_body(rng, grid=grid, high_risk_share=0.0), ensure_ascii=False).encode()
              for _ in range(count)]
    ids: list[int | None] = [None] * count
    queue = iter(range(count))
    take = threading.Lock()
    failures: list[str] = []

    def work() -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=120)
        while True:
            with take:
                i = next(queue, None)
            if i is None:
                break
            # Setup, not measured: a filing that fails (say, SQLite's lock timeout on a busy
            # machine) is sent again with the same key, which can never make a second case.
            headers = {"Content-Type": "application/json", "Authorization": f"Token {token}",
                       "Idempotency-Key": f"bench-{uuid.uuid4()}"}
            for _attempt in range(3):
                try:
                    conn.request("POST", "/api/v1/cases/", bodies[i], headers)
                    response = conn.getresponse()
                    status, payload = response.status, response.read()
                except (OSError, http.client.HTTPException) as exc:
                    status, payload = 0, repr(exc).encode()
                    conn.close()
                    conn = http.client.HTTPConnection(HOST, port, timeout=120)
                if status in (200, 201):
                    ids[i] = json.loads(payload)["id"]
                    break
            else:
                failures.append(f"{status} {brief(payload)}")
        conn.close()

    run_threads(concurrency, work)
    if failures:
        raise RuntimeError(f"{len(failures)} of {count} filings failed, e.g. {failures[0]}")
    return [i for i in ids if i is not None]


def walks(case_ids: list[int], township_share: float, seed: int) -> list[Walk]:
    """Each case's path and its requests, the township path for a `township_share` of them."""
    rng = random.Random(seed)
    due = (dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date() + dt.timedelta(days=30)).isoformat()
    agreement = {"terms": "责任方承担维修费800元，于三十日内一次付清", "obligations": [
        {"description": "支付维修费800元", "due_date": due}]}
    closing = {"fulfilled": True, "satisfaction": "satisfied"}

    def step(user: str, name: str, body: dict) -> Step:
        return Step(user, name, json.dumps(body, ensure_ascii=False).encode())

    village = [step("head1", "accept", {"mediators": ["mediator1"]}),
               step("mediator1", "record_agreement", agreement),
               step("head1", "close", closing)]
    township = [step("head1", "escalate", {"reason": "涉及多户，村级调解难度大"}),
                step("center1", "triage_to_mediation", {}),
                step("center1", "refer", {"channel": "court", "receiving_body": "诸暨市人民法院"}),
                step("center1", "record_agreement", agreement),
                step("center1", "close", closing)]
    out = []
    for case_id in case_ids:
        path = "township" if rng.random() < township_share else "village"
        out.append(Walk(case_id, path, township if path == "township" else village))
    return out


def brief(payload: bytes) -> str:
    """An error response in one line: a JSON body as is, an HTML error page by its title."""
    text = payload.decode(errors="replace")
    title = re.search(r"<title>(.*?)</title>", text, re.S | re.I)
    if text.lstrip().startswith("<"):
        return f"HTML page {' '.join(title.group(1).split())!r}" if title else "HTML page"
    return " ".join(text.split())[:200]


def label(step: Step, path: str) -> str:
    return f"{step.name} ({step.user}, {path})"


def load(port: int, bare: bool, tokens: dict[str, str], case_walks: list[Walk], concurrency: int):
    """Walk every case once from `concurrency` keep-alive connections, a whole case per thread at a time.

    (seconds, latencies ms, latencies ms by transition, errors, requests sent, steps skipped).
    `bare` sends each step to /bench/bare/ instead, with the same token and body.
    """
    queue = iter(case_walks)
    take = threading.Lock()
    latencies: list[float] = []
    by_transition: dict[str, list[float]] = {}
    errors: list[str] = []
    counts = {"sent": 0, "skipped": 0}
    ok = (201,) if bare else (200,)

    def work() -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=120)
        mine: list[tuple[str, float]] = []
        sent = skipped = 0
        mine_errors: list[str] = []
        while True:
            with take:
                walk = next(queue, None)
            if walk is None:
                break
            for n, step in enumerate(walk.steps):
                path = "/bench/bare/" if bare else f"/api/v1/cases/{walk.case_id}/transitions/{step.name}/"
                headers = {"Content-Type": "application/json", "Authorization": f"Token {tokens[step.user]}"}
                began = time.perf_counter()
                try:
                    conn.request("POST", path, step.body, headers)
                    response = conn.getresponse()
                    payload = response.read()
                    status = response.status
                except (OSError, http.client.HTTPException) as exc:
                    status, payload = 0, repr(exc).encode()
                    conn.close()
                    conn = http.client.HTTPConnection(HOST, port, timeout=120)
                elapsed = (time.perf_counter() - began) * 1000
                sent += 1
                if status in ok:
                    mine.append((label(step, walk.path), elapsed))
                else:
                    mine_errors.append(f"{label(step, walk.path)} case {walk.case_id}: {status} {brief(payload)}")
                    if not bare:  # the rest of this case's walk would only fail in turn
                        skipped += len(walk.steps) - n - 1
                        break
        conn.close()
        with take:
            for name, ms in mine:
                latencies.append(ms)
                by_transition.setdefault(name, []).append(ms)
            errors.extend(mine_errors)
            counts["sent"] += sent
            counts["skipped"] += skipped

    seconds = run_threads(concurrency, work)
    return seconds, latencies, by_transition, errors, counts["sent"], counts["skipped"]


def measure(backend: str, endpoint: str, server: Server, tokens: dict[str, str], warmup: list[Walk],
            measured: list[Walk], concurrency: int) -> Result:
    bare = endpoint == BARE
    if warmup:
        load(server.port, bare, tokens, warmup, concurrency)
    cpu_before, busy_before, own_before = cpu_seconds(server.proc.pid), machine_busy_seconds(), own_cpu_seconds()
    seconds, latencies, by_transition, errors, sent, skipped = load(server.port, bare, tokens, measured, concurrency)
    cpu_after, busy_after, own_after = cpu_seconds(server.proc.pid), machine_busy_seconds(), own_cpu_seconds()
    cpu = cpu_after - cpu_before if cpu_before is not None and cpu_after is not None else None
    others = None
    if cpu is not None and busy_before is not None and busy_after is not None:
        others = max(0.0, busy_after - busy_before - cpu - (own_after - own_before)) / (seconds * (os.cpu_count() or 1))
    return Result(backend, endpoint, sent, len(errors), seconds, latencies, by_transition, skipped, errors[:5],
                  cpu, others)


def closed_count(port: int, token: str) -> int | None:
    """How many cases center1 sees closed: every walked case should be (only informative)."""
    status, data = call("GET", "/api/v1/cases/?status=closed&page_size=1", token=token, port=port)
    return data.get("count") if status == 200 else None


def run_backend(backend: str, checkout: Checkout, args) -> list[Result]:
    print(f"[{backend}] fresh database, migrate, demo topology…", flush=True)
    with fresh_database(backend, DATABASE_NAME) as base_env, tempfile.TemporaryDirectory() as logs:
        env = checkout.environment(base_env)
        prepare_database(checkout, env)
        server = Server(checkout, env, Path(logs) / "server.log")
        try:
            server.wait_ready()
            print(f"[{backend}] uvicorn pid {server.proc.pid} on {HOST}:{server.port}; load average "
                  f"{os.getloadavg()[0]:.2f} (other processes on the machine skew the figures)", flush=True)
            tokens = {u: login(server.port, u) for u in USERS}
            grid = grid_of(server.port, tokens["grid1"])
            began = time.perf_counter()
            ids = file_cases(server.port, tokens["grid1"], grid, args.warmup_cases + args.cases, args.concurrency,
                             seed=3)
            print(f"[{backend}] filed {len(ids)} cases as grid1 in {time.perf_counter() - began:.1f} s "
                  f"(not measured)", flush=True)
            all_walks = walks(ids, args.township_share, seed=4)
            warmup, measured = all_walks[:args.warmup_cases], all_walks[args.warmup_cases:]
            township = sum(w.path == "township" for w in measured)
            print(f"[{backend}] measured: {len(measured)} cases ({len(measured) - township} village, {township} "
                  f"township), {sum(len(w.steps) for w in measured)} transitions; warm-up: {len(warmup)} cases, "
                  f"{sum(len(w.steps) for w in warmup)} transitions", flush=True)
            results = []
            # The baseline first, then ours: each with its own warm-up. Bare changes no case, so
            # ours then walks the same cases from their start.
            for endpoint in (BARE, OURS):
                result = measure(backend, endpoint, server, tokens, warmup, measured, args.concurrency)
                print(f"[{backend}] {endpoint}: {result.rate:.1f} req/s, p50 {result.percentile(50):.1f} ms, "
                      f"{result.errors} errors" + (f", {result.skipped} steps skipped" if result.skipped else ""),
                      flush=True)
                for sample in result.error_samples:
                    print(f"    error: {sample}", flush=True)
                results.append(result)
            if any(r.errors for r in results):
                found = server.exceptions()
                print(f"[{backend}] exceptions in the server's log:" + "".join(
                    f"\n    {n} x {line}" for line, n in found.most_common()) if found else
                    f"[{backend}] the server's log, last lines:\n{server.log_tail(20)}", flush=True)
            closed = closed_count(server.port, tokens["center1"])
            print(f"[{backend}] closed cases after the run: {closed} of {len(ids)} walked", flush=True)
            if server.proc.poll() is not None:
                raise RuntimeError(f"the server died during the run:\n{server.log_tail()}")
            return results
        finally:
            server.stop()
            print(f"[{backend}] server stopped (exit {server.proc.returncode})", flush=True)


def ratio_row(backend: str, ours: Result, bare: Result) -> list[str]:
    def r(a: float, b: float) -> str:
        return f"{a / b:.2f}x" if b else "-"

    return [backend, "ratio ours/bare", "", "", r(ours.rate, bare.rate), r(ours.percentile(50), bare.percentile(50)),
            r(ours.percentile(95), bare.percentile(95)), r(ours.percentile(99), bare.percentile(99)),
            r(statistics.fmean(ours.latencies_ms), statistics.fmean(bare.latencies_ms))
            if ours.latencies_ms and bare.latencies_ms else "-",
            r(ours.cpu_ms_per_request, bare.cpu_ms_per_request)
            if ours.cpu_ms_per_request and bare.cpu_ms_per_request else "-", ""]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--cases", type=int, default=100, help="measured cases, each walked to `closed`")
    parser.add_argument("--warmup-cases", type=int, default=10, help="cases walked first, not measured")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--township-share", type=float, default=0.5,
                        help="share of cases walked along the township path (the rest: the village path)")
    parser.add_argument("--root", type=Path, default=ROOT,
                        help="the project checkout whose manage.py and config the server runs (default: this "
                             "script's); its bench package is used if it has one, else this script's")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    if args.json:
        args.json = args.json.resolve()

    # SIGTERM ends the run like Ctrl-C does, through the `finally` that stops the server.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    with tempfile.TemporaryDirectory(prefix="fengqiao-bench-shim-") as shim:
        checkout = Checkout.at(args.root, Path(shim))
        print(machine_summary(), flush=True)
        if "postgres" in backends(args.backend):
            print(f"PostgreSQL {postgres_version()}", flush=True)
        print(f"server code: {checkout.root} ({checkout.commit}), bench package from {checkout.bench_from}, "
              f"Python {checkout.python}", flush=True)
        print(f"{args.concurrency} clients, {args.warmup_cases} warm-up + {args.cases} measured cases per endpoint "
              f"({args.township_share:.0%} township path), one uvicorn worker; client and server share the machine",
              flush=True)

        results: list[Result] = []
        for backend in backends(args.backend):
            results.extend(run_backend(backend, checkout, args))

    rows, detail = [], []
    for backend in backends(args.backend):
        mine = {r.endpoint: r for r in results if r.backend == backend}
        rows += [mine[OURS].row(), mine[BARE].row(), ratio_row(backend, mine[OURS], mine[BARE])]
        ours = mine[OURS]
        for name, values in ours.by_transition.items():
            detail.append([backend, name, str(len(values)), f"{ours.percentile(50, values):.1f}",
                           f"{ours.percentile(95, values):.1f}", f"{statistics.fmean(values):.1f}"])
    print()
    print(f"server code: {checkout.root} ({checkout.commit})")
    print(table(["backend", "endpoint", "requests", "errors", "req/s", "p50 ms", "p95 ms", "p99 ms", "mean ms",
                 "server CPU ms/req", "others CPU"], rows))
    print("server CPU ms/req: the uvicorn process only. others CPU: the share of the machine's CPU used during the\n"
          "measured phase by everything but the server and the client (PostgreSQL itself, and any other work).")
    print()
    print(table(["backend", "transition (actor, path)", "fired", "p50 ms", "p95 ms", "mean ms"], detail))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({
            "root": str(checkout.root), "commit": checkout.commit, "concurrency": args.concurrency,
            "cases": args.cases, "warmup_cases": args.warmup_cases, "township_share": args.township_share,
            "results": [
                {**{k: v for k, v in asdict(r).items() if k not in ("latencies_ms", "by_transition")},
                 "req_per_s": r.rate, "p50_ms": r.percentile(50), "p95_ms": r.percentile(95),
                 "p99_ms": r.percentile(99), "mean_ms": statistics.fmean(r.latencies_ms) if r.latencies_ms else None,
                 "server_cpu_ms_per_request": r.cpu_ms_per_request, "others_cpu_share": r.others_cpu_share,
                 "by_transition": {name: {"fired": len(v), "p50_ms": r.percentile(50, v), "p95_ms": r.percentile(95, v),
                                          "mean_ms": statistics.fmean(v)} for name, v in r.by_transition.items()}}
                for r in results]}, indent=2, ensure_ascii=False))
    return 1 if any(r.errors for r in results) else 0


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main())
