"""The `smp` command as a user runs it: files, exit codes, stderr and one JSON object on stdout.

Commands run in-process through Typer's CliRunner (in the test's folder); a few smoke tests run the real
``smp`` process, as a user's shell would.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from smpstudio.cli.main import app
from smpstudio.services.demo import DEMO_SHOTS

SMP = [sys.executable, "-m", "smpstudio.cli.main"]
DESIGN = ["design", "--pattern", "norwood-6", "--style", "soft", "--seed", "4", "--json", "--out"]
RUNNER = CliRunner()


@dataclass(frozen=True)
class Ran:
    """What a command left: exit code, stdout, stderr (the shape of ``subprocess.CompletedProcess``)."""

    returncode: int
    stdout: str
    stderr: str


def smp(*args: str, cwd: Path) -> Ran:
    """Run ``smp ARGS`` in-process in the folder ``cwd``."""
    with contextlib.chdir(cwd):
        res = RUNNER.invoke(app, list(args))
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        raise res.exception
    return Ran(res.exit_code, res.stdout, res.stderr)


def smp_process(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``smp ARGS`` as a real process."""
    return subprocess.run([*SMP, *args], cwd=cwd, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cli")


@pytest.fixture(scope="module")
def design_file(workdir: Path) -> Path:
    res = smp(*DESIGN, "d.json", cwd=workdir)
    assert res.returncode == 0, res.stderr
    return workdir / "d.json"


def test_smp_version_and_help_run_as_a_process(tmp_path: Path) -> None:
    res = smp_process("--version", cwd=tmp_path)
    assert res.returncode == 0 and res.stdout.startswith("smpstudio ")
    res = smp_process("--help", cwd=tmp_path)
    assert res.returncode == 0 and "design" in res.stdout and "timeline" in res.stdout


def test_design_and_preview_run_as_a_process(tmp_path: Path) -> None:
    res = smp_process(*DESIGN, "d.json", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["seed"] == 4 and res.stdout.count("\n") == 1
    res = smp_process("preview", "d.json", "--size", "128", "--out", "p.png", "--json", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["out"] == "p.png"
    assert Image.open(tmp_path / "p.png").size == (128, 128)
    bad = smp("preview", "d.json", "--size", "99999", "--out", "p.png", cwd=tmp_path)  # in-process
    assert bad.returncode == 2 and "64 to 8000" in bad.stderr and "Traceback" not in bad.stderr


def test_design_json_is_exactly_one_object(workdir: Path, design_file: Path) -> None:
    res = smp(*DESIGN, "e.json", cwd=workdir)
    obj = json.loads(res.stdout)
    assert res.stdout.count("\n") == 1
    for key in (
        "schema_version",
        "dot_count",
        "treated_area_cm2",
        "mean_density_per_cm2",
        "hairline_height_mm",
        "seed",
        "warnings",
    ):
        assert key in obj
    assert obj["seed"] == 4 and obj["hairline_height_mm"] == 80.0 and obj["dot_count"] > 20000
    # The same seed writes the same bytes.
    assert (workdir / "e.json").read_bytes() == design_file.read_bytes()


def test_preview_writes_a_png_of_the_requested_size(workdir: Path, design_file: Path) -> None:
    res = smp(
        "preview",
        str(design_file),
        "--view",
        "three-quarter",
        "--size",
        "400",
        "--out",
        "p.png",
        "--json",
        cwd=workdir,
    )
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["size_px"] == 400
    img = np.asarray(Image.open(workdir / "p.png"))
    assert img.shape == (400, 400, 3) and img.std() > 10


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["design", "--pattern", "norwood-9", "--out", "x.json"], "norwood-1, norwood-2"),
        (["design", "--pattern", "full", "--style", "curly", "--out", "x.json"], "natural, soft, defined"),
        (["design", "--pattern", "full", "--hairline-height-mm", "50", "--out", "x.json"], "--force"),
        (["design", "--pattern", "full", "--density-per-cm2", "900", "--out", "x.json"], "10 to 200"),
        (["design", "--pattern", "full", "--sessions", "0.9,0.5,1", "--out", "x.json"], "sessions"),
        (["design", "--pattern", "full", "--region", "1,2;3", "--out", "x.json"], "region"),
        (["design", "--pattern", "full", "--head", "child", "--out", "x.json"], "male, female"),
        (["design", "--pattern", "full", "--out", "no/such/dir/x.json"], "does not exist"),
        (["preview", "missing.json", "--out", "p.png"], "no such file"),
        (["preview", "d.json", "--view", "side", "--out", "p.png"], "three-quarter"),
        (["preview", "d.json", "--size", "99999", "--out", "p.png"], "64 to 8000"),
        (["preview", "d.json", "--out", "p.gif"], ".png"),
    ],
)
def test_bad_input_names_the_field_exits_2_without_traceback(
    workdir: Path, design_file: Path, args: list[str], needle: str
) -> None:
    res = smp(*args, cwd=workdir)
    assert res.returncode == 2, (res.stdout, res.stderr)
    assert needle in res.stderr
    assert "Traceback" not in res.stderr and res.stdout == ""
    assert not (workdir / "x.json").exists()


def test_corrupt_design_file_names_the_json_path_and_keeps_files(workdir: Path, design_file: Path) -> None:
    data = json.loads(design_file.read_text())
    data["dots"][7]["ink_fraction"] = 3
    bad = workdir / "bad.json"
    bad.write_text(json.dumps(data))
    before = bad.read_bytes()
    res = smp("preview", "bad.json", "--out", "q.png", cwd=workdir)
    assert res.returncode == 2 and "$.dots[7].ink_fraction" in res.stderr
    assert bad.read_bytes() == before and not (workdir / "q.png").exists()


@pytest.mark.slow
def test_demo_writes_design_and_previews(tmp_path: Path) -> None:
    res = smp("demo", "--out-dir", "out", "--json", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    obj = json.loads(res.stdout)
    files = obj["files"]
    assert len(files) == len(DEMO_SHOTS) + 4 and all((tmp_path / p).exists() for p in files.values())
    assert {"timeline", "chart", "animation"} <= set(files) and 3.0 <= obj["touch_up_due_years"] <= 5.0


def test_catalogue_lists_every_pattern(workdir: Path) -> None:
    res = smp("catalogue", "--json", cwd=workdir)
    cat = json.loads(res.stdout)
    assert "norwood-3v" in cat["patterns"] and "widows-peak" in cat["styles"] and "top" in cat["views"]


def test_a_refused_design_leaves_an_existing_file_untouched(workdir: Path, design_file: Path) -> None:
    target = workdir / "keep.json"
    target.write_bytes(design_file.read_bytes())
    before = target.read_bytes()
    res = smp("design", "--pattern", "full", "--hairline-height-mm", "45", "--out", "keep.json", cwd=workdir)
    assert res.returncode == 2
    assert target.read_bytes() == before


def test_optics_mc_prints_the_contract_fields(workdir: Path) -> None:
    config = workdir / "slab.json"
    layer = {"n": 1.0, "mua_per_mm": 1.0, "mus_per_mm": 9.0, "g": 0.75, "thickness_mm": 0.2}
    config.write_text(json.dumps({"n_above": 1.0, "n_below": 1.0, "layers": [layer]}))
    res = smp("optics", "mc", "slab.json", "--photons", "20000", "--seed", "3", "--json", cwd=workdir)
    assert res.returncode == 0, res.stderr
    obj = json.loads(res.stdout)
    for key in (
        "specular",
        "diffuse_reflectance",
        "absorbed",
        "transmittance",
        "stderr",
        "photons",
        "photons_per_s",
    ):
        assert key in obj
    assert obj["photons"] == 20000 and set(obj["stderr"]) >= {"diffuse_reflectance", "transmittance"}
    again = json.loads(
        smp("optics", "mc", "slab.json", "--photons", "20000", "--seed", "3", "--json", cwd=workdir).stdout
    )
    assert again["diffuse_reflectance"] == obj["diffuse_reflectance"]


def test_optics_mc_rejects_bad_layers(workdir: Path) -> None:
    (workdir / "bad.json").write_text(
        '{"layers": [{"n": 1.4, "mua_per_mm": 1, "mus_per_mm": 9, "g": 1.5, "thickness_mm": 1}]}'
    )
    res = smp("optics", "mc", "bad.json", cwd=workdir)
    assert res.returncode == 2 and "layers[0].g" in res.stderr and "Traceback" not in res.stderr


def test_optics_dot_prints_the_contract_fields(workdir: Path) -> None:
    res = smp(
        "optics",
        "dot",
        "--skin-type",
        "III",
        "--depth-mm",
        "0.3",
        "--ink-fraction",
        "0.5",
        "--photons",
        "2000",
        "--json",
        cwd=workdir,
    )
    assert res.returncode == 0, res.stderr
    obj = json.loads(res.stdout)
    assert set(obj) == {
        "dot_srgb",
        "skin_srgb",
        "dot_lab",
        "skin_lab",
        "delta_e2000",
        "blue_red_ratio_dot",
        "blue_red_ratio_skin",
        "blur_fwhm_mm",
        "blue_shift",
        "source",
    }
    assert obj["source"] == "table"  # the packaged appearance table answers without --fresh
    assert all(0.0 <= v <= 1.0 for v in obj["dot_srgb"] + obj["skin_srgb"])


def test_dilution_is_a_deprecated_alias_of_ink_fraction(workdir: Path) -> None:
    args = ["optics", "dot", "--depth-mm", "0.3", "--photons", "1000", "--json"]
    new = smp(*args, "--ink-fraction", "0.5", cwd=workdir)
    old = smp(*args, "--dilution", "0.5", cwd=workdir)
    assert new.returncode == old.returncode == 0, old.stderr
    assert json.loads(old.stdout) == json.loads(new.stdout)  # the same meaning: the share of undiluted ink
    note = [line for line in old.stderr.splitlines() if "deprecated" in line]
    assert len(note) == 1 and "--dilution" in note[0] and "--ink-fraction" in note[0]
    assert "deprecated" not in new.stderr
    res = smp("simulate", "--technique", "smp", "--dilution", "0.5", "--json", cwd=workdir)
    assert res.returncode == 0 and "deprecated" in res.stderr
    clash = smp(*args, "--ink-fraction", "0.5", "--dilution", "0.25", cwd=workdir)
    assert clash.returncode == 2 and "ink_fraction" in clash.stderr


def test_a_version_1_design_file_still_previews(workdir: Path, design_file: Path) -> None:
    data = json.loads(design_file.read_text())
    data["schema_version"] = 1
    for key in ("hair", "proposal"):  # version 3 fields
        data.pop(key)
    data["hairline"].pop("shift_mm", None)  # a version 4 field
    for key in ("ink_fraction", "dot_diameter_mm"):
        data["maps"].pop(key)
    for dot in data["dots"]:
        dot["shade"] = dot.pop("ink_fraction")
    (workdir / "v1.json").write_text(json.dumps(data))
    res = smp("preview", "v1.json", "--size", "96", "--out", "v1.png", "--json", cwd=workdir)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["dot_count"] == len(data["dots"])


def test_json_output_is_the_service_result(workdir: Path) -> None:
    from smpstudio.services.design import catalogue

    res = smp("catalogue", "--json", cwd=workdir)
    assert json.loads(res.stdout) == catalogue().to_json()


def test_optics_sweep_writes_a_chart(workdir: Path) -> None:
    res = smp(
        "optics",
        "sweep",
        "--skin-type",
        "II",
        "--depths",
        "0.1,0.5",
        "--photons",
        "1000",
        "--out",
        "sweep.png",
        "--json",
        cwd=workdir,
    )
    assert res.returncode == 0, res.stderr
    points = json.loads(res.stdout)["points"]
    assert [p["depth_mm"] for p in points] == [0.1, 0.5]
    assert {"blue_shift", "delta_e2000", "blur_fwhm_mm"} <= set(points[0])
    img = np.asarray(Image.open(workdir / "sweep.png"))
    assert img.shape[0] > 400 and img.std() > 10
    bad = smp("optics", "sweep", "--depths", "0.1,x", "--out", "s.png", cwd=workdir)
    assert bad.returncode == 2 and "depths" in bad.stderr


def test_simulate_prints_the_contract_fields(workdir: Path) -> None:
    res = smp("simulate", "--technique", "smp", "--skin-type", "III", "--json", cwd=workdir)
    assert res.returncode == 0, res.stderr
    obj = json.loads(res.stdout)
    assert set(obj) == {
        "day0_apparent_diameter_mm",
        "healed_diameter_mm",
        "healed_contrast",
        "touch_up_due_years",
        "blue_red_ratio_healed",
        "blue_red_ratio_5y",
        "blue_shift_healed",
        "blue_shift_5y",
        "timeline",
        "risks",
    }
    assert set(obj["timeline"][0]) == {"day", "diameter_mm", "contrast", "dot_srgb"}
    bad = smp("simulate", "--technique", "smp", "--needle", "1RL-0.25", cwd=workdir)
    assert bad.returncode == 2 and "technique" in bad.stderr


@pytest.mark.slow
def test_timeline_writes_sheet_frames_chart_and_animation(workdir: Path, design_file: Path) -> None:
    res = smp(
        "timeline", str(design_file), "--skin-type", "III", "--out", "tl.png", "--animation", "tl.gif",
        "--compare", "tattoo", "--size", "240", "--day", "60", "--json", cwd=workdir,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    obj = json.loads(res.stdout)
    assert [f["day"] for f in obj["frames"]] == [0, 3, 7, 14, 30, 60, 365.25, 1095.75, 1826.25]
    assert 3.0 <= obj["touch_up_due_years"] <= 5.0
    for f in obj["frames"] + obj["compare"]["frames"]:
        assert Image.open(workdir / f["file"]).size == (240, 240)
    assert Image.open(workdir / "tl.png").width > 4 * 240
    assert Image.open(workdir / obj["chart"]).format == "PNG"
    gif = Image.open(workdir / "tl.gif")
    assert gif.n_frames == 9 and gif.width == 2 * 640  # both techniques side by side
    assert {r["code"] for r in obj["compare"]["risks"]} >= {"too-deep", "tattoo-ink"}


def test_timeline_bad_input_names_the_field(workdir: Path, design_file: Path) -> None:
    for args, field in (
        (["--day", "soon"], "day"),
        (["--compare", "laser"], "compare"),
        (["--animation", "a.mp4"], "animation"),
        (["--uv", "extreme"], "uv"),
        (["--view", "under"], "view"),
    ):
        res = smp("timeline", str(design_file), "--out", "bad.png", "--size", "64", *args, cwd=workdir)
        assert res.returncode == 2, (args, res.stderr)
        assert field in res.stderr and "Traceback" not in res.stderr
    assert not (workdir / "bad.png").exists()


ANSWERS = {
    "date_of_birth": "1990-05-01",
    "answers": {
        "keloid_history": False, "pregnant_or_breastfeeding": False, "anticoagulants": True,
        "bleeding_disorder": False, "active_scalp_condition": False, "chemotherapy_recent": False,
        "immunosuppressed": False, "diabetes": False, "isotretinoin_recent": False,
        "ink_or_anaesthetic_reaction": False, "laser_in_area_last_90_days": False, "unstable_alopecia": False,
        "wants_long_hair": False, "under_influence": False,
    },
}  # fmt: skip


def test_screen_triage_pigment_removal_aftercare_contracts(workdir: Path) -> None:
    (workdir / "answers.json").write_text(json.dumps(ANSWERS))
    obj = json.loads(smp("screen", "answers.json", "--json", cwd=workdir).stdout)
    assert obj["outcome"] == "doctor_clearance" and obj["rules_version"].startswith("care-")
    assert set(obj["findings"][0]) >= {"question", "outcome", "reason", "source"}
    res = smp("triage", "--day", "4", "--symptom", "large_dots", "--json", cwd=workdir)
    obj = json.loads(res.stdout)
    assert set(obj) >= {"disposition", "explanation", "watch_for", "sources", "rules_version"}
    assert obj["disposition"] == "expected"
    product = {
        "name": "Black", "brand": "B", "lot": "L7", "expires": "2099-01-01", "ci_numbers": ["77266"],
        "substances_mg_per_kg": {"lead": 0.3, "nickel": 1.2, "benzo[a]pyrene": 0.002},
        "label": {"batch": "L7", "ingredients": ["CI 77266"]},
    }  # fmt: skip
    (workdir / "product.json").write_text(json.dumps(product))
    obj = json.loads(
        smp("pigment", "check", "product.json", "--jurisdiction", "eu", "--json", cwd=workdir).stdout
    )
    assert obj["compliant"] is False and obj["violations"][0]["substance"] is None  # the statement is missing
    res = smp(
        "removal", "estimate", "--skin-type", "III", "--location", "head-neck", "--colour", "black",
        "--ink-amount", "minimal", "--scarring", "none", "--layering", "none", "--json", cwd=workdir,
    )  # fmt: skip
    obj = json.loads(res.stdout)
    assert obj["kirby_desai_score"] == 7 and obj["wavelength_nm"] == 1064
    for fmt in ("text", "json", "ics", "pdf"):
        res = smp(
            "aftercare", "--session-date", "2026-11-21", "--format", fmt, "--out", f"care.{fmt}", cwd=workdir
        )
        assert res.returncode == 0, res.stderr
        assert (workdir / f"care.{fmt}").stat().st_size > 200


def test_care_commands_refuse_unknowns_with_the_valid_list(workdir: Path) -> None:
    (workdir / "bad-answers.json").write_text(
        json.dumps({"date_of_birth": "1990-05-01", "answers": {"x": True}})
    )
    product = {"name": "Black", "brand": "B", "lot": "L7", "expires": "2099-01-01", "ci_numbers": ["77266"]}
    (workdir / "product.json").write_text(json.dumps(product))  # this test on its own needs it too
    for args, valid in (
        (["triage", "--day", "3", "--symptom", "sneezing"], "red_streaks"),
        (["screen", "bad-answers.json"], "keloid_history"),
        (["pigment", "check", "product.json", "--jurisdiction", "mars"], "eu"),
        (["removal", "estimate", "--location", "scalp", "--colour", "black", "--ink-amount", "minimal",
          "--scarring", "none", "--layering", "none"], "head-neck"),
        (["aftercare", "--session-date", "2026-11-21", "--format", "docx", "--out", "x.docx"], "pdf"),
    ):  # fmt: skip
        res = smp(*args, cwd=workdir)
        assert res.returncode == 2, (args, res.stderr)
        assert valid in res.stderr and "Traceback" not in res.stderr
