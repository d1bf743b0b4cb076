"""The retouch parameters: one frozen value describing every slider, with ranges and defaults.

What belongs here: :class:`RetouchParams` (the state of the slider panel, the CLI flags and a
sidecar's edit), the description of each parameter (label, range, default, which provider field
it matches), the 22 reshape parts, per-face overrides, and validation. The GUI builds new values
with ``dataclasses.replace``; nothing here knows how a parameter is rendered.

Groups:

- :data:`PARAMETERS`: Ace Data Cloud ``face/beautify``'s four sliders, with its defaults
  (smoothing 10, whitening 30, face lifting 70, eye enlarging 70; seed 000).
- :data:`PRO_PARAMETERS`: the rest of AILabTools ``face-beauty-pro`` (small face, eyebrow
  removal) and the local engine's extras (blemishes, teeth); off (0) by default.
- :data:`RESHAPE_PARTS`: ``face-tidyup``'s 22 parts, each a signed strength -100..100.
- a colour filter (1-35, see :mod:`facestudio.core.filters`) with its strength.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from facestudio.core.errors import ParameterError


@dataclass(frozen=True)
class ParamSpec:
    """How one parameter is shown and bounded."""

    name: str
    label: str
    minimum: int
    maximum: int
    default: int
    help: str


PARAMETERS: tuple[ParamSpec, ...] = (
    ParamSpec("smoothing", "Skin smoothing", 0, 100, 10,
              "Evens skin tone while keeping pores and fine texture"),
    ParamSpec("whitening", "Whitening", 0, 100, 30,
              "Brightens skin without changing its hue"),
    ParamSpec("face_lifting", "Face lifting", 0, 100, 70,
              "Slims the jaw and cheeks"),
    ParamSpec("eye_enlarging", "Eye enlarging", 0, 100, 70,
              "Enlarges each eye around its centre"),
)

PRO_PARAMETERS: tuple[ParamSpec, ...] = (
    ParamSpec("shrink_face", "Small face", 0, 100, 0,
              "Draws the whole face outline in towards its centre"),
    ParamSpec("remove_eyebrow", "Eyebrow removal", 0, 100, 0,
              "Replaces the brows with the surrounding skin's tone and texture"),
    ParamSpec("blemish_removal", "Blemish removal", 0, 100, 0,
              "Removes small spots and acne on the skin; moles above a size are kept"),
    ParamSpec("teeth_whitening", "Teeth whitening", 0, 100, 0,
              "Brightens and de-yellows the teeth inside the lips"),
)

#: face-tidyup's parts, in shape_type order 0-21 (17 repeats 16 as the provider lists it)
RESHAPE_PARTS: tuple[tuple[str, str], ...] = (
    ("cheekbone", "Cheekbone"), ("cut_face", "Cut face"), ("slim_face", "Slim face"),
    ("long_face", "Long face"), ("chin_shortening", "Chin shortening"),
    ("chin_lengthening", "Chin lengthening"), ("slim_chin", "Slim chin"), ("slim_jaw", "Slim jaw"),
    ("big_eyes", "Big eyes"), ("eye_angle_1", "Eye angle 1"), ("eye_distance", "Eye distance"),
    ("widen_eye_distance", "Widen eye distance"), ("eye_angle_2", "Eye angle 2"),
    ("eye_height", "Eye height"), ("slim_nose", "Slim nose"), ("nose_wing", "Nose wing"),
    ("nose_length", "Nose length"), ("nose_length_2", "Nose length (2)"), ("lip_width", "Lip width"),
    ("lip_size", "Lip size"), ("lip_height", "Lip height"), ("philtrum", "Philtrum"),
)
RESHAPE_INDEX: dict[str, int] = {name: i for i, (name, _) in enumerate(RESHAPE_PARTS)}
N_FILTERS = 35

SLIDERS: tuple[ParamSpec, ...] = PARAMETERS + PRO_PARAMETERS
SLIDER_BY_NAME: dict[str, ParamSpec] = {p.name: p for p in SLIDERS}
PARAMETER_BY_NAME = SLIDER_BY_NAME


def _check_number(name: str, value: Any, lo: int, hi: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ParameterError(f"{name} must be a number from {lo} to {hi}")
    if not lo <= value <= hi:
        raise ParameterError(f"{name} must be from {lo} to {hi} (got {value:g})")


@dataclass(frozen=True)
class RetouchParams:
    """Every retouch parameter, on the providers' 0-100 scales.

    ``face`` selects one face (its index in the photo's face list); ``None`` means every face.
    ``reshape`` holds the 22 parts' signed strengths in :data:`RESHAPE_PARTS` order.
    ``overrides`` gives some faces their own parameters ((index, params) pairs); the filter is
    global and always taken from the top-level value.
    """

    smoothing: int = 10
    whitening: int = 30
    face_lifting: int = 70
    eye_enlarging: int = 70
    shrink_face: int = 0
    remove_eyebrow: int = 0
    blemish_removal: int = 0
    teeth_whitening: int = 0
    reshape: tuple[int, ...] = (0,) * len(RESHAPE_PARTS)
    filter_id: int | None = None
    filter_strength: int = 100
    face: int | None = None
    overrides: tuple[tuple[int, RetouchParams], ...] = ()

    def __post_init__(self) -> None:
        for spec in SLIDERS:
            _check_number(spec.name, getattr(self, spec.name), spec.minimum, spec.maximum)
        if isinstance(self.reshape, dict):  # accept {part: value} for convenience
            object.__setattr__(self, "reshape", _reshape_from_mapping(self.reshape))
        else:
            object.__setattr__(self, "reshape", tuple(self.reshape))
        if len(self.reshape) != len(RESHAPE_PARTS):
            raise ParameterError(f"reshape needs {len(RESHAPE_PARTS)} values, got {len(self.reshape)}")
        for (name, _), value in zip(RESHAPE_PARTS, self.reshape):
            _check_number(name, value, -100, 100)
        if self.filter_id is not None:
            if isinstance(self.filter_id, bool) or not isinstance(self.filter_id, int) \
                    or not 1 <= self.filter_id <= N_FILTERS:
                raise ParameterError(f"filter must be a filter id from 1 to {N_FILTERS} (got {self.filter_id!r})")
        _check_number("filter_strength", self.filter_strength, 0, 100)
        if self.face is not None and (isinstance(self.face, bool) or not isinstance(self.face, int) or self.face < 0):
            raise ParameterError(f"face must be a face index (0, 1, ...), got {self.face!r}")
        overrides = tuple((int(i), p) for i, p in self.overrides)
        for i, p in overrides:
            if i < 0 or not isinstance(p, RetouchParams):
                raise ParameterError("a per-face override needs a face index and its parameters")
        object.__setattr__(self, "overrides", tuple(sorted(overrides, key=lambda o: o[0])))

    @classmethod
    def zero(cls) -> RetouchParams:
        """Every effect off: rendering with these returns the input unchanged."""
        return cls(**{p.name: 0 for p in PARAMETERS})

    def face_is_identity(self) -> bool:
        """True when no per-face effect is asked for (the filter aside)."""
        return all(getattr(self, p.name) == 0 for p in SLIDERS) and not any(self.reshape)

    def is_identity(self) -> bool:
        no_filter = self.filter_id is None or self.filter_strength == 0
        faces_off = self.face_is_identity() and all(p.face_is_identity() for _, p in self.overrides)
        return no_filter and faces_off

    def only_filter(self) -> RetouchParams:
        """Every face effect off, the (global) filter kept: what a photo without faces gets."""
        return RetouchParams.zero().replace(filter_id=self.filter_id, filter_strength=self.filter_strength)

    def check_face_count(self, n_faces: int) -> None:
        """Raise ParameterError when the selected face or an override names a face the photo
        does not have (numbers in the message count from 1, as people see them)."""
        for index in [self.face] + [i for i, _ in self.overrides]:
            if index is not None and index >= n_faces:
                raise ParameterError(f"face {index + 1} was named but this photo has {n_faces} face(s), "
                                     f"numbered 1 to {n_faces} from the left (see 'facestudio analyze --overlay')")

    def for_face(self, index: int) -> RetouchParams:
        """The parameters face ``index`` is rendered with (its override, else these)."""
        for i, p in self.overrides:
            if i == index:
                return p
        return self

    def with_override(self, index: int, params: RetouchParams | None) -> RetouchParams:
        """A copy where face ``index`` uses ``params`` (None removes its override)."""
        rest = tuple(o for o in self.overrides if o[0] != index)
        if params is not None:
            rest += ((index, dataclasses.replace(params, face=None, overrides=())),)
        return dataclasses.replace(self, overrides=rest)

    def part(self, name: str) -> int:
        return self.reshape[_part_index(name)]

    def with_part(self, name: str, value: int) -> RetouchParams:
        values = list(self.reshape)
        values[_part_index(name)] = value
        return dataclasses.replace(self, reshape=tuple(values))

    def replace(self, **changes: Any) -> RetouchParams:
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (reshape as {part: value} of the non-zero parts)."""
        out: dict[str, Any] = {p.name: getattr(self, p.name) for p in SLIDERS}
        out["reshape"] = {name: v for (name, _), v in zip(RESHAPE_PARTS, self.reshape) if v}
        out["filter_id"] = self.filter_id
        out["filter_strength"] = self.filter_strength
        out["face"] = self.face
        out["overrides"] = [{"face": i, "params": p.to_dict()} for i, p in self.overrides]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RetouchParams:
        """Build from :meth:`to_dict`'s form, ignoring unknown keys but validating values."""
        known = {f.name for f in dataclasses.fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in known and k != "overrides"}
        if isinstance(kwargs.get("reshape"), dict):
            kwargs["reshape"] = _reshape_from_mapping(kwargs["reshape"])
        overrides = tuple((int(o["face"]), cls.from_dict(o["params"])) for o in data.get("overrides", ()))
        return cls(**kwargs, overrides=overrides)


def _part_index(name: str) -> int:
    key = name.strip().lower().replace(" ", "_").replace("-", "_")
    if key.isdigit() and int(key) < len(RESHAPE_PARTS):
        return int(key)
    if key not in RESHAPE_INDEX:
        raise ParameterError(f"unknown reshape part '{name}'; parts are: {', '.join(RESHAPE_INDEX)}")
    return RESHAPE_INDEX[key]


def _reshape_from_mapping(mapping: dict[str, Any]) -> tuple[int, ...]:
    values = [0] * len(RESHAPE_PARTS)
    for name, value in mapping.items():
        values[_part_index(str(name))] = value
    return tuple(values)
