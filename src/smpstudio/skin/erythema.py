"""Redness around fresh dots: the colour of inflamed skin, by the same light transport as the dots.

Right after a session the skin around each puncture is red for one to two days ([clinic-healing] in
docs/references.md: redness "usually goes away in one or two days" [C]). Inflammation dilates the
papillary vessels, so the model raises the dermal blood volume fraction from the scalp model's resting
0.2 % (Jacques, OMLC 1998 [omlc1998]) to :data:`ERYTHEMA_BLOOD_FRACTION` = 2 % with
:data:`ERYTHEMA_SATURATION` = 0.9 (arterialised blood). Both are calibration defaults [M]: 2 % sits
inside the 0.2-5 % modelling range of [jacques2013], below the 4 % papillary figure of layered models
(Meglinski & Matcher [meglinski2002]); range 1-4 %.

The colours are computed by :func:`compute_erythema` (the Monte Carlo engine, as the appearance table)
and shipped as ``data/erythema-1.json`` (sRGB 0-1 per Fitzpatrick type, 13 wavelengths 400-700 nm,
8 000 photons each); ``python -m smpstudio.skin.erythema`` rebuilds that file, and a validation test
recomputes a skin type against it.
"""

from __future__ import annotations

import json
import sys
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from smpstudio.errors import check_choice
from smpstudio.skin.appearance import reflectance_spectrum, spectrum_colour
from smpstudio.skin.appearance_table import DEFAULT_TABLE_PHOTONS, SKIN_TYPES, TABLE_WAVELENGTHS_NM
from smpstudio.skin.scalp import ScalpSkin

__all__ = ["ERYTHEMA_BLOOD_FRACTION", "ERYTHEMA_SATURATION", "compute_erythema", "erythema_srgb"]

#: Dermal blood volume fraction of inflamed skin [-] (calibration default [M], range 0.01-0.04).
ERYTHEMA_BLOOD_FRACTION = 0.02
#: Haemoglobin oxygen saturation of inflamed skin [-] (calibration default [M], range 0.7-0.95).
ERYTHEMA_SATURATION = 0.9
ERYTHEMA_FILE = "erythema-1.json"


def compute_erythema(
    skin_type: str,
    *,
    blood_fraction: float = ERYTHEMA_BLOOD_FRACTION,
    saturation: float = ERYTHEMA_SATURATION,
    photons: int = DEFAULT_TABLE_PHOTONS,
    seed: int = 0,
) -> NDArray[np.float64]:
    """Colour of ``skin_type`` scalp skin with an inflamed dermis, by light transport.

    Parameters
    ----------
    skin_type : {'I', 'II', 'III', 'IV', 'V', 'VI'}
        Fitzpatrick skin type.
    blood_fraction : float, default 0.02
        Dermal blood volume fraction, 0-0.1 (resting skin 0.002 [1]_; 0.002-0.05 modelled in [2]_;
        0.04 in the papillary dermis of [3]_). [-]
    saturation : float, default 0.9
        Haemoglobin oxygen saturation, 0-1. [-]
    photons : int, default 8000
        Photon packets per wavelength (13 wavelengths, 400-700 nm every 25 nm). [-]
    seed : int, default 0
        Seed of the light transport's random streams.

    Returns
    -------
    srgb : ndarray of shape (3,)
        sRGB (D65, IEC 61966-2-1) of the diffuse reflectance, 0-1. [-]

    Raises
    ------
    InputError
        If ``skin_type``, ``blood_fraction`` or ``saturation`` is out of range.

    Notes
    -----
    The skin is :class:`~smpstudio.skin.scalp.ScalpSkin` with the dermal blood raised; its spectrum comes
    from :func:`~smpstudio.skin.appearance.reflectance_spectrum` and its colour from
    :func:`~smpstudio.skin.appearance.spectrum_colour`, as for the appearance table.

    References
    ----------
    .. [1] S. L. Jacques, "Skin optics," Oregon Medical Laser Center News, January 1998.
       https://omlc.org/news/jan98/skinoptics.html
    .. [2] S. L. Jacques, "Optical properties of biological tissues: a review," Phys. Med. Biol. 58(11),
       R37-R61, 2013. :doi:`10.1088/0031-9155/58/11/R37`
    .. [3] I. V. Meglinski, S. J. Matcher, "Quantitative assessment of skin layers absorption and skin
       reflectance spectra simulation in the visible and near-infrared spectral regions," Physiol.
       Meas. 23(4), 741-753, 2002. :doi:`10.1088/0967-3334/23/4/312`
    """
    skin = ScalpSkin(skin_type, blood_fraction=blood_fraction, saturation=saturation)
    spectrum = reflectance_spectrum(skin, wavelengths_nm=TABLE_WAVELENGTHS_NM, photons=photons, seed=seed)
    return np.asarray(
        spectrum_colour(spectrum.wavelengths_nm, spectrum.reflectance)["srgb"], dtype=np.float64
    )


@cache
def _packaged() -> dict[str, list[float]]:
    text = resources.files("smpstudio.data").joinpath(ERYTHEMA_FILE).read_text()
    data: dict[str, list[float]] = json.loads(text)["srgb"]
    return data


def erythema_srgb(skin_type: str) -> NDArray[np.float64]:
    """The packaged colour of inflamed ``skin_type`` skin (``data/erythema-1.json``).

    Parameters
    ----------
    skin_type : {'I', 'II', 'III', 'IV', 'V', 'VI'}
        Fitzpatrick skin type.

    Returns
    -------
    srgb : ndarray of shape (3,)
        sRGB of :func:`compute_erythema` at the defaults (blood fraction 0.02, saturation 0.9, 8 000
        photons per wavelength, seed 0), rounded to 5 decimals, 0-1. [-]

    Raises
    ------
    InputError
        If ``skin_type`` is not in the file.

    References
    ----------
    .. [1] S. L. Jacques, "Skin optics," Oregon Medical Laser Center News, January 1998.
       https://omlc.org/news/jan98/skinoptics.html
    .. [2] S. L. Jacques, "Optical properties of biological tissues: a review," Phys. Med. Biol. 58(11),
       R37-R61, 2013. :doi:`10.1088/0031-9155/58/11/R37`
    .. [3] I. V. Meglinski, S. J. Matcher, "Quantitative assessment of skin layers absorption and skin
       reflectance spectra simulation in the visible and near-infrared spectral regions," Physiol.
       Meas. 23(4), 741-753, 2002. :doi:`10.1088/0967-3334/23/4/312`

    Examples
    --------
    >>> erythema_srgb("III").tolist()
    [0.58779, 0.40094, 0.30268]
    """
    table = _packaged()
    return np.asarray(table[check_choice("skin_type", skin_type, table)], dtype=np.float64)


def write_packaged(path: Path) -> Path:
    """Recompute every skin type by :func:`compute_erythema` and write the data file.

    Parameters
    ----------
    path : pathlib.Path
        Where to write the JSON (schema version 1: the blood fraction, saturation, photons and
        wavelengths [nm] used, and ``srgb`` per skin type).

    Returns
    -------
    path : pathlib.Path
        ``path``, written.
    """
    data = {
        "schema_version": 1,
        "blood_fraction": ERYTHEMA_BLOOD_FRACTION,
        "saturation": ERYTHEMA_SATURATION,
        "photons": DEFAULT_TABLE_PHOTONS,
        "wavelengths_nm": list(TABLE_WAVELENGTHS_NM),
        "srgb": {s: [round(float(c), 5) for c in compute_erythema(s)] for s in SKIN_TYPES},
    }
    path.write_text(json.dumps(data, indent=1) + "\n")
    return path


if __name__ == "__main__":  # pragma: no cover - data rebuild
    default = Path(str(resources.files("smpstudio.data").joinpath(ERYTHEMA_FILE)))
    written = write_packaged(Path(sys.argv[1]) if len(sys.argv) > 1 else default)
    sys.stdout.write(f"{written}\n")
