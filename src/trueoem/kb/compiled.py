"""Load the KB and compile it with the IEEE registry: the one call adapters make."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from trueoem.kb.loader import load_kb
from trueoem.kb.oui_registry import load_rows
from trueoem.match.engine import CompiledKB


def load_compiled(overlays: Iterable[Path] = ()) -> CompiledKB:
    """The packaged KB plus overlays, compiled, with the IEEE registry behind MAC lookups."""
    return CompiledKB(load_kb(list(overlays)), load_rows)
