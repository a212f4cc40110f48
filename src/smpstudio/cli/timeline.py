"""``smp timeline``: the use case of :mod:`smpstudio.services.timeline`. The command checks every output
path before rendering, stores the files the result carries where the options say, and prints the result
(``--json``: exactly the result model's JSON, naming where each file went)."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from smpstudio.cli.common import JsonFlag, SkinTypeOption, emit_json, err, out, run
from smpstudio.cli.files import DESIGN_LIMIT, check_output, read_input, store

__all__ = ["register"]

ANIMATION_SUFFIXES = {".gif": "gif", ".webp": "webp"}


def timeline(
    design_path: Annotated[Path, typer.Argument(metavar="DESIGN.json", help="A design file.")],
    out_path: Annotated[Path, typer.Option("--out", help="Contact sheet to write (.png).")],
    skin_type: SkinTypeOption = "III",
    animation: Annotated[
        Path | None, typer.Option(help="Also write an animation (.gif or .webp), one frame per day.")
    ] = None,
    compare: Annotated[
        str | None, typer.Option(help="Show the same design put in by another technique: tattoo.")
    ] = None,
    day: Annotated[
        list[str] | None,
        typer.Option(
            help="Another day to show (repeatable): 45 or 45d, 18m, 2y. Default frames: day 0, 3, "
            "7, 14, 30 and years 1, 3, 5."
        ),
    ] = None,
    view: Annotated[
        str, typer.Option(help="front, top, left, right, back, three-quarter or hairline.")
    ] = "front",
    size: Annotated[int, typer.Option(help="Frame size [px].")] = 1600,
    uv: Annotated[str, typer.Option(help="Sun exposure: low, moderate or high.")] = "moderate",
    scalp: Annotated[str, typer.Option(help="Scalp: normal, oily or dry.")] = "normal",
    frames_dir: Annotated[
        Path | None, typer.Option(help="Folder for the frames; default <out>-frames next to the sheet.")
    ] = None,
    chart: Annotated[
        Path | None, typer.Option(help="Contrast and size chart (.png); default <out>-chart.png.")
    ] = None,
    touch_ups: Annotated[
        int,
        typer.Option(
            help="Add this many repeated touch-ups (0-10): a frame per session in the sheet, the dots "
            "that merge and where the treated area becomes a helmet."
        ),
    ] = 0,
    touch_up_every_years: Annotated[
        float | None, typer.Option(help="Years between touch-ups; default the forecast touch-up date.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Heal and age a whole design: frames from day 0 to 5 years, a contact sheet, a chart, an animation."""
    from smpstudio.services.design import parse_design
    from smpstudio.services.timeline import TimelineRequest, TimelineResult, parse_day
    from smpstudio.services.timeline import timeline as age

    def action() -> TimelineResult:
        check_output(out_path, "out", [".png"], what="a contact sheet")
        if animation is not None:
            check_output(animation, "animation", ANIMATION_SUFFIXES, what="an animation")
        chart_path = chart or out_path.with_name(f"{out_path.stem}-chart.png")
        check_output(chart_path, "chart", [".png"], what="a chart")
        folder = frames_dir or out_path.with_name(f"{out_path.stem}-frames")
        request = TimelineRequest.of(
            skin_type=skin_type,
            uv=uv,
            scalp=scalp,
            extra_days=tuple(parse_day(d) for d in day or ()),
            compare=compare,
            view=view,
            size_px=size,
            animation=None if animation is None else ANIMATION_SUFFIXES[animation.suffix.lower()],
            touch_ups=touch_ups,
            touch_up_every_years=touch_up_every_years,
        )
        doc = parse_design(read_input(design_path, "design", limit=DESIGN_LIMIT))
        with Progress(
            TextColumn("frames"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeRemainingColumn(),
            console=err,
            disable=as_json or not err.is_terminal,
            transient=True,
        ) as bar:
            task = bar.add_task("frames", total=None)
            result = age(
                doc, request, progress=lambda done, total: bar.update(task, completed=done, total=total)
            )
        place = {result.sheet: out_path, result.chart: chart_path}
        if result.animation is not None and animation is not None:
            place[result.animation] = animation
        for name in result.files:
            if name not in place:
                place[name] = folder / PurePosixPath(name).name
        return result.stored_at(store(result.files, place))

    result = run(action)
    if as_json:
        emit_json(result.to_json())
        return
    frames = result.frames
    due = result.touch_up_due_years
    out.print(f"wrote {result.sheet} ({len(frames)} days, {result.dots:,} dots, {result.elapsed_s} s)")
    out.print(f"frames in {Path(frames[0].file).parent}; chart {result.chart}")
    if result.animation:
        out.print(f"animation {result.animation}")
    out.print(
        f"touch-up due after {due if due is not None else 'more than 15'} years "
        f"(skin type {skin_type}, UV {uv})"
    )
    reports = [("smp", result.helmet)]
    if result.compare is not None:
        reports.append((result.compare.technique, result.compare.helmet))
    for technique, report in reports:
        if report is None:
            continue
        out.print(f"{technique} technique, touch-ups every {report.interval_years:g} years:")
        for row in report.sessions:
            out.print(
                f"  after session {row.sessions} (year {row.year:g}): ink {row.ink_fraction:.2f}, "
                f"dots {row.diameter_mm:.3f} mm, {row.merged_dots:,} dots merged "
                f"({row.merged_fraction:.1%})"
                + ("; over-dark" if row.over_dark else "")
                + ("; helmet: one solid shade" if row.helmet else "")
            )
    if result.compare is not None:
        other = result.compare
        out.print(
            f"{other.technique} technique: dots heal to {other.healed_diameter_mm} mm; "
            + "; ".join(r.code for r in other.risks)
        )


def register(app: typer.Typer) -> None:
    app.command()(timeline)
