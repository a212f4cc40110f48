"""``smp optics dot`` answers from the packaged appearance table; only a fresh run leaves its grid."""

from __future__ import annotations

import pytest

from smpstudio.errors import InputError
from smpstudio.services.optics import OUTSIDE_TABLE, DotLookRequest, dot_look
from smpstudio.skin.appearance_table import DOT_FIELDS, SKIN_FIELDS, packaged_table


def test_a_grid_point_returns_the_table_values() -> None:
    table = packaged_table()
    look = dot_look(DotLookRequest.of(skin_type="IV", depth_mm=0.2, ink_fraction=0.5))
    s, i, j = (
        table.skin_types.index("IV"),
        list(table.depths_mm).index(0.2),
        list(table.ink_fractions).index(0.5),
    )
    row = table.dots[s, 0, i, j]
    assert look.source == "table"
    assert look.dot_srgb == pytest.approx(list(row[:3]), abs=1e-5)
    assert look.delta_e2000 == pytest.approx(row[DOT_FIELDS.index("delta_e2000")], abs=1e-4)
    assert look.blur_fwhm_mm == pytest.approx(row[DOT_FIELDS.index("blur_fwhm_mm")], abs=1e-4)
    assert look.blue_red_ratio_skin == pytest.approx(
        table.skins[s, SKIN_FIELDS.index("blue_red_ratio")], abs=1e-5
    )
    expected = -(row[5] - table.skins[s, 5]) / abs(row[3] - table.skins[s, 3])
    assert look.blue_shift == pytest.approx(expected, abs=1e-3)


def test_between_grid_points_it_interpolates() -> None:
    a = dot_look(DotLookRequest.of(depth_mm=0.2)).delta_e2000
    b = dot_look(DotLookRequest.of(depth_mm=0.3)).delta_e2000
    mid = dot_look(DotLookRequest.of(depth_mm=0.25)).delta_e2000
    assert mid == pytest.approx(0.5 * (a + b), abs=1e-3)


@pytest.mark.parametrize(
    ("values", "field", "allowed"),
    [
        ({"depth_mm": 2.0}, "depth_mm", "0.07-1.5 mm"),
        ({"depth_mm": 0.0}, "depth_mm", "0.07-1.5 mm"),
        ({"ink_fraction": 0.05}, "ink_fraction", "0.1-1"),
        ({"depth_mm": float("nan")}, "depth_mm", "0.07-1.5 mm"),
    ],
)
def test_outside_the_grid_the_error_names_the_field_and_the_range(
    values: dict[str, float], field: str, allowed: str
) -> None:
    with pytest.raises(InputError) as info:
        dot_look(DotLookRequest.of(**values))
    assert info.value.field == field and info.value.code == OUTSIDE_TABLE
    assert allowed in (info.value.allowed or "") and "--" not in str(info.value)


def test_unknown_skin_types_and_pigments_name_their_field() -> None:
    for values, field in (({"skin_type": "VII"}, "skin_type"), ({"pigment": "henna"}, "pigment")):
        with pytest.raises(InputError) as info:
            dot_look(DotLookRequest.of(**values))
        assert info.value.field == field


def test_the_command_answers_from_the_table_and_points_outside_it_to_fresh(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    from tests.cli import smp_in_process

    res = smp_in_process(tmp_path, "optics", "dot", "--skin-type", "II", "--depth-mm", "0.5", "--json")
    assert res.returncode == 0, res.stderr
    obj = json.loads(res.stdout)
    assert obj["source"] == "table" and obj["blue_shift"] > 1.0
    bad = smp_in_process(tmp_path, "optics", "dot", "--depth-mm", "2")
    assert bad.returncode == 2 and "depth_mm" in bad.stderr and "0.07-1.5 mm" in bad.stderr
    assert "--fresh" in bad.stderr and "Traceback" not in bad.stderr
