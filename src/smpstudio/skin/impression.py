"""An impression: what one needle entry deposits, from needle, depth, ink, ink fraction and hand.

Needles are named as cartridges are: ``<count>RL-<diameter mm>`` (1RL-0.18 … 7RL-0.35), round liners
of ``count`` needles ([clinic-technique] [C] in docs/references.md: 1RL and 3RL dominate; 0.18-0.35 mm,
#08 = 0.25 mm).

Deposit model (calibration defaults, [M] unless stated; every number configurable):

* fresh dot diameter: the cluster's footprint, one needle's diameter for 1RL and about
  ``sqrt(count) × diameter`` for a round cluster, times ``1 + 0.15 (passes - 1)`` for extra passes; a
  0.25 mm single needle gives the "about 250 µm when fresh" practitioners report [C];
* deposit top at ``depth_mm`` (a target layer may be named: papillary dermis 0.2 mm, reticular 0.8 mm);
  the deposit's thickness is its pigment's (:data:`~smpstudio.skin.pigments.PIGMENTS`: 0.10 mm for SMP
  carbon, 0.15 mm for tattoo black, 0.12 mm for iron-oxide black), whatever the depth;
* blow-out: below 0.35 mm, the bottom of the upper (sub-papillary) blood net under the papillary dermis
  in Meglinski & Matcher's layered skin (stratum corneum 20 µm, living epidermis 80 µm, papillary dermis
  150 µm, upper blood net 80-100 µm [meglinski2002]), ink spreads laterally, widening the dot by 60 % per
  mm of extra depth [M], the "blurred impression or blow-out" of deep work (Brandwood Clinic
  [clinic-technique] [C]);
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
#: Depth below which deposits blow out [mm] ([meglinski2002]; see the module docstring).
BLOWOUT_FROM_MM = 0.35
#: Lateral widening of a deposit per mm below :data:`BLOWOUT_FROM_MM` [mm⁻¹] (calibration default [M]).
BLOWOUT_WIDENING_PER_MM = 0.6
#: Widening of the fresh dot per extra pass [-] (calibration default [M]).
PASS_WIDENING = 0.15


@dataclass(frozen=True, slots=True)
class Needle:
    """A round-liner cartridge: ``count`` needles of ``diameter_mm``.

    Parameters
    ----------
    count : int
        Needles in the cluster, 1-7 (1RL and 3RL dominate SMP [1]_). [-]
    diameter_mm : float
        Diameter of one needle, 0.15-0.40; 0.18-0.35 mm in SMP, #08 = 0.25 mm [1]_. [mm]

    Raises
    ------
    InputError
        If ``count`` or ``diameter_mm`` is out of range.

    References
    ----------
    .. [1] Practitioners' needle, depth and dilution figures ([clinic-technique] in docs/references.md),
       e.g. https://robjamessmp.com/what-is-the-best-size-needle-for-scalp-micropigmentation/

    Examples
    --------
    >>> needle = Needle(3, 0.25)
    >>> needle.name, round(needle.footprint_mm, 4)
    ('3RL-0.25', 0.433)
    """

    count: int
    diameter_mm: float

    def __post_init__(self) -> None:
        check_range("needle count", self.count, 1, 7)
        check_range("needle diameter_mm", self.diameter_mm, 0.15, 0.40, unit="mm")

    @property
    def name(self) -> str:
        """The cartridge name, ``<count>RL-<diameter mm>``."""
        return f"{self.count}RL-{self.diameter_mm:.2f}"

    @property
    def footprint_mm(self) -> float:
        """Diameter of the cluster's entry, ``sqrt(count) × diameter`` (a round cluster). [mm]"""
        return self.diameter_mm * math.sqrt(self.count)


def parse_needle(text: str) -> Needle:
    """Read a cartridge name.

    Parameters
    ----------
    text : str
        ``<count>RL-<diameter mm>``, e.g. ``"3RL-0.25"``; case and spaces are ignored.

    Returns
    -------
    needle : Needle
        The cartridge.

    Raises
    ------
    InputError
        If ``text`` is not a needle name or its values are out of range (``field`` ``needle`` or the
        value's name).

    Examples
    --------
    >>> parse_needle("1rl-0.18")
    Needle(count=1, diameter_mm=0.18)
    """
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

    Parameters
    ----------
    needle : Needle
        The cartridge.
    depth_mm : float
        Depth of the deposit's top below the surface, 0.05-3 (:data:`TARGET_LAYERS`: papillary dermis
        0.2, reticular dermis 0.8). [mm]
    ink : {'smp-carbon', 'tattoo-black', 'iron-oxide-black'}, default 'smp-carbon'
        The ink (:data:`INKS` maps it to a pigment model).
    ink_fraction : float, default 0.5
        Share of undiluted ink in what the needle carries, 0.02-1 (0.5 = "diluted 50 %"). [-]
    passes : int, default 1
        Needle passes over the same entry, 1-5. [-]

    Raises
    ------
    InputError
        If a value is out of range or the ink is unknown.

    Notes
    -----
    The sizes and ink load are calibration defaults [M] except the fresh diameter of a 0.25 mm single
    needle, about 250 µm as practitioners report [1]_.

    References
    ----------
    .. [1] Practitioners' needle, depth and dilution figures ([clinic-technique] in docs/references.md),
       e.g. https://www.brandwoodclinic.com/news-uk-birmingham/how-deep-is-your-pigment/

    Examples
    --------
    The SMP preset, and a deposit 1 mm below the blow-out depth:

    >>> TECHNIQUES["smp"].fresh_diameter_mm, TECHNIQUES["smp"].ink_load
    (0.25, 0.5)
    >>> round(Impression(Needle(1, 0.25), depth_mm=1.35).blowout_factor, 6)
    1.6
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
        """The ink's pigment model, a key of :data:`~smpstudio.skin.pigments.PIGMENTS`."""
        return INKS[self.ink]

    @property
    def fresh_diameter_mm(self) -> float:
        """Diameter of the deposit as placed, before any spread: the footprint widened by 15 % per extra
        pass. [mm]"""
        return self.needle.footprint_mm * (1.0 + PASS_WIDENING * (self.passes - 1))

    @property
    def blowout_factor(self) -> float:
        """Lateral widening of deep deposits: 1 above 0.35 mm, plus 0.6 per mm deeper. [-]"""
        return 1.0 + BLOWOUT_WIDENING_PER_MM * max(self.depth_mm - BLOWOUT_FROM_MM, 0.0)

    @property
    def deposit_diameter_mm(self) -> float:
        """Diameter of the deposit after blow-out, before healing. [mm]"""
        return self.fresh_diameter_mm * self.blowout_factor

    @property
    def ink_load(self) -> float:
        """Ink per unit area relative to an undiluted single pass, the dot's optical-depth scale: the ink
        fraction, plus 25 % per extra pass, spread over the blown-out area; at most 1. [-]"""
        return min(self.ink_fraction * (1.0 + 0.25 * (self.passes - 1)) / self.blowout_factor**2, 1.0)


#: Technique presets of ``smp simulate --technique``.
TECHNIQUES = {
    # SMP: fine needle, papillary dermis, diluted carbon ink ([clinic-technique] [C]).
    "smp": Impression(Needle(1, 0.25), depth_mm=0.2, ink="smp-carbon", ink_fraction=0.5),
    # Tattoo: larger cluster, deeper, concentrated ink ([clinic-technique]; [engel2008]).
    "tattoo": Impression(Needle(5, 0.35), depth_mm=1.0, ink="tattoo-black", ink_fraction=1.0),
}
