"""The timeline of a design: how the whole preview heals and ages, frame by frame, and by which technique.

Each frame is the design's preview on one day, drawn as the healed preview draws it: every dot's
deposit is the calibrated apparent spot of :mod:`smpstudio.skin.healed_dot` (light-transport blur at the
deposit's depth, the day's ink), so the settled frame is the healed preview. The dots' colours come from
the appearance table through the technique simulator (:mod:`smpstudio.skin.technique`: the ink kept, the
slow spread over the years), their sizes from its healing model scaled so that the SMP technique's
settled dot (day 30) has the design's diameter; every dot sheds its scab on its own day between 5 and 10,
the scab drawn as an opaque crust of its own size over the deposit; for the first two days a red halo of
inflamed skin surrounds each dot (:mod:`smpstudio.skin.erythema`).

Techniques for a design:

* ``smp``: the SMP preset (1RL-0.25 into the papillary dermis at 0.2 mm) with each dot's own ink
  fraction (the design's), so the settled frame is the design's healed preview;
* ``tattoo``: the tattoo preset (5RL-0.35, 1.0 mm, undiluted tattoo black) for every dot, the same
  design put in by tattoo technique.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from smpstudio.design.document import DesignDocument
from smpstudio.errors import InputError, check_range
from smpstudio.render.chart import Curve
from smpstudio.render.preview import PreviewCanvas, RenderStyle, prepare_canvas, to_uint8
from smpstudio.render.shading import encode_srgb, encode_srgb_uint8
from smpstudio.render.sheet import downscaled, with_inset
from smpstudio.render.touch_up_frames import (
    TouchUpState,
    deposit_blur_fwhm_mm,
    touch_up_caption,
    touch_up_states,
)
from smpstudio.render.views import design_camera
from smpstudio.skin.appearance_table import packaged_table
from smpstudio.skin.erythema import erythema_srgb
from smpstudio.skin.impression import TECHNIQUES, Impression
from smpstudio.skin.kinetics import Kinetics, redness_state, scabbed, shed_days
from smpstudio.skin.technique import (
    SETTLED_DAY,
    YEAR_DAYS,
    DotsLook,
    DotTimeline,
    healed_diameter_mm,
    looks_on_day,
    simulate_impression,
)
from smpstudio.skin.touch_ups import (
    design_impression,
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
#: Side of the copies of the frames kept for sheets and animations when frames go to a sink. [px]
KEEP_PX = 640
#: Skin the close-up frames. [mm]
INSET_FRAMED_MM = 30.0
TECHNIQUE_LABELS = {
    "smp": "SMP technique: 1RL-0.25, 0.2 mm, diluted",
    "tattoo": "Tattoo technique: 5RL-0.35, 1.0 mm, undiluted",
}
CURVE_COLOURS = {"smp": "#1f5fa8", "tattoo": "#b0452a"}


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


def _frame(
    canvas: PreviewCanvas,
    pigment: DotsLook,
    scab: DotsLook,
    size_scale: FloatArray,
    blur_fwhm_mm: float,
    halo_mm: FloatArray,
    redness_ratio: FloatArray,
    redness_alpha: float,
) -> ImageArray:
    """One frame on one canvas: the pigment under the skin as the healed preview's calibrated spots
    (``pigment``: every dot's deposit on the day, scabbed or not, with the blur at its depth), the red halo
    of the first days around each puncture, and the scabs still on (``scab``) as opaque crusts of their
    own size on the surface (a crust on the skin is not blurred by it)."""
    n = pigment.scab.size
    linear = canvas.linear.copy()
    if n:
        ratio_linear = canvas.linear_ratio(pigment.srgb / np.asarray(canvas.style.skin_rgb))
        canvas.spots_into(linear, size_scale * pigment.diameter_mm, ratio_linear, blur_fwhm_mm=blur_fwhm_mm)
    on = scab.scab > 0.0
    if not n or (redness_alpha <= 0 and not on.any()):
        return encode_srgb_uint8(linear)
    img = encode_srgb(linear, single=True)
    del linear
    if redness_alpha > 0:
        canvas.draw(halo_mm, redness_ratio, np.full(n, redness_alpha), multiply=True, onto=img)
    if on.any():
        # The scab's own size: the disc kernel draws ``apparent_spread`` times the diameter it is given.
        scab_mm = np.where(on, size_scale * scab.diameter_mm / canvas.style.apparent_spread, 0.0)
        scab_ratio = np.clip(scab.srgb / np.asarray(canvas.style.skin_rgb), 0.0, 1.0)
        canvas.draw(scab_mm, scab_ratio, np.where(on, 1.0, 0.0), multiply=True, onto=img)
    return to_uint8(img)


def _keep(
    image: ImageArray,
    technique: str,
    key: str,
    sink: Callable[[str, str, ImageArray], None] | None,
    keep_px: int,
) -> ImageArray:
    """The frame to keep: itself without a sink; else handed to the sink and kept downscaled."""
    if sink is None:
        return image
    sink(technique, key, image)
    if max(image.shape[:2]) <= keep_px:
        return image
    return downscaled(image, keep_px)


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
    frame_sink: Callable[[str, str, ImageArray], None] | None = None,
    keep_px: int = KEEP_PX,
) -> TimelineFrames:
    """Render every frame of the timeline (see the module docstring); ``techniques`` start with ``smp``.

    With ``touch_ups``, every technique gets one more frame per session of a course of that many
    touch-ups every ``touch_up_every_years`` (default: the SMP technique's touch-up date), each 30 days
    after its session (:func:`touch_up_states`). The design's maps come from ``doc.context`` (computed
    once per design).

    With ``frame_sink``, each full-size frame goes to ``frame_sink(technique, key, image)`` as soon as it
    is drawn (``key`` is ``"day-<index>"`` or ``"session-<k>"``) and the result keeps only a copy of at
    most ``keep_px`` pixels a side (for contact sheets and animations): the timeline's memory then follows
    one frame, not all of them.
    """
    check_range("touch_ups", touch_ups, 0, 10)
    table = packaged_table()
    skin = table.skin(skin_type)[:3]
    kin = kinetics
    ctx = doc.context
    # The healed preview's style (services/preview.py): the client's hair and skin, the SMP deposit's blur.
    style = RenderStyle(
        skin_rgb=(float(skin[0]), float(skin[1]), float(skin[2])),
        hair=doc.spec.hair,
        skin_type=skin_type,
        blur_fwhm_mm=deposit_blur_fwhm_mm(table, skin_type, design_impression([]), kin, SETTLED_DAY),
    )
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
            halo = size_scale * impression.fresh_diameter_mm * kin.redness_halo
            blur = deposit_blur_fwhm_mm(table, skin_type, impression, kin, day)
            # The deposit under the skin on the day, scabbed or not (the scab lies on top of it).
            pigment = looks_on_day(table, skin_type, impression, kin, day, ink_scale=ink_scale, scab=0 * scab)
            pictures = [
                _frame(canvas, pigment, look, size_scale, blur, halo, redness_ratio, 0.8 * red)
                for canvas in canvases
            ]
            image = with_inset(pictures[0], pictures[1]) if len(pictures) > 1 else pictures[0]
            del pictures
            frames.images.append(_keep(image, name, f"day-{len(frames.images)}", frame_sink, keep_px))
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
                dot_model=style.dot_model,
                table=table,
            )
            for state in states:
                pictures = [
                    canvas.spots_uint8(
                        state.diameter_mm, canvas.linear_ratio(state.ratio), blur_fwhm_mm=state.blur_fwhm_mm
                    )
                    for canvas in canvases
                ]
                image = with_inset(pictures[0], pictures[1]) if len(pictures) > 1 else pictures[0]
                frames.touch_ups.append(state)
                frames.touch_up_images.append(
                    _keep(image, name, f"session-{state.step.sessions}", frame_sink, keep_px)
                )
                frames.touch_up_captions.append(touch_up_caption(state, states[0].step.ink_fraction))
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
