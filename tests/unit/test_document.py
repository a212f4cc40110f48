from __future__ import annotations

import json
from pathlib import Path

import jsonschema
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
