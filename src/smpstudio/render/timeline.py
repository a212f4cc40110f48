"""The timeline of a design: how the whole preview heals and ages, frame by frame, and by which technique.

Each frame is the design's preview on one day. The dots' colours come from the appearance table through
the technique simulator (:mod:`smpstudio.skin.technique`), their sizes from its healing model scaled so
that the SMP technique's settled dot (day 30) has the design's diameter; every dot sheds its scab on its
own day between 5 and 10; for the first two days a red halo of inflamed skin surrounds each dot
(:mod:`smpstudio.skin.erythema`).

Techniques for a design:

* ``smp``: the SMP preset (1RL-0.25 into the papillary dermis at 0.2 mm) with each dot's own ink
  fraction (the design's), so the settled frame is the design's healed preview;
* ``tattoo``: the tattoo preset (5RL-0.35, 1.0 mm, undiluted tattoo black) for every dot, the same
  design put in by tattoo technique.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import NDArray

from smpstudio.design.document import DesignDocument
from smpstudio.errors import InputError, check_range
from smpstudio.render.chart import Curve
from smpstudio.render.preview import RenderStyle, prepare_canvas, to_uint8
from smpstudio.render.sheet import with_inset
from smpstudio.render.views import design_camera
from smpstudio.skin.appearance_table import AppearanceTable, packaged_table
from smpstudio.skin.erythema import erythema_srgb
from smpstudio.skin.impression import TECHNIQUES, Impression
from smpstudio.skin.kinetics import Kinetics, redness_state, scabbed, shed_days
from smpstudio.skin.technique import (
    SETTLED_DAY,
    YEAR_DAYS,
    DotTimeline,
    healed_diameter_mm,
    looks_on_day,
    settled_look,
    simulate_impression,
)
from smpstudio.skin.touch_ups import (
    HELMET_DARKER,
    HELMET_MERGED_SHARE,
    TouchUpStep,
    area_darkening,
    design_impression,
    merged_dots,
    touch_up_course,
    touch_up_due_years,
)

__all__ = [
    "CURVE_COLOURS",
    "TECHNIQUE_LABELS",
    "TechniqueFrames",
    "TimelineFrames",
    "TouchUpState",
    "chart_curve",
    "frame_name",
    "render_frames",
    "touch_up_states",
]

ImageArray = NDArray[np.uint8]
FloatArray = NDArray[np.float64]

#: Side of the hairline close-up in the corner of each frame, as a fraction of the frame.
INSET_FRACTION = 0.4
#: Frames smaller than this get no close-up. [px]
INSET_MIN_FRAME_PX = 200
#: Skin the close-up frames. [mm]
INSET_FRAMED_MM = 30.0
TECHNIQUE_LABELS = {
    "smp": "SMP technique: 1RL-0.25, 0.2 mm, diluted",
    "tattoo": "Tattoo technique: 5RL-0.35, 1.0 mm, undiluted",
}
CURVE_COLOURS = {"smp": "#1f5fa8", "tattoo": "#b0452a"}


@dataclass(frozen=True, eq=False)
class TouchUpState:
    """A design's dots 30 days after one session of a touch-up course, as the frame draws them.

    ``diameter_mm`` is each dot's drawn diameter, ``apparent_diameter_mm`` that times the preview's
    apparent spread (the spot the eye sees), ``ratio`` each dot's colour over the bare skin's (sRGB, 0-1),
    ``merged`` whether its apparent spot touches a neighbour's, ``darkening`` the treated area's
    (:func:`~smpstudio.skin.touch_ups.area_darkening`) and ``darker`` that over the first session's.

    ``helmet``: the treated area reads as one solid shade, either because the apparent spots of
    :data:`~smpstudio.skin.touch_ups.HELMET_MERGED_SHARE` of the dots touch a neighbour's (no stubble
    texture left), or because the dots hold more ink than one undiluted session leaves and the area is
    :data:`~smpstudio.skin.touch_ups.HELMET_DARKER` times darker than after the first session (a painted
    shade) ([clinic-helmet] in docs/references.md).
    """

    step: TouchUpStep
    diameter_mm: FloatArray
    apparent_diameter_mm: FloatArray
    ratio: FloatArray
    merged: NDArray[np.bool_]
    darkening: float
    darker: float

    @property
    def merged_fraction(self) -> float:
        """Share of the dots merged with a neighbour. [-]"""
        return float(self.merged.mean()) if self.merged.size else 0.0

    @property
    def over_dark(self) -> bool:
        """More ink in the dots than one undiluted session leaves."""
        return self.step.ink_fraction > 1.0

    @property
    def helmet(self) -> bool:
        """Whether the treated area reads as one solid shade (see the class docstring)."""
        merged = self.merged_fraction >= HELMET_MERGED_SHARE
        return bool(merged or (self.over_dark and self.darker >= HELMET_DARKER))


@dataclass(frozen=True, eq=False)
class TechniqueFrames:
    """One technique's frames, their captions and the single-impression curves behind them; with a
    touch-up course, one more frame per session (``touch_up_images``) and the dots' states behind them."""

    technique: str
    impression: Impression
    days: tuple[float, ...]
    images: list[ImageArray]
    captions: list[str]
    touch_up_flags: list[bool]
    curve: DotTimeline
    touch_ups: list[TouchUpState] = field(default_factory=list)
    touch_up_images: list[ImageArray] = field(default_factory=list)
    touch_up_captions: list[str] = field(default_factory=list)


@dataclass(frozen=True, eq=False)
class TimelineFrames:
    """Every technique's frames of a design on one skin type and one healing course."""

    doc: DesignDocument
    skin_type: str
    kinetics: Kinetics
    touch_up_threshold: float
    techniques: list[TechniqueFrames] = field(default_factory=list)

    touch_up_every_years: float | None = None

    @property
    def touch_up_due_years(self) -> float | None:
        return self.techniques[0].curve.touch_up_due_years


def day_label(day: float) -> str:
    """``Day 3``, ``Month 6``, ``Year 2``."""
    if day < 60:
        return f"Day {day:g}"
    if day < YEAR_DAYS:
        return f"Month {day / (YEAR_DAYS / 12):.0f}"
    return f"Year {day / YEAR_DAYS:.3g}"


def frame_name(technique: str, day: float) -> str:
    """The file name of a frame: ``smp-day-3.png``."""
    label = day_label(day).lower().replace(" ", "-")
    return f"{technique}-{label}.png"


def _caption(technique: str, day: float, curve: DotTimeline, scab_share: float, contrast: float) -> str:
    label = day_label(day)
    if day < 1:
        stage = "fresh: red around every dot; gone in 1-2 days"
    elif scab_share >= 0.999:
        stage = "a scab on every dot: larger and darker than the healed dot"
    elif scab_share > 0:
        stage = f"scabs shedding ({1 - scab_share:.0%} off): lighter dots are healing, not fading"
    elif day < SETTLED_DAY:
        stage = "scabs off; the colour is still settling"
    elif day < 0.5 * YEAR_DAYS:
        stage = "settled: the healed result"
    else:
        loss = 1.0 - contrast / max(curve.healed_contrast, 1e-9)
        due = curve.touch_up_due_years
        stage = f"contrast {-loss:+.0%} since healed"
        if due is not None and day / YEAR_DAYS >= due:
            stage += f"; touch-up due (from year {due:.1f})"
        elif due is not None:
            stage += f"; touch-up at {due:.1f} y"
    if technique == "tattoo" and day >= SETTLED_DAY:
        stage += f"; dots {curve.healed_diameter_mm:.2f} mm, blurred, bluish"
    return f"{label}\n{stage}"


def _impressions(doc: DesignDocument, techniques: Sequence[str]) -> dict[str, Impression]:
    # The design's own SMP entry: the one the touch-up date of the design comes from, as stored or not.
    out = {"smp": design_impression(doc.dots.ink_fraction)}
    for name in techniques[1:]:
        out[name] = TECHNIQUES[name]
    return out


def touch_up_states(
    doc: DesignDocument,
    impression: Impression,
    skin_type: str,
    kinetics: Kinetics,
    *,
    touch_ups: int,
    interval_years: float,
    ink_scale: FloatArray | None = None,
    size_scale: FloatArray | None = None,
    apparent_spread: float | None = None,
    table: AppearanceTable | None = None,
) -> list[TouchUpState]:
    """The design's dots after each session of a touch-up course (:func:`~smpstudio.skin.touch_ups.
    touch_up_course`): ink piled up per dot, dots widened by the re-entries, and which have merged.

    ``ink_scale`` multiplies the impression's ink per dot (default: the design's ink fractions over the
    impression's), ``size_scale`` maps the course's dot diameter to each dot's drawn diameter (default:
    the design's diameter over the SMP preset's healed one) and ``apparent_spread`` the drawn diameter to
    the apparent one (default: the preview's :class:`~smpstudio.render.preview.RenderStyle`).
    """
    table = table or packaged_table()
    n = len(doc.dots)
    if ink_scale is None:
        ink_scale = doc.dots.ink_fraction / impression.ink_fraction
    if size_scale is None:
        size_scale = doc.dots.diameter_mm / healed_diameter_mm(design_impression([]), kinetics, SETTLED_DAY)
    spread = RenderStyle().apparent_spread if apparent_spread is None else apparent_spread
    skin = table.skin(skin_type)[:3]
    steps = touch_up_course(
        impression, skin_type, kinetics, touch_ups=touch_ups, interval_years=interval_years, table=table
    )
    per_fraction = impression.ink_load / impression.ink_fraction
    states: list[TouchUpState] = []
    for step in steps:
        single = replace(impression, ink_fraction=min(max(step.ink_fraction / per_fraction, 0.02), 1.0))
        dot, _ = settled_look(table, skin_type, single, kinetics, 0.0, ink_scale=ink_scale)
        diameter = np.asarray(size_scale * step.diameter_mm * np.ones(n), dtype=np.float64)
        apparent = diameter * spread
        ratio = np.clip(dot / np.maximum(skin, 1e-6), 0.0, 1.0)
        # Luminance weights of linear sRGB (IEC 61966-2-1), applied to the drawn colour ratio.
        dark = area_darkening(
            doc.dots.position_mm, apparent, 1.0 - ratio @ np.array([0.2126, 0.7152, 0.0722])
        )
        first = states[0].darkening if states else dark
        states.append(
            TouchUpState(
                step,
                diameter,
                apparent,
                ratio,
                merged_dots(doc.dots.position_mm, apparent),
                dark,
                dark / first if first > 0 else 1.0,
            )
        )
    return states


def _touch_up_caption(state: TouchUpState, first_ink: float) -> str:
    step = state.step
    what = "first session" if step.sessions == 1 else f"touch-up {step.sessions - 1}"
    text = (
        f"Year {step.year:.1f}: {what}, settled\n"
        f"ink x{step.ink_fraction / max(first_ink, 1e-9):.2f}, dots {step.diameter_mm:.2f} mm, "
        f"{state.merged_fraction:.0%} merged, area x{state.darker:.1f} darker"
    )
    if state.helmet:
        text += "; HELMET: one solid shade"
    return text


def render_frames(
    doc: DesignDocument,
    *,
    skin_type: str,
    kinetics: Kinetics,
    days: tuple[float, ...],
    techniques: Sequence[str] = ("smp",),
    view: str = "front",
    size_px: int = 1600,
    touch_up_threshold: float = 0.3,
    inset: bool = True,
    touch_ups: int = 0,
    touch_up_every_years: float | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> TimelineFrames:
    """Render every frame of the timeline (see the module docstring); ``techniques`` start with ``smp``.

    With ``touch_ups``, every technique gets one more frame per session of a course of that many
    touch-ups every ``touch_up_every_years`` (default: the SMP technique's touch-up date), each 30 days
    after its session (:func:`touch_up_states`). The design's maps come from ``doc.context`` (computed
    once per design).
    """
    check_range("touch_ups", touch_ups, 0, 10)
    table = packaged_table()
    skin = table.skin(skin_type)[:3]
    kin = kinetics
    ctx = doc.context
    style = RenderStyle(skin_rgb=(float(skin[0]), float(skin[1]), float(skin[2])))
    head, grid, hair = ctx.grid.head, ctx.grid, ctx.maps.hair
    canvases = [prepare_canvas(head, grid, hair, doc.dots, design_camera(ctx, view, size_px), style=style)]
    if inset and view != "hairline" and size_px >= INSET_MIN_FRAME_PX:
        # A close-up of the hairline in the corner of every frame: single dots, scabs and blur show there.
        camera = design_camera(ctx, "hairline", round(size_px * INSET_FRACTION), close_up_mm=INSET_FRAMED_MM)
        canvases.append(prepare_canvas(head, grid, hair, doc.dots, camera, style=style))
    impressions = _impressions(doc, techniques)
    n = len(doc.dots)
    shed = shed_days(kin, n, doc.seed)
    # The SMP technique's settled dot has the design's diameter; every other size scales with it.
    size_scale = doc.dots.diameter_mm / healed_diameter_mm(impressions["smp"], kin, SETTLED_DAY)
    redness_ratio = np.tile(np.clip(erythema_srgb(skin_type) / skin, 0.0, 1.5), (n, 1))
    interval = touch_up_every_years
    if touch_ups and interval is None:
        interval = touch_up_due_years(
            impressions["smp"], skin_type, kin, touch_up_threshold=touch_up_threshold, table=table
        )
        if interval is None:
            raise InputError(
                "no touch-up falls due within 15 years",
                field="touch_up_every_years",
                allowed="give the interval",
            )
    total, done = len(techniques) * (len(days) + (touch_ups + 1 if touch_ups else 0)), 0
    result = TimelineFrames(doc, skin_type, kin, touch_up_threshold, touch_up_every_years=interval)
    for name in techniques:
        impression = impressions[name]
        ink_scale = doc.dots.ink_fraction / impression.ink_fraction if name == "smp" else np.ones(n)
        curve = simulate_impression(
            impression, skin_type, kin, days=days, touch_up_threshold=touch_up_threshold, table=table
        )
        frames = TechniqueFrames(name, impression, days, [], [], [], curve)
        for day, point in zip(days, curve.timeline, strict=True):
            scab = scabbed(kin, day, shed).astype(np.float64)
            look = looks_on_day(table, skin_type, impression, kin, day, ink_scale=ink_scale, scab=scab)
            red = redness_state(kin, day)
            ratio = np.clip(look.srgb / np.maximum(skin, 1e-6), 0.0, 1.0)
            pictures = []
            for canvas in canvases:
                img = canvas.image.copy()
                if red > 0 and n:
                    halo = size_scale * impression.fresh_diameter_mm * kin.redness_halo
                    canvas.draw(halo, redness_ratio, np.full(n, 0.8 * red), multiply=True, onto=img)
                canvas.draw(size_scale * look.diameter_mm, ratio, np.ones(n), multiply=True, onto=img)
                pictures.append(to_uint8(img))
            frames.images.append(with_inset(pictures[0], pictures[1]) if len(pictures) > 1 else pictures[0])
            share = float(scab.mean()) if n else 0.0
            frames.captions.append(_caption(name, day, curve, share, point.contrast))
            due = curve.touch_up_due_years
            frames.touch_up_flags.append(due is not None and day / YEAR_DAYS >= due)
            done += 1
            if progress is not None:
                progress(done, total)
        if touch_ups and interval is not None:
            states = touch_up_states(
                doc,
                impression,
                skin_type,
                kin,
                touch_ups=touch_ups,
                interval_years=interval,
                ink_scale=ink_scale,
                size_scale=size_scale,
                apparent_spread=style.apparent_spread,
                table=table,
            )
            for state in states:
                pictures = [
                    to_uint8(canvas.draw(state.diameter_mm, state.ratio, np.ones(n), multiply=True))
                    for canvas in canvases
                ]
                image = with_inset(pictures[0], pictures[1]) if len(pictures) > 1 else pictures[0]
                frames.touch_ups.append(state)
                frames.touch_up_images.append(image)
                frames.touch_up_captions.append(_touch_up_caption(state, states[0].step.ink_fraction))
                done += 1
                if progress is not None:
                    progress(done, total)
        result.techniques.append(frames)
    return result


def chart_curve(
    frames: TechniqueFrames, skin_type: str, kinetics: Kinetics, touch_up_threshold: float
) -> Curve:
    """One technique's contrast and size curve, finely sampled over ten years, for the chart."""
    days = tuple(
        float(d)
        for d in np.unique(np.concatenate([np.arange(0, 31, 0.5), np.geomspace(31, 10 * YEAR_DAYS, 120)]))
    )
    curve = simulate_impression(
        frames.impression, skin_type, kinetics, days=days, touch_up_threshold=touch_up_threshold
    )
    return Curve(
        TECHNIQUE_LABELS[frames.technique],
        [p.day for p in curve.timeline],
        [p.contrast for p in curve.timeline],
        [p.diameter_mm for p in curve.timeline],
        curve.touch_up_due_years,
        CURVE_COLOURS[frames.technique],
    )
