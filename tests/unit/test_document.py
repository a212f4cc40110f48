from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import numpy as np
import pytest

from smpstudio.design.document import (
    SCHEMA_VERSION,
    dump_design,
    json_schema,
    load_design,
    packaged_schema,
    read_design,
    write_design,
)
from smpstudio.errors import DocumentError
from smpstudio.skin.stubble import DEFAULT_HAIR, Hair
from tests.conftest import make_design


def test_published_schema_is_the_generated_one() -> None:
    assert packaged_schema() == json_schema()


def test_a_design_validates_against_the_published_schema() -> None:
    _, _, doc = make_design("norwood-3", "natural")
    jsonschema.validate(json.loads(dump_design(doc)), packaged_schema())


def test_reading_and_saving_again_gives_the_same_bytes(tmp_path: Path) -> None:
    _, _, doc = make_design("norwood-4", "widows-peak", follicular_units=True)
    first = write_design(doc, tmp_path / "a.json").read_bytes()
    again = write_design(read_design(tmp_path / "a.json"), tmp_path / "b.json").read_bytes()
    assert first == again
    assert json.loads(first)["schema_version"] == SCHEMA_VERSION


def _corrupt(edit: object) -> str:
    _, _, doc = make_design("norwood-3", "natural")
    data = json.loads(dump_design(doc))
    edit(data)  # type: ignore[operator]
    return json.dumps(data)


@pytest.mark.parametrize(
    ("edit", "path"),
    [
        (lambda d: d["dots"][5].__setitem__("diameter_mm", -0.1), "$.dots[5].diameter_mm"),
        (lambda d: d["dots"][0].__setitem__("zone", "beard"), "$.dots[0].zone"),
        (lambda d: d["dots"][2].__setitem__("position_mm", [1, 2]), "$.dots[2].position_mm"),
        (lambda d: d["hairline"].__setitem__("style", "wavy"), "$.hairline.style"),
        (lambda d: d["head"].pop("width_mm"), "$.head.width_mm"),
        (lambda d: d["summary"].__setitem__("dot_count", 3), "$.summary.dot_count"),
        (lambda d: d.__setitem__("extra", 1), "$.extra"),
        (lambda d: d.__setitem__("schema_version", 99), "$.schema_version"),
        (lambda d: d.pop("dots"), "$.dots"),
    ],
)
def test_corrupt_documents_name_the_json_path(edit: object, path: str) -> None:
    with pytest.raises(DocumentError) as info:
        load_design(_corrupt(edit))
    assert info.value.field is not None and info.value.field.startswith(path)


def test_not_json_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="not valid JSON"):
        load_design('{"schema_version": 1,')
    with pytest.raises(DocumentError, match="not a JSON object"):
        load_design("[1, 2]")
    with pytest.raises(DocumentError, match="no such file"):
        read_design(tmp_path / "missing.json")
    with pytest.raises(DocumentError, match="not valid JSON"):
        load_design(b"\xff\xfe\x00garbage")


def _as_version_3(text: str) -> dict:  # type: ignore[type-arg]
    """A current document written the version-3 way (no hairline shifts, no tone target)."""
    data = json.loads(text)
    data["schema_version"] = 3
    data["hairline"].pop("shift_mm")
    if data["proposal"] is not None:
        for key in ("tone_target", "stubble_rgb_linear"):
            data["proposal"].pop(key)
    return data  # type: ignore[no-any-return]


def _as_version_2(text: str) -> dict:  # type: ignore[type-arg]
    """A current document written the version-2 way (no hair, no proposal, no body ink and size)."""
    data = _as_version_3(text)
    data["schema_version"] = 2
    for key in ("hair", "proposal"):
        data.pop(key)
    for key in ("ink_fraction", "dot_diameter_mm"):
        data["maps"].pop(key)
    return data  # type: ignore[no-any-return]


def _as_version_1(text: str) -> dict:  # type: ignore[type-arg]
    """A current document written the version-1 way (also ``shade`` for the ink fraction)."""
    data = _as_version_2(text)
    data["schema_version"] = 1
    for dot in data["dots"]:
        dot["shade"] = dot.pop("ink_fraction")
    return data  # type: ignore[no-any-return]


def test_a_version_1_document_still_reads_and_is_upgraded() -> None:
    _, _, doc = make_design("norwood-3", "natural")
    text = dump_design(doc)
    old = _as_version_1(text)
    jsonschema.validate(old, packaged_schema(1))  # version 1 stays published beside version 4
    upgraded = load_design(json.dumps(old))
    assert upgraded.header.schema_version == SCHEMA_VERSION == 4
    np.testing.assert_array_equal(upgraded.dots.ink_fraction, np.round(doc.dots.ink_fraction, 3))
    assert dump_design(upgraded) == text  # written again as version 4, the same bytes


def test_a_version_2_document_gets_the_default_hair_and_the_body_values_it_was_drawn_with() -> None:
    _, _, doc = make_design("norwood-3", "natural")
    text = dump_design(doc)
    old = _as_version_2(text)
    jsonschema.validate(old, packaged_schema(2))
    upgraded = load_design(json.dumps(old))
    assert upgraded.header.hair.hair() == DEFAULT_HAIR
    assert (upgraded.header.maps.ink_fraction, upgraded.header.maps.dot_diameter_mm) == (0.65, 0.12)
    assert upgraded.spec.hair == DEFAULT_HAIR
    assert dump_design(upgraded) == text


def test_a_version_3_document_loads_with_the_style_curve_and_no_shift() -> None:
    _, _, doc = make_design("norwood-3", "natural")
    text = dump_design(doc)
    old = _as_version_3(text)
    jsonschema.validate(old, packaged_schema(3))
    upgraded = load_design(json.dumps(old))
    assert upgraded.header.hairline.shift_mm == {} and upgraded.spec.hairline_shift_mm == ()
    assert upgraded.header.proposal is None or upgraded.header.proposal.tone_target == "hair model"
    assert dump_design(upgraded) == text
    old["hairline"]["shift_mm"] = {"frontal_right": 5.0}  # not a version-3 field
    with pytest.raises(DocumentError) as info:
        load_design(json.dumps(old))
    assert info.value.field == "$.hairline.shift_mm"


def test_the_hair_is_stored_and_read_back() -> None:
    _, _, doc = make_design("norwood-3", "natural")
    data = json.loads(dump_design(doc))
    data["hair"].update(colour="grey", grey_fraction=0.4, shave_length_mm=1.5)
    read = load_design(json.dumps(data))
    assert read.spec.hair == Hair(colour="grey", grey_fraction=0.4, shave_length_mm=1.5)
    data["hair"]["colour"] = "green"
    with pytest.raises(DocumentError) as info:
        load_design(json.dumps(data))
    assert info.value.field == "$.hair.colour"


def test_version_1_errors_name_the_version_1_path_and_unknown_versions_the_readable_ones() -> None:
    _, _, doc = make_design("norwood-3", "natural")
    old = _as_version_1(dump_design(doc))
    old["dots"][3]["shade"] = 2
    with pytest.raises(DocumentError) as info:
        load_design(json.dumps(old))
    assert info.value.field == "$.dots[3].shade"
    old["schema_version"] = 5
    with pytest.raises(DocumentError) as info:
        load_design(json.dumps(old))
    assert info.value.field == "$.schema_version" and info.value.allowed == "1, 2, 3, 4"


def test_a_design_keeps_its_spec_and_computes_its_context_once(monkeypatch: pytest.MonkeyPatch) -> None:
    import smpstudio.design.spec as spec_module

    calls: list[object] = []
    real = spec_module.design_context
    monkeypatch.setattr(spec_module, "design_context", lambda spec: calls.append(spec) or real(spec))
    _, _, doc = make_design("norwood-3", "natural")
    read = load_design(dump_design(doc))
    assert read.spec.seed == doc.seed and read.spec.pattern.name == "norwood-3"
    first = read.context
    assert read.context is first and len(calls) == 1
    assert read.header.hairline.height_mm == first.hairline_height_mm
