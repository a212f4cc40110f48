"""A stack of optical layers: what the light-transport engine takes as input.

Each layer is what MCML takes per layer (Wang, Jacques & Zheng 1995 [wang1995]; the MCML manual
[wang1992]): refractive index n, absorption and scattering coefficients mua and mus, Henyey-Greenstein
anisotropy g and thickness d, between ambient media above and below.

Units: millimetres for thicknesses, mm⁻¹ for the absorption and scattering coefficients (the project's
one unit per quantity, as MCX uses); refractive indices and the anisotropy factor are dimensionless.
MCML's own files use cm and cm⁻¹: divide cm⁻¹ by 10 and multiply cm by 10. The slab of [wang1992]
Table 6.1 (n 1, mua 10 cm⁻¹, mus 90 cm⁻¹, g 0.75, d 0.02 cm) is thus ``Layer(1.0, 1.0, 9.0, 0.75, 0.2)``,
optical thickness ``(mua + mus) d = 2``.
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
    """One homogeneous layer, as an MCML layer.

    Parameters
    ----------
    n : float
        Refractive index (>= 1). [-]
    mua_per_mm : float
        Absorption coefficient (>= 0). [mm⁻¹]
    mus_per_mm : float
        Scattering coefficient (>= 0). [mm⁻¹]
    g : float
        Henyey-Greenstein anisotropy, the mean cosine of the scattering angle, -1 < g < 1. [-]
    thickness_mm : float or None
        Thickness (> 0), or ``None`` for a semi-infinite layer (the last one only). [mm]

    Notes
    -----
    The values are checked by :class:`LayerStack`, not here. MCML's inputs in cm⁻¹ and cm convert as
    ``mua_per_mm = mua_per_cm / 10`` and ``thickness_mm = 10 d_cm``.

    References
    ----------
    .. [1] L. Wang, S. L. Jacques, L. Zheng, "MCML—Monte Carlo modeling of light transport in
       multi-layered tissues," Comput. Methods Programs Biomed. 47(2), 131-146, 1995.
       :doi:`10.1016/0169-2607(95)01640-F`
    .. [2] L. Wang, S. L. Jacques, "Monte Carlo Modeling of Light Transport in Multi-layered Tissues in
       Standard C," University of Texas M. D. Anderson Cancer Center, 1992. https://omlc.org/software/mc/

    Examples
    --------
    The slab of [2]_ Table 6.1 (mua 10 cm⁻¹, mus 90 cm⁻¹, d 0.02 cm):

    >>> Layer(n=1.0, mua_per_mm=10 / 10, mus_per_mm=90 / 10, g=0.75, thickness_mm=0.02 * 10)
    Layer(n=1.0, mua_per_mm=1.0, mus_per_mm=9.0, g=0.75, thickness_mm=0.2)
    """

    n: float
    mua_per_mm: float
    mus_per_mm: float
    g: float
    thickness_mm: float | None


@dataclass(frozen=True)
class LayerStack:
    """Layers from the surface down, between an ambient medium above and one below.

    Parameters
    ----------
    layers : tuple of Layer
        At least one layer, from the surface down; only the last may be semi-infinite.
    n_above : float, default 1.0
        Refractive index of the medium above the surface (air). [-]
    n_below : float, default 1.0
        Refractive index of the medium below the last layer. [-]

    Raises
    ------
    InputError
        If there is no layer, an index is below 1, a coefficient is negative or not finite, ``g`` is
        outside (-1, 1), a thickness is not positive, or a layer other than the last is semi-infinite;
        the error's ``field`` names the value (``layers[1].g``).

    References
    ----------
    .. [1] L. Wang, S. L. Jacques, L. Zheng, "MCML—Monte Carlo modeling of light transport in
       multi-layered tissues," Comput. Methods Programs Biomed. 47(2), 131-146, 1995.
       :doi:`10.1016/0169-2607(95)01640-F`

    Examples
    --------
    >>> stack = LayerStack((Layer(1.4, 0.1, 20.0, 0.9, 0.1), Layer(1.4, 0.05, 20.0, 0.9, None)))
    >>> stack.arrays()["z_bottom"].tolist()
    [0.1, inf]
    """

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
        """Per-layer arrays for the light-transport kernel.

        Returns
        -------
        arrays : dict of str to ndarray of shape (L,)
            ``n`` [-], ``mua`` [mm⁻¹], ``mus`` [mm⁻¹], ``g`` [-], and the depths of each layer's top
            and bottom below the surface, ``z_top`` and ``z_bottom`` [mm] (``inf`` at the bottom of a
            semi-infinite layer).
        """
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
    """A stack from its JSON form.

    Parameters
    ----------
    data : dict
        ``{"n_above", "n_below", "layers": [{"n", "mua_per_mm", "mus_per_mm", "g", "thickness_mm"}]}``
        in the units of :class:`Layer` (mm⁻¹, mm); ``thickness_mm`` null for a semi-infinite last layer,
        ``n_above`` and ``n_below`` 1.0 when absent.

    Returns
    -------
    stack : LayerStack
        The checked stack.

    Raises
    ------
    InputError
        If the form is not an object, a layer misses a key or has an unknown one, a value is not a
        number, or :class:`LayerStack` refuses a value; ``field`` names it (``layers[0].mua_per_mm``).

    Examples
    --------
    >>> layer = {"n": 1.0, "mua_per_mm": 1.0, "mus_per_mm": 9.0, "g": 0.75, "thickness_mm": 0.2}
    >>> stack_from_dict({"layers": [layer]}).layers[0].thickness_mm
    0.2
    """
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
