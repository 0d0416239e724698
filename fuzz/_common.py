"""Shared set-up of the atheris fuzz targets (run with `make fuzz`, not part of `make test`)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
