"""Fixtures of the distributed-scan tests: the repository root on sys.path (for ``tests.emulators``).

The folder is named after ``trueoem.dscan``, not ``distributed``: a ``tests/distributed`` folder
reads as Dask's ``distributed`` package to import sorters and could shadow it on ``sys.path``.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
