"""Fixtures of the import tests: the repository root on sys.path (for ``tests.emulators``), the KB."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def ckb():  # type: ignore[no-untyped-def]
    from trueoem.kb.compiled import load_compiled

    return load_compiled()
