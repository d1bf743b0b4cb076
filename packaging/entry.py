"""Entry script of the frozen FaceStudio app (PyInstaller runs this file as ``__main__``).

What belongs here: nothing but the hand-over to :func:`facestudio.cli.main`, the same function
the ``facestudio`` console script of the wheel calls, so the bundle and ``pip install`` behave
alike (no arguments or photo paths open the desktop app; a command runs the CLI).
"""

from __future__ import annotations

import sys

from facestudio.cli import main

if __name__ == "__main__":
    sys.exit(main())
