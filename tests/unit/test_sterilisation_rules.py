"""The care rules' sterilisation bands: cited minimums that no clinic setting lowers."""

from __future__ import annotations

import pytest

from smpstudio.care.rules import RuleOverrides, load_rules
from smpstudio.errors import InputError
from smpstudio.services.sterilisation import cycle_failure

RULES = load_rules("care").data


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            "[[care.sterilisation.cycles]]\ntemperature_c = 134\nminutes = 1\npressure_kpa = 206\n"
            "[[care.sterilisation.cycles]]\ntemperature_c = 121\nminutes = 15\npressure_kpa = 103\n",
            "rules.sterilisation.cycles[0].minutes",
        ),
        (
            "[[care.sterilisation.cycles]]\ntemperature_c = 100\nminutes = 3\npressure_kpa = 206\n",
            "rules.sterilisation.cycles",
        ),
    ],
)
def test_a_clinic_cannot_lower_a_sterilisation_band(body: str, field: str) -> None:
    with pytest.raises(InputError) as caught:
        load_rules("care", RuleOverrides.from_toml(body))
    assert caught.value.field == field


def test_every_band_cites_its_source() -> None:
    section = RULES["sterilisation"]
    assert "[htm01-05]" in section["source"] and "[cdc-sterilization]" in section["source"]
    assert {(b["temperature_c"], b["minutes"], b["pressure_kpa"]) for b in section["cycles"]} == {
        (134, 3, 206),
        (121, 15, 103),
    }


@pytest.mark.parametrize(
    ("temperature", "minutes", "pressure", "indicator", "failed"),
    [
        (134, 3, 206, "pass", False),
        (121, 15, 103, "pass", False),
        (128, 20, 140, "pass", False),  # above the 121 °C band
        (134, 20, 150, "pass", False),  # short of 134 °C's pressure, but a 121 °C hold
        (134, 2.9, 206, "pass", True),
        (121, 14, 103, "pass", True),
        (120, 60, 200, "pass", True),
        (134, 4, 206, "fail", True),
    ],
)
def test_a_cycle_fails_below_every_band(
    temperature: float, minutes: float, pressure: float, indicator: str, failed: bool
) -> None:
    assert (cycle_failure(RULES, temperature, minutes, pressure, indicator) is not None) == failed
