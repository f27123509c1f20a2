"""Running project commands as separate processes against the test database.

The subprocesses open their own connections, so a test that uses them commits its data
(`transactional_db`) and hands them the test database through DATABASE_URL: on PostgreSQL
the test database pytest-django created (`test_<name>`), on SQLite the test database file
(`connection.settings_dict["NAME"]`, a temporary file named by config/settings/test.py) and
nothing else, as a deployment names it: the settings give every SQLite database its options
(IMMEDIATE transactions, busy timeout, WAL).
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def database_url() -> str:
    """The URL of the database this test process is connected to (the test database)."""
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = quote(settings["USER"] or "")
        if settings.get("PASSWORD"):
            auth += ":" + quote(settings["PASSWORD"])
        host = settings.get("HOST") or "localhost"
        port = f":{settings['PORT']}" if settings.get("PORT") else ""
        return f"postgres://{auth}@{host}{port}/{settings['NAME']}"
    assert connection.vendor == "sqlite"
    name = str(settings["NAME"])
    assert os.path.isabs(name) and os.path.exists(name), f"the SQLite test database must be a file: {name!r}"
    return f"sqlite:///{name}"


def worker_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(),
        "FENGQIAO_VAR_DIR": str(tmp_path / "var"),
        "FENGQIAO_MEDIA_ROOT": str(tmp_path / "media"),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")])),
        "LOG_LEVEL": "WARNING",
    })
    return env


def free_port() -> int:
    """A port free a moment ago, for a server that cannot be handed a bound socket (the
    Elasticsearch stand-in); another process may take it first, which fails that start loudly."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ServerProcess:
    """`manage.py serve --no-workers` in its own process: one of the county's ASGI servers
    (with `workers=True`, `manage.py serve` with its background jobs, as the embedded default runs).

        with ServerProcess(env) as a, ServerProcess(env) as b:
            request("POST", a.url + "/api/v1/…"); connect(b.ws_url + "/ws/notifications/?token=…")

    Its port is bound here and the socket handed to the server (`serve --fd`): a port probed free
    and closed again could be taken in the seconds the server takes to start — by the server of
    another pytest-xdist worker, which the wait for an answer below would take for this one.
    Stopped by its pid (SIGTERM, then SIGKILL); its output is kept for the failure message.
    """

    def __init__(self, env: dict[str, str], *, startup_timeout: float = 60.0, workers: bool = False) -> None:
        self.env, self.startup_timeout, self.workers = env, startup_timeout, workers
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self.port = self._socket.getsockname()[1]
        self.process: subprocess.Popen | None = None
        self.log = tempfile.TemporaryFile(mode="w+")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read()

    def start(self) -> ServerProcess:
        fd = self._socket.fileno()
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "serve", *([] if self.workers else ["--no-workers"]), "--fd", str(fd)],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT, text=True, pass_fds=[fd])
        self._socket.close()  # the server holds it now
        deadline = time.monotonic() + self.startup_timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode}:\n{self.output()}")
            try:
                # As the TLS proxy of a deployment would: production settings redirect plain HTTP.
                probe = urllib.request.Request(self.url + "/api/v1/me/", headers={"X-Forwarded-Proto": "https"})
                with urllib.request.urlopen(probe, timeout=5):
                    break
            except urllib.error.HTTPError:
                break  # 401/403: it answers
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"the server did not answer in time:\n{self.output()}") from None
                time.sleep(0.2)
        return self

    def stop(self) -> None:
        self._socket.close()  # not started: free the port
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=20)

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
        self.log.close()
