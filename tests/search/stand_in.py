"""The noida-db Elasticsearch stand-in as a process a test owns: started on a free port with its
own data folder, stopped (and started again, on the same port and data) by its process group —
its `noida-db` command is a wrapper that runs the server as a child."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from tests.processes import free_port


def binary() -> str | None:
    return shutil.which("noida-db") or next(
        (str(p) for p in [Path(sys.executable).parent / "noida-db"] if p.exists()), None)


class StandIn:
    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.log = tempfile.TemporaryFile(mode="w+")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def answers(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/", timeout=2):
                return True
        except OSError:
            return False

    def start(self) -> StandIn:
        command = binary()
        if command is None:
            pytest.skip("noida-db is not installed")
        self.process = subprocess.Popen(
            [command, "start", "--only", "elasticsearch", "--host", "127.0.0.1",
             "--elasticsearch-port", str(self.port), "--data-dir", str(self.data_dir)],
            stdout=self.log, stderr=subprocess.STDOUT, text=True, start_new_session=True)
        deadline = time.monotonic() + 30
        while not self.answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                self.log.seek(0)
                raise RuntimeError(f"the stand-in did not start:\n{self.log.read()}")
            time.sleep(0.1)
        return self

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        group = os.getpgid(self.process.pid)
        os.killpg(group, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(group, signal.SIGKILL)
            self.process.wait(timeout=20)
        deadline = time.monotonic() + 20
        while self.answers() and time.monotonic() < deadline:  # the child serves until it has exited
            time.sleep(0.1)
