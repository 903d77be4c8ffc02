"""Input image checks and clean copies (Pillow only, no Qt).

Every failure becomes an ``InputImageError`` whose message names the file and says what to do, because these
messages are shown to people who drop arbitrary files on the window. Size limits are checked from the header
before any pixel is decoded, so a decompression bomb costs a few bytes of reading, not gigabytes of memory.
"""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from desktop_app.core.errors import InputImageError

if TYPE_CHECKING:  # Pillow itself is imported by the first check (~10 ms the window need not wait for)
    from PIL import Image

SUPPORTED_FORMATS: tuple[str, ...] = ("PNG", "JPEG", "WEBP", "BMP", "TIFF")
# The one table of image file names: the app offers to take exactly the formats above (drops, folders, file
# dialogs), so nothing is accepted at the door and refused by the check (a .gif was); with each one's MIME type
# for uploads. Every other list of image suffixes is derived from it.
IMAGE_MIME = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".webp": "image/webp",
              ".bmp": "image/bmp", ".tif": "image/tiff", ".tiff": "image/tiff"}
IMAGE_SUFFIXES = frozenset(IMAGE_MIME)
FORMAT_ADVICE = "use PNG, JPEG or WebP"
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_PIXELS = 40_000_000
MIN_SIDE = 32
MAX_NORMALISED_SIDE = 4096

# EXIF orientations 5..8 rotate by 90 degrees, so the picture people see has width and height swapped.
_EXIF_ORIENTATION = 0x0112
_SWAPPING_ORIENTATIONS = {5, 6, 7, 8}
# Pillow errors that mean "this file is not a readable image" (SyntaxError comes from some plugins; Pillow's
# UnidentifiedImageError is an OSError).
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError)
_EXIF_ERRORS = (*_DECODE_ERRORS, KeyError, TypeError, ZeroDivisionError)


@dataclass(frozen=True)
class InputImage:
    path: Path
    width: int  # as displayed, i.e. after the EXIF orientation is applied
    height: int
    format: str  # "PNG", "JPEG", "WEBP", ...
    has_alpha: bool
    size_bytes: int


def _name(path: Path) -> str:
    return f"“{path.name or path}”"


def _megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB"


def _open(path: Path) -> Image.Image:
    """Open lazily (header only) and turn Pillow's bomb guard and decode errors into InputImageError.

    Pillow warns (``DecompressionBombWarning``) between its two limits and raises above them; the warning is
    an exception under ``-W error`` and in pytest, so both are caught. Our own MAX_PIXELS is far below
    Pillow's warning limit, so every image that passes our check decodes without warnings.
    """
    from PIL import Image

    try:
        return Image.open(path)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise InputImageError(
            f"The image {_name(path)} is far too large to open safely.",
            hint=f"Use an image under {MAX_PIXELS // 1_000_000} megapixels.",
        ) from exc
    except _DECODE_ERRORS as exc:
        raise InputImageError(
            f"The file {_name(path)} is not an image Meshwright can read; it may be damaged or not a "
            f"picture at all.",
            hint=f"Save it again as PNG, JPEG or WebP and retry ({FORMAT_ADVICE}).",
        ) from exc


def _displayed_size(img: Image.Image) -> tuple[int, int]:
    try:
        orientation = img.getexif().get(_EXIF_ORIENTATION, 1)
    except (UserWarning, *_EXIF_ERRORS):
        orientation = 1  # broken EXIF is not worth rejecting a picture for
    w, h = img.size
    return (h, w) if orientation in _SWAPPING_ORIENTATIONS else (w, h)


def _has_alpha(img: Image.Image) -> bool:
    return img.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in img.info


def _check_file(path: Path) -> int:
    """File-level checks (exists, is a file, size); returns the size in bytes."""
    if not path.exists():
        raise InputImageError(f"The file {_name(path)} was not found.", hint="It may have been moved or deleted.")
    if path.is_dir():
        raise InputImageError(f"{_name(path)} is a folder, not an image.", hint="Choose an image file inside it.")
    try:
        size_bytes = path.stat().st_size
    except OSError as exc:
        raise InputImageError(f"The file {_name(path)} cannot be read: {exc.strerror or exc}.") from exc
    if size_bytes == 0:
        raise InputImageError(f"The file {_name(path)} is empty (0 bytes).", hint="Choose another image.")
    if size_bytes > MAX_FILE_BYTES:
        raise InputImageError(
            f"The file {_name(path)} is too large ({_megabytes(size_bytes)}); the limit is "
            f"{_megabytes(MAX_FILE_BYTES)}.",
            hint="Save a smaller copy and retry.",
        )
    if not os.access(path, os.R_OK):
        raise InputImageError(f"The file {_name(path)} cannot be read (permission denied).")
    return size_bytes


def _check_header(path: Path, img: Image.Image) -> tuple[str, int, int]:
    """Format, pixel count and sides from the header alone; returns (format, width, height)."""
    fmt = (img.format or "").upper()
    if fmt not in SUPPORTED_FORMATS:
        label = fmt or "This kind of"
        raise InputImageError(f"{label} images are not supported; {FORMAT_ADVICE} ({_name(path)}).")
    width, height = _displayed_size(img)
    if width * height > MAX_PIXELS:
        raise InputImageError(
            f"The image {_name(path)} is too large ({width} × {height} pixels); the limit is "
            f"{MAX_PIXELS // 1_000_000} megapixels.",
            hint="Save a smaller copy and retry.",
        )
    if min(width, height) < MIN_SIDE:
        raise InputImageError(
            f"The image {_name(path)} is too small ({width} × {height} pixels); each side needs at least "
            f"{MIN_SIDE} pixels."
        )
    return fmt, width, height


def _damaged(path: Path) -> InputImageError:
    return InputImageError(
        f"The image {_name(path)} is damaged or incomplete and cannot be read.",
        hint="Export or download it again and retry.",
    )


def check_image(path: Path) -> InputImage:
    """Check that ``path`` is a usable input image and describe it; raise InputImageError otherwise.

    Checks, cheapest first: exists, is a file, not empty, file size, format, pixel count and sides from the
    header, and finally a full decode so truncated files are caught here rather than mid-generation.
    """
    path = Path(path)
    size_bytes = _check_file(path)
    with _open(path) as img:
        fmt, width, height = _check_header(path, img)
        has_alpha = _has_alpha(img)
        try:
            img.load()
            blank = _blank_reason(img)
        except _DECODE_ERRORS as exc:
            raise _damaged(path) from exc
    if blank:
        raise InputImageError(f"The image {_name(path)} is {blank}: there is nothing in it to make a model from.",
                              hint="Choose a picture with a visible subject.")
    return InputImage(path, width, height, fmt, has_alpha, size_bytes)


def _blank_reason(img: Image.Image) -> str:
    """"fully transparent" or "a single flat colour" for a picture with no subject at all, else "".

    Cheap: Pillow's per-band extrema, no copy of the pixels."""
    if _has_alpha(img):
        rgba = img.convert("RGBA")
        if rgba.getextrema()[3][1] == 0:
            return "fully transparent"
        bands = rgba.getextrema()
    else:
        bands = img.getextrema()
    if not isinstance(bands[0], tuple):  # a single-band (grey) picture gives one (min, max) pair
        bands = (bands,)
    if all(low == high for low, high in bands[:3]):
        return "a single flat colour (all white, all black or all one shade)"
    return ""


def _count_text(n: int) -> str:
    return f"{n} image" if n == 1 else f"{n} images"


def check_images(paths: Sequence[Path], max_count: int, min_count: int = 0) -> list[InputImage]:
    """Check the count for a model, then every image in the user's order."""
    n = len(paths)
    if n > max_count:
        raise InputImageError(f"This model takes at most {_count_text(max_count)}; you added {n}.",
                              hint="Remove some and retry.")
    if n < min_count:
        raise InputImageError(f"This model needs at least {_count_text(min_count)}; you added {n}.")
    return [check_image(Path(p)) for p in paths]


def _to_display_mode(img: Image.Image, keep_alpha: bool) -> Image.Image:
    """8-bit RGB or RGBA, whatever came in (palette, grey, 16-bit, CMYK)."""
    if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        # Pillow clips 16-bit values when converting straight to 8 bit; scale them instead.
        import numpy as np  # only for 16-bit images: numpy is not imported at start-up
        from PIL import Image

        arr = np.asarray(img, dtype=np.float64)
        top = 65535.0 if arr.max(initial=0) > 255 else 255.0
        img = Image.fromarray(np.clip(arr * (255.0 / top), 0, 255).astype(np.uint8))
    target = "RGBA" if keep_alpha else "RGB"
    return img if img.mode == target else img.convert(target)


def _upright(img: Image.Image) -> Image.Image:
    """Apply the EXIF orientation; a malformed EXIF block costs the orientation, never the picture.

    Pillow reports broken EXIF with a UserWarning, which is an exception under ``-W error``; catching it
    here (rather than with ``warnings.catch_warnings``, which is not thread-safe) keeps both modes working.
    """
    from PIL import ImageOps

    try:
        return ImageOps.exif_transpose(img) or img
    except (UserWarning, *_EXIF_ERRORS):
        return img


def load_upright(path: Path, keep_alpha: bool = True) -> Image.Image:
    """Decode an image (already checked) with EXIF orientation applied, as 8-bit RGB(A)."""
    path = Path(path)
    with _open(path) as img:
        try:
            alpha = keep_alpha and _has_alpha(img)
            result = _to_display_mode(_upright(img), alpha)
            result.load()
            return result
        except _DECODE_ERRORS as exc:
            raise _damaged(path) from exc


# PNG chunks that only describe colour and size: a file with nothing else needs no re-encoding.
_HARMLESS_PNG_INFO = frozenset({"icc_profile", "srgb", "gamma", "chromaticity", "dpi", "aspect"})


def _already_clean(src: InputImage) -> bool:
    """A PNG that is already what normalise_image writes: 8-bit RGB(A), upright, small enough, no metadata.

    Copying it as is skips a decode and a PNG encode (about 0.15 s for a 720 px image on a slow machine, which
    made a batch of 50 take 15 s); text and EXIF chunks (prompts, GPS) still force a clean copy."""
    if src.format != "PNG" or max(src.width, src.height) > MAX_NORMALISED_SIDE:
        return False
    with _open(src.path) as img:
        return (img.mode == ("RGBA" if src.has_alpha else "RGB") and set(img.info) <= _HARMLESS_PNG_INFO
                and not img.getexif())


def _lanczos() -> Image.Resampling:
    from PIL import Image

    return Image.Resampling.LANCZOS


def _copy_atomically(src: Path, dest: Path) -> None:
    tmp = dest.with_name(dest.name + ".part")
    try:
        shutil.copyfile(src, tmp)
        os.replace(tmp, dest)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputImageError(f"Could not write a copy of {_name(src)}: {exc.strerror or exc}.") from exc


def normalise_image(src: InputImage, dest: Path) -> Path:
    """Write a clean PNG copy of ``src``: upright, alpha kept, at most MAX_NORMALISED_SIDE on the long side.

    ``dest`` is a file path (its suffix becomes .png) or an existing folder (the copy is named after the
    source). Written to a temporary name and renamed, so a crash never leaves half a file.
    """
    dest = Path(dest)
    if dest.is_dir():
        dest = dest / f"{src.path.stem}.png"
    dest = dest.with_suffix(".png")
    if _already_clean(src):
        dest.parent.mkdir(parents=True, exist_ok=True)
        _copy_atomically(src.path, dest)
        return dest
    img = load_upright(src.path, keep_alpha=src.has_alpha)
    if max(img.size) > MAX_NORMALISED_SIDE:
        img.thumbnail((MAX_NORMALISED_SIDE, MAX_NORMALISED_SIDE), _lanczos())
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".part")
    # EXIF is dropped on purpose (orientation is applied); the colour profile is kept so colours stay right.
    icc = img.info.get("icc_profile")
    try:
        if icc:
            img.save(tmp, format="PNG", icc_profile=icc)
        else:
            img.save(tmp, format="PNG")
        os.replace(tmp, dest)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputImageError(f"Could not write a copy of {_name(src.path)}: {exc.strerror or exc}.") from exc
    return dest


def thumbnail(path: Path, size: int) -> bytes:
    """PNG bytes of an upright thumbnail fitting ``size`` x ``size`` (alpha kept). Call off the GUI thread."""
    path = Path(path)
    _check_file(path)
    with _open(path) as img:
        _check_header(path, img)  # never decode a bomb, even for a thumbnail
        alpha = _has_alpha(img)
        try:
            if img.format == "JPEG":
                img.draft("RGB", (size * 2, size * 2))  # decode at a reduced scale: much faster for photos
            small = _to_display_mode(_upright(img), alpha)
            small.thumbnail((size, size), _lanczos())
        except _DECODE_ERRORS as exc:
            raise _damaged(path) from exc
    buf = io.BytesIO()
    small.save(buf, format="PNG")
    return buf.getvalue()
