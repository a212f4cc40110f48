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
from smpstudio.render.chart import Curve
from smpstudio.render.preview import RenderStyle, prepare_canvas, to_uint8
from smpstudio.render.sheet import with_inset
from smpstudio.render.views import design_camera
from smpstudio.skin.appearance_table import packaged_table
from smpstudio.skin.erythema import erythema_srgb
from smpstudio.skin.impression import TECHNIQUES, Impression
from smpstudio.skin.kinetics import Kinetics, redness_state, scabbed, shed_days
from smpstudio.skin.technique import (
    SETTLED_DAY,
    YEAR_DAYS,
    DotTimeline,
    healed_diameter_mm,
    looks_on_day,
    simulate_impression,
)

__all__ = [
    "CURVE_COLOURS",
    "TECHNIQUE_LABELS",
    "TechniqueFrames",
    "TimelineFrames",
    "chart_curve",
    "frame_name",
    "render_frames",
]

ImageArray = NDArray[np.uint8]

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
class TechniqueFrames:
    """One technique's frames, their captions and the single-impression curves behind them."""

    technique: str
    impression: Impression
    days: tuple[float, ...]
    images: list[ImageArray]
    captions: list[str]
    touch_up_flags: list[bool]
    curve: DotTimeline


@dataclass(frozen=True, eq=False)
class TimelineFrames:
    """Every technique's frames of a design on one skin type and one healing course."""

    doc: DesignDocument
    skin_type: str
    kinetics: Kinetics
    touch_up_threshold: float
    techniques: list[TechniqueFrames] = field(default_factory=list)

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
    ink = doc.dots.ink_fraction
    median = float(np.median(ink)) if len(ink) else 0.5
    out = {"smp": replace(TECHNIQUES["smp"], ink_fraction=min(max(median, 0.02), 1.0))}
    for name in techniques[1:]:
        out[name] = TECHNIQUES[name]
    return out


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
    progress: Callable[[int, int], None] | None = None,
) -> TimelineFrames:
    """Render every frame of the timeline (see the module docstring); ``techniques`` start with ``smp``.

    The design's maps come from ``doc.context`` (computed once per design).
    """
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
    total, done = len(techniques) * len(days), 0
    result = TimelineFrames(doc, skin_type, kin, touch_up_threshold)
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
