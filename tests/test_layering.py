"""The layering rules, checked on the source: the engine never imports the UI; the UI reads sessions
through the typed read model, never graph state; the product's vocabulary is spelled out only in
`interviewer/domain.py`; and interviewer and prompt prose lives in data files, not in Python."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENGINE = ROOT / "interviewer"
UI = ROOT / "tui"


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


def _imports(path: Path) -> set[str]:
    """Every module a file imports (dotted, absolute; relative imports resolved against the package)."""
    out: set[str] = set()
    pkg = path.parent.relative_to(ROOT).parts
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = list(pkg[: len(pkg) - node.level + 1]) if node.level else []
            mod = ".".join(base + ([node.module] if node.module else []))
            out.add(mod)
            out.update(f"{mod}.{a.name}" for a in node.names)
    return out


def test_engine_imports_no_ui():
    files = sorted(ENGINE.rglob("*.py"))
    assert len(files) > 10
    for f in files:
        bad = {m for m in _imports(f) if m.split(".")[0] in ("tui", "textual")}
        assert not bad, f"{f.name} imports {bad}"


def test_ui_reads_no_graph_state():
    """The TUI and the CLI see a session through `SessionView` and typed events only."""
    files = sorted(UI.rglob("*.py"))
    assert len(files) > 10
    for f in files:
        bad = {m for m in _imports(f) if m.startswith(("interviewer.graph", "interviewer.state", "langgraph"))}
        assert not bad, f"{f.relative_to(ROOT)} imports {bad}"
        text = f.read_text(encoding="utf-8")
        assert ".state[" not in text and ".state.get(" not in text, f"{f.relative_to(ROOT)} reads raw session state"


# A phase id, level or persona name in code outside the domain module. `model` is also an ordinary
# word: these three places use it as a JSON or settings key, not as the phase.
VOCABULARY = {"clarify", "frame", "data", "model", "evaluation", "deploy", "monitor", "mid", "senior", "staff", "supportive", "neutral", "tough"}
NOT_THE_PHASE = {("interviewer/embeddings.py", "model"), ("interviewer/knowledge.py", "model"), ("interviewer/settings.py", "model")}


def test_vocabulary_lives_in_the_domain_module():
    found = []
    for root in (ENGINE, UI):
        for f in sorted(root.rglob("*.py")):
            rel = str(f.relative_to(ROOT))
            if rel == "interviewer/domain.py":
                continue
            for node in ast.walk(_tree(f)):
                if isinstance(node, ast.Constant) and node.value in VOCABULARY and (rel, node.value) not in NOT_THE_PHASE:
                    found.append(f"{rel}:{node.lineno}: {node.value!r}")
    assert not found, "spell these through interviewer.domain:\n" + "\n".join(found)


def _docstrings(tree: ast.Module) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                ids.add(id(first.value))
    return ids


def _exempt(tree: ast.Module) -> set[int]:
    """String parts of errors raised, of warnings and of `help=`/`description=` texts: messages about
    the program, not lines the interviewer says or prompts a model reads."""
    ids: set[int] = set()
    for node in ast.walk(tree):
        roots: list[ast.AST] = []
        if isinstance(node, ast.Raise) and node.exc is not None:
            roots.append(node.exc)
        if isinstance(node, ast.Call):
            fn = node.func
            name = fn.attr if isinstance(fn, ast.Attribute) else fn.id if isinstance(fn, ast.Name) else ""
            if name in ("warn", "warning", "error", "info", "debug", "echo", "_err") or name.endswith("Error"):
                roots.append(node)
            roots.extend(k.value for k in node.keywords if k.arg in ("help", "description"))
        for r in roots:
            ids.update(id(n) for n in ast.walk(r) if isinstance(n, ast.Constant))
    return ids


def _is_sentence(value: str) -> bool:
    """English prose: six words or more, opening with a capital, and not SQL, a regex or a table."""
    text = value.strip()
    words = text.split()
    if len(words) < 6 or not text[:1].isupper() or "\\" in text or "|" in text:
        return False
    first = words[0].strip(".,:;")
    return not (first.isupper() and len(first) > 1)  # SELECT, CREATE, UPDATE...


def test_interviewer_and_prompt_prose_lives_in_data_files():
    """A sentence in an engine `.py` file (outside docstrings and error messages) is a line the
    interviewer or a scripted candidate says, or a prompt: it belongs in `interviewer/prompts.yaml`."""
    found = []
    for f in sorted(ENGINE.rglob("*.py")):
        if f.name == "evals.py":  # the eval report's own wording: text about figures, said by no one
            continue
        tree = _tree(f)
        skip = _docstrings(tree) | _exempt(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip and _is_sentence(node.value):
                found.append(f"{f.relative_to(ROOT)}:{node.lineno}: {node.value.strip()[:60]!r}")
    assert not found, "move to prompts.yaml:\n" + "\n".join(found)


def test_the_prose_check_catches_a_prompt(tmp_path):
    """The check above is not vacuous: a prompt sentence in code is caught, SQL and regexes are not."""
    assert _is_sentence("You are a strict grader of interviews. Reply in JSON.")
    assert _is_sentence("\nReply again with only one JSON object that matches the schema.")
    assert not _is_sentence("SELECT id FROM sessions WHERE id LIKE ?")
    assert not _is_sentence("| phase | score | minutes | budget | follow-ups |")
    assert not _is_sentence(r"\b(because|since|so that|so we|which means)")
    assert not _is_sentence("no API key or base URL configured")


def test_openmp_threads_wait_passively_unless_the_user_says_otherwise():
    """Set before torch loads: spinning OpenMP threads slow every embedding call on a busy machine."""
    import os
    import subprocess
    import sys

    code = "import interviewer, os; print(os.environ.get('OMP_WAIT_POLICY'))"
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    assert subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout.strip() == "PASSIVE"
    env["OMP_WAIT_POLICY"] = "ACTIVE"
    assert subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout.strip() == "ACTIVE"
