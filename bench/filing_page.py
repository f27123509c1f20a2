"""The filing page (/cases/new/) on a slow mobile network, cold and warm (service worker), against
the Django admin's page of a case in the same run (the admin has no add-case page: cases are
read-only there, filed only through the actions layer; /admin/casework/case/<id>/change/ is the
admin's form for a case).

    python bench/filing_page.py [--rounds 3]

A fresh SQLite database in a temporary folder (bench/_support.py), `migrate`, the demo topology
and users (`load_demo`, no cases), then `manage.py serve` on a free port, in its own process,
stopped by its pid at the end. Debian's chromium (Playwright, never `playwright install`) signs in
as grid1 for the filing page and as admin for the admin page, each in a fresh browser context, and
visits the page twice, `--rounds` times:

  cold  the browser cache emptied (Network.clearBrowserCache) and the origin's service workers and
        Cache Storage deleted (Storage.clearDataForOrigin): the first visit of a new tablet
  warm  the second visit: the service worker installed by the first visit (the filing page keeps
        itself and its assets there); the admin page has none and has only the HTTP cache

The network is Chromium DevTools' "Slow 3G" preset (named "3G" since DevTools' June 2024 presets),
as chromium/devtools-frontend front_end/core/sdk/NetworkManager.ts declares `Slow3GConditions`:
download 500 * 1000 / 8 * .8 bytes/s (400 kbit/s), upload the same, latency 400 * 5 = 2000 ms.
It is applied with Network.emulateNetworkConditions to the page *and* to the service worker (as
DevTools' MultitargetNetworkManager does), since the worker fetches the page itself when online.

Measured, for each visit, from the navigation's start:
  bytes     the sum of Network.loadingFinished encodedDataLength over the page's requests that
            went to the network, plus those of the service worker (its fetch of the page);
            responses the worker answered from its cache count nothing; counted until the page is
            ready. Not counted: what the cold visit's service worker fetches in the background
            once the page is ready, as it installs (its own copy of the page; the assets come
            from the HTTP cache)
  requests  how many of those there were (a response from the HTTP cache, 0 bytes, is not one)
  DCL       domContentLoadedEventEnd
  ready     "time to interactive" here: the moment the form can be used with its scripts — for the
            filing page, when offline.js has opened the drafts store and listed them
            (#offline-panel[data-ready], after DOMContentLoaded); for the admin page, which has no
            such marker, loadEventEnd (its scripts, jQuery and the widgets, have run by then)
Medians over the rounds are printed. Numbers only: nothing here asserts a time.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._support import ROOT, fresh_database, machine_summary, table  # noqa: E402

DATABASE_NAME = "fengqiao_bench_filing_page"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SLOW_3G = {"offline": False, "latency": 400 * 5,
           "downloadThroughput": 500 * 1000 / 8 * .8, "uploadThroughput": 500 * 1000 / 8 * .8}
NO_THROTTLING = {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}


def pages(case_id: int) -> list[tuple[str, str, str, str | None]]:
    """label, user, path, what "ready" waits for. The admin cannot add a case (casework/admin.py
    makes cases read-only there: every case is filed through the actions layer), so its nearest
    page is a case's change page, read-only, with the case's fields and its parties inline."""
    return [
        ("filing page /cases/new/", "grid1", "/cases/new/", "#offline-panel[data-ready]"),
        ("admin case page", "admin", f"/admin/casework/case/{case_id}/change/", None),
    ]
READY_MARK = """
(() => {
  const selector = "#offline-panel[data-ready]";
  const mark = () => {
    if (window.__ready === undefined && document.querySelector(selector)) window.__ready = performance.now();
    return window.__ready !== undefined;
  };
  new MutationObserver((_, observer) => { if (mark()) observer.disconnect(); })
    .observe(document, {subtree: true, childList: true, attributes: true});
})();
"""
TIMINGS = """
() => {
  const nav = performance.getEntriesByType("navigation")[0];
  return {dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd, ready: window.__ready ?? null,
          controlled: Boolean(navigator.serviceWorker && navigator.serviceWorker.controller)};
}
"""
SW_READY = """
async () => {
  if (!navigator.serviceWorker.controller) return false;
  const names = await caches.keys();
  const pages = names.find((n) => n.startsWith("fq-pages-"));
  return Boolean(pages && await (await caches.open(pages)).match("/cases/new/"));
}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/login/", timeout=5):
                return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.3)
    raise RuntimeError(f"the server at {url} did not start")


class Meter:
    """Network bytes of one visit: the page's CDP session, and the service workers' (attached through
    the browser's session in non-flat mode, so messages go through Target.sendMessageToTarget)."""

    def __init__(self, browser, page_session) -> None:
        self.browser_session = browser.new_browser_cdp_session()
        self.page_session = page_session
        self.page_session.send("Network.enable")
        self.sw_sessions: dict[str, str] = {}  # targetId → sessionId
        self.reset()
        self.page_session.on("Network.responseReceived", self._response)
        self.page_session.on("Network.loadingFinished", self._finished)
        self.browser_session.on("Target.receivedMessageFromTarget", self._from_worker)
        self._next_id = 1

    def reset(self) -> None:
        self.from_worker: set[str] = set()
        self.urls: dict[str, str] = {}
        self.log: list[tuple[str, int]] = []  # (url, bytes) of each request that used the network
        self.bytes = 0
        self.requests = 0

    def _response(self, event) -> None:
        self.urls[event["requestId"]] = event["response"]["url"]
        if event["response"].get("fromServiceWorker"):
            self.from_worker.add(event["requestId"])

    def _finished(self, event) -> None:
        if event["requestId"] not in self.from_worker:
            self._count(self.urls.get(event["requestId"], "?"), event["encodedDataLength"])

    def _count(self, url: str, size: int) -> None:
        self.log.append((url, size))
        if size:  # 0: answered from the browser's memory or disk cache, no network
            self.bytes += size
            self.requests += 1

    def _from_worker(self, event) -> None:
        message = json.loads(event["message"])
        if message.get("method") == "Network.responseReceived":
            self.urls["sw:" + message["params"]["requestId"]] = "(service worker) " + message["params"]["response"]["url"]
        if message.get("method") == "Network.loadingFinished":
            self._count(self.urls.get("sw:" + message["params"]["requestId"], "(service worker) ?"),
                        message["params"]["encodedDataLength"])

    def _to_worker(self, session_id: str, method: str, params: dict | None = None) -> None:
        self._next_id += 1
        self.browser_session.send("Target.sendMessageToTarget", {
            "sessionId": session_id,
            "message": json.dumps({"id": self._next_id, "method": method, "params": params or {}})})

    def throttle(self, conditions: dict) -> None:
        """The same network for the page and for every running service worker of the site."""
        self.page_session.send("Network.emulateNetworkConditions", conditions)
        targets = self.browser_session.send("Target.getTargets")["targetInfos"]
        for target in targets:
            if target["type"] != "service_worker":
                continue
            session = self.sw_sessions.get(target["targetId"])
            if session is None:
                session = self.browser_session.send("Target.attachToTarget",
                                                    {"targetId": target["targetId"], "flatten": False})["sessionId"]
                self.sw_sessions[target["targetId"]] = session
                self._to_worker(session, "Network.enable")
            self._to_worker(session, "Network.emulateNetworkConditions", conditions)


def visit(page, meter: Meter, url: str, ready: str | None, *, install: bool = False) -> dict:
    """One visit on the slow network; with `install`, it ends once the service worker the page
    registers has installed and keeps the page (so that the next visit is warm)."""
    page.goto("about:blank")
    meter.throttle(SLOW_3G)
    meter.reset()
    page.goto(url, wait_until="load", timeout=180_000)
    if ready:
        page.wait_for_selector(ready, state="attached", timeout=180_000)
    timings = page.evaluate(TIMINGS)
    page.wait_for_timeout(300)  # late loadingFinished events
    to_ready, requests = meter.bytes, meter.requests
    if install:
        meter.throttle(SLOW_3G)  # the worker has started meanwhile: the same network for it
        page.wait_for_function(SW_READY, timeout=180_000)
        page.wait_for_timeout(300)
    meter.throttle(NO_THROTTLING)
    return {"bytes": to_ready, "requests": requests, "dcl": timings["dcl"],
            "ready": timings["ready"] if ready else timings["load"], "controlled": timings["controlled"],
            "log": list(meter.log)}


def forget_the_site(page, session, site: str) -> None:
    """Cold: the sign-in's page registered the service worker; let it settle, then remove it, its
    caches and the HTTP cache, keeping only the session cookie."""
    page.wait_for_function("() => navigator.serviceWorker.ready.then(() => true)", timeout=60_000)
    page.goto("about:blank")
    session.send("Storage.clearDataForOrigin", {"origin": site, "storageTypes": "service_workers,cache_storage"})
    session.send("Network.clearBrowserCache")


def sign_in(context, site: str, username: str):
    page = context.new_page()
    page.goto(site + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "fengqiao-demo")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


def measure(site: str, rounds: int, case_id: int) -> dict[tuple[str, str], list[dict]]:
    from playwright.sync_api import sync_playwright

    results: dict[tuple[str, str], list[dict]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for _ in range(rounds):
                for label, username, path, ready in pages(case_id):
                    context = browser.new_context(locale="zh-CN", viewport={"width": 800, "height": 1280})
                    context.add_init_script(READY_MARK)
                    page = sign_in(context, site, username)
                    session = context.new_cdp_session(page)
                    meter = Meter(browser, session)
                    # cold: nothing of the site on the device but the session cookie
                    forget_the_site(page, session, site)
                    results.setdefault((label, "cold"), []).append(
                        visit(page, meter, site + path, ready, install=bool(ready)))
                    # warm: the second visit (the filing page's service worker installed by the first)
                    results.setdefault((label, "warm"), []).append(visit(page, meter, site + path, ready))
                    meter.browser_session.detach()
                    context.close()
        finally:
            browser.close()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--verbose", action="store_true", help="List each visit's requests and their bytes.")
    args = parser.parse_args()
    python = sys.executable
    with fresh_database("sqlite", DATABASE_NAME) as env:
        manage = [python, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env, check=True, cwd=ROOT)
        subprocess.run([*manage, "load_demo", "--cases", "1"], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
        case_id = int(subprocess.run(
            [*manage, "shell", "-c", "from casework.models import Case; print(Case.objects.get().pk)"],
            env=env, check=True, cwd=ROOT, capture_output=True, text=True).stdout.split()[-1])
        port = free_port()
        log = open(Path(env["FENGQIAO_VAR_DIR"]) / "serve.log", "w")  # noqa: SIM115 — closed below
        server = subprocess.Popen([*manage, "serve", "--host", "127.0.0.1", "--port", str(port)],
                                  env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        site = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(site)
            results = measure(site, args.rounds, case_id)
        finally:
            os.kill(server.pid, signal.SIGTERM)
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                os.kill(server.pid, signal.SIGKILL)
                server.wait()
            log.close()

    print(f"\nFiling page vs the admin's case page on Chromium's Slow 3G "
          f"(2000 ms latency, 400 kbit/s down and up); median of {args.rounds} rounds")
    print(machine_summary())
    rows = []
    for (label, state), runs in results.items():
        def median(key: str, runs=runs) -> float:
            return statistics.median(r[key] for r in runs)
        rows.append([label, state, f"{median('bytes') / 1024:.1f}", f"{median('requests'):.0f}",
                     f"{median('dcl'):.0f}", f"{median('ready'):.0f}",
                     "yes" if all(r["controlled"] for r in runs) else "no"])
    if args.verbose:
        for (label, state), runs in results.items():
            print(f"\n{label}, {state}:")
            for url, size in runs[-1]["log"]:
                print(f"  {size:>9}  {url}")
    print(table(["page", "visit", "KiB to ready", "requests", "DCL ms", "ready ms", "service worker"],
                rows, align_left=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
