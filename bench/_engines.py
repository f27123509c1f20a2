"""What the search benchmarks share: the Elasticsearch stand-in as a process the benchmark owns,
a folder's size, and a process's memory.

The stand-in (noida-db, installed in the venv) is started on a free port with its own data
folder and stopped by its pid. The binary is run directly rather than through the
`.venv/bin/noida-db` wrapper: the wrapper is a Python process that runs the binary as its child
(subprocess.call), so a SIGTERM to the wrapper's pid ends the wrapper and leaves the server
running, orphaned.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def code_version(root: Path, paths: tuple[str, ...] = ("search",)) -> str:
    """The last commit that changed `paths`, the checkout's commit, and whether `paths` differ
    from it: the code being measured. Other people commit to this checkout while a benchmark
    runs; printed at the start and the end of a run, a change to `paths` shows."""
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else "?"

    changed = git("status", "--porcelain", "--", *paths)
    return (f"{', '.join(p + '/' for p in paths)} as of commit {git('log', '-1', '--format=%h', '--', *paths)}"
            + (f", with uncommitted changes in {len(changed.splitlines())} files" if changed else "")
            + f" (checkout at {git('rev-parse', '--short', 'HEAD')})")


def same_code(a: str, b: str) -> bool:
    """Whether two code_version() strings name the same code of the measured paths."""
    return a.split(" (checkout at ")[0] == b.split(" (checkout at ")[0]


def folder_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS (resident now) and VmHWM (the peak) of a process, in KiB, from /proc; {} elsewhere."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return {}
    out = {}
    for line in lines:
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            out[name] = int(value.split()[0])
    return out


def _binary() -> str:
    from importlib.resources import files

    path = files("noida_db").joinpath("noida-db")
    if not path.is_file():
        raise RuntimeError(f"noida-db is not installed in this venv ({path} missing)")
    os.chmod(str(path), 0o755)
    return str(path)


class StandIn:
    """noida-db with only its Elasticsearch 8 REST API, on a free port; stopped by its pid."""

    def __init__(self, data_dir: Path, log_path: Path):
        self.port = free_port()
        self.data_dir = Path(data_dir)
        self._log = open(log_path, "w")  # closed in stop()
        self.log_path = log_path
        # It prints a harmless glibc "weak version" warning on start.
        self.proc = subprocess.Popen(
            [_binary(), "start", "--only", "elasticsearch", "--host", HOST, "--elasticsearch-port", str(self.port),
             "--data-dir", str(self.data_dir)],
            stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the stand-in exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url + "/", timeout=2):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"the stand-in did not answer within {timeout}s:\n{self.log_tail()}")

    def get(self, path: str) -> dict:
        with urllib.request.urlopen(self.url + path, timeout=60) as response:
            return json.loads(response.read())

    def log_tail(self, lines: int = 20) -> str:
        self._log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # this pid only
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=20)
        self._log.close()
