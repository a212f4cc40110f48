"""``smp landmarks``, and ``smp preview --photo``: the consultation on the client's own photo
(:mod:`smpstudio.services.photo_preview`, :mod:`smpstudio.services.landmarks_guess`).

Every file is checked before any work: the outputs' folders and suffixes, then the inputs read whole within
their limits. A refused photo writes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from smpstudio.cli.common import JsonFlag, emit_json, err, out, run, settings, status
from smpstudio.cli.files import DESIGN_LIMIT, TEXT_LIMIT, check_output, read_input, write_atomic

__all__ = ["PHOTO_LIMIT", "landmarks", "photo_preview", "refuse_without_photo", "register"]

#: The most bytes read of a photo: a 120-megapixel JPEG or WebP is well within it.
PHOTO_LIMIT = 150 << 20
#: Image file extensions and the encoding each gets.
SUFFIXES = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".webp": "webp"}


def photo_preview(
    *,
    design_file: Path,
    photo: Path,
    landmarks_file: Path | None,
    mask: Path | None,
    out_path: Path,
    overlay: Path | None,
    before_after: Path | None,
    skin_type: str,
    day: float | None,
    depth_mm: float,
    pigment: str,
    as_json: bool,
) -> None:
    """``smp preview --photo``: the design drawn on the client's photo (see the module docstring)."""
    from smpstudio.errors import InputError
    from smpstudio.services.design import parse_design
    from smpstudio.services.photo_preview import PhotoPreviewRequest, PhotoPreviewResult, check_photo
    from smpstudio.services.photo_preview import photo_preview as draw

    def action() -> PhotoPreviewResult:
        if landmarks_file is None:
            raise InputError(
                "required with a photo",
                field="landmarks",
                allowed="a landmarks file (JSON); see smp landmarks",
            )
        check_output(out_path, "out", SUFFIXES)
        if overlay is not None:
            check_output(overlay, "overlay", SUFFIXES)
        if before_after is not None:
            check_output(before_after, "before_after", SUFFIXES)
        photo_bytes = read_input(photo, "photo", limit=PHOTO_LIMIT)
        check_photo(photo_bytes, max_pixels=settings().max_photo_pixels)  # before the design is read
        request = PhotoPreviewRequest.of(
            photo=photo_bytes,
            landmarks=read_input(landmarks_file, "landmarks", limit=TEXT_LIMIT).decode("utf-8", "replace"),
            mask=None if mask is None else read_input(mask, "mask", limit=PHOTO_LIMIT),
            skin_type=skin_type,
            depth_mm=depth_mm,
            pigment=pigment,
            max_photo_pixels=settings().max_photo_pixels,
            format=SUFFIXES[out_path.suffix.lower()],
            overlay_format=None if overlay is None else SUFFIXES[overlay.suffix.lower()],
            before_after_format=None if before_after is None else SUFFIXES[before_after.suffix.lower()],
            **({} if day is None else {"day": day}),
        )
        doc = parse_design(read_input(design_file, "design", limit=DESIGN_LIMIT))
        with status("Drawing on the photo...", as_json):
            result = draw(doc, request)
        stored_overlay = stored_pair = None
        if overlay is not None and result.overlay_image is not None:
            stored_overlay = str(write_atomic(overlay, result.overlay_image))
        if before_after is not None and result.before_after_image is not None:
            stored_pair = str(write_atomic(before_after, result.before_after_image))
        return result.stored_at(str(write_atomic(out_path, result.image)), stored_overlay, stored_pair)

    result = run(action)
    if as_json:
        emit_json(result.to_json())
        return
    out.print(
        f"wrote {result.out} ({result.width} x {result.height} px, day {result.day:g}): "
        f"{result.dots_drawn} dots drawn, {result.dots_hidden} hidden; fit {result.fit_error_px:.1f} px "
        f"= {result.fit_error_mm:.1f} mm; {result.mm_per_px:.3f} mm/px; tone match ΔE00 "
        f"{result.tone_match_delta_e00:.1f}",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )
    for path in (result.overlay, result.before_after):
        if path:
            out.print(f"wrote {path}", highlight=False, markup=False, soft_wrap=True)
    for warning in result.warnings:
        err.print(f"warning: {warning}", highlight=False, markup=False, soft_wrap=True)


def landmarks(
    photo: Annotated[
        Path, typer.Argument(help="The client's photo (JPEG, PNG, WebP; HEIC with the photo extra).")
    ],
    view: Annotated[
        str, typer.Option(help="front, top, left, right, back or three-quarter: how the photo was taken.")
    ] = "front",
    as_json: JsonFlag = False,
) -> None:
    """Suggest anchors for a photo from OpenCV's bundled face and eye detectors (the photo extra), in the
    landmarks-file format with a confidence per point; exit 2 when no guess is possible."""
    from smpstudio.services.landmarks_guess import (
        LandmarksGuessRequest,
        LandmarksGuessResult,
        guess_landmarks,
    )

    def action() -> LandmarksGuessResult:
        request = LandmarksGuessRequest.of(
            photo=read_input(photo, "photo", limit=PHOTO_LIMIT),
            view=view,
            max_photo_pixels=settings().max_photo_pixels,
        )
        return guess_landmarks(request)

    result = run(action)
    if as_json:
        emit_json(result.to_json())
        return
    import json

    out.print(json.dumps(result.to_json(), indent=2), highlight=False, markup=False, soft_wrap=True)
    for warning in result.warnings:
        err.print(f"warning: {warning}", highlight=False, markup=False, soft_wrap=True)


def refuse_without_photo(flags: list[str]) -> None:
    """Exit 2 naming the first of ``flags``, options that only a photo preview takes."""
    from smpstudio.errors import InputError

    def action() -> None:
        raise InputError(
            f"{flags[0]} needs --photo",
            field=flags[0].lstrip("-").replace("-", "_"),
            allowed="--photo and --landmarks",
        )

    run(action)


def register(app: typer.Typer) -> None:
    app.command()(landmarks)
