"""The requests and results of the repair consultation kept on the client's record
(:mod:`smpstudio.services.repair_records`)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator

from smpstudio.errors import InputError
from smpstudio.services.fields import SKIN_TYPES, Id, OptionalId, choice, in_range
from smpstudio.services.models import Request, Result
from smpstudio.services.repair_analysis import (
    FRONTS,
    INKS,
    SCARRING,
    DotClass,
    Front,
    Ink,
    Scarring,
    check_hairline,
)

__all__ = [
    "ClientRepairsRequest",
    "CorrectDotsRequest",
    "RepairDotView",
    "RepairImage",
    "RepairImageRequest",
    "RepairList",
    "RepairMapRequest",
    "RepairMapView",
    "RepairSummary",
    "SetHairlineRequest",
    "StartRepairRequest",
]

SkinType = Literal["I", "II", "III", "IV", "V", "VI"]
Which = Literal["photo", "plan", "after-removal", "after-resmp"]
#: The images a repair map renders.
WHICH: tuple[str, ...] = ("photo", "plan", "after-removal", "after-resmp")
#: A correction: a class, or ``auto`` to go back to the class the analysis gave.
Correction = Literal["keep", "remove", "watch", "auto"]


class StartRepairRequest(Request):
    """A close-up of the client's existing SMP, its scale (``mm_per_px``, or ``px_per_mm`` measured on a
    ruler in the photo), the side towards the forehead, the ink, skin type and scarring; optionally the
    target hairline drawn on the photo and the client's design version to repair towards."""

    client_id: Id
    image: bytes = Field(repr=False, description="The close-up's bytes: JPEG, PNG or WebP.")
    mm_per_px: float | None = Field(None, gt=0, description="The photo's scale. [mm/px]")
    px_per_mm: float | None = Field(None, gt=0, description="The same scale the other way round. [px/mm]")
    hairline_px: list[list[float]] | None = Field(None, description="Target hairline, [[x, y], ...]. [px]")
    design_version: OptionalId = None
    skin_type: Annotated[SkinType, choice(SKIN_TYPES)] = Field(description="Fitzpatrick I-VI.")
    front: Annotated[Front, choice(FRONTS)] = "top"
    ink: Annotated[Ink, choice(INKS)] = "unknown"
    scarring: Annotated[Scarring, choice(SCARRING)] = Field("none", description="Kirby-Desai step.")

    @field_validator("hairline_px", mode="before")
    @classmethod
    def _hairline(cls, value: object) -> list[list[float]] | None:
        return check_hairline(value)

    def scale_mm_per_px(self) -> float:
        """The scale in millimetres per pixel, given once either way round."""
        if (self.mm_per_px is None) == (self.px_per_mm is None):
            raise InputError(
                "give the photo's scale once", field="mm_per_px", allowed="mm_per_px or px_per_mm, not both"
            )
        return self.mm_per_px if self.mm_per_px is not None else 1.0 / float(self.px_per_mm or 1.0)


class RepairMapRequest(Request):
    """One repair map of a client."""

    client_id: Id
    repair_id: Id


class ClientRepairsRequest(Request):
    """A client's repair maps."""

    client_id: Id


class CorrectDotsRequest(Request):
    """The practitioner's classes for some dots, by dot index (``auto``: back to the analysis' class)."""

    client_id: Id
    repair_id: Id
    corrections: dict[int, Correction] = Field(max_length=20_000)


class SetHairlineRequest(Request):
    """The target hairline drawn on the photo (None: no target drawn)."""

    client_id: Id
    repair_id: Id
    hairline_px: list[list[float]] | None = Field(description="[[x, y], ...] on the photo. [px]")

    @field_validator("hairline_px", mode="before")
    @classmethod
    def _hairline(cls, value: object) -> list[list[float]] | None:
        return check_hairline(value)


class RepairImageRequest(Request):
    """One image of a repair map, at most ``max_width_px`` wide."""

    client_id: Id
    repair_id: Id
    which: Annotated[Which, choice(WHICH)] = "photo"
    max_width_px: Annotated[int, in_range(64, 4096, "px")] = 1600
    image_format: Annotated[Literal["png", "jpeg"], choice(("png", "jpeg"))] = "png"


class RepairSummary(Result):
    """A repair map as a list shows it: ids, scale, times, dots per class and the analysis' warnings."""

    id: int
    client_id: int
    photo_id: int
    design_id: int | None
    mm_per_px: float
    created_at: dt.datetime
    updated_at: dt.datetime
    dot_count: int
    counts: dict[str, int] = Field(description="Dots per class (keep, remove, watch).")
    corrected: int = Field(description="Dots whose class the practitioner changed.")
    warnings: list[str]


class RepairList(Result):
    """A client's repair maps, newest first, with the name and skin type on record (for the page)."""

    client_id: int
    client_name: str
    skin_type: str | None
    photo_consent: bool = Field(description="Whether the client's photography consent is open.")
    design_versions: list[int] = Field(description="The client's design versions, newest first.")
    repairs: list[RepairSummary]


class RepairDotView(Result):
    """One dot: its index (stable for the photo and scale), centre (x right, y down), apparent diameter,
    detection flags, class, the reasons for it and whether the practitioner set it."""

    index: int
    x_px: float
    y_px: float
    diameter_mm: float
    flags: list[str]
    dot_class: DotClass
    detected_class: DotClass = Field(description="The class the plan gave, before any correction.")
    reasons: list[str]
    zone: str = Field(description="hairline, front, body or outside (ahead of the target hairline).")
    corrected: bool


class RepairMapView(Result):
    """A repair map in full: the inputs, every dot, counts per class and zone, the hairlines and the plan."""

    summary: RepairSummary
    client_name: str
    width_px: int
    height_px: int
    front: str
    ink: str
    skin_type: str
    scarring: str
    design_version: int | None
    dots: list[RepairDotView]
    zone_counts: dict[str, dict[str, int]] = Field(description="Per zone, dots per class.")
    hairline_px: list[list[float]] | None = Field(description="The target hairline drawn. [px]")
    target_px: list[list[float]] = Field(description="The line the plan is made against. [px]")
    target_source: str = Field(description="drawn, detected (the dots' front edge) or photo edge.")
    added: list[dict[str, Any]] = Field(description="Dots to add: x_px, y_px, zone. [px]")
    detected_hairline_px: list[list[float]] | None = Field(description="The dots' front edge. [px]")
    not_dots: int = Field(description="Dark spots set aside as not dots.")
    plan: dict[str, Any] = Field(description="The laser and re-SMP plan, with the sources of its numbers.")


class RepairImage(Result):
    """An image rendered from the stored photo and document (no metadata)."""

    which: str
    media_type: str
    width_px: int
    height_px: int
    data: bytes = Field(exclude=True, repr=False)
