"""Filing throughput and latency over real HTTP, against a bare Django insert on the same server.

    python bench/filing_throughput.py [--backend sqlite|postgres|both] [--requests 1600]
                                      [--concurrency 16] [--warmup 160] [--processes 1] [--profile]

For each backend: a fresh database, `migrate`, the demo topology, then the real ASGI app
(config.asgi, bench settings) under uvicorn in one worker process on 127.0.0.1 — or
`--processes N` such processes on the same database, each on its own port (on SQLite one file,
named by `DATABASE_URL=sqlite:///…` as a deployment of several processes names it). grid1 gets a
token through the API. Then `--concurrency` client threads, each with its own keep-alive
connection (client i to server i mod N), send `--warmup` unmeasured requests and `--requests`
measured ones to

  ours  POST /api/v1/cases/   realistic bodies, each with its own Idempotency-Key
  bare  POST /bench/bare/     bodies from the same generator and the same token; one token lookup, one INSERT

and the script prints requests, errors, req/s and p50/p95/p99 latency, and ours/bare. With
`--profile`, py-spy samples the server through each measured phase and the script prints where
its CPU went, in ms a request: what the floor of each endpoint is made of.
The server is stopped by its pid when the run ends, fails or is interrupted.
Numbers only: nothing here asserts a time.
"""
from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import signal
import socket
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
from bench._profile import Profile, Sampler  # noqa: E402
from bench._support import (  # noqa: E402
    ROOT,
    backends,
    fresh_database,
    machine_summary,
    postgres_version,
    table,
)

HOST = "127.0.0.1"
DATABASE_NAME = "fengqiao_bench"
# Issue 13's targets, each against the bare insert measured in the same run.
TARGET_RATE_RATIO = 0.6  # ours/bare throughput at least this
TARGET_P99_RATIO = 2.0  # ours/bare p99 at most this
OURS, BARE = "POST /api/v1/cases/", "POST /bench/bare/ (bare)"
# With --profile: the functions whose callees are listed, per endpoint (a frame's text holds these).
BREAKDOWN = {
    OURS: ["APIView.dispatch (", "CaseListCreateView.post (", "case_file (actions/filing.py)",
           "_create_case (actions/filing.py)", "Serializer.to_representation ("],
    BARE: ["bare_insert ("],
}
VIEW_ENTRY = {OURS: "APIView.dispatch (", BARE: "bare_insert ("}
# … and across the whole request, wherever they are called from.
ACROSS = [
    ("executing SQL (Django's cursor wrapper, the driver)", "CursorWrapper._execute ("),
    ("the ORM compiling statements", "SQLCompiler.as_sql ("),
    ("making model instances", "Model.__init__ ("),
    ("the audit digest and hash chain", "record.py)"),
    ("JSON (parsing, rendering, digests)", "json/"),
]


@dataclass
class Result:
    backend: str
    endpoint: str
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float] = field(repr=False)
    error_samples: list[str] = field(default_factory=list)
    server_cpu_seconds: float | None = None  # user + system time of the uvicorn process(es)
    # Share of the machine's CPU capacity used during the measured phase by everything but
    # the server and this client: the database server on PostgreSQL, and any other work.
    others_cpu_share: float | None = None
    error_statuses: dict[str, int] = field(default_factory=dict)  # HTTP status (0: broken connection) → count

    @property
    def cpu_ms_per_request(self) -> float | None:
        if self.server_cpu_seconds is None or not self.requests:
            return None
        return self.server_cpu_seconds * 1000 / self.requests

    @property
    def rate(self) -> float:
        return (self.requests - self.errors) / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        """Nearest-rank percentile of the successful requests' latencies."""
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
        return ordered[rank - 1]

    def row(self) -> list[str]:
        return [self.backend, self.endpoint, str(self.requests), str(self.errors), f"{self.rate:.1f}",
                f"{self.percentile(50):.1f}", f"{self.percentile(95):.1f}", f"{self.percentile(99):.1f}",
                f"{statistics.fmean(self.latencies_ms):.1f}" if self.latencies_ms else "nan",
                f"{self.cpu_ms_per_request:.1f}" if self.cpu_ms_per_request is not None else "n/a",
                f"{self.others_cpu_share:.0%}" if self.others_cpu_share is not None else "n/a"]


# --- the server ---

def run_step(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def prepare_database(env: dict[str, str]) -> None:
    run_step(env, "manage.py", "migrate", "--noinput", "-v", "0")
    run_step(env, "manage.py", "shell", "-c", "from demo.topology import load_topology; load_topology()")


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time a process has used so far (Linux /proc), or None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float | None:
    """CPU seconds the whole machine has spent busy since boot (Linux /proc/stat), or None."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    except OSError:
        return None
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values) - idle) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Server:
    """uvicorn serving config.asgi:application in one process; stopped by its pid."""

    def __init__(self, env: dict[str, str], log_path: Path, *, lifespan: str = "off"):
        self.port = free_port()
        self.log_path = log_path
        self._log = open(log_path, "w")  # closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", HOST, "--port", str(self.port),
             "--workers", "1", "--lifespan", lifespan, "--ws", "websockets-sansio",
             "--ws-per-message-deflate", os.environ.get("BENCH_WS_DEFLATE", "false"), "--no-access-log",
             "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT,
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

def call(method: str, path: str, body: dict | None = None, token: str = "", port: int = 0) -> tuple[int, dict]:
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Token {token}"
    conn.request(method, path, json.dumps(body).encode() if body is not None else None, headers)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, json.loads(data or b"{}")


def login(port: int, username: str) -> tuple[str, str]:
    """(token, grid code) of a demo grid worker, through the API as a tablet gets them."""
    status, data = call("POST", "/api/v1/auth/token/", {"username": username, "password": "fengqiao-demo"}, port=port)
    if status != 200:
        raise RuntimeError(f"no token for {username}: {status} {data}")
    token = data["token"]
    status, me = call("GET", "/api/v1/me/", token=token, port=port)
    grid = next(r["region"]["code"] for r in me["roles"] if r["region"]["level"] == "grid")
    return token, grid


def load(ports: list[int], path: str, token: str, bodies: list[bytes], concurrency: int) -> tuple[float, list[float], list[str]]:
    """Send every body once from `concurrency` keep-alive connections, client i to ports[i mod N];
    (seconds, latencies ms, errors)."""
    queue = iter(range(len(bodies)))
    take = threading.Lock()
    latencies: list[float] = []
    errors: list[str] = []
    start = threading.Barrier(concurrency + 1)

    def client(port: int) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=120)
        mine: list[float] = []
        start.wait()
        while True:
            with take:
                i = next(queue, None)
            if i is None:
                break
            headers = {"Content-Type": "application/json", "Authorization": f"Token {token}",
                       "Idempotency-Key": f"bench-{uuid.uuid4()}"}
            began = time.perf_counter()
            try:
                conn.request("POST", path, bodies[i], headers)
                response = conn.getresponse()
                payload = response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as exc:
                status, payload = 0, repr(exc).encode()
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=120)
            elapsed = (time.perf_counter() - began) * 1000
            if status in (200, 201):
                mine.append(elapsed)
            else:
                errors.append(f"{status} {payload[:200].decode(errors='replace')}")
        conn.close()
        with take:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(ports[i % len(ports)],), daemon=True) for i in range(concurrency)]
    for t in threads:
        t.start()
    start.wait()
    began = time.perf_counter()
    for t in threads:
        t.join()
    return time.perf_counter() - began, latencies, errors


def servers_cpu_seconds(servers: list[Server]) -> float | None:
    times = [cpu_seconds(server.proc.pid) for server in servers]
    return None if None in times else sum(times)


def measure(backend: str, endpoint: str, path: str, servers: list[Server], token: str, grid: str, args,
            seed: int) -> Result:
    rng = random.Random(seed)
    bodies = [json.dumps(filing_body(rng, grid=grid, high_risk_share=args.high_risk_share), ensure_ascii=False).encode()
              for _ in range(args.warmup + args.requests)]
    ports = [server.port for server in servers]
    if args.warmup:
        load(ports, path, token, bodies[:args.warmup], args.concurrency)
    cpu_before, busy_before, own_before = servers_cpu_seconds(servers), machine_busy_seconds(), own_cpu_seconds()
    with contextlib.ExitStack() as stack:
        sampler = None
        if args.profile and len(servers) == 1:
            sampler = stack.enter_context(Sampler(servers[0].proc.pid, Path(args.profile_dir) / f"{backend}-{seed}.txt"))
        seconds, latencies, errors = load(ports, path, token, bodies[args.warmup:], args.concurrency)
    cpu_after, busy_after, own_after = servers_cpu_seconds(servers), machine_busy_seconds(), own_cpu_seconds()
    if sampler is not None:
        PROFILES[(backend, endpoint)] = sampler.profile()
    cpu = cpu_after - cpu_before if cpu_before is not None and cpu_after is not None else None
    others = None
    if cpu is not None and busy_before is not None and busy_after is not None:
        others = max(0.0, busy_after - busy_before - cpu - (own_after - own_before)) / (seconds * (os.cpu_count() or 1))
    statuses = Counter(error.split(" ", 1)[0] for error in errors)
    return Result(backend, endpoint, args.requests, len(errors), seconds, latencies, errors[:5], cpu, others,
                  error_statuses=dict(sorted(statuses.items())))


PROFILES: dict[tuple[str, str], Profile | None] = {}


def print_profile(backend: str, result: Result) -> None:
    """Where the server's CPU went for one endpoint, in ms a request: outside the view (the ASGI
    server, the middleware) and, below each function of BREAKDOWN, what it called."""
    profile = PROFILES.get((backend, result.endpoint))
    if profile is None or not profile.total or result.cpu_ms_per_request is None:
        return
    per_request = result.cpu_ms_per_request
    inside = profile.share(VIEW_ENTRY[result.endpoint])
    print(f"[{backend}] {result.endpoint}: {per_request:.1f} ms of server CPU a request ({profile.total:,} samples "
          f"holding the GIL); {per_request * (1 - inside):.1f} ms outside the view (ASGI server, middleware)")
    for needle in BREAKDOWN[result.endpoint]:
        under = profile.share(needle)
        if not under:
            continue
        print(f"  {needle.rstrip(' (')}: {per_request * under:.1f} ms")
        callees = profile.callees(needle)
        for callee, samples in callees.most_common(9):
            print(f"    {per_request * samples / profile.total:5.1f} ms  {callee}")
        rest = sum(callees.values()) - sum(n for _, n in callees.most_common(9))
        if rest:
            print(f"    {per_request * rest / profile.total:5.1f} ms  (the rest)")
    print("  across the request:")
    for label, needle in ACROSS:
        print(f"    {per_request * profile.share(needle):5.1f} ms  {label}")


def run_backend(backend: str, args) -> list[Result]:
    print(f"[{backend}] fresh database, migrate, demo topology…", flush=True)
    with fresh_database(backend, DATABASE_NAME) as env, tempfile.TemporaryDirectory() as logs:
        if backend == "sqlite" and args.processes > 1:
            # Several processes on one file, named as a deployment names it (not the embedded default).
            env["DATABASE_URL"] = f"sqlite:///{Path(env['FENGQIAO_VAR_DIR']) / 'fengqiao.sqlite3'}"
            print(f"[{backend}] DATABASE_URL={env['DATABASE_URL']}", flush=True)
        prepare_database(env)
        servers: list[Server] = []
        try:
            for n in range(args.processes):
                servers.append(Server(env, Path(logs) / f"server-{n}.log"))
            for server in servers:
                server.wait_ready()
            print(f"[{backend}] uvicorn pid(s) {', '.join(str(s.proc.pid) for s in servers)} on {HOST} port(s) "
                  f"{', '.join(str(s.port) for s in servers)}; load average "
                  f"{os.getloadavg()[0]:.2f} (other processes on the machine skew the figures)", flush=True)
            token, grid = login(servers[0].port, "grid1")
            results = []
            # The baseline first, then ours: each with its own warm-up.
            for endpoint, path, seed in ((BARE, "/bench/bare/", 1), (OURS, "/api/v1/cases/", 2)):
                result = measure(backend, endpoint, path, servers, token, grid, args, seed)
                print(f"[{backend}] {endpoint}: {result.rate:.1f} req/s, p50 {result.percentile(50):.1f} ms, "
                      f"p99 {result.percentile(99):.1f} ms, {result.errors} errors {result.error_statuses or ''}",
                      flush=True)
                for sample in result.error_samples:
                    print(f"    error: {sample}", flush=True)
                results.append(result)
            for server in servers:
                if server.proc.poll() is not None:
                    raise RuntimeError(f"a server died during the run:\n{server.log_tail()}")
            return results
        finally:
            for server in servers:
                server.stop()
                print(f"[{backend}] server pid {server.proc.pid} stopped (exit {server.proc.returncode})", flush=True)


def ratio_row(backend: str, ours: Result, bare: Result) -> list[str]:
    def r(a: float, b: float) -> str:
        return f"{a / b:.2f}x" if b else "-"

    return [backend, "ratio ours/bare", "", "", r(ours.rate, bare.rate), r(ours.percentile(50), bare.percentile(50)),
            r(ours.percentile(95), bare.percentile(95)), r(ours.percentile(99), bare.percentile(99)),
            r(statistics.fmean(ours.latencies_ms), statistics.fmean(bare.latencies_ms))
            if ours.latencies_ms and bare.latencies_ms else "-",
            r(ours.cpu_ms_per_request, bare.cpu_ms_per_request)
            if ours.cpu_ms_per_request and bare.cpu_ms_per_request else "-", ""]


def target_lines(backend: str, ours: Result, bare: Result) -> list[str]:
    """Issue 13's two targets for this backend, each against the same run's bare insert: met or not."""
    rate = ours.rate / bare.rate if bare.rate else float("nan")
    p99 = ours.percentile(99) / bare.percentile(99) if bare.latencies_ms else float("nan")
    return [
        f"[{backend}] target throughput >= {TARGET_RATE_RATIO:.1f}x bare: {ours.rate:.1f} vs {bare.rate:.1f} req/s "
        f"= {rate:.2f}x -> {'MET' if rate >= TARGET_RATE_RATIO else 'NOT MET'}",
        f"[{backend}] target p99 <= {TARGET_P99_RATIO:.1f}x bare p99: {ours.percentile(99):.1f} vs "
        f"{bare.percentile(99):.1f} ms = {p99:.2f}x -> {'MET' if p99 <= TARGET_P99_RATIO else 'NOT MET'}",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--requests", type=int, default=1600, help="measured requests per endpoint")
    parser.add_argument("--warmup", type=int, default=160, help="unmeasured requests first, per endpoint")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--processes", type=int, default=1,
                        help="uvicorn server processes on the one database (clients spread over them)")
    parser.add_argument("--high-risk-share", type=float, default=0.03,
                        help="share of filings marked high risk (they go straight to township triage)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--profile", action="store_true",
                        help="sample the server with py-spy during each measured phase (one process) and print "
                             "where its CPU went, in ms a request")
    args = parser.parse_args(argv)
    if args.processes < 1:
        parser.error("--processes must be 1 or more")

    # SIGTERM ends the run like Ctrl-C does, through the `finally` that stops the server.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    print(machine_summary(), flush=True)
    if "postgres" in backends(args.backend):
        print(f"PostgreSQL {postgres_version()}", flush=True)
    servers = "one uvicorn worker" if args.processes == 1 else f"{args.processes} uvicorn processes"
    print(f"{args.concurrency} clients, {args.warmup} warm-up + {args.requests} measured requests per endpoint, "
          f"{servers}; client and server share the machine", flush=True)

    results: list[Result] = []
    with tempfile.TemporaryDirectory() as profiles:
        args.profile_dir = profiles
        for backend in backends(args.backend):
            results.extend(run_backend(backend, args))

    rows = []
    for backend in backends(args.backend):
        mine = {r.endpoint: r for r in results if r.backend == backend}
        rows += [mine[OURS].row(), mine[BARE].row(), ratio_row(backend, mine[OURS], mine[BARE])]
    print()
    print(table(["backend", "endpoint", "requests", "errors", "req/s", "p50 ms", "p95 ms", "p99 ms", "mean ms",
                 "server CPU ms/req", "others CPU"], rows))
    print()
    for backend in backends(args.backend):
        mine = {r.endpoint: r for r in results if r.backend == backend}
        for line in target_lines(backend, mine[OURS], mine[BARE]):
            print(line)
    print("server CPU ms/req: the uvicorn process(es) only. others CPU: the share of the machine's CPU used during the\n"
          "measured phase by everything but the server and the client (PostgreSQL itself, and any other work).")
    if args.profile:
        for result in results:
            print()
            print_profile(result.backend, result)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps([
            {**{k: v for k, v in asdict(r).items() if k != "latencies_ms"}, "req_per_s": r.rate,
             "p50_ms": r.percentile(50), "p95_ms": r.percentile(95), "p99_ms": r.percentile(99),
             "server_cpu_ms_per_request": r.cpu_ms_per_request, "others_cpu_share": r.others_cpu_share}
            for r in results], indent=2, ensure_ascii=False))
    return 1 if any(r.errors for r in results) else 0


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main())
