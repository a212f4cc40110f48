"""How a dot's colour differs from the skin's: darker, and how much bluer.

* :func:`blue_shift`: ``-Δb* / |ΔL*|`` in CIELAB ([cie15]), the dot's loss of yellow per unit of
  darkening; :func:`grey_blue_shift` is its value for a plain darkening of the same skin (a neutral
  filter), the line a dot must rise above to read bluer than a shadow.
* :func:`removed_fraction`: the share of the skin's remitted light the dot takes away per linear-sRGB
  channel, the reflectance contrast of the vein study of Kienle et al. ([kienle1996]): deep absorbers
  take away red far more than blue, because blue light is scattered back before it gets that deep.

Why not the blue/red ratio of the dot's own light: over a shallow opaque deposit the only light that
comes back is what the thin epidermis scatters before reaching it, which is bluer than anything else the
skin remits, so that ratio is highest for the shallowest dot and falls with depth, while the eye reads the
shallow dot as dark and the deep one as a bluish shadow. The lesson sits in how the difference splits
between darkening and hue, which is what :func:`blue_shift` measures.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

__all__ = ["blue_shift", "grey_blue_shift", "removed_fraction"]

FloatArray = NDArray[np.float64]


def blue_shift(dot_lab: Sequence[float] | FloatArray, skin_lab: Sequence[float] | FloatArray) -> float:
    """How much of a dot's difference from the skin is a move towards blue rather than a darkening.

    Parameters
    ----------
    dot_lab, skin_lab : sequence of float or ndarray of shape (3,)
        CIELAB (D65 white) of the dot and of the bare skin around it. [-]

    Returns
    -------
    shift : float
        ``-Δb* / |ΔL*|`` with ``Δ = dot - skin`` and ``|ΔL*|`` at least 10⁻⁶ [1]_: the dot's loss of
        yellow (a move towards blue on the b* axis) per unit of darkening. [-]

    Notes
    -----
    A neutral filter over the skin (the same spectrum, only darker) already reads
    :func:`grey_blue_shift` of the skin, ``b*/(L* + 16)``: b* shrinks with L* + 16 as both scale with
    the cube root of the luminance [1]_. A dot above that line is bluer than a plain darkening; deep ink
    lies well above it, because the light that reached the deposit and was absorbed there is mostly red:
    blue light is scattered back before it gets that deep (the mechanism that makes veins look blue
    [2]_).

    References
    ----------
    .. [1] CIE 15:2004, Colorimetry, 3rd ed., Commission Internationale de l'Éclairage, 2004.
       https://cie.co.at/publications/colorimetry-3rd-edition
    .. [2] A. Kienle, L. Lilge, I. A. Vitkin, M. S. Patterson, B. C. Wilson, R. Hibst, R. Steiner, "Why do
       veins appear blue? A new look at an old question," Appl. Opt. 35(7), 1151-1160, 1996.
       :doi:`10.1364/AO.35.001151`

    Examples
    --------
    >>> blue_shift((40.0, 2.0, 5.0), (60.0, 4.0, 20.0))
    0.75
    """
    d = np.asarray(dot_lab, dtype=np.float64) - np.asarray(skin_lab, dtype=np.float64)
    return float(-d[2] / max(abs(float(d[0])), 1e-6))


def grey_blue_shift(skin_lab: Sequence[float] | FloatArray) -> float:
    """The :func:`blue_shift` of a neutral filter over the skin: pure darkening, no change of hue.

    Parameters
    ----------
    skin_lab : sequence of float or ndarray of shape (3,)
        CIELAB (D65 white) of the skin, L* above 8 (the cube-root branch of CIELAB). [-]

    Returns
    -------
    shift : float
        ``b* / (L* + 16)`` of the skin [1]_. [-]

    References
    ----------
    .. [1] CIE 15:2004, Colorimetry, 3rd ed., Commission Internationale de l'Éclairage, 2004.
       https://cie.co.at/publications/colorimetry-3rd-edition

    Examples
    --------
    A neutral filter that keeps 30 % of the light: L* + 16 and b* both shrink by 0.3^(1/3).

    >>> skin = np.array([60.0, 4.0, 20.0])
    >>> k = 0.3 ** (1 / 3)
    >>> grey = np.array([(skin[0] + 16) * k - 16, skin[1] * k, skin[2] * k])
    >>> round(blue_shift(grey, skin), 6) == round(grey_blue_shift(skin), 6)
    True
    """
    lab = np.asarray(skin_lab, dtype=np.float64)
    return float(lab[2] / (lab[0] + 16.0))


def removed_fraction(
    dot_srgb: Sequence[float] | FloatArray, skin_srgb: Sequence[float] | FloatArray
) -> FloatArray:
    """Share of the skin's remitted light that the dot takes away, per linear-sRGB channel.

    Parameters
    ----------
    dot_srgb, skin_srgb : sequence of float or ndarray of shape (3,)
        sRGB (IEC 61966-2-1, 0-1) of the dot and of the bare skin. [-]

    Returns
    -------
    removed : ndarray of shape (3,)
        ``1 - dot / skin`` on linear (decoded) sRGB red, green and blue [1]_: the reflectance contrast of
        [2]_, 1 for an opaque black, 0 for no change. [-]

    References
    ----------
    .. [1] IEC 61966-2-1:1999, Multimedia systems and equipment—Colour measurement and management—Part
       2-1: Default RGB colour space—sRGB. https://webstore.iec.ch/publication/6169
    .. [2] A. Kienle et al., "Why do veins appear blue? A new look at an old question," Appl. Opt. 35(7),
       1151-1160, 1996. :doi:`10.1364/AO.35.001151`

    Examples
    --------
    >>> removed_fraction((0.5, 0.5, 0.5), (0.5, 0.5, 0.5)).tolist()
    [0.0, 0.0, 0.0]
    """
    from smpstudio.skin.cielab import srgb_to_linear

    dot = srgb_to_linear(np.asarray(dot_srgb, dtype=np.float64))
    skin = srgb_to_linear(np.asarray(skin_srgb, dtype=np.float64))
    return np.asarray(1.0 - dot / np.maximum(skin, 1e-9), dtype=np.float64)
