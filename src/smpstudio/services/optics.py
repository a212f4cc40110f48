"""Skin-optics use cases: light transport through layers, one dot's look (from the appearance table, or a
fresh light-transport run), a depth sweep, the appearance table, and one impression healing and ageing
(the technique simulator).

Inputs come parsed or as bytes; outputs are typed results, with any file (a chart, a table) as bytes
inside the result, keyed by a relative name, for the face to store.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable, Mapping
from typing import Any, Literal

import numpy as np
from pydantic import Field

from smpstudio.errors import InputError, check_choice, check_range, parse_json_text
from smpstudio.services.models import Request, Result
from smpstudio.skin.appearance import WAVELENGTHS_NM, DotAppearance, dot_appearance
from smpstudio.skin.appearance_table import TABLE_SCHEMA_VERSION, AppearanceTable, packaged_table
from smpstudio.skin.colour_shift import grey_blue_shift, removed_fraction
from smpstudio.skin.layers import stack_from_dict
from smpstudio.skin.scalp import Dot, ScalpSkin
from smpstudio.skin.table_look import OUTSIDE_TABLE, table_dot_appearance

__all__ = [
    "OUTSIDE_TABLE",
    "TABLE_NAME",
    "BuildTableRequest",
    "BuildTableResult",
    "DotLook",
    "DotLookRequest",
    "Risk",
    "SimulateRequest",
    "SimulateResult",
    "SweepPoint",
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
    from smpstudio.skin.wang1995 import simulate  # here, as the chart below: a table lookup needs neither

    data = parse_json_text(config, "config") if isinstance(config, str | bytes) else config
    stack = stack_from_dict(data)
    result = simulate(stack, request.photons, seed=request.seed, progress=progress)
    return TransportResult.model_validate(result.to_dict())


class DotLookRequest(Request):
    """A dot in a client's skin: depth of the deposit, its ink fraction (share of undiluted ink), pigment.

    ``fresh`` runs the light transport (``photons`` per wavelength, ``seed``) instead of reading the
    packaged appearance table, which covers its grid only.
    """

    skin_type: str = "III"
    depth_mm: float = 0.3
    ink_fraction: float = 1.0
    pigment: str = "carbon-black"
    photons: int = 20_000
    seed: int = 0
    fresh: bool = False


class DotLook(Result):
    """Colour (sRGB 0-1, CIELAB), contrast (CIEDE2000), blue/red ratios, blue shift and blur [mm] of one
    dot; ``source`` says whether the appearance table or a fresh light-transport run answered."""

    dot_srgb: list[float]
    skin_srgb: list[float]
    dot_lab: list[float]
    skin_lab: list[float]
    delta_e2000: float
    blue_red_ratio_dot: float
    blue_red_ratio_skin: float
    blur_fwhm_mm: float
    blue_shift: float
    source: Literal["table", "monte-carlo"]


def dot_look(request: DotLookRequest, *, progress: Progress | None = None) -> DotLook:
    """Colour, contrast, blue shift and blur of one dot in a client's scalp skin: from the packaged
    appearance table, or by light transport when ``fresh``."""
    if not request.fresh:
        look = table_dot_appearance(
            packaged_table(), request.skin_type, request.depth_mm, request.ink_fraction, request.pigment
        )
        return DotLook.model_validate({**look.to_dict(), "source": "table"})
    check_range("photons", request.photons, 500, 10_000_000)
    look = dot_appearance(
        ScalpSkin(request.skin_type),
        Dot(request.depth_mm, request.ink_fraction, request.pigment),
        photons=request.photons,
        seed=request.seed,
        progress=progress,
    )
    return DotLook.model_validate({**look.to_dict(), "source": "monte-carlo"})


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


class SweepPoint(Result):
    """The dot at one depth, by light transport: how it differs from the skin around it.

    ``blue_shift`` is ``-Δb*/|ΔL*|`` (CIELAB, dot minus skin); ``delta_l`` is ``ΔL*``;
    ``red_removed``/``blue_removed`` are the shares of the skin's linear-sRGB red and blue light the dot
    takes away; ``blue_red_relative`` is the dot's blue/red ratio over the skin's.
    """

    depth_mm: float
    blue_shift: float
    delta_e2000: float
    blur_fwhm_mm: float
    delta_l: float
    red_removed: float
    blue_removed: float
    blue_red_ratio_dot: float
    blue_red_ratio_skin: float
    blue_red_relative: float
    dot_srgb: list[float]
    skin_srgb: list[float]
    dot_lab: list[float]
    skin_lab: list[float]


#: What ``blue_shift`` means, in the sweep's JSON.
BLUE_SHIFT_DEFINITION = (
    "-Δb*/|ΔL*| in CIELAB (D65), dot minus surrounding skin: the dot's loss of yellow per unit of "
    "darkening; grey_blue_shift is the value of a plain darkening (a neutral filter) of the same skin"
)


class SweepResult(Result):
    """A dot's look at each depth; ``chart`` is the PNG chart named ``out``, not printed."""

    out: str
    skin_type: str
    pigment: str
    ink_fraction: float
    photons: int
    blue_shift_definition: str = BLUE_SHIFT_DEFINITION
    grey_blue_shift: float
    points: list[SweepPoint]
    chart: bytes = Field(exclude=True, repr=False)

    def stored_at(self, location: str) -> SweepResult:
        """The same result, saying where the face stored the chart."""
        return self.model_copy(update={"out": location})


def _sweep_point(depth_mm: float, look: DotAppearance) -> SweepPoint:
    removed = removed_fraction(look.dot_srgb, look.skin_srgb)
    return SweepPoint(
        depth_mm=depth_mm,
        blue_shift=look.blue_shift,
        delta_e2000=look.delta_e2000,
        blur_fwhm_mm=look.blur_fwhm_mm,
        delta_l=round(look.dot_lab[0] - look.skin_lab[0], 3),
        red_removed=round(float(removed[0]), 4),
        blue_removed=round(float(removed[2]), 4),
        blue_red_ratio_dot=look.blue_red_ratio_dot,
        blue_red_ratio_skin=look.blue_red_ratio_skin,
        blue_red_relative=round(look.blue_red_ratio_dot / look.blue_red_ratio_skin, 4),
        dot_srgb=list(look.dot_srgb),
        skin_srgb=list(look.skin_srgb),
        dot_lab=list(look.dot_lab),
        skin_lab=list(look.skin_lab),
    )


def depth_sweep(request: SweepRequest, *, progress: Progress | None = None) -> SweepResult:
    """The dot at each depth by light transport (blue shift, contrast, blur), and the chart of it.

    ``progress`` is called with (wavelengths done, total) over every depth's two spectra.
    """
    from smpstudio.render.sweep_chart import sweep_chart

    depths = check_depths(request.depths_mm)
    check_range("photons", request.photons, 500, 10_000_000)
    skin = ScalpSkin(request.skin_type)
    per_dot = 2 * len(WAVELENGTHS_NM)
    total = per_dot * len(depths)
    points = []
    for i, depth in enumerate(depths):

        def step(done: int, _: int, before: int = i * per_dot) -> None:
            if progress is not None:
                progress(before + done, total)

        look = dot_appearance(
            skin,
            Dot(depth, request.ink_fraction, request.pigment),
            photons=request.photons,
            seed=request.seed,
            progress=step,
        )
        points.append(_sweep_point(depth, look))
    # The skin's own colour, averaged over the depths' bare-skin runs (they differ by Monte Carlo noise).
    skin_lab = np.mean([p.skin_lab for p in points], axis=0)
    grey = round(grey_blue_shift(skin_lab), 4)
    title = (
        f"{request.pigment}, ink fraction {request.ink_fraction:g}, Fitzpatrick {request.skin_type}, "
        f"{request.photons:,} photons per wavelength: the dot with depth"
    )
    return SweepResult(
        out="sweep.png",
        skin_type=request.skin_type,
        pigment=request.pigment,
        ink_fraction=request.ink_fraction,
        photons=request.photons,
        grey_blue_shift=grey,
        points=points,
        chart=sweep_chart([p.model_dump() for p in points], grey_blue_shift=grey, title=title),
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
