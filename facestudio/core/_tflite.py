"""Loading the shipped MediaPipe face models and running them (LiteRT interpreters).

What belongs here: reading the three ``.tflite`` files from the ``facestudio.models`` package
with :mod:`importlib.resources`, checking their size and sha256 once per process (a missing or
damaged file raises :class:`~facestudio.core.errors.ModelError` saying to reinstall), and one
:class:`FaceModels` set of interpreters per thread (LiteRT interpreters are not thread-safe).
Nothing here knows about anchors, regions of interest or the 90-point schema.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from importlib import resources

import numpy as np

from facestudio.core.errors import ModelError

#: file name -> (size in bytes, sha256); the same figures as ``facestudio/models/PROVENANCE.md``.
MODEL_FILES: dict[str, tuple[int, str]] = {
    "face_detection_back.tflite": (
        315332, "e376cf6b168d5ece8a3cedb94acc4eb168a136aede125ccc3d903ef38f5beda8"),
    "face_landmark.tflite": (
        2439440, "2efcb4f4de43c7614b80a3cc3e8a37354b3b3b40f75cce20f6f38f0f25d65493"),
    "iris_landmark.tflite": (
        2640568, "d1744d2a09c25f501d39eba4faff47e53ecca8852c5ce19bce8eeac39357521f"),
}

DETECTOR_FILE = "face_detection_back.tflite"
MESH_FILE = "face_landmark.tflite"
IRIS_FILE = "iris_landmark.tflite"

_REINSTALL = "reinstall FaceStudio to restore its model files"

_bytes_lock = threading.Lock()
_model_bytes: dict[str, bytes] = {}
_local = threading.local()


def models_root():  # -> importlib.resources.abc.Traversable
    """The folder of the shipped model files (package data of ``facestudio.models``)."""
    return resources.files("facestudio.models")


def model_bytes(name: str) -> bytes:
    """The verified content of one shipped model file (read and checked once per process).

    Raises
    ------
    ModelError
        The file is missing, unreadable, or its size or sha256 differ from the shipped ones.
    """
    with _bytes_lock:
        data = _model_bytes.get(name)
        if data is not None:
            return data
        size, digest = MODEL_FILES[name]
        try:
            data = (models_root() / name).read_bytes()
        except (OSError, ModuleNotFoundError) as exc:
            raise ModelError(
                f"the face model {name} is missing or unreadable: {_REINSTALL}") from exc
        if len(data) != size or hashlib.sha256(data).hexdigest() != digest:
            raise ModelError(f"the face model {name} is damaged: {_REINSTALL}")
        _model_bytes[name] = data
        return data


def _interpreter(name: str):  # -> ai_edge_litert Interpreter
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError as exc:  # pragma: no cover - broken installation
        raise ModelError(f"the LiteRT runtime (ai-edge-litert) is missing: {_REINSTALL}") from exc
    try:
        it = Interpreter(model_content=model_bytes(name), num_threads=2)
        it.allocate_tensors()
    except ModelError:
        raise
    except Exception as exc:  # LiteRT raises ValueError/RuntimeError on a bad flatbuffer
        raise ModelError(f"the face model {name} cannot be loaded: {_REINSTALL}") from exc
    return it


@dataclass
class _Runner:
    """One interpreter with its input index, input size and output indices."""

    interpreter: object
    input_index: int
    size: int
    outputs: tuple[int, ...]

    @classmethod
    def load(cls, name: str) -> _Runner:
        it = _interpreter(name)
        inp = it.get_input_details()[0]
        outs = tuple(d["index"] for d in it.get_output_details())
        return cls(it, inp["index"], int(inp["shape"][1]), outs)

    def __call__(self, tensor: np.ndarray) -> tuple[np.ndarray, ...]:
        """Run on one (size, size, 3) float32 tensor; returns flattened copies of all outputs."""
        it = self.interpreter
        it.set_tensor(self.input_index, tensor[np.newaxis])  # type: ignore[attr-defined]
        it.invoke()  # type: ignore[attr-defined]
        get = it.get_tensor  # type: ignore[attr-defined]
        return tuple(get(i).reshape(-1).copy() for i in self.outputs)


class FaceModels:
    """The detector, mesh and iris interpreters of the current thread.

    Use :func:`thread_models`; an instance must not be shared between threads.
    """

    def __init__(self) -> None:
        self.detector = _Runner.load(DETECTOR_FILE)  # 256x256 in [-1, 1] -> (896*16,), (896,)
        self.mesh = _Runner.load(MESH_FILE)  # 192x192 in [0, 1] -> (1404,), (1,)
        self.iris = _Runner.load(IRIS_FILE)  # 64x64 in [0, 1] -> (213,), (15,)


def thread_models() -> FaceModels:
    """This thread's interpreter set (created on first use, about 0.1 s)."""
    models = getattr(_local, "models", None)
    if models is None:
        models = FaceModels()
        _local.models = models
    return models
