"""A dot's look read from the appearance table, with the fields a fresh light-transport run gives.

:func:`table_dot_appearance` answers ``smp optics dot`` in a millisecond from the packaged table
(:mod:`smpstudio.skin.appearance_table`), interpolating in depth and ink fraction as
:meth:`~smpstudio.skin.appearance_table.AppearanceTable.lookup` does; unlike that lookup, which clamps (the
timeline's fading dots rely on it), it refuses a depth or ink fraction outside the table's grid and says
which range the table covers, since a clamped answer would describe another dot.
"""

from __future__ import annotations

import numpy as np

from smpstudio.errors import InputError, check_choice
from smpstudio.skin.appearance import DotAppearance
from smpstudio.skin.appearance_table import DOT_FIELDS, SKIN_FIELDS, AppearanceTable
from smpstudio.skin.colour_shift import blue_shift

__all__ = ["OUTSIDE_TABLE", "check_in_grid", "table_dot_appearance"]

#: Error code of a depth or ink fraction outside the table's grid.
OUTSIDE_TABLE = "outside_table"


def check_in_grid(table: AppearanceTable, depth_mm: float, ink_fraction: float) -> None:
    """Refuse a depth or ink fraction outside the table's grid, naming the field and the range.

    Parameters
    ----------
    table : AppearanceTable
        The appearance table.
    depth_mm : float
        Depth of the deposit's top. [mm]
    ink_fraction : float
        Share of undiluted ink. [-]

    Raises
    ------
    InputError
        With ``field`` ``depth_mm`` or ``ink_fraction``, ``allowed`` the table's range and ``code``
        :data:`OUTSIDE_TABLE`.
    """
    for field, value, axis, unit in (
        ("depth_mm", depth_mm, table.depths_mm, " mm"),
        ("ink_fraction", ink_fraction, table.ink_fractions, ""),
    ):
        lo, hi = float(axis[0]), float(axis[-1])
        if not lo <= float(value) <= hi:
            raise InputError(
                f"{value:g}{unit} is outside the appearance table",
                field=field,
                allowed=f"{lo:g}-{hi:g}{unit} from the table, or a fresh light-transport run",
                code=OUTSIDE_TABLE,
            )


def table_dot_appearance(
    table: AppearanceTable,
    skin_type: str,
    depth_mm: float,
    ink_fraction: float,
    pigment: str = "carbon-black",
) -> DotAppearance:
    """The dot's colour, contrast, blue shift and blur, interpolated from ``table``.

    Parameters
    ----------
    table : AppearanceTable
        The appearance table (the packaged one: Fitzpatrick I-VI, 0.07-1.5 mm, ink fractions 0.1-1).
    skin_type : str
        Fitzpatrick type, one of the table's.
    depth_mm : float
        Depth of the deposit's top, within the table's depths. [mm]
    ink_fraction : float
        Share of undiluted ink, within the table's ink fractions. [-]
    pigment : str, default 'carbon-black'
        One of the table's pigments.

    Returns
    -------
    appearance : DotAppearance
        The fields of :func:`~smpstudio.skin.appearance.dot_appearance`: sRGB and CIELAB of dot and skin,
        CIEDE2000 and blue/red ratios [-] and the blur FWHM [mm] bilinear in depth and ink fraction
        between the grid points, the :func:`~smpstudio.skin.colour_shift.blue_shift` of the interpolated
        colours.

    Raises
    ------
    InputError
        If the skin type or pigment is not in the table (``skin_type``, ``pigment``), or the depth or ink
        fraction lies outside its grid (:func:`check_in_grid`).

    Examples
    --------
    >>> from smpstudio.skin.appearance_table import packaged_table
    >>> look = table_dot_appearance(packaged_table(), "II", 0.5, 1.0)
    >>> look.blue_shift > table_dot_appearance(packaged_table(), "II", 0.1, 1.0).blue_shift
    True
    """
    check_choice("skin_type", skin_type, table.skin_types)
    check_choice("pigment", pigment, table.pigments)
    check_in_grid(table, depth_mm, ink_fraction)
    f = table.lookup(skin_type, depth_mm, ink_fraction, pigment)
    s = table.skin(skin_type)

    def three(a: np.ndarray) -> tuple[float, float, float]:  # type: ignore[type-arg]
        return (round(float(a[0]), 5), round(float(a[1]), 5), round(float(a[2]), 5))

    dot_lab, skin_lab = f[3:6], s[3:6]
    return DotAppearance(
        dot_srgb=three(f[:3]),
        skin_srgb=three(s[:3]),
        dot_lab=three(dot_lab),
        skin_lab=three(skin_lab),
        delta_e2000=round(float(f[DOT_FIELDS.index("delta_e2000")]), 4),
        blue_red_ratio_dot=round(float(f[DOT_FIELDS.index("blue_red_ratio")]), 5),
        blue_red_ratio_skin=round(float(s[SKIN_FIELDS.index("blue_red_ratio")]), 5),
        blur_fwhm_mm=round(float(f[DOT_FIELDS.index("blur_fwhm_mm")]), 4),
        blue_shift=round(blue_shift(dot_lab, skin_lab), 4),
    )
