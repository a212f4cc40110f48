"""``smp design --hair-from-photo`` and ``--hairline-shift``: a design re-solved for the stubble a photo
shows, and hairline control points moved, through the command line in-process.

The photo is made by the project's renderer with a known hair, so the stubble it shows is known: the mean
of the drawn shafts over the skin is the stubble model's (:mod:`smpstudio.render.hair`).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from smpstudio.design.document import load_design
from smpstudio.design.proposal import delta_e00, skin_rgb_linear
from smpstudio.design.tone_match import design_tone
from smpstudio.render.camera import view_camera
from smpstudio.render.canvas import RenderStyle
from smpstudio.render.landmarks_px import landmarks_px
from smpstudio.render.preview import render_preview
from smpstudio.skin.healed_dot import srgb_to_linear
from smpstudio.skin.stubble import Hair, stubble_texture
from tests.cli import smp_in_process
from tests.conftest import make_design
from tests.validation.test_photo_fit import turned_camera

SIZE_PX = 320
#: Dense black hair left 3 mm long: dark enough for the scalp mask to see it as hair.
DARK_HAIR = Hair(colour="black", shave_length_mm=3.0, units_per_cm2=100, hairs_per_unit=4, diameter_um=120)


def _photo(folder: Path, name: str, *, bald: bool) -> np.ndarray:
    """A left-side photo of the Norwood-6 client with ``DARK_HAIR`` (none when ``bald``) and its landmarks;
    returns the stubble's known share of the skin's light, per channel."""
    _, ctx, doc = make_design("norwood-6", "soft")
    head = ctx.grid.head
    camera = turned_camera(view_camera(head, "left", SIZE_PX), (4.0, -3.0, 5.0))
    style = RenderStyle(hair=DARK_HAIR)
    hair = ctx.maps.hair * (0.0 if bald else 1.0)
    image = render_preview(head, ctx.grid, hair, doc.dots, camera, look="before", style=style)
    noisy = image.astype(np.float64) + np.random.default_rng(1).normal(0.0, 2.0, image.shape)
    buf = io.BytesIO()
    Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8)).save(buf, "JPEG", quality=92)
    (folder / f"{name}.jpg").write_bytes(buf.getvalue())
    marks = landmarks_px(head, camera, hairline_height_mm=ctx.hairline_height_mm)
    marks.pop("vertex", None)
    (folder / f"{name}.json").write_text(json.dumps({"view": "left", "points_px": marks}))
    skin = srgb_to_linear(np.asarray(style.skin_rgb))
    known = np.asarray(stubble_texture(DARK_HAIR, skin, skin_type=style.skin_type).mean_rgb_linear) / skin
    return np.asarray(known)


@pytest.fixture(scope="module")
def photos(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, np.ndarray]:
    folder = tmp_path_factory.mktemp("hair-photo")
    known = _photo(folder, "client", bald=False)
    _photo(folder, "bald", bald=True)
    return folder, known


def _design(folder: Path, *args: str) -> tuple[int, str, str]:
    res = smp_in_process(folder, "design", "--pattern", "norwood-6", "--seed", "2", *args)
    return res.returncode, res.stdout, res.stderr


def test_the_design_matches_the_stubble_the_photo_shows(photos: tuple[Path, np.ndarray]) -> None:
    folder, known = photos
    code, stdout, stderr = _design(
        folder, "--hair-from-photo", "client.jpg", "--landmarks", "client.json", "--out", "d.json", "--json"
    )
    assert code == 0, stderr
    obj = json.loads(stdout)
    assert obj["tone_target"] == "photo"
    target = np.asarray(obj["stubble_target_rgb_linear"])
    truth = skin_rgb_linear("III") * known
    # Measured against the known stubble: within ΔE00 5 (3.5 measured: the hair near the silhouette is
    # shaded, and the light on it comes from the skin above; see smpstudio.photo.photo_stubble).
    assert float(delta_e00(target, truth)) < 5.0, (target, truth)
    doc = load_design((folder / "d.json").read_bytes())
    assert doc.header.proposal is not None and doc.header.proposal.tone_target == "photo"
    assert doc.header.proposal.stubble_rgb_linear == pytest.approx(tuple(target))
    # The reported match is against the photo's stubble, not the model of the (default) hair.
    against_photo = design_tone(doc, skin_type="III", stubble_rgb_linear=tuple(target))
    against_model = design_tone(doc, skin_type="III")
    assert obj["tone_match_delta_e00"] == against_photo.delta_e00 != against_model.delta_e00
    # The photo's hair is far darker than the default stubble: the solver darkens the treatment.
    code, stdout, stderr = _design(folder, "--out", "plain.json", "--json")
    assert code == 0, stderr
    plain = json.loads(stdout)
    assert plain["tone_target"] == "hair model" and plain["stubble_target_rgb_linear"] is None
    darker = (obj["density_per_cm2"], obj["dot_diameter_mm"], obj["ink_fraction"])
    usual = (plain["density_per_cm2"], plain["dot_diameter_mm"], plain["ink_fraction"])
    assert all(a >= b for a, b in zip(darker, usual, strict=True)) and darker != usual


def test_a_photo_without_hair_is_refused_and_nothing_is_written(photos: tuple[Path, np.ndarray]) -> None:
    folder, _ = photos
    code, stdout, stderr = _design(
        folder, "--hair-from-photo", "bald.jpg", "--landmarks", "bald.json", "--out", "b.json", "--json"
    )
    assert code == 2 and "too little remaining hair" in stderr and stdout == ""
    assert not (folder / "b.json").exists()
    code, _, stderr = _design(folder, "--hair-from-photo", "client.jpg", "--out", "c.json")
    assert code == 2 and "landmarks" in stderr and not (folder / "c.json").exists()
    code, _, stderr = _design(folder, "--landmarks", "client.json", "--out", "c.json")
    assert code == 2 and "--hair-from-photo" in stderr and not (folder / "c.json").exists()


def test_hairline_shifts_are_designed_echoed_and_stored(tmp_path: Path) -> None:
    res = smp_in_process(
        tmp_path, "design", "--pattern", "norwood-2", "--density-per-cm2", "40", "--seed", "1",
        "--out", "s.json", "--hairline-shift", "frontal_right=5",
        "--hairline-shift", "mid_frontal_point=-3.5", "--json",
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    obj = json.loads(res.stdout)
    assert obj["hairline_shift_mm"] == {"frontal_right": 5.0, "mid_frontal_point": -3.5}
    assert obj["hairline_height_mm"] == 83.5  # the MFP's height after its shift (3.5 mm back)
    stored = json.loads((tmp_path / "s.json").read_text())
    assert stored["schema_version"] == 4
    assert stored["hairline"]["shift_mm"] == {"frontal_right": 5.0, "mid_frontal_point": -3.5}


@pytest.mark.parametrize(
    ("shift", "words"),
    [
        ("frontal_right:5", "--hairline-shift"),
        ("frontal_right=", "--hairline-shift"),
        ("=5", "--hairline-shift"),
        ("corner_right=5", "hairline_shift_mm.corner_right"),
        ("frontal_left=40", "hairline_shift_mm.frontal_left"),
    ],
)
def test_a_bad_hairline_shift_is_refused_naming_it(tmp_path: Path, shift: str, words: str) -> None:
    res = smp_in_process(
        tmp_path, "design", "--pattern", "norwood-2", "--out", "s.json", "--hairline-shift", shift
    )
    assert res.returncode == 2 and words in res.stderr and not (tmp_path / "s.json").exists()
