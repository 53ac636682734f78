"""Sampling profiles of running service processes with py-spy, summarised as text.

``sampled({"API": pid, ...}, directory)`` records each process (``py-spy record --pid``,
raw collapsed stacks) while the block runs; on leaving it stops them and prints, per
process, the functions that hold the most samples: inclusive (the function or anything
it called) and self (the function's own code). That is how each step of issue 19 was
chosen and checked ("profile before and after"). py-spy is a tool of the machine, not
a dependency of the project: ``pip install py-spy``; without it the block runs
unprofiled and says so.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import signal
import subprocess
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path

RATE = 250  # samples a second: enough for a few seconds' run, cheap for the process
_FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^:]*)(:\d+)?\)$")


def _short(frame: str) -> str:
    """``function (path/to/module.py:12)`` as ``module.function``, line left out so that
    one function's lines count together."""
    match = _FRAME.match(frame)
    if match is None:
        return frame
    module = Path(match["file"]).stem
    return f"{module}.{match['function']}"


def summarise(raw: Path, top: int = 25) -> str:
    """The collapsed stacks in ``raw`` as two rankings (inclusive and self), in percent
    of the process's samples (idle samples are not recorded: ``--idle`` is off)."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = [_short(f) for f in stack.split(";")]
        for name in set(frames):
            inclusive[name] += count
        own[frames[-1]] += count
    if total == 0:
        return "  no samples"
    lines = [f"  {total} samples while busy"]
    lines.append("  inclusive:")
    lines += [f"    {n * 100 / total:5.1f}%  {name}" for name, n in inclusive.most_common(top)]
    lines.append("  self:")
    lines += [f"    {n * 100 / total:5.1f}%  {name}" for name, n in own.most_common(top)]
    return "\n".join(lines)


@contextlib.contextmanager
def sampled(pids: Mapping[str, int], directory: Path | None) -> Iterator[None]:
    """Record ``pids`` with py-spy while the block runs (nothing when ``directory`` is
    None); print each one's summary afterwards, keep the raw files in ``directory``."""
    spy = shutil.which("py-spy")
    if directory is None:
        yield
        return
    if spy is None:
        print("  (py-spy is not installed: no profile; pip install py-spy)")
        yield
        return
    directory.mkdir(parents=True, exist_ok=True)
    recorders: list[tuple[str, Path, subprocess.Popen[bytes]]] = []
    for label, pid in pids.items():
        out = directory / f"{label.replace(' ', '_')}.txt"
        command = [spy, "record", "--pid", str(pid), "--rate", str(RATE)]
        command += ["--format", "raw", "--output", str(out), "--nonblocking"]
        recorder = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        recorders.append((label, out, recorder))
    try:
        yield
    finally:
        for _, _, recorder in recorders:
            recorder.send_signal(signal.SIGINT)
        for label, out, recorder in recorders:
            try:
                recorder.wait(timeout=60)
            except subprocess.TimeoutExpired:
                recorder.kill()
            print(f"  profile of {label} ({out}):")
            print(summarise(out) if out.exists() else "  no profile written")
