"""Light transport: photons per second against the reference MCML C program, same inputs, same machine.

Cases ([wang1992] Table 6.1 and this project's skin case; docs/references.md): the van de Hulst slab, 10⁶
photons; the 4-layer skin at 550 nm with a pigment layer at 0.5 mm, 10⁵ photons. Ours runs on one core and
on all cores (``numba.set_num_threads``). The reference binary is never part of the project: pass its path
with ``--mcml PATH`` (MCML 1.2.2 [wang1995] built with gcc -O2); without it, our figures alone. MCML reads
cm and cm⁻¹, so the same stacks are written to its ``.mci`` in those units, and its ``RAT`` block is read
back to show both programs agree.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import numba

from benchmarks._timing import Row, best_of
from smpstudio.skin.layers import Layer, LayerStack
from smpstudio.skin.wang1995 import available_cores, simulate

SLAB = LayerStack((Layer(1.0, 1.0, 9.0, 0.75, 0.2),), 1.0, 1.0)
_SKIN_ROWS = [
    (11.5991, 575.586, 0.01),
    (0.955906, 365.919, 0.04),
    (200.956, 365.919, 0.01),
    (0.955906, 365.919, None),
]
SKIN_550 = LayerStack(
    tuple(Layer(1.4, a / 10, s / 10, 0.9, None if t is None else t * 10) for a, s, t in _SKIN_ROWS)
)


def _mci(stack: LayerStack, photons: int, name: str) -> str:
    lines = [
        "1.0\t# file version",
        "1\t# number of runs",
        "",
        f"{name}.mco\tA",
        f"{photons}",
        "0.001\t0.001",
        "20\t50\t1",
        f"{len(stack.layers)}",
        f"{stack.n_above}",
    ]
    for layer in stack.layers:
        thickness_cm = 1e8 if layer.thickness_mm is None else layer.thickness_mm / 10
        lines.append(
            f"{layer.n}\t{layer.mua_per_mm * 10}\t{layer.mus_per_mm * 10}\t{layer.g}\t{thickness_cm}"
        )
    lines.append(f"{stack.n_below}")
    return "\n".join(lines) + "\n"


def _reference(binary: str, stack: LayerStack, photons: int) -> tuple[float, float]:
    """Min wall time of 3 reference runs and its diffuse reflectance."""
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "case.mci").write_text(_mci(stack, photons, "case"))

        def run(i: int) -> None:
            subprocess.run([binary, "case.mci"], cwd=tmp, check=True, capture_output=True, timeout=3600)

        seconds, _ = best_of(run)
        text = (Path(tmp) / "case.mco").read_text()
    rat = text.split("RAT #")[1].splitlines()
    return seconds, float(rat[2].split()[0])


def _ours(stack: LayerStack, photons: int, threads: int) -> tuple[float, float]:
    before = numba.get_num_threads()
    numba.set_num_threads(threads)
    try:
        seconds, result = best_of(lambda i: simulate(stack, photons, seed=i + 1), warmup=True)
    finally:
        numba.set_num_threads(before)
    return seconds, result.diffuse_reflectance


def run(case: str, mcml: str | None) -> list[Row]:
    stack, photons = (SLAB, 1_000_000) if case == "slab" else (SKIN_550, 100_000)
    name = f"mcml-{case}"
    cores = min(available_cores(), numba.config.NUMBA_NUM_THREADS)
    rows = []
    ref_s, ref_rd = _reference(mcml, stack, photons) if mcml else (None, None)
    for threads in sorted({1, cores}):
        ours_s, rd = _ours(stack, photons, threads)
        params = {
            "photons": photons,
            "threads": threads,
            "ours_photons_per_s": round(photons / ours_s),
            "ours_rd": round(rd, 5),
        }
        if ref_s is not None:
            params |= {"mcml_photons_per_s": round(photons / ref_s), "mcml_rd": round(ref_rd or 0.0, 5)}
            rows.append(Row(name, params, ours_s, "MCML 1.2.2 (C, gcc -O2, one core)", ref_s))
        else:
            rows.append(Row(name, params, ours_s, "none given (--mcml PATH)", None))
    return rows
