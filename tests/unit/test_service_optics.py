"""The optics services called directly: parsed or byte inputs, typed results, files as bytes."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from PIL import Image

from smpstudio.errors import DocumentError, InputError
from smpstudio.services.optics import (
    BuildTableRequest,
    DotLookRequest,
    SimulateRequest,
    SweepRequest,
    TransportRequest,
    _table_bytes,
    build_table,
    depth_sweep,
    dot_look,
    parse_depths,
    run_transport,
    simulate_technique,
)
from smpstudio.skin.appearance_table import load_table, packaged_table

SLAB = {
    "n_above": 1.0,
    "n_below": 1.0,
    "layers": [{"n": 1.0, "mua_per_mm": 1.0, "mus_per_mm": 9.0, "g": 0.75, "thickness_mm": 0.2}],
}


def test_transport_takes_parsed_or_text_configurations() -> None:
    request = TransportRequest.of(photons=5000, seed=3)
    parsed = run_transport(SLAB, request)
    text = run_transport(json.dumps(SLAB).encode(), request)
    assert parsed.diffuse_reflectance == text.diffuse_reflectance and parsed.photons == 5000
    total = parsed.specular + parsed.diffuse_reflectance + parsed.absorbed + parsed.transmittance
    assert total == pytest.approx(1.0, abs=1e-6)
    with pytest.raises(DocumentError) as info:
        run_transport(b"{not json", request)
    assert info.value.field == "config"


@pytest.mark.slow
def test_a_dot_look_and_a_sweep_name_the_ink_fraction() -> None:
    weak = dot_look(DotLookRequest.of(depth_mm=0.3, ink_fraction=0.1, photons=500, fresh=True))
    strong = dot_look(DotLookRequest.of(depth_mm=0.3, ink_fraction=1.0, photons=500, fresh=True))
    assert weak.delta_e2000 < strong.delta_e2000 and weak.source == strong.source == "monte-carlo"
    sweep = depth_sweep(SweepRequest.of(depths_mm=(0.1, 0.5), ink_fraction=0.5, photons=500))
    obj = sweep.to_json()
    assert obj["ink_fraction"] == 0.5 and "dilution" not in obj and len(obj["points"]) == 2
    assert Image.open(io.BytesIO(sweep.chart)).format == "PNG"
    assert sweep.stored_at("c.png").out == "c.png"


def test_depths_parse_or_name_their_field() -> None:
    assert parse_depths("0.1, 0.5") == (0.1, 0.5)
    for bad in ("0.1,x", "9", ""):
        with pytest.raises(InputError) as info:
            parse_depths(bad)
        assert info.value.field == "depths"


def test_simulate_from_a_preset_or_a_needle_and_names_no_flag() -> None:
    smp = simulate_technique(SimulateRequest.of(technique="smp"))
    own = simulate_technique(SimulateRequest.of(needle="1RL-0.25", depth_mm=0.2, ink_fraction=0.5))
    assert own.healed_diameter_mm == smp.healed_diameter_mm
    assert 3.0 <= (smp.touch_up_due_years or 0) <= 5.0
    deep = simulate_technique(SimulateRequest.of(technique="tattoo"))
    assert {r.code for r in deep.risks} >= {"too-deep", "tattoo-ink"}
    for values in ({"technique": "smp", "needle": "1RL-0.25"}, {"needle": "1RL-0.25"}):
        with pytest.raises(InputError) as info:
            simulate_technique(SimulateRequest.of(**values))
        assert info.value.code == "technique_or_needle" and "--" not in str(info.value)
    with pytest.raises(InputError) as info:
        simulate_technique(SimulateRequest.of(needle="1RL-0.25", depth_mm=0.2, ink_fraction=2.0))
    assert info.value.field == "ink_fraction"


def test_table_bytes_are_the_table_file_and_bad_photons_are_refused_first() -> None:
    table = packaged_table()
    again = load_table(_table_bytes(table))
    np.testing.assert_array_equal(again.dots, table.dots)
    np.testing.assert_array_equal(again.ink_fractions, table.ink_fractions)
    with pytest.raises(InputError) as info:
        build_table(BuildTableRequest.of(photons=10))
    assert info.value.field == "photons"
