"""``smp repair plan``: one JSON object, the plan map and the two previews written, a summary, bad input
refused with exit 2 naming the field."""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image

from smpstudio.design.document import dump_design
from smpstudio.repair.synthetic import synthetic_closeup
from tests.cli import smp_in_process
from tests.conftest import make_design

MM_PER_PX = 1.0 / 30.0
HAIRLINE = "0,150; 120,165; 240,150"


def write_inputs(folder: Path) -> None:
    shot = synthetic_closeup(size_px=(240, 240), mm_per_px=MM_PER_PX, seed=3, front_mm=2.5, special=1)
    (folder / "closeup.jpg").write_bytes(shot.jpeg)
    _, _, doc = make_design("norwood-6", "defined", density=115.0)
    data = json.loads(dump_design(doc))
    data["dots"], data["summary"]["dot_count"] = [], 0  # a close-up's target needs only the header
    (folder / "design.json").write_text(json.dumps(data))


def plan(folder: Path, *args: str) -> tuple[int, str, str]:
    res = smp_in_process(
        folder,
        "repair",
        "plan",
        "closeup.jpg",
        "--design",
        "design.json",
        "--mm-per-px",
        str(MM_PER_PX),
        *args,
    )
    return res.returncode, res.stdout, res.stderr


def test_plan_prints_one_json_object_and_writes_the_map_and_previews(tmp_path: Path) -> None:
    write_inputs(tmp_path)
    code, stdout, stderr = plan(
        tmp_path, "--hairline", HAIRLINE, "--out", "plan.png", "--json", "--correct", "0=watch"
    )
    assert code == 0, stderr
    assert stdout.count("\n") == 1
    body = json.loads(stdout)
    assert body["count"] > 20 and body["width"] == 240
    assert body["dots"][0]["class"] == "watch" and body["dots"][0]["corrected"]
    assert body["classes"]["remove"] > 0 and body["laser"]["needed"]
    assert {z["zone"] for z in body["zones"]} == {"hairline", "front", "body", "outside"}
    assert set(body["files"]) == {"plan", "after_removal", "after_resmp"}
    for name in ("plan.png", "plan-after-removal.png", "plan-after-resmp.png"):
        with Image.open(tmp_path / name) as im:
            assert im.format == "PNG" and im.width == 240
    with Image.open(tmp_path / "plan.png") as im:
        assert im.height > 240  # the legend band


def test_plan_prints_a_summary(tmp_path: Path) -> None:
    write_inputs(tmp_path)
    code, stdout, stderr = plan(tmp_path, "--hairline", HAIRLINE, "--ink", "carbon", "--skin-type", "II")
    assert code == 0, stderr
    assert "dots in 240 x 240 px" in stdout and "laser:" in stdout and "re-SMP:" in stdout
    assert "test spot" not in stdout


def test_bad_input_exits_2_naming_the_field(tmp_path: Path) -> None:
    write_inputs(tmp_path)
    (tmp_path / "broken.json").write_text("{")
    cases = [
        (("--hairline", "10,10"), "hairline"),
        (("--hairline", "10,10; 900,10"), "hairline"),
        (("--hairline", "10,10; x,y"), "hairline"),
        (("--hairline", HAIRLINE, "--correct", "first=keep"), "correct"),
        (("--hairline", HAIRLINE, "--correct", "99999=keep"), "correct"),
        (("--hairline", HAIRLINE, "--ink", "soot"), "ink"),
        (("--hairline", HAIRLINE, "--out", "plan.jpg"), "out"),
        ((), "hairline"),
    ]
    for args, field in cases:
        code, _, stderr = plan(tmp_path, *args)
        assert code == 2, (args, stderr)
        assert f"{field}:" in stderr, (args, stderr)
    res = smp_in_process(
        tmp_path,
        "repair",
        "plan",
        "closeup.jpg",
        "--design",
        "broken.json",
        "--mm-per-px",
        "0.03",
        "--hairline",
        HAIRLINE,
    )
    assert res.returncode == 2 and "design:" in res.stderr
