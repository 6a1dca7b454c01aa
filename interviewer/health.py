"""Checks of the files under MLSD_HOME, so a damaged one is named with a way forward instead of a bare error."""
from __future__ import annotations

import sqlite3
from pathlib import Path

# the SQLite files under MLSD_HOME and what moving each aside costs
DATABASES = {
    "mlsd.sqlite": "the session list starts empty (scorecards in reports/ stay)",
    "checkpoints.sqlite": "unfinished interviews can no longer be resumed",
}


def sqlite_problem(path: Path) -> str | None:
    """Why the SQLite file at `path` is unusable, or None if it reads as a sound database (or is absent)."""
    path = Path(path)
    if not path.exists():
        return None
    if path.is_dir():
        return "a folder, not a database file"
    try:
        con = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True, timeout=5)
        try:
            rows = con.execute("PRAGMA quick_check").fetchall()
        finally:
            con.close()
    except sqlite3.OperationalError as e:
        if "locked" in str(e) or "busy" in str(e):
            return None  # in use by another process, not damaged
        return str(e)
    except sqlite3.DatabaseError as e:  # "file is not a database", "database disk image is malformed"
        return str(e)
    bad = [str(r[0]) for r in rows if r and r[0] != "ok"]
    return bad[0] if bad else None


def damaged_databases(home: Path) -> list[tuple[Path, str]]:
    """The damaged SQLite files under `home`, with the reason for each."""
    out = []
    for name in DATABASES:
        problem = sqlite_problem(Path(home) / name)
        if problem:
            out.append((Path(home) / name, problem))
    return out


def damage_line(path: Path, problem: str) -> str:
    """One line: the file, what is wrong, what to do and what that costs."""
    cost = DATABASES.get(Path(path).name, "")
    return f"{path}: the database is damaged ({problem}); move it aside (mv '{path}' '{path}.broken') and run mlsd again" + (f"; {cost}" if cost else "")
