"""Command start-up: the wall time of each ``smp`` command in a fresh process, against ``smp --help``.

Every command runs as the user runs it (the ``smp`` script beside this Python, a new process each time,
imports and compiled-kernel loading included), the minimum of :data:`RUNS` runs after one untimed run,
once ``smp warm-up`` has filled the kernel cache. The "peer" of each row is the command's goal from
the start-up goals (1 s for a table lookup, the catalogue and the records commands, 1.5 s for a design), so a
speedup of at least 1× meets it; ``x_help`` is the command's time over ``smp --help`` (the floor every
command pays: the interpreter, Typer and the command tree); ``cpu_s`` is the least CPU time (user and
system) of the runs, which a busy machine disturbs less than the wall time.

The records commands run on a small store made for the run (one clinic, :data:`CLIENTS` clients).
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks._timing import Row

#: Timed runs per command (the minimum is kept; one untimed run comes first).
RUNS = 5
#: Clients in the records store.
CLIENTS = 3
#: The start-up goals [s].
GOAL_LOOKUP_S = 1.0
GOAL_DESIGN_S = 1.5


def _smp() -> list[str]:
    """The ``smp`` console script of this environment, else this Python running the module."""
    script = Path(sys.executable).with_name("smp")
    found = script if script.exists() else shutil.which("smp")
    return [str(found)] if found else [sys.executable, "-m", "smpstudio.cli.main"]


def _env() -> dict[str, str]:
    """This environment without the ``SMP_*`` settings a developer's shell may hold."""
    return {k: v for k, v in os.environ.items() if not k.startswith("SMP_")}


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(args: list[str], cwd: Path) -> tuple[float, float]:
    """One run's wall time and CPU time (user + system) [s]; a failing command stops the benchmark."""
    cpu, t = _children_cpu_s(), time.perf_counter()
    proc = subprocess.run([*_smp(), *args], cwd=cwd, capture_output=True, text=True, env=_env())
    elapsed, cpu_s = time.perf_counter() - t, _children_cpu_s() - cpu
    if proc.returncode != 0:
        raise RuntimeError(f"smp {' '.join(args)} failed ({proc.returncode}): {proc.stderr.strip()}")
    return elapsed, cpu_s


def best_of_processes(args: list[str], cwd: Path, runs: int = RUNS) -> tuple[float, float]:
    """The minimum wall time and the minimum CPU time [s] of ``runs`` fresh ``smp ARGS`` processes,
    after one untimed run."""
    _run(args, cwd)
    times = [_run(args, cwd) for _ in range(runs)]
    return min(t for t, _ in times), min(c for _, c in times)


def _records_store(cwd: Path) -> None:
    store = ["--data-dir", "store"]
    _run([*store, "clinic", "init", "--name", "Start-up Clinic", "--owner-email", "owner@example.org"], cwd)
    for i in range(1, CLIENTS + 1):
        _run([*store, "client", "add", "--name", f"Client {i}", "--date-of-birth", f"1980-01-0{i}"], cwd)


#: (label, arguments, goal [s] or None), in the order they run: the design writes what preview reads.
COMMANDS: tuple[tuple[str, list[str], float | None], ...] = (
    ("smp --help", ["--help"], None),
    ("catalogue", ["catalogue"], GOAL_LOOKUP_S),
    ("design", ["design", "--pattern", "norwood-3", "--seed", "1", "--out", "design.json"], GOAL_DESIGN_S),
    ("optics dot", ["optics", "dot"], GOAL_LOOKUP_S),
    ("client find", ["--data-dir", "store", "client", "find", "Client"], GOAL_LOOKUP_S),
    ("audit verify", ["--data-dir", "store", "audit", "verify"], GOAL_LOOKUP_S),
    ("preview", ["preview", "design.json", "--out", "preview.png"], None),
)


def run() -> list[Row]:
    """Time every command of :data:`COMMANDS`; one row each (the help row has no peer)."""
    with tempfile.TemporaryDirectory(prefix="smp-startup-") as tmp:
        cwd = Path(tmp)
        _run(["warm-up"], cwd)
        _records_store(cwd)
        times = {label: best_of_processes(args, cwd) for label, args, _ in COMMANDS}
    help_s = times["smp --help"][0]
    rows = []
    for label, args, goal in COMMANDS:
        wall_s, cpu_s = times[label]
        params = {
            "command": f"smp {' '.join(args)}",
            "x_help": round(wall_s / help_s, 1),
            "cpu_s": round(cpu_s, 2),
        }
        peer = "no goal" if goal is None else f"goal {goal:g} s"
        rows.append(Row("startup", params, wall_s, peer, goal))
    return rows
