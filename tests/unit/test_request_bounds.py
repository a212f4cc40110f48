"""Request models refuse ids beyond 64 bits and dates outside 1900-2999 with one short error naming the
field; a validation error never echoes a user's value whole (a huge dict key, a long quoted value)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pydantic import Field, field_validator

from smpstudio.errors import InputError
from smpstudio.services.lots import AddLotRequest, AdjustLotRequest, LotsExpiringRequest
from smpstudio.services.models import Request
from smpstudio.services.sessions import SessionRequest
from smpstudio.services.sterilisation import CycleRequest, SporeTestRequest

BIG = 10**20
LOT = {"kind": "pigment", "product": "p", "lot": "L1", "quantity": 1}
SESSION = {"client_id": 1, "practitioner_id": 2, "pigment_lot": "P1", "needle_lot": "N1"}
CYCLE = {"load": "1", "temperature_c": 134, "pressure_kpa": 210, "minutes": 4, "indicator": "pass"}


def _refused(build: Any, field: str) -> InputError:
    with pytest.raises(InputError) as info:
        build()
    assert info.value.field == field, str(info.value)
    assert len(str(info.value)) < 300
    return info.value


@pytest.mark.parametrize("value", [BIG, 2**63, str(BIG), 0, -3, "abc", "1.5", True])
@pytest.mark.parametrize(
    ("model", "base", "field"),
    [
        (SessionRequest, SESSION, "client_id"),
        (SessionRequest, SESSION, "practitioner_id"),
        (SessionRequest, SESSION, "sterilisation_cycle"),
        (SessionRequest, SESSION, "design_version"),
        (AdjustLotRequest, {"delta": 1, "reason": "count"}, "lot_id"),
    ],
)
def test_ids_beyond_64_bits_are_refused_naming_the_field(
    model: type[Request], base: dict[str, Any], field: str, value: object
) -> None:
    error = _refused(lambda: model.of(**{**base, field: value}), field)
    assert "is not an id" in error.message


def test_the_largest_id_is_taken() -> None:
    assert SessionRequest.of(**{**SESSION, "sterilisation_cycle": 2**63 - 1}).sterilisation_cycle == 2**63 - 1
    assert AdjustLotRequest.of(lot_id=str(2**63 - 1), delta=1, reason="x").lot_id == 2**63 - 1


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1899-12-31", "3000-01-01"])
def test_dates_outside_the_records_range_are_refused(day: str) -> None:
    _refused(lambda: AddLotRequest.of(**LOT, expires=day), "expires")
    _refused(lambda: AddLotRequest.of(**LOT, expires=dt.date.fromisoformat(day)), "expires")
    _refused(lambda: LotsExpiringRequest.of(on=day), "on")
    _refused(lambda: SporeTestRequest.of(result="pass", tested_on=day), "tested_on")
    _refused(lambda: CycleRequest.of(**CYCLE, run_at=dt.datetime.fromisoformat(day)), "run_at")
    _refused(lambda: SessionRequest.of(**SESSION, started=dt.datetime.fromisoformat(day)), "started")


def test_dates_at_the_edges_of_the_range_are_taken() -> None:
    assert AddLotRequest.of(**LOT, expires="2999-12-31").expires == dt.date(2999, 12, 31)
    assert LotsExpiringRequest.of(on="1900-01-01").on == dt.date(1900, 1, 1)


def test_times_with_an_offset_keep_it() -> None:
    """A time written with its UTC offset is that instant; one without is the clinic's local time."""
    with_offset = SessionRequest.of(**SESSION, started="2026-06-01T10:00+02:00").started
    assert with_offset == dt.datetime(2026, 6, 1, 8, 0, tzinfo=dt.UTC)
    assert SessionRequest.of(**SESSION, started="2026-06-01T10:00").started == dt.datetime(2026, 6, 1, 10, 0)
    run_at = CycleRequest.of(**CYCLE, run_at="2026-06-01T10:00-05:00").run_at
    assert run_at == dt.datetime(2026, 6, 1, 15, 0, tzinfo=dt.UTC)


class _Doc(Request):
    values: dict[str, int] = Field(default_factory=dict)
    code: str = "x"

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        if value != "x":
            raise ValueError(f"unknown code {value!r}")
        return value


def test_a_validation_error_never_echoes_a_huge_key_or_value_whole() -> None:
    key = "k" * 100_000
    for build in (
        lambda: _Doc.of(values={key: "not a number"}),
        lambda: _Doc.of(**{key: 1}),
        lambda: _Doc.of(code="c" * 100_000),
        lambda: AddLotRequest.of(**{**LOT, "kind": "p" * 100_000}, expires="2030-01-01"),
    ):
        with pytest.raises(InputError) as info:
            build()
        text = str(info.value)
        assert len(text) < 400 and "k" * 50 not in text and "c" * 50 not in text and "p" * 50 not in text
        assert info.value.field and len(info.value.field) < 100


def test_a_short_key_is_named_as_it_is() -> None:
    with pytest.raises(InputError) as info:
        _Doc.of(values={"density": "high"})
    assert info.value.field == "values.density"
    with pytest.raises(InputError) as info:
        _Doc.of(code="nope")
    assert "'nope'" in info.value.message
