"""The preview's image-based light: procedural environments, prefiltered once, in numpy (no GL, no Qt here).

Two environments ship with the app as code, not files (so there is no licence to track and nothing to
download): "studio", a neutral grey room with three soft boxes, and "outdoor", a blue sky with a low sun over
a grey-green ground. Each is evaluated into a cube map (linear HDR radiance, Z up like the preview's world) and
prefiltered the usual split-sum way (Karis 2013), as Khronos' glTF Sample Viewer and Filament do:

- diffuse irradiance as 9 spherical-harmonic coefficients (Ramamoorthi & Hanrahan 2001), already convolved
  with the cosine lobe, so the shader evaluates a small polynomial instead of sampling a map;
- a specular mip chain: level k holds the radiance convolved with the GGX lobe of roughness k / (levels - 1);
  the sharp level by filtered importance sampling (Křivánek & Colbert 2008: each sample reads a blurrier
  level of the source the wider its solid angle), the rough ones by summing over a 16×16-a-face copy;
- the BRDF LUT: the split sum's scale and bias on F0 by (n·v, roughness), integrated with 128 GGX samples.

A first call per environment takes about a second of numpy, so callers
prepare it off the GUI thread (``prepare_async``, or the render thread) and the result is kept for the
process's life, and on disk (``ibl-<name>-<key>.npz`` in the app's cache folder, ~1 MB): a second process, such
as each ``render`` command, reads it in a few ms instead (the key changes with this file or the app version).
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from desktop_app.ui.preview.shading import DEFAULT_ENVIRONMENT, ENVIRONMENTS

log = logging.getLogger(__name__)

FACE_SIZE = 128  # mirror-sharp level; a 2.8 MB float16 upload for all levels and faces
SPECULAR_LEVELS = 6  # 128 .. 4 texels per face side, roughness 0, 0.2 .. 1
SAMPLES = 64
LUT_SIZE = 32
LUT_SAMPLES = 128


@dataclass(frozen=True)
class Prefiltered:
    name: str
    specular: list[np.ndarray]  # per level: (6, n, n, 3) float16, GL face order +X -X +Y -Y +Z -Z, row 0 = t -1
    sh: np.ndarray  # (9, 3) float32: irradiance / pi as SH (cosine-convolved), evaluate with ``sh_irradiance``
    background: np.ndarray  # (6, n, n, 3) float16: the level shown behind the model (slightly soft)


# -- directions ----------------------------------------------------------------------------------------------
def face_directions(n: int) -> np.ndarray:
    """(6, n, n, 3) unit directions of texel centres, in GL's cube-map layout (spec table 8.19)."""
    c = (np.arange(n, dtype=np.float64) + 0.5) / n * 2.0 - 1.0
    tc, sc = np.meshgrid(c, c, indexing="ij")  # row (t) first, column (s) second
    one = np.ones_like(sc)
    faces = [
        (one, -tc, -sc),  # +X
        (-one, -tc, sc),  # -X
        (sc, one, tc),  # +Y
        (sc, -one, -tc),  # -Y
        (sc, -tc, one),  # +Z
        (-sc, -tc, -one),  # -Z
    ]
    d = np.stack([np.stack(f, axis=-1) for f in faces])
    return d / np.linalg.norm(d, axis=-1, keepdims=True)


def texel_solid_angles(n: int) -> np.ndarray:
    """(n, n) solid angle of each texel of one face (the same on every face)."""
    edges = np.linspace(-1.0, 1.0, n + 1)

    def area(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return np.arctan2(x * y, np.sqrt(x * x + y * y + 1.0))

    x0, x1 = edges[:-1][None, :], edges[1:][None, :]
    y0, y1 = edges[:-1][:, None], edges[1:][:, None]
    return area(x1, y1) - area(x0, y1) - area(x1, y0) + area(x0, y0)


def _lookup(levels: list[np.ndarray], d: np.ndarray, lod: np.ndarray) -> np.ndarray:
    """Bilinear read of a cube mip chain at directions ``d`` (M, 3), level ``lod`` rounded (M,)."""
    ax = np.abs(d)
    major = ax.argmax(axis=1)
    x, y, z = d[:, 0], d[:, 1], d[:, 2]
    face = np.where(major == 0, np.where(x > 0, 0, 1), np.where(major == 1, np.where(y > 0, 2, 3),
                                                               np.where(z > 0, 4, 5)))
    ma = np.maximum(ax[np.arange(len(d)), major], 1e-12)
    sc = np.choose(face, [-z, z, x, x, x, -x])
    tc = np.choose(face, [-y, -y, z, -z, -y, -y])
    s, t = sc / ma, tc / ma
    out = np.empty((len(d), 3))
    level = np.clip(np.rint(lod), 0, len(levels) - 1).astype(np.int64)
    for k in np.unique(level):
        sel = level == k
        img = levels[k]
        n = img.shape[1]
        fx = np.clip((s[sel] + 1.0) * 0.5 * n - 0.5, 0.0, n - 1.0)
        fy = np.clip((t[sel] + 1.0) * 0.5 * n - 0.5, 0.0, n - 1.0)
        x0, y0 = np.floor(fx).astype(np.int64), np.floor(fy).astype(np.int64)
        x1, y1 = np.minimum(x0 + 1, n - 1), np.minimum(y0 + 1, n - 1)
        wx, wy = (fx - x0)[:, None], (fy - y0)[:, None]
        f = face[sel]
        out[sel] = ((img[f, y0, x0] * (1 - wx) + img[f, y0, x1] * wx) * (1 - wy)
                    + (img[f, y1, x0] * (1 - wx) + img[f, y1, x1] * wx) * wy)
    return out


# -- the environments ------------------------------------------------------------------------------------------
def _soft_box(d: np.ndarray, toward: tuple[float, float, float], size: float, power: float,
              color: tuple[float, float, float]) -> np.ndarray:
    """A rounded rectangular light seen from the centre: ``size`` is its half-angle (radians)."""
    axis = np.asarray(toward, dtype=np.float64)
    axis /= np.linalg.norm(axis)
    up = np.array([0.0, 0.0, 1.0]) if abs(axis[2]) < 0.9 else np.array([0.0, 1.0, 0.0])
    right = np.cross(axis, up)
    right /= np.linalg.norm(right)
    up = np.cross(right, axis)
    forward = d @ axis
    u = np.arctan2(d @ right, forward)
    v = np.arctan2(d @ up, forward)
    edge = np.maximum(np.abs(u) / (size * 1.4), np.abs(v) / size)  # wider than tall
    inside = np.clip((1.0 - edge) / 0.12, 0.0, 1.0) * (forward > 0)
    return inside[..., None] * (power * np.asarray(color))


SUN_DIRECTION = np.array([-0.55, -0.45, 0.70]) / np.linalg.norm([-0.55, -0.45, 0.70])
SUN_RADIUS = math.radians(2.5)
SUN_RADIANCE = np.array([600.0, 560.0, 470.0])


def sun(name: str) -> tuple[np.ndarray, np.ndarray, float] | None:
    """(direction, radiance, solid angle) of the environment's sun, which the prefilter treats analytically:
    a small disc thousands of times brighter than the sky would need thousands of samples per texel."""
    if name != "outdoor":
        return None
    return SUN_DIRECTION, SUN_RADIANCE, 2.0 * math.pi * (1.0 - math.cos(SUN_RADIUS))


def radiance(name: str, d: np.ndarray, with_sun: bool = True) -> np.ndarray:
    """Linear RGB radiance arriving from unit directions ``d`` (..., 3), Z up, the model's front toward -Y."""
    z = d[..., 2:3]
    if name == "outdoor":
        zenith = np.array([0.16, 0.32, 0.80])
        horizon = np.array([0.75, 0.85, 0.98])
        sky = horizon + (zenith - horizon) * np.sqrt(np.clip(z, 0.0, 1.0))
        ground = np.array([0.17, 0.17, 0.13]) + np.array([0.10, 0.10, 0.08]) * np.clip(1.0 + 4.0 * z, 0.0, 1.0)
        rgb = np.where(z >= 0.0, sky * 1.6, ground)
        cos_sun = d @ SUN_DIRECTION
        rgb = rgb + np.exp((cos_sun - 1.0) * 40.0)[..., None] * np.array([1.4, 1.2, 0.9])  # the haze around it
        if with_sun:
            rgb = rgb + (cos_sun >= math.cos(SUN_RADIUS))[..., None] * SUN_RADIANCE
        return rgb
    # studio: a neutral grey room, brighter above, and soft boxes: key (front left, above), fill (front right),
    # rim (behind) and a dim ceiling panel; the key dominates so shapes read, as in a product photo
    wall = 0.10 + 0.22 * np.clip(z * 0.5 + 0.5, 0.0, 1.0) ** 1.5
    floor = 0.05 + 0.05 * np.clip(1.0 + 3.0 * z, 0.0, 1.0)
    rgb = np.where(z >= 0.0, wall, floor) * np.array([1.0, 1.0, 1.0])
    rgb = rgb + _soft_box(d, (-0.55, -0.75, 0.55), 0.30, 11.0, (1.0, 0.97, 0.93))
    rgb = rgb + _soft_box(d, (0.85, -0.35, 0.20), 0.28, 2.2, (0.93, 0.96, 1.0))
    rgb = rgb + _soft_box(d, (0.30, 0.90, 0.35), 0.22, 6.0, (1.0, 1.0, 1.0))
    return rgb + _soft_box(d, (0.0, 0.0, 1.0), 0.45, 1.0, (1.0, 1.0, 1.0))


def _downsample(fine: np.ndarray) -> np.ndarray:
    n = fine.shape[1] // 2
    return fine.reshape(6, n, 2, n, 2, 3).mean(axis=(2, 4))


def _sun_lobe(name: str, size: int, roughness: float) -> np.ndarray:
    """The sun's share of a prefiltered level: its light times the normalised GGX weight toward it (a point
    light's exact prefilter; the disc is small next to every lobe but the mirror level's)."""
    found = sun(name)
    if found is None:
        return np.zeros((6, size, size, 3))
    direction, light, omega = found
    a2 = (roughness * roughness) ** 2
    n = face_directions(size)
    n_dot_l = n @ direction
    n_dot_h2 = np.clip((1.0 + n_dot_l) * 0.5, 0.0, 1.0)
    weight = np.where(n_dot_l > 0.0, a2 / (math.pi * (n_dot_h2 * (a2 - 1.0) + 1.0) ** 2) * n_dot_l, 0.0)
    # the same weight integrated over all directions (v = n), by the half angle: dω_l = 4 cosθh dω_h
    theta = np.linspace(0.0, math.pi / 4.0, 4096)
    cos_h = np.cos(theta)
    d = a2 / (math.pi * (cos_h * cos_h * (a2 - 1.0) + 1.0) ** 2)
    total = float(np.trapezoid(d * (2.0 * cos_h * cos_h - 1.0) * 4.0 * cos_h * 2.0 * math.pi * np.sin(theta), theta))
    return weight[..., None] * (light * omega / max(total, 1e-12))


def _mips(base: np.ndarray) -> list[np.ndarray]:
    levels = [base]
    while levels[-1].shape[1] > 1:
        a = levels[-1]
        n = a.shape[1] // 2
        levels.append(a.reshape(6, n, 2, n, 2, 3).mean(axis=(2, 4)))
    return levels


# -- prefiltering ----------------------------------------------------------------------------------------------
def _hammersley(count: int) -> np.ndarray:
    i = np.arange(count, dtype=np.uint32)
    bits = i.copy()
    bits = ((bits << 16) | (bits >> 16)) & 0xFFFFFFFF
    bits = ((bits & 0x55555555) << 1) | ((bits & 0xAAAAAAAA) >> 1)
    bits = ((bits & 0x33333333) << 2) | ((bits & 0xCCCCCCCC) >> 2)
    bits = ((bits & 0x0F0F0F0F) << 4) | ((bits & 0xF0F0F0F0) >> 4)
    bits = ((bits & 0x00FF00FF) << 8) | ((bits & 0xFF00FF00) >> 8)
    return np.column_stack([(i + 0.5) / count, bits.astype(np.float64) / 2.0**32])


def _ggx_half_vectors(alpha: float, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Tangent-space GGX half vectors (count, 3) and their cos(theta_h)."""
    xi = _hammersley(count)
    phi = 2.0 * math.pi * xi[:, 1]
    cos_t = np.sqrt((1.0 - xi[:, 0]) / (1.0 + (alpha * alpha - 1.0) * xi[:, 0]))
    sin_t = np.sqrt(1.0 - cos_t * cos_t)
    return np.column_stack([sin_t * np.cos(phi), sin_t * np.sin(phi), cos_t]), cos_t


def _basis(n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    helper = np.where(np.abs(n[:, 2:3]) < 0.999, [[0.0, 0.0, 1.0]], [[1.0, 0.0, 0.0]])
    tx = np.cross(helper, n)
    tx /= np.linalg.norm(tx, axis=1, keepdims=True)
    return tx, np.cross(n, tx)


def _prefilter_level(source: list[np.ndarray], size: int, roughness: float) -> np.ndarray:
    alpha = roughness * roughness
    n = face_directions(size).reshape(-1, 3)
    tx, ty = _basis(n)
    # small levels are cheap: more samples there, so wide lobes need not read the tiniest source levels
    samples = SAMPLES
    h_local, cos_h = _ggx_half_vectors(alpha, samples)
    # pdf of l for n = v: D(h) / 4; the source texel's solid angle picks the level to read (Křivánek)
    a2 = alpha * alpha
    d = a2 / (math.pi * (cos_h * cos_h * (a2 - 1.0) + 1.0) ** 2)
    omega_s = 1.0 / (samples * d / 4.0)
    omega_p = 4.0 * math.pi / (6.0 * source[0].shape[1] ** 2)
    # never below 32×32 texels a face: reads do not cross faces, so a coarse level shows its face edges and
    # its blocks (the lobe's long tail would read them), and the sun would smear into blotches
    lods = np.clip(0.5 * np.log2(omega_s / omega_p), 0.0, math.log2(source[0].shape[1] / 32))
    total = np.zeros((len(n), 3))
    weight = np.zeros((len(n), 1))
    for k in range(samples):
        h = tx * h_local[k, 0] + ty * h_local[k, 1] + n * h_local[k, 2]
        l_dir = 2.0 * (n * h).sum(axis=1, keepdims=True) * h - n
        n_dot_l = (n * l_dir).sum(axis=1, keepdims=True)
        ok = n_dot_l[:, 0] > 0.0
        if not ok.any():
            continue
        w = np.where(ok[:, None], n_dot_l, 0.0)
        sample = np.zeros((len(n), 3))
        sample[ok] = _lookup(source, l_dir[ok], np.full(int(ok.sum()), lods[k]))
        total += sample * w
        weight += w
    return (total / np.maximum(weight, 1e-12)).reshape(6, size, size, 3)


def _convolve_level(source: list[np.ndarray], size: int, roughness: float, source_size: int = 16) -> np.ndarray:
    """The GGX prefilter by direct summation over every texel of a small source level: exact, noise-free, and
    cheap for the rough levels (whose lobes span many texels); bright small lights (the sun) cannot speckle."""
    alpha = roughness * roughness
    a2 = alpha * alpha
    src = next(a for a in source if a.shape[1] == source_size)
    l_dir = face_directions(source_size).reshape(-1, 3)
    omega = np.tile(texel_solid_angles(source_size).ravel(), 6)
    radiance = src.reshape(-1, 3)
    n = face_directions(size).reshape(-1, 3)
    out = np.empty((len(n), 3))
    for start in range(0, len(n), 512):
        n_dot_l = n[start:start + 512] @ l_dir.T  # (chunk, texels)
        n_dot_h2 = np.clip((1.0 + n_dot_l) * 0.5, 0.0, 1.0)  # cos² of the half angle, as v = n
        d = a2 / (math.pi * (n_dot_h2 * (a2 - 1.0) + 1.0) ** 2)
        w = np.where(n_dot_l > 0.0, d * n_dot_l, 0.0) * omega
        out[start:start + 512] = (w @ radiance) / np.maximum(w.sum(axis=1, keepdims=True), 1e-12)
    return out.reshape(6, size, size, 3)


def sh_coefficients(levels: list[np.ndarray], size: int = 32) -> np.ndarray:
    """(9, 3) cosine-convolved SH of the environment, divided by pi: ``sh_irradiance`` gives E(n) / pi."""
    level = next(a for a in levels if a.shape[1] == size)
    d = face_directions(size).reshape(-1, 3)
    w = np.tile(texel_solid_angles(size).ravel(), 6)[:, None]
    c = level.reshape(-1, 3) * w
    x, y, z = d[:, 0:1], d[:, 1:2], d[:, 2:3]
    basis = [0.282095 + 0 * x, 0.488603 * y, 0.488603 * z, 0.488603 * x, 1.092548 * x * y, 1.092548 * y * z,
             0.315392 * (3 * z * z - 1), 1.092548 * x * z, 0.546274 * (x * x - y * y)]
    band = [math.pi, *[2.0 * math.pi / 3.0] * 3, *[math.pi / 4.0] * 5]  # the cosine lobe's convolution
    coeffs = np.stack([(b * c).sum(axis=0) * a for b, a in zip(basis, band, strict=True)])
    return (coeffs / math.pi).astype(np.float32)


def sh_irradiance(sh: np.ndarray, n: np.ndarray) -> np.ndarray:
    """E(n) / pi for unit normals ``n`` (..., 3): the same polynomial as the shader's."""
    x, y, z = n[..., 0:1], n[..., 1:2], n[..., 2:3]
    basis = [0.282095 + 0 * x, 0.488603 * y, 0.488603 * z, 0.488603 * x, 1.092548 * x * y, 1.092548 * y * z,
             0.315392 * (3 * z * z - 1), 1.092548 * x * z, 0.546274 * (x * x - y * y)]
    return sum(b * sh[i] for i, b in enumerate(basis))


_cache: dict[str, Prefiltered] = {}
_lock = threading.Lock()


def prefiltered(name: str = DEFAULT_ENVIRONMENT) -> Prefiltered:
    """The environment ``name``, prefiltered (computed on the first call, then kept). Thread-safe; slow the
    first time (~1 s on one laptop core), so call it off the GUI thread (``is_ready`` tells)."""
    if name not in ENVIRONMENTS:
        name = DEFAULT_ENVIRONMENT
    with _lock:
        if name in _cache:
            return _cache[name]
        busy = _computing.setdefault(name, threading.Lock())
    with busy:  # a second caller waits for the first one's result instead of computing it again
        with _lock:
            if name in _cache:
                return _cache[name]
        stored = _read_stored(name)
        if stored is not None:
            with _lock:
                return _cache.setdefault(name, stored)
        result = _compute(name)
        _store(result)
        return result


# -- the copy on disk ----------------------------------------------------------------------------------------
def _code_key() -> str:
    """Changes whenever the computation may: this file's text (a source install) or the app's version (a bundle,
    which may hold only compiled code), plus the sizes above."""
    try:
        text = Path(__file__).read_bytes()
    except OSError:
        from desktop_app import __version__

        text = __version__.encode()
    sizes = f"{FACE_SIZE}/{SPECULAR_LEVELS}/{SAMPLES}".encode()
    return hashlib.sha256(text + sizes).hexdigest()[:16]


def stored_path(name: str) -> str | None:
    """Where ``name``'s prefiltered data is kept between processes; None when there is no cache folder."""
    try:
        from desktop_app.core.settings import app_paths

        folder = app_paths().cache_dir
    except Exception:  # no usable home: compute each time, as before
        return None
    return os.path.join(folder, f"ibl-{name}-{_code_key()}.npz")


def _read_stored(name: str) -> Prefiltered | None:
    path = stored_path(name)
    if path is None or not os.path.isfile(path):
        return None
    try:
        with open(path, "rb") as handle, np.load(handle, allow_pickle=False) as data:  # our handle: closed on errors
            specular = [data[f"level{k}"] for k in range(SPECULAR_LEVELS)]
            sh = data["sh"]
        expected = [(6, FACE_SIZE >> k, FACE_SIZE >> k, 3) for k in range(SPECULAR_LEVELS)]
        if [s.shape for s in specular] != expected or sh.shape != (9, 3) or any(
                s.dtype != np.float16 for s in specular) or not all(np.isfinite(s).all() for s in specular):
            raise ValueError("unexpected shapes or values")
    except Exception as exc:  # damaged or foreign: computed again and written over
        log.info("ignoring the stored environment %s: %s", path, exc)
        return None
    return Prefiltered(name, specular, sh.astype(np.float32), specular[1])


def _store(result: Prefiltered) -> None:
    """Write atomically (a temporary file renamed), so a reader never sees half a file; failure costs only time."""
    path = stored_path(result.name)
    if path is None:
        return
    try:
        folder = os.path.dirname(path)
        os.makedirs(folder, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=".ibl-", suffix=".npz", dir=folder)
        try:
            with os.fdopen(fd, "wb") as handle:
                np.savez(handle, sh=result.sh, **{f"level{k}": s for k, s in enumerate(result.specular)})
            os.replace(temp, path)
        except BaseException:
            os.unlink(temp)
            raise
    except OSError as exc:  # a read-only or full disk: the next process computes it again
        log.info("could not keep the prefiltered environment in %s: %s", path, exc)


_computing: dict[str, threading.Lock] = {}


def _compute(name: str) -> Prefiltered:
    fine_dirs = face_directions(FACE_SIZE * 2)  # 2x2 supersampled: the sun's edge stays smooth
    base = _downsample(radiance(name, fine_dirs))
    source = _mips(_downsample(radiance(name, fine_dirs, with_sun=False)))
    specular = [base.astype(np.float16)]
    for k in range(1, SPECULAR_LEVELS):
        size, roughness = FACE_SIZE >> k, k / (SPECULAR_LEVELS - 1)
        level = _prefilter_level(source, size, roughness) if roughness < 0.3 else _convolve_level(source, size,
                                                                                                  roughness)
        specular.append((level + _sun_lobe(name, size, roughness)).astype(np.float16))
    source = _mips(base)  # the SH integrate the sun like any other light
    result = Prefiltered(name, specular, sh_coefficients(source), specular[1])
    with _lock:
        return _cache.setdefault(name, result)


def is_ready(name: str) -> bool:
    with _lock:
        return name in _cache


def prepare_async(name: str, ready: Callable[[], None]) -> None:
    """Prefilter ``name`` (and the BRDF table) in a worker; ``ready`` is called on the GUI thread after.
    One lane: two environments asked at once are prefiltered one after the other, not fighting for the CPU."""
    from desktop_app.ui.tasks import Op

    Op(lambda: (brdf_lut(), prefiltered(name))).serial("ibl-prefilter").success(lambda _r: ready()).named(
        f"prefilter {name}").run()


_lut: np.ndarray | None = None


def brdf_lut(size: int = LUT_SIZE) -> np.ndarray:
    """(size, size, 2) float32: the split sum's (scale, bias) on F0; x = n·v, y = roughness (texel centres)."""
    global _lut
    if _lut is not None and _lut.shape[0] == size:
        return _lut
    n_dot_v = (np.arange(size) + 0.5) / size
    rough = (np.arange(size) + 0.5) / size
    xi = _hammersley(LUT_SAMPLES)
    out = np.zeros((size, size, 2), dtype=np.float64)
    for j, r in enumerate(rough):
        alpha = r * r
        phi = 2.0 * math.pi * xi[:, 1]
        cos_t = np.sqrt((1.0 - xi[:, 0]) / (1.0 + (alpha * alpha - 1.0) * xi[:, 0]))
        sin_t = np.sqrt(1.0 - cos_t * cos_t)
        h = np.column_stack([sin_t * np.cos(phi), sin_t * np.sin(phi), cos_t])  # (S, 3), n = +z
        v = np.column_stack([np.sqrt(1.0 - n_dot_v**2), np.zeros(size), n_dot_v])  # (size, 3)
        v_dot_h = v @ h.T  # (size, S)
        l_z = 2.0 * v_dot_h * h[None, :, 2] - v[:, 2:3]
        n_dot_l = np.clip(l_z, 0.0, 1.0)
        n_dot_h = np.clip(h[None, :, 2], 0.0, 1.0)
        v_dot_h = np.clip(v_dot_h, 0.0, 1.0)
        k = alpha / 2.0  # Smith-Schlick for IBL
        g = (n_dot_l / (n_dot_l * (1 - k) + k)) * (n_dot_v[:, None] / (n_dot_v[:, None] * (1 - k) + k))
        g_vis = np.where(n_dot_l > 0, g * v_dot_h / np.maximum(n_dot_h * n_dot_v[:, None], 1e-12), 0.0)
        fc = (1.0 - v_dot_h) ** 5
        out[j, :, 0] = ((1.0 - fc) * g_vis).mean(axis=1)
        out[j, :, 1] = (fc * g_vis).mean(axis=1)
    _lut = out.astype(np.float32)
    return _lut
