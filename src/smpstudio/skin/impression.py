"""An impression: what one needle entry deposits, from needle, depth, ink, ink fraction and hand.

Needles are named as cartridges are: ``<count>RL-<diameter mm>`` (1RL-0.18 … 7RL-0.35), round liners
of ``count`` needles ([clinic-technique] [C] in docs/references.md: 1RL and 3RL dominate; 0.18-0.35 mm,
#08 = 0.25 mm).

Deposit model (calibration defaults, [M] unless stated; every number configurable):

* fresh dot diameter: the cluster's footprint, one needle's diameter for 1RL and about
  ``sqrt(count) × diameter`` for a round cluster, times ``1 + 0.15 (passes - 1)`` for extra passes; a
  0.25 mm single needle gives the "about 250 µm when fresh" practitioners report [C];
* deposit top at ``depth_mm`` (a target layer may be named: papillary dermis 0.2 mm, reticular 0.8 mm);
  the deposit is 0.1 mm thick in the papillary dermis ([wang1992] case) and thicker deeper;
* blow-out: below 0.35 mm (the papillary/reticular boundary of the scalp model, [meglinski2002]) ink
  spreads laterally, widening the dot by 60 % per mm of extra depth [M], the "blurred impression or
  blow-out" of deep work (Brandwood Clinic [C]);
* ink mass in proportion to the ink fraction (the share of undiluted ink), cluster area and passes;
  it sets the dot's optical depth through the pigment's calibration (:mod:`smpstudio.skin.pigments`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from smpstudio.errors import InputError, check_choice, check_range

__all__ = ["INKS", "TARGET_LAYERS", "TECHNIQUES", "Impression", "Needle", "parse_needle"]

#: Ink names -> pigment model (smpstudio.skin.pigments).
INKS = {"smp-carbon": "carbon-black", "tattoo-black": "tattoo-black", "iron-oxide-black": "iron-oxide-black"}
#: Named target layers -> deposit top depth [mm] ([meglinski2002], [clinic-technique]).
TARGET_LAYERS = {"papillary-dermis": 0.2, "reticular-dermis": 0.8}
BLOWOUT_FROM_MM = 0.35
BLOWOUT_WIDENING_PER_MM = 0.6
PASS_WIDENING = 0.15


@dataclass(frozen=True, slots=True)
class Needle:
    """A round-liner cartridge: ``count`` needles of ``diameter_mm``."""

    count: int
    diameter_mm: float

    def __post_init__(self) -> None:
        check_range("needle count", self.count, 1, 7)
        check_range("needle diameter_mm", self.diameter_mm, 0.15, 0.40, unit="mm")

    @property
    def name(self) -> str:
        return f"{self.count}RL-{self.diameter_mm:.2f}"

    @property
    def footprint_mm(self) -> float:
        """Diameter of the cluster's entry. [mm]"""
        return self.diameter_mm * math.sqrt(self.count)


def parse_needle(text: str) -> Needle:
    """``"3RL-0.25"`` -> :class:`Needle`."""
    match = re.fullmatch(r"\s*(\d)\s*RL\s*-\s*(\d*\.?\d+)\s*", text, flags=re.IGNORECASE)
    if not match:
        raise InputError(
            f"{text!r} is not a needle name",
            field="needle",
            allowed="<count>RL-<diameter mm>, e.g. 1RL-0.18, 3RL-0.25, 5RL-0.35",
        )
    return Needle(int(match.group(1)), float(match.group(2)))


@dataclass(frozen=True, slots=True)
class Impression:
    """One needle entry (see the module docstring).

    ``ink_fraction`` is the share of undiluted ink in what the needle carries (0.5 = "diluted 50 %").
    """

    needle: Needle
    depth_mm: float
    ink: str = "smp-carbon"
    ink_fraction: float = 0.5
    passes: int = 1

    def __post_init__(self) -> None:
        check_range("depth_mm", self.depth_mm, 0.05, 3.0, unit="mm")
        check_choice("ink", self.ink, INKS)
        check_range("ink_fraction", self.ink_fraction, 0.02, 1.0)
        check_range("passes", self.passes, 1, 5)

    @property
    def pigment(self) -> str:
        return INKS[self.ink]

    @property
    def fresh_diameter_mm(self) -> float:
        """Diameter of the deposit as placed, before any spread. [mm]"""
        return self.needle.footprint_mm * (1.0 + PASS_WIDENING * (self.passes - 1))

    @property
    def blowout_factor(self) -> float:
        """Lateral widening of deep deposits (1 above the reticular dermis). [-]"""
        return 1.0 + BLOWOUT_WIDENING_PER_MM * max(self.depth_mm - BLOWOUT_FROM_MM, 0.0)

    @property
    def deposit_diameter_mm(self) -> float:
        return self.fresh_diameter_mm * self.blowout_factor

    @property
    def ink_load(self) -> float:
        """Ink per unit area relative to an undiluted single pass, the dot's optical-depth scale. [-]"""
        return min(self.ink_fraction * (1.0 + 0.25 * (self.passes - 1)) / self.blowout_factor**2, 1.0)


#: Technique presets of ``smp simulate --technique``.
TECHNIQUES = {
    # SMP: fine needle, papillary dermis, diluted carbon ink ([clinic-technique] [C]).
    "smp": Impression(Needle(1, 0.25), depth_mm=0.2, ink="smp-carbon", ink_fraction=0.5),
    # Tattoo: larger cluster, deeper, concentrated ink ([clinic-technique]; [engel2008]).
    "tattoo": Impression(Needle(5, 0.35), depth_mm=1.0, ink="tattoo-black", ink_fraction=1.0),
}
