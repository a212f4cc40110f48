"""Reading photos: every kind of bad image is refused with the field named, before decoding where the header
tells; orientation, modes and bit depths become 8-bit sRGB; written images carry no metadata."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from smpstudio.errors import InputError
from smpstudio.photo.draw import draw_spots
from smpstudio.photo.image_io import HEIF_AVAILABLE, PHOTO_FORMATS, encode_rgb, read_photo, read_photo_header

LIMIT = 10_000


def _encode(im: Image.Image, fmt: str, **options: object) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **options)
    return buf.getvalue()


def _png_header(width: int, height: int) -> bytes:
    """A PNG whose header declares ``width`` x ``height`` pixels and holds no image data."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 16))


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "not_an_image"),
        (b"hello, this is text and not a photo", "not_an_image"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 10, "not_an_image"),
    ],
)
def test_what_is_not_an_image_is_refused(data: bytes, code: str) -> None:
    with pytest.raises(InputError) as info:
        read_photo(data, max_pixels=LIMIT)
    assert info.value.code == code and info.value.field == "photo"


def test_a_truncated_photo_is_refused_when_decoded() -> None:
    rng = np.random.default_rng(0)
    data = _encode(Image.fromarray(rng.integers(0, 255, (60, 80, 3), dtype=np.uint8)), "PNG")
    with pytest.raises(InputError) as info:
        read_photo(data[: len(data) // 2], max_pixels=LIMIT)
    assert info.value.code == "corrupt_image" and "truncated" in info.value.message


@pytest.mark.parametrize(("width", "height"), [(101, 100), (200_000, 200_000)])
def test_too_many_pixels_are_refused_from_the_header(width: int, height: int) -> None:
    # The second declares 40 gigapixels in 33 bytes: refused without decoding (Pillow's bomb guard too).
    with pytest.raises(InputError) as info:
        read_photo_header(_png_header(width, height), max_pixels=LIMIT)
    assert info.value.code == "image_too_large" and "10,000" in str(info.value.allowed)
    with pytest.raises(InputError):
        read_photo(_png_header(width, height), max_pixels=LIMIT)


def test_other_formats_are_refused_with_the_allowed_ones() -> None:
    data = _encode(Image.new("RGB", (10, 10)), "GIF")
    with pytest.raises(InputError) as info:
        read_photo(data, max_pixels=LIMIT)
    assert "GIF" in info.value.message and "JPEG" in str(info.value.allowed)


def test_exif_orientation_is_applied() -> None:
    a = np.zeros((20, 40, 3), dtype=np.uint8)
    a[:, :20] = (255, 0, 0)  # left half red as stored
    exif = Image.Exif()
    exif[0x0112] = 6  # shown turned 90 degrees clockwise
    data = _encode(Image.fromarray(a), "PNG", exif=exif)
    assert read_photo_header(data, max_pixels=LIMIT)[:2] == (20, 40)
    photo = read_photo(data, max_pixels=LIMIT)
    assert (photo.rows, photo.cols) == (40, 20)
    assert tuple(photo.srgb8[2, 10]) == (255, 0, 0) and tuple(photo.srgb8[-3, 10]) == (0, 0, 0)


@pytest.mark.parametrize(
    ("image", "fmt", "expected"),
    [
        (Image.new("L", (8, 6), 128), "PNG", (128, 128, 128)),
        (Image.new("LA", (8, 6), (50, 0)), "PNG", (255, 255, 255)),  # transparent: over white
        (Image.new("RGBA", (8, 6), (10, 20, 30, 255)), "PNG", (10, 20, 30)),
        (Image.new("P", (8, 6), 0), "PNG", (0, 0, 0)),
        (Image.new("CMYK", (8, 6), (0, 0, 0, 0)), "JPEG", (255, 255, 255)),
        (Image.new("I;16", (8, 6), 65535), "PNG", (255, 255, 255)),
        (Image.new("I;16", (8, 6), 32896), "PNG", (128, 128, 128)),
        (Image.new("RGB", (8, 6), (200, 100, 50)), "WEBP", (200, 100, 50)),
    ],
)
def test_modes_and_depths_become_8_bit_rgb(
    image: Image.Image, fmt: str, expected: tuple[int, int, int]
) -> None:
    options: dict[str, object] = {"lossless": True} if fmt == "WEBP" else {}
    photo = read_photo(_encode(image, fmt, **options), max_pixels=LIMIT)
    assert photo.srgb8.shape == (6, 8, 3) and photo.srgb8.dtype == np.uint8
    assert np.abs(photo.srgb8[3, 4].astype(int) - expected).max() <= 2


def test_heic_is_accepted_when_its_wheel_is_installed() -> None:
    assert ("HEIF" in PHOTO_FORMATS) is HEIF_AVAILABLE


@pytest.mark.parametrize("fmt", ["png", "jpeg", "webp"])
def test_written_images_carry_no_metadata(fmt: str) -> None:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {2: (51.0, 30.0, 0.0)}  # GPS
    source = _encode(Image.new("RGB", (16, 12), (90, 80, 70)), "JPEG", exif=exif)
    assert Image.open(io.BytesIO(source)).getexif()
    out = encode_rgb(read_photo(source, max_pixels=LIMIT).srgb8, fmt)
    im = Image.open(io.BytesIO(out))
    assert not im.getexif() and "exif" not in im.info and "icc_profile" not in im.info
    assert b"PhoneMaker" not in out


@pytest.mark.parametrize("fmt", ["png", "jpeg", "webp"])
def test_written_images_decode_to_the_pixels_png_exactly(fmt: str) -> None:
    rng = np.random.default_rng(8)
    ramp = np.linspace(90.0, 200.0, 160)[None, :, None] * np.array([1.0, 0.8, 0.7])
    pixels = np.clip(ramp + rng.normal(0, 3, (120, 160, 3)), 0, 255).astype(np.uint8)
    pixels[40:60] = 0  # runs, which the PNG encoding compresses
    back = np.asarray(Image.open(io.BytesIO(encode_rgb(pixels, fmt))).convert("RGB"))
    if fmt == "png":
        assert np.array_equal(back, pixels)
    else:  # lossy at quality 92: close
        assert back.shape == pixels.shape and np.abs(back.astype(int) - pixels).mean() < 3


def test_spots_keep_their_integral_and_respect_the_mask() -> None:
    """A Gaussian spot darkens a flat grey patch by its model integral, peak x pi w^2 / (4 ln 2) (3 %)."""
    img = np.full((64, 64, 3), 160, dtype=np.uint8)
    base = (160 / 255 + 0.055) / 1.055
    lin0 = base**2.4
    mask = np.full((64, 64), 255, dtype=np.uint8)
    peak = np.array([[0.3, 0.3, 0.3]])
    for w in (4.0, 0.8):  # a resolved spot and a sub-pixel one
        out = img.copy()
        drawn = draw_spots(out, mask, np.array([[32.3, 31.7]]), np.array([w]), peak)
        lin = ((out / 255 + 0.055) / 1.055) ** 2.4
        darkening = float(np.sum(1.0 - lin[..., 1] / lin0))
        expected = 0.3 * np.pi * w * w / (4 * np.log(2))
        assert drawn == 1 and darkening == pytest.approx(expected, rel=0.03 if w > 1 else 0.15)
        assert (out[:20] == 160).all() and (out[45:] == 160).all()  # only the spot's pixels change
    hidden = img.copy()
    draw_spots(hidden, np.zeros((64, 64), dtype=np.uint8), np.array([[32.0, 32.0]]), np.array([4.0]), peak)
    assert (hidden == img).all()


def test_the_day_look_takes_the_designs_impression_as_the_timeline_does() -> None:
    from smpstudio.photo.day_look import design_impression
    from smpstudio.skin.touch_ups import design_impression as timeline_impression

    for inks in ([0.6946933, 0.7, 0.2], [], [0.01], [1.0, 1.0]):
        assert design_impression(np.asarray(inks, dtype=np.float64)) == timeline_impression(inks)


def test_spots_drawn_in_parallel_bands_give_the_same_image_on_any_thread_count() -> None:
    import numba

    rng = np.random.default_rng(4)
    img = rng.integers(60, 230, (300, 200, 3), dtype=np.uint8)
    mask = rng.integers(0, 256, (300, 200), dtype=np.uint8)
    xy = np.column_stack([rng.uniform(0, 200, 3000), rng.uniform(0, 300, 3000)])
    fwhm, peak = rng.uniform(0.5, 9.0, 3000), rng.uniform(-0.2, 0.6, (3000, 3))
    images = []
    before = numba.get_num_threads()
    try:
        for threads in (1, min(2, numba.config.NUMBA_NUM_THREADS)):  # type: ignore[attr-defined]
            numba.set_num_threads(threads)
            out = img.copy()
            assert draw_spots(out, mask, xy, fwhm, peak) == 3000
            images.append(out)
    finally:
        numba.set_num_threads(before)
    assert np.array_equal(images[0], images[1]) and not np.array_equal(images[0], img)
