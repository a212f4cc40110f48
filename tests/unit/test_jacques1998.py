"""The published values the skin-optics docstrings quote: Jacques 1998, Jacques 2013 and Prahl 1999
([jacques1998], [jacques2013], [prahl1999] in docs/references.md)."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

from smpstudio.skin import jacques1998, jacques2013, prahl1999
from smpstudio.skin.jacques1998 import baseline_mua_per_mm
from smpstudio.skin.jacques2013 import melanin_mua_per_mm, reduced_scattering_per_mm
from smpstudio.skin.prahl1999 import blood_mua_per_mm, extinction_table


def test_jacques1998_baseline_at_the_quoted_wavelengths() -> None:
    # 1.22, 0.46 and 0.29 cm⁻¹ at 450, 550 and 650 nm, returned in mm⁻¹.
    np.testing.assert_allclose(baseline_mua_per_mm([450, 550, 650]) * 10, [1.22, 0.46, 0.29], atol=0.005)
    with pytest.raises(ValueError, match="400-1000"):
        baseline_mua_per_mm(380)


def test_jacques2013_fits_at_500_nm_give_their_coefficients() -> None:
    assert reduced_scattering_per_mm(500) == pytest.approx(4.36)
    assert reduced_scattering_per_mm(500, "epidermis") == pytest.approx(6.67)
    assert melanin_mua_per_mm(500) == pytest.approx(51.9)
    # Rayleigh and Mie both fall with wavelength.
    assert np.all(np.diff(reduced_scattering_per_mm([450, 550, 650])) < 0)


@pytest.mark.parametrize(
    ("nm", "oxy", "deoxy"),
    [(450, 62_816, 103_292), (550, 43_016, 53_412), (650, 368, 3_750.12), (414, 524_280, 342_596)],
)
def test_prahl1999_packaged_table_gives_the_published_extinction(nm: int, oxy: float, deoxy: float) -> None:
    table = extinction_table()
    row = table[table[:, 0] == nm][0]
    assert row[1] == pytest.approx(oxy) and row[2] == pytest.approx(deoxy)


def test_prahl1999_table_covers_250_to_1000_nm_every_2_nm_and_is_read_only() -> None:
    table = extinction_table()
    assert table.shape == (376, 3) and table[0, 0] == 250 and table[-1, 0] == 1000
    assert np.all(np.diff(table[:, 0]) == 2) and not table.flags.writeable


def test_whole_blood_absorption_as_quoted() -> None:
    # 150 g/L, 64 500 g/mol: 230 (HbO₂) and 286 (Hb) cm⁻¹ at 550 nm.
    assert blood_mua_per_mm(550, 1.0) * 10 == pytest.approx(230, rel=0.01)
    assert blood_mua_per_mm(550, 0.0) * 10 == pytest.approx(286, rel=0.01)
    with pytest.raises(ValueError):
        blood_mua_per_mm(550, 1.5)


@pytest.mark.parametrize("module", [jacques1998, jacques2013, prahl1999])
def test_docstring_examples_run(module: object) -> None:
    # NumPy's default print options: another test may have changed them for the session.
    with np.printoptions(precision=8, threshold=1000, linewidth=75, suppress=False, legacy=False):
        assert doctest.testmod(module).failed == 0  # type: ignore[arg-type]
