"""Appearance tables: dot and skin colours precomputed by light transport, interpolated at run time.

Over a grid of Fitzpatrick type × deposit depth × ink fraction × pigment, the table holds the dot's sRGB
and CIELAB, the bare skin's, their CIEDE2000 difference, the blue/red ratios and the blur FWHM, all
from :func:`smpstudio.skin.appearance.dot_appearance`. It is a versioned ``.npz`` in the package
(``smpstudio/data/appearance-1.npz``), rebuilt by ``smp optics build-table``, which records the photons
per point and the largest standard error of the reflectance it reached.

Lookup interpolates linearly in depth and ink fraction (the share of undiluted ink; exactly at the
grid's skin types and pigments); depths and ink fractions outside the grid are clamped to it.

The file format (version 1) stores the ink-fraction axis under its former name ``dilutions``;
:func:`load_table` reads either name and :meth:`AppearanceTable.save` keeps writing the version-1 name.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numba as nb
import numpy as np
from numpy.typing import NDArray

from smpstudio import __version__
from smpstudio.errors import DocumentError, check_choice
from smpstudio.skin.appearance import Spectrum, dot_appearance
from smpstudio.skin.pigments import PIGMENTS
from smpstudio.skin.scalp import FITZPATRICK_MELANOSOME, Dot, ScalpSkin, scalp_stack

__all__ = ["TABLE_SCHEMA_VERSION", "AppearanceTable", "build_table", "packaged_table"]

FloatArray = NDArray[np.float64]

#: Version of the ``.npz`` file format (``meta["schema_version"]``).
TABLE_SCHEMA_VERSION = 1
SKIN_TYPES = tuple(FITZPATRICK_MELANOSOME)
DEPTHS_MM = (0.07, 0.1, 0.15, 0.2, 0.3, 0.5, 0.8, 1.5)
INK_FRACTIONS = (0.1, 0.25, 0.5, 1.0)
#: Name of the ink-fraction axis inside a version-1 ``.npz`` file.
_NPZ_INK_FRACTIONS = "dilutions"
TABLE_WAVELENGTHS_NM = tuple(float(x) for x in range(400, 701, 25))
DEFAULT_TABLE_PHOTONS = 8_000
#: Per dot: sRGB (3), CIELAB (3), ΔE2000, blue/red ratio, blur FWHM [mm].
DOT_FIELDS = ("r", "g", "b", "L", "a", "b_star", "delta_e2000", "blue_red_ratio", "blur_fwhm_mm")
#: Per skin: sRGB (3), CIELAB (3), blue/red ratio.
SKIN_FIELDS = ("r", "g", "b", "L", "a", "b_star", "blue_red_ratio")


@nb.njit(cache=True)
def _bilinear_lookup(
    grid: FloatArray, depths: FloatArray, fractions: FloatArray, depth: float, ink_fraction: float
) -> FloatArray:
    """Interpolate ``grid[depth_index, ink_fraction_index, field]`` at (depth, ink_fraction), clamped."""
    d = min(max(depth, depths[0]), depths[-1])
    u = min(max(ink_fraction, fractions[0]), fractions[-1])
    i = min(np.searchsorted(depths, d, side="right") - 1, depths.size - 2)
    j = min(np.searchsorted(fractions, u, side="right") - 1, fractions.size - 2)
    ti = (d - depths[i]) / (depths[i + 1] - depths[i])
    tj = (u - fractions[j]) / (fractions[j + 1] - fractions[j])
    out: FloatArray = (1 - ti) * ((1 - tj) * grid[i, j] + tj * grid[i, j + 1]) + ti * (
        (1 - tj) * grid[i + 1, j] + tj * grid[i + 1, j + 1]
    )
    return out


@dataclass(frozen=True, eq=False)
class AppearanceTable:
    """The table's arrays and metadata.

    Parameters
    ----------
    dots : ndarray of shape (skin types, pigments, depths, ink fractions, 9)
        Per grid point the dot's :data:`DOT_FIELDS`: sRGB (IEC 61966-2-1, 0-1) [-], CIELAB (D65 white)
        [-], CIEDE2000 against the bare skin [-], linear-sRGB blue/red ratio [-] and blur FWHM [mm].
    skins : ndarray of shape (skin types, 7)
        Per skin type the bare skin's :data:`SKIN_FIELDS`: sRGB, CIELAB and blue/red ratio. [-]
    depths_mm : ndarray
        Deposit-top depths of the grid, increasing (0.07-1.5 in the packaged table). [mm]
    ink_fractions : ndarray
        Ink fractions (share of undiluted ink) of the grid, increasing (0.1-1). [-]
    skin_types : tuple of str
        Fitzpatrick types, the first axis.
    pigments : tuple of str
        Pigment names, the second axis.
    meta : dict
        ``schema_version``, generator, wavelengths [nm], photons per wavelength, seed, the largest
        reflectance standard error of the bare skins, method.

    Examples
    --------
    >>> table = packaged_table()
    >>> table.skin_types, table.meta["photons_per_wavelength"]
    (('I', 'II', 'III', 'IV', 'V', 'VI'), 8000)
    """

    dots: FloatArray
    skins: FloatArray
    depths_mm: FloatArray
    ink_fractions: FloatArray
    skin_types: tuple[str, ...]
    pigments: tuple[str, ...]
    meta: dict[str, Any]

    def lookup(
        self, skin_type: str, depth_mm: float, ink_fraction: float, pigment: str = "carbon-black"
    ) -> FloatArray:
        """The dot's fields at one point, interpolated.

        Parameters
        ----------
        skin_type : str
            Fitzpatrick type, one of :attr:`skin_types`.
        depth_mm : float
            Depth of the deposit's top, clamped to the grid. [mm]
        ink_fraction : float
            Share of undiluted ink, clamped to the grid. [-]
        pigment : str, default 'carbon-black'
            One of :attr:`pigments`.

        Returns
        -------
        fields : ndarray of shape (9,)
            :data:`DOT_FIELDS`, bilinear in depth and ink fraction: sRGB, CIELAB, CIEDE2000, blue/red
            ratio [-] and blur FWHM [mm].

        Raises
        ------
        InputError
            If ``skin_type`` or ``pigment`` is not in the table.

        Examples
        --------
        >>> packaged_table().lookup("III", 0.2, 0.5)[:3].round(3).tolist()
        [0.32, 0.318, 0.289]
        """
        s = self.skin_types.index(check_choice("skin_type", skin_type, self.skin_types))
        p = self.pigments.index(check_choice("pigment", pigment, self.pigments))
        return _bilinear_lookup(
            self.dots[s, p], self.depths_mm, self.ink_fractions, float(depth_mm), float(ink_fraction)
        )

    def lookup_many(
        self,
        skin_type: str,
        depth_mm: FloatArray,
        ink_fraction: FloatArray,
        pigment: str = "carbon-black",
    ) -> FloatArray:
        """Vectorised :meth:`lookup` for arrays of depths and ink fractions.

        Parameters
        ----------
        skin_type : str
            Fitzpatrick type, one of :attr:`skin_types`.
        depth_mm : ndarray of shape (N,)
            Depths of the deposits' tops, clamped to the grid. [mm]
        ink_fraction : ndarray of shape (N,)
            Shares of undiluted ink, clamped to the grid. [-]
        pigment : str, default 'carbon-black'
            One of :attr:`pigments`.

        Returns
        -------
        fields : ndarray of shape (N, 9)
            :data:`DOT_FIELDS` per point, as :meth:`lookup`.
        """
        s = self.skin_types.index(check_choice("skin_type", skin_type, self.skin_types))
        p = self.pigments.index(check_choice("pigment", pigment, self.pigments))
        grid = self.dots[s, p]
        d = np.clip(np.asarray(depth_mm, dtype=np.float64), self.depths_mm[0], self.depths_mm[-1])
        fractions = self.ink_fractions
        u = np.clip(np.asarray(ink_fraction, dtype=np.float64), fractions[0], fractions[-1])
        i = np.clip(np.searchsorted(self.depths_mm, d, side="right") - 1, 0, self.depths_mm.size - 2)
        j = np.clip(np.searchsorted(fractions, u, side="right") - 1, 0, fractions.size - 2)
        ti = ((d - self.depths_mm[i]) / (self.depths_mm[i + 1] - self.depths_mm[i]))[:, None]
        tj = ((u - fractions[j]) / (fractions[j + 1] - fractions[j]))[:, None]
        out: FloatArray = (1 - ti) * ((1 - tj) * grid[i, j] + tj * grid[i, j + 1]) + ti * (
            (1 - tj) * grid[i + 1, j] + tj * grid[i + 1, j + 1]
        )
        return out

    def skin(self, skin_type: str) -> FloatArray:
        """The bare skin's fields.

        Parameters
        ----------
        skin_type : str
            Fitzpatrick type, one of :attr:`skin_types`.

        Returns
        -------
        fields : ndarray of shape (7,)
            :data:`SKIN_FIELDS`: sRGB (0-1), CIELAB and the linear-sRGB blue/red ratio. [-]
        """
        row: FloatArray = self.skins[
            self.skin_types.index(check_choice("skin_type", skin_type, self.skin_types))
        ]
        return row

    def save(self, path: str | Path) -> Path:
        """Write the table as a version-1 ``.npz`` (atomically, through a temporary file).

        Parameters
        ----------
        path : str or Path
            Target file.

        Returns
        -------
        path : Path
            The file written.
        """
        target = Path(path)
        buffer = io.BytesIO()
        arrays: dict[str, Any] = {
            "dots": self.dots,
            "skins": self.skins,
            "depths_mm": self.depths_mm,
            _NPZ_INK_FRACTIONS: self.ink_fractions,
            "meta": np.array(json.dumps(self.meta, sort_keys=True)),
        }
        np.savez_compressed(buffer, **arrays)
        tmp = target.with_name(f".{target.name}.tmp")
        tmp.write_bytes(buffer.getvalue())
        tmp.replace(target)
        return target


def load_table(source: str | Path | bytes) -> AppearanceTable:
    """Read a table file.

    Parameters
    ----------
    source : str, Path or bytes
        A ``.npz`` file's path or its bytes.

    Returns
    -------
    table : AppearanceTable
        The table; the ink-fraction axis is read under either name (``ink_fractions`` or version 1's
        ``dilutions``).

    Raises
    ------
    DocumentError
        If the file is not a table, its ``schema_version`` is not supported or its dots have the wrong
        shape; the error's ``field`` names the part.
    """
    try:
        data = np.load(io.BytesIO(source) if isinstance(source, bytes) else source, allow_pickle=False)
        meta = json.loads(str(data["meta"]))
        arrays = {k: np.asarray(data[k], dtype=np.float64) for k in ("dots", "skins", "depths_mm")}
        axis = "ink_fractions" if "ink_fractions" in data.files else _NPZ_INK_FRACTIONS
        arrays["ink_fractions"] = np.asarray(data[axis], dtype=np.float64)
    except (OSError, KeyError, ValueError) as exc:
        raise DocumentError(f"not an appearance table ({type(exc).__name__})", field="table") from None
    if meta.get("schema_version") != TABLE_SCHEMA_VERSION:
        raise DocumentError(
            f"schema_version {meta.get('schema_version')!r} is not supported",
            field="table.schema_version",
            allowed=str(TABLE_SCHEMA_VERSION),
        )
    skin_types, pigments = tuple(meta["skin_types"]), tuple(meta["pigments"])
    expected = (
        len(skin_types),
        len(pigments),
        arrays["depths_mm"].size,
        arrays["ink_fractions"].size,
        len(DOT_FIELDS),
    )
    if arrays["dots"].shape != expected:
        raise DocumentError(
            f"dots have shape {arrays['dots'].shape}, expected {expected}", field="table.dots"
        )
    return AppearanceTable(
        arrays["dots"],
        arrays["skins"],
        arrays["depths_mm"],
        arrays["ink_fractions"],
        skin_types,
        pigments,
        meta,
    )


@cache
def packaged_table() -> AppearanceTable:
    """The table shipped in the package (``smpstudio/data/appearance-1.npz``, read once).

    Returns
    -------
    table : AppearanceTable
        Fitzpatrick I-VI × 3 pigments × 8 depths (0.07-1.5 mm) × 4 ink fractions (0.1-1), from 8 000
        photons per wavelength at 13 wavelengths, 400-700 nm every 25 nm.
    """
    ref = resources.files("smpstudio.data").joinpath(f"appearance-{TABLE_SCHEMA_VERSION}.npz")
    return load_table(ref.read_bytes())


def _mid_depth_mm(skin: ScalpSkin, depth_mm: float, pigment: str) -> float:
    """Mid-depth of a grid deposit, where :func:`~smpstudio.skin.appearance.bare_spectrum` probes the
    spread of light: its top (at least the epidermis's base) plus half the deposit's thickness. [mm]"""
    return max(depth_mm, skin.epidermis_mm) + 0.5 * PIGMENTS[pigment].deposit_mm


def _bare_spectra(
    skin: ScalpSkin, pigments: tuple[str, ...], *, photons: int, seed: int
) -> dict[float, Spectrum]:
    """The bare skin's spectrum, with the spread of light at the mid-depth of every grid deposit.

    The bare skin does not depend on where a deposit lies, so one light-transport run per wavelength
    tallies the spread at every mid-depth at once (each probe depth's histogram is the one
    :func:`~smpstudio.skin.appearance.bare_spectrum` gives for that deposit alone, same seeds per
    wavelength and bins). Keyed by mid-depth [mm].
    """
    from smpstudio.skin.wang1995 import simulate  # here: reading the table runs no light transport

    probes = tuple(sorted({_mid_depth_mm(skin, d, p) for d in DEPTHS_MM for p in pigments}))
    lam = np.asarray(TABLE_WAVELENGTHS_NM, dtype=np.float64)
    rd, se = np.empty(lam.size), np.empty(lam.size)
    fwhm = np.empty((len(probes), lam.size))
    for i, wavelength in enumerate(lam):
        result = simulate(
            scalp_stack(skin, float(wavelength)),
            photons,
            seed=seed + 7919 * i,
            spread_depths_mm=probes,
            spread_bins=(0.005, 600),
        )
        rd[i] = result.diffuse_reflectance
        se[i] = result.stderr["diffuse_reflectance"]
        fwhm[:, i] = result.spread_fwhm_mm()
    return {probe: Spectrum(lam, rd, se, fwhm[k], photons) for k, probe in enumerate(probes)}


def build_table(
    *, photons: int = DEFAULT_TABLE_PHOTONS, seed: int = 0, progress: Callable[[int, int], None] | None = None
) -> AppearanceTable:
    """Compute the table by light transport.

    Parameters
    ----------
    photons : int, default 8000
        Photon packets per wavelength, spectrum and grid point. [-]
    seed : int, default 0
        Base seed of the light transport's random streams.
    progress : callable or None, default None
        Called with (grid points done, total).

    Returns
    -------
    table : AppearanceTable
        Every grid point from :func:`~smpstudio.skin.appearance.dot_appearance` at 13 wavelengths,
        400-700 nm every 25 nm: MCML-semantics Monte Carlo [1]_, CIE 1931 2° observer and D65 [2]_, sRGB
        [3]_ and CIEDE2000 [4]_.

    Notes
    -----
    The bare skin is traced once per skin type and wavelength, the spread of light probed at every
    deposit's mid-depth in the same run; every dot of that skin type is compared with it.

    References
    ----------
    .. [1] L. Wang, S. L. Jacques, L. Zheng, "MCML—Monte Carlo modeling of light transport in
       multi-layered tissues," Comput. Methods Programs Biomed. 47(2), 131-146, 1995.
       :doi:`10.1016/0169-2607(95)01640-F`
    .. [2] CIE 15:2004, Colorimetry, 3rd ed., Commission Internationale de l'Éclairage, 2004.
       https://cie.co.at/publications/colorimetry-3rd-edition
    .. [3] IEC 61966-2-1:1999, Multimedia systems and equipment—Colour measurement and management—Part
       2-1: Default RGB colour space—sRGB. https://webstore.iec.ch/publication/6169
    .. [4] G. Sharma, W. Wu, E. N. Dalal, "The CIEDE2000 color-difference formula: implementation notes,
       supplementary test data, and mathematical observations," Color Res. Appl. 30(1), 21-30, 2005.
       :doi:`10.1002/col.20070`
    """
    pigments = tuple(PIGMENTS)
    dots = np.empty((len(SKIN_TYPES), len(pigments), len(DEPTHS_MM), len(INK_FRACTIONS), len(DOT_FIELDS)))
    skins = np.empty((len(SKIN_TYPES), len(SKIN_FIELDS)))
    total = dots.shape[0] * dots.shape[1] * dots.shape[2] * dots.shape[3]
    done = 0
    worst_se = 0.0
    for s, skin_type in enumerate(SKIN_TYPES):
        skin = ScalpSkin(skin_type)
        bare = _bare_spectra(skin, pigments, photons=photons, seed=seed + 17)
        worst_se = max(worst_se, max(float(spectrum.stderr.max()) for spectrum in bare.values()))
        for i, depth in enumerate(DEPTHS_MM):
            for p, pigment in enumerate(pigments):
                for j, ink_fraction in enumerate(INK_FRACTIONS):
                    look = dot_appearance(
                        skin,
                        Dot(depth, ink_fraction, pigment),
                        wavelengths_nm=TABLE_WAVELENGTHS_NM,
                        photons=photons,
                        seed=seed + 1000 * (i * len(INK_FRACTIONS) + j + 1),
                        bare=bare[_mid_depth_mm(skin, depth, pigment)],
                    )
                    dots[s, p, i, j] = (
                        *look.dot_srgb,
                        *look.dot_lab,
                        look.delta_e2000,
                        look.blue_red_ratio_dot,
                        look.blur_fwhm_mm,
                    )
                    if p == 0 and i == 0 and j == 0:
                        skins[s] = (*look.skin_srgb, *look.skin_lab, look.blue_red_ratio_skin)
                    done += 1
                    if progress is not None:
                        progress(done, total)
    meta = {
        "schema_version": TABLE_SCHEMA_VERSION,
        "generator": f"smpstudio {__version__}",
        "skin_types": list(SKIN_TYPES),
        "pigments": list(pigments),
        "dot_fields": list(DOT_FIELDS),
        "skin_fields": list(SKIN_FIELDS),
        "wavelengths_nm": list(TABLE_WAVELENGTHS_NM),
        "photons_per_wavelength": photons,
        "seed": seed,
        "max_reflectance_stderr_bare_skin": round(worst_se, 5),
        "method": "MCML-semantics Monte Carlo (smpstudio.skin.wang1995); CIE 1931 2°, D65; CIEDE2000",
    }
    return AppearanceTable(
        dots, skins, np.array(DEPTHS_MM), np.array(INK_FRACTIONS), SKIN_TYPES, pigments, meta
    )
