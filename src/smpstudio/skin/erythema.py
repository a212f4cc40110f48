"""Redness around fresh dots: the colour of inflamed skin, by the same light transport as the dots.

Right after a session the skin around each puncture is red for one to two days (domain.md §2.1:
redness "usually goes away in one or two days" [C]). Inflammation dilates the papillary vessels, so the
model raises the dermal blood volume fraction from the scalp model's resting 0.2 % (Jacques, OMLC 1998
[R]) to :data:`ERYTHEMA_BLOOD_FRACTION` = 2 % with :data:`ERYTHEMA_SATURATION` = 0.9 (arterialised
blood). Both are calibration defaults [M]: 2 % sits inside the 0.2-5 % modelling range of optics.md §1.4,
below the 4 % papillary figure of layered models (Meglinski & Matcher [R]); range 1-4 %.

The colours are computed by :func:`compute_erythema` (the Monte Carlo engine, as the appearance table)
and shipped as ``data/erythema-1.json``; ``python -m smpstudio.skin.erythema`` rebuilds that file, and a
validation test recomputes a skin type against it.
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
    """sRGB (0-1) of ``skin_type`` skin with inflamed dermis, by light transport."""
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
    """The packaged sRGB (0-1) of inflamed ``skin_type`` skin."""
    table = _packaged()
    return np.asarray(table[check_choice("skin_type", skin_type, table)], dtype=np.float64)


def write_packaged(path: Path) -> Path:
    """Recompute every skin type and write the data file."""
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
