"""The timeline of a design: how the whole preview heals and ages, frame by frame, and by which technique.

Each frame is the design's preview on one day. The dots' colours come from the appearance table through
the technique simulator (:mod:`smpstudio.skin.technique`), their sizes from its healing model scaled so
that the SMP technique's settled dot (day 30) has the design's diameter; every dot sheds its scab on its
own day between 5 and 10; for the first two days a red halo of inflamed skin surrounds each dot
(:mod:`smpstudio.skin.erythema`).

Techniques for a design:

* ``smp``: the SMP preset (1RL-0.25 into the papillary dermis at 0.2 mm) with each dot's own dilution
  (the design's shade), so the settled frame is the design's healed preview;
* ``tattoo``: the tattoo preset (5RL-0.35, 1.0 mm, undiluted tattoo black) for every dot, the same
  design put in by tattoo technique.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from smpstudio.design.build import DesignContext, design_context
from smpstudio.design.document import DesignDocument
from smpstudio.errors import InputError, check_choice, check_range
from smpstudio.render.chart import Curve, timeline_chart
from smpstudio.render.preview import RenderStyle, prepare_canvas, to_uint8
from smpstudio.render.sheet import ANIMATION_FORMATS, contact_sheet, save_animation, with_inset
from smpstudio.services.design import design_camera, save_preview, spec_from_document
from smpstudio.skin.appearance_table import packaged_table
from smpstudio.skin.erythema import erythema_srgb
from smpstudio.skin.impression import TECHNIQUES, Impression
from smpstudio.skin.kinetics import SCALP_FACTORS, UV_FACTORS, Kinetics, redness_state, scabbed, shed_days
from smpstudio.skin.technique import (
    SETTLED_DAY,
    YEAR_DAYS,
    DotTimeline,
    healed_diameter_mm,
    looks_on_day,
    simulate_impression,
    touch_up_course,
)

__all__ = [
    "TIMELINE_DAYS",
    "TimelineRequest",
    "TimelineResult",
    "check_outputs",
    "helmet_report",
    "parse_day",
    "render_timeline",
    "write_timeline",
]

ImageArray = NDArray[np.uint8]

#: Frames shown by default: days 0, 3, 7, 14, 30 and years 1, 3, 5.
TIMELINE_DAYS: tuple[float, ...] = (0, 3, 7, 14, 30, YEAR_DAYS, 3 * YEAR_DAYS, 5 * YEAR_DAYS)
#: Longest simulated time. [days]
MAX_DAY = 30 * YEAR_DAYS
COMPARE = ("tattoo",)
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


def parse_day(text: str) -> float:
    """``"45"`` or ``"45d"`` days, ``"18m"`` months, ``"2y"`` / ``"2.5y"`` years -> days."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([dmy]?)\s*", str(text).lower())
    if not match:
        raise InputError(
            f"{text!r} is not a day",
            field="day",
            allowed="a number of days (45 or 45d), months (18m), years (2y)",
        )
    value = float(match.group(1))
    day = value * {"": 1.0, "d": 1.0, "m": YEAR_DAYS / 12, "y": YEAR_DAYS}[match.group(2)]
    check_range("day", day, 0.0, MAX_DAY, unit="days")
    return day


@dataclass(frozen=True)
class TimelineRequest:
    """What to show: skin, exposure, extra days, a technique to compare, the view and size."""

    skin_type: str = "III"
    uv: str = "moderate"
    scalp: str = "normal"
    days: tuple[float, ...] = TIMELINE_DAYS
    extra_days: tuple[float, ...] = ()
    compare: str | None = None
    view: str = "front"
    size_px: int = 1600
    touch_up_threshold: float = 0.3
    inset: bool = True

    def frame_days(self) -> tuple[float, ...]:
        return tuple(sorted(set(self.days) | set(self.extra_days)))


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
class TimelineResult:
    doc: DesignDocument
    request: TimelineRequest
    techniques: list[TechniqueFrames] = field(default_factory=list)

    @property
    def touch_up_due_years(self) -> float | None:
        return self.techniques[0].curve.touch_up_due_years


def _day_label(day: float) -> str:
    if day < 60:
        return f"Day {day:g}"
    if day < YEAR_DAYS:
        return f"Month {day / (YEAR_DAYS / 12):.0f}"
    return f"Year {day / YEAR_DAYS:.3g}"


def _caption(technique: str, day: float, curve: DotTimeline, scab_share: float, contrast: float) -> str:
    label = _day_label(day)
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


def _impressions(doc: DesignDocument, techniques: list[str]) -> dict[str, Impression]:
    shade = doc.dots.shade
    median = float(np.median(shade)) if len(shade) else 0.5
    out = {"smp": replace(TECHNIQUES["smp"], dilution=min(max(median, 0.02), 1.0))}
    for name in techniques[1:]:
        out[name] = TECHNIQUES[name]
    return out


def render_timeline(
    doc: DesignDocument,
    request: TimelineRequest,
    *,
    context: DesignContext | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> TimelineResult:
    """Render every frame of the timeline (see the module docstring)."""
    check_choice("uv", request.uv, UV_FACTORS)
    check_choice("scalp", request.scalp, SCALP_FACTORS)
    if request.compare is not None:
        check_choice("compare", request.compare, COMPARE)
    days = request.frame_days()
    if not days:
        raise InputError("no days to show", field="day", allowed="at least one day")
    table = packaged_table()
    skin = table.skin(request.skin_type)[:3]
    kin = Kinetics(uv=request.uv, scalp=request.scalp)
    ctx = context or design_context(spec_from_document(doc))
    style = RenderStyle(skin_rgb=(float(skin[0]), float(skin[1]), float(skin[2])))
    canvases = [
        prepare_canvas(
            ctx.grid.head,
            ctx.grid,
            ctx.maps.hair,
            doc.dots,
            design_camera(ctx, request.view, request.size_px),
            style=style,
        )
    ]
    if request.inset and request.view != "hairline" and request.size_px >= INSET_MIN_FRAME_PX:
        # A close-up of the hairline in the corner of every frame: single dots, scabs and blur show there.
        inset_px = round(request.size_px * INSET_FRACTION)
        camera = design_camera(ctx, "hairline", inset_px, close_up_mm=INSET_FRAMED_MM)
        canvases.append(prepare_canvas(ctx.grid.head, ctx.grid, ctx.maps.hair, doc.dots, camera, style=style))
    names = ["smp"] + ([request.compare] if request.compare else [])
    impressions = _impressions(doc, names)
    n = len(doc.dots)
    shed = shed_days(kin, n, doc.seed)
    # The SMP technique's settled dot has the design's diameter; every other size scales with it.
    size_scale = doc.dots.diameter_mm / healed_diameter_mm(impressions["smp"], kin, SETTLED_DAY)
    redness_ratio = np.tile(np.clip(erythema_srgb(request.skin_type) / skin, 0.0, 1.5), (n, 1))
    total, done = len(names) * len(days), 0
    result = TimelineResult(doc, request)
    for name in names:
        impression = impressions[name]
        ink_scale = doc.dots.shade / impression.dilution if name == "smp" else np.ones(n)
        curve = simulate_impression(
            impression,
            request.skin_type,
            kin,
            days=days,
            touch_up_threshold=request.touch_up_threshold,
            table=table,
        )
        frames = TechniqueFrames(name, impression, days, [], [], [], curve)
        for day, point in zip(days, curve.timeline, strict=True):
            scab = scabbed(kin, day, shed).astype(np.float64)
            look = looks_on_day(
                table, request.skin_type, impression, kin, day, ink_scale=ink_scale, scab=scab
            )
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


def _frame_name(technique: str, day: float) -> str:
    label = _day_label(day).lower().replace(" ", "-")
    return f"{technique}-{label}.png"


def _curve_for_chart(frames: TechniqueFrames, request: TimelineRequest) -> Curve:
    days = tuple(
        float(d)
        for d in np.unique(np.concatenate([np.arange(0, 31, 0.5), np.geomspace(31, 10 * YEAR_DAYS, 120)]))
    )
    curve = simulate_impression(
        frames.impression,
        request.skin_type,
        Kinetics(uv=request.uv, scalp=request.scalp),
        days=days,
        touch_up_threshold=request.touch_up_threshold,
    )
    return Curve(
        TECHNIQUE_LABELS[frames.technique],
        [p.day for p in curve.timeline],
        [p.contrast for p in curve.timeline],
        [p.diameter_mm for p in curve.timeline],
        curve.touch_up_due_years,
        CURVE_COLOURS[frames.technique],
    )


def check_outputs(
    out: str | Path, *, animation: str | Path | None = None, chart: str | Path | None = None
) -> None:
    """Refuse output paths that cannot be written, before any work is done."""
    sheet_path = Path(out)
    if sheet_path.suffix.lower() != ".png":
        raise InputError(
            f"cannot write a contact sheet as {sheet_path.suffix or 'no extension'}",
            field="out",
            allowed=".png",
        )
    if not sheet_path.parent.exists():
        raise InputError(f"folder {sheet_path.parent} does not exist", field="out")
    if animation is not None:
        suffix = Path(animation).suffix.lower()
        if suffix not in ANIMATION_FORMATS:
            raise InputError(
                f"cannot write an animation as {suffix or 'no extension'}",
                field="animation",
                allowed=", ".join(ANIMATION_FORMATS),
            )
    if chart is not None and Path(chart).suffix.lower() != ".png":
        raise InputError(
            f"cannot write a chart as {Path(chart).suffix or 'no extension'}", field="chart", allowed=".png"
        )
    for name, path in (("animation", animation), ("chart", chart)):
        if path is not None and not Path(path).parent.exists():
            raise InputError(f"folder {Path(path).parent} does not exist", field=name)


def write_timeline(
    result: TimelineResult,
    out: str | Path,
    *,
    animation: str | Path | None = None,
    frames_dir: str | Path | None = None,
    chart: str | Path | None = None,
) -> dict[str, Any]:
    """Write the contact sheet, every frame, the chart and (optionally) the animation; return the
    ``smp timeline --json`` object."""
    check_outputs(out, animation=animation, chart=chart)
    sheet_path = Path(out)
    folder = Path(frames_dir) if frames_dir is not None else sheet_path.with_name(f"{sheet_path.stem}-frames")
    folder.mkdir(parents=True, exist_ok=True)
    chart_path = Path(chart) if chart is not None else sheet_path.with_name(f"{sheet_path.stem}-chart.png")
    request, doc = result.request, result.doc
    files: dict[str, list[dict[str, Any]]] = {}
    for frames in result.techniques:
        files[frames.technique] = [
            {
                "day": round(day, 2),
                "file": str(save_preview(image, folder / _frame_name(frames.technique, day))),
            }
            for day, image in zip(frames.days, frames.images, strict=True)
        ]
    due = result.touch_up_due_years
    header = doc.header
    title = (
        f"{header['pattern']['name']} · {len(doc.dots):,} dots · skin type {request.skin_type} · "
        f"UV {request.uv} · scalp {request.scalp} · "
        + (f"touch-up due at {due:.1f} years" if due is not None else "no touch-up within 15 years")
    )
    sheet = contact_sheet(
        [f.images for f in result.techniques],
        [f.captions for f in result.techniques],
        title=title,
        row_labels=[TECHNIQUE_LABELS[f.technique] for f in result.techniques]
        if len(result.techniques) > 1
        else (),
        alerts=[f.touch_up_flags for f in result.techniques],
        columns=4,
    )
    save_preview(sheet, sheet_path)
    timeline_chart(
        [_curve_for_chart(f, request) for f in result.techniques],
        chart_path,
        title=f"One dot on skin type {request.skin_type}: contrast and size over time",
    )
    animation_path = None
    if animation is not None:
        steps = [list(images) for images in zip(*(f.images for f in result.techniques), strict=True)]
        captions = [
            " | ".join(
                f.captions[i].replace("\n", ": ") if k == 0 else f.captions[i].split("\n", 1)[1]
                for k, f in enumerate(result.techniques)
            )
            for i in range(len(steps))
        ]
        labels = (
            [TECHNIQUE_LABELS[f.technique] for f in result.techniques] if len(result.techniques) > 1 else []
        )
        animation_path = str(save_animation(steps, captions, animation, labels=labels))
    obj: dict[str, Any] = {
        "frames": files["smp"],
        "touch_up_due_years": None if due is None else round(due, 2),
        "sheet": str(sheet_path),
        "chart": str(chart_path),
        "animation": animation_path,
        "skin_type": request.skin_type,
        "dots": len(doc.dots),
    }
    if request.compare:
        other = result.techniques[1]
        obj["compare"] = {
            "technique": other.technique,
            "frames": files[other.technique],
            "touch_up_due_years": None
            if other.curve.touch_up_due_years is None
            else round(other.curve.touch_up_due_years, 2),
            "healed_diameter_mm": round(other.curve.healed_diameter_mm, 3),
            "risks": other.curve.risks,
        }
    return obj


def helmet_report(
    result: TimelineResult, *, touch_ups: int, interval_years: float | None = None
) -> dict[str, Any]:
    """Repeated touch-ups of the design (SMP technique) every ``interval_years`` (default: the forecast
    touch-up date): per session, the ink kept, the dot's size and contrast, and how many dots have grown
    into a neighbour as the eye sees them (apparent discs touching): the "helmet" look, counted."""
    from scipy.spatial import cKDTree

    smp = result.techniques[0]
    request, doc = result.request, result.doc
    interval = interval_years if interval_years is not None else smp.curve.touch_up_due_years
    if interval is None:
        raise InputError(
            "no touch-up falls due within 15 years", field="touch_up_every_years", allowed="give the interval"
        )
    steps = touch_up_course(
        smp.impression,
        request.skin_type,
        Kinetics(uv=request.uv, scalp=request.scalp),
        touch_ups=touch_ups,
        interval_years=interval,
    )
    pos = doc.dots.position_mm
    tree = cKDTree(pos) if len(pos) else None
    spread = RenderStyle().apparent_spread
    rows = []
    for step in steps:
        apparent = doc.dots.diameter_mm * (step.diameter_mm / steps[0].diameter_mm) * spread
        merged = np.zeros(len(pos), dtype=bool)
        if tree is not None and len(pos) > 1:
            pairs = tree.query_pairs(float(apparent.max()), output_type="ndarray")
            if len(pairs):
                i, j = pairs[:, 0], pairs[:, 1]
                touching = np.linalg.norm(pos[i] - pos[j], axis=1) < 0.5 * (apparent[i] + apparent[j])
                merged[i[touching]] = True
                merged[j[touching]] = True
        rows.append(
            {
                **step.to_dict(),
                "merged_dots": int(merged.sum()),
                "merged_fraction": round(float(merged.mean()) if len(pos) else 0.0, 4),
                # More pigment in the skin than one undiluted session leaves: too dark, the cap look.
                "over_dark": step.ink_fraction > 1.0,
            }
        )
    return {"touch_ups": touch_ups, "interval_years": round(interval, 2), "sessions": rows}
