"""Removal estimate: the Kirby-Desai score, the sessions it predicts, and what the SMP literature expects.

Kirby-Desai (Kirby et al. 2009 [kirby2009], PMC2923953 [A]): the sum of six points approximates the laser
sessions for satisfactory removal (r = 0.757, about ±2.5 sessions), derived with Q-switched Nd:YAG about 6
weeks apart; it over-predicts with modern lasers, so for SMP it is an upper bound and the SMP figure (1-3
picosecond 1064 nm sessions, Wu 2020 [wu2020] [A]) is given beside it. The middle point values are
unverified against the paper's Table 1 (the rules file says which); every answer carries that note.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from smpstudio.care.rules import RuleSet
from smpstudio.errors import InputError, check_choice

__all__ = ["FACTORS", "PIGMENT_CONTENTS", "RemovalEstimate", "estimate_removal"]

FACTORS = ("skin_type", "location", "colour", "ink_amount", "scarring", "layering")
PIGMENT_CONTENTS = ("iron-oxide", "titanium-dioxide")
DARK_SKIN = ("IV", "V", "VI")


@dataclass(frozen=True)
class RemovalEstimate:
    kirby_desai_score: int
    sessions_kirby_desai: int
    sessions_expected_smp: int
    sessions_expected_smp_range: tuple[int, int]
    interval_weeks: int
    interval_weeks_range: tuple[int, int]
    wavelength_nm: int
    warnings: list[str]
    recommendation: str
    sources: list[str]
    rules_version: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "kirby_desai_score": self.kirby_desai_score,
            "sessions_kirby_desai": self.sessions_kirby_desai,
            "sessions_expected_smp": self.sessions_expected_smp,
            "sessions_expected_smp_range": list(self.sessions_expected_smp_range),
            "interval_weeks": self.interval_weeks,
            "interval_weeks_range": list(self.interval_weeks_range),
            "wavelength_nm": self.wavelength_nm,
            "warnings": self.warnings,
            "recommendation": self.recommendation,
            "sources": self.sources,
            "rules_version": self.rules_version,
        }


def estimate_removal(
    rules: RuleSet,
    *,
    skin_type: str,
    location: str,
    colour: str,
    ink_amount: str,
    scarring: str,
    layering: str,
    pigment_contains: tuple[str, ...] = (),
    smp: bool = True,
) -> RemovalEstimate:
    """Score and plan a removal (see the module docstring)."""
    cfg = rules.data["removal"]
    points = cfg["points"]
    values = dict(
        skin_type=skin_type,
        location=location,
        colour=colour,
        ink_amount=ink_amount,
        scarring=scarring,
        layering=layering,
    )
    score = sum(points[f][check_choice(f, values[f], points[f])] for f in FACTORS)
    for p in pigment_contains:
        if p not in PIGMENT_CONTENTS:
            raise InputError(
                f"unknown pigment content {p!r}",
                field="pigment_contains",
                allowed=", ".join(PIGMENT_CONTENTS),
            )
    warnings = [
        f"Kirby-Desai: about ±{cfg['error_sessions']:g} sessions; an upper bound with modern lasers. "
        + cfg["verification"]
    ]
    darkening = bool(pigment_contains)
    if darkening:
        warnings.append(cfg["darkening_warning"])
    dark = skin_type in DARK_SKIN
    interval = cfg["interval_weeks_dark_skin"] if dark else cfg["interval_weeks"]
    interval_range = cfg["interval_weeks_dark_skin_range"] if dark else cfg["interval_weeks_range"]
    low, high = cfg["smp_sessions_range"]
    if darkening:
        recommendation = (
            "Test spot first (about 3 mm), re-checked after 14 days; "
            "laser the area only if it does not darken, "
            "otherwise refer for surgical removal. Do not add pigment to hide it."
        )
    elif scarring in ("moderate", "significant") or layering == "cover-up":
        recommendation = (
            "Laser (1064 nm) to clear the region, then redo the SMP once healed; "
            "adding pigment over scarred or "
            "layered work makes it worse."
        )
    else:
        recommendation = (
            f"Laser at {cfg['wavelength_nm']} nm (picosecond preferred), "
            f"about {cfg['smp_sessions_expected']} sessions ({low}-{high}) every {interval} weeks, "
            "then redo if wanted. If the dots are crisp and only too light or sparse, adding pigment "
            "is the better repair; for blow-out, colour shift or over-saturation, laser only."
        )
    recommendation += " " + cfg["salabrasion"]
    return RemovalEstimate(
        kirby_desai_score=int(score),
        sessions_kirby_desai=int(score),
        sessions_expected_smp=int(min(cfg["smp_sessions_expected"], score)) if smp else int(score),
        sessions_expected_smp_range=(int(low), int(min(high, score))),
        interval_weeks=int(interval),
        interval_weeks_range=(int(interval_range[0]), int(interval_range[1])),
        wavelength_nm=int(cfg["wavelength_nm"]),
        warnings=warnings,
        recommendation=recommendation,
        sources=[cfg["source"], cfg["smp_source"], cfg["wavelength_source"], cfg["interval_source"]]
        + ([cfg["darkening_source"]] if darkening else []),
        rules_version=rules.version,
    )
