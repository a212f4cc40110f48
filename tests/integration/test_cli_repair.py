"""``smp repair detect``: one JSON object, the annotated map written, bad input exit 2 naming the field."""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image

from smpstudio.repair.synthetic import synthetic_closeup
from tests.cli import smp_in_process

MM_PER_PX = 1.0 / 30.0


def write_photo(folder: Path) -> Path:
    photo = synthetic_closeup(size_px=(240, 240), mm_per_px=MM_PER_PX, seed=3, front_mm=2.5, special=1)
    path = folder / "closeup.jpg"
    path.write_bytes(photo.jpeg)
    return path


def test_detect_prints_one_json_object_and_writes_the_map(tmp_path: Path) -> None:
    write_photo(tmp_path)
    res = smp_in_process(
        tmp_path,
        "repair",
        "detect",
        "closeup.jpg",
        "--mm-per-px",
        str(MM_PER_PX),
        "--out",
        "map.png",
        "--json",
    )
    assert res.returncode == 0, res.stderr
    body = json.loads(res.stdout)
    assert body["count"] > 20 and body["mm_per_px"] == MM_PER_PX
    assert body["out"].endswith("map.png")
    with Image.open(tmp_path / "map.png") as im:
        assert im.width == 240 and im.height > 240


def test_detect_prints_a_summary(tmp_path: Path) -> None:
    write_photo(tmp_path)
    res = smp_in_process(tmp_path, "repair", "detect", "closeup.jpg", "--mm-per-px", str(MM_PER_PX))
    assert res.returncode == 0, res.stderr
    assert "dots in 240 x 240 px" in res.stdout


def test_bad_input_exits_2_naming_the_field(tmp_path: Path) -> None:
    write_photo(tmp_path)
    (tmp_path / "notes.txt").write_text("not a photo")
    cases = [
        (("notes.txt", "--mm-per-px", "0.03"), "photo"),
        (("missing.jpg", "--mm-per-px", "0.03"), "photo"),
        (("closeup.jpg", "--ruler-mm", "10"), "ruler_mm"),
        (("closeup.jpg",), "mm_per_px"),
        (("closeup.jpg", "--mm-per-px", "0.03", "--out", "map.jpg"), "out"),
    ]
    for args, field in cases:
        res = smp_in_process(tmp_path, "repair", "detect", *args)
        assert res.returncode == 2, (args, res.stdout, res.stderr)
        assert field in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "map.jpg").exists()
