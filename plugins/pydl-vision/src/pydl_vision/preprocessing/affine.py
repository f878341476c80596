"""Affine warps for augmentation. One 3x3 matrix per image maps *output* pixel coordinates (row, col) to *input*
coordinates (an inverse map, as scipy.ndimage.affine_transform uses), and the whole image is sampled at once with
NumPy index arrays: no per-pixel Python loop."""
import numpy as np

FILL_MODES = ("constant", "nearest", "reflect", "wrap")


def transform_matrix(h, w, theta=0.0, tx=0.0, ty=0.0, shear=0.0, zx=1.0, zy=1.0):
    """Keras's composition rotation @ shift @ shear @ zoom (angles in degrees, tx/ty in rows/columns) about the
    image centre; None for the identity. Positive tx moves the content up, positive ty moves it left (Keras)."""
    m = np.eye(3)
    if theta:
        t = np.deg2rad(theta)
        m = m @ np.array([[np.cos(t), -np.sin(t), 0], [np.sin(t), np.cos(t), 0], [0, 0, 1]])
    if tx or ty:
        m = m @ np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]], dtype=float)
    if shear:
        s = np.deg2rad(shear)
        m = m @ np.array([[1, -np.sin(s), 0], [0, np.cos(s), 0], [0, 0, 1]])
    if zx != 1 or zy != 1:
        m = m @ np.diag([zx, zy, 1.0])
    if not (theta or tx or ty or shear or zx != 1 or zy != 1):
        return None
    # About the centre of the pixel grid, ((h-1)/2, (w-1)/2). Keras uses (h/2+0.5, w/2+0.5), one pixel off: with
    # the true centre a 90-degree turn or a mirror-symmetric zoom maps the grid onto itself.
    cr, cc = (h - 1) / 2.0, (w - 1) / 2.0
    to_centre = np.array([[1, 0, -cr], [0, 1, -cc], [0, 0, 1]])
    back = np.array([[1, 0, cr], [0, 1, cc], [0, 0, 1]])
    return back @ m @ to_centre


def _fold(i, n, mode):
    """Maps integer coordinates outside [0, n) back into the image for the non-constant fill modes."""
    if mode == "nearest":        # aaaa|abcd|dddd
        return np.clip(i, 0, n - 1)
    if mode == "wrap":           # abcd|abcd|abcd
        return np.mod(i, n)
    m = np.mod(i, 2 * n)         # reflect: dcba|abcd|dcba (the edge pixel repeats; period 2n)
    return np.where(m < n, m, 2 * n - 1 - m)


def _gather(x, ri, ci, mode, cval):
    h, w = x.shape[:2]
    if mode == "constant":       # kkkk|abcd|kkkk
        inside = (ri >= 0) & (ri < h) & (ci >= 0) & (ci < w)
        vals = x[np.clip(ri, 0, h - 1), np.clip(ci, 0, w - 1)]
        return np.where(inside[..., None], vals, np.asarray(cval, dtype=x.dtype))
    return x[_fold(ri, h, mode), _fold(ci, w, mode)]


def _snap(v):
    """Coordinates within 1e-6 of an integer become that integer, so integer shifts and quarter turns are exact."""
    r = np.round(v)
    return np.where(np.abs(v - r) < 1e-6, r, v)


def warp(x, matrix, fill_mode="nearest", cval=0.0, order=1):
    """x (h, w, channels) resampled through `matrix` (output (row, col, 1) -> input coordinates); order 0 is
    nearest-neighbour, 1 bilinear. Returns an array of x's dtype."""
    if fill_mode not in FILL_MODES:
        raise ValueError(f"fill_mode must be one of {FILL_MODES}, got {fill_mode!r}")
    if order not in (0, 1):
        raise ValueError(f"interpolation order must be 0 (nearest) or 1 (bilinear), got {order!r}")
    h, w = x.shape[:2]
    rows, cols = np.indices((h, w), dtype=np.float64)
    r = _snap(matrix[0, 0] * rows + matrix[0, 1] * cols + matrix[0, 2])
    c = _snap(matrix[1, 0] * rows + matrix[1, 1] * cols + matrix[1, 2])
    if order == 0:
        r0, c0 = np.floor(r + 0.5).astype(np.intp), np.floor(c + 0.5).astype(np.intp)
        return _gather(x, r0, c0, fill_mode, cval).astype(x.dtype, copy=False)
    r0, c0 = np.floor(r), np.floor(c)
    fr, fc = (r - r0)[..., None], (c - c0)[..., None]
    r0, c0 = r0.astype(np.intp), c0.astype(np.intp)
    if not fr.any() and not fc.any():   # every sample on the grid: one gather
        return _gather(x, r0, c0, fill_mode, cval).astype(x.dtype, copy=False)
    top = _gather(x, r0, c0, fill_mode, cval) * (1 - fc) + _gather(x, r0, c0 + 1, fill_mode, cval) * fc
    bottom = _gather(x, r0 + 1, c0, fill_mode, cval) * (1 - fc) + _gather(x, r0 + 1, c0 + 1, fill_mode, cval) * fc
    return (top * (1 - fr) + bottom * fr).astype(x.dtype, copy=False)


def apply_affine_transform(x, theta=0, tx=0, ty=0, shear=0, zx=1, zy=1, row_axis=0, col_axis=1, channel_axis=2,
                           fill_mode="nearest", cval=0.0, order=1):
    """Keras's function of the same name for one channels-last image (h, w, channels)."""
    if (row_axis, col_axis, channel_axis) != (0, 1, 2):
        raise ValueError("apply_affine_transform supports channels-last images only (row_axis=0, col_axis=1, "
                         f"channel_axis=2), got {(row_axis, col_axis, channel_axis)}")
    m = transform_matrix(x.shape[0], x.shape[1], theta, tx, ty, shear, zx, zy)
    return x if m is None else warp(x, m, fill_mode, cval, order)
