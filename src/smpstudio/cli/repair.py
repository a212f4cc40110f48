"""``smp repair``: the repair use cases. ``detect`` (:mod:`smpstudio.services.repair`) reads a close-up,
checks the output path before any work, writes the annotated map and prints the dot map; ``plan``
(:mod:`smpstudio.services.repair_plan`) classifies the dots against a target, plans the laser and the
re-SMP, writes the plan map and the two previews beside it and prints the plan. ``--json`` prints exactly
the result model's JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from smpstudio.cli.common import JsonFlag, emit_json, out, run, settings
from smpstudio.cli.files import DESIGN_LIMIT, IMAGE_LIMIT, TEXT_LIMIT, check_output, read_input, write_atomic
from smpstudio.errors import InputError

if TYPE_CHECKING:
    from smpstudio.services.repair_plan import RepairPlanResult

__all__ = ["register"]

repair_app = typer.Typer(
    name="repair",
    help="Repair an existing SMP: find and measure its dots, plan the laser and the re-SMP.",
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
        typer.Option(
            "--ruler-mm",
            help=(
                "Spacing of the finest ticks of a ruler or scale strip lying in the photo: 1 for a "
                "millimetre ruler, 0.5 for a half-millimetre scale; the scale is found from it. [mm]"
            ),
        ),
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


#: The request's fields by the options that give them, where the names differ.
OPTION_NAMES = {"hairline_px": "hairline", "corrections": "correct"}
#: The two previews are written beside the plan map with these suffixes.
PREVIEW_SUFFIXES = {"after_removal": "-after-removal", "after_resmp": "-after-resmp"}


def parse_hairline(text: str) -> list[list[float]]:
    """``"x,y; x,y; ..."`` as a list of points [px]; an :class:`InputError` naming ``hairline``."""
    allowed = '"x,y; x,y; ..." in image pixels, at least two points'
    points: list[list[float]] = []
    for part in text.split(";"):
        if not part.strip():
            continue
        values = part.split(",")
        try:
            point = [float(v) for v in values]
        except ValueError:
            raise InputError(f"{part.strip()[:40]!r} is not x,y", field="hairline", allowed=allowed) from None
        if len(point) != 2:
            raise InputError(f"{part.strip()[:40]!r} is not x,y", field="hairline", allowed=allowed)
        points.append(point)
    return points


def parse_corrections(values: list[str]) -> dict[int, str]:
    """``INDEX=CLASS`` items as a dict; an :class:`InputError` naming ``correct``."""
    out: dict[int, str] = {}
    for item in values:
        index, sep, cls = item.partition("=")
        if not sep or not index.strip().isdigit():
            raise InputError(
                f"{item[:40]!r} is not INDEX=CLASS",
                field="correct",
                allowed="e.g. 12=keep (keep, remove, watch)",
            )
        out[int(index)] = cls.strip()
    return out


def _document(path: Path, field: str, limit: int) -> dict[str, Any]:
    try:
        data = json.loads(read_input(path, field, limit=limit))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise InputError("not valid JSON", field=field, allowed="a JSON document") from None
    if not isinstance(data, dict):
        raise InputError("not a JSON object", field=field, allowed="a JSON object")
    return data


def _beside(path: Path, suffix: str) -> Path:
    return path.with_name(f"{path.stem}{suffix}{path.suffix}")


@repair_app.command("plan")
def plan(
    photo: Annotated[Path, typer.Argument(metavar="PHOTO", help="A photo of the SMP (JPEG, PNG, WebP).")],
    design: Annotated[Path, typer.Option("--design", help="The target design (smp design's JSON).")],
    landmarks: Annotated[
        Path | None, typer.Option("--landmarks", help="Anchors placing the design on a wider photo (JSON).")
    ] = None,
    mm_per_px: Annotated[
        float | None, typer.Option("--mm-per-px", help="The photo's scale (a close-up: 0.017-0.05). [mm/px]")
    ] = None,
    ruler_mm: Annotated[
        float | None,
        typer.Option("--ruler-mm", help="Spacing of the finest ticks of a ruler in the photo. [mm]"),
    ] = None,
    hairline: Annotated[
        str | None,
        typer.Option("--hairline", help='The new hairline on a close-up: "x,y; x,y; ..." in image pixels.'),
    ] = None,
    front: Annotated[
        str, typer.Option(help="The photo's edge towards the forehead: top, bottom, left or right.")
    ] = "top",
    skin_type: Annotated[str, typer.Option("--skin-type", help="Fitzpatrick skin type I-VI.")] = "III",
    ink: Annotated[
        str, typer.Option(help="What the old ink is: carbon, iron-oxide, titanium-dioxide or unknown.")
    ] = "unknown",
    scarring: Annotated[
        str, typer.Option(help="Scarring in the area: none, minimal, moderate or significant.")
    ] = "none",
    correct: Annotated[
        list[str] | None,
        typer.Option("--correct", help="A dot's class set by hand: INDEX=keep|remove|watch."),
    ] = None,
    out_path: Annotated[
        Path | None, typer.Option("--out", help="Plan map to write (.png); the two previews go beside it.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Classify every dot against the target, plan the laser and the re-SMP, and preview the result."""
    from smpstudio.services.repair_plan import RepairPlanRequest, plan_repair

    def action() -> RepairPlanResult:
        if out_path is not None:
            check_output(out_path, "out", [".png"], what="a plan map")
        data = read_input(photo, "photo", limit=IMAGE_LIMIT, allowed="a JPEG, PNG or WebP file")
        request = RepairPlanRequest.of(
            image=data,
            mm_per_px=mm_per_px,
            ruler_mm=ruler_mm,
            design=_document(design, "design", DESIGN_LIMIT),
            landmarks=None if landmarks is None else _document(landmarks, "landmarks", TEXT_LIMIT),
            hairline_px=None if hairline is None else parse_hairline(hairline),
            skin_type=skin_type,
            front=front,
            ink=ink,
            scarring=scarring,
            corrections=parse_corrections(correct or []),
            images=out_path is not None,
        )
        try:
            result = plan_repair(request, max_pixels=settings().max_image_pixels)
        except InputError as exc:  # the request's names as this command's options
            option = OPTION_NAMES.get(exc.field or "")
            if option is None:
                raise
            raise InputError(exc.message, field=option, allowed=exc.allowed, code=exc.code) from None
        if out_path is None or result.plan_png is None:
            return result
        files = {"plan": str(write_atomic(out_path, result.plan_png))}
        for name, suffix in PREVIEW_SUFFIXES.items():
            image = getattr(result, f"{name}_png")
            if image is not None:
                files[name] = str(write_atomic(_beside(out_path, suffix), image))
        return result.stored_at(files)

    result = run(action)
    if as_json:
        emit_json(result.to_json())
        return
    _summary(result)


def _summary(result: RepairPlanResult) -> None:
    """The plan in a few lines: classes, zones, laser, re-SMP, files."""
    c = result.classes
    out.print(
        f"{result.count} dots in {result.width} x {result.height} px at {result.mm_per_px:g} mm/px: "
        f"keep {c['keep']}, remove {c['remove']}, watch {c['watch']}; add {c['added']}"
    )
    out.print(
        f"density over the treated area: {result.density_before_per_cm2:g} -> "
        f"{result.density_after_per_cm2:g} per cm² (target {result.target_density_per_cm2:g})"
    )
    for z in result.zones:
        if z.before or z.added:
            out.print(
                f"  {z.zone}: {z.before} dots, keep {z.keep}, remove {z.remove}, watch {z.watch}, "
                f"add {z.added}; {z.density_before_per_cm2:g} -> {z.density_after_per_cm2:g} per cm² "
                f"(target {z.target_per_cm2:g})"
            )
    laser = result.laser
    if laser.needed:
        spot = "test spot first, read after 14 days; " if laser.test_spot else ""
        out.print(
            f"laser: {laser.dots} dots, {spot}{laser.sessions_expected} sessions at {laser.wavelength_nm} nm "
            f"every {laser.interval_weeks} weeks (Kirby-Desai {laser.kirby_desai_score}: up to "
            f"{laser.sessions_kirby_desai}), on days {', '.join(map(str, laser.schedule_days))}"
        )
    else:
        out.print("laser: not needed")
    resmp = result.resmp
    if resmp.needed:
        out.print(
            f"re-SMP: {resmp.dots} dots in {resmp.sessions} session(s) "
            f"({', '.join(map(str, resmp.dots_per_session))}), at least {resmp.interval_days} days apart, "
            f"from day {resmp.schedule_days[0]}"
            + (f" ({resmp.wait_after_laser_days} days after the last laser session)" if laser.needed else "")
        )
    else:
        out.print("re-SMP: no dots to add")
    for w in result.warnings:
        out.print(f"warning: {w}")
    for path in result.files.values():
        out.print(f"wrote {path}")


def register(app: typer.Typer) -> None:
    """Add ``smp repair`` to the root app."""
    app.add_typer(repair_app, name="repair")
