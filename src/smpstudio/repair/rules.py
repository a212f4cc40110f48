"""What counts as a dot in a close-up, and when a dot is oversize, blown out, blue or merged.

Every threshold is a configurable default with its range (:class:`DetectionRules`); where it comes from:

* **Healed-dot range.** The apparent healed spot is the deposit blurred by the skin above it
  (:mod:`smpstudio.skin.healed_dot`): with healed deposits of 0.07-0.15 mm [clinic-dot-size] at SMP
  depths of 0.1-0.3 mm [clinic-technique], the model gives spots of about 0.22-0.57 mm FWHM over skin
  types I-VI and the three pigments (``tests/unit/test_repair_rules.py`` recomputes both ends from the
  appearance table and checks the thresholds against them). A spot narrower than
  :attr:`~DetectionRules.min_dot_fwhm_mm` (0.15 mm) is no healed dot (a pore, a hair seen end-on, noise);
  one wider than :attr:`~DetectionRules.oversize_fwhm_mm` (0.6 mm) is oversize; one wider than
  :attr:`~DetectionRules.max_dot_fwhm_mm` (2.0 mm, beyond the 1.25-1.35 mm the model gives for a 0.4 mm
  deposit at 1.5 mm, a deep tattoo blow-out) is a lesion (freckle, mole, scar), not a dot.
* **Colour.** A pigment dot is a darkening that is at least as blue as a neutral filter over the same skin
  (its blue shift, :func:`smpstudio.skin.colour_shift.blue_shift`, at or above the skin's
  :func:`~smpstudio.skin.colour_shift.grey_blue_shift`): carbon, iron-oxide and tattoo blacks all are, at
  every depth, ink fraction and skin type of the appearance table (``tests/unit/test_repair_rules.py``),
  and deeper ink is bluer [kienle1996]. Melanin
  (freckles, moles, hair shafts) absorbs blue more than red, so those darken *browner* than a neutral
  filter; a spot more than :attr:`~DetectionRules.brown_margin` below the grey line is not a dot.
* **Blue.** The photo's typical dot is the median of its ordinary dots; a dot whose blue shift exceeds it by
  :attr:`~DetectionRules.blue_margin` (0.25, range 0.1-0.4) is blue. In the appearance table, carbon black
  moved from 0.15 mm to 0.5 mm deep gains 0.33-0.35 in blue shift on skin types I-III but only 0.11-0.22 on
  types IV-VI ([D]: derived from the table, ``tests/unit/test_repair_rules.py``): on dark skin the flag
  finds only the deepest dots. A dark skin's ordinary dots already read about 1.0-1.4, as a light skin's
  deep ones do, which is why the comparison is within the photo.
* **Blow-out.** Ink spread deep and wide reads large, soft and faint [clinic-side-effects]: oversize, with
  a contrast below :attr:`~DetectionRules.blowout_contrast_share` (0.6) of the typical dot's and a soft
  edge (20-80 % edge width over FWHM at least :attr:`~DetectionRules.blowout_softness`, 0.35; a Gaussian
  spot has 0.48, a sharp disc tends to 0). [D], kept as configurable defaults.
* **Merged.** Two deposits are one blob when they share one half-maximum outline: the contrast on the
  segment between them never falls below half the stronger one's peak (a faint blow-out beside a crisp dot
  is not merged with it). Two maxima whose dip is less than 1 - :attr:`~DetectionRules.same_spot_saddle`
  (10 %) of the weaker peak are noise on one spot, not two deposits. One peak whose half-maximum outline
  is :attr:`~DetectionRules.merged_aspect` (1.45) times longer than wide (and not a thin line) holds two
  deposits closer than a FWHM apart: two equal Gaussian spots one FWHM apart have an
  outline about twice as long as wide; a faint oversize spot (a blow-out) is not split. [D]
* **Lines.** A spot at least :attr:`~DetectionRules.line_aspect` (3) times longer than wide, or whose width
  is below the smallest dot's, is a hair shaft or a stubble hair lying on the skin [robbins2012].
* **Helmet.** Over-density: more than :attr:`~DetectionRules.helmet_density_per_cm2` (150 per cm², range
  120-250) deposits, against 60-100 follicular units per cm² on a natural scalp [follicular-units] and dots
  about 1 mm apart in SMP [rassman2015]; what practitioners call the helmet look [clinic-helmet].
"""

from __future__ import annotations

from dataclasses import dataclass

from smpstudio.errors import check_range

__all__ = ["DEFAULT_RULES", "DetectionRules"]


@dataclass(frozen=True, slots=True)
class DetectionRules:
    """Thresholds of the dot detector and of its flags; each a default within its range.

    Parameters
    ----------
    min_dot_fwhm_mm : float, default 0.15
        Narrowest healed dot, 0.10-0.20. [mm]
    oversize_fwhm_mm : float, default 0.6
        Widest healed dot; wider is ``oversize``, 0.5-0.8. [mm]
    max_dot_fwhm_mm : float, default 2.0
        Widest spot taken for a dot at all (blow-outs included), 1.5-3.0. [mm]
    brown_margin : float, default 0.15
        How far below the skin's grey line a spot's blue shift may fall and still be ink, 0.05-0.4. [-]
    blue_margin : float, default 0.25
        Blue shift above the photo's typical dot that makes a dot ``blue``, 0.1-0.4. [-]
    min_blue_delta_l : float, default 1.5
        Darkening (ΔL*) below which a dot's blue shift is too noisy to flag, 1-10. [-]
    blowout_contrast_share : float, default 0.6
        Contrast below this share of the typical dot's, with oversize and a soft edge: ``blowout``,
        0.3-0.9. [-]
    blowout_softness : float, default 0.35
        Edge width (20-80 %) over FWHM at or above which a spot is soft, 0.2-0.5. [-]
    same_spot_saddle : float, default 0.9
        Saddle over the weaker peak above which two maxima are one spot, 0.8-0.97. [-]
    merged_aspect : float, default 1.45
        Length over width of one peak's outline from which it holds two deposits, 1.3-1.8. [-]
    line_aspect : float, default 3.0
        Length over width from which a spot is a hair, 2.5-6. [-]
    min_contrast : float, default 0.04
        Weakest smoothed contrast above the local skin taken as a candidate, 0.01-0.2 ([D]: 0.03 let
        the light's gradient in a photo's corner through on the synthetic close-ups, 0.04 did not and
        kept their faintest dots). [-]
    noise_sigmas : float, default 4.0
        Candidates must also stand this many noise deviations (measured on the bare skin of the photo)
        above the local skin, 2-8. [-]
    helmet_density_per_cm2 : float, default 150.0
        Density above which an area is over-dense, 120-250. [1/cm²]
    density_kernel_mm : float, default 1.5
        Standard deviation of the Gaussian kernel of the density map, 1-10. [mm]
    """

    min_dot_fwhm_mm: float = 0.15
    oversize_fwhm_mm: float = 0.6
    max_dot_fwhm_mm: float = 2.0
    brown_margin: float = 0.15
    blue_margin: float = 0.25
    min_blue_delta_l: float = 1.5
    blowout_contrast_share: float = 0.6
    blowout_softness: float = 0.35
    same_spot_saddle: float = 0.9
    merged_aspect: float = 1.45
    line_aspect: float = 3.0
    min_contrast: float = 0.04
    noise_sigmas: float = 4.0
    helmet_density_per_cm2: float = 150.0
    density_kernel_mm: float = 1.5

    def __post_init__(self) -> None:
        check_range("min_dot_fwhm_mm", self.min_dot_fwhm_mm, 0.10, 0.20)
        check_range("oversize_fwhm_mm", self.oversize_fwhm_mm, 0.5, 0.8)
        check_range("max_dot_fwhm_mm", self.max_dot_fwhm_mm, 1.5, 3.0)
        check_range("brown_margin", self.brown_margin, 0.05, 0.4)
        check_range("blue_margin", self.blue_margin, 0.1, 0.4)
        check_range("min_blue_delta_l", self.min_blue_delta_l, 1.0, 10.0)
        check_range("blowout_contrast_share", self.blowout_contrast_share, 0.3, 0.9)
        check_range("blowout_softness", self.blowout_softness, 0.2, 0.5)
        check_range("same_spot_saddle", self.same_spot_saddle, 0.8, 0.97)
        check_range("merged_aspect", self.merged_aspect, 1.3, 1.8)
        check_range("line_aspect", self.line_aspect, 2.5, 6.0)
        check_range("min_contrast", self.min_contrast, 0.01, 0.2)
        check_range("noise_sigmas", self.noise_sigmas, 2.0, 8.0)
        check_range("helmet_density_per_cm2", self.helmet_density_per_cm2, 120.0, 250.0)
        check_range("density_kernel_mm", self.density_kernel_mm, 1.0, 10.0)


DEFAULT_RULES = DetectionRules()
