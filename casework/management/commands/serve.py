"""Run everything of the embedded default as one process: the ASGI server (HTTP and
WebSocket) and the background jobs in threads beside it. Ctrl-C or SIGTERM stops all."""
from __future__ import annotations

import contextlib
import signal
import socket
import threading

import uvicorn
from django.core.management.base import BaseCommand, CommandParser

from casework.workers import start_workers


class _Server(uvicorn.Server):
    """uvicorn re-raises SIGTERM after shutting down, which would kill the process before the
    workers are stopped; here the command owns the signals and asks the server to exit."""

    @contextlib.contextmanager
    def capture_signals(self):
        yield


class Command(BaseCommand):
    help = "Run the ASGI server (HTTP and WebSocket) and the background workers as one process."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-workers", action="store_true", help="Serve only; run workers elsewhere.")
        parser.add_argument("--fd", type=int, help="Serve on this socket, bound by the parent process and inherited "
                                                   "(socket activation, the tests' server processes); --host and "
                                                   "--port are then ignored.")

    def handle(self, *args, host: str, port: int, no_workers: bool, fd: int | None, **options) -> None:
        from config.asgi import application

        # A socket the parent bound and holds cannot be taken by another process between the
        # moment its port is chosen and the moment the server listens on it.
        sockets = None
        if fd is not None:
            sockets = [socket.socket(fileno=fd)]
            host, port = sockets[0].getsockname()[:2]
        stop = threading.Event()
        threads = [] if no_workers else start_workers(stop)
        self.stdout.write(f"Serving on http://{host}:{port}/ with {len(threads)} background job(s)")
        server = _Server(uvicorn.Config(
            application, host=host, port=port, lifespan="on", ws="websockets-sansio",
            # Notifications are a few hundred bytes: compressing them saves little, and each
            # connection's zlib state doubles its memory (80 → 39 KiB, bench/notify_latency.py).
            ws_per_message_deflate=False,
            # Django's LOGGING (base settings) formats and filters uvicorn's lines too.
            log_config=None, log_level="info",
        ))

        def shutdown(signum, frame) -> None:
            stop.set()
            server.should_exit = True

        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, shutdown)
        try:
            server.run(sockets=sockets)
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=10)
            self.stdout.write("Stopped.")
