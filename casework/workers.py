"""Background jobs: run in threads beside the ASGI server (`serve`) or on their own
(`run_workers`, any number of processes at scale — every job must be safe to run concurrently).

A job is a dotted path to a function taking no arguments and returning how much work it did;
settings.BACKGROUND_JOBS lists them with their interval in seconds.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import close_old_connections
from django.utils.module_loading import import_string

from casework import clock

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    interval: float
    func: object


def configured_jobs() -> list[Job]:
    return [Job(path.rsplit(".", 1)[-1], float(interval), import_string(path))
            for path, interval in settings.BACKGROUND_JOBS]


def run_job_loop(job: Job, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            done = job.func()
            if done:
                log.info("job %s did %s", job.name, done)
        except Exception:  # a failing job must not stop the others; it is retried next round
            log.exception("job %s failed", job.name)
        finally:
            close_old_connections()
        stop.wait(job.interval)


def start_workers(stop: threading.Event) -> list[threading.Thread]:
    threads = []
    for job in configured_jobs():
        thread = threading.Thread(target=run_job_loop, args=(job, stop), name=f"job-{job.name}", daemon=True)
        thread.start()
        threads.append(thread)
    return threads


def purge_idempotency_keys() -> int:
    """Forget Idempotency-Keys older than IDEMPOTENCY_KEY_TTL_DAYS; a retry that late files anew."""
    from casework.models import IdempotencyKey

    cutoff = clock.now() - dt.timedelta(days=settings.IDEMPOTENCY_KEY_TTL_DAYS)
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def wait_forever(stop: threading.Event) -> None:
    while not stop.is_set():
        time.sleep(0.5)
