"""The one error shape: each kind maps once to its exit code and HTTP status; long values are not echoed."""

from __future__ import annotations

import pytest

from smpstudio import errors
from smpstudio.errors import (
    AccessError,
    BusyError,
    ConflictError,
    InputError,
    NotFoundError,
    RateLimitedError,
    RefusedError,
    SmpError,
    UnauthenticatedError,
    parse_date,
    parse_json_text,
)

CONTRACT = {  # the published contract (README, errors module): kind -> (exit code, HTTP status)
    "invalid": (2, 422),
    "unauthenticated": (4, 401),
    "forbidden": (4, 403),
    "not_found": (2, 404),
    "conflict": (2, 409),
    "refused": (2, 409),
    "rate_limited": (3, 429),
    "busy": (3, 503),
    "internal": (1, 500),
}


@pytest.mark.parametrize(
    "cls",
    [
        SmpError,
        InputError,
        UnauthenticatedError,
        AccessError,
        NotFoundError,
        ConflictError,
        RefusedError,
        RateLimitedError,
        BusyError,
    ],
)
def test_each_kind_maps_to_the_contract(cls: type[SmpError]) -> None:
    exc = cls("message", field="some_field")
    assert (exc.exit_code, exc.http_status) == CONTRACT[exc.kind]
    body = exc.to_dict()
    assert body == {
        "ok": False,
        "error": "message",
        "code": exc.code,
        "kind": exc.kind,
        "field": "some_field",
        "allowed": None,
    }
    assert exc.code.isidentifier() and exc.code == exc.code.lower()


def test_the_maps_cover_every_kind() -> None:
    assert set(errors.EXIT_CODES) == set(errors.HTTP_STATUSES) == set(CONTRACT)


def test_a_huge_value_is_not_echoed_whole() -> None:
    with pytest.raises(InputError) as info:
        parse_date("9" * 100_000, "date_of_birth")
    assert len(str(info.value)) < 200 and info.value.field == "date_of_birth"


@pytest.mark.parametrize(
    ("text", "problem"),
    [(b"\xff\xfe", "UTF-8"), ("{", "not valid JSON"), ("[" * 100_000 + "]" * 100_000, "")],
)
def test_bad_json_names_the_field(text: str | bytes, problem: str) -> None:
    with pytest.raises(InputError) as info:
        parse_json_text(text, "answers")
    assert info.value.field == "answers" and problem in info.value.message
