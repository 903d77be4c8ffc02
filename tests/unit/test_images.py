"""Input image checks: every bad input becomes a plain-language InputImageError naming the file."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from desktop_app.core import images
from desktop_app.core.errors import InputImageError
from desktop_app.core.images import InputImage, check_image, check_images, normalise_image, thumbnail


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _huge_png_header(path: Path, width: int, height: int) -> Path:
    """A PNG that claims width x height pixels but holds only a few bytes: a decompression bomb stand-in."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", idat)
                     + _png_chunk(b"IEND", b""))
    return path


def _rgba(path: Path, size: tuple[int, int] = (64, 48), fmt: str = "PNG", **save: object) -> Path:
    arr = np.zeros((size[1], size[0], 4), np.uint8)
    arr[..., 0] = 200
    arr[..., 3] = 255
    arr[: size[1] // 2, :, 3] = 0  # top half transparent
    arr[:, : size[0] // 4, 1] = 120  # a stripe: a single flat colour is refused as blank (once JPEG drops alpha)
    img = Image.fromarray(arr, "RGBA")
    if fmt == "JPEG":
        img = img.convert("RGB")
    img.save(path, format=fmt, **save)
    return path


def _message(excinfo: pytest.ExceptionInfo[InputImageError]) -> str:
    return excinfo.value.user_text()


def test_good_fixtures_pass(fixture_images: Path) -> None:
    paths = sorted(fixture_images.glob("*.png"))
    assert paths
    for path in paths:
        info = check_image(path)
        assert isinstance(info, InputImage)
        assert info.format == "PNG"
        assert info.has_alpha
        assert 200 <= info.width <= 1024 and 200 <= info.height <= 1024
        assert info.size_bytes == path.stat().st_size


def test_jpeg_and_webp_pass(tmp_path: Path) -> None:
    jpeg = check_image(_rgba(tmp_path / "a.jpg", fmt="JPEG"))
    assert (jpeg.format, jpeg.has_alpha, jpeg.width, jpeg.height) == ("JPEG", False, 64, 48)
    webp = check_image(_rgba(tmp_path / "a.webp", fmt="WEBP", lossless=True))
    assert (webp.format, webp.has_alpha) == ("WEBP", True)


def test_text_file_renamed_png(tmp_path: Path) -> None:
    path = tmp_path / "notes.png"
    path.write_text("this is not a picture\n" * 10)
    with pytest.raises(InputImageError, match="not an image") as excinfo:
        check_image(path)
    assert "notes.png" in _message(excinfo)


def test_truncated_png(tmp_path: Path, fixture_images: Path) -> None:
    data = (fixture_images / "typical_misc_crate.png").read_bytes()
    path = tmp_path / "cut.png"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputImageError, match="damaged or incomplete") as excinfo:
        check_image(path)
    assert "cut.png" in _message(excinfo)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.png"
    path.write_bytes(b"")
    with pytest.raises(InputImageError, match=r"empty \(0 bytes\)"):
        check_image(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputImageError, match="was not found"):
        check_image(tmp_path / "nope.png")


def test_directory(tmp_path: Path) -> None:
    folder = tmp_path / "folder.png"
    folder.mkdir()
    with pytest.raises(InputImageError, match="is a folder"):
        check_image(folder)


def test_gif_is_refused_with_advice(tmp_path: Path) -> None:
    path = tmp_path / "anim.gif"
    Image.new("P", (64, 64)).save(path, format="GIF")
    with pytest.raises(InputImageError) as excinfo:
        check_image(path)
    assert "GIF images are not supported; use PNG, JPEG or WebP" in _message(excinfo)


def test_decompression_bomb_refused_from_header(tmp_path: Path) -> None:
    path = _huge_png_header(tmp_path / "bomb.png", 20000, 20000)
    with pytest.raises(InputImageError, match="too large") as excinfo:
        check_image(path)
    assert "bomb.png" in _message(excinfo)
    with pytest.raises(InputImageError, match="too large"):
        thumbnail(path, 64)


def test_over_our_limit_but_under_pillows(tmp_path: Path) -> None:
    path = _huge_png_header(tmp_path / "big.png", 8000, 6000)  # 48 MP: Pillow would open it, we must not
    with pytest.raises(InputImageError, match=r"8000 × 6000 pixels"):
        check_image(path)


def test_file_too_many_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(images, "MAX_FILE_BYTES", 100)
    with pytest.raises(InputImageError, match="too large"):
        check_image(_rgba(tmp_path / "a.png"))


def test_too_small(tmp_path: Path) -> None:
    with pytest.raises(InputImageError, match="too small"):
        check_image(_rgba(tmp_path / "tiny.png", size=(16, 100)))


def test_count_limits(fixture_images: Path) -> None:
    paths = sorted(fixture_images.glob("*.png"))[:3]
    with pytest.raises(InputImageError) as excinfo:
        check_images(paths, max_count=1)
    assert "This model takes at most 1 image; you added 3." in _message(excinfo)
    with pytest.raises(InputImageError) as excinfo:
        check_images([], max_count=4, min_count=1)
    assert "This model needs at least 1 image; you added 0." in _message(excinfo)
    checked = check_images(paths, max_count=4, min_count=1)
    assert [c.path for c in checked] == paths


def test_count_checked_before_files(tmp_path: Path) -> None:
    with pytest.raises(InputImageError, match="at most 2 images; you added 3"):
        check_images([tmp_path / "x.png"] * 3, max_count=2)


def test_normalise_applies_exif_rotation(tmp_path: Path) -> None:
    arr = np.zeros((40, 80, 3), np.uint8)
    arr[:, :40] = (255, 0, 0)  # left half red, right half blue
    arr[:, 40:] = (0, 0, 255)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise when displayed
    src = tmp_path / "photo.jpg"
    Image.fromarray(arr).save(src, format="JPEG", exif=exif, quality=95)
    info = check_image(src)
    assert (info.width, info.height) == (40, 80)  # displayed size
    out = normalise_image(info, tmp_path / "out" / "photo.jpg")
    assert out.suffix == ".png" and out.exists()
    with Image.open(out) as img:
        assert img.format == "PNG" and img.size == (40, 80) and img.mode == "RGB"
        top = np.asarray(img)[5, 20]
        bottom = np.asarray(img)[75, 20]
    assert top[0] > 200 and top[2] < 60  # red now on top
    assert bottom[2] > 200 and bottom[0] < 60


def test_normalise_keeps_alpha_and_downscales(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(images, "MAX_NORMALISED_SIDE", 32)
    info = check_image(_rgba(tmp_path / "a.webp", size=(64, 48), fmt="WEBP", lossless=True))
    out = normalise_image(info, tmp_path)
    assert out == tmp_path / "a.png"
    with Image.open(out) as img:
        assert img.mode == "RGBA" and img.size == (32, 24)
        alpha = np.asarray(img)[..., 3]
    assert alpha[2].max() == 0 and alpha[-2].min() == 255


def test_thumbnail_png_bytes(fixture_images: Path) -> None:
    data = thumbnail(fixture_images / "multiview_character_1.png", 128)
    with Image.open(io.BytesIO(data)) as img:
        assert img.format == "PNG"
        assert max(img.size) == 128
        assert img.mode == "RGBA"


def test_thumbnail_of_bad_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\nrubbish")
    with pytest.raises(InputImageError):
        thumbnail(path, 64)


@pytest.mark.parametrize("colour, mode, why", [
    ((255, 255, 255), "RGB", "flat colour"), ((255, 0, 0, 0), "RGBA", "fully transparent"),
    ((255,), "L", "flat colour"), ((12, 200, 40, 255), "RGBA", "flat colour"),
])
def test_blank_picture_is_refused_before_any_job(tmp_path: Path, colour: tuple, mode: str, why: str) -> None:
    path = tmp_path / "blank.png"
    Image.new(mode, (80, 80), colour).save(path)
    with pytest.raises(InputImageError, match=why) as excinfo:
        check_image(path)
    assert "blank.png" in _message(excinfo)


def test_the_suffixes_offered_are_exactly_the_formats_checked():
    from desktop_app.core.images import IMAGE_SUFFIXES, SUPPORTED_FORMATS

    extensions = Image.registered_extensions()
    assert {extensions[s] for s in IMAGE_SUFFIXES} == set(SUPPORTED_FORMATS)
    assert ".gif" not in IMAGE_SUFFIXES  # the checker refuses GIF: the drop zone must not take it
