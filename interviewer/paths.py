"""Where content ships and where user data lives."""
from __future__ import annotations

import os
from pathlib import Path

_PKG = Path(__file__).resolve().parent


def content_root() -> Path:
    """The folder holding `rubrics/` and `knowledge/`.

    In a built wheel they are installed as `interviewer/_content/`; in a source checkout
    (editable install or tests) they sit at the repository root.
    """
    override = os.environ.get("MLSD_CONTENT_DIR")
    if override:
        return Path(override)
    shipped = _PKG / "_content"
    if (shipped / "rubrics").is_dir():
        return shipped
    return _PKG.parent


def repo_root() -> Path | None:
    """The source checkout, if we run from one (evals/ lives there, not in the wheel)."""
    root = _PKG.parent
    return root if (root / "evals").is_dir() else None


def rubrics_dir() -> Path:
    return content_root() / "rubrics"


def knowledge_dir() -> Path:
    return content_root() / "knowledge"


def evals_dir() -> Path:
    override = os.environ.get("MLSD_EVALS_DIR")
    if override:
        return Path(override)
    root = repo_root()
    if root is None:
        cwd = Path.cwd() / "evals"
        if cwd.is_dir():
            return cwd
        raise FileNotFoundError("the evals/ folder ships with the source checkout; run from it or set MLSD_EVALS_DIR")
    return root / "evals"


def private_dir(path: Path) -> Path:
    """Make `path` a folder if it is not one, private to the user (0700), and return it.

    Permissions are set only on folders created here: a folder that exists keeps its mode (a shared
    1777 folder stays shared). Missing parents are created with the default mode, as `mkdir -p` does.
    Raises OSError (FileExistsError when `path` is a file)."""
    path = Path(path).expanduser()
    if path.is_dir():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        path.mkdir(mode=0o700)
    except FileExistsError:
        if path.is_dir():  # another process made it a moment ago: theirs, not ours to chmod
            return path
        raise
    os.chmod(path, 0o700)  # mkdir's mode is masked by the umask; this folder is ours
    return path
