"""`smp design` takes the client's hair; design, preview and timeline report the tone match."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli import smp_in_process

DESIGN = ["design", "--pattern", "norwood-3", "--style", "natural", "--seed", "2", "--json"]


def test_design_takes_the_hair_and_reports_the_tone_match(tmp_path: Path) -> None:
    res = smp_in_process(
        tmp_path,
        *DESIGN,
        "--out",
        "d.json",
        "--hair-colour",
        "dark-brown",
        "--grey-fraction",
        "0.2",
        "--shave-length-mm",
        "0.5",
        "--skin-type",
        "II",
    )
    assert res.returncode == 0, res.stderr
    obj = json.loads(res.stdout)
    assert res.stdout.count("\n") == 1
    assert obj["hair"]["grey_fraction"] == 0.2 and obj["skin_type"] == "II"
    assert 0.0 <= obj["tone_match_delta_e00"] <= 2.0 and obj["greying_plan"]
    stored = json.loads((tmp_path / "d.json").read_text())
    assert stored["schema_version"] == 4 and stored["hair"]["colour"] == "dark-brown"

    res = smp_in_process(tmp_path, "preview", "d.json", "--size", "96", "--out", "p.png", "--json")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["tone_match_delta_e00"] >= 0.0


def test_explicit_values_win_and_bad_hair_is_named(tmp_path: Path) -> None:
    res = smp_in_process(
        tmp_path, *DESIGN, "--out", "e.json", "--density-per-cm2", "40", "--ink-fraction", "0.3"
    )
    assert res.returncode == 0, res.stderr
    obj = json.loads(res.stdout)
    assert obj["density_per_cm2"] == 40.0 and obj["ink_fraction"] == 0.3
    assert "density_per_cm2" not in obj["proposed"] and "ink_fraction" not in obj["proposed"]
    bad = smp_in_process(tmp_path, *DESIGN, "--out", "f.json", "--hair-colour", "green")
    assert bad.returncode == 2 and "hair_colour" in bad.stderr and "dark-brown" in bad.stderr
    bad = smp_in_process(
        tmp_path, *DESIGN, "--out", "f.json", "--clipper-guard", "1", "--shave-length-mm", "1"
    )
    assert bad.returncode == 2 and "clipper_guard" in bad.stderr
    assert not (tmp_path / "f.json").exists()


def test_timeline_reports_the_tone_match(tmp_path: Path) -> None:
    assert smp_in_process(tmp_path, *DESIGN, "--out", "d.json").returncode == 0
    res = smp_in_process(tmp_path, "timeline", "d.json", "--out", "t.png", "--size", "96", "--json")
    assert res.returncode == 0, res.stderr
    obj = json.loads(res.stdout)
    assert 0.0 <= obj["tone_match_delta_e00"] <= 2.0
