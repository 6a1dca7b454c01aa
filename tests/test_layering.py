"""The engine never imports the UI, and interviewer text lives in data files."""
from __future__ import annotations

import ast
from pathlib import Path

ENGINE = Path(__file__).resolve().parent.parent / "interviewer"


def _imports(path: Path) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.add(node.module.split(".")[0])
    return out


def test_engine_imports_no_ui():
    files = sorted(ENGINE.rglob("*.py"))
    assert len(files) > 10
    for f in files:
        bad = _imports(f) & {"tui", "textual"}
        assert not bad, f"{f.name} imports {bad}"
