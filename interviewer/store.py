"""Session registry and phase grades, in `<home>/mlsd.sqlite`."""
from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from .domain import PHASES, SessionKind
from .grading import PhaseGrade
from .scorecard import Scorecard


def session_kind(kind: str | None, phases: str | list[str] | None) -> str:
    """A session's kind, also for rows written before retries had their own kind: a session that
    covered fewer than every phase is a retry."""
    kind = kind or SessionKind.INTERVIEW
    if phases is not None:
        try:
            listed = json.loads(phases) if isinstance(phases, str) else list(phases)
        except ValueError:
            listed = None
        if isinstance(listed, list) and set(listed) != set(PHASES):
            return SessionKind.RETRY.value
    return str(kind)


def private(path: Path) -> None:
    try:
        os.chmod(path, 0o600)
    except OSError:
        pass


class Store:
    """Session registry and phase grades, in `<home>/mlsd.sqlite`."""

    def __init__(self, home: Path):
        self.path = Path(home) / "mlsd.sqlite"
        self._lock = threading.Lock()
        self.db = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
        private(self.path)
        with self._lock, self.db:
            self.db.execute(
                """CREATE TABLE IF NOT EXISTS sessions (
                    id TEXT PRIMARY KEY, case_id TEXT, level TEXT, persona TEXT, minutes REAL, brain TEXT,
                    phases TEXT, created REAL, updated REAL, status TEXT, score REAL, hire_signal TEXT,
                    level_estimate TEXT, kind TEXT)"""
            )
            self.db.execute("CREATE TABLE IF NOT EXISTS grades (session_id TEXT, phase TEXT, payload TEXT, PRIMARY KEY (session_id, phase))")

    def add(self, sid: str, case: str, level: str, persona: str, minutes: float, brain: str, phases: list[str], kind: str) -> None:
        now = time.time()
        with self._lock, self.db:
            self.db.execute(
                "INSERT INTO sessions VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (sid, case, level, persona, minutes, brain, json.dumps(phases), now, now, "running", None, None, None, kind),
            )

    def get(self, sid: str) -> dict[str, Any] | None:
        with self._lock:
            cur = self.db.execute("SELECT * FROM sessions WHERE id = ?", (sid,))
            row = cur.fetchone()
            cols = [d[0] for d in cur.description]
        return dict(zip(cols, row)) if row else None

    def find(self, prefix: str) -> str | None:
        got = self.matching(prefix)
        return got[0] if len(got) == 1 else None

    def matching(self, prefix: str) -> list[str]:
        """The ids of the sessions that start with `prefix`, newest first."""
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        with self._lock:
            rows = self.db.execute("SELECT id FROM sessions WHERE id LIKE ? ESCAPE '\\' ORDER BY id DESC", (escaped + "%",)).fetchall()
        return [r[0] for r in rows]

    def finish(self, sid: str, card: Scorecard) -> None:
        with self._lock, self.db:
            self.db.execute(
                "UPDATE sessions SET status='finished', updated=?, score=?, hire_signal=?, level_estimate=? WHERE id=?",
                (time.time(), card.overall.score, card.overall.hire_signal, card.overall.level, sid),
            )

    def touch(self, sid: str) -> None:
        with self._lock, self.db:
            self.db.execute("UPDATE sessions SET updated=? WHERE id=?", (time.time(), sid))

    def list(self) -> list[dict[str, Any]]:
        """Every session, newest first; `kind` is "interview", "retry" or "simulation" (see `session_kind`)."""
        with self._lock:
            cur = self.db.execute("SELECT * FROM sessions ORDER BY created DESC")
            cols = [d[0] for d in cur.description]
            rows = [dict(zip(cols, r)) for r in cur.fetchall()]
        for r in rows:
            r["kind"] = session_kind(r.get("kind"), r.get("phases"))
        return rows

    def save_grade(self, sid: str, g: PhaseGrade) -> None:
        with self._lock, self.db:
            self.db.execute("INSERT OR REPLACE INTO grades VALUES (?,?,?)", (sid, g.phase, g.model_dump_json()))

    def grades(self, sid: str) -> dict[str, PhaseGrade]:
        with self._lock:
            rows = self.db.execute("SELECT phase, payload FROM grades WHERE session_id=?", (sid,)).fetchall()
        return {p: PhaseGrade.model_validate_json(x) for p, x in rows}

    def history(self, case: str, before: float, exclude: str, kind: str | None = None) -> dict[str, list[float]]:
        """Earlier scores per phase for this case (oldest first), for the trend: finished sessions that
        covered every phase (a retry is never part of the trend), of the same kind as the one asking (`kind`:
        a candidate's interviews are compared with their interviews, simulations with simulations). A retry
        asking is compared with the interviews: its phase's earlier attempts (a retry had read "first attempt")."""
        if kind == SessionKind.RETRY:
            kind = SessionKind.INTERVIEW.value
        with self._lock:
            rows = self.db.execute(
                "SELECT g.phase, g.payload, s.kind, s.phases FROM grades g JOIN sessions s ON s.id = g.session_id "
                "WHERE s.case_id=? AND s.created < ? AND s.id != ? AND s.status='finished' ORDER BY s.created",
                (case, before, exclude),
            ).fetchall()
        out: dict[str, list[float]] = {}
        for phase, payload, row_kind, phases in rows:
            seen = session_kind(row_kind, phases)
            if seen == SessionKind.RETRY or (kind is not None and seen != kind):
                continue
            grade = PhaseGrade.model_validate_json(payload)
            if all(c.score is None for c in grade.criteria):
                continue  # nothing said in that phase (never reached): no point on its trend, as in phase_scores
            out.setdefault(phase, []).append(round(grade.score, 2))
        return out

    def previous_phase(self, case: str, phase: str, before: float, exclude: str) -> dict[str, int | None] | None:
        with self._lock:
            row = self.db.execute(
                "SELECT g.payload FROM grades g JOIN sessions s ON s.id = g.session_id "
                "WHERE s.case_id=? AND g.phase=? AND s.created < ? AND s.id != ? ORDER BY s.created DESC LIMIT 1",
                (case, phase, before, exclude),
            ).fetchone()
        if not row:
            return None
        return {c.id: c.score for c in PhaseGrade.model_validate_json(row[0]).criteria}

    def phase_scores(self, kind: str | None = "interview") -> list[tuple[str, float, dict[str, float]]]:
        """Every finished session (of this kind; None: any) with its score per phase, oldest first:
        (session id, created, {phase: score}). For the report's pictures and the history's trend."""
        with self._lock:
            rows = self.db.execute(
                "SELECT s.id, s.created, g.phase, g.payload FROM sessions s JOIN grades g ON g.session_id = s.id "
                "WHERE s.status='finished' AND (? IS NULL OR s.kind = ?) ORDER BY s.created, s.id",
                (kind, kind),
            ).fetchall()
        out: dict[str, tuple[str, float, dict[str, float]]] = {}
        for sid, created, phase, payload in rows:
            entry = out.setdefault(sid, (sid, created, {}))
            grade = PhaseGrade.model_validate_json(payload)
            if all(c.score is None for c in grade.criteria):
                continue  # nothing said in that phase (a script that ran out): no point on its trend, not a 1.0
            entry[2][phase] = round(grade.score, 3)
        return list(out.values())
