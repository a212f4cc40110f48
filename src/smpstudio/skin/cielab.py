"""sRGB, CIE XYZ, CIELAB and the CIEDE2000 difference in plain NumPy, for the commands that compare
colours at run time (a design's tone match, the healing timeline, a dot from the appearance table).

These are the same conversions colour-science [colour-science] makes, written out so that a command
which only compares a few colours does not load that package (about a second: it loads its whole API and
its plotting stack). colour-science stays the reference the tests check these against, to 1e-9, and the
source of the spectral data (colour matching functions, illuminants) used to build the appearance table.

- sRGB: the IEC 61966-2-1 [iec61966-2-1] transfer function and RGB-to-XYZ matrix, D65 white.
- CIELAB: CIE 15:2004 [cie15] (CIE 1976 L*a*b*) against the D65 white of the CIE 1931 2° observer,
  with XYZ scaled so that the white's Y is 1; L* in 0-100.
- CIEDE2000: Sharma, Wu & Dalal 2005 [sharma2005], with k_L = k_C = k_H = 1.

Arrays may have any shape whose last axis holds the three components.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "D65_XY",
    "D65_XYZ",
    "LINEAR_SRGB_TO_XYZ",
    "delta_e2000",
    "linear_srgb_to_xyz",
    "linear_to_srgb",
    "srgb_to_lab",
    "srgb_to_linear",
    "xyz_to_lab",
]

FloatArray = NDArray[np.float64]

#: D65 white, CIE 1931 2° observer, xy chromaticity as sRGB rounds it [iec61966-2-1], [cie15]. [-]
D65_XY = (0.3127, 0.3290)
#: D65 white in XYZ, Y = 1. [-]
D65_XYZ: FloatArray = np.array([D65_XY[0] / D65_XY[1], 1.0, (1.0 - D65_XY[0] - D65_XY[1]) / D65_XY[1]])
#: Linear sRGB to CIE XYZ (D65, the white's Y = 1), the matrix as IEC 61966-2-1 publishes it (four
#: decimals) [iec61966-2-1]. [-]
LINEAR_SRGB_TO_XYZ: FloatArray = np.array(
    [[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]
)
#: Linear sRGB below this value is encoded by the straight segment (12.92 x) [iec61966-2-1]. [-]
_LINEAR_KNEE = 0.0031308


def srgb_to_linear(srgb: ArrayLike) -> FloatArray:
    """Decode sRGB values (0-1) to linear light: the IEC 61966-2-1 EOTF. [-]

    Examples
    --------
    >>> srgb_to_linear([0.0, 0.5, 1.0]).round(6).tolist()
    [0.0, 0.214041, 1.0]
    """
    v = np.asarray(srgb, dtype=np.float64)
    knee = 12.92 * _LINEAR_KNEE
    return np.asarray(np.where(v <= knee, v / 12.92, ((v + 0.055) / 1.055) ** 2.4), dtype=np.float64)


def linear_to_srgb(linear: ArrayLike) -> FloatArray:
    """Encode linear light (0-1) as sRGB values: the IEC 61966-2-1 inverse EOTF. [-]

    Examples
    --------
    >>> linear_to_srgb([0.0, 0.214041, 1.0]).round(4).tolist()
    [0.0, 0.5, 1.0]
    """
    v = np.asarray(linear, dtype=np.float64)
    curve = 1.055 * np.power(np.maximum(v, _LINEAR_KNEE), 1.0 / 2.4) - 0.055
    return np.asarray(np.where(v <= _LINEAR_KNEE, 12.92 * v, curve), dtype=np.float64)


def linear_srgb_to_xyz(rgb: ArrayLike) -> FloatArray:
    """CIE XYZ (D65, the white's Y = 1) of linear sRGB values. [-]"""
    return np.asarray(np.asarray(rgb, dtype=np.float64) @ LINEAR_SRGB_TO_XYZ.T, dtype=np.float64)


def xyz_to_lab(xyz: ArrayLike, white_xyz: ArrayLike = D65_XYZ) -> FloatArray:
    """CIE 1976 L*a*b* of XYZ values against ``white_xyz`` (default D65, Y = 1) [cie15]; L* in 0-100.

    Examples
    --------
    >>> xyz_to_lab(D65_XYZ).round(9).tolist()
    [100.0, 0.0, 0.0]
    """
    t = np.asarray(xyz, dtype=np.float64) / np.asarray(white_xyz, dtype=np.float64)
    f = np.where(t > (24.0 / 116.0) ** 3, np.cbrt(t), (841.0 / 108.0) * t + 16.0 / 116.0)
    fx, fy, fz = f[..., 0], f[..., 1], f[..., 2]
    return np.stack([116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)], axis=-1)


def srgb_to_lab(srgb: ArrayLike) -> FloatArray:
    """CIELAB (D65) of sRGB values in 0-1; L* in 0-100."""
    return xyz_to_lab(linear_srgb_to_xyz(srgb_to_linear(srgb)))


def delta_e2000(lab_1: ArrayLike, lab_2: ArrayLike) -> FloatArray:
    """The CIEDE2000 colour difference of two CIELAB colours [sharma2005] (k_L = k_C = k_H = 1). [-]

    Examples
    --------
    The first pair of Sharma et al.'s test data (their Table 1: 2.0425):

    >>> round(float(delta_e2000((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485))), 4)
    2.0425
    """
    l1, a1, b1 = np.moveaxis(np.asarray(lab_1, dtype=np.float64), -1, 0)
    l2, a2, b2 = np.moveaxis(np.asarray(lab_2, dtype=np.float64), -1, 0)
    c_bar = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2.0
    g = 0.5 * (1.0 - np.sqrt(c_bar**7 / (c_bar**7 + 25.0**7)))
    a1p, a2p = (1.0 + g) * a1, (1.0 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.where((a1p == 0) & (b1 == 0), 0.0, np.degrees(np.arctan2(b1, a1p)) % 360.0)
    h2p = np.where((a2p == 0) & (b2 == 0), 0.0, np.degrees(np.arctan2(b2, a2p)) % 360.0)

    dl = l2 - l1
    dc = c2p - c1p
    dh_deg = h2p - h1p
    dh_deg = np.where(dh_deg > 180.0, dh_deg - 360.0, np.where(dh_deg < -180.0, dh_deg + 360.0, dh_deg))
    dh_deg = np.where(c1p * c2p == 0, 0.0, dh_deg)
    dh = 2.0 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh_deg / 2.0))

    l_bar = (l1 + l2) / 2.0
    cp_bar = (c1p + c2p) / 2.0
    h_sum = h1p + h2p
    h_bar = np.where(
        c1p * c2p == 0,
        h_sum,
        np.where(
            np.abs(h1p - h2p) <= 180.0,
            h_sum / 2.0,
            np.where(h_sum < 360.0, (h_sum + 360.0) / 2.0, (h_sum - 360.0) / 2.0),
        ),
    )
    t = (
        1.0
        - 0.17 * np.cos(np.radians(h_bar - 30.0))
        + 0.24 * np.cos(np.radians(2.0 * h_bar))
        + 0.32 * np.cos(np.radians(3.0 * h_bar + 6.0))
        - 0.20 * np.cos(np.radians(4.0 * h_bar - 63.0))
    )
    d_theta = 30.0 * np.exp(-(((h_bar - 275.0) / 25.0) ** 2))
    r_c = 2.0 * np.sqrt(cp_bar**7 / (cp_bar**7 + 25.0**7))
    s_l = 1.0 + 0.015 * (l_bar - 50.0) ** 2 / np.sqrt(20.0 + (l_bar - 50.0) ** 2)
    s_c = 1.0 + 0.045 * cp_bar
    s_h = 1.0 + 0.015 * cp_bar * t
    r_t = -np.sin(np.radians(2.0 * d_theta)) * r_c
    terms = (dl / s_l) ** 2 + (dc / s_c) ** 2 + (dh / s_h) ** 2 + r_t * (dc / s_c) * (dh / s_h)
    return np.asarray(np.sqrt(terms), dtype=np.float64)
