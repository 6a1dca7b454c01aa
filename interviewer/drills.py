"""Drills that come back: what a candidate missed in an interview, asked again at 1, 3, 7 and 14 days.

Where drills come from. After a finished interview or phase retry (simulations never make drills)
every phase criterion scored null, 1 or 2 is a miss. For each miss, weakest and weightiest first, the
concepts of that criterion (`interviewer/concepts.py`, in the case's scope, the criterion's own
concepts first) that the candidate never named anywhere in the interview become drills, at most
`CONCEPTS_PER_CRITERION` per criterion; a missed criterion whose concepts were all named (named but not
explained) or that has none becomes one drill on the criterion itself. An interview adds at most
`MAX_NEW` new drills. A drill is keyed by its concept (or its criterion), so a weakness that recurs
across interviews is one drill with a growing miss count, never one per interview; a recurrence always
updates its drill, past the cap. Cross-cutting criteria make no drills (they are not about a concept).

The schedule. A drill's schedule starts on the day of the miss (its anchor) and is due at anchor + 1,
3, 7 and 14 days (`OFFSETS`). An attempt is graded by the offline grader against the drill's criterion:

- a score of 3 or 4 (`PASS`) on a due drill moves it to its next step (due at anchor + the next
  offset, and never before tomorrow); a pass at the 14-day step masters the drill, which leaves the queue;
- a lower score, or no evidence (null), restarts the schedule from that day: due tomorrow, step 1 again;
- an attempt before the drill is due is practice: a pass does not move it on, a miss restarts it;
- a new miss in a later interview restarts it as well (and brings a mastered drill back).

Storage. Drills live in `<home>/mlsd.sqlite` beside the sessions, in their own tables; every change is
one SQLite transaction, so a crash between steps leaves either the state before or the state after.
An interview is recorded once (`drill_ingested`): recording it again is a no-op, and `catch_up` records
finished interviews of the last 30 days whose drills were never made (a crash between the scorecard
and the drills).

Dates are local calendar days; the book takes a `today` callable so tests can run on a virtual date.
"""
from __future__ import annotations

import json
import os
import sqlite3
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

from .domain import CROSS_CUTTING, SessionKind

if TYPE_CHECKING:  # pragma: no cover
    from .concepts import Concept, ConceptBank
    from .content import Library
    from .grading import CriterionGrade, Grader
    from .scorecard import Scorecard

OFFSETS = (1, 3, 7, 14)  # days after the miss a drill is due, one per step
PASS = 3  # a drill answer scoring this or more counts as a pass
CONCEPTS_PER_CRITERION = 2
MAX_NEW = 6  # new drills one interview may add
ACTIVE, MASTERED = "active", "mastered"
CATCH_UP_DAYS = 30  # an interview that finished without its drills is caught up this long after
CRITERION_PREFIX = "crit-"  # the id of a drill on a criterion itself (concept ids and criterion ids overlap)

Today = Callable[[], date]


@dataclass
class Drill:
    id: str
    phase: str
    criterion: str
    concept: str | None
    case: str | None
    status: str
    step: int  # 0..3: the index into OFFSETS of the next due date
    anchor: date
    due: date | None
    misses: int
    lapses: int
    first_missed: date
    last_missed: date
    before: int | None  # the criterion's score at the latest miss (None: no evidence)
    sessions: list[str] = field(default_factory=list)
    criterion_title: str = ""
    concept_name: str = ""

    @property
    def days(self) -> int:
        """The step as the schedule names it: day 1, 3, 7 or 14."""
        return OFFSETS[min(self.step, len(OFFSETS) - 1)]

    def reason(self) -> str:
        what = self.criterion_title or self.criterion
        n = len(self.sessions)
        score = "no evidence" if self.before is None else f"{self.before}/4"
        line = f"{what} {score}"
        if self.concept:
            line += f", {self.concept_name or self.concept} not named"
        line += f"; missed in {n} interviews" if n > 1 else "; missed in 1 interview"
        if self.lapses:
            line += f"; {self.lapses} drill{'s' if self.lapses > 1 else ''} missed since"
        return line

    def public(self, today: date) -> dict[str, Any]:
        return {
            "id": self.id,
            "phase": self.phase,
            "criterion": self.criterion,
            "concept": self.concept,
            "due": self.due.isoformat() if self.due else None,
            "reason": self.reason(),
            "is_due": self.due is not None and self.due <= today,
            "step": f"day {self.days}",
            "misses": self.misses,
            "case": self.case,
        }


@dataclass
class Attempt:
    drill: Drill  # after the attempt
    day: date
    before: int | None
    after: int | None
    passed: bool
    practice: bool  # attempted before it was due
    mastered: bool
    restarted: bool
    evidence: list[str] = field(default_factory=list)
    rationale: str = ""


_COLS = (
    "id, phase, criterion, concept, case_id, status, step, anchor, due, misses, lapses, first_missed, last_missed, before, sessions, criterion_title, concept_name"
)


def _d(s: str | None) -> date | None:
    return date.fromisoformat(s) if s else None


class DrillBook:
    """The drill queue in `<home>/mlsd.sqlite`."""

    def __init__(self, home: Path, today: Today = date.today):
        self.path = Path(home) / "mlsd.sqlite"
        self.today = today
        self.db = sqlite3.connect(self.path, check_same_thread=False, timeout=30, isolation_level=None)
        try:
            os.chmod(self.path, 0o600)  # private, as the store is
        except OSError:
            pass
        self.db.execute(
            """CREATE TABLE IF NOT EXISTS drills (
                id TEXT PRIMARY KEY, phase TEXT, criterion TEXT, concept TEXT, case_id TEXT, status TEXT, step INTEGER,
                anchor TEXT, due TEXT, misses INTEGER, lapses INTEGER, first_missed TEXT, last_missed TEXT, before INTEGER,
                sessions TEXT, criterion_title TEXT, concept_name TEXT)"""
        )
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS drill_attempts (drill_id TEXT, day TEXT, step INTEGER, before INTEGER, score INTEGER, "
            "passed INTEGER, practice INTEGER, answer TEXT, created REAL)"
        )
        self.db.execute("CREATE TABLE IF NOT EXISTS drill_ingested (session_id TEXT PRIMARY KEY, day TEXT, drills TEXT)")

    def close(self) -> None:
        self.db.close()

    # ------------------------------------------------------------------ reading
    def _row(self, r: tuple) -> Drill:
        (id_, phase, crit, concept, case, status, step, anchor, due, misses, lapses, first, last, before, sessions, ctitle, cname) = r
        return Drill(
            id=id_, phase=phase, criterion=crit, concept=concept, case=case, status=status, step=step, anchor=_d(anchor),  # type: ignore[arg-type]
            due=_d(due), misses=misses, lapses=lapses, first_missed=_d(first), last_missed=_d(last), before=before,  # type: ignore[arg-type]
            sessions=json.loads(sessions or "[]"), criterion_title=ctitle or "", concept_name=cname or "",
        )

    def get(self, drill_id: str) -> Drill | None:
        r = self.db.execute(f"SELECT {_COLS} FROM drills WHERE id=?", (drill_id,)).fetchone()
        return self._row(r) if r else None

    def find(self, prefix: str) -> Drill | None:
        """A drill by id or by a unique id prefix."""
        d = self.get(prefix)
        if d:
            return d
        rows = self.db.execute(f"SELECT {_COLS} FROM drills WHERE id LIKE ?", (prefix.replace("%", "") + "%",)).fetchall()
        return self._row(rows[0]) if len(rows) == 1 else None

    def all(self) -> list[Drill]:
        return [self._row(r) for r in self.db.execute(f"SELECT {_COLS} FROM drills ORDER BY id").fetchall()]

    def queue(self) -> list[Drill]:
        """Active drills, the earliest due first (ties: the most missed, then the lowest scored, first)."""
        active = [d for d in self.all() if d.status == ACTIVE]
        return sorted(active, key=lambda d: (d.due or date.max, -d.misses, d.before or 0, d.id))

    def due(self) -> list[Drill]:
        today = self.today()
        return [d for d in self.queue() if d.due is not None and d.due <= today]

    def next_due(self) -> Drill | None:
        due = self.due()
        return due[0] if due else None

    def attempts(self, drill_id: str) -> list[dict[str, Any]]:
        cur = self.db.execute("SELECT day, step, before, score, passed, practice FROM drill_attempts WHERE drill_id=? ORDER BY rowid", (drill_id,))
        return [dict(zip(("day", "step", "before", "score", "passed", "practice"), r)) for r in cur.fetchall()]

    def sessions(self) -> list[dict[str, Any]]:
        """The store's session rows (id, status, kind, created, updated), read without importing the store."""
        try:
            cur = self.db.execute("SELECT id, status, kind, created, updated FROM sessions ORDER BY created")
        except sqlite3.OperationalError:  # no interview yet: the store has not made its table
            return []
        return [dict(zip(("id", "status", "kind", "created", "updated"), r)) for r in cur.fetchall()]

    def ingested(self, sid: str) -> bool:
        return self.db.execute("SELECT 1 FROM drill_ingested WHERE session_id=?", (sid,)).fetchone() is not None

    # ------------------------------------------------------------------ writing
    def _save(self, d: Drill) -> None:
        self.db.execute(
            f"INSERT OR REPLACE INTO drills ({_COLS}) VALUES ({','.join('?' * 17)})",
            (
                d.id, d.phase, d.criterion, d.concept, d.case, d.status, d.step, d.anchor.isoformat(), d.due.isoformat() if d.due else None,
                d.misses, d.lapses, d.first_missed.isoformat(), d.last_missed.isoformat(), d.before, json.dumps(d.sessions),
                d.criterion_title, d.concept_name,
            ),
        )

    def record(self, sid: str, case: str | None, misses: list["Miss"], day: date | None = None) -> list[str]:
        """Record one interview's misses (see `misses_of`): new drills, or recurrences of existing ones.
        Once per session id; returns the ids of the drills created or restarted."""
        day = day or self.today()
        self.db.execute("BEGIN IMMEDIATE")
        try:
            if self.ingested(sid):
                self.db.execute("ROLLBACK")
                return []
            touched: list[str] = []
            new = 0
            for m in misses:
                d = self.get(m.id)
                if d is None:
                    if new >= MAX_NEW:
                        continue
                    new += 1
                    d = Drill(
                        id=m.id, phase=m.phase, criterion=m.criterion, concept=m.concept, case=case, status=ACTIVE, step=0, anchor=day,
                        due=day + timedelta(days=OFFSETS[0]), misses=1, lapses=0, first_missed=day, last_missed=day, before=m.score,
                        sessions=[sid], criterion_title=m.criterion_title, concept_name=m.concept_name,
                    )
                else:
                    if sid in d.sessions:
                        continue
                    d.misses += 1
                    d.sessions.append(sid)
                    d.status, d.step, d.anchor, d.due = ACTIVE, 0, day, day + timedelta(days=OFFSETS[0])
                    d.last_missed, d.before, d.case = day, m.score, case
                self._save(d)
                touched.append(d.id)
            self.db.execute("INSERT INTO drill_ingested VALUES (?,?,?)", (sid, day.isoformat(), json.dumps(touched)))
            self.db.execute("COMMIT")
            return touched
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def attempt(self, drill_id: str, score: int | None, answer: str = "", day: date | None = None) -> Attempt:
        """Apply one graded drill answer to the schedule (see the module docstring)."""
        day = day or self.today()
        self.db.execute("BEGIN IMMEDIATE")
        try:
            d = self.get(drill_id)
            if d is None:
                raise KeyError(drill_id)
            last = self.db.execute("SELECT score FROM drill_attempts WHERE drill_id=? ORDER BY rowid DESC LIMIT 1", (drill_id,)).fetchone()
            before = last[0] if last else d.before
            step = d.step
            practice = d.status == ACTIVE and d.due is not None and day < d.due
            passed = score is not None and score >= PASS
            mastered = restarted = False
            if passed and not practice:
                if d.step >= len(OFFSETS) - 1:
                    d.status, d.due, mastered = MASTERED, None, True
                else:
                    d.step += 1
                    d.due = max(d.anchor + timedelta(days=OFFSETS[d.step]), day + timedelta(days=1))
            elif not passed:
                d.status, d.step, d.anchor, d.due = ACTIVE, 0, day, day + timedelta(days=OFFSETS[0])
                d.lapses += 1
                restarted = True
            self._save(d)
            self.db.execute(
                "INSERT INTO drill_attempts VALUES (?,?,?,?,?,?,?,?,?)",
                (drill_id, day.isoformat(), step, before, score, int(passed), int(practice), answer, time.time()),
            )
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return Attempt(drill=d, day=day, before=before, after=score, passed=passed, practice=practice, mastered=mastered, restarted=restarted)

    def listing(self) -> dict[str, Any]:
        """The `mlsd drills --json` document."""
        today = self.today()
        q = self.queue()
        return {
            "today": today.isoformat(),
            "due_count": sum(1 for d in q if d.due is not None and d.due <= today),
            "mastered": sum(1 for d in self.all() if d.status == MASTERED),
            "drills": [d.public(today) for d in q],
        }


# ---------------------------------------------------------------------- from an interview to misses


@dataclass(frozen=True)
class Miss:
    id: str
    phase: str
    criterion: str
    concept: str | None
    score: int | None
    criterion_title: str
    concept_name: str = ""


def _ordered_concepts(bank: "ConceptBank", criterion: str, case: str | None) -> list["Concept"]:
    try:
        found = bank.by_criterion(criterion, case)
    except Exception:  # a case without known problem kinds: the phase concepts without a case filter
        found = bank.by_criterion(criterion)
    return sorted(found, key=lambda c: (c.criteria[0] != criterion,))  # stable: the criterion's own concepts first


def misses_of(
    criteria: Iterable["CriterionGrade"],
    said: str,
    bank: "ConceptBank",
    case: str | None,
    per_criterion: int = CONCEPTS_PER_CRITERION,
) -> list[Miss]:
    """The drills one interview's grades call for, most urgent first: per missed criterion (score null,
    1 or 2), its concepts the candidate never named in `said`, or the criterion itself."""
    try:
        named = {m.concept_id for m in bank.find_mentions(said)}
    except Exception:
        named = set()
    missed = [c for c in criteria if c.phase and c.phase != CROSS_CUTTING and (c.score is None or c.score <= 2)]
    missed.sort(key=lambda c: (c.score or 0, -c.weight))
    out: list[Miss] = []
    seen: set[str] = set()
    for c in missed:
        picked = 0
        for k in _ordered_concepts(bank, c.id, case):
            if picked >= per_criterion:
                break
            if k.id in named or k.id in seen:
                continue
            seen.add(k.id)
            out.append(Miss(k.id, c.phase, c.id, k.id, c.score, c.title, k.name))
            picked += 1
        if picked == 0:
            key = CRITERION_PREFIX + c.id
            if key not in seen:
                seen.add(key)
                out.append(Miss(key, c.phase, c.id, None, c.score, c.title))
    return out


def record_interview(book: DrillBook, card: "Scorecard", said: str, bank: "ConceptBank", day: date | None = None) -> list[str]:
    """Make or restart the drills one finished interview calls for. Idempotent per session."""
    crits = [c for p in card.phases for c in p.criteria]
    return book.record(card.session_id, card.case, misses_of(crits, said, bank, card.case), day)


def transcript_from_checkpoints(home: Path, sid: str) -> list[Mapping[str, Any]]:
    """The transcript of a session as last checkpointed (read without building the interview graph)."""
    path = Path(home) / "checkpoints.sqlite"
    if not path.exists():
        return []
    from langgraph.checkpoint.sqlite import SqliteSaver

    conn = sqlite3.connect(path, check_same_thread=False, timeout=30)
    try:
        tup = SqliteSaver(conn).get_tuple({"configurable": {"thread_id": sid}})
        if tup is None:
            return []
        return list(tup.checkpoint.get("channel_values", {}).get("transcript", []) or [])
    except Exception:
        return []
    finally:
        conn.close()


def _finished_on(r: Mapping[str, Any]) -> date:
    return date.fromtimestamp(float(r.get("updated") or r.get("created") or time.time()))


def pending(book: DrillBook, rows: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Finished interviews (store rows) of the last `CATCH_UP_DAYS` whose drills were never recorded
    (older ones, e.g. from before drills existed, would only flood the queue with overdue drills)."""
    since = book.today() - timedelta(days=CATCH_UP_DAYS)
    return [
        r for r in rows
        if r.get("status") == "finished" and r.get("kind", SessionKind.INTERVIEW) != SessionKind.SIMULATION and not book.ingested(r["id"]) and _finished_on(r) >= since
    ]


def catch_up(book: DrillBook, bank: "ConceptBank | Callable[[], ConceptBank]", rows: Iterable[Mapping[str, Any]] | None = None) -> list[str]:
    """Record finished interviews whose drills were never made (e.g. a crash right after the scorecard).
    `rows` are the store's session rows (by default read from the book's database); the day is the day the
    interview finished. `bank` may be a callable, called only when there is something to record."""
    todo = pending(book, book.sessions() if rows is None else rows)
    if not todo:
        return []
    from .grading import candidate_words
    from .scorecard import Scorecard

    home = book.path.parent
    if callable(bank):
        bank = bank()
    made: list[str] = []
    for r in todo:
        path = Path(home) / "reports" / f"{r['id']}.json"
        try:
            card = Scorecard.model_validate_json(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        said = candidate_words(transcript_from_checkpoints(home, r["id"]))
        if not said:  # no transcript: what the scorecard quotes is what we know was said
            said = "\n".join(q for p in card.phases for c in p.criteria for q in c.evidence)
        day = _finished_on(r)
        made += record_interview(book, card, said, bank, day)  # type: ignore[arg-type]
    return made


# ---------------------------------------------------------------------- the exchange


def question(drill: Drill, lib: "Library", bank: "ConceptBank") -> str:
    """The drill's question: the concept's probe (its "You mentioned X." opening dropped: the candidate
    did not), or the criterion's own probe."""
    if drill.concept and drill.concept in bank.concepts:
        probes = list(bank.concept(drill.concept).probes)
        bare = [p for p in probes if not p.lower().startswith("you ")]
        p = bare[0] if bare else probes[0]
        return _drop_preface(p)
    for ph in (drill.phase,):
        for c in lib.criteria(ph, drill.case if drill.case in lib.cases else None):
            if c.id == drill.criterion:
                return c.probes[0]
    from . import prompts as P

    return P.get("drill", "criterion_fallback").format(what=drill.criterion_title or drill.criterion)


def _drop_preface(probe: str) -> str:
    if not probe.lower().startswith("you "):
        return probe
    for sep in (". ", "? ", "; "):
        i = probe.find(sep)
        if 0 < i < len(probe) - len(sep) - 10:
            rest = probe[i + len(sep):].strip()
            return rest[0].upper() + rest[1:]
    return probe


def study_points(drill: Drill, bank: "ConceptBank") -> list[str]:
    """What a strong answer on the drill's concept covers (its depth points)."""
    if drill.concept and drill.concept in bank.concepts:
        return [dp.point for dp in bank.concept(drill.concept).depth]
    return []


def grade_answer(drill: Drill, answer: str, grader: "Grader") -> "CriterionGrade":
    """The answer graded against the drill's criterion by the grader's public `grade` (offline or LLM)."""
    case = drill.case if drill.case in grader.lib.cases else None
    crits = {c.id for c in grader.criteria_for(drill.phase, case)}
    if drill.criterion not in crits:
        case = None
    g = grader.grade(drill.phase, case, answer)
    for c in g.criteria:
        if c.id == drill.criterion:
            return c
    raise KeyError(f"criterion {drill.criterion!r} is no longer in the {drill.phase} rubric")


def run(book: DrillBook, drill: Drill, answer: str, grader: "Grader") -> Attempt:
    """Grade one drill answer and move the schedule; returns the before/after."""
    g = grade_answer(drill, answer, grader)
    a = book.attempt(drill.id, g.score, answer)
    a.evidence, a.rationale = list(g.evidence), g.rationale
    return a
