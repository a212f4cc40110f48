"""``smp preview --photo`` and ``smp landmarks``: the contract's JSON, the images at the photo's size, and
exit 2 with nothing written for every refusal."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from smpstudio.design.document import dump_design
from tests.cli import smp_in_process
from tests.validation.test_photo_fit import SIZE_PX, synthetic_photo

CONTRACT = {
    "width",
    "height",
    "dots_drawn",
    "dots_hidden",
    "mm_per_px",
    "fit_error_px",
    "fit_error_mm",
    "tone_match_delta_e00",
    "landmarks_px",
    "warnings",
}


@pytest.fixture(scope="module")
def consultation(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("photo")
    img, marks, _, doc, _ = synthetic_photo("front", turn_deg=(6.0, -4.0, 8.0), noise=2.0)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    Image.fromarray(img).save(folder / "photo.jpg", quality=92, exif=exif)
    (folder / "landmarks.json").write_text(json.dumps({"view": "front", "points_px": marks}))
    (folder / "design.json").write_text(dump_design(doc))
    return folder


def _preview(folder: Path, *args: str) -> tuple[int, str, str]:
    base = ["preview", "design.json", "--photo", "photo.jpg", "--landmarks", "landmarks.json"]
    res = smp_in_process(folder, *base, *args)
    return res.returncode, res.stdout, res.stderr


def test_the_preview_on_a_photo_prints_the_contract_and_writes_full_size_images(consultation: Path) -> None:
    code, stdout, stderr = _preview(
        consultation,
        "--out",
        "p.png",
        "--overlay",
        "fit.png",
        "--before-after",
        "pair.jpg",
        "--day",
        "30",
        "--json",
    )
    assert code == 0, stderr
    obj = json.loads(stdout)
    assert stdout.count("\n") == 1 and set(obj) >= CONTRACT
    assert (obj["width"], obj["height"]) == (SIZE_PX, SIZE_PX) and obj["dots_drawn"] > 1000
    assert obj["fit_error_px"] < 3.0 and 0.1 < obj["mm_per_px"] < 1.0
    assert {"glabella", "lateral_canthus_right"} <= set(obj["landmarks_px"])
    preview = Image.open(consultation / "p.png")
    assert preview.size == (SIZE_PX, SIZE_PX) and not preview.getexif()
    assert Image.open(consultation / "fit.png").size == (SIZE_PX, SIZE_PX)
    pair = Image.open(consultation / "pair.jpg")
    assert pair.size[1] == SIZE_PX and pair.size[0] > 2 * SIZE_PX
    assert b"PhoneMaker" not in (consultation / "p.png").read_bytes()


def test_a_drawn_mask_decides_where_dots_go(consultation: Path, tmp_path: Path) -> None:
    for name in ("design.json", "photo.jpg", "landmarks.json"):
        (tmp_path / name).write_bytes((consultation / name).read_bytes())
    Image.new("L", (SIZE_PX, SIZE_PX), 0).save(tmp_path / "none.png")
    code, stdout, stderr = _preview(tmp_path, "--mask", "none.png", "--out", "p.png", "--json")
    assert code == 0, stderr
    obj = json.loads(stdout)
    assert obj["dots_drawn"] == 0 and obj["mask_method"] == "drawn"
    before = np.asarray(Image.open(tmp_path / "photo.jpg").convert("RGB"))
    assert np.array_equal(np.asarray(Image.open(tmp_path / "p.png")), before)
    Image.new("L", (10, 10), 255).save(tmp_path / "small.png")
    code, _, stderr = _preview(tmp_path, "--mask", "small.png", "--out", "q.png")
    assert code == 2 and "mask" in stderr and not (tmp_path / "q.png").exists()


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"not an image at all", "not an image"),
        (b"", "empty"),
    ],
)
def test_a_refused_photo_writes_nothing(
    tmp_path: Path, consultation: Path, content: bytes, words: str
) -> None:
    for name in ("design.json", "landmarks.json"):
        (tmp_path / name).write_bytes((consultation / name).read_bytes())
    (tmp_path / "photo.jpg").write_bytes(content)
    code, stdout, stderr = _preview(tmp_path, "--out", "p.png", "--overlay", "o.png", "--json")
    assert code == 2 and words in stderr and stdout == ""
    assert not (tmp_path / "p.png").exists() and not (tmp_path / "o.png").exists()


def test_a_photo_over_the_pixel_limit_is_refused(consultation: Path, tmp_path: Path) -> None:
    for name in ("design.json", "photo.jpg", "landmarks.json"):
        (tmp_path / name).write_bytes((consultation / name).read_bytes())
    res = smp_in_process(
        tmp_path,
        "preview", "design.json", "--photo", "photo.jpg", "--landmarks", "landmarks.json", "--out", "p.png",
        env={"SMP_MAX_PHOTO_PIXELS": "1000"},
    )  # fmt: skip
    assert res.returncode == 2 and "too large" in res.stderr and not (tmp_path / "p.png").exists()


def test_photo_options_need_a_photo_and_a_photo_needs_landmarks(consultation: Path) -> None:
    res = smp_in_process(consultation, "preview", "design.json", "--out", "x.png", "--day", "3")
    assert res.returncode == 2 and "--day needs --photo" in res.stderr
    res = smp_in_process(consultation, "preview", "design.json", "--photo", "photo.jpg", "--out", "x.png")
    assert res.returncode == 2 and "landmarks" in res.stderr and not (consultation / "x.png").exists()
    (consultation / "bad.json").write_text(
        '{"view": "front", "points_px": {"glabella": [1, 2], "vertex": [1, 2]}}'
    )
    res = smp_in_process(
        consultation,
        "preview",
        "design.json",
        "--photo",
        "photo.jpg",
        "--landmarks",
        "bad.json",
        "--out",
        "x.png",
    )
    assert res.returncode == 2 and "landmarks.points_px" in res.stderr


def test_landmarks_guess_refuses_what_it_cannot_guess(consultation: Path) -> None:
    res = smp_in_process(consultation, "landmarks", "photo.jpg", "--view", "top", "--json")
    assert res.returncode == 2 and "click the anchors" in res.stderr and res.stdout == ""
    blank = io.BytesIO()
    Image.new("RGB", (200, 150), (200, 170, 150)).save(blank, "PNG")
    (consultation / "blank.png").write_bytes(blank.getvalue())
    res = smp_in_process(consultation, "landmarks", "blank.png", "--json")
    assert res.returncode == 2 and "no face found" in res.stderr


def test_landmarks_guess_on_a_face_gives_a_usable_landmarks_file(tmp_path: Path) -> None:
    data = pytest.importorskip("skimage.data")
    pytest.importorskip("cv2")
    Image.fromarray(data.astronaut()).save(tmp_path / "face.png")
    res = smp_in_process(tmp_path, "landmarks", "face.png", "--json")
    assert res.returncode == 0, res.stderr
    obj = json.loads(res.stdout)
    pts = obj["points_px"]
    # The client's right eye is on the image's left; the glabella between and above the eyes.
    assert pts["lateral_canthus_right"][0] < pts["glabella"][0] < pts["lateral_canthus_left"][0]
    assert pts["glabella"][1] < min(pts["lateral_canthus_right"][1], pts["lateral_canthus_left"][1])
    assert all(0.0 < c <= 1.0 for c in obj["confidence"].values()) and obj["ruler"]["mm"] > 80
    # The suggestion is itself a landmarks file the photo preview takes.
    from smpstudio.photo.anchors import parse_anchors

    assert parse_anchors(res.stdout, width=512, height=512).view == "front"
