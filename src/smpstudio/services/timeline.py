"""The timeline use case: a design healing and ageing, frame by frame, with a contact sheet, a chart, an
animation and (on request) the dots merging over repeated touch-ups.

The frames are rendered by :mod:`smpstudio.render.timeline`. The result carries every file's content
keyed by a relative name (``timeline.png``, ``timeline-frames/smp-day-3.png`` ...); the face stores
them and reports where with :meth:`TimelineResult.stored_at`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import Field

from smpstudio.design.document import DesignDocument
from smpstudio.errors import InputError, check_choice, check_range
from smpstudio.render.chart import timeline_chart
from smpstudio.render.sheet import contact_sheet, encode_animation, encode_image
from smpstudio.render.timeline import (
    TECHNIQUE_LABELS,
    TimelineFrames,
    chart_curve,
    frame_name,
    render_frames,
    touch_up_states,
)
from smpstudio.services.design import design_tone_match
from smpstudio.services.models import Request, Result
from smpstudio.services.optics import Risk
from smpstudio.skin.kinetics import SCALP_FACTORS, UV_FACTORS, Kinetics
from smpstudio.skin.technique import YEAR_DAYS

__all__ = [
    "TIMELINE_DAYS",
    "CompareResult",
    "FrameFile",
    "HelmetReport",
    "HelmetStep",
    "TimelineRequest",
    "TimelineResult",
    "helmet_report",
    "parse_day",
    "render_timeline",
    "timeline",
]

#: Frames shown by default: days 0, 3, 7, 14, 30 and years 1, 3, 5.
TIMELINE_DAYS: tuple[float, ...] = (0, 3, 7, 14, 30, YEAR_DAYS, 3 * YEAR_DAYS, 5 * YEAR_DAYS)
#: Longest simulated time. [days]
MAX_DAY = 30 * YEAR_DAYS
COMPARE = ("tattoo",)
#: The relative names of a timeline's files.
SHEET_NAME = "timeline.png"
CHART_NAME = "timeline-chart.png"
FRAMES_FOLDER = "timeline-frames"


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


class TimelineRequest(Request):
    """What to show: skin, exposure, days, a technique to compare, view, size, outputs, touch-ups."""

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
    animation: Literal["gif", "webp"] | None = None
    touch_ups: int = 0
    touch_up_every_years: float | None = None

    def frame_days(self) -> tuple[float, ...]:
        return tuple(sorted(set(self.days) | set(self.extra_days)))


class FrameFile(Result):
    day: float
    file: str


class HelmetStep(Result):
    """The design 30 days after each session: ink piled up, dot size, contrast, how many dots have merged
    with a neighbour as the eye sees them, how many times darker the treated area is than after the first
    session (``darker``), and whether it has become one solid shade (``helmet``); ``file`` is the
    session's frame (none when the report was asked without frames)."""

    year: float
    sessions: int
    ink_fraction: float
    diameter_mm: float
    contrast: float
    merged_dots: int
    merged_fraction: float
    over_dark: bool
    darker: float
    helmet: bool
    file: str | None = None


class HelmetReport(Result):
    touch_ups: int
    interval_years: float
    helmet_from_session: int | None
    sessions: list[HelmetStep]


class CompareResult(Result):
    """The same design put in by another technique (with its touch-up course, when asked)."""

    technique: str
    frames: list[FrameFile]
    touch_up_due_years: float | None
    healed_diameter_mm: float
    risks: list[Risk]
    helmet: HelmetReport | None = None


class TimelineResult(Result):
    """The ``--json`` object; ``files`` holds every file's content by its relative name, not printed.

    ``compare`` and ``helmet`` appear only when asked for.
    """

    frames: list[FrameFile]
    touch_up_due_years: float | None
    sheet: str
    chart: str
    animation: str | None
    skin_type: str
    dots: int
    #: CIEDE2000 between the healed treated area (SMP technique, 0.2 mm) and the client's stubble at 1 m.
    tone_match_delta_e00: float
    compare: CompareResult | None = None
    helmet: HelmetReport | None = None
    elapsed_s: float
    files: dict[str, bytes] = Field(exclude=True, repr=False)

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(
            mode="json", exclude={k for k in ("compare", "helmet") if getattr(self, k) is None}
        )

    def stored_at(self, where: Mapping[str, str]) -> TimelineResult:
        """The same result naming where the face stored each file (``where``: relative name -> location)."""

        def frames(rows: list[FrameFile]) -> list[FrameFile]:
            return [FrameFile(day=f.day, file=where[f.file]) for f in rows]

        update: dict[str, Any] = {
            "frames": frames(self.frames),
            "sheet": where[self.sheet],
            "chart": where[self.chart],
            "animation": None if self.animation is None else where[self.animation],
        }

        def helmet(report: HelmetReport | None) -> HelmetReport | None:
            if report is None:
                return None
            rows = [r.model_copy(update={"file": where.get(r.file or "", r.file)}) for r in report.sessions]
            return report.model_copy(update={"sessions": rows})

        update["helmet"] = helmet(self.helmet)
        if self.compare is not None:
            update["compare"] = self.compare.model_copy(
                update={"frames": frames(self.compare.frames), "helmet": helmet(self.compare.helmet)}
            )
        return self.model_copy(update=update)


def _kinetics(request: TimelineRequest) -> Kinetics:
    check_choice("uv", request.uv, UV_FACTORS)
    check_choice("scalp", request.scalp, SCALP_FACTORS)
    return Kinetics(uv=request.uv, scalp=request.scalp)


def render_timeline(
    doc: DesignDocument,
    request: TimelineRequest,
    *,
    progress: Callable[[int, int], None] | None = None,
    frame_sink: Callable[[str, str, NDArray[np.uint8]], None] | None = None,
) -> TimelineFrames:
    """Render every frame of the timeline (see :mod:`smpstudio.render.timeline`); with ``frame_sink``
    each full-size frame goes there as it is drawn and the result keeps small copies."""
    kin = _kinetics(request)
    if request.compare is not None:
        check_choice("compare", request.compare, COMPARE)
    days = request.frame_days()
    if not days:
        raise InputError("no days to show", field="day", allowed="at least one day")
    return render_frames(
        doc,
        skin_type=request.skin_type,
        kinetics=kin,
        days=days,
        techniques=["smp"] + ([request.compare] if request.compare else []),
        view=request.view,
        size_px=request.size_px,
        touch_up_threshold=request.touch_up_threshold,
        inset=request.inset,
        touch_ups=request.touch_ups,
        touch_up_every_years=request.touch_up_every_years,
        progress=progress,
        frame_sink=frame_sink,
    )


def helmet_report(
    frames: TimelineFrames,
    *,
    touch_ups: int,
    interval_years: float | None = None,
    files: list[str] | None = None,
    technique: str = "smp",
) -> HelmetReport:
    """Repeated touch-ups of the design (SMP technique) every ``interval_years`` (default: the forecast
    touch-up date): per session, the ink kept, the dot's size and contrast, and how many dots have grown
    into a neighbour as the eye sees them (apparent spots touching); the "helmet" look, counted. Uses the
    frames' own touch-up course when they were rendered with one; ``files`` names their frames;
    ``technique`` is one of the frames' (the course of a compared technique at the same interval)."""
    smp = frames.techniques[0]
    chosen = next((f for f in frames.techniques if f.technique == technique), smp)
    interval = interval_years if interval_years is not None else frames.touch_up_every_years
    if interval is None:
        interval = smp.curve.touch_up_due_years
    if interval is None:
        raise InputError(
            "no touch-up falls due within 15 years", field="touch_up_every_years", allowed="give the interval"
        )
    states = chosen.touch_ups
    if len(states) != touch_ups + 1 or frames.touch_up_every_years != interval:
        states = touch_up_states(
            frames.doc,
            chosen.impression,
            frames.skin_type,
            frames.kinetics,
            touch_ups=touch_ups,
            interval_years=interval,
        )
    rows = [
        HelmetStep.model_validate(
            {
                **state.step.to_dict(),
                "merged_dots": int(state.merged.sum()),
                "merged_fraction": round(state.merged_fraction, 4),
                # More pigment in the skin than one undiluted session leaves: too dark, the cap look.
                "over_dark": state.over_dark,
                "darker": round(state.darker, 3),
                "helmet": state.helmet,
                "file": files[k] if files else None,
            }
        )
        for k, state in enumerate(states)
    ]
    first = next((row.sessions for row in rows if row.helmet), None)
    return HelmetReport(
        touch_ups=touch_ups, interval_years=round(interval, 2), helmet_from_session=first, sessions=rows
    )


def _round_due(years: float | None) -> float | None:
    return None if years is None else round(years, 2)


def timeline(
    doc: DesignDocument, request: TimelineRequest, *, progress: Callable[[int, int], None] | None = None
) -> TimelineResult:
    """Render the frames, then the contact sheet, the chart, the animation if asked and the touch-up
    course if asked; every file's content comes back in the result (see the module docstring)."""
    t0 = time.perf_counter()
    check_range("touch_ups", request.touch_ups, 0, 10)
    days = request.frame_days()
    encoded: dict[tuple[str, str], bytes] = {}

    def keep(technique: str, key: str, image: NDArray[np.uint8]) -> None:
        # Each full-size frame is encoded as it is drawn: memory follows one frame, not the timeline.
        encoded[(technique, key)] = encode_image(image)

    result = render_timeline(doc, request, progress=progress, frame_sink=keep)
    techniques = result.techniques
    files: dict[str, bytes] = {}
    frame_rows: dict[str, list[FrameFile]] = {}
    for frames in techniques:
        frame_rows[frames.technique] = []
        for k, day in enumerate(days):
            name = f"{FRAMES_FOLDER}/{frame_name(frames.technique, day)}"
            files[name] = encoded.pop((frames.technique, f"day-{k}"))
            frame_rows[frames.technique].append(FrameFile(day=round(day, 2), file=name))
    session_files: dict[str, list[str]] = {}
    for frames in techniques:
        session_files[frames.technique] = []
        for state in frames.touch_ups:
            name = f"{FRAMES_FOLDER}/{frames.technique}-session-{state.step.sessions}.png"
            files[name] = encoded.pop((frames.technique, f"session-{state.step.sessions}"))
            session_files[frames.technique].append(name)
    due = result.touch_up_due_years
    title = (
        f"{doc.header.pattern.name} · {len(doc.dots):,} dots · skin type {request.skin_type} · "
        f"UV {request.uv} · scalp {request.scalp} · "
        + (f"touch-up due at {due:.1f} years" if due is not None else "no touch-up within 15 years")
    )
    several = len(techniques) > 1
    sheet_rows, cell_captions, alerts = (
        [f.images for f in techniques],
        [f.captions for f in techniques],
        [f.touch_up_flags for f in techniques],
    )
    row_labels = [TECHNIQUE_LABELS[f.technique] for f in techniques] if several else [""]
    if request.touch_ups:
        # One more row per technique: the design after each session of the touch-up course, a red frame
        # where it has become a helmet.
        every = f"every {result.touch_up_every_years:.1f} years"
        for f in techniques:
            sheet_rows.append(f.touch_up_images)
            cell_captions.append(f.touch_up_captions)
            alerts.append([state.helmet for state in f.touch_ups])
            short = TECHNIQUE_LABELS[f.technique].split(":")[0]
            row_labels.append(
                f"{short}: {request.touch_ups} touch-ups {every}" if several else f"Touch-ups {every}"
            )
        title += f" · {request.touch_ups} touch-ups {every}"
    files[SHEET_NAME] = encode_image(
        contact_sheet(
            sheet_rows,
            cell_captions,
            title=title,
            row_labels=row_labels if any(row_labels) else (),
            alerts=alerts,
            columns=None if several else 4,
        )
    )
    files[CHART_NAME] = timeline_chart(
        [chart_curve(f, request.skin_type, result.kinetics, request.touch_up_threshold) for f in techniques],
        title=f"One dot on skin type {request.skin_type}: contrast and size over time",
    )
    animation = None
    if request.animation is not None:
        steps = [list(images) for images in zip(*(f.images for f in techniques), strict=True)]
        captions = [
            " | ".join(
                f.captions[i].replace("\n", ": ") if k == 0 else f.captions[i].split("\n", 1)[1]
                for k, f in enumerate(techniques)
            )
            for i in range(len(steps))
        ]
        labels = [TECHNIQUE_LABELS[f.technique] for f in techniques] if several else []
        animation = f"timeline.{request.animation}"
        files[animation] = encode_animation(steps, captions, request.animation, labels=labels)
    compare = None
    if request.compare:
        other = techniques[1]
        compare = CompareResult(
            technique=other.technique,
            frames=frame_rows[other.technique],
            touch_up_due_years=_round_due(other.curve.touch_up_due_years),
            healed_diameter_mm=round(other.curve.healed_diameter_mm, 3),
            risks=[Risk.model_validate(r) for r in other.curve.risks],
            helmet=helmet_report(
                result,
                touch_ups=request.touch_ups,
                files=session_files[other.technique],
                technique=other.technique,
            )
            if request.touch_ups
            else None,
        )
    helmet = None
    if request.touch_ups:
        helmet = helmet_report(result, touch_ups=request.touch_ups, files=session_files["smp"])
    return TimelineResult(
        frames=frame_rows["smp"],
        touch_up_due_years=_round_due(due),
        sheet=SHEET_NAME,
        chart=CHART_NAME,
        animation=animation,
        skin_type=request.skin_type,
        dots=len(doc.dots),
        tone_match_delta_e00=design_tone_match(doc, skin_type=request.skin_type)[0],
        compare=compare,
        helmet=helmet,
        elapsed_s=round(time.perf_counter() - t0, 2),
        files=files,
    )
