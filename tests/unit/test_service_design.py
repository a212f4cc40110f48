"""The design services called directly: typed requests in, typed results out, no files."""

from __future__ import annotations

import json

import pytest

from smpstudio.errors import DocumentError, InputError
from smpstudio.services.design import (
    DesignRequest,
    catalogue,
    create_design,
    design_result,
    parse_design,
    parse_regions,
    parse_sessions,
)
from tests.conftest import make_design

SMALL = {"pattern": "norwood-3", "style": "natural", "density_per_cm2": 30.0, "seed": 3}


def test_create_design_returns_the_summary_and_the_document() -> None:
    result = create_design(DesignRequest.of(**SMALL))
    obj = result.to_json()
    assert "document" not in obj and obj["seed"] == 3 and obj["schema_version"] == 4
    assert obj["dot_count"] == len(result.document.dots) > 100
    assert sum(obj["dots_per_session"]) == obj["dot_count"]
    # The content is the canonical document: parsing it gives the same bytes again.
    again = parse_design(result.content())
    assert design_result(again).content() == result.content()
    json.loads(result.content())  # plain JSON


def test_the_same_seed_gives_the_same_design() -> None:
    a = create_design(DesignRequest.of(**SMALL)).content()
    b = create_design(DesignRequest.of(**SMALL)).content()
    assert a == b


def test_a_created_design_keeps_the_context_it_was_built_with() -> None:
    result = create_design(DesignRequest.of(**SMALL))
    doc = result.document
    assert doc.context is doc.spec.context  # no second computation for its previews


def test_requests_name_the_bad_field() -> None:
    with pytest.raises(InputError) as info:
        DesignRequest.of(pattern="full", density_per_cm2="lots")
    assert info.value.field == "density_per_cm2"
    with pytest.raises(InputError) as info:
        DesignRequest.of(pattern="full", colour="red")
    assert info.value.field == "colour"
    for values, field in (
        ({"pattern": "norwood-9"}, "pattern"),
        ({"pattern": "full", "style": "curly"}, "style"),
        ({"pattern": "full", "head": "child"}, "head"),
        ({"pattern": "full", "density_per_cm2": 900.0}, "density_per_cm2"),
        ({"pattern": "full", "hairline_height_mm": 50.0}, "hairline_height_mm"),
    ):
        with pytest.raises(InputError) as info:
            create_design(DesignRequest.of(**values))
        assert info.value.field == field
        assert "--" not in str(info.value)  # services name no flag


def test_sessions_and_regions_parse_or_name_their_field() -> None:
    assert parse_sessions("3") == pytest.approx((1 / 3, 2 / 3, 1.0), abs=1e-6)
    assert parse_sessions("0.5, 1") == (0.5, 1.0)
    assert parse_regions(["0,0; 10,0; 10,10"]) == (((0.0, 0.0), (10.0, 0.0), (10.0, 10.0)),)
    with pytest.raises(InputError) as info:
        parse_sessions("a,b")
    assert info.value.field == "sessions"
    with pytest.raises(InputError) as info:
        parse_regions(["1,2;3"])
    assert info.value.field == "region"


def test_parse_design_reads_bytes_and_names_json_paths() -> None:
    _, _, doc = make_design("norwood-3", "natural")
    text = design_result(doc).content()
    assert len(parse_design(text).dots) == len(doc.dots)
    data = json.loads(text)
    data["dots"][2]["zone"] = "beard"
    with pytest.raises(DocumentError) as info:
        parse_design(json.dumps(data).encode())
    assert info.value.field == "$.dots[2].zone"


def test_catalogue_lists_the_choices() -> None:
    cat = catalogue()
    assert "norwood-3v" in cat.patterns and "widows-peak" in cat.styles
    assert "hairline" in cat.views and {"healed", "plan"} <= set(cat.looks)
    assert "dark-brown" in cat.hair_colours and cat.clipper_guards["0.5"] == 1.5
    assert set(cat.heads["male"]) == {"length_mm", "width_mm", "height_mm"}
