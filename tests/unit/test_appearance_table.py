from __future__ import annotations

import io
import json

import numpy as np
import pytest

from smpstudio.errors import DocumentError
from smpstudio.skin.appearance_table import (
    DOT_FIELDS,
    SKIN_FIELDS,
    TABLE_SCHEMA_VERSION,
    AppearanceTable,
    load_table,
    packaged_table,
)


def _synthetic() -> AppearanceTable:
    depths, fractions = np.array([0.1, 0.2, 0.4]), np.array([0.25, 1.0])
    dots = np.zeros((2, 1, 3, 2, len(DOT_FIELDS)))
    for i, d in enumerate(depths):
        for j, u in enumerate(fractions):
            dots[:, :, i, j, :] = d + 10 * u  # linear in both: interpolation must be exact
    meta = {"schema_version": TABLE_SCHEMA_VERSION, "skin_types": ["I", "II"], "pigments": ["carbon-black"]}
    return AppearanceTable(
        dots, np.ones((2, len(SKIN_FIELDS))), depths, fractions, ("I", "II"), ("carbon-black",), meta
    )


def test_lookup_is_bilinear_and_clamped() -> None:
    t = _synthetic()
    assert t.lookup("II", 0.3, 0.5)[0] == pytest.approx(0.3 + 5.0)
    assert t.lookup("I", 5.0, 0.0)[0] == pytest.approx(0.4 + 2.5)  # clamped to the grid
    many = t.lookup_many("I", np.array([0.15, 0.3]), np.array([0.25, 1.0]))
    np.testing.assert_allclose(many[:, 0], [0.15 + 2.5, 0.3 + 10.0])


def test_save_and_load_round_trip(tmp_path) -> None:  # type: ignore[no-untyped-def]
    t = _synthetic()
    loaded = load_table(t.save(tmp_path / "t.npz"))
    np.testing.assert_array_equal(loaded.dots, t.dots)
    assert loaded.skin_types == ("I", "II")


def test_the_file_keeps_the_version_1_axis_name_and_either_name_reads(tmp_path) -> None:  # type: ignore[no-untyped-def]
    t = _synthetic()
    path = t.save(tmp_path / "t.npz")
    with np.load(path) as data:
        assert "dilutions" in data.files  # the version-1 format's name of the ink-fraction axis
        arrays = {k: data[k] for k in data.files}
    arrays["ink_fractions"] = arrays.pop("dilutions")
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    np.testing.assert_array_equal(load_table(buffer.getvalue()).ink_fractions, t.ink_fractions)
    np.testing.assert_array_equal(packaged_table().ink_fractions, [0.1, 0.25, 0.5, 1.0])


def test_bad_tables_are_refused() -> None:
    with pytest.raises(DocumentError, match="not an appearance table"):
        load_table(b"not a table")
    buffer = io.BytesIO()
    np.savez(
        buffer,
        dots=np.zeros(3),
        skins=np.zeros(3),
        depths_mm=np.zeros(3),
        dilutions=np.zeros(3),
        meta=np.array(json.dumps({"schema_version": 99})),
    )
    with pytest.raises(DocumentError) as info:
        load_table(buffer.getvalue())
    assert info.value.field == "table.schema_version"


def test_the_packaged_table_shows_the_physics() -> None:
    t = packaged_table()
    assert t.meta["photons_per_wavelength"] >= 5000
    contrast = [t.lookup("II", d, 1.0)[DOT_FIELDS.index("delta_e2000")] for d in t.depths_mm]
    assert contrast[0] > contrast[-1] + 20
    dark = t.lookup("V", 0.3, 1.0)[DOT_FIELDS.index("delta_e2000")]
    assert dark < t.lookup("II", 0.3, 1.0)[DOT_FIELDS.index("delta_e2000")]
    light_skin = t.skin("I")[SKIN_FIELDS.index("L")]
    assert light_skin > t.skin("VI")[SKIN_FIELDS.index("L")] + 20
