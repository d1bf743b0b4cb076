"""The user-facing error hierarchy of the core layer.

Every error a user can cause (a missing file, a file that is not an image, an unwritable
target, a bad parameter) is a :class:`FaceStudioError` whose ``str()`` is one line saying what
happened and what to do. The CLI prints that line and exits with status 2; the GUI shows it in a
message box. Programming errors stay ordinary exceptions (and keep their tracebacks).
Other layers (``cloud``) subclass :class:`FaceStudioError` for their own families.
"""

from __future__ import annotations


class FaceStudioError(Exception):
    """An error the user can act on; ``str(err)`` is a one-line message saying what to do."""


class ImageReadError(FaceStudioError):
    """The file is missing, unreadable, truncated or not an image we can decode."""


class ImageTooLargeError(ImageReadError):
    """The image has more pixels than the decompression-bomb limit allows."""


class ImageWriteError(FaceStudioError):
    """The output could not be written (exists, read-only folder, disk full, bad format)."""


class OutputExistsError(ImageWriteError):
    """The target exists (or is the input) and overwriting was not asked for."""


class ParameterError(FaceStudioError):
    """A parameter is out of range or of the wrong kind."""


class ModelError(FaceStudioError):
    """A shipped model file is missing or damaged (the installation is broken)."""
