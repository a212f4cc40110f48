"""A stack of optical layers: what the light-transport engine takes as input.

Units: millimetres for thicknesses, mm⁻¹ for the absorption and scattering coefficients (the project's
one unit per quantity, as MCX uses); refractive indices and the anisotropy factor are dimensionless.
MCML's own files use cm and cm⁻¹: divide cm⁻¹ by 10 and multiply cm by 10.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from smpstudio.errors import InputError

__all__ = ["Layer", "LayerStack", "stack_from_dict"]


@dataclass(frozen=True, slots=True)
class Layer:
    """One homogeneous layer.

    Parameters
    ----------
    n
        Refractive index (>= 1). [-]
    mua_per_mm
        Absorption coefficient (>= 0). [mm⁻¹]
    mus_per_mm
        Scattering coefficient (>= 0). [mm⁻¹]
    g
        Henyey-Greenstein anisotropy, -1 < g < 1. [-]
    thickness_mm
        Thickness (> 0), or ``None`` for a semi-infinite layer (the last one only). [mm]
    """

    n: float
    mua_per_mm: float
    mus_per_mm: float
    g: float
    thickness_mm: float | None


@dataclass(frozen=True)
class LayerStack:
    """Layers from the surface down, between an ambient medium above and one below."""

    layers: tuple[Layer, ...]
    n_above: float = 1.0
    n_below: float = 1.0

    def __post_init__(self) -> None:
        if not self.layers:
            raise InputError("no layers", field="layers", allowed="at least one layer")
        _check_index("n_above", self.n_above)
        _check_index("n_below", self.n_below)
        for i, layer in enumerate(self.layers):
            where = f"layers[{i}]"
            _check_index(f"{where}.n", layer.n)
            for name in ("mua_per_mm", "mus_per_mm"):
                value = getattr(layer, name)
                if not (math.isfinite(value) and value >= 0.0):
                    raise InputError(
                        f"{value!r} is negative or not finite",
                        field=f"{where}.{name}",
                        allowed="a finite value >= 0 [mm⁻¹]",
                    )
            if not (math.isfinite(layer.g) and -1.0 < layer.g < 1.0):
                raise InputError(f"{layer.g!r} is outside (-1, 1)", field=f"{where}.g", allowed="-1 < g < 1")
            t = layer.thickness_mm
            if t is None:
                if i != len(self.layers) - 1:
                    raise InputError(
                        "only the last layer may be semi-infinite",
                        field=f"{where}.thickness_mm",
                        allowed="a thickness > 0 [mm]",
                    )
            elif not (math.isfinite(t) and t > 0.0):
                raise InputError(
                    f"{t!r} is not a positive thickness",
                    field=f"{where}.thickness_mm",
                    allowed="a thickness > 0 [mm], or null for a semi-infinite last layer",
                )

    def arrays(self) -> dict[str, NDArray[np.float64]]:
        """Per-layer arrays for the kernel: n, mua, mus, g, z_top, z_bottom (inf if semi-infinite)."""
        thickness = np.array([np.inf if L.thickness_mm is None else L.thickness_mm for L in self.layers])
        z_bottom = np.cumsum(thickness)
        z_top = np.concatenate([[0.0], z_bottom[:-1]])
        return {
            "n": np.array([L.n for L in self.layers], dtype=np.float64),
            "mua": np.array([L.mua_per_mm for L in self.layers], dtype=np.float64),
            "mus": np.array([L.mus_per_mm for L in self.layers], dtype=np.float64),
            "g": np.array([L.g for L in self.layers], dtype=np.float64),
            "z_top": z_top.astype(np.float64),
            "z_bottom": z_bottom.astype(np.float64),
        }


def _check_index(field: str, value: float) -> None:
    if not (math.isfinite(value) and value >= 1.0):
        raise InputError(f"{value!r} is below 1", field=field, allowed="a refractive index >= 1")


def stack_from_dict(data: Any) -> LayerStack:
    """A stack from the JSON form ``{"n_above", "n_below", "layers": [{"n", "mua_per_mm", "mus_per_mm",
    "g", "thickness_mm"}]}`` (``thickness_mm`` null for a semi-infinite last layer)."""
    if not isinstance(data, dict):
        raise InputError("the configuration is not a JSON object", field="$")
    layers_raw = data.get("layers")
    if not isinstance(layers_raw, list):
        raise InputError("missing or not a list", field="layers", allowed="a list of layer objects")
    keys = ("n", "mua_per_mm", "mus_per_mm", "g", "thickness_mm")
    layers = []
    for i, raw in enumerate(layers_raw):
        if not isinstance(raw, dict):
            raise InputError(
                "not an object", field=f"layers[{i}]", allowed=f"an object with {', '.join(keys)}"
            )
        unknown = sorted(set(raw) - set(keys))
        if unknown:
            raise InputError(f"unknown key {unknown[0]!r}", field=f"layers[{i}]", allowed=", ".join(keys))
        values: dict[str, float | None] = {}
        for key in keys:
            if key not in raw:
                raise InputError("missing", field=f"layers[{i}].{key}")
            v = raw[key]
            if key == "thickness_mm" and v is None:
                values[key] = None
            elif isinstance(v, bool) or not isinstance(v, int | float):
                raise InputError(f"{v!r} is not a number", field=f"layers[{i}].{key}")
            else:
                values[key] = float(v)
        layers.append(Layer(**values))  # type: ignore[arg-type]
    ambient: dict[str, float] = {}
    for key in ("n_above", "n_below"):
        v = data.get(key, 1.0)
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise InputError(f"{v!r} is not a number", field=key, allowed="a refractive index >= 1")
        ambient[key] = float(v)
    return LayerStack(tuple(layers), **ambient)
