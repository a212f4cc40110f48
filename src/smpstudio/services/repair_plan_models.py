"""The request and result models of the repair plan (:func:`smpstudio.services.repair_plan.plan_repair`).

What a face sends (:class:`RepairPlanRequest`) and what every face prints (:class:`RepairPlanResult`): the
dots with their classes, the zones, the added dots, the laser and re-SMP parts; the images ride along as
PNG bytes and are not printed.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field

from smpstudio.services.models import Request, Result

__all__ = [
    "AddedDot",
    "DotClass",
    "LaserPlanResult",
    "PlanDot",
    "RepairPlanRequest",
    "RepairPlanResult",
    "ResmpPlanResult",
    "ZoneCounts",
]

DotClass = Literal["keep", "remove", "watch"]


class RepairPlanRequest(Request):
    """A photo, its scale, the target (a design with a new hairline drawn on a close-up, or with the
    photo's anchors) and what the photo cannot show: skin type, ink, scarring; the practitioner's
    corrections (dot index to class) and whether to draw the images."""

    image: bytes = Field(repr=False)
    mm_per_px: float | None = Field(default=None, gt=0)
    ruler_mm: float | None = Field(default=None, gt=0)
    design: dict[str, Any] | None = None
    landmarks: dict[str, Any] | None = None
    hairline_px: list[list[float]] | None = None
    skin_type: Literal["I", "II", "III", "IV", "V", "VI"] = "III"
    front: Literal["top", "bottom", "left", "right"] = "top"
    ink: Literal["carbon", "iron-oxide", "titanium-dioxide", "unknown"] = "unknown"
    scarring: Literal["none", "minimal", "moderate", "significant"] = "none"
    corrections: dict[int, DotClass] = Field(default_factory=dict)
    over_dense_margin: float = Field(default=0.5, ge=0.2, le=1.0)
    seed: int = Field(default=0, ge=0, le=2**32 - 1)
    images: bool = False


class PlanDot(Result):
    """One existing dot: centre (x right, y down, pixel centres at integers), apparent diameter, the
    detector's flags, its class and why, its zone, and whether a practitioner set the class."""

    model_config = ConfigDict(extra="forbid", frozen=True, serialize_by_alias=True, populate_by_name=True)

    index: int
    x_px: float
    y_px: float
    diameter_mm: float
    flags: list[str]
    dot_class: DotClass = Field(alias="class")
    reasons: list[str]
    zone: str
    corrected: bool


class AddedDot(Result):
    x_px: float
    y_px: float
    zone: str


class ZoneCounts(Result):
    """Dots per class in one zone, before and after, and the densities against the target. [per cm²]"""

    zone: str
    area_cm2: float
    target_per_cm2: float
    before: int
    keep: int
    remove: int
    watch: int
    added: int
    after: int
    density_before_per_cm2: float
    density_after_per_cm2: float


class LaserPlanResult(Result):
    """The laser part: the Kirby-Desai inputs (``inputs``, each measured from the photo or given), the
    care rules' estimate, the test spot and the schedule in days from the first visit."""

    needed: bool
    dots: int
    inputs: dict[str, Any]
    kirby_desai_score: int | None
    sessions_kirby_desai: int | None
    sessions_expected: int
    sessions_expected_range: list[int] | None
    interval_weeks: int | None
    interval_weeks_range: list[int] | None
    wavelength_nm: int | None
    test_spot: bool
    schedule_days: list[int]
    recommendation: str | None
    warnings: list[str]
    sources: list[str]
    rules_version: str


class ResmpPlanResult(Result):
    """The re-SMP part: dots and sessions, the wait after the laser and the interval with their sources,
    the schedule in days from the first visit."""

    needed: bool
    dots: int
    new_share: float
    sessions: int
    dots_per_session: list[int]
    interval_days: int
    wait_after_laser_days: int
    wait_source: str
    interval_source: str
    schedule_days: list[int]


class RepairPlanResult(Result):
    """The plan (the JSON every face prints); the images are carried as PNG bytes, not printed."""

    width: int
    height: int
    mm_per_px: float
    scale_from: Literal["given", "ruler", "anchors"]
    ruler: dict[str, Any] | None = None
    count: int
    target: dict[str, Any]
    classes: dict[str, int]
    dots: list[PlanDot]
    zones: list[ZoneCounts]
    added: list[AddedDot]
    density_before_per_cm2: float
    density_after_per_cm2: float
    target_density_per_cm2: float
    after_over_target_max: float
    laser: LaserPlanResult
    resmp: ResmpPlanResult
    rules: dict[str, float]
    warnings: list[str]
    files: dict[str, str] = Field(default_factory=dict)
    plan_png: bytes | None = Field(default=None, exclude=True, repr=False)
    after_removal_png: bytes | None = Field(default=None, exclude=True, repr=False)
    after_resmp_png: bytes | None = Field(default=None, exclude=True, repr=False)

    def stored_at(self, files: dict[str, str]) -> RepairPlanResult:
        """The same result, saying where the face stored the images (``plan``, ``after_removal``,
        ``after_resmp``)."""
        return self.model_copy(update={"files": dict(files)})
