"""Designs carry the client's hair, propose what matches its stubble, and blend scars into it."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import ndimage

from smpstudio.design.patterns import region_mask
from smpstudio.errors import InputError
from smpstudio.services.design import DesignRequest, create_design, design_tone_match, parse_design

SMALL = {"pattern": "norwood-3", "style": "natural", "seed": 3}
SCAR = (((-15.0, -40.0), (15.0, -40.0), (15.0, -20.0), (-15.0, -20.0)),)


def test_without_choices_the_design_matches_the_default_stubble() -> None:
    result = create_design(DesignRequest.of(**SMALL))
    obj = result.to_json()
    assert obj["hair"]["colour"] == "dark-brown" and obj["hair"]["shave_length_mm"] == 0.5
    assert set(obj["proposed"]) == {"density_per_cm2", "dot_diameter_mm", "ink_fraction", "sessions"}
    assert obj["tone_match_delta_e00"] <= 2.0 and obj["tone_match_reachable"]
    assert set(obj["tone_match_zones"]) <= {"hairline", "frontal", "midscalp", "crown", "fringe", "feather"}
    assert obj["greying_plan"] == []  # no grey hair yet
    header = json.loads(result.content())
    assert header["hair"] == obj["hair"] and header["proposal"]["skin_type"] == "III"
    assert header["maps"]["density_per_cm2"] == obj["density_per_cm2"] == 100.0


def test_given_values_win_and_are_stored() -> None:
    result = create_design(
        DesignRequest.of(
            **SMALL, density_per_cm2=30.0, dot_diameter_mm=0.1, ink_fraction=0.5, sessions=(0.5, 1.0)
        )
    )
    m = result.document.header.maps
    assert (m.density_per_cm2, m.dot_diameter_mm, m.ink_fraction, m.sessions) == (30.0, 0.1, 0.5, [0.5, 1.0])
    assert result.proposed == []
    # Body dots are drawn around the given diameter and ink fraction.
    body = result.document.dots.zone == 2  # midscalp
    if body.any():
        assert float(np.median(result.document.dots.diameter_mm[body])) == pytest.approx(0.1, abs=0.01)


def test_the_clients_hair_is_stored_and_a_greying_client_gets_a_plan() -> None:
    result = create_design(
        DesignRequest.of(**SMALL, hair_colour="black", grey_fraction=0.3, clipper_guard="0.5", skin_type="IV")
    )
    hair = result.document.header.hair
    assert (hair.colour, hair.grey_fraction, hair.shave_length_mm) == ("black", 0.3, 1.5)
    assert result.skin_type == "IV" and len(result.greying_plan) >= 1
    assert result.greying_plan[0].grey_fraction > 0.3
    again = parse_design(result.content())
    assert again.spec.hair.colour == "black"
    assert design_tone_match(again, skin_type="IV")[0] == result.tone_match_delta_e00


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"hair_colour": "purple"}, "hair_colour"),
        ({"grey_fraction": 2.0}, "grey_fraction"),
        ({"clipper_guard": "3"}, "clipper_guard"),
        ({"clipper_guard": "1", "shave_length_mm": 1.0}, "clipper_guard"),
        ({"shave_length_mm": 9.0}, "shave_length_mm"),
        ({"skin_type": "VII"}, "skin_type"),
        ({"ink_fraction": 0.0}, "ink_fraction"),
        ({"dot_diameter_mm": 0.5}, "dot_diameter_mm"),
        ({"sessions": (0.8, 0.5)}, "sessions"),
    ],
)
def test_bad_hair_and_values_name_the_field(values: dict[str, object], field: str) -> None:
    with pytest.raises(InputError) as info:
        create_design(DesignRequest.of(**SMALL, **values))
    assert info.value.field == field


def test_a_scar_blends_into_the_stubble_around_it() -> None:
    result = create_design(DesignRequest.of(pattern="norwood-1", seed=5, regions=SCAR))
    maps = result.document.context.maps
    grid = maps.grid
    inside = region_mask(grid, SCAR)
    out_mm = ndimage.distance_transform_edt(~inside) * grid.step_mm
    # Bald inside, full-strength dots there; the margin's hair and dots share the cell; no dots on top
    # of the full stubble around it (they would draw a darker ring).
    assert maps.hair[inside].max() == 0.0
    assert maps.density_per_mm2[inside].min() * 100 == pytest.approx(result.density_per_cm2)
    margin = (out_mm > 0) & (out_mm <= 1.0)
    total = maps.hair[margin] + maps.density_per_mm2[margin] * 100 / result.density_per_cm2
    np.testing.assert_allclose(total, 1.0, atol=1e-9)
    ring = (out_mm > 2.0) & (out_mm < 12.0)
    assert maps.hair[ring].min() == 1.0 and maps.density_per_mm2[ring].max() == 0.0
    assert result.tone_match_zones["scar"] <= 2.0


@pytest.mark.parametrize(("skin_type", "colour"), [("I", "blond"), ("III", "red"), ("V", "black")])
def test_built_designs_keep_the_match_the_proposal_promised(skin_type: str, colour: str) -> None:
    result = create_design(DesignRequest.of(**SMALL, skin_type=skin_type, hair_colour=colour))
    proposal = result.document.header.proposal
    assert proposal is not None and proposal.reachable
    assert result.tone_match_delta_e00 <= 2.0 and result.tone_match_reachable
