"""The few image filters the relief generator needs, in numpy alone (they replaced scipy.ndimage).

Why not scipy: importing scipy.ndimage loads scipy.special and with it scipy's own 32-bit OpenBLAS (24 MB in
the bundle, next to numpy's 64-bit one). Each function here matches its scipy.ndimage namesake for the
arguments the relief code passes (tests/unit/test_raster.py compares them on random input when scipy is
installed); only ties in ``nearest_indices`` may pick a different, equally near pixel.
"""

from __future__ import annotations

import numpy as np


def components(count: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Connected components of ``count`` nodes joined by edges ``u[i]-v[i]``: each node's root, which is the
    smallest node of its component. Union-find with hooking and pointer jumping, vectorised over all edges
    (here so neither the relief nor the print check needs scipy's graph module and its OpenBLAS)."""
    parent = np.arange(count, dtype=np.int64)
    u, v = np.asarray(u, np.int64), np.asarray(v, np.int64)
    while u.size:
        pu, pv = parent[u], parent[v]
        differ = pu != pv
        if not differ.any():
            break
        u, v, pu, pv = u[differ], v[differ], pu[differ], pv[differ]
        # Every node points at a root (after the jumping below), so this hooks roots onto smaller roots:
        # pointers only ever decrease, so no cycle can form and each component ends at its first node.
        np.minimum.at(parent, np.maximum(pu, pv), np.minimum(pu, pv))
        while True:
            jumped = parent[parent]
            if np.array_equal(jumped, parent):
                break
            parent = jumped
    return parent


def label(mask: np.ndarray) -> tuple[np.ndarray, int]:
    """4-connected components of a 2-D boolean mask: (labels, count), numbered in raster order like
    ``scipy.ndimage.label``. Union-find with hooking and pointer jumping, vectorised over all edges."""
    mask = np.asarray(mask, bool)
    h, w = mask.shape
    idx = np.arange(h * w, dtype=np.int64).reshape(h, w)
    right = mask[:, :-1] & mask[:, 1:]
    down = mask[:-1, :] & mask[1:, :]
    u = np.concatenate([idx[:, :-1][right], idx[:-1, :][down]])
    v = np.concatenate([idx[:, 1:][right], idx[1:, :][down]])
    parent = components(h * w, u, v)
    roots = parent.reshape(h, w)
    labels = np.zeros((h, w), np.int32)
    if mask.any():
        # Each root is its component's first pixel in raster order, so sorted roots number them as scipy does.
        unique, inverse = np.unique(roots[mask], return_inverse=True)
        labels[mask] = inverse.astype(np.int32) + 1
        return labels, int(unique.size)
    return labels, 0


def median3(image: np.ndarray) -> np.ndarray:
    """3x3 median with mirrored edges (``scipy.ndimage.median_filter(image, size=3)``)."""
    h, w = image.shape
    padded = np.pad(image, 1, mode="symmetric")
    stack = np.stack([padded[dy:dy + h, dx:dx + w] for dy in range(3) for dx in range(3)])
    return np.partition(stack, 4, axis=0)[4]


def box_mean(image: np.ndarray, size: int) -> np.ndarray:
    """Mean over a size x size box with mirrored edges (``scipy.ndimage.uniform_filter(image, size)``)."""
    out = np.asarray(image, np.float64)
    if size <= 1:
        return out.astype(image.dtype, copy=False)
    before = size // 2
    after = size - 1 - before
    for axis in (0, 1):
        pad = [(0, 0), (0, 0)]
        pad[axis] = (before + 1, after)  # one extra leading zero-row for the cumulative-sum difference
        padded = np.pad(out, pad, mode="symmetric")
        cum = np.cumsum(padded, axis=axis)
        n = out.shape[axis]
        hi = np.take(cum, np.arange(size, size + n), axis=axis)
        lo = np.take(cum, np.arange(0, n), axis=axis)
        out = (hi - lo) / size
    return out.astype(image.dtype, copy=False)


def gaussian_blur(image: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur with zeros beyond the edge (``scipy.ndimage.gaussian_filter(image, sigma,
    mode="constant")``, same 4-sigma kernel)."""
    out = np.asarray(image, np.float64)
    radius = int(4.0 * float(sigma) + 0.5)
    if sigma <= 0 or radius == 0:
        return out
    x = np.arange(-radius, radius + 1, dtype=np.float64)
    kernel = np.exp(-0.5 * (x / sigma) ** 2)
    kernel /= kernel.sum()
    for axis in (0, 1):
        moved = np.moveaxis(out, axis, 0)
        padded = np.pad(moved, [(radius, radius), (0, 0)])
        acc = np.zeros_like(moved)
        n = moved.shape[0]
        for i, weight in enumerate(kernel):
            acc += weight * padded[i:i + n]
        out = np.moveaxis(acc, 0, axis)
    return out


def bilinear(image: np.ndarray, gy: np.ndarray, gx: np.ndarray, *, outside: float | None = None) -> np.ndarray:
    """Sample ``image`` at fractional (gy, gx) pixel coordinates, bilinearly (``scipy.ndimage.map_coordinates``
    with order=1). ``outside=None`` clamps to the edge (mode "nearest"); a number is returned for points off the
    image (mode "constant" with that cval)."""
    h, w = image.shape
    y = np.asarray(gy, np.float64)
    x = np.asarray(gx, np.float64)
    yc = np.clip(y, 0, h - 1)
    xc = np.clip(x, 0, w - 1)
    y0 = np.minimum(np.floor(yc).astype(np.int64), max(h - 2, 0))
    x0 = np.minimum(np.floor(xc).astype(np.int64), max(w - 2, 0))
    y1 = np.minimum(y0 + 1, h - 1)
    x1 = np.minimum(x0 + 1, w - 1)
    fy, fx = yc - y0, xc - x0
    img = np.asarray(image, np.float64)
    top = img[y0, x0] * (1 - fx) + img[y0, x1] * fx
    bottom = img[y1, x0] * (1 - fx) + img[y1, x1] * fx
    out = top * (1 - fy) + bottom * fy
    if outside is not None:
        off = (y < 0) | (y > h - 1) | (x < 0) | (x > w - 1)
        out = np.where(off, outside, out)
    return out


def distance_to_zero(image: np.ndarray) -> np.ndarray:
    """Exact Euclidean distance from each non-zero pixel to the nearest zero pixel
    (``scipy.ndimage.distance_transform_edt(image)``)."""
    squared, _, _ = _edt(np.asarray(image, bool))
    return np.sqrt(squared)


def nearest_indices(is_zero_site: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For every pixel, the (row, column) of the nearest pixel where ``is_zero_site`` is True
    (``distance_transform_edt(~is_zero_site, return_distances=False, return_indices=True)``)."""
    _, rows, cols = _edt(~np.asarray(is_zero_site, bool))
    return rows, cols


def _edt(feature: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Squared distance to, and index of, the nearest False pixel: the separable exact transform of
    Felzenszwalb and Huttenlocher, its 1-D lower-envelope pass run for all rows at once."""
    h, w = feature.shape
    rows_idx = np.arange(h)[:, None]
    # Pass 1, down the columns: the nearest site above and below each pixel.
    site = ~feature
    above = np.where(site, rows_idx, -(10**9))
    above = np.maximum.accumulate(above, axis=0)
    below = np.where(site, rows_idx, 10**9 * 2)
    below = np.minimum.accumulate(below[::-1], axis=0)[::-1]
    pick_below = (below - rows_idx) < (rows_idx - above)
    near_row = np.where(pick_below, below, above)
    col_dist = np.abs(near_row - rows_idx).astype(np.float64)
    f = np.where(col_dist < 10**8, col_dist**2, np.inf)

    # Pass 2, along the rows: the lower envelope of the parabolas (x - q)^2 + f[q], built for every row at once.
    v = np.zeros((h, w), np.int64)
    z = np.full((h, w + 1), np.inf)
    k = np.full(h, -1, np.int64)
    all_rows = np.arange(h)
    for q in range(w):
        fq = f[:, q]
        pending = all_rows[np.isfinite(fq)]
        while pending.size:
            kk = k[pending]
            has = kk >= 0
            first = pending[~has]
            v[first, 0] = q
            z[first, 0] = -np.inf
            z[first, 1] = np.inf
            k[first] = 0
            cand, kc = pending[has], kk[has]
            p = v[cand, kc]
            s = ((fq[cand] + q * q) - (f[cand, p] + p * p)) / (2.0 * (q - p))
            pop = s <= z[cand, kc]
            k[cand[pop]] -= 1
            ok, s_ok = cand[~pop], s[~pop]
            knew = k[ok] + 1
            v[ok, knew] = q
            z[ok, knew] = s_ok
            z[ok, knew + 1] = np.inf
            k[ok] = knew
            pending = cand[pop]
    # Segment j of a row covers [z[j], z[j+1]); find each x's segment with one search over all rows.
    bounds = z[:, 1:w + 1].copy()
    bounds[np.arange(w)[None, :] > k[:, None] - 1] = np.inf  # boundaries past the envelope's last segment
    bounds = np.clip(bounds, -1.0, w + 1.0) + (all_rows * (w + 3.0))[:, None]
    xs = np.arange(w, dtype=np.float64)[None, :] + (all_rows * (w + 3.0))[:, None]
    seg = np.searchsorted(bounds.ravel(), xs.ravel(), side="right").reshape(h, w) - (all_rows * w)[:, None]
    seg = np.clip(seg, 0, w - 1)
    best_col = np.take_along_axis(v, seg, axis=1)
    squared = (np.arange(w)[None, :] - best_col) ** 2 + np.take_along_axis(f, best_col, axis=1)
    squared = np.where(k[:, None] >= 0, squared, np.inf)
    best_row = np.take_along_axis(near_row, best_col, axis=1)
    return squared, best_row, best_col
