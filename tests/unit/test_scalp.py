from __future__ import annotations

import pytest

from smpstudio.errors import InputError
from smpstudio.skin.scalp import Dot, ScalpSkin, scalp_stack


def test_skin_stack_has_epidermis_over_dermis() -> None:
    stack = scalp_stack(ScalpSkin("III"), 550.0)
    assert len(stack.layers) == 2
    epi, derm = stack.layers
    assert epi.thickness_mm == pytest.approx(0.066) and derm.thickness_mm is None
    assert epi.mua_per_mm > derm.mua_per_mm  # melanin
    assert stack.layers[0].n == 1.4 and stack.n_above == 1.0


def test_a_dot_adds_an_absorbing_deposit_at_its_depth() -> None:
    stack = scalp_stack(ScalpSkin("III"), 550.0, Dot(0.3, 0.5))
    tops = [0.0]
    for layer in stack.layers[:-1]:
        tops.append(tops[-1] + (layer.thickness_mm or 0.0))
    deposit = max(range(len(stack.layers)), key=lambda i: stack.layers[i].mua_per_mm)
    assert tops[deposit] == pytest.approx(0.3)
    # Ink fraction one half: optical depth 1.5 over the 0.1 mm deposit at 550 nm, on top of the dermis.
    assert stack.layers[deposit].mua_per_mm - stack.layers[-1].mua_per_mm == pytest.approx(15.0)


def test_darker_types_absorb_more_in_the_epidermis() -> None:
    mua = [scalp_stack(ScalpSkin(t), 500.0).layers[0].mua_per_mm for t in ("I", "II", "III", "IV", "V", "VI")]
    assert mua == sorted(mua)


@pytest.mark.parametrize(
    ("kwargs", "field"), [({"fitzpatrick": "VII"}, "skin_type"), ({"epidermis_mm": 1.0}, "epidermis_mm")]
)
def test_bad_skin_names_the_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InputError) as info:
        ScalpSkin(**kwargs)  # type: ignore[arg-type]
    assert info.value.field == field


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"depth_mm": -0.1}, "depth_mm"),
        ({"depth_mm": 0.3, "ink_fraction": 2}, "ink_fraction"),
        ({"depth_mm": 0.3, "pigment": "henna"}, "pigment"),
    ],
)
def test_bad_dot_names_the_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InputError) as info:
        Dot(**kwargs)  # type: ignore[arg-type]
    assert info.value.field == field
