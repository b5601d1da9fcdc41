"""Shared fixtures: the real packaged KB, compiled once per session."""

from __future__ import annotations

import pytest

from trueoem.kb.compiled import load_compiled
from trueoem.match.engine import CompiledKB


@pytest.fixture(scope="session")
def ckb() -> CompiledKB:
    return load_compiled()


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the user's real trueoem data folder."""
    monkeypatch.setenv("TRUEOEM_HOME", str(tmp_path_factory.getbasetemp() / "trueoem-home"))
