"""Run named benchmarks: ``python -m benchmarks [NAME ...] [--json]``.

Each benchmark runs our code and its peer on the same input in this process (min of 3 runs each,
ours after a warm-up that compiles the kernels) and prints a table of ratios; ``--json`` prints one
JSON list of ``{"name", "params", "ours_s", "peer", "peer_s", "speedup"}`` instead.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

from rich.console import Console
from rich.table import Table

from benchmarks import (
    appearance,
    consultation,
    design,
    optics,
    photo,
    preview_memory,
    records,
    repair,
    sampling,
    startup,
    timeline,
)
from benchmarks._timing import Row

BENCHMARKS: dict[str, Callable[[argparse.Namespace], list[Row]]] = {
    "sampling-20k": lambda a: sampling.run(20_000),
    "sampling-100k": lambda a: sampling.run(100_000),
    "design-50k": lambda a: design.run_design(),
    "preview-1600": lambda a: design.run_preview(),
    "mcml-slab": lambda a: optics.run("slab", a.mcml),
    "mcml-skin": lambda a: optics.run("skin", a.mcml),
    "mcml-pigment": lambda a: optics.run("pigment", a.mcml),
    "mcml-bare-skin": lambda a: optics.run("bare-skin", a.mcml),
    "appearance-lookup": lambda a: appearance.run(),
    "timeline-8x1600": lambda a: timeline.run(),
    "records-sqlite": lambda a: records.run_sqlite(),
    "records-postgresql": lambda a: records.run_postgres(),
    "startup": lambda a: startup.run(),
    "repair-detect": lambda a: repair.run(),
    "repair-detect-small": lambda a: repair.run(600, 1.0 / 30.0),
    "photo-draw": lambda a: photo.run_draw(),
    "photo-preview-12mp": lambda a: photo.run_preview(),
    "preview-memory": lambda a: preview_memory.run(),
    "consultation-live": lambda a: consultation.run(),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help=f"any of: {', '.join(BENCHMARKS)} (default: all)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON list")
    parser.add_argument(
        "--mcml", metavar="PATH", help="the reference MCML binary (never part of the project)"
    )
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    err = Console(stderr=True)
    rows: list[Row] = []
    for name in args.names or list(BENCHMARKS):
        with err.status(f"running {name} (peers can take minutes)..."):
            try:
                rows.extend(BENCHMARKS[name](args))
            except ModuleNotFoundError as exc:
                err.print(
                    f"error: the peer package {exc.name!r} is not installed; run `make bench`, which "
                    "installs the bench extras (pip install -e '.[bench]')",
                    markup=False,
                )
                return 2
    if args.json:
        sys.stdout.write(json.dumps([r.to_dict() for r in rows]) + "\n")
        return 0
    table = Table(title="smpstudio vs peers (min of 3 runs, seconds)")
    for col in ("benchmark", "params", "ours s", "peer", "peer s", "speedup"):
        table.add_column(col, justify="right" if col.endswith(("s", "speedup")) else "left")
    for r in rows:
        params = ", ".join(f"{k}={v}" for k, v in r.params.items())
        peer_s = "-" if r.peer_s is None else f"{r.peer_s:.4g}"
        speedup = "-" if r.speedup is None else f"{r.speedup:.1f}x"
        table.add_row(r.name, params, f"{r.ours_s:.4g}", r.peer, peer_s, speedup)
    Console(width=max(Console().width, 160)).print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
