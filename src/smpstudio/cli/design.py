"""``smp design``, ``preview``, ``catalogue`` and ``demo``: the design use cases of
:mod:`smpstudio.services.design`, :mod:`~smpstudio.services.preview` and :mod:`~smpstudio.services.demo`.

Each command checks where its files go, reads its inputs, calls one service and stores what the result
carries; ``--json`` prints exactly the result model's JSON.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress
from rich.table import Table

from smpstudio.cli.common import JsonFlag, PigmentOption, emit_json, err, out, run, status
from smpstudio.cli.files import DESIGN_LIMIT, check_output, read_input, store, write_atomic

__all__ = ["register"]

#: Preview file extensions and the encoding each gets.
PREVIEW_SUFFIXES = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".webp": "webp"}


def design(
    pattern: Annotated[
        str,
        typer.Option(
            help="Hair-loss pattern: norwood-1 ... norwood-7 (2a-5a, 3v), "
            "ludwig-1 ... ludwig-3, diffuse, full."
        ),
    ],
    out_path: Annotated[Path, typer.Option("--out", help="Design file to write (.json).")],
    style: Annotated[
        str, typer.Option(help="Hairline style: natural, soft, defined, mature, widows-peak.")
    ] = "soft",
    hairline_height_mm: Annotated[
        float | None,
        typer.Option(
            help="Mid-frontal point above the glabella, along the forehead [mm]; default 80 (95 for mature)."
        ),
    ] = None,
    density_per_cm2: Annotated[
        float | None,
        typer.Option(help="Dots per cm² where hair is missing; default: proposed to match the stubble."),
    ] = None,
    dot_diameter_mm: Annotated[
        float | None, typer.Option(help="Body healed dot diameter [mm], 0.07-0.25; default: proposed.")
    ] = None,
    ink_fraction: Annotated[
        float | None, typer.Option(help="Body share of undiluted ink, 0.05-1; default: proposed.")
    ] = None,
    feather_mm: Annotated[float, typer.Option(help="Feathering into remaining hair [mm].")] = 10.0,
    sessions: Annotated[
        str | None,
        typer.Option(help="Session count, or cumulative fractions like 0.45,0.8,1; default: proposed."),
    ] = None,
    skin_type: Annotated[str, typer.Option(help="Fitzpatrick skin type I-VI of the client.")] = "III",
    depth_mm: Annotated[float, typer.Option(help="Depth of the healed pigment deposit [mm].")] = 0.2,
    pigment: PigmentOption = "carbon-black",
    hair_colour: Annotated[
        str,
        typer.Option(
            help="The client's hair: black, dark-brown, brown, light-brown, red, blond, grey or white."
        ),
    ] = "dark-brown",
    grey_fraction: Annotated[float, typer.Option(help="Share of grey (unpigmented) hairs, 0-1.")] = 0.0,
    shave_length_mm: Annotated[
        float | None, typer.Option(help="Stubble length above the skin [mm], 0-3; default 0.5.")
    ] = None,
    clipper_guard: Annotated[
        str | None,
        typer.Option(help='Shave length by clipper guard instead: "razor", "0", "0.5" or "1".'),
    ] = None,
    hair_diameter_um: Annotated[float, typer.Option(help="Hair shaft diameter [µm], 60-120.")] = 75.0,
    hair_units_per_cm2: Annotated[
        float, typer.Option(help="Follicular units per cm² of the client's hair, 60-100.")
    ] = 80.0,
    hairs_per_unit: Annotated[float, typer.Option(help="Hairs per follicular unit, 1-4.")] = 2.2,
    hair_from_photo: Annotated[
        Path | None,
        typer.Option(
            "--hair-from-photo",
            help="Match the stubble this photo of the client shows instead of the hair options' model "
            "(needs --landmarks; the photo must show remaining hair).",
        ),
    ] = None,
    landmarks: Annotated[
        Path | None,
        typer.Option(
            help="The photo's anchors (JSON: view, points_px, optional ruler), for --hair-from-photo."
        ),
    ] = None,
    hairline_shift: Annotated[
        list[str] | None,
        typer.Option(
            "--hairline-shift",
            help="Move a hairline control point along its radial line: NAME=MM over the scalp, positive "
            "forward and lower, -30 to 30; repeatable. Names: temporal_peak_right, fronto_temporal_right, "
            "frontal_right, mid_frontal_point, frontal_left, fronto_temporal_left, temporal_peak_left "
            "(the client's sides).",
        ),
    ] = None,
    head: Annotated[str, typer.Option(help="Head preset: male or female.")] = "male",
    head_length_mm: Annotated[float | None, typer.Option(help="Glabella to occiput [mm].")] = None,
    head_width_mm: Annotated[float | None, typer.Option(help="Maximum head breadth [mm].")] = None,
    head_height_mm: Annotated[float | None, typer.Option(help="Ear canal to vertex [mm].")] = None,
    region: Annotated[
        list[str] | None,
        typer.Option(help='Free region (scar, alopecia patch) as "u,v; u,v; u,v" chart mm; repeatable.'),
    ] = None,
    follicular_units: Annotated[bool, typer.Option(help="Group dots into follicular units of 1-4.")] = False,
    seed: Annotated[int | None, typer.Option(help="Random seed; the same seed gives the same dots.")] = None,
    force: Annotated[bool, typer.Option(help="Allow a hairline below 60 mm.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Design the dots for a hair-loss pattern and a hairline style, and write the design file."""
    from smpstudio.errors import InputError, SmpError
    from smpstudio.services.design import (
        DesignRequest,
        DesignResult,
        create_design,
        parse_hairline_shifts,
        parse_regions,
        parse_sessions,
    )

    def photo_target() -> tuple[float, float, float] | None:
        if hair_from_photo is None:
            if landmarks is not None:
                raise InputError(
                    "needs --hair-from-photo", field="landmarks", allowed="--hair-from-photo PHOTO"
                )
            return None
        if landmarks is None:
            raise InputError(
                "required with --hair-from-photo",
                field="landmarks",
                allowed="a landmarks file (JSON); see smp landmarks",
            )
        from smpstudio.cli.common import settings
        from smpstudio.cli.files import TEXT_LIMIT
        from smpstudio.cli.photo import PHOTO_LIMIT
        from smpstudio.services.photo_stubble import photo_stubble_target

        with status("Measuring the hair on the photo...", as_json):
            measured = photo_stubble_target(
                read_input(hair_from_photo, "hair_from_photo", limit=PHOTO_LIMIT),
                read_input(landmarks, "landmarks", limit=TEXT_LIMIT).decode("utf-8", "replace"),
                skin_type=skin_type,
                head=head,
                head_length_mm=head_length_mm,
                head_width_mm=head_width_mm,
                head_height_mm=head_height_mm,
                max_photo_pixels=settings().max_photo_pixels,
            )
        for warning in measured.warnings:
            err.print(f"[yellow]warning:[/] {warning}")
        return measured.stubble_target_rgb_linear

    def action() -> DesignResult:
        check_output(out_path, "out")
        try:
            shifts = parse_hairline_shifts(hairline_shift or [])
        except SmpError as exc:
            if exc.field == "hairline_shift":
                exc.field = "--hairline-shift"
            raise
        request = DesignRequest.of(
            pattern=pattern,
            style=style,
            hairline_height_mm=hairline_height_mm,
            density_per_cm2=density_per_cm2,
            dot_diameter_mm=dot_diameter_mm,
            ink_fraction=ink_fraction,
            feather_mm=feather_mm,
            sessions=parse_sessions(sessions) if sessions is not None else None,
            skin_type=skin_type,
            depth_mm=depth_mm,
            pigment=pigment,
            hair_colour=hair_colour,
            grey_fraction=grey_fraction,
            shave_length_mm=shave_length_mm,
            clipper_guard=clipper_guard,
            hair_diameter_um=hair_diameter_um,
            hair_units_per_cm2=hair_units_per_cm2,
            hairs_per_unit=hairs_per_unit,
            head=head,
            head_length_mm=head_length_mm,
            head_width_mm=head_width_mm,
            head_height_mm=head_height_mm,
            regions=parse_regions(region or []),
            follicular_units=follicular_units,
            seed=seed,
            force=force,
            hairline_shift_mm=shifts,
            stubble_target_rgb_linear=photo_target(),
        )
        with status("Designing dots...", as_json):
            try:
                result = create_design(request)
            except SmpError as exc:
                if exc.code == "hairline_too_low":
                    exc.allowed = f"{exc.allowed}; pass --force to design it anyway"
                raise
        write_atomic(out_path, result.content())
        return result

    result = run(action)
    if as_json:
        emit_json(result.to_json())
        return
    table = Table(show_header=False, box=None)
    summary = result.to_json()
    for key in (
        "pattern",
        "style",
        "hairline_height_mm",
        "hairline_shift_mm",
        "dot_count",
        "treated_area_cm2",
        "mean_density_per_cm2",
        "dots_per_session",
        "remaining_hair_area_cm2",
        "density_per_cm2",
        "dot_diameter_mm",
        "ink_fraction",
        "sessions",
        "tone_target",
        "tone_match_delta_e00",
        "seed",
    ):
        table.add_row(key, str(summary[key]))
    out.print(table)
    if result.tone_match_note:
        err.print(f"[yellow]tone match:[/] {result.tone_match_note}")
    for step in result.greying_plan:
        ink = "let the dots fade" if step.ink_fraction is None else f"ink fraction {step.ink_fraction:g}"
        out.print(f"touch-up after {step.years:g} years (grey {step.grey_fraction:.0%}): {ink}")
    for warning in result.warnings:
        err.print(f"[yellow]warning:[/] {warning}")
    out.print(f"wrote {out_path}")


def preview(
    design_file: Annotated[Path, typer.Argument(help="Design file from `smp design`.")],
    out_path: Annotated[Path, typer.Option("--out", help="Image to write (.png, .jpg, .webp).")],
    view: Annotated[
        str, typer.Option(help="front, top, left, right, back, three-quarter or hairline (close-up).")
    ] = "front",
    size: Annotated[int, typer.Option(help="Image side [px], 64-8000.")] = 1600,
    look: Annotated[
        str,
        typer.Option(
            help="before (the client today: remaining hair only), healed (the healed dots as the eye sees "
            "them) or plan (dots coloured by session)."
        ),
    ] = "healed",
    skin_type: Annotated[str, typer.Option(help="Fitzpatrick skin type I-VI of the client.")] = "III",
    depth_mm: Annotated[float, typer.Option(help="Depth of the healed pigment deposit [mm].")] = 0.2,
    pigment: PigmentOption = "carbon-black",
    photo: Annotated[
        Path | None,
        typer.Option(
            help="The client's photo: draw the design on it at its own size (needs --landmarks; the view "
            "comes from the landmarks file, --view, --size and --look do not apply)."
        ),
    ] = None,
    landmarks: Annotated[
        Path | None, typer.Option(help="The photo's anchors (JSON: view, points_px, optional ruler).")
    ] = None,
    mask: Annotated[
        Path | None,
        typer.Option(help="Scalp mask of the photo's size: white where dots may go (default: computed)."),
    ] = None,
    day: Annotated[
        float | None, typer.Option(help="Day of the healing timeline drawn on the photo [days]; default 30.")
    ] = None,
    overlay: Annotated[
        Path | None, typer.Option(help="Also write the fit: wire-frame, anchors, legend, scale bar.")
    ] = None,
    before_after: Annotated[
        Path | None, typer.Option("--before-after", help="Also write the photo and the preview side by side.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Render a design on the canonical head, coloured by the skin-optics appearance table, or on the
    client's photo (--photo, --landmarks)."""
    photo_only = {"--landmarks": landmarks, "--mask": mask, "--day": day, "--overlay": overlay}
    photo_only["--before-after"] = before_after
    if photo is not None:
        from smpstudio.cli.photo import photo_preview

        photo_preview(
            design_file=design_file,
            photo=photo,
            landmarks_file=landmarks,
            mask=mask,
            out_path=out_path,
            overlay=overlay,
            before_after=before_after,
            skin_type=skin_type,
            day=day,
            depth_mm=depth_mm,
            pigment=pigment,
            as_json=as_json,
        )
        return
    given = [flag for flag, value in photo_only.items() if value is not None]
    if given:
        from smpstudio.cli.photo import refuse_without_photo

        refuse_without_photo(given)
    from smpstudio.services.design import parse_design
    from smpstudio.services.preview import PreviewRequest, PreviewResult
    from smpstudio.services.preview import preview as render

    def action() -> PreviewResult:
        check_output(out_path, "out", PREVIEW_SUFFIXES)
        request = PreviewRequest.of(
            view=view,
            size_px=size,
            look=look,
            skin_type=skin_type,
            depth_mm=depth_mm,
            pigment=pigment,
            format=PREVIEW_SUFFIXES[out_path.suffix.lower()],
        )
        doc = parse_design(read_input(design_file, "design", limit=DESIGN_LIMIT))
        with status("Rendering...", as_json):
            result = render(doc, request)
        return result.stored_at(str(write_atomic(out_path, result.image)))

    result = run(action)
    if as_json:
        emit_json(result.to_json())
    else:
        out.print(f"wrote {result.out} ({result.size_px} px, {view}, {look})")


def catalogue(as_json: JsonFlag = False) -> None:
    """List the patterns, hairline styles, head presets, views and looks."""
    from smpstudio.services.design import catalogue as get_catalogue

    cat = get_catalogue()
    if as_json:
        emit_json(cat.to_json())
        return
    for title, entries in (("patterns", cat.patterns), ("styles", cat.styles)):
        table = Table(title=title, show_header=False)
        for name, text in entries.items():
            table.add_row(name, text)
        out.print(table)
    out.print(
        f"heads: {', '.join(cat.heads)}   views: {', '.join(cat.views)}   looks: {', '.join(cat.looks)}"
    )
    guards = ", ".join(f"{name} ({mm:g} mm)" for name, mm in cat.clipper_guards.items())
    out.print(f"hair colours: {', '.join(cat.hair_colours)}   clipper guards: {guards}")


def demo(
    out_dir: Annotated[Path, typer.Option("--out-dir", help="Folder for the demo files.")] = Path("out"),
    as_json: JsonFlag = False,
) -> None:
    """Design a Norwood-6 soft hairline; render its previews and its healing timeline into a folder."""
    from smpstudio.errors import InputError
    from smpstudio.services.demo import DemoResult
    from smpstudio.services.demo import demo as make_demo

    def action() -> DemoResult:
        if out_dir.exists() and not out_dir.is_dir():
            raise InputError(f"{out_dir} is not a folder", field="out_dir")
        with Progress(console=err, disable=as_json or not err.is_terminal, transient=True) as bar:
            task = bar.add_task("demo", total=None)
            result = make_demo(progress=lambda done, total: bar.update(task, completed=done, total=total))
        return result.stored_at(store(result.contents, under=out_dir))

    result = run(action)
    if as_json:
        emit_json(result.to_json())
        return
    out.print(
        f"Norwood-6 design, soft hairline: {result.dot_count} dots; "
        f"touch-up due after {result.touch_up_due_years} years (skin type III)"
    )
    for path in result.files.values():
        out.print(f"  {path}")


def register(app: typer.Typer) -> None:
    app.command()(design)
    app.command()(preview)
    app.command()(catalogue)
    app.command()(demo)
