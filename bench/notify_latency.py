"""Escalation notifications: commit → client latency with many supervisors connected, against
a raw Redis publish/subscribe round trip; and server memory per open WebSocket.

    python bench/notify_latency.py [--backend postgres|sqlite] [--layer redis|memory]
                                   [--supervisors 200] [--rounds 50] [--extra-connections 1000]

Setup: a fresh database (bench/_support.py), migrate, the demo topology, and `--supervisors`
township supervisors of 枫桥镇 (so each escalation there notifies every one of them, plus the
demo's own center staff and supervisor, who are not connected). Then the real ASGI app
(config.asgi, bench settings) under uvicorn, lifespan on as `serve` runs it:

  --layer redis   two server processes, A and B, on channels-redis (REDIS_URL, a prefix of
                  this run's own); half the supervisors connect to A, half to B;
  --layer memory  one server process on the in-memory layer (the embedded default).

Every supervisor opens /ws/notifications/?token=… from this process (asyncio, `websockets`)
and waits for the server's `synced`. Then, `--rounds` times: head1 escalates a case of
枫源村 through A's API, and every client notes when the notification arrives. The commit
moment is stamped on the push by bench.commitstamp (installed by bench/settings.py when
BENCH_STAMP_COMMITS=1): `flows.realtime.publish` runs from `transaction.on_commit`, so the
moment it is called is the commit's. Latency = client receipt − commit, same machine clock.
One round at a time: the next escalation waits until every client has the previous one.

Baseline, in the same run, against the same Redis: as many raw redis-py pub/sub
subscribers as supervisors, one channel each, in this process; a publisher sends one message
per subscriber (at most 16 in flight), stamped just before the PUBLISH commands go out;
latency = receipt − stamp. Same rounds. This is issue 13's floor: the target is ours p99 ≤
this p99 + 10 ms, printed with whether it is met. For reference, a second raw figure: one
PUBLISH per round to one channel all the subscribers listen to (Redis fans it out), the
floor of a single message per round without any WebSocket.

Memory: VmRSS of the server processes (from /proc) before any WebSocket, after the
supervisors' connections, and after `--extra-connections` more (spread over the same users);
per connection = growth / connections. Numbers only: nothing here asserts a time.
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._data import filing_body  # noqa: E402
from bench._support import fresh_database, machine_summary, postgres_version, table  # noqa: E402
from bench.filing_throughput import HOST, Server, call, prepare_database, run_step  # noqa: E402

DATABASE_NAME = "fengqiao_bench_notify"
ROUND_TIMEOUT = 30.0
# The raw baseline's PUBLISH commands in flight at once (what flows.realtime allowed its
# per-recipient group sends before issue 13).
RAW_CONCURRENT_SENDS = 16
# Issue 13's target: ours p99 within this of the raw per-subscriber publish's p99.
TARGET_MARGIN_MS = 10.0

SETUP = """
import json
from rest_framework.authtoken.models import Token
from casework.models import Region, RoleAssignment, User
township = Region.objects.get(name="枫桥镇")
tokens = []
for i in range({n}):
    user, _ = User.objects.get_or_create(username=f"bench-super-{{i:03d}}", defaults={{"display_name": f"督导{{i}}"}})
    RoleAssignment.objects.get_or_create(user=user, role="township_supervisor", region=township)
    tokens.append(Token.objects.get_or_create(user=user)[0].key)
head1 = Token.objects.get_or_create(user=User.objects.get(username="head1"))[0].key
grid1 = Token.objects.get_or_create(user=User.objects.get(username="grid1"))[0].key
print(json.dumps({{"supervisors": tokens, "head1": head1, "grid1": grid1}}))
"""


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def at(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]

    return {"n": len(ordered), "p50": at(50), "p90": at(90), "p95": at(95), "p99": at(99), "max": ordered[-1],
            "mean": statistics.fmean(ordered)}


# --- our path: WebSocket clients ---

class Listener:
    """One supervisor's connection: records, per case, the latency of its notification."""

    def __init__(self, url: str):
        self.url = url
        self.latencies: dict[int, float] = {}
        self.arrived = asyncio.Event()
        self.synced = asyncio.Event()
        self.conn = None
        self.task = None

    async def open(self) -> None:
        from websockets.asyncio.client import connect

        self.conn = await connect(self.url, proxy=None, open_timeout=60, max_queue=None)
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for raw in self.conn:
            received = time.time()
            message = json.loads(raw)
            if message["type"] == "synced":
                self.synced.set()
            elif message["type"] == "notification" and "bench_committed_at" in message:
                self.latencies[message["case"]["id"]] = (received - message["bench_committed_at"]) * 1000
                self.arrived.set()

    async def close(self) -> None:
        await self.conn.close()
        self.task.cancel()


async def open_all(listeners: list[Listener], batch: int = 50) -> None:
    for start in range(0, len(listeners), batch):
        group = listeners[start:start + batch]
        await asyncio.gather(*(listener.open() for listener in group))
        await asyncio.gather(*(listener.synced.wait() for listener in group))


async def ours(servers: list[Server], tokens: dict, case_ids: list[int], extra: int) -> tuple[list[float], dict]:
    urls = [f"ws://{HOST}:{servers[i % len(servers)].port}/ws/notifications/?token={t}"
            for i, t in enumerate(tokens["supervisors"])]
    memory = {"before": [rss_kib(s.proc.pid) for s in servers]}
    listeners = [Listener(u) for u in urls]
    await open_all(listeners)
    memory["connections"] = len(listeners)
    memory["after"] = [rss_kib(s.proc.pid) for s in servers]

    for case_id in case_ids:
        status, body = await asyncio.to_thread(
            call, "POST", f"/api/v1/cases/{case_id}/transitions/escalate/", {"reason": "村级调解难度大"},
            tokens["head1"], servers[0].port)
        if status != 200:
            raise RuntimeError(f"escalate failed: {status} {body}")
        deadline = time.monotonic() + ROUND_TIMEOUT
        while any(case_id not in listener.latencies for listener in listeners):
            if time.monotonic() > deadline:
                missing = sum(case_id not in listener.latencies for listener in listeners)
                raise RuntimeError(f"{missing} client(s) never got case {case_id}")
            await asyncio.sleep(0.005)

    extra_listeners = [Listener(urls[i % len(urls)]) for i in range(extra)]
    if extra:
        await open_all(extra_listeners)
        memory["extra"] = extra
        memory["after_extra"] = [rss_kib(s.proc.pid) for s in servers]
    for listener in listeners + extra_listeners:
        await listener.close()
    memory["p50_by_server"] = [
        percentiles([lat for i, listener in enumerate(listeners) if i % len(servers) == s
                     for lat in listener.latencies.values()])["p50"] for s in range(len(servers))]
    return [lat for listener in listeners for lat in listener.latencies.values()], memory


# --- the baseline: raw Redis pub/sub ---

async def raw_redis(redis_url: str, subscribers: int, rounds: int, *, one_channel: bool = False) -> list[float]:
    """Per subscriber one channel and one PUBLISH per round; or (`one_channel`) one channel
    all subscribe to, and one PUBLISH per round."""
    import redis.asyncio as redis

    prefix = f"bench-raw-{uuid.uuid4().hex}"
    channels = [f"{prefix}:{0 if one_channel else i}" for i in range(subscribers)]
    clients = [redis.Redis.from_url(redis_url) for _ in range(subscribers)]
    pubsubs = [c.pubsub() for c in clients]
    got: dict[int, list[float]] = {}

    async def read(pubsub) -> None:
        async for message in pubsub.listen():
            if message["type"] != "message":
                continue
            received = time.time()
            round_no, sent = json.loads(message["data"])
            got.setdefault(round_no, []).append((received - sent) * 1000)

    for pubsub, channel in zip(pubsubs, channels, strict=True):
        await pubsub.subscribe(channel)
    readers = [asyncio.create_task(read(p)) for p in pubsubs]
    publisher = redis.Redis.from_url(redis_url)
    slots = asyncio.Semaphore(RAW_CONCURRENT_SENDS)

    async def publish(channel: str, payload: str) -> None:
        async with slots:
            await publisher.publish(channel, payload)

    samples: list[float] = []
    for round_no in range(rounds):
        stamp = time.time()
        payload = json.dumps([round_no, stamp])
        # One per recipient, at most RAW_CONCURRENT_SENDS in flight; or one for all.
        await asyncio.gather(*(publish(channel, payload) for channel in (channels[:1] if one_channel else channels)))
        deadline = time.monotonic() + ROUND_TIMEOUT
        while len(got.get(round_no, [])) < subscribers:
            if time.monotonic() > deadline:
                raise RuntimeError("raw subscribers missed a round")
            await asyncio.sleep(0.005)
        samples.extend(got.pop(round_no))
    for task in readers:
        task.cancel()
    for pubsub, client in zip(pubsubs, clients, strict=True):
        await pubsub.aclose()
        await client.aclose()
    await publisher.aclose()
    return samples


# --- the run ---

def file_cases(port: int, token: str, n: int) -> list[int]:
    """Cases of grid1's grid (枫源村, 枫桥镇), none high-risk: their escalation is the measured event."""
    rng = random.Random(7)
    ids = []
    for _ in range(n):
        status, data = call("POST", "/api/v1/cases/", filing_body(rng), token, port)
        if status != 201:
            raise RuntimeError(f"filing failed: {status} {data}")
        ids.append(data["id"])
    return ids


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--layer", choices=["redis", "memory"], default="redis")
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"))
    parser.add_argument("--redis-layer", choices=["core", "pubsub"], default="core",
                        help="channels-redis layer (CHANNEL_LAYER_BACKEND)")
    parser.add_argument("--supervisors", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--extra-connections", type=int, default=1000)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)

    print(f"# {machine_summary()}; PostgreSQL {postgres_version()}")
    print(f"# {args.supervisors} supervisors, {args.rounds} escalations, layer {args.layer}"
          f"{' (' + args.redis_layer + ')' if args.layer == 'redis' else ''}, backend {args.backend}",
          flush=True)
    with fresh_database(args.backend, DATABASE_NAME) as env:
        env = env | {"BENCH_STAMP_COMMITS": "1", "LOG_LEVEL": "WARNING"}
        prepare_database(env)
        tokens = json.loads(run_step(env, "manage.py", "shell", "-c", SETUP.format(n=args.supervisors)).strip().splitlines()[-1])
        if args.layer == "redis":
            env |= {"REDIS_URL": args.redis_url, "CHANNEL_LAYER_PREFIX": f"bench-{uuid.uuid4().hex}",
                    "CHANNEL_LAYER_BACKEND": args.redis_layer}
        logs = Path(tempfile.mkdtemp(prefix="fengqiao-bench-notify-"))
        servers = [Server(env, logs / f"server-{name}.log", lifespan="on")
                   for name in (["A", "B"] if args.layer == "redis" else ["A"])]
        try:
            for server in servers:
                server.wait_ready()
            print(f"# servers (pids): {', '.join(f'{HOST}:{s.port} ({s.proc.pid})' for s in servers)}", flush=True)
            case_ids = file_cases(servers[0].port, tokens["grid1"], args.rounds + 5)
            # Warm-up: the first escalations load code paths and fill connection pools.
            warm, memory = asyncio.run(ours(servers, tokens, case_ids[:5], 0))
            ours_ms, memory = asyncio.run(ours(servers, tokens, case_ids[5:], args.extra_connections))
        finally:
            for server in servers:
                server.stop()
        baseline_ms = asyncio.run(raw_redis(args.redis_url, args.supervisors, args.rounds)) if args.layer == "redis" else []
        one_channel_ms = (asyncio.run(raw_redis(args.redis_url, args.supervisors, args.rounds, one_channel=True))
                          if args.layer == "redis" else [])

    rows = []
    figures = {"ours": percentiles(ours_ms)}
    label = "ours: commit → WebSocket client" + (
        f" (Redis {args.redis_layer}, 2 server processes)" if args.layer == "redis" else " (in-memory, 1 process)")
    rows.append([label, figures["ours"]])
    if baseline_ms:
        figures["raw_redis"] = percentiles(baseline_ms)
        rows.append(["raw Redis PUBLISH → subscriber (one channel each)", figures["raw_redis"]])
        figures["raw_redis_one_channel"] = percentiles(one_channel_ms)
        rows.append(["raw Redis PUBLISH → subscriber (one channel, all)", figures["raw_redis_one_channel"]])
    print()
    print(table(["path", "samples", "p50 ms", "p90 ms", "p95 ms", "p99 ms", "max ms", "mean ms"],
                [[name, f["n"], f"{f['p50']:.2f}", f"{f['p90']:.2f}", f"{f['p95']:.2f}", f"{f['p99']:.2f}",
                  f"{f['max']:.2f}", f"{f['mean']:.2f}"]
                 for name, f in rows], align_left=1))
    if len(memory["p50_by_server"]) > 1:
        print("ours, p50 by server the client is connected to: "
              + ", ".join(f"{chr(65 + i)} {p:.2f} ms" for i, p in enumerate(memory["p50_by_server"]))
              + " (A also serves the escalation requests)")
    if baseline_ms:
        print(f"\nours / raw: p50 ×{figures['ours']['p50'] / figures['raw_redis']['p50']:.1f}, "
              f"p99 ×{figures['ours']['p99'] / figures['raw_redis']['p99']:.1f}")
        limit = figures["raw_redis"]["p99"] + TARGET_MARGIN_MS
        met = figures["ours"]["p99"] <= limit
        figures["target"] = {"limit_ms": limit, "met": met}
        print(f"target (issue 13): ours p99 ≤ raw per-subscriber p99 + {TARGET_MARGIN_MS:.0f} ms = {limit:.2f} ms: "
              f"ours {figures['ours']['p99']:.2f} ms — {'met' if met else 'NOT met'}")

    print("\nserver memory (VmRSS):")
    per_conn = [(after - before) / (memory["connections"] / len(memory["before"]))
                for before, after in zip(memory["before"], memory["after"], strict=True)]
    mem_rows = [[f"server {chr(65 + i)}", f"{b / 1024:.1f}", f"{a / 1024:.1f}", f"{p:.1f}"]
                for i, (b, a, p) in enumerate(zip(memory["before"], memory["after"], per_conn, strict=True))]
    print(table(["process", "idle MiB", f"+{memory['connections']} conns MiB", "KiB / connection"], mem_rows, align_left=1))
    figures["memory"] = memory
    if memory.get("extra"):
        growth = sum(memory["after_extra"]) - sum(memory["after"])
        figures["kib_per_extra_connection"] = growth / memory["extra"]
        print(f"+{memory['extra']} more connections: {growth / 1024:.1f} MiB in all, "
              f"{growth / memory['extra']:.1f} KiB per connection")
    if args.json:
        Path(args.json).write_text(json.dumps({"when": dt.datetime.now().isoformat(), **figures}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
