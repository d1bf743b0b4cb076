"""What each cloud endpoint accepts: formats, bytes, side lengths, alpha.

What belongs here: one frozen :class:`EndpointLimits` per endpoint (values from
shared/spec/cloud-apis.md and the seeds) and :func:`check_upload`, the last check before
anything leaves the machine, which raises :class:`ImageLimitsError` with a message saying what
to do. Byte caps use decimal megabytes (2 MB = 2,000,000 bytes): the providers do not say which
they mean, and the smaller reading never gets a file refused. "Less than 4096x4096" becomes a
maximum side of 4095.
"""

from __future__ import annotations

from dataclasses import dataclass

from facestudio.cloud.errors import ImageLimitsError

__all__ = ["ENDPOINT_LIMITS", "EndpointLimits", "check_upload", "limits_for"]


@dataclass(frozen=True)
class EndpointLimits:
    """The image an endpoint accepts.

    ``max_side`` and ``min_side`` bound both width and height (inclusive). ``max_side_other``
    is the tighter long-side cap some endpoints apply to non-JPEG files. ``max_faces`` is how
    many faces one call handles (more are sent in several calls, each cropped to its faces).
    """

    name: str
    provider: str
    label: str
    formats: frozenset[str]
    max_bytes: int
    max_side: int
    min_side: int
    alpha: bool = False
    max_side_other: int | None = None
    max_faces: int | None = None

    def max_side_for(self, fmt: str) -> int:
        if fmt.upper() != "JPEG" and self.max_side_other is not None:
            return min(self.max_side, self.max_side_other)
        return self.max_side

    def describe(self) -> str:
        return (f"{'/'.join(sorted(self.formats))}, at most {self.max_bytes / 1e6:g} MB, "
                f"sides {self.min_side}-{self.max_side} px")


_JPB = frozenset({"JPEG", "PNG", "BMP"})

ENDPOINT_LIMITS: dict[str, EndpointLimits] = {
    lim.name: lim
    for lim in (
        # Upstream (Tencent-style) caps, inferred in the spec: ~3.7 MB raw, 4000 px sides.
        # The minimum side is not documented for beautify; 64 px as for analyze.
        EndpointLimits("acedata-beautify", "Ace Data Cloud", "face/beautify", _JPB,
                       3_700_000, 4000, 64, max_faces=5),
        EndpointLimits("acedata-analyze", "Ace Data Cloud", "face/analyze", _JPB,
                       3_700_000, 4000, 64, max_side_other=2000, max_faces=10),
        EndpointLimits("ailab-beauty-pro", "AILabTools", "face-beauty-pro",
                       frozenset({"JPEG", "PNG"}), 2_000_000, 4095, 49),
        # smart-beauty documents no minimum; 48 px is the smallest face-beauty-pro accepts.
        # "fewer than 18 faces advised": larger groups are sent in several calls.
        EndpointLimits("ailab-smart-beauty", "AILabTools", "smart-beauty", _JPB,
                       5_000_000, 4095, 48, max_faces=17),
        EndpointLimits("ailab-tidyup", "AILabTools", "face-tidyup", _JPB,
                       3_000_000, 1999, 11),
    )
}


def limits_for(endpoint: str) -> EndpointLimits:
    try:
        return ENDPOINT_LIMITS[endpoint]
    except KeyError:
        raise KeyError(f"unknown endpoint {endpoint!r}; known: {', '.join(ENDPOINT_LIMITS)}") from None


def check_upload(limits: EndpointLimits, *, width: int, height: int, nbytes: int | None,
                 fmt: str = "JPEG", has_alpha: bool = False) -> None:
    """Raise :class:`ImageLimitsError` if an upload breaks ``limits``.

    Parameters
    ----------
    width, height : int
        Pixel size of the file that would be sent.
    nbytes : int or None
        Encoded size; ``None`` skips the byte check (the file is not encoded yet).
    fmt : str
        "JPEG", "PNG" or "BMP" (Pillow's names).
    has_alpha : bool
        Whether the file carries transparency.
    """
    where = f"{limits.provider} {limits.label}"
    fmt = fmt.upper()
    if fmt == "JPG":
        fmt = "JPEG"
    if fmt not in limits.formats:
        raise ImageLimitsError(
            f"{where} accepts only {'/'.join(sorted(limits.formats))} files, not {fmt}: "
            "let FaceStudio re-encode the photo", provider=limits.provider)
    if has_alpha and not limits.alpha:
        raise ImageLimitsError(
            f"{where} does not accept transparency: send a flattened copy", provider=limits.provider)
    if min(width, height) < limits.min_side:
        raise ImageLimitsError(
            f"The photo is too small for {where} ({width}x{height} px; each side must be at least "
            f"{limits.min_side} px): use a larger photo or the local engine (--backend local)",
            provider=limits.provider)
    top = limits.max_side_for(fmt)
    if max(width, height) > top:
        raise ImageLimitsError(
            f"The upload is too large for {where} ({width}x{height} px; at most {top} px a side): "
            "it must be downscaled first", provider=limits.provider)
    if nbytes is not None and nbytes > limits.max_bytes:
        raise ImageLimitsError(
            f"The upload is too large for {where} ({nbytes / 1e6:.2f} MB; at most "
            f"{limits.max_bytes / 1e6:g} MB): it must be re-encoded smaller", provider=limits.provider)
