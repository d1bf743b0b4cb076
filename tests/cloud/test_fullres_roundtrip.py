"""The point of the cloud layer for a photographer: a full-resolution file with EXIF, ICC and
XMP goes through a provider that only accepts (and returns) a small, metadata-free JPEG, and
comes back at full resolution, changed only in the face region, and exports with its metadata.

Real components: core.imageio load/save, the AILabTools and Ace backends, the loopback stand-in
server (which downscales, tints the face and re-encodes without metadata like a provider)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageCms

from facestudio.backends import make_backend
from facestudio.cloud import RetryPolicy
from facestudio.core.faceshape import FaceAnalysis
from facestudio.core.imageio import load_image, save_image
from facestudio.core.params import RetouchParams
from tests.cloud.helpers import astronaut_face, decode, only_face_changed, pil_open, run, upscaled_astronaut
from tests.cloud.standin import ACE_TOKEN, AILAB_KEY, PLATFORM_TOKEN

SIDE = 2048
XMP = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
       b'<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:creator="FaceStudio test"/>'
       b"</rdf:RDF></x:xmpmeta>")


@pytest.fixture(scope="module")
def original(tmp_path_factory):
    path = tmp_path_factory.mktemp("fullres") / "portrait.jpg"
    exif = Image.Exif()
    exif[0x010F] = "FaceStudioCam"  # Make
    exif[0x0110] = "Model 24"  # Model
    exif[0x013B] = "A. Photographer"  # Artist
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    Image.fromarray(upscaled_astronaut(SIDE)).save(path, "JPEG", quality=95, exif=exif.tobytes(),
                                                  icc_profile=icc, xmp=XMP)
    return path, icc


# Ace's upload -> beautify -> download flow is covered at 1024 px in test_integration; the
# composite and export are the same code for every backend, so one provider runs at full size.
@pytest.mark.parametrize("backend_name", ["ailab-pro"])
def test_cloud_retouch_keeps_full_resolution_and_metadata(server, original, tmp_path, backend_name):
    path, icc = original
    photo = load_image(path)
    assert photo.pixels.shape == (SIDE, SIDE, 3) and photo.metadata.icc_profile == icc
    analysis = FaceAnalysis(SIDE, SIDE, (astronaut_face(SIDE / 512),))
    retry = RetryPolicy(attempts=2, backoff_base=0.01)
    if backend_name == "acedata":
        backend = make_backend("acedata", base_url=server.base_url, platform_url=server.base_url,
                               token=ACE_TOKEN, platform_token=PLATFORM_TOKEN, retry=retry)
    else:
        backend = make_backend("ailab-pro", base_url=server.base_url, api_key=AILAB_KEY, retry=retry,
                               poll_interval=0.02, first_poll=0)

    async def go():
        try:
            return await backend.retouch(photo, analysis, RetouchParams())
        finally:
            await backend.aclose()

    out = run(go())

    # what left the machine: a small crop, no EXIF, ICC or XMP
    sent_req = next(r for r in server.requests if r.files)
    sent_bytes = next(iter(sent_req.files.values()))[2]
    sent = pil_open(sent_bytes)
    assert max(sent.size) < SIDE and not sent.getexif()
    assert "icc_profile" not in sent.info and "xmp" not in sent.info
    # what came back: half that size, no metadata
    result_bytes = server.store[server.requests_to("/results")[0].path.rsplit("/", 1)[-1].split(".")[0]]
    assert decode(result_bytes).shape[1] == sent.size[0] // 2

    # what the photographer gets: full size, only the face changed
    only_face_changed(out, photo, analysis, min_far=0.6)
    x0, y0, x1, y1 = analysis.faces[0].bbox()
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    patch = (slice(int(cy) - 20, int(cy) + 20), slice(int(cx) - 20, int(cx) + 20))
    assert (out[patch].astype(float) - photo.pixels[patch]).mean(axis=(0, 1))[0] > 25  # the tint

    # and the export keeps size, EXIF, ICC and XMP
    target = save_image(tmp_path / "retouched.jpg", out, metadata=photo.metadata, protect=(path,))
    with Image.open(target) as saved:
        assert saved.size == (SIDE, SIDE)
        exif = saved.getexif()
        assert exif[0x010F] == "FaceStudioCam" and exif[0x013B] == "A. Photographer"
        assert saved.info.get("icc_profile") == icc
        assert b"FaceStudio test" in (saved.info.get("xmp") or b"")
    again = load_image(target)
    assert np.abs(again.pixels.astype(int) - out).mean() < 2.0
