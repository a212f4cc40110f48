"""``smp optics mc|dot|sweep|build-table`` and ``smp simulate``: the use cases of
:mod:`smpstudio.services.optics`. ``--json`` prints exactly the result model's JSON."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from smpstudio.cli.common import (
    JsonFlag,
    PhotonsOption,
    PigmentOption,
    SeedOption,
    SkinTypeOption,
    emit_json,
    err,
    out,
    run,
    status,
)
from smpstudio.cli.files import (
    DilutionOption,
    InkFractionOption,
    check_output,
    ink_fraction,
    read_json_input,
    write_atomic,
)
from smpstudio.errors import SmpError

__all__ = ["optics", "register"]

optics = typer.Typer(
    help="Skin optics: light transport in layered skin.", no_args_is_help=True, rich_markup_mode=None
)


def _bar(label: str, disable: bool, *, counts: str = "{task.completed}/{task.total}") -> Progress:
    return Progress(
        TextColumn(label),
        BarColumn(),
        TextColumn(counts),
        TimeRemainingColumn(),
        console=err,
        disable=disable or not err.is_terminal,
        transient=True,
    )


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
    from smpstudio.services.optics import TransportRequest, TransportResult, run_transport

    def action() -> TransportResult:
        layers = read_json_input(config, "config")
        request = TransportRequest.of(photons=photons, seed=seed)
        with _bar("photons", as_json, counts="{task.completed:,}/{task.total:,}") as bar:
            task = bar.add_task("photons", total=photons)
            return run_transport(
                layers, request, progress=lambda done, total: bar.update(task, completed=done)
            )

    result = run(action)
    if as_json:
        emit_json(result.to_json())
        return
    table = Table(show_header=True)
    for col in ("quantity", "fraction", "standard error"):
        table.add_column(col)
    table.add_row("specular reflectance", f"{result.specular:.6f}", "exact")
    for key in ("diffuse_reflectance", "absorbed", "transmittance"):
        table.add_row(key.replace("_", " "), f"{getattr(result, key):.6f}", f"{result.stderr[key]:.6f}")
    out.print(table)
    out.print(f"{result.photons:,} photons, {result.photons_per_s:,.0f} photons/s")


#: What to give ``smp optics dot`` for a dot outside the appearance table (the service names no flag).
FRESH_HINT = "or --fresh for a light-transport run"


@optics.command("dot")
def optics_dot(
    skin_type: SkinTypeOption = "III",
    depth_mm: Annotated[float, typer.Option(help="Depth of the top of the pigment deposit [mm].")] = 0.3,
    ink: InkFractionOption = None,
    dilution: DilutionOption = None,
    pigment: PigmentOption = "carbon-black",
    fresh: Annotated[
        bool,
        typer.Option(
            "--fresh",
            help="Run the light transport (12-40 s) instead of reading the packaged appearance table.",
        ),
    ] = False,
    photons: PhotonsOption = 20_000,
    seed: SeedOption = 0,
    as_json: JsonFlag = False,
) -> None:
    """Colour, contrast, blue shift and blur of a pigment dot in scalp skin, from the appearance table
    (or by light transport with --fresh; default ink fraction 1)."""
    from smpstudio.services.optics import OUTSIDE_TABLE, DotLook, DotLookRequest, dot_look

    def action() -> DotLook:
        request = DotLookRequest.of(
            skin_type=skin_type,
            depth_mm=depth_mm,
            ink_fraction=ink_fraction(ink, dilution, 1.0),
            pigment=pigment,
            photons=photons,
            seed=seed,
            fresh=fresh,
        )
        try:
            if not fresh:
                return dot_look(request)
            with _bar("wavelengths", as_json) as bar:
                task = bar.add_task("wavelengths", total=1)
                return dot_look(
                    request, progress=lambda done, total: bar.update(task, completed=done, total=total)
                )
        except SmpError as exc:
            if exc.code == OUTSIDE_TABLE:
                exc.allowed = f"{(exc.allowed or '').split(', or ')[0]}, {FRESH_HINT}"
            raise

    result = run(action)
    if as_json:
        emit_json(result.to_json())
        return
    table = Table(show_header=False, box=None)
    for key, value in result.to_json().items():
        table.add_row(key, str(value))
    out.print(table)


@optics.command("sweep")
def optics_sweep(
    out_path: Annotated[Path, typer.Option("--out", help="Chart to write (.png).")],
    skin_type: SkinTypeOption = "II",
    depths: Annotated[
        str, typer.Option(help="Depths of the deposit [mm], comma-separated.")
    ] = "0.1,0.2,0.3,0.5,1,1.5,2",
    ink: InkFractionOption = None,
    dilution: DilutionOption = None,
    pigment: PigmentOption = "carbon-black",
    photons: PhotonsOption = 20_000,
    seed: SeedOption = 0,
    as_json: JsonFlag = False,
) -> None:
    """Chart a dot's colour, blue shift, contrast and blur against its depth by light transport (default
    ink fraction 1)."""
    from smpstudio.services.optics import SweepRequest, SweepResult, depth_sweep, parse_depths

    def action() -> SweepResult:
        check_output(out_path, "out", [".png"], what="a chart")
        request = SweepRequest.of(
            skin_type=skin_type,
            depths_mm=parse_depths(depths),
            ink_fraction=ink_fraction(ink, dilution, 1.0),
            pigment=pigment,
            photons=photons,
            seed=seed,
        )
        with _bar("depths x wavelengths", as_json) as bar:
            task = bar.add_task("sweep", total=None)
            result = depth_sweep(
                request, progress=lambda done, total: bar.update(task, completed=done, total=total)
            )
        return result.stored_at(str(write_atomic(out_path, result.chart)))

    result = run(action)
    if as_json:
        emit_json(result.to_json())
        return
    table = Table(title=f"skin type {result.skin_type}: the dot against the skin around it")
    for col in ("depth mm", "blue shift", "ΔE2000", "blur FWHM mm", "red taken", "blue taken"):
        table.add_column(col, justify="right")
    for p in result.points:
        table.add_row(
            f"{p.depth_mm:g}",
            f"{p.blue_shift:.2f}",
            f"{p.delta_e2000:.1f}",
            f"{p.blur_fwhm_mm:.2f}",
            f"{p.red_removed:.0%}",
            f"{p.blue_removed:.0%}",
        )
    out.print(table)
    out.print(
        f"blue shift = -Δb*/|ΔL*|; a plain darkening of this skin reads {result.grey_blue_shift:.2f}. "
        f"wrote {result.out}"
    )


@optics.command("build-table")
def optics_build_table(
    out_path: Annotated[
        Path | None, typer.Option("--out", help="Where to write; default: the packaged table.")
    ] = None,
    photons: Annotated[int, typer.Option(help="Photon packets per wavelength and grid point.")] = 8_000,
    seed: SeedOption = 0,
    as_json: JsonFlag = False,
) -> None:
    """Rebuild the appearance table (skin type x depth x ink fraction x pigment) by light transport."""
    from smpstudio.services.optics import TABLE_NAME, BuildTableRequest, BuildTableResult, build_table

    def action() -> BuildTableResult:
        target = out_path or Path(str(resources.files("smpstudio.data"))) / TABLE_NAME
        check_output(target, "out", [".npz"], what="a table")
        request = BuildTableRequest.of(photons=photons, seed=seed)
        with _bar("grid points", as_json) as bar:
            task = bar.add_task("points", total=1)
            result = build_table(
                request, progress=lambda done, total: bar.update(task, completed=done, total=total)
            )
        return result.stored_at(str(write_atomic(target, result.table)))

    result = run(action)
    if as_json:
        emit_json(result.to_json())
    else:
        out.print(
            f"wrote {result.out}: {result.photons_per_wavelength:,} photons per wavelength and point, "
            f"reflectance standard error up to {result.max_reflectance_stderr} ({result.elapsed_s} s)"
        )


#: What to give ``smp simulate`` instead of a wrong combination (the service names no flag).
SIMULATE_HINT = "--technique smp|tattoo, or both --needle and --depth-mm"


def simulate(
    technique: Annotated[
        str | None, typer.Option(help="Preset: smp or tattoo (or give --needle and --depth-mm).")
    ] = None,
    needle: Annotated[str | None, typer.Option(help="Cartridge, e.g. 1RL-0.18, 3RL-0.25, 5RL-0.35.")] = None,
    depth_mm: Annotated[float | None, typer.Option(help="Depth of the pigment deposit [mm].")] = None,
    ink: Annotated[str, typer.Option(help="smp-carbon, tattoo-black or iron-oxide-black.")] = "smp-carbon",
    fraction: InkFractionOption = None,
    dilution: DilutionOption = None,
    passes: Annotated[int, typer.Option(help="Passes over the same dot (hand), 1-5.")] = 1,
    skin_type: SkinTypeOption = "III",
    uv: Annotated[str, typer.Option(help="Sun exposure: low, moderate or high.")] = "moderate",
    scalp: Annotated[str, typer.Option(help="Scalp: normal, oily or dry.")] = "normal",
    touch_up_threshold: Annotated[
        float, typer.Option(help="Loss of healed contrast that calls for a touch-up.")
    ] = 0.3,
    as_json: JsonFlag = False,
) -> None:
    """Heal and age one impression: size, contrast and colour to 5 years, touch-up date, risks (default
    ink fraction 0.5)."""
    from smpstudio.services.optics import SimulateRequest, SimulateResult, simulate_technique

    def action() -> SimulateResult:
        request = SimulateRequest.of(
            technique=technique,
            needle=needle,
            depth_mm=depth_mm,
            ink=ink,
            ink_fraction=ink_fraction(fraction, dilution, 0.5),
            passes=passes,
            skin_type=skin_type,
            uv=uv,
            scalp=scalp,
            touch_up_threshold=touch_up_threshold,
        )
        try:
            with status("Simulating...", as_json):
                return simulate_technique(request)
        except SmpError as exc:
            if exc.code == "technique_or_needle":
                exc.allowed = SIMULATE_HINT
            raise

    result = run(action)
    if as_json:
        emit_json(result.to_json())
        return
    table = Table(title="timeline")
    for col in ("day", "diameter mm", "contrast ΔE2000", "colour sRGB"):
        table.add_column(col)
    for point in result.timeline:
        table.add_row(
            f"{point.day:g}", f"{point.diameter_mm:.3f}", f"{point.contrast:.1f}", str(point.dot_srgb)
        )
    out.print(table)
    due = result.touch_up_due_years
    out.print(
        f"healed: {result.healed_diameter_mm} mm, contrast {result.healed_contrast}; "
        f"touch-up due after {due if due is not None else 'more than 15'} years"
    )
    for risk in result.risks:
        err.print(f"risk {risk.code}: {risk.message}", markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(optics, name="optics")
    app.command()(simulate)
