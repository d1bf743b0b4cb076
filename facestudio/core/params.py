"""The retouch parameters: one frozen value describing every slider, with ranges and defaults.

What belongs here: :class:`RetouchParams` (the state of the slider panel, the CLI flags and a
sidecar's edit), the description of each parameter (:data:`PARAMETERS`: label, range, default,
which provider field it matches) and validation. The GUI builds new values with
``dataclasses.replace``; nothing here knows how a parameter is rendered.

Defaults are those of Ace Data Cloud's ``face/beautify`` (seed 000): smoothing 10,
whitening 30, face lifting 70, eye enlarging 70.
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
PARAMETER_BY_NAME: dict[str, ParamSpec] = {p.name: p for p in PARAMETERS}


@dataclass(frozen=True)
class RetouchParams:
    """Every retouch parameter, on the providers' 0-100 scales.

    ``face`` selects one face (its index in the photo's face list); ``None`` means every face.
    """

    smoothing: int = 10
    whitening: int = 30
    face_lifting: int = 70
    eye_enlarging: int = 70
    face: int | None = None

    def __post_init__(self) -> None:
        for spec in PARAMETERS:
            value = getattr(self, spec.name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ParameterError(f"{spec.name} must be a number from {spec.minimum} to {spec.maximum}")
            if not spec.minimum <= value <= spec.maximum:
                raise ParameterError(
                    f"{spec.name} must be from {spec.minimum} to {spec.maximum} (got {value:g})"
                )
        if self.face is not None and (isinstance(self.face, bool) or not isinstance(self.face, int) or self.face < 0):
            raise ParameterError(f"face must be a face index (0, 1, ...), got {self.face!r}")

    @classmethod
    def zero(cls) -> RetouchParams:
        """Every effect off: rendering with these returns the input unchanged."""
        return cls(**{p.name: 0 for p in PARAMETERS})

    def is_identity(self) -> bool:
        return all(getattr(self, p.name) == 0 for p in PARAMETERS)

    def replace(self, **changes: Any) -> RetouchParams:
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RetouchParams:
        """Build from a dict, ignoring unknown keys (newer sidecars) but validating values."""
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})
