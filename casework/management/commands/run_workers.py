"""Run the background jobs without a web server: at scale, as many processes as needed."""
from __future__ import annotations

import signal
import threading

from django.core.management.base import BaseCommand

from casework.workers import start_workers, wait_forever


class Command(BaseCommand):
    help = "Run the background jobs (deadline timers, search indexing…) until SIGTERM or Ctrl-C."

    def handle(self, *args, **options) -> None:
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        threads = start_workers(stop)
        self.stdout.write(f"Running {len(threads)} background job(s)")
        wait_forever(stop)
        for thread in threads:
            thread.join(timeout=10)
        self.stdout.write("Stopped.")
