"""The real ASGI application served by uvicorn in a background thread, for integration tests.

Unlike pytest-django's `live_server` (a WSGI server), this runs `config.asgi.application`
exactly as production does — Django's ASGI handler for HTTP, Channels for WebSocket — on a
free 127.0.0.1 port. It serves from the test process, so it uses the test database; a test
that talks to it must commit what the server should see (`transactional_db`).

    with LiveASGIServer() as server:
        urllib.request.urlopen(server.url + "/api/v1/me/")
        websockets.connect(server.ws_url + "/ws/notifications/?token=…")

The `live_url` fixture in tests/integration/conftest.py wraps it per test.
"""
from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

import uvicorn

STARTUP_TIMEOUT = 15.0
SHUTDOWN_TIMEOUT = 15.0


class LiveASGIServer:
    """uvicorn serving an ASGI app in a daemon thread; a context manager that stops it cleanly."""

    def __init__(self, app=None, *, host: str = "127.0.0.1", log_level: str = "warning") -> None:
        if app is None:
            from config.asgi import application as app
        self.host = host
        # Bind the socket ourselves: the port is known before the server starts and no other
        # process can take it in between.
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((host, 0))
        self.port = self._socket.getsockname()[1]
        self._server = uvicorn.Server(uvicorn.Config(
            app, host=host, port=self.port, log_level=log_level,
            # As `serve`: the server's loop is where pushes of the in-memory layer go (and an
            # app that does not speak lifespan, e.g. bare HTTP, is served all the same).
            lifespan="auto",
            # Open WebSockets must not hold the test run hostage at shutdown.
            timeout_graceful_shutdown=5,
            # The legacy websockets implementation is deprecated in websockets ≥ 14.
            ws="websockets-sansio",
            ws_per_message_deflate=False,  # as `serve`
        ))
        self._thread = threading.Thread(target=self._run, name=f"uvicorn-{self.port}", daemon=True)
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.port}"

    def _run(self) -> None:
        try:
            # Not in the main thread, so uvicorn installs no signal handlers.
            asyncio.run(self._server.serve(sockets=[self._socket]))
        except BaseException as exc:  # reported by start()/stop(), not lost in the thread
            self._error = exc

    def start(self) -> LiveASGIServer:
        self._thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not self._server.started:
            if self._error is not None or not self._thread.is_alive():
                raise RuntimeError(f"the live ASGI server did not start: {self._error!r}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the live ASGI server did not start in time")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(SHUTDOWN_TIMEOUT)
        if self._thread.is_alive():
            self._server.force_exit = True
            self._thread.join(SHUTDOWN_TIMEOUT)
        self._socket.close()
        if self._thread.is_alive():
            raise RuntimeError("the live ASGI server did not stop")
        if self._error is not None:
            raise RuntimeError("the live ASGI server failed") from self._error

    def __enter__(self) -> LiveASGIServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


# --- a small HTTP client for tests: stdlib only, one connection per call, safe across threads ---

@dataclass
class Reply:
    status: int
    body: bytes
    headers: dict[str, str]

    def json(self):
        return json.loads(self.body)


def request(method: str, url: str, *, token: str | None = None, json_body=None, data: bytes | None = None,
            headers: dict[str, str] | None = None, timeout: float = 60.0) -> Reply:
    """One HTTP request; any status (4xx/5xx included) comes back as a Reply, never an exception."""
    all_headers = {"Accept": "application/json", **(headers or {})}
    if token:
        all_headers["Authorization"] = f"Token {token}"
    if json_body is not None:
        data = json.dumps(json_body).encode()
        all_headers.setdefault("Content-Type", "application/json")
    req = urllib.request.Request(url, data=data, method=method, headers=all_headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return Reply(resp.status, resp.read(), dict(resp.headers))
    except urllib.error.HTTPError as err:
        with err:
            return Reply(err.code, err.read(), dict(err.headers))


def run_together(calls, *, timeout: float = 60.0) -> list:
    """Run each call in its own thread, released at once by a barrier; their results, in order.

    An exception in a call is re-raised here, so a crashed client cannot pass for a refusal.
    """
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    errors: list[BaseException] = []

    def worker(index: int, call) -> None:
        try:
            barrier.wait(timeout)
            results[index] = call()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i, c), daemon=True) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout + 30)
    if any(thread.is_alive() for thread in threads):
        raise RuntimeError("a concurrent request did not finish")
    if errors:
        raise errors[0]
    return results
