"""``smp repair``: the repair use cases of :mod:`smpstudio.services.repair`. ``detect`` reads a close-up,
checks the output path before any work, writes the annotated map and prints the dot map (``--json``:
exactly the result model's JSON)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from smpstudio.cli.common import JsonFlag, emit_json, out, run, settings
from smpstudio.cli.files import IMAGE_LIMIT, check_output, read_input, write_atomic

__all__ = ["register"]

repair_app = typer.Typer(
    name="repair",
    help="Repair an existing SMP: find and measure its dots.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@repair_app.command("detect")
def detect(
    photo: Annotated[
        Path, typer.Argument(metavar="PHOTO", help="A close-up of the scalp (JPEG, PNG, WebP).")
    ],
    mm_per_px: Annotated[
        float | None,
        typer.Option("--mm-per-px", help="The photo's scale, about 0.017-0.05 (20-60 px/mm). [mm/px]"),
    ] = None,
    ruler_mm: Annotated[
        float | None,
        typer.Option("--ruler-mm", help="Length of a ruler in the photo (not found automatically yet). [mm]"),
    ] = None,
    front: Annotated[
        str, typer.Option(help="The photo's edge towards the forehead: top, bottom, left or right.")
    ] = "top",
    out_path: Annotated[Path | None, typer.Option("--out", help="Annotated dot map to write (.png).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Find and measure every dot in a calibrated close-up: size, contrast, blue shift, flags."""
    from smpstudio.services.repair import RepairDetectRequest, RepairDetectResult
    from smpstudio.services.repair import detect as find

    def action() -> RepairDetectResult:
        if out_path is not None:
            check_output(out_path, "out", [".png"], what="an annotated map")
        data = read_input(photo, "photo", limit=IMAGE_LIMIT, allowed="a JPEG, PNG or WebP file")
        request = RepairDetectRequest.of(
            image=data, mm_per_px=mm_per_px, ruler_mm=ruler_mm, front=front, annotate=out_path is not None
        )
        result = find(request, max_pixels=settings().max_image_pixels)
        if out_path is not None and result.annotated is not None:
            return result.stored_at(str(write_atomic(out_path, result.annotated)))
        return result

    result = run(action)
    if as_json:
        emit_json(result.to_json())
        return
    flagged: dict[str, int] = {}
    for dot in result.dots:
        for flag in dot.flags:
            flagged[flag] = flagged.get(flag, 0) + 1
    out.print(
        f"{result.count} dots in {result.width} x {result.height} px at {result.mm_per_px:g} mm/px "
        f"({result.density_per_cm2:g} per cm²)"
    )
    if flagged:
        out.print("flagged: " + ", ".join(f"{n} {name}" for name, n in sorted(flagged.items())))
    out.print(f"{len(result.not_dots)} dark spots are not dots (pores, hairs, lesions)")
    if result.hairline is not None:
        out.print(
            f"hairline: {len(result.hairline.points_px)} points, "
            f"{result.hairline.rms_from_line_mm} mm RMS from a line"
        )
    for h in result.helmet_regions:
        out.print(f"over-dense area: {h.area_mm2:g} mm², up to {h.peak_density_per_cm2:g} per cm²")
    for w in result.warnings:
        out.print(f"warning: {w}")
    if result.out:
        out.print(f"wrote {result.out}")


def register(app: typer.Typer) -> None:
    """Add ``smp repair`` to the root app."""
    app.add_typer(repair_app, name="repair")
