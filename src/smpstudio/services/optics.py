"""Skin-optics use cases: light transport through layers, one dot's look, a depth sweep, the appearance
table, and one impression healing and ageing (the technique simulator).

Inputs come parsed or as bytes; outputs are typed results, with any file (a chart, a table) as bytes
inside the result, keyed by a relative name, for the face to store.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from pydantic import Field

from smpstudio.errors import InputError, check_choice, check_range, parse_json_text
from smpstudio.render.sweep_chart import sweep_chart
from smpstudio.services.models import Request, Result
from smpstudio.skin.appearance import dot_appearance
from smpstudio.skin.appearance_table import TABLE_SCHEMA_VERSION, AppearanceTable
from smpstudio.skin.layers import stack_from_dict
from smpstudio.skin.scalp import Dot, ScalpSkin
from smpstudio.skin.wang1995 import simulate

__all__ = [
    "TABLE_NAME",
    "BuildTableRequest",
    "BuildTableResult",
    "DotLook",
    "DotLookRequest",
    "Risk",
    "SimulateRequest",
    "SimulateResult",
    "SweepRequest",
    "SweepResult",
    "TransportRequest",
    "TransportResult",
    "build_table",
    "check_depths",
    "depth_sweep",
    "dot_look",
    "parse_depths",
    "run_transport",
    "simulate_technique",
]

Progress = Callable[[int, int], None]
#: The name of the packaged appearance table (the face stores a rebuilt one where it likes).
TABLE_NAME = f"appearance-{TABLE_SCHEMA_VERSION}.npz"


class TransportRequest(Request):
    photons: int = 100_000
    seed: int = 0


class TransportResult(Result):
    """Fractions of the incident light (MCML semantics) and their standard errors."""

    specular: float
    diffuse_reflectance: float
    absorbed: float
    absorbed_per_layer: list[float]
    transmittance: float
    stderr: dict[str, float]
    photons: int
    photons_per_s: float


def run_transport(
    config: Mapping[str, Any] | str | bytes, request: TransportRequest, *, progress: Progress | None = None
) -> TransportResult:
    """Monte Carlo light transport through the layers of ``config`` (the JSON form of
    :func:`smpstudio.skin.layers.stack_from_dict`, parsed or as text)."""
    data = parse_json_text(config, "config") if isinstance(config, str | bytes) else config
    stack = stack_from_dict(data)
    result = simulate(stack, request.photons, seed=request.seed, progress=progress)
    return TransportResult.model_validate(result.to_dict())


class DotLookRequest(Request):
    """A dot in a client's skin: depth of the deposit, its ink fraction (share of undiluted ink), pigment."""

    skin_type: str = "III"
    depth_mm: float = 0.3
    ink_fraction: float = 1.0
    pigment: str = "carbon-black"
    photons: int = 20_000
    seed: int = 0


class DotLook(Result):
    """Colour (sRGB 0-1, CIELAB), contrast (CIEDE2000), blue/red ratios and blur [mm] of one dot."""

    dot_srgb: list[float]
    skin_srgb: list[float]
    dot_lab: list[float]
    skin_lab: list[float]
    delta_e2000: float
    blue_red_ratio_dot: float
    blue_red_ratio_skin: float
    blur_fwhm_mm: float


def dot_look(request: DotLookRequest, *, progress: Progress | None = None) -> DotLook:
    """Colour, contrast and blur of one dot in a client's scalp skin."""
    check_range("photons", request.photons, 500, 10_000_000)
    look = dot_appearance(
        ScalpSkin(request.skin_type),
        Dot(request.depth_mm, request.ink_fraction, request.pigment),
        photons=request.photons,
        seed=request.seed,
        progress=progress,
    )
    return DotLook.model_validate(look.to_dict())


def check_depths(depths: tuple[float, ...]) -> tuple[float, ...]:
    """1-20 depths, each 0-3 mm."""
    if not 1 <= len(depths) <= 20:
        raise InputError(f"{len(depths)} depths given", field="depths", allowed="1 to 20 depths")
    for d in depths:
        check_range("depths", d, 0.0, 3.0, unit="mm")
    return depths


def parse_depths(text: str) -> tuple[float, ...]:
    """``"0.1,0.3,0.5"`` -> depths in mm (1-20 of them, each 0-3 mm)."""
    try:
        depths = tuple(float(p) for p in text.replace(" ", "").split(",") if p)
    except ValueError:
        raise InputError(
            f"{text!r} is not a list of numbers",
            field="depths",
            allowed="comma-separated depths in mm, e.g. 0.1,0.3,0.5",
        ) from None
    return check_depths(depths)


class SweepRequest(Request):
    skin_type: str = "II"
    depths_mm: tuple[float, ...] = (0.1, 0.2, 0.3, 0.5, 1.0, 1.5, 2.0)
    ink_fraction: float = 1.0
    pigment: str = "carbon-black"
    photons: int = 20_000
    seed: int = 0


class SweepResult(Result):
    """A dot's look at each depth; ``chart`` is the PNG chart named ``out``, not printed."""

    out: str
    skin_type: str
    pigment: str
    ink_fraction: float
    depths_mm: list[float]
    dots: list[DotLook]
    chart: bytes = Field(exclude=True, repr=False)

    def stored_at(self, location: str) -> SweepResult:
        """The same result, saying where the face stored the chart."""
        return self.model_copy(update={"out": location})


def depth_sweep(request: SweepRequest, *, progress: Progress | None = None) -> SweepResult:
    """Dot appearance at each depth, and the chart of it."""
    depths = check_depths(request.depths_mm)
    check_range("photons", request.photons, 500, 10_000_000)
    looks = []
    for i, depth in enumerate(depths):
        look = dot_appearance(
            ScalpSkin(request.skin_type),
            Dot(depth, request.ink_fraction, request.pigment),
            photons=request.photons,
            seed=request.seed,
        )
        looks.append(look)
        if progress is not None:
            progress(i + 1, len(depths))
    title = (
        f"{request.pigment}, ink fraction {request.ink_fraction:g}, Fitzpatrick {request.skin_type}: "
        "the dot with depth"
    )
    return SweepResult(
        out="sweep.png",
        skin_type=request.skin_type,
        pigment=request.pigment,
        ink_fraction=request.ink_fraction,
        depths_mm=list(depths),
        dots=[DotLook.model_validate(look.to_dict()) for look in looks],
        chart=sweep_chart(depths, looks, title=title),
    )


class BuildTableRequest(Request):
    photons: int = 8_000
    seed: int = 0


class BuildTableResult(Result):
    """How the table was built; ``table`` is the ``.npz`` file named ``out``, not printed."""

    out: str
    photons_per_wavelength: int
    max_reflectance_stderr: float
    elapsed_s: float
    table: bytes = Field(exclude=True, repr=False)

    def stored_at(self, location: str) -> BuildTableResult:
        """The same result, saying where the face stored the table."""
        return self.model_copy(update={"out": location})


def _table_bytes(table: AppearanceTable) -> bytes:
    """The table's ``.npz`` file, as :meth:`AppearanceTable.save` writes it (version 1: the ink-fraction
    axis under its version-1 name ``dilutions``)."""
    buffer = io.BytesIO()
    arrays: dict[str, Any] = {
        "dots": table.dots,
        "skins": table.skins,
        "depths_mm": table.depths_mm,
        "dilutions": table.ink_fractions,
        "meta": np.array(json.dumps(table.meta, sort_keys=True)),
    }
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


def build_table(request: BuildTableRequest, *, progress: Progress | None = None) -> BuildTableResult:
    """Build the appearance table by light transport (``photons`` per wavelength and grid point)."""
    from smpstudio.skin.appearance_table import build_table as build

    check_range("photons", request.photons, 500, 1_000_000)
    t0 = time.perf_counter()
    table = build(photons=request.photons, seed=request.seed, progress=progress)
    return BuildTableResult(
        out=TABLE_NAME,
        photons_per_wavelength=table.meta["photons_per_wavelength"],
        max_reflectance_stderr=table.meta["max_reflectance_stderr_bare_skin"],
        elapsed_s=round(time.perf_counter() - t0, 1),
        table=_table_bytes(table),
    )


class SimulateRequest(Request):
    """A technique preset, or an explicit needle and depth with ink, ink fraction and passes."""

    technique: str | None = None
    needle: str | None = None
    depth_mm: float | None = None
    ink: str = "smp-carbon"
    ink_fraction: float = 0.5
    passes: int = 1
    skin_type: str = "III"
    uv: str = "moderate"
    scalp: str = "normal"
    touch_up_threshold: float = 0.3


class Risk(Result):
    code: str
    message: str


class SimulatedDay(Result):
    day: float
    diameter_mm: float
    contrast: float
    dot_srgb: list[float]


class SimulateResult(Result):
    """One impression from day 0 to 5 years: sizes, contrast, colour, touch-up date, risks."""

    day0_apparent_diameter_mm: float
    healed_diameter_mm: float
    healed_contrast: float
    touch_up_due_years: float | None
    blue_red_ratio_healed: float
    blue_red_ratio_5y: float
    blue_shift_healed: float
    blue_shift_5y: float
    timeline: list[SimulatedDay]
    risks: list[Risk]


def simulate_technique(request: SimulateRequest) -> SimulateResult:
    """Healing and ageing of one impression, from a technique preset or an explicit needle and depth."""
    from smpstudio.skin.impression import TECHNIQUES, Impression, parse_needle
    from smpstudio.skin.kinetics import Kinetics
    from smpstudio.skin.technique import simulate_impression

    choice = "a technique (smp or tattoo), or a needle and depth_mm"
    if request.technique is not None:
        if request.needle is not None or request.depth_mm is not None:
            raise InputError(
                "give either a technique or a needle and depth, not both",
                field="technique",
                allowed=choice,
                code="technique_or_needle",
            )
        impression = TECHNIQUES[check_choice("technique", request.technique, TECHNIQUES)]
    else:
        if request.needle is None or request.depth_mm is None:
            raise InputError(
                "missing",
                field="needle" if request.needle is None else "depth_mm",
                allowed=choice,
                code="technique_or_needle",
            )
        impression = Impression(
            parse_needle(request.needle),
            request.depth_mm,
            ink=request.ink,
            ink_fraction=request.ink_fraction,
            passes=request.passes,
        )
    timeline = simulate_impression(
        impression,
        request.skin_type,
        Kinetics(uv=request.uv, scalp=request.scalp),
        touch_up_threshold=request.touch_up_threshold,
    )
    return SimulateResult.model_validate(timeline.to_dict())
