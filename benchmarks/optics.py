"""Light transport: photons per second against the reference MCML C program, same inputs, same machine.

Cases ([wang1992] Table 6.1 and this project's skin cases; docs/references.md):

* ``slab``: the van de Hulst slab, 10⁶ photons;
* ``skin``: the 4-layer skin at 550 nm with a pigment layer at 0.5 mm, 10⁵ photons;
* ``pigment``: an opaque carbon layer (mua 200 mm⁻¹, 0.1 mm thick) in the 4-layer scalp stack, its top at
  0.15, 0.3, 0.5 and 1.0 mm, at 450, 550 and 650 nm, 2 × 10⁵ photons each, and a 1-photon run that shows
  the fixed cost of a call;
* ``bare-skin``: skin without pigment at 550 nm, 2 × 10⁵ photons: two layers (a 0.1 mm epidermis over a
  semi-infinite dermis) and four (the pigment stack's layers with dermis in place of the carbon).

The skin's coefficients are those of this project's model (:func:`smpstudio.skin.scalp.scalp_stack`,
Fitzpatrick III), as the appearance table uses them; the layers follow MCML's 4-layer skin example: a
0.1 mm epidermis, dermis down to the pigment, the pigment layer, semi-infinite dermis.

Ours runs on one core and on all cores (``numba.set_num_threads``). The reference binary is never part of
the project: pass its path with ``--mcml PATH`` (MCML 1.2.2 [wang1995] built with gcc -O2); without it,
our figures alone. MCML reads cm and cm⁻¹, so the same stacks are written to its ``.mci`` in those units,
and its ``RAT`` block is read back to show both programs agree: ``rd_z`` is the difference of the two
diffuse reflectances over their combined standard error (ours, from the batch means, taken for both).
Each program runs 3 times, in turn (MCML, ours on one core, ours on all cores), so that a busy spell of
the machine falls on all of them; every time is the minimum of the 3, and ``spread`` the slowest run over
the fastest, minus 1: how noisy the machine was. ``cpu_ratio`` is MCML's CPU time over ours (all threads
together): the work per photon, which other load on the machine disturbs less than the wall time.
"""

from __future__ import annotations

import math
import resource
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numba

from benchmarks._timing import RUNS, Row
from smpstudio.skin.layers import Layer, LayerStack
from smpstudio.skin.scalp import ScalpSkin, scalp_stack
from smpstudio.skin.wang1995 import TransportResult, available_cores, simulate

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
#: Absorption of the opaque carbon layer [mm⁻¹] and its thickness [mm]: the pigment cases' deposit.
CARBON_MUA_PER_MM = 200.0
CARBON_MM = 0.1
#: Epidermal thickness of the benchmark stacks, as MCML's 4-layer skin example has it. [mm]
EPIDERMIS_MM = 0.1
PIGMENT_DEPTHS_MM = (0.15, 0.3, 0.5, 1.0)
PIGMENT_WAVELENGTHS_NM = (450.0, 550.0, 650.0)
CASE_PHOTONS = 200_000


def _skin(wavelength_nm: float) -> tuple[Layer, Layer]:
    """The scalp model's epidermis (0.1 mm here) and semi-infinite dermis at one wavelength, type III."""
    epidermis, dermis = scalp_stack(ScalpSkin("III"), wavelength_nm).layers
    return (
        Layer(1.4, epidermis.mua_per_mm, epidermis.mus_per_mm, 0.9, EPIDERMIS_MM),
        Layer(1.4, dermis.mua_per_mm, dermis.mus_per_mm, 0.9, None),
    )


def pigment_stack(wavelength_nm: float, top_mm: float | None) -> LayerStack:
    """Four layers: epidermis, dermis down to ``top_mm``, the carbon layer, semi-infinite dermis.

    With ``top_mm=None``, bare skin of four layers: dermis in place of the carbon, its top at 0.5 mm.
    """
    epidermis, dermis = _skin(wavelength_nm)
    top = 0.5 if top_mm is None else top_mm
    deposit = dermis.mua_per_mm if top_mm is None else CARBON_MUA_PER_MM
    return LayerStack(
        (
            epidermis,
            Layer(1.4, dermis.mua_per_mm, dermis.mus_per_mm, 0.9, top - EPIDERMIS_MM),
            Layer(1.4, deposit, dermis.mus_per_mm, 0.9, CARBON_MM),
            dermis,
        )
    )


def two_layer_stack(wavelength_nm: float) -> LayerStack:
    """Two layers: a 0.1 mm epidermis over a semi-infinite dermis."""
    return LayerStack(_skin(wavelength_nm))


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


@dataclass
class _Timings:
    """Wall and CPU seconds of repeated runs of one program on one case."""

    wall_s: list[float] = field(default_factory=list)
    cpu_s: list[float] = field(default_factory=list)

    def spread(self) -> float:
        """Slowest wall time over the fastest, minus 1: how noisy the machine was."""
        return max(self.wall_s) / min(self.wall_s) - 1.0


def _child_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _compare(name: str, label: str, stack: LayerStack, photons: int, mcml: str | None) -> list[Row]:
    """Ours on one core and on all, and MCML, run in turn ``RUNS`` times: each figure is the minimum,
    and the turns put the same load of the machine on each program."""
    cores = min(available_cores(), numba.get_num_threads())
    thread_counts = sorted({1, cores})
    before = numba.get_num_threads()
    ours = {threads: _Timings() for threads in thread_counts}
    ref = _Timings()
    results: dict[int, TransportResult] = {}
    ref_rd = float("nan")
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "case.mci").write_text(_mci(stack, photons, "case"))
        try:
            for threads in thread_counts:  # compiled and warm
                numba.set_num_threads(threads)
                simulate(stack, photons, seed=1)
            for i in range(RUNS):
                if mcml:
                    wall, cpu = time.perf_counter(), _child_cpu_s()
                    subprocess.run([mcml, "case.mci"], cwd=tmp, check=True, capture_output=True, timeout=3600)
                    ref.wall_s.append(time.perf_counter() - wall)
                    ref.cpu_s.append(_child_cpu_s() - cpu)
                for threads in thread_counts:
                    numba.set_num_threads(threads)
                    wall, cpu = time.perf_counter(), time.process_time()
                    results[threads] = simulate(stack, photons, seed=i + 1)
                    ours[threads].wall_s.append(time.perf_counter() - wall)
                    ours[threads].cpu_s.append(time.process_time() - cpu)
        finally:
            numba.set_num_threads(before)
        if mcml:
            rat = (Path(tmp) / "case.mco").read_text().split("RAT #")[1].splitlines()
            ref_rd = float(rat[2].split()[0])
    rows = []
    for threads in thread_counts:
        result, ours_s = results[threads], min(ours[threads].wall_s)
        params: dict[str, Any] = {"case": label, "photons": photons, "threads": threads}
        if photons > 1:
            params |= {
                "ours_photons_per_s": round(photons / ours_s),
                "ours_rd": round(result.diffuse_reflectance, 5),
            }
        params["ours_spread"] = round(ours[threads].spread(), 2)
        if not mcml:
            rows.append(Row(name, params, ours_s, "none given (--mcml PATH)", None))
            continue
        ref_s = min(ref.wall_s)
        if photons > 1:
            se = result.stderr["diffuse_reflectance"]
            params |= {
                "mcml_photons_per_s": round(photons / ref_s),
                "mcml_rd": round(ref_rd, 5),
                "rd_z": round((result.diffuse_reflectance - ref_rd) / (math.sqrt(2.0) * se), 1),
            }
        params |= {
            "mcml_spread": round(ref.spread(), 2),
            "cpu_ratio": round(min(ref.cpu_s) / max(min(ours[threads].cpu_s), 1e-9), 2),
        }
        rows.append(Row(name, params, ours_s, "MCML 1.2.2 (C, gcc -O2, one core)", ref_s))
    return rows


def run(case: str, mcml: str | None) -> list[Row]:
    """Rows of one case family: ``slab``, ``skin``, ``pigment`` or ``bare-skin``."""
    name = f"mcml-{case}"
    if case == "slab":
        return _compare(name, "van de Hulst slab", SLAB, 1_000_000, mcml)
    if case == "skin":
        return _compare(name, "4 layers, pigment 20 /mm at 0.5 mm, 550 nm", SKIN_550, 100_000, mcml)
    if case == "pigment":
        rows = _compare(name, "fixed cost, carbon at 0.3 mm, 550 nm", pigment_stack(550.0, 0.3), 1, mcml)
        for wavelength in PIGMENT_WAVELENGTHS_NM:
            for top in PIGMENT_DEPTHS_MM:
                label = f"carbon at {top} mm, {wavelength:.0f} nm"
                rows += _compare(name, label, pigment_stack(wavelength, top), CASE_PHOTONS, mcml)
        return rows
    if case == "bare-skin":
        two, four = two_layer_stack(550.0), pigment_stack(550.0, None)
        return _compare(name, "2 layers, 550 nm", two, CASE_PHOTONS, mcml) + _compare(
            name, "4 layers, 550 nm", four, CASE_PHOTONS, mcml
        )
    raise ValueError(f"unknown light-transport case {case!r}")
