"""The 35 colour looks behind :mod:`facestudio.core.filters`, as data plus the curve maths.

What belongs here: the recipes (one :class:`Look` per AILabTools face-beauty-pro ``filter_type``,
in the provider's order and spelling) and the pure functions that turn a recipe into per-channel
tone functions. Nothing here touches an image; :mod:`facestudio.core.filters` compiles a look
into lookup tables and applies it.

Every look has the same structure, chosen so that it runs as two fused OpenCV passes:

1. a 3x3 colour matrix with offset (saturation, monochrome mixes, channel mixing such as turning
   foliage cyan), computed in the image's own integer scale by ``cv2.transform``;
2. one tone function per channel (``cv2.LUT`` / a 16-bit table): a master tone curve through
   control points (monotone cubic, so it never folds back), split toning (a tint that fades
   from the shadows or into the highlights), and a white-balance curve per channel that moves
   the midtones while keeping black and white fixed;
3. optionally a soft glow (a blurred, highlight-weighted screen blend computed on a small copy)
   and a vignette.

Units in the recipes are 8-bit levels (0-255) for readability; the functions work on [0, 1].
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Fn = Callable[[np.ndarray], np.ndarray]

#: Rec. 601 luma weights (what "luminance" means in the mixes below)
LUMA = (0.299, 0.587, 0.114)


def monotone_cubic(points: tuple[tuple[float, float], ...]) -> Fn:
    """A monotone cubic (Fritsch-Carlson) through control points given in 0-255 units.

    Returns a function of x in [0, 1] giving y in [0, 1] (clipped). Monotone data gives a
    monotone curve without overshoot, so a tone curve never inverts or rings.
    """
    xs = np.array([p[0] for p in points], np.float64) / 255.0
    ys = np.array([p[1] for p in points], np.float64) / 255.0
    if len(xs) < 2 or np.any(np.diff(xs) <= 0):
        raise ValueError("control points need at least two strictly increasing x values")
    h = np.diff(xs)
    d = np.diff(ys) / h
    m = np.empty_like(xs)
    m[0], m[-1] = d[0], d[-1]
    for k in range(1, len(xs) - 1):
        if d[k - 1] * d[k] <= 0:
            m[k] = 0.0
        else:  # weighted harmonic mean (Fritsch-Butland), keeps monotonicity
            w1, w2 = 2 * h[k] + h[k - 1], h[k] + 2 * h[k - 1]
            m[k] = (w1 + w2) / (w1 / d[k - 1] + w2 / d[k])
    if len(xs) > 2:  # end slopes: three-point estimate, limited to keep the ends monotone
        for end, (dk, dn, hk, hn) in ((0, (d[0], d[1], h[0], h[1])), (-1, (d[-1], d[-2], h[-1], h[-2]))):
            s = ((2 * hk + hn) * dk - hk * dn) / (hk + hn)
            if s * dk <= 0:
                s = 0.0
            elif dk * dn < 0 and abs(s) > 3 * abs(dk):
                s = 3 * dk
            m[end] = s

    def curve(x: np.ndarray) -> np.ndarray:
        x = np.clip(np.asarray(x, np.float64), xs[0], xs[-1])
        k = np.clip(np.searchsorted(xs, x, side="right") - 1, 0, len(xs) - 2)
        t = (x - xs[k]) / h[k]
        t2, t3 = t * t, t * t * t
        y = ((2 * t3 - 3 * t2 + 1) * ys[k] + (t3 - 2 * t2 + t) * h[k] * m[k]
             + (-2 * t3 + 3 * t2) * ys[k + 1] + (t3 - t2) * h[k] * m[k + 1])
        return np.clip(y, 0.0, 1.0)

    return curve


def saturation(s: float) -> np.ndarray:
    """3x3 matrix scaling chroma by ``s`` around Rec. 601 luma (0 = grey, 1 = identity)."""
    lum = np.tile(np.array(LUMA), (3, 1))
    return (1.0 - s) * lum + s * np.eye(3)


def mono(r: float, g: float, b: float) -> np.ndarray:
    """3x3 matrix for a black-and-white mix (weights normalised to sum 1): R = G = B."""
    w = np.array([r, g, b], np.float64)
    return np.tile(w / w.sum(), (3, 1))


@dataclass(frozen=True)
class Look:
    """One colour grade. Tints and white balance are in 8-bit levels; see the module doc.

    ``mix``: 3x3 matrix (None = identity). ``tone``: master curve control points.
    ``shadows`` / ``highlights``: (r, g, b) tint added at black / white, fading out towards the
    other end (quadratically). ``balance``: (r, g, b) shift of each channel's midtone (a curve
    through (0,0), (128, 128+d), (255,255)). ``glow``: opacity 0-1 of a blurred, highlight-
    weighted copy screen-blended on top, blur sigma ``glow_sigma`` times the long side.
    ``vignette``: darkening 0-1 at the corners.
    """

    name: str
    description: str
    tone: tuple[tuple[float, float], ...] = ((0, 0), (255, 255))
    mix: np.ndarray | None = None
    shadows: tuple[float, float, float] = (0, 0, 0)
    highlights: tuple[float, float, float] = (0, 0, 0)
    balance: tuple[float, float, float] = (0, 0, 0)
    glow: float = 0.0
    glow_sigma: float = 0.02
    vignette: float = 0.0
    monochrome: bool = False

    def channel_functions(self) -> tuple[Fn, Fn, Fn]:
        """The per-channel tone functions (after the matrix), each [0, 1] -> [0, 1]."""
        tone = monotone_cubic(self.tone)
        fns = []
        for c in range(3):
            sh, hi = self.shadows[c] / 255.0, self.highlights[c] / 255.0
            wb = monotone_cubic(((0, 0), (128, 128 + self.balance[c]), (255, 255)))

            def fn(x: np.ndarray, sh: float = sh, hi: float = hi, wb: Fn = wb) -> np.ndarray:
                y = tone(x)
                y = np.clip(y + sh * (1.0 - y) ** 2 + hi * y * y, 0.0, 1.0)
                return wb(y)

            fns.append(fn)
        return fns[0], fns[1], fns[2]

    @property
    def matrix(self) -> np.ndarray:
        return np.eye(3) if self.mix is None else np.asarray(self.mix, np.float64)


def _abao() -> np.ndarray:
    """Abao colour: foliage and yellows turn cyan (blue borrows from green), reds stay warm."""
    m = np.array([[1.0, 0.0, 0.0],
                  [0.0, 1.0, 0.0],
                  [-0.1, 0.32, 0.78]])
    return saturation(0.9) @ m


def _floral() -> np.ndarray:
    """Vivid, with a little red pushed into the blue channel (flowers go magenta-pink)."""
    return np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.08, -0.08, 1.0]]) @ saturation(1.4)


def _spring() -> np.ndarray:
    """Early spring: vivid greens nudged towards fresh yellow-green, skin left warm."""
    m = np.array([[1.0, 0.0, 0.0], [-0.06, 1.1, -0.04], [0.0, 0.0, 1.0]])
    return saturation(1.08) @ m

LOOKS: tuple[Look, ...] = (
    Look("Black and White", "Neutral luminance black and white with a gentle S curve.",
         tone=((0, 4), (64, 54), (128, 128), (192, 202), (255, 252)), mix=mono(0.30, 0.55, 0.15),
         monochrome=True),
    Look("Calm", "Muted, cool-teal and slightly faded: quiet colours, soft contrast.",
         tone=((0, 18), (64, 70), (128, 128), (192, 184), (255, 238)), mix=saturation(0.78),
         shadows=(-6, 6, 12), highlights=(2, 3, 2), balance=(-2, 1, 3)),
    Look("Sunny Day", "Warm, bright and lifted, as in late sunshine.",
         tone=((0, 12), (64, 84), (128, 154), (192, 216), (255, 255)), mix=saturation(1.12),
         highlights=(10, 8, -12), balance=(8, 6, -14)),
    Look("Journey", "Travel film: teal shadows, amber highlights, crisp contrast.",
         tone=((0, 6), (64, 54), (128, 128), (192, 202), (255, 250)), mix=saturation(1.05),
         shadows=(-16, 4, 20), highlights=(16, 6, -14)),
    Look("Beautify Skin", "Bright, rosy and soft: gentle on skin, slightly lower contrast.",
         tone=((0, 10), (64, 80), (128, 146), (192, 204), (255, 250)), mix=saturation(0.95),
         highlights=(8, -3, 3), balance=(10, -4, 4), glow=0.2, glow_sigma=0.012),
    Look("Hong Kong Style", "Hong Kong film: green-cyan shadows, warm yellow highlights, rich colour.",
         tone=((0, 16), (64, 58), (128, 122), (192, 198), (255, 240)), mix=saturation(1.18),
         shadows=(-10, 14, 6), highlights=(14, 8, -16), vignette=0.25),
    Look("Aesthetic", "Pastel and faded: lifted mauve blacks, low contrast, soft colour.",
         tone=((0, 40), (64, 90), (128, 142), (192, 200), (255, 244)), mix=saturation(0.75),
         shadows=(8, -4, 12), highlights=(2, 2, -2)),
    Look("Lovely", "Sweet candy pink: bright, saturated, magenta-leaning.",
         tone=((0, 6), (64, 76), (128, 150), (192, 214), (255, 255)), mix=saturation(1.12),
         highlights=(8, -6, 8), balance=(10, -8, 8)),
    Look("New York", "Cool, contrasty and desaturated city look.",
         tone=((0, 0), (48, 28), (128, 124), (200, 216), (255, 255)), mix=saturation(0.62),
         shadows=(-10, 2, 16), highlights=(-2, 2, 6), balance=(-8, 0, 10)),
    Look("Sakura", "Cherry blossom: high-key, pink highlights, lavender shadows.",
         tone=((0, 24), (64, 96), (128, 160), (192, 220), (255, 253)), mix=saturation(0.85),
         shadows=(8, -4, 14), highlights=(8, -6, 2), balance=(6, -6, 4)),
    Look("Seventeen", "Fresh and youthful: bright, clean, lightly cool with vivid colour.",
         tone=((0, 6), (64, 74), (128, 146), (192, 212), (255, 255)), mix=saturation(1.2),
         shadows=(-6, 4, 8), balance=(-2, 2, 6)),
    Look("Soft Light", "Diffusion glow: softly blooming highlights, gentle contrast.",
         tone=((0, 16), (64, 68), (128, 126), (192, 186), (255, 244)), mix=saturation(0.92),
         balance=(3, 1, -3), glow=0.85, glow_sigma=0.025),
    Look("Afternoon Tea", "Warm amber-brown, cosy and slightly faded.",
         tone=((0, 18), (64, 66), (128, 126), (192, 192), (255, 242)), mix=saturation(0.88),
         shadows=(10, 2, -8), highlights=(10, 6, -10), balance=(10, 4, -14)),
    Look("Brighten Skin", "Strong midtone lift with a neutral, faintly rosy balance.",
         tone=((0, 0), (64, 96), (128, 170), (192, 226), (255, 255)), mix=saturation(0.92),
         balance=(0, 0, 2)),
    Look("Chaplin", "Silent-film black and white: hard contrast, lifted blacks.",
         tone=((0, 40), (40, 44), (100, 88), (160, 196), (220, 246), (255, 250)),
         mix=mono(0.40, 0.45, 0.15), monochrome=True),
    Look("Floral", "Vivid and blooming: saturated colour with magenta-pink reds.",
         tone=((0, 0), (64, 56), (128, 126), (192, 200), (255, 255)), mix=_floral(),
         shadows=(4, -2, 6), balance=(2, 0, 2)),
    Look("Memories", "Faded warm film: washed-out colour, yellowed highlights.",
         tone=((0, 44), (64, 86), (128, 132), (192, 184), (255, 230)), mix=saturation(0.58),
         shadows=(4, 2, -4), highlights=(10, 6, -12), balance=(6, 4, -8)),
    Look("Ice Beauty", "Icy and pale: high-key, cool blue, softly desaturated.",
         tone=((0, 10), (64, 88), (128, 160), (192, 220), (255, 255)), mix=saturation(0.86),
         shadows=(-8, 2, 14), highlights=(-4, 2, 10), balance=(-6, 0, 12)),
    Look("Paris", "Romantic and faded: purple shadows, warm pink highlights.",
         tone=((0, 28), (64, 76), (128, 132), (192, 196), (255, 244)), mix=saturation(0.8),
         shadows=(12, -4, 14), highlights=(10, 2, -6), balance=(6, -4, 4)),
    Look("Time", "Weathered print: low colour, greenish shadows, cream highlights.",
         tone=((0, 24), (64, 62), (128, 128), (192, 198), (255, 234)), mix=saturation(0.45),
         shadows=(-8, 10, 4), highlights=(6, 8, -4), balance=(0, 4, -2)),
    Look("LOMO", "Lomography: saturated, contrasty, cross-processed, dark vignette.",
         tone=((0, 0), (56, 34), (128, 130), (200, 224), (255, 255)), mix=saturation(1.35),
         shadows=(-10, 0, 20), highlights=(12, 10, -14), vignette=0.6),
    Look("Old Times", "Sepia print, faded blacks and dulled whites.",
         tone=((0, 38), (64, 84), (128, 130), (192, 184), (255, 228)), mix=mono(0.30, 0.59, 0.11),
         shadows=(16, 4, -12), highlights=(18, 8, -20)),
    Look("Early Spring", "Fresh spring light: soft, airy, yellow-green highlights.",
         tone=((0, 20), (64, 80), (128, 142), (192, 204), (255, 250)), mix=_spring(),
         shadows=(-8, 8, 6), highlights=(2, 5, -6), balance=(0, 1, -1)),
    Look("Story", "Matte cinema: faded blacks, muted colour, cool shadows and warm skin.",
         tone=((0, 32), (64, 62), (128, 120), (192, 190), (255, 236)), mix=saturation(0.7),
         shadows=(-10, 4, 12), highlights=(12, 4, -4)),
    Look("Abao Color", "Abao's style: greens turn cyan, bright clean skin, soft contrast.",
         tone=((0, 14), (64, 84), (128, 152), (192, 214), (255, 252)), mix=_abao(),
         shadows=(-16, 8, 12), highlights=(2, 0, 2), balance=(0, 1, 3)),
    Look("Fill Light", "Fill flash: shadows opened up, highlights kept.",
         tone=((0, 24), (40, 76), (96, 132), (160, 180), (220, 228), (255, 255)),
         mix=saturation(1.05)),
    Look("Warm", "Plain warm white balance with a touch more colour.",
         tone=((0, 0), (128, 130), (255, 255)), mix=saturation(1.06), balance=(14, 4, -18)),
    Look("Gorgeous", "Rich and luxurious: deep saturated colour, golden highlights.",
         tone=((0, 0), (64, 52), (128, 126), (192, 204), (255, 255)), mix=saturation(1.45),
         shadows=(6, -4, 8), highlights=(10, 6, -8), vignette=0.2),
    Look("Lavender", "Lilac: purple-tinted highlights, soft cool shadows.",
         tone=((0, 14), (64, 74), (128, 140), (192, 206), (255, 252)), mix=saturation(0.85),
         shadows=(2, -2, 8), highlights=(12, -10, 22), balance=(2, -6, 8)),
    Look("Chanel", "Fashion: nearly monochrome, deep blacks, neutral elegance.",
         tone=((0, 0), (40, 18), (128, 124), (210, 232), (255, 255)), mix=saturation(0.3),
         highlights=(2, 1, -2)),
    Look("Prague", "Old Europe: teal-green shadows, golden highlights, muted colour.",
         tone=((0, 14), (64, 58), (128, 124), (192, 200), (255, 242)), mix=saturation(0.78),
         shadows=(-10, 8, 8), highlights=(14, 10, -16), balance=(6, 4, -10)),
    Look("Old Dreams", "Dreamy faded memory: glow, warm-pink haze, low colour.",
         tone=((0, 38), (64, 88), (128, 138), (192, 196), (255, 240)), mix=saturation(0.62),
         shadows=(10, 0, 12), highlights=(12, 4, -4), balance=(8, 0, 2), glow=0.35, glow_sigma=0.025),
    Look("Peach Blossom", "Peach: warm orange-pink tint, bright and soft.",
         tone=((0, 10), (64, 72), (128, 138), (192, 204), (255, 252)), mix=saturation(1.08),
         shadows=(8, 0, -2), highlights=(12, 2, -4), balance=(12, 1, -4)),
    Look("Pink", "Pink all over: magenta-pink cast, bright.",
         tone=((0, 6), (64, 66), (128, 134), (192, 200), (255, 252)), mix=saturation(1.05),
         shadows=(10, -6, 10), highlights=(10, -8, 8), balance=(8, -10, 6)),
    Look("Misty Rain", "Misty and rainy: cool, hazy, soft, low contrast.",
         tone=((0, 46), (64, 94), (128, 140), (192, 190), (255, 232)), mix=saturation(0.8),
         shadows=(-8, 4, 10), highlights=(-2, 3, 6), balance=(-4, 2, 5), glow=0.4, glow_sigma=0.04),
)
