"""The core does no I/O: model, matching and scoring import no network, file or database modules."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).parents[1] / "src" / "trueoem"
CORE = ["model.py", "attribute.py", "screen.py", *[f"match/{p.name}" for p in (SRC / "match").glob("*.py")]]
FORBIDDEN = {
    "socket",
    "asyncio",
    "ssl",
    "http",
    "urllib.request",
    "requests",
    "httpx",
    "sqlite3",
    "sqlalchemy",
    "subprocess",
    "os",
    "shutil",
    "pathlib",
    "open",
    "trueoem.sources",
    "trueoem.report",
    "trueoem.cli",
    "trueoem.kb.oui_registry",
    "trueoem.kb.compiled",
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "open":
            out.add("open")
    return out


def test_core_imports_no_io() -> None:
    for rel in CORE:
        found = _imports(SRC / rel)
        bad = {m for m in found if m in FORBIDDEN or any(m.startswith(f + ".") for f in FORBIDDEN)}
        assert not bad, f"{rel} imports {bad}"
