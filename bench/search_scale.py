"""Case search at 100,000 cases: rebuild throughput, query latency through the API against the
raw engine query, index size and memory, on the embedded engine and on the Elasticsearch stand-in.

    python bench/search_scale.py [--backend sqlite|postgres|both] [--cases 100000]
                                 [--engines embedded,elasticsearch] [--queries 400] [--warmup 50]
                                 [--es-probe-limit 1] [--json FILE] [--profile-rebuild DIR] [--keep]

For each database backend: a fresh database, `migrate`, the demo topology, then `--cases`
cases seeded in bulk (bench/_seed.py: the demo generator's stories and lives, three years,
every dispute type, status and outcome, all six villages). Then, for each engine:

1. **Rebuild** — `search.indexing.rebuild()` in a child process (so its memory is its own), as
   `search_index --rebuild` runs it: every document is built by `search.documents` from the
   database, nothing is written to the index by this script. Cases/s, the load and catch-up
   phases, the index size (embedded: the index folder; Elasticsearch: `_stats/store`), and the
   child's resident memory (VmHWM, the peak; VmRSS at the end).
2. **Queries** — a mediator's query: two words and two filters (status and dispute_type), facets
   on, 20 a page, as center1 (孙中心, 枫桥镇's governance centre: half the cases are in its
   jurisdiction). The words are pairs that occur together in the demo's stories of the type
   filtered on; the statuses are weighted to closed cases. Each query runs, in turn:
     ours     GET /api/v1/search/cases/?q=…&status=…&dispute_type=…&page_size=20 over HTTP, token
              auth, the real ASGI app (config.asgi, bench settings) under uvicorn, one process
     backend  get_backend().search(query) in this process: the engine wrapper without HTTP/DRF
     raw      the engine query the backend compiles, run on the engine directly: for embedded
              the tantivy query of `EmbeddedBackend._term`/`_filtered` (plus its relevance
              clause) on one open searcher, top 20 with the count, then the same aggregation
              of the six facets; for Elasticsearch the JSON of `ElasticBackend.compile()`
              POSTed to `<alias>/_search` on a keep-alive connection
     floor    GET /api/v1/me/ on the same server: token auth, roles, a small JSON answer, no
              search — what any authenticated request costs on this stack
   one client, one request at a time, after `--warmup` unmeasured rounds; the order of the
   four rotates from query to query. The count of every answer is compared: ours, backend and
   raw must agree. On Elasticsearch one raw query is timed first: the stand-in is a functional
   stand-in, not a fast one, and when that query takes over `--es-probe-limit` seconds (ours
   would time out at the backend's 5 s and answer 503) the query phase is skipped for it.
3. **Memory** — VmRSS/VmHWM of the uvicorn process idle and after the queries; for
   Elasticsearch also the stand-in's.

The stand-in is started by this script on a free port with its own data folder and stopped
by its pid; so is the server. Numbers only: nothing here asserts a time.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._engines import HOST, StandIn, code_version, folder_bytes, memory_kib, same_code  # noqa: E402
from bench._support import ROOT, backends, fresh_database, machine_summary, postgres_version, table  # noqa: E402

DATABASE_NAME = "fengqiao_bench_search"
ENGINES = ("embedded", "elasticsearch")
VIEWER = "center1"
PAGE_SIZE = 20
ALIAS = "fengqiao-bench-cases"
RETRY_TIMEOUT = 300  # s: the client timeout of a second Elasticsearch rebuild when the product's 5 s fails
# A status filter as mediators use it: mostly past cases (类案), also their open ones.
STATUS_MIX = ["closed"] * 10 + ["village_mediation"] * 3 + ["agreed"] * 2 + ["township_mediation"] * 2 + [
    "reported", "referred", "township_triage"]
# Words of the stories too common to be what someone types into a search box.
STOP = set("网格 纠纷 同意 要求 双方 认为 当场 多次 不再 部分 答应 联系 发生 今后 一半 自家 完成 期间 到场 讲明 问题 承诺 "
           "当面 当天 会同 继续 对方 自己 共同 使用 引发 标准 负责 双方同意 共计 现场 查看 陪同 上门 村里".split())


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (as bench/filing_throughput.py)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5))) - 1]


@dataclass(frozen=True)
class Ask:
    words: tuple[str, str]
    status: str
    dispute_type: str

    @property
    def path(self) -> str:
        return "/api/v1/search/cases/?" + urllib.parse.urlencode(
            {"q": " ".join(self.words), "status": self.status, "dispute_type": self.dispute_type,
             "page_size": PAGE_SIZE})


def asks(count: int, seed: int) -> list[Ask]:
    """`count` realistic queries: two words that occur together in one demo story of the type, two filters."""
    import jieba

    from demo.stories import PROFILES, TYPE_DECK

    jieba.setLogLevel(60)
    pools: dict[str, list[list[str]]] = {}
    for dispute_type, profile in PROFILES.items():
        for story in profile.stories:
            # What reaches a case's document: its description, one of the titles, the agreement's terms.
            text = re.sub(r"\{[^}]*\}", " ", " ".join([story.text, *story.titles, story.deal[0]]))
            found = sorted({w for w in jieba.lcut(text) if len(w) >= 2 and re.fullmatch(r"[\u4e00-\u9fff]+", w)} - STOP)
            if len(found) >= 2:
                pools.setdefault(str(dispute_type), []).append(found)
    types = [str(t) for t, n in TYPE_DECK.items() for _ in range(n)]
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        dispute_type = rng.choice(types)
        first, second = rng.sample(rng.choice(pools[dispute_type]), 2)
        out.append(Ask((first, second), rng.choice(STATUS_MIX), dispute_type))
    return out


# --- the rebuild, in a child process ----------------------------------------------------------

def stage_rebuild(profile_dir: str | None, es_timeout: float | None) -> None:
    """Run in a child: rebuild the index of the configured engine; one JSON line on stdout, with
    `error` when the rebuild failed. `es_timeout` replaces the Elasticsearch client's request
    timeout (the product's is 5 s, for every call)."""
    import django

    django.setup()
    from django.conf import settings

    from search import indexing
    from search.backends import get_backend

    backend = get_backend()
    if es_timeout and backend.name == "elasticsearch":
        from search.backends.elastic import ElasticBackend

        backend = ElasticBackend(settings.ELASTICSEARCH_URL, alias=settings.SEARCH_INDEX_NAME,
                                 analyzer_name=settings.SEARCH_ANALYZER, replicas=settings.ELASTICSEARCH_REPLICAS,
                                 timeout=es_timeout)
        # A failed first attempt may have left its generation behind (its discard times out too).
        backend.drop()
    began = time.monotonic()
    marks: list[tuple[int, float]] = []
    totals: list[int] = []

    def progress(done: int, total: int) -> None:
        marks.append((done, time.monotonic() - began))
        totals[:] = [total]
        if done % 10_000 < 500 or done == total:
            print(f"    rebuild {done:,}/{total:,} in {marks[-1][1]:.0f}s", file=sys.stderr, flush=True)

    profiler = None
    if profile_dir:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    try:
        rebuilt = indexing.rebuild(backend=backend, progress=progress)
    except Exception as exc:
        import traceback

        traceback.print_exc()
        phase = "load" if not marks or marks[-1][0] < totals[0] else "publish and catch-up"
        print(json.dumps({"engine": backend.name, "error": f"{type(exc).__name__}: {exc}", "phase": phase,
                          "seconds": time.monotonic() - began, "loaded": marks[-1][0] if marks else 0}))
        return
    if profiler:
        profiler.disable()
        Path(profile_dir).mkdir(parents=True, exist_ok=True)
        profiler.dump_stats(str(Path(profile_dir) / f"rebuild-{backend.name}.pstats"))
    out = {
        "engine": backend.name, "cases": rebuilt.cases, "seconds": rebuilt.seconds,
        "load_seconds": marks[-1][1] if marks else rebuilt.seconds, "size_bytes": rebuilt.size_bytes,
        "caught_up": [len(rebuilt.caught_up.missing), len(rebuilt.caught_up.stale), len(rebuilt.caught_up.extra)],
        **memory_kib(os.getpid()),
    }
    if backend.name == "embedded":
        out["folder_bytes"] = folder_bytes(Path(settings.SEARCH_INDEX_DIR))
    print(json.dumps(out))


def rebuild(env: dict[str, str], profile_dir: Path | None, es_timeout: float | None = None) -> dict:
    command = [sys.executable, str(Path(__file__).resolve()), "--stage", "rebuild"]
    if profile_dir:
        command += ["--profile-rebuild", str(profile_dir)]
    if es_timeout:
        command += ["--es-timeout", str(es_timeout)]
    done = subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True, timeout=6 * 3600)
    if done.returncode != 0:
        raise RuntimeError(f"the rebuild failed (exit {done.returncode}):\n{done.stdout}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- the three ways of asking -------------------------------------------------------------------

def exchange(conn: http.client.HTTPConnection, method: str, path: str, body: bytes | None, headers: dict) -> dict:
    """One request on a keep-alive connection; sent again once if the server had closed it while
    idle (uvicorn does after 5 s), which only happens before the first measured request."""
    for attempt in (1, 2):
        try:
            conn.request(method, path, body, headers)
            response = conn.getresponse()
            data = json.loads(response.read())
            break
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            conn.close()
            if attempt == 2:
                raise
    if response.status != 200:
        raise RuntimeError(f"{method} {path}: {response.status} {data}")
    return data


class Ours:
    """The search API over HTTP, one keep-alive connection."""

    def __init__(self, port: int, token: str):
        self.conn = http.client.HTTPConnection(HOST, port, timeout=60)
        self.headers = {"Authorization": f"Token {token}"}

    def __call__(self, ask: Ask) -> int:
        return exchange(self.conn, "GET", ask.path, None, self.headers)["count"]


class Floor:
    """GET /api/v1/me/ on the same connection kind: token auth, the viewer's roles, a small JSON
    answer. No search; what any authenticated request costs on this stack, for scale."""

    def __init__(self, port: int, token: str):
        self.conn = http.client.HTTPConnection(HOST, port, timeout=60)
        self.headers = {"Authorization": f"Token {token}"}

    def __call__(self, ask: Ask) -> None:
        exchange(self.conn, "GET", "/api/v1/me/", None, self.headers)


def case_query(viewer, ask: Ask):
    """The CaseQuery the API builds for `ask`: the selector's own."""
    from search.selectors import SearchParams
    from search.selectors import case_query as build

    params = SearchParams(q=" ".join(ask.words), filters={"status": [ask.status], "dispute_type": [ask.dispute_type]},
                          size=PAGE_SIZE)
    return build(viewer=viewer, params=params)


class Backend:
    """get_backend().search() in this process."""

    def __init__(self, viewer):
        from search.backends import get_backend

        self.backend = get_backend()
        self.viewer = viewer

    def prepare(self, ask: Ask):
        return case_query(self.viewer, ask)

    def __call__(self, query) -> int:
        return self.backend.search(query).count


class RawTantivy:
    """The tantivy query EmbeddedBackend.search compiles, on one searcher, plus the facets' aggregation."""

    def __init__(self, viewer):
        from search.backends import get_backend

        backend = get_backend()
        self.searcher = backend.live().index.searcher()
        self.viewer = viewer

    def prepare(self, ask: Ask):
        from tantivy import Occur, Query

        from search.backends.embedded import SCHEMA, EmbeddedBackend
        from search.documents import FACETS
        from search.words import words

        query = case_query(self.viewer, ask)
        # As EmbeddedBackend.search: every term must occur; the words rank (BM25 over `body`).
        must = [(Occur.Must, EmbeddedBackend._term(term)) for term in query.terms]
        relevance = [w for term in query.terms for w in words(term)]
        if relevance:
            must.append((Occur.Should, Query.boolean_query(
                [(Occur.Should, Query.term_query(SCHEMA, "body", w)) for w in dict.fromkeys(relevance)])))
        compiled = EmbeddedBackend._filtered(must, query)
        aggregation = {name: {"terms": {"field": f"k_{name}", "size": 500}} for name in FACETS}
        return compiled, aggregation

    def __call__(self, prepared) -> int:
        compiled, aggregation = prepared
        result = self.searcher.search(compiled, PAGE_SIZE, count=True)
        self.searcher.aggregate(compiled, aggregation)
        return result.count


class RawElastic:
    """The JSON ElasticBackend.compile() produces, POSTed to <alias>/_search."""

    def __init__(self, viewer, url: str, *, timeout: float = 60):
        from search.backends import get_backend

        self.backend = get_backend()
        self.viewer = viewer
        parts = urllib.parse.urlsplit(url)
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)

    def prepare(self, ask: Ask):
        from elasticsearch_dsl import Q

        query = case_query(self.viewer, ask)
        # As ElasticBackend.search.
        must = [self.backend._term(term) for term in query.terms]
        should = [Q("match", body=" ".join(query.terms))] if query.terms else []
        return json.dumps(self.backend.compile(must, should, query, ranked=True).to_dict()).encode()

    def __call__(self, body: bytes) -> int:
        data = exchange(self.conn, "POST", f"/{self.backend.alias}/_search", body, {"Content-Type": "application/json"})
        return data["hits"]["total"]["value"]


@dataclass
class Timings:
    engine: str
    path: str
    latencies_ms: list[float] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)

    def row(self, base: Timings | None = None) -> list[str]:
        cells = [self.engine, self.path, str(len(self.latencies_ms)), f"{percentile(self.latencies_ms, 50):.1f}",
                 f"{percentile(self.latencies_ms, 95):.1f}", f"{percentile(self.latencies_ms, 99):.1f}",
                 f"{statistics.fmean(self.latencies_ms):.1f}" if self.latencies_ms else "nan"]
        if base is None or base is self:
            return [*cells, "", ""]
        return [*cells, f"{percentile(self.latencies_ms, 50) / percentile(base.latencies_ms, 50):.2f}x",
                f"{percentile(self.latencies_ms, 95) / percentile(base.latencies_ms, 95):.2f}x"]


def run_queries(engine: str, ways: dict, questions: list[Ask], warmup: int) -> dict[str, Timings]:
    prepared = {name: [way.prepare(a) if hasattr(way, "prepare") else a for a in questions]
                for name, way in ways.items()}
    timings = {name: Timings(engine, name) for name in ways}
    names = list(ways)
    for i in range(len(questions)):
        order = names[i % len(names):] + names[:i % len(names)]  # rotate who goes first
        for name in order:
            began = time.perf_counter()
            count = ways[name](prepared[name][i])
            elapsed = (time.perf_counter() - began) * 1000
            if i >= warmup:
                timings[name].latencies_ms.append(elapsed)
                timings[name].counts.append(count)
    return timings


# --- one database backend ---------------------------------------------------------------------

def login(port: int, username: str) -> str:
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    conn.request("POST", "/api/v1/auth/token/", json.dumps({"username": username, "password": "fengqiao-demo"}),
                 {"Content-Type": "application/json"})
    response = conn.getresponse()
    data = json.loads(response.read())
    conn.close()
    if response.status != 200:
        raise RuntimeError(f"no token for {username}: {response.status} {data}")
    return data["token"]


def run_engine(engine: str, env: dict[str, str], folder: Path, args, questions: list[Ask]) -> dict:
    from django.test.utils import override_settings

    from bench.filing_throughput import Server
    from casework.models import User

    result: dict = {"engine": engine}
    stand_in = None
    engine_env = dict(env)
    overrides: dict = {"ELASTICSEARCH_URL": "", "SEARCH_INDEX_DIR": Path(env["FENGQIAO_VAR_DIR"]) / "search"}
    try:
        if engine == "elasticsearch":
            stand_in = StandIn(folder / "noida", folder / "noida.log")
            stand_in.wait_ready()
            print(f"  [{engine}] stand-in pid {stand_in.proc.pid} on {stand_in.url}", flush=True)
            engine_env.update(ELASTICSEARCH_URL=stand_in.url, SEARCH_INDEX_NAME=ALIAS)
            overrides.update(ELASTICSEARCH_URL=stand_in.url, SEARCH_INDEX_NAME=ALIAS)
        else:
            engine_env["SEARCH_INDEX_DIR"] = str(overrides["SEARCH_INDEX_DIR"])

        print(f"  [{engine}] rebuild…", flush=True)
        rebuilt = rebuild(engine_env, args.profile_rebuild)
        if "error" in rebuilt and stand_in:
            # The product's client gives every call 5 s; a refresh of a large new index takes longer
            # on the stand-in. Recorded, then loaded again with a longer timeout to go on measuring.
            result["failed_rebuild"] = rebuilt
            print(f"  [{engine}] the rebuild failed in its {rebuilt['phase']} phase after {rebuilt['seconds']:.0f}s "
                  f"({rebuilt['error']}); again with a {RETRY_TIMEOUT} s client timeout…", flush=True)
            rebuilt = rebuild(engine_env, args.profile_rebuild, RETRY_TIMEOUT)
        if "error" in rebuilt:
            raise RuntimeError(f"the rebuild failed: {rebuilt}")
        result["rebuild"] = rebuilt
        print(f"  [{engine}] rebuilt {rebuilt['cases']:,} cases in {rebuilt['seconds']:.1f}s "
              f"({rebuilt['cases'] / rebuilt['seconds']:.0f}/s)", flush=True)
        if stand_in:
            stats = stand_in.get(f"/{ALIAS}/_stats/store")
            result["index_bytes"] = stats["_all"]["total"]["store"]["size_in_bytes"]
            result["stand_in_memory"] = memory_kib(stand_in.proc.pid)
        else:
            result["index_bytes"] = rebuilt.get("folder_bytes", rebuilt["size_bytes"])

        if stand_in:
            # The stand-in is a functional stand-in: one query first, with all the time it needs.
            with override_settings(**overrides):
                probe = RawElastic(User.objects.get(username=VIEWER), stand_in.url, timeout=1800)
                body = probe.prepare(questions[0])
                began = time.perf_counter()
                probe(body)
                result["probe_seconds"] = time.perf_counter() - began
            print(f"  [{engine}] one raw _search took {result['probe_seconds']:.2f}s", flush=True)
            if result["probe_seconds"] > args.es_probe_limit:
                print(f"  [{engine}] over --es-probe-limit {args.es_probe_limit}s: no query phase on this engine "
                      f"(ours would answer 503 past the backend's 5 s request timeout)", flush=True)
                result["stand_in_memory_after"] = memory_kib(stand_in.proc.pid)
                return result

        server = Server(engine_env, folder / f"server-{engine}.log")
        try:
            server.wait_ready()
            token = login(server.port, VIEWER)
            result["server_idle"] = memory_kib(server.proc.pid)
            print(f"  [{engine}] uvicorn pid {server.proc.pid} on {HOST}:{server.port}; "
                  f"{args.warmup} warm-up + {args.queries} measured queries each way…", flush=True)
            with override_settings(**overrides):
                viewer = User.objects.get(username=VIEWER)
                raw = RawTantivy(viewer) if engine == "embedded" else RawElastic(viewer, stand_in.url)
                ways = {"ours (HTTP API)": Ours(server.port, token), "backend.search() in process": Backend(viewer),
                        "raw engine": raw, "floor: GET /api/v1/me/": Floor(server.port, token)}
                timings = run_queries(engine, ways, questions, args.warmup)
            result["server_after"] = memory_kib(server.proc.pid)
            if server.proc.poll() is not None:
                raise RuntimeError(f"the server died during the run:\n{server.log_tail()}")
        finally:
            server.stop()
        if stand_in:
            result["stand_in_memory_after"] = memory_kib(stand_in.proc.pid)
    finally:
        if stand_in:
            stand_in.stop()
            print(f"  [{engine}] stand-in stopped (exit {stand_in.proc.returncode})", flush=True)
    counts = {name: t.counts for name, t in timings.items() if not name.startswith("floor")}
    reference = counts["raw engine"]
    result["mismatches"] = {name: sum(a != b for a, b in zip(c, reference, strict=True)) for name, c in counts.items()}
    result["timings"] = timings
    result["hits"] = {"median": statistics.median(reference), "zero": sum(1 for c in reference if c == 0),
                      "max": max(reference)}
    return result


def run(backend: str, args) -> list[dict]:
    import django

    django.setup()
    from django.core.management import call_command

    from bench._seed import seed_cases
    from demo.topology import load_topology

    folder = Path(os.environ["FENGQIAO_VAR_DIR"])
    began = time.monotonic()
    call_command("migrate", verbosity=0)
    load_topology()
    print(f"[{backend}] migrated, demo topology loaded ({time.monotonic() - began:.0f}s); seeding {args.cases:,} cases…",
          flush=True)
    shown = [0]

    def progress(done: int, total: int) -> None:
        if done - shown[0] >= 20_000 or (done >= total > shown[0]):
            shown[0] = done
            print(f"    seeded {done:,}/{total:,} in {time.monotonic() - began:.0f}s", flush=True)

    seeded = seed_cases(args.cases, progress=progress)
    print(f"[{backend}] seeded {seeded.cases:,} cases, {seeded.parties:,} parties, {seeded.agreements:,} agreements, "
          f"{seeded.mediators:,} mediator links in {seeded.seconds:.0f}s ({seeded.cases / seeded.seconds:.0f} cases/s)",
          flush=True)
    print(f"    statuses {dict(seeded.statuses.most_common())}", flush=True)
    print(f"    outcomes {dict(seeded.outcomes.most_common())}", flush=True)
    print(f"    years {dict(sorted(seeded.years.items()))}; {len(seeded.dispute_types)} dispute types; villages "
          f"{dict(sorted(seeded.villages.items()))}", flush=True)

    questions = asks(args.warmup + args.queries, seed=7)
    results = []
    for engine in args.engines:
        engine_began = time.monotonic()
        try:
            result = run_engine(engine, dict(os.environ), folder, args, questions)
        except Exception as exc:  # reported with the others' figures
            print(f"  [{engine}] FAILED: {type(exc).__name__}: {exc}", flush=True)
            result = {"engine": engine, "error": f"{type(exc).__name__}: {exc}"}
        result.update(backend=backend, seed_seconds=seeded.seconds, cases=seeded.cases,
                      engine_seconds=time.monotonic() - engine_began)
        results.append(result)
    return results


def report(results: list[dict]) -> None:
    mib = 1024
    rows = []
    for r in results:
        if failed := r.get("failed_rebuild"):
            rows.append([r["backend"], f"{r['engine']} (product client)", f"{failed['loaded']:,}",
                         f"{failed['seconds']:.1f}", "", "", "", "", "", "",
                         f"failed in {failed['phase']}: {failed['error'][:60]}"])
        if b := r.get("rebuild"):
            engine = r["engine"] + (f" (client timeout {RETRY_TIMEOUT} s)" if failed else "")
            rows.append([r["backend"], engine, f"{b['cases']:,}", f"{b['seconds']:.1f}", f"{b['load_seconds']:.1f}",
                         f"{b['cases'] / b['seconds']:.0f}", f"{b['cases'] / b['load_seconds']:.0f}",
                         f"{r['index_bytes'] / 1e6:.1f}", f"{b.get('VmHWM', 0) / mib:.0f}",
                         f"{b.get('VmRSS', 0) / mib:.0f}", ""])
        elif "error" in r:
            rows.append([r["backend"], r["engine"], "", "", "", "", "", "", "", "", r["error"][:80]])
    print("\nRebuild (search.indexing.rebuild, one process):")
    print(table(["backend", "engine", "cases", "seconds", "load s", "cases/s", "load cases/s", "index MB",
                 "VmHWM MiB", "VmRSS MiB", "note"], rows))
    print("load: documents built and sent to the engine; the rest is create, publish (commit / refresh, alias swap)\n"
          "and the catch-up (`repair`: every document's version read back and compared with the database).")

    rows = []
    for r in results:
        if "timings" not in r:
            why = (f"not run: one raw _search took {r['probe_seconds']:.1f} s" if "probe_seconds" in r
                   else f"not run: {r.get('error', '?')[:80]}")
            rows.append([r["backend"], r["engine"], why, "", "", "", "", "", "", ""])
            continue
        raw = r["timings"]["raw engine"]
        for t in r["timings"].values():
            rows.append([r["backend"], *t.row(raw)])
    print("\nQueries (center1; two words, status + dispute_type, facets, 20 a page; one client):")
    print(table(["backend", "engine", "path", "queries", "p50 ms", "p95 ms", "p99 ms", "mean ms", "p50 / raw",
                 "p95 / raw"], rows, align_left=3))
    for r in (r for r in results if "timings" in r):
        print(f"  {r['backend']} {r['engine']}: hits per query median {r['hits']['median']}, max {r['hits']['max']}, "
              f"{r['hits']['zero']} with none; counts differing from raw: {r['mismatches']}")

    rows = []
    for r in results:
        if "server_after" in r:
            idle, after = r["server_idle"], r["server_after"]
            rows.append([r["backend"], r["engine"], "uvicorn (ours)", f"{idle.get('VmRSS', 0) / mib:.0f}",
                         f"{after.get('VmRSS', 0) / mib:.0f}", f"{after.get('VmHWM', 0) / mib:.0f}"])
        if "stand_in_memory" in r:
            rows.append([r["backend"], r["engine"], "noida stand-in", f"{r['stand_in_memory'].get('VmRSS', 0) / mib:.0f}",
                         f"{r['stand_in_memory_after'].get('VmRSS', 0) / mib:.0f}",
                         f"{r['stand_in_memory_after'].get('VmHWM', 0) / mib:.0f}"])
    print("\nMemory (from /proc/PID/status):")
    print(table(["backend", "engine", "process", "VmRSS idle MiB", "VmRSS after MiB", "VmHWM MiB"], rows, align_left=3))
    print("idle: after start and one token request (stand-in: after the rebuild); after: after the queries.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--engines", default=",".join(ENGINES), help="comma-separated: embedded, elasticsearch")
    parser.add_argument("--queries", type=int, default=400, help="measured queries per way of asking")
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--es-probe-limit", type=float, default=1.0,
                        help="seconds one raw _search may take on the stand-in for its query phase to run")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--profile-rebuild", type=Path, help="write a cProfile of each rebuild to this folder")
    parser.add_argument("--keep", action="store_true", help="keep the database and index folder (printed)")
    parser.add_argument("--stage", choices=["rebuild"], help=argparse.SUPPRESS)
    parser.add_argument("--es-timeout", type=float, help=argparse.SUPPRESS)  # the stage's client timeout
    args = parser.parse_args(argv)
    if args.stage == "rebuild":
        stage_rebuild(str(args.profile_rebuild) if args.profile_rebuild else None, args.es_timeout)
        return 0
    args.engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    if unknown := set(args.engines) - set(ENGINES):
        parser.error(f"unknown engine(s): {', '.join(sorted(unknown))}")

    if args.backend == "both":
        codes = []
        for backend in backends("both"):
            command = [sys.executable, str(Path(__file__).resolve()), "--backend", backend, "--cases", str(args.cases),
                       "--engines", ",".join(args.engines), "--queries", str(args.queries), "--warmup", str(args.warmup)]
            if args.json:
                command += ["--json", str(args.json.with_name(f"{args.json.stem}-{backend}{args.json.suffix}"))]
            if args.profile_rebuild:
                command += ["--profile-rebuild", str(args.profile_rebuild / backend)]
            codes.append(subprocess.run(command + (["--keep"] if args.keep else []), cwd=ROOT).returncode)
        return max(codes)

    # SIGTERM ends the run like Ctrl-C does, through the `finally`s that stop the server and stand-in.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    print(machine_summary(), flush=True)
    version = code_version(ROOT)
    print(f"code: {version}", flush=True)
    if args.backend == "postgres":
        print(f"PostgreSQL {postgres_version()}", flush=True)
    began = time.monotonic()
    with fresh_database(args.backend, DATABASE_NAME, keep=args.keep) as env:
        os.environ.clear()
        os.environ.update(env)
        if args.keep:
            print(f"keeping {env['FENGQIAO_VAR_DIR']}", flush=True)
        results = run(args.backend, args)
    report(results)
    print(f"\n[{args.backend}] whole run {time.monotonic() - began:.0f}s", flush=True)
    if not same_code(code_version(ROOT), version):
        print(f"WARNING: the code changed during the run: {version} at the start, {code_version(ROOT)} at the end",
              flush=True)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        out = []
        for r in results:
            r = dict(r)
            r["timings"] = r.get("timings") and {name: {"p50_ms": percentile(t.latencies_ms, 50), "p95_ms": percentile(t.latencies_ms, 95),
                                   "p99_ms": percentile(t.latencies_ms, 99), "mean_ms": statistics.fmean(t.latencies_ms),
                                   "queries": len(t.latencies_ms)} for name, t in r["timings"].items()}
            out.append(r)
        args.json.write_text(json.dumps(out, indent=2, ensure_ascii=False, default=str))
    return 1 if any(any(r.get("mismatches", {}).values()) for r in results) else 0


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main())
