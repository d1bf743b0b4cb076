"""``python -m facestudio``: the same entry point as the ``facestudio`` command."""

from __future__ import annotations

import sys

from facestudio.cli import main

sys.exit(main())
