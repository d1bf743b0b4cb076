"""Smooth local warps: the moves a face reshape is made of, fused into one remap per region.

What belongs here: the move primitives (:class:`Bulge` for enlarging eyes or lips,
:class:`CurveShift` for sliding a stretch of the jaw contour, :class:`LocalTransform` for
moving/scaling/rotating one feature), the evaluation of their summed *forward* displacement on a
coarse grid, its inversion (fixed-point iteration, so the backward map that ``cv2.remap`` needs is
accurate, not a first-order guess), and :func:`apply_moves` which warps one crop with a single
remap. Every primitive has compact support: beyond its reach pixels move exactly 0, so the
background, hair edges and glasses frames outside a face stay straight.

Which moves a slider makes lives in :mod:`facestudio.core.reshape`; this module knows nothing
of faces beyond points and vectors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

#: grid points along the longer side of the region the field is evaluated on
GRID_POINTS = 72


def _smoothstep(t: np.ndarray) -> np.ndarray:
    """1 at t <= 0, 0 at t >= 1, C1-smooth in between."""
    t = np.clip(t, 0.0, 1.0)
    return 1.0 - t * t * (3.0 - 2.0 * t)


@dataclass(frozen=True)
class Bulge:
    """Radial magnification around ``centre`` inside an ellipse (axes ``right``/``up``).

    ``amount`` > 0 enlarges (0.1 = the centre is magnified about 1.1x), < 0 shrinks.
    Content moves radially; at the ellipse's edge and beyond, nothing moves.
    """

    centre: np.ndarray
    right: np.ndarray
    up: np.ndarray
    rx: float
    ry: float
    amount: float

    def forward(self, pts: np.ndarray) -> np.ndarray:
        d = pts - self.centre
        u = d @ self.right / self.rx
        v = d @ self.up / self.ry
        rho2 = u * u + v * v
        w = np.where(rho2 < 1.0, (1.0 - rho2) ** 2, 0.0)
        return d * (self.amount * w)[:, None]


@dataclass(frozen=True)
class CurveShift:
    """Slide a polyline's content by per-vertex ``shifts``, fading with distance from it.

    ``inside`` is a polygon telling which side of the curve is the inside (the face); the shift
    fades to 0 over ``reach_in`` pixels on that side and ``reach_out`` on the other, so nothing
    beyond ``reach_out`` outside the face moves.
    """

    points: np.ndarray   # (n, 2)
    shifts: np.ndarray   # (n, 2) forward displacement of the content on the curve
    inside: np.ndarray   # (m, 2) polygon
    reach_in: float
    reach_out: float

    def forward(self, pts: np.ndarray) -> np.ndarray:
        out = np.zeros_like(pts, dtype=np.float64)
        reach = max(self.reach_in, self.reach_out)
        lo = self.points.min(axis=0) - reach
        hi = self.points.max(axis=0) + reach
        near = np.all((pts >= lo) & (pts <= hi), axis=1)  # nothing moves beyond the reach
        if not near.any():
            return out
        p = pts[near]
        ax, ay = self.points[:-1, 0], self.points[:-1, 1]
        abx, aby = np.diff(self.points[:, 0]), np.diff(self.points[:, 1])
        len2 = np.maximum(abx * abx + aby * aby, 1e-12)
        # projection of every point on every segment, as (N, S) arrays
        apx = p[:, 0:1] - ax
        apy = p[:, 1:2] - ay
        t = np.clip((apx * abx + apy * aby) / len2, 0.0, 1.0)
        dx = apx - t * abx
        dy = apy - t * aby
        dist2 = dx * dx + dy * dy
        seg = np.argmin(dist2, axis=1)
        idx = np.arange(len(p))
        tt = t[idx, seg][:, None]
        dist = np.sqrt(dist2[idx, seg])
        shift = self.shifts[seg] * (1.0 - tt) + self.shifts[seg + 1] * tt
        limit = np.where(_inside_mask(p, self.inside), self.reach_in, self.reach_out)
        out[near] = shift * _smoothstep(dist / np.maximum(limit, 1e-6))[:, None]
        return out


def _inside_mask(pts: np.ndarray, poly: np.ndarray) -> np.ndarray:
    """Point-in-polygon for many points at once (even-odd rule, vectorised)."""
    x, y = pts[:, 0][:, None], pts[:, 1][:, None]
    x0, y0 = poly[:, 0][None], poly[:, 1][None]
    x1, y1 = np.roll(poly[:, 0], -1)[None], np.roll(poly[:, 1], -1)[None]
    crosses = ((y0 > y) != (y1 > y))
    with np.errstate(divide="ignore", invalid="ignore"):
        xint = x0 + (y - y0) * (x1 - x0) / (y1 - y0)
    return (crosses & (x < xint)).sum(axis=1) % 2 == 1


@dataclass(frozen=True)
class LocalTransform:
    """Move one feature: an affine map about ``centre`` applied fully inside an ellipse and
    fading to nothing at ``falloff`` times its radii.

    ``matrix`` (2x2, in the face frame right/up) and ``offset`` (pixels, in the face frame)
    describe where the content goes: identity and (0, 0) move nothing.
    """

    centre: np.ndarray
    right: np.ndarray
    up: np.ndarray
    rx: float
    ry: float
    matrix: np.ndarray
    offset: np.ndarray
    falloff: float = 2.0

    def forward(self, pts: np.ndarray) -> np.ndarray:
        d = pts - self.centre
        u = d @ self.right
        v = d @ self.up
        rho = np.sqrt((u / self.rx) ** 2 + (v / self.ry) ** 2)
        w = _smoothstep((rho - 1.0) / max(self.falloff - 1.0, 1e-6))
        m = self.matrix - np.eye(2)
        du = m[0, 0] * u + m[0, 1] * v + self.offset[0]
        dv = m[1, 0] * u + m[1, 1] * v + self.offset[1]
        disp = np.outer(du, self.right) + np.outer(dv, self.up)
        return disp * w[:, None]


Move = Bulge | CurveShift | LocalTransform


def forward_field(moves: Sequence[Move], pts: np.ndarray) -> np.ndarray:
    """Summed forward displacement of all ``moves`` at ``pts`` (N, 2)."""
    total = np.zeros_like(pts, dtype=np.float64)
    for m in moves:
        total += m.forward(pts)
    return total


def _grid_backward(moves: Sequence[Move], gx: np.ndarray, gy: np.ndarray, *, iterations: int = 4) -> np.ndarray:
    """Backward displacement on the grid gx x gy: the forward field is evaluated once on the
    grid, then the fixed-point inversion interpolates it (bilinearly) at the moving estimates."""
    xx, yy = np.meshgrid(gx, gy)
    pts = np.stack([xx.ravel(), yy.ravel()], axis=1)
    fwd = forward_field(moves, pts).reshape(len(gy), len(gx), 2).astype(np.float32)
    step_x = (gx[-1] - gx[0]) / max(len(gx) - 1, 1) or 1.0
    step_y = (gy[-1] - gy[0]) / max(len(gy) - 1, 1) or 1.0
    gxx = ((xx - gx[0]) / step_x).astype(np.float32)
    gyy = ((yy - gy[0]) / step_y).astype(np.float32)
    src = fwd * 0
    disp = -fwd
    for _ in range(iterations):
        # u(x + disp): sample the forward field where the current estimate of the source lies
        mx = gxx + disp[..., 0] / np.float32(step_x)
        my = gyy + disp[..., 1] / np.float32(step_y)
        src = cv2.remap(fwd, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        disp = -src
    return disp


def displacement_maps(moves: Sequence[Move], x0: int, y0: int, width: int, height: int,
                      *, grid_points: int = GRID_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """Backward displacement (dx, dy), float32 (height, width), for the crop at (x0, y0).

    The field is evaluated on a coarse grid (at most ``grid_points`` along the longer side) and
    upsampled bicubically: the moves are smooth, so this reproduces them to a small fraction of
    a pixel at a fraction of the cost.
    """
    step = max(1.0, max(width, height) / grid_points)
    gw = int(np.ceil((width - 1) / step)) + 1
    gh = int(np.ceil((height - 1) / step)) + 1
    gx = x0 + np.arange(gw) * step
    gy = y0 + np.arange(gh) * step
    disp = _grid_backward(moves, gx, gy)
    if gw == width and gh == height:
        return np.ascontiguousarray(disp[..., 0]), np.ascontiguousarray(disp[..., 1])
    # grid node i sits on pixel i*step: an affine warp keeps that alignment exactly
    mat = np.array([[1.0 / step, 0, 0], [0, 1.0 / step, 0]], np.float32)
    flags = cv2.INTER_CUBIC | cv2.WARP_INVERSE_MAP
    dx = cv2.warpAffine(disp[..., 0], mat, (width, height), flags=flags, borderMode=cv2.BORDER_REPLICATE)
    dy = cv2.warpAffine(disp[..., 1], mat, (width, height), flags=flags, borderMode=cv2.BORDER_REPLICATE)
    return dx, dy


def apply_moves(crop: np.ndarray, moves: Sequence[Move], x0: int, y0: int) -> np.ndarray:
    """Warp ``crop`` (whose top-left pixel is (x0, y0) of the frame) by ``moves``.

    Returns a new array of the same shape and dtype.
    """
    if not moves:
        return crop.copy()
    h, w = crop.shape[:2]
    dx, dy = displacement_maps(moves, x0, y0, w, h)
    if max(float(np.abs(dx).max()), float(np.abs(dy).max())) < 1.0 / 64:
        return crop.copy()
    # remap snaps coordinates to 1/32 px: where the displacement is below 1/64 px the source
    # pixel is taken exactly, so untouched areas stay bit-identical.
    dx += np.arange(w, dtype=np.float32)[None, :]
    dy += np.arange(h, dtype=np.float32)[:, None]
    return cv2.remap(crop, dx, dy, interpolation=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)
