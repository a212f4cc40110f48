"""Previews in bounded memory: peak resident memory and time of 1600, 4000 and 8000 px previews and of the
8-frame timeline, each in a fresh process.

Each case runs in its own interpreter (``python -m benchmarks.preview_memory CASE``), which builds the demo
design, renders once to compile the kernels and load the tables, then renders the case timed, and
prints one JSON line: the wall time of the timed render, the whole process's peak resident set size
(``ru_maxrss``, imports and the design included) and that of the process before the timed render. The
parent prints the table; the "peer" column holds the goals (peak under 1 GB at 12 megapixels and under
3 GB at 64) as the allowed peak memory in GB, so a ratio above 1 meets them.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks._timing import Row

#: Preview sizes timed (3464 px is 12 megapixels). [px]
PREVIEW_SIZES_PX = (1600, 3464, 4000, 8000)
#: Whole-process peak memory goals by image size: under 1 GB at 12 MP, under 3 GB at 64 MP. [GB]
GOALS_GB = {12e6: 1.0, 64e6: 3.0}
CASES = (*(f"preview-{s}" for s in PREVIEW_SIZES_PX), "timeline-8x1600")


def _peak_mb() -> float:
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _resident_mb() -> float:
    """The process's resident memory now (Linux ``/proc/self/statm``). [MiB]"""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 2**20


def _child(case: str) -> dict[str, float | int | str]:
    """Run one case in this process (a fresh interpreter) and return its figures."""
    from smpstudio.services.demo import DEMO_DESIGN
    from smpstudio.services.design import create_design
    from smpstudio.services.preview import PreviewRequest, preview
    from smpstudio.services.timeline import TimelineRequest, timeline

    doc = create_design(DEMO_DESIGN).document
    preview(doc, PreviewRequest(size_px=200))  # compile and load once, small
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        before_mb = _resident_mb()
        t0 = time.perf_counter()
        if case.startswith("preview-"):
            size = int(case.split("-")[1])
            (folder / "preview.png").write_bytes(preview(doc, PreviewRequest(size_px=size)).image)
            pixels = size * size
        else:
            size = 1600
            for name, data in timeline(doc, TimelineRequest(size_px=size)).files.items():
                target = folder / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            pixels = size * size
        elapsed = time.perf_counter() - t0
    return {
        "case": case,
        "dots": len(doc.dots),
        "pixels": pixels,
        "s": round(elapsed, 3),
        "peak_mb": round(_peak_mb()),
        "before_mb": round(before_mb),
    }


def measure(case: str) -> dict[str, float | int | str]:
    """One case's figures, from a fresh interpreter."""
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.preview_memory", case],
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def _goal_gb(pixels: int) -> float | None:
    for limit, goal in sorted(GOALS_GB.items()):
        if pixels <= limit:
            return goal
    return None


def run() -> list[Row]:
    rows = []
    for case in CASES:
        m = measure(case)
        params = {
            "dots": m["dots"],
            "megapixels": round(float(m["pixels"]) / 1e6, 1),
            "peak_mb": m["peak_mb"],
            "peak_before_render_mb": m["before_mb"],
            "bytes_per_px": round(
                (float(m["peak_mb"]) - float(m["before_mb"])) * 2**20 / float(m["pixels"]), 1
            ),
        }
        goal = _goal_gb(int(m["pixels"]))
        peer = f"goal: peak under {goal:g} GB" if goal is not None else "no goal"
        rows.append(Row(case, params, float(m["s"]), peer, None))
    return rows


if __name__ == "__main__":
    sys.stdout.write(json.dumps(_child(sys.argv[1])) + "\n")
