"""The ``smp`` command: parses, calls :mod:`smpstudio.services`, prints (Rich) or emits ``--json``.

Every computing command takes ``--json`` and then prints exactly one JSON object on stdout. Errors
print one line on stderr naming the field and what is allowed; exit code 2 for bad input, 1 for
other failures; a traceback only with ``--debug``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from smpstudio import __version__

__all__ = ["app", "main"]

app = typer.Typer(
    name="smp",
    help="smpstudio: design, preview and plan scalp micropigmentation.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,  # help texts carry units in brackets, e.g. [mm]
)
from smpstudio.cli.care import register as register_care  # noqa: E402
from smpstudio.cli.common import (  # noqa: E402
    DilutionOption,
    JsonFlag,
    PhotonsOption,
    PigmentOption,
    SeedOption,
    SkinTypeOption,
    configure,
    err,
    out,
)
from smpstudio.cli.common import emit_json as _emit_json  # noqa: E402
from smpstudio.cli.common import run as _run  # noqa: E402
from smpstudio.cli.common import status as _status  # noqa: E402
from smpstudio.cli.records import register as register_records  # noqa: E402


def _version(value: bool) -> None:
    if value:
        out.print(f"smpstudio {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
    rules: Annotated[
        Path | None,
        typer.Option("--rules", help="The clinic's own rules file (TOML) over the packaged care rules."),
    ] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option("--data-dir", help="Where the clinic store and its files live. [env: SMP_DATA_DIR]"),
    ] = None,
    as_user: Annotated[
        int | None,
        typer.Option(
            "--as", help="The acting user's id (the owner if the store has one clinic). [env: SMP_USER]"
        ),
    ] = None,
) -> None:
    configure(debug=debug or None, rules=rules, data_dir=data_dir, user=as_user)


@app.command()
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
    density_per_cm2: Annotated[float, typer.Option(help="Target dots per cm² where hair is missing.")] = 80.0,
    feather_mm: Annotated[float, typer.Option(help="Feathering into remaining hair [mm].")] = 10.0,
    sessions: Annotated[
        str, typer.Option(help="Session count, or cumulative fractions like 0.45,0.8,1.")
    ] = "0.45,0.8,1",
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
    from smpstudio.services.design import (
        DesignRequest,
        create_design,
        design_summary,
        parse_regions,
        parse_sessions,
        save_design,
    )

    def action() -> dict[str, Any]:
        request = DesignRequest(
            pattern=pattern,
            style=style,
            hairline_height_mm=hairline_height_mm,
            density_per_cm2=density_per_cm2,
            feather_mm=feather_mm,
            sessions=parse_sessions(sessions),
            head=head,
            head_length_mm=head_length_mm,
            head_width_mm=head_width_mm,
            head_height_mm=head_height_mm,
            regions=parse_regions(region or []),
            follicular_units=follicular_units,
            seed=seed,
            force=force,
        )
        t0 = time.perf_counter()
        with _status("Designing dots...", as_json):
            doc = create_design(request)
        save_design(doc, out_path)
        summary = design_summary(doc)
        summary["elapsed_s"] = round(time.perf_counter() - t0, 3)
        return summary

    summary = _run(action)
    if as_json:
        _emit_json(summary)
        return
    table = Table(show_header=False, box=None)
    for key in (
        "pattern",
        "style",
        "hairline_height_mm",
        "dot_count",
        "treated_area_cm2",
        "mean_density_per_cm2",
        "dots_per_session",
        "remaining_hair_area_cm2",
        "seed",
    ):
        table.add_row(key, str(summary[key]))
    out.print(table)
    for warning in summary["warnings"]:
        err.print(f"[yellow]warning:[/] {warning}")
    out.print(f"wrote {out_path}")


@app.command()
def preview(
    design_file: Annotated[Path, typer.Argument(help="Design file from `smp design`.")],
    out_path: Annotated[Path, typer.Option("--out", help="Image to write (.png, .jpg, .webp).")],
    view: Annotated[
        str, typer.Option(help="front, top, left, right, back, three-quarter or hairline (close-up).")
    ] = "front",
    size: Annotated[int, typer.Option(help="Image side [px], 64-8000.")] = 1600,
    look: Annotated[str, typer.Option(help="healed (true size) or plan (coloured by session).")] = "healed",
    skin_type: Annotated[str, typer.Option(help="Fitzpatrick skin type I-VI of the client.")] = "III",
    depth_mm: Annotated[float, typer.Option(help="Depth of the healed pigment deposit [mm].")] = 0.2,
    pigment: PigmentOption = "carbon-black",
    as_json: JsonFlag = False,
) -> None:
    """Render a design on the canonical head, coloured by the skin-optics appearance table."""
    from smpstudio.services.design import load_design_file, preview_design, save_preview

    def action() -> dict[str, Any]:
        t0 = time.perf_counter()
        doc = load_design_file(design_file)
        with _status("Rendering...", as_json):
            image = preview_design(
                doc,
                view=view,
                size_px=size,
                look=look,
                skin_type=skin_type,
                depth_mm=depth_mm,
                pigment=pigment,
            )
        save_preview(image, out_path)
        return {
            "out": str(out_path),
            "view": view,
            "look": look,
            "size_px": size,
            "dot_count": len(doc.dots),
            "skin_type": skin_type,
            "depth_mm": depth_mm,
            "pigment": pigment,
            "elapsed_s": round(time.perf_counter() - t0, 3),
        }

    result = _run(action)
    if as_json:
        _emit_json(result)
    else:
        out.print(f"wrote {result['out']} ({result['size_px']} px, {view}, {look})")


@app.command()
def catalogue(
    as_json: JsonFlag = False,
) -> None:
    """List the patterns, hairline styles, head presets, views and looks."""
    from smpstudio.services.design import catalogue as get_catalogue

    cat = get_catalogue()
    if as_json:
        _emit_json(cat)
        return
    for section in ("patterns", "styles"):
        table = Table(title=section, show_header=False)
        for name, text in cat[section].items():
            table.add_row(name, text)
        out.print(table)
    out.print(
        f"heads: {', '.join(cat['heads'])}   views: {', '.join(cat['views'])}   "
        f"looks: {', '.join(cat['looks'])}"
    )


@app.command()
def demo(
    out_dir: Annotated[Path, typer.Option("--out-dir", help="Folder for the demo files.")] = Path("out"),
    as_json: JsonFlag = False,
) -> None:
    """Design a Norwood-6 soft hairline; render its previews and its healing timeline into a folder."""
    from rich.progress import Progress

    from smpstudio.design.build import design_context
    from smpstudio.services.design import (
        DesignRequest,
        create_design,
        preview_design,
        save_design,
        save_preview,
        spec_from_document,
    )
    from smpstudio.services.timeline import TimelineRequest, render_timeline, write_timeline

    shots = [
        ("front", "healed"),
        ("three-quarter", "healed"),
        ("top", "healed"),
        ("top", "plan"),
        ("right", "healed"),
    ]

    def action() -> dict[str, Any]:
        out_dir.mkdir(parents=True, exist_ok=True)
        paths: dict[str, str] = {}
        with Progress(console=err, disable=as_json or not err.is_terminal, transient=True) as progress:
            task = progress.add_task("demo", total=len(shots) + 2)
            doc = create_design(DesignRequest(pattern="norwood-6", style="soft", seed=2026))
            paths["design"] = str(save_design(doc, out_dir / "design.json"))
            progress.advance(task)
            ctx = design_context(spec_from_document(doc))
            for view, look in shots:
                image = preview_design(doc, view=view, size_px=1600, look=look, context=ctx)
                name = f"preview-{view}-{look}.png"
                paths[name] = str(save_preview(image, out_dir / name))
                progress.advance(task)
            request = TimelineRequest(skin_type="III", compare="tattoo", size_px=800)
            timeline = write_timeline(
                render_timeline(doc, request, context=ctx),
                out_dir / "timeline.png",
                animation=out_dir / "timeline.webp",
            )
            paths.update(timeline=timeline["sheet"], chart=timeline["chart"], animation=timeline["animation"])
            progress.advance(task)
        return {
            "dot_count": len(doc.dots),
            "files": paths,
            "touch_up_due_years": timeline["touch_up_due_years"],
        }

    result = _run(action)
    if as_json:
        _emit_json(result)
        return
    out.print(
        f"Norwood-6 design, soft hairline: {result['dot_count']} dots; "
        f"touch-up due after {result['touch_up_due_years']} years (skin type III)"
    )
    for path in result["files"].values():
        out.print(f"  {path}")


optics = typer.Typer(
    help="Skin optics: light transport in layered skin.", no_args_is_help=True, rich_markup_mode=None
)
app.add_typer(optics, name="optics")


@optics.command("mc")
def optics_mc(
    config: Annotated[
        Path,
        typer.Argument(
            help='Layers as JSON: {"n_above", "n_below", "layers": [{"n", '
            '"mua_per_mm", "mus_per_mm", "g", "thickness_mm"}]}; '
            "thickness_mm null for a semi-infinite last layer."
        ),
    ],
    photons: Annotated[int, typer.Option(help="Photon packets to trace.")] = 100_000,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same result.")] = 0,
    as_json: JsonFlag = False,
) -> None:
    """Monte Carlo light transport (MCML semantics) through a stack of layers."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from smpstudio.services.optics import load_layer_config, run_transport

    def action() -> dict[str, Any]:
        stack = load_layer_config(config)
        columns = (
            TextColumn("photons"),
            BarColumn(),
            TextColumn("{task.completed:,}/{task.total:,}"),
            TimeRemainingColumn(),
        )
        with Progress(*columns, console=err, disable=as_json or not err.is_terminal, transient=True) as bar:
            task = bar.add_task("photons", total=photons)
            result = run_transport(
                stack, photons, seed=seed, progress=lambda done, total: bar.update(task, completed=done)
            )
        return result.to_dict()

    result = _run(action)
    if as_json:
        _emit_json(result)
        return
    table = Table(show_header=True)
    for col in ("quantity", "fraction", "standard error"):
        table.add_column(col)
    stderr = result["stderr"]
    assert isinstance(stderr, dict)
    table.add_row("specular reflectance", f"{result['specular']:.6f}", "exact")
    for key in ("diffuse_reflectance", "absorbed", "transmittance"):
        table.add_row(key.replace("_", " "), f"{result[key]:.6f}", f"{stderr[key]:.6f}")
    out.print(table)
    out.print(f"{result['photons']:,} photons, {result['photons_per_s']:,.0f} photons/s")


def _fraction_bar(label: str, disable: bool) -> Any:
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(
        TextColumn(label),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeRemainingColumn(),
        console=err,
        disable=disable or not err.is_terminal,
        transient=True,
    )


@optics.command("dot")
def optics_dot(
    skin_type: SkinTypeOption = "III",
    depth_mm: Annotated[float, typer.Option(help="Depth of the top of the pigment deposit [mm].")] = 0.3,
    dilution: DilutionOption = 1.0,
    pigment: PigmentOption = "carbon-black",
    photons: PhotonsOption = 20_000,
    seed: SeedOption = 0,
    as_json: JsonFlag = False,
) -> None:
    """Colour, contrast and blur of a pigment dot in scalp skin, by light transport."""
    from smpstudio.services.optics import dot_look

    def action() -> dict[str, Any]:
        with _fraction_bar("wavelengths", as_json) as bar:
            task = bar.add_task("wavelengths", total=1)
            look = dot_look(
                skin_type,
                depth_mm,
                dilution=dilution,
                pigment=pigment,
                photons=photons,
                seed=seed,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
        return look.to_dict()

    result = _run(action)
    if as_json:
        _emit_json(result)
        return
    table = Table(show_header=False, box=None)
    for key, value in result.items():
        table.add_row(key, str(value))
    out.print(table)


@optics.command("sweep")
def optics_sweep(
    out_path: Annotated[Path, typer.Option("--out", help="Chart to write (.png).")],
    skin_type: SkinTypeOption = "II",
    depths: Annotated[
        str, typer.Option(help="Depths of the deposit [mm], comma-separated.")
    ] = "0.1,0.2,0.3,0.5,1,1.5,2",
    dilution: DilutionOption = 1.0,
    pigment: PigmentOption = "carbon-black",
    photons: PhotonsOption = 20_000,
    seed: SeedOption = 0,
    as_json: JsonFlag = False,
) -> None:
    """Chart a dot's colour, blue shift, contrast and blur against its depth."""
    from smpstudio.services.optics import depth_sweep, parse_depths

    def action() -> dict[str, Any]:
        values = parse_depths(depths)
        with _fraction_bar("depths", as_json) as bar:
            task = bar.add_task("depths", total=len(values))
            results = depth_sweep(
                skin_type,
                values,
                dilution=dilution,
                pigment=pigment,
                photons=photons,
                seed=seed,
                out=out_path,
                progress=lambda done, total: bar.update(task, completed=done),
            )
        return {
            "out": str(out_path),
            "skin_type": skin_type,
            "pigment": pigment,
            "dilution": dilution,
            "depths_mm": list(values),
            "dots": [r.to_dict() for r in results],
        }

    result = _run(action)
    if as_json:
        _emit_json(result)
    else:
        out.print(f"wrote {result['out']}")


@optics.command("build-table")
def optics_build_table(
    out_path: Annotated[
        Path | None, typer.Option("--out", help="Where to write; default: the packaged table.")
    ] = None,
    photons: Annotated[int, typer.Option(help="Photon packets per wavelength and grid point.")] = 8_000,
    seed: SeedOption = 0,
    as_json: JsonFlag = False,
) -> None:
    """Rebuild the appearance table (skin type x depth x dilution x pigment) by light transport."""
    from smpstudio.services.optics import rebuild_table

    def action() -> dict[str, Any]:
        t0 = time.perf_counter()
        with _fraction_bar("grid points", as_json) as bar:
            task = bar.add_task("points", total=1)
            path, meta = rebuild_table(
                out_path,
                photons=photons,
                seed=seed,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
        return {
            "out": str(path),
            "photons_per_wavelength": meta["photons_per_wavelength"],
            "max_reflectance_stderr": meta["max_reflectance_stderr_bare_skin"],
            "elapsed_s": round(time.perf_counter() - t0, 1),
        }

    result = _run(action)
    if as_json:
        _emit_json(result)
    else:
        out.print(
            f"wrote {result['out']}: {result['photons_per_wavelength']:,} photons per wavelength and point, "
            f"reflectance standard error up to {result['max_reflectance_stderr']} "
            f"({result['elapsed_s']} s)"
        )


@app.command()
def simulate(
    technique: Annotated[
        str | None, typer.Option(help="Preset: smp or tattoo (or give --needle and --depth-mm).")
    ] = None,
    needle: Annotated[str | None, typer.Option(help="Cartridge, e.g. 1RL-0.18, 3RL-0.25, 5RL-0.35.")] = None,
    depth_mm: Annotated[float | None, typer.Option(help="Depth of the pigment deposit [mm].")] = None,
    ink: Annotated[str, typer.Option(help="smp-carbon, tattoo-black or iron-oxide-black.")] = "smp-carbon",
    dilution: DilutionOption = 0.5,
    passes: Annotated[int, typer.Option(help="Passes over the same dot (hand), 1-5.")] = 1,
    skin_type: SkinTypeOption = "III",
    uv: Annotated[str, typer.Option(help="Sun exposure: low, moderate or high.")] = "moderate",
    scalp: Annotated[str, typer.Option(help="Scalp: normal, oily or dry.")] = "normal",
    touch_up_threshold: Annotated[
        float, typer.Option(help="Loss of healed contrast that calls for a touch-up.")
    ] = 0.3,
    as_json: JsonFlag = False,
) -> None:
    """Heal and age one impression: size, contrast and colour to 5 years, touch-up date, risks."""
    from smpstudio.services.optics import simulate_technique

    def action() -> dict[str, Any]:
        with _status("Simulating...", as_json):
            result = simulate_technique(
                technique=technique,
                needle=needle,
                depth_mm=depth_mm,
                ink=ink,
                dilution=dilution,
                passes=passes,
                skin_type=skin_type,
                uv=uv,
                scalp=scalp,
                touch_up_threshold=touch_up_threshold,
            )
        return result.to_dict()

    result = _run(action)
    if as_json:
        _emit_json(result)
        return
    table = Table(title="timeline")
    for col in ("day", "diameter mm", "contrast ΔE2000", "colour sRGB"):
        table.add_column(col)
    timeline = result["timeline"]
    assert isinstance(timeline, list)
    for point in timeline:
        table.add_row(
            str(point["day"]),
            f"{point['diameter_mm']:.3f}",
            f"{point['contrast']:.1f}",
            str(point["dot_srgb"]),
        )
    out.print(table)
    due = result["touch_up_due_years"]
    out.print(
        f"healed: {result['healed_diameter_mm']} mm, contrast {result['healed_contrast']}; "
        f"touch-up due after {due if due is not None else 'more than 15'} years"
    )
    risks = result["risks"]
    assert isinstance(risks, list)
    for risk in risks:
        err.print(f"risk {risk['code']}: {risk['message']}", markup=False)


@app.command()
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
        int, typer.Option(help="Count the dots that merge over this many repeated touch-ups (0-10).")
    ] = 0,
    touch_up_every_years: Annotated[
        float | None, typer.Option(help="Years between touch-ups; default the forecast touch-up date.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Heal and age a whole design: frames from day 0 to 5 years, a contact sheet, a chart, an animation."""
    from smpstudio.services.design import load_design_file
    from smpstudio.services.timeline import (
        TimelineRequest,
        check_outputs,
        helmet_report,
        parse_day,
        render_timeline,
        write_timeline,
    )

    def action() -> dict[str, Any]:
        check_outputs(out_path, animation=animation, chart=chart)
        doc = load_design_file(design_path)
        request = TimelineRequest(
            skin_type=skin_type,
            uv=uv,
            scalp=scalp,
            extra_days=tuple(parse_day(d) for d in day or ()),
            compare=compare,
            view=view,
            size_px=size,
        )
        t0 = time.perf_counter()
        with _fraction_bar("frames", as_json) as bar:
            task = bar.add_task("frames", total=None)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            result = render_timeline(doc, request, progress=progress)
        obj = write_timeline(result, out_path, animation=animation, frames_dir=frames_dir, chart=chart)
        if touch_ups:
            obj["helmet"] = helmet_report(result, touch_ups=touch_ups, interval_years=touch_up_every_years)
        obj["elapsed_s"] = round(time.perf_counter() - t0, 2)
        return obj

    result = _run(action)
    if as_json:
        _emit_json(result)
        return
    frames = result["frames"]
    due = result["touch_up_due_years"]
    out.print(
        f"wrote {result['sheet']} ({len(frames)} days, {result['dots']:,} dots, {result['elapsed_s']} s)"
    )
    out.print(f"frames in {Path(frames[0]['file']).parent}; chart {result['chart']}")
    if result["animation"]:
        out.print(f"animation {result['animation']}")
    out.print(
        f"touch-up due after {due if due is not None else 'more than 15'} years "
        f"(skin type {skin_type}, UV {uv})"
    )
    if "helmet" in result:
        helmet = result["helmet"]
        for row in helmet["sessions"]:
            out.print(
                f"after session {row['sessions']} (year {row['year']:g}): ink {row['ink_fraction']:.2f}, "
                f"dots {row['diameter_mm']:.3f} mm, {row['merged_dots']:,} dots merged "
                f"({row['merged_fraction']:.1%})" + ("; over-dark" if row["over_dark"] else "")
            )
    if "compare" in result:
        other = result["compare"]
        out.print(
            f"{other['technique']} technique: dots heal to {other['healed_diameter_mm']} mm; "
            + "; ".join(r["code"] for r in other["risks"])
        )


register_care(app)
register_records(app)


def main() -> None:
    """Entry point of the ``smp`` console script."""
    app()


if __name__ == "__main__":
    main()
