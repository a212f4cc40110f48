"""Suggested anchors for a photo: the landmarks file's format with a confidence per point, from OpenCV's
bundled face and eye detectors (:mod:`smpstudio.photo.face_guess`) when the ``photo`` extra is installed.

No guess is possible for views that show no face (top, back, the sides), for photos where no face is found
(most scalp close-ups), or without OpenCV; each is an :class:`~smpstudio.errors.InputError` (exit 2) saying
why, and the practitioner clicks the anchors instead.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from smpstudio.errors import InputError
from smpstudio.photo.anchors import PHOTO_VIEWS
from smpstudio.photo.face_guess import GUESS_VIEWS, guess_from_face
from smpstudio.photo.image_io import read_photo
from smpstudio.services.models import Request, Result
from smpstudio.services.photo_preview import DEFAULT_MAX_PHOTO_PIXELS

__all__ = ["LandmarksGuessRequest", "LandmarksGuessResult", "guess_landmarks"]


class LandmarksGuessRequest(Request):
    """The photo and the view it was taken from."""

    photo: bytes = Field(repr=False)
    view: str = "front"
    max_photo_pixels: int = Field(DEFAULT_MAX_PHOTO_PIXELS, ge=1)


class LandmarksGuessResult(Result):
    """A landmarks document (``view``, ``points_px``, ``ruler``) with a ``confidence`` (0-1) per point, the
    suggested scale at the canthi and the method."""

    view: str
    points_px: dict[str, list[float]]
    ruler: dict[str, Any]
    confidence: dict[str, float]
    mm_per_px: float
    width: int
    height: int
    method: str
    warnings: list[str]


def guess_landmarks(request: LandmarksGuessRequest) -> LandmarksGuessResult:
    """Suggest anchors for a photo (see the module docstring)."""
    if request.view not in PHOTO_VIEWS:
        raise InputError(f"unknown view {request.view!r}", field="view", allowed=", ".join(PHOTO_VIEWS))
    if request.view not in GUESS_VIEWS:
        raise InputError(
            f"no automatic guess for a {request.view} view: it shows no face; click the anchors",
            field="view",
            allowed=", ".join(GUESS_VIEWS),
            code="no_guess",
        )
    photo = read_photo(request.photo, max_pixels=request.max_photo_pixels, field="photo")
    try:
        guess = guess_from_face(photo.srgb8)
    except ImportError:
        raise InputError(
            "the automatic guess needs OpenCV (the photo extra); click the anchors instead",
            field="photo",
            code="no_guess",
        ) from None
    if guess is None:
        raise InputError(
            "no face found in the photo: click the anchors instead",
            field="photo",
            allowed="a photo that shows the face, or clicked anchors",
            code="no_guess",
        )
    r, lft = guess.points_px["lateral_canthus_right"], guess.points_px["lateral_canthus_left"]
    span = ((lft[0] - r[0]) ** 2 + (lft[1] - r[1]) ** 2) ** 0.5
    return LandmarksGuessResult(
        view=request.view,
        points_px={k: [round(v[0], 1), round(v[1], 1)] for k, v in guess.points_px.items()},
        ruler={
            "a": [round(r[0], 1), round(r[1], 1)],
            "b": [round(lft[0], 1), round(lft[1], 1)],
            "mm": guess.ruler_mm,
        },
        confidence=guess.confidence,
        mm_per_px=round(guess.ruler_mm / max(span, 1e-9), 5),
        width=photo.cols,
        height=photo.rows,
        method=guess.method,
        warnings=[
            *guess.notes,
            "the ruler assumes an average adult biocular breadth: replace it with a measured one if you can",
        ],
    )
