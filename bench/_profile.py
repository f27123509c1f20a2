"""Where a server's CPU goes during a measured phase: py-spy samples, summed by the function a
request spends them in.

    with Sampler(pid, path) as sampler:     # py-spy record --gil: only the thread holding the GIL
        ...the measured load...
    profile = sampler.profile()
    profile.share("CaseListCreateView.post")           # inclusive share of the samples
    profile.callees("_create_case (", depth=1)       # the callees of a function, by share

py-spy (pinned in requirements.txt) reads the process's memory from outside it (ptrace): no
change to the server, a few per cent of one core at 200 samples a second. Where it cannot attach
(no permission), `Sampler` says so and the benchmark goes on without a profile.
"""
from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

# Frames that only pass a call on (a manager's queryset method): a callee is named by what they call.
_WRAPPERS = ("create_method.<locals>.manager_method (",)
_FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^()]*):\d+\)$")


def _name(frame: str) -> str:
    """`function (path/in/project.py)`, the line number and any site-packages prefix dropped."""
    match = _FRAME.match(frame)
    if match is None:
        return frame
    file = re.sub(r"^.*?site-packages/", "", match["file"])
    return f"{match['function']} ({file})"


class Profile:
    def __init__(self, stacks: list[tuple[list[str], int]]) -> None:
        self.stacks = stacks
        self.total = sum(n for _, n in stacks)

    def share(self, needle: str) -> float:
        """The share of the samples with `needle` in a frame of their stack."""
        hit = sum(n for frames, n in self.stacks if any(needle in f for f in frames))
        return hit / self.total if self.total else 0.0

    def callees(self, needle: str, depth: int = 1) -> Counter[str]:
        """The samples under the first frame holding `needle`, by the frame(s) it called (`depth`
        frames below it, joined by " > "; "(itself)" for samples in the function's own code)."""
        found: Counter[str] = Counter()
        for frames, n in self.stacks:
            at = next((i for i, f in enumerate(frames) if needle in f), None)
            if at is None:
                continue
            below = [f for f in frames[at + 1:] if not any(w in f for w in _WRAPPERS)][:depth]
            found[" > ".join(below) if below else "(itself)"] += n
        return found


class Sampler:
    """py-spy recording one process while the block runs; stopped by its pid."""

    def __init__(self, pid: int, output: Path, rate: int = 200) -> None:
        self.pid, self.output, self.rate = pid, output, rate
        self.proc: subprocess.Popen | None = None
        self.log = output.with_suffix(".log")

    def __enter__(self) -> Sampler:
        py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
        if not Path(py_spy).exists():
            print("    (no py-spy: no profile)", flush=True)
            return self
        with open(self.log, "w") as log:
            self.proc = subprocess.Popen(
                [py_spy, "record", "--pid", str(self.pid), "--gil", "--nonblocking", "--rate", str(self.rate),
                 "--format", "raw", "--output", str(self.output)],
                stdout=log, stderr=subprocess.STDOUT)
        return self

    def __exit__(self, *exc) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # py-spy writes what it sampled, then exits
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def profile(self) -> Profile | None:
        if self.proc is None or not self.output.exists():
            if self.proc is not None:
                print(f"    (py-spy wrote no profile: {self.log.read_text()[-300:].strip()})", flush=True)
            return None
        stacks = []
        for line in self.output.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if stack and count.isdigit():
                stacks.append(([_name(f) for f in stack.split(";")], int(count)))
        return Profile(stacks)
