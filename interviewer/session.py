"""The session API the TUI and the CLI use: start, resume, send a line, and typed events.

Never imports the TUI. Every turn is checkpointed (SQLite) before the next question is shown.
Phases are graded in a background thread as they close, so the scorecard is ready at the end.
"""
from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import threading
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, AsyncIterator, Callable, Iterator

from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.types import Command

from . import CROSS_CUTTING, PHASES
from .brains import FallbackBrain, LLMBrain, OfflineBrain
from .clock import Clock, VirtualClock, WallClock
from .content import Library, library
from .errors import SessionError, UsageError
from .grading import Grader, PhaseGrade
from .graph import Ctx, _budget, build_graph, candidate_text, initial_state
from .knowledge import get_index
from .llm import LLMClient, client_from_settings
from .scorecard import Scorecard, build as build_scorecard, export
from .settings import Settings


# ------------------------------------------------------------------------------------ events


@dataclass
class Event:
    type: str


@dataclass
class TokenEvent(Event):
    text: str = ""


@dataclass
class ResetEvent(Event):
    """A streamed line is being replaced (the model failed mid-stream and the fallback answers)."""


@dataclass
class MessageEvent(Event):
    turn: dict[str, Any] = field(default_factory=dict)


@dataclass
class PhaseEvent(Event):
    phase: str | None = None
    closed: str | None = None


@dataclass
class NoticeEvent(Event):
    kind: str = ""
    text: str = ""


@dataclass
class GradedEvent(Event):
    phase: str = ""
    score: float = 0.0


@dataclass
class FinishedEvent(Event):
    scorecard: Scorecard | None = None


def _event(raw: dict[str, Any]) -> Event | None:
    t = raw.get("type")
    if t == "token":
        return TokenEvent("token", raw["text"])
    if t == "reset":
        return ResetEvent("reset")
    if t == "message":
        return MessageEvent("message", raw["turn"])
    if t == "phase":
        return PhaseEvent("phase", raw.get("phase"), raw.get("closed"))
    if t == "notice":
        return NoticeEvent("notice", raw.get("kind", ""), raw.get("text", ""))
    return None


# ------------------------------------------------------------------------------------ store


def _private(path: Path) -> None:
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
        _private(self.path)
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
        with self._lock:
            rows = self.db.execute("SELECT id FROM sessions WHERE id LIKE ?", (prefix + "%",)).fetchall()
        return rows[0][0] if len(rows) == 1 else None

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
        with self._lock:
            cur = self.db.execute("SELECT * FROM sessions ORDER BY created DESC")
            cols = [d[0] for d in cur.description]
            return [dict(zip(cols, r)) for r in cur.fetchall()]

    def save_grade(self, sid: str, g: PhaseGrade) -> None:
        with self._lock, self.db:
            self.db.execute("INSERT OR REPLACE INTO grades VALUES (?,?,?)", (sid, g.phase, g.model_dump_json()))

    def grades(self, sid: str) -> dict[str, PhaseGrade]:
        with self._lock:
            rows = self.db.execute("SELECT phase, payload FROM grades WHERE session_id=?", (sid,)).fetchall()
        return {p: PhaseGrade.model_validate_json(x) for p, x in rows}

    def history(self, case: str, before: float, exclude: str) -> dict[str, list[float]]:
        """Earlier scores per phase for this case (oldest first), for the trend."""
        with self._lock:
            rows = self.db.execute(
                "SELECT g.phase, g.payload FROM grades g JOIN sessions s ON s.id = g.session_id "
                "WHERE s.case_id=? AND s.created < ? AND s.id != ? AND s.status='finished' ORDER BY s.created",
                (case, before, exclude),
            ).fetchall()
        out: dict[str, list[float]] = {}
        for phase, payload in rows:
            out.setdefault(phase, []).append(round(PhaseGrade.model_validate_json(payload).score, 2))
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


# ------------------------------------------------------------------------------------ session


class Engine:
    """Shared, process-wide parts: settings, content, index, checkpointer, store, grading pool."""

    def __init__(self, settings: Settings | None = None, lib: Library | None = None):
        self.settings = settings or Settings()
        self.home = self.settings.ensure_home()
        self.lib = lib or library()
        self.index = get_index(self.home, self.lib)
        cp_path = self.home / "checkpoints.sqlite"
        self._cp_conn = sqlite3.connect(cp_path, check_same_thread=False, timeout=30)
        _private(cp_path)
        self.checkpointer = SqliteSaver(self._cp_conn)
        self.graph = build_graph().compile(checkpointer=self.checkpointer)
        self.store = Store(self.home)
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mlsd-grade")
        self._client: LLMClient | None = None

    def llm_client(self) -> LLMClient:
        if self._client is None:
            self._client = client_from_settings(self.settings)
        return self._client

    def resolve_brain(self, brain: str | None) -> str:
        if brain in (None, "auto"):
            return self.settings.resolved_brain()
        if brain not in ("offline", "llm"):
            raise UsageError(f"unknown brain {brain!r} (auto, offline or llm)")
        return brain

    def warm(self, case: str | None = None) -> None:
        """Load the embedding model, the index and the scorer's anchors, so the first turn is fast."""
        from . import scoring

        self.index.ensure()
        self.index.search("warm up", k=1)
        crits = [c for ph in PHASES for c in self.lib.criteria(ph, case)] + self.lib.cross_cutting()
        scoring.anchors(crits)
        scoring.phase_mask(scoring.prepare("A warm-up sentence about the data."), "data")

    def close(self) -> None:
        self.pool.shutdown(wait=True)
        try:
            self._cp_conn.close()
        except sqlite3.Error:
            pass


class Session:
    """One interview. Use `Session.start(...)` or `Session.resume(...)`."""

    def __init__(self, engine: Engine, sid: str, brain: str, clock: Clock, on_event: Callable[[Event], None] | None = None):
        self.engine = engine
        self.id = sid
        self.brain_kind = brain
        self.clock = clock
        self.on_event = on_event
        self.config = {"configurable": {"thread_id": sid}}
        self._notices: list[str] = []
        lib = engine.lib
        if brain == "llm":
            fb = FallbackBrain(LLMBrain(lib, engine.llm_client()))
            self.brain: Any = fb
            self.grader = Grader(lib, "llm", engine.llm_client())
        else:
            self.brain = OfflineBrain(lib)
            self.grader = Grader(lib, "offline")
        self.ctx = Ctx(lib=lib, index=engine.index, brain=self.brain, clock=clock, secrets=engine.settings.secrets())
        if isinstance(self.brain, FallbackBrain):
            self.brain.notify = self.ctx.notices.append
        self._futures: dict[str, Future] = {}
        self.finished_card: Scorecard | None = None
        self.scorecard_seconds: float | None = None  # from the end of the interview to a ready scorecard
        self._lock = threading.RLock()

    # ---- creation
    @classmethod
    def start(
        cls,
        engine: Engine,
        case: str,
        level: str = "senior",
        persona: str = "neutral",
        minutes: float = 45,
        brain: str | None = None,
        phases: list[str] | None = None,
        clock: Clock | None = None,
        on_event: Callable[[Event], None] | None = None,
        kind: str = "interview",
        session_id: str | None = None,
    ) -> "Session":
        engine.lib.case(case)  # unknown case: a ContentError with the list hint
        if level not in ("mid", "senior", "staff"):
            raise UsageError(f"unknown level {level!r} (mid, senior or staff)")
        if persona not in ("supportive", "neutral", "tough"):
            raise UsageError(f"unknown persona {persona!r} (supportive, neutral or tough)")
        if not 5 <= float(minutes) <= 180:
            raise UsageError("minutes must be between 5 and 180")
        phases = phases or list(PHASES)
        bad = [p for p in phases if p not in PHASES]
        if bad:
            raise UsageError(f"unknown phase {bad[0]!r} ({', '.join(PHASES)})")
        b = engine.resolve_brain(brain)
        sid = session_id or time.strftime("%Y%m%d-%H%M%S") + "-" + uuid.uuid4().hex[:6]
        engine.store.add(sid, case, level, persona, float(minutes), b, phases, kind)
        s = cls(engine, sid, b, clock or WallClock(), on_event)
        s._run(initial_state(sid, case, level, persona, minutes, phases))
        return s

    @classmethod
    def resume(cls, engine: Engine, sid: str, clock: Clock | None = None, on_event: Callable[[Event], None] | None = None, brain: str | None = None) -> "Session":
        row = engine.store.get(sid) or (engine.store.get(engine.store.find(sid) or "") if sid else None)
        if row is None:
            raise SessionError(f"no session {sid!r}; `mlsd sessions` lists them")
        b = engine.resolve_brain(brain) if brain else row["brain"]
        s = cls(engine, row["id"], b, clock or WallClock(), on_event)
        snap = engine.graph.get_state(s.config)
        if not snap.values:
            # killed before the first checkpoint: start it afresh under the same id
            phases = json.loads(row["phases"])
            s._run(initial_state(row["id"], row["case_id"], row["level"], row["persona"], row["minutes"], phases))
        elif snap.next and not snap.interrupts:
            s._run(None)  # killed between steps: finish the step that was under way
        s._regrade_missing()
        return s

    # ---- state
    @property
    def state(self) -> dict[str, Any]:
        return dict(self.engine.graph.get_state(self.config).values)

    @property
    def finished(self) -> bool:
        return self.state.get("status") == "finished"

    @property
    def transcript(self) -> list[dict[str, Any]]:
        return list(self.state.get("transcript", []))

    @property
    def phase(self) -> str | None:
        st = self.state
        i = st.get("phase_i", 0)
        return st["phases"][i] if i < len(st.get("phases", [])) else None

    def budgets(self) -> dict[str, float]:
        st = self.state
        return {p: _budget(st, self.engine.lib, p) for p in st["phases"]}  # type: ignore[arg-type]

    # ---- turns
    def _emit(self, ev: Event) -> None:
        if self.on_event:
            self.on_event(ev)

    def _run(self, inp: Any) -> list[Event]:
        events: list[Event] = []
        with self._lock:
            before = self.engine.graph.get_state(self.config).values or {}
            for raw in self.engine.graph.stream(inp, self.config, context=self.ctx, stream_mode="custom", durability="sync"):
                ev = _event(raw) if isinstance(raw, dict) else None
                if ev is None:
                    continue
                events.append(ev)
                self._emit(ev)
            after = self.engine.graph.get_state(self.config).values
            self.clock.mark()
            self.engine.store.touch(self.id)
            # notices recorded in state during this step (time, fallbacks, input)
            old_n = len(before.get("notices", []))
            for n in after.get("notices", [])[old_n:]:
                if n.get("kind") != "fallback":  # fallbacks were streamed already
                    ev = NoticeEvent("notice", n["kind"], n["text"])
                    events.append(ev)
                    self._emit(ev)
            # phases that closed during this step are graded in the background
            closed = after.get("phases", [])[before.get("phase_i", 0) : after.get("phase_i", 0)] if before else []
            for ph in closed:
                self._grade_async(ph, after)
            if after.get("status") == "finished" and self.finished_card is None:
                t_end = time.perf_counter()
                card = self.scorecard()
                self.scorecard_seconds = time.perf_counter() - t_end
                ev = FinishedEvent("finished", card)
                events.append(ev)
                self._emit(ev)
        return events

    def send(self, text: str) -> list[Event]:
        """Send one candidate line; returns (and emits) the events it caused."""
        if self.finished:
            raise SessionError("this interview has finished")
        return self._run(Command(resume=text if isinstance(text, str) else str(text)))

    async def asend(self, text: str) -> AsyncIterator[Event]:
        """The same as `send`, as an async stream of events (the engine runs in a worker thread)."""
        loop = asyncio.get_running_loop()
        q: asyncio.Queue[Event | None | BaseException] = asyncio.Queue()
        prev = self.on_event

        def sink(ev: Event) -> None:
            loop.call_soon_threadsafe(q.put_nowait, ev)
            if prev:
                prev(ev)

        def work() -> None:
            self.on_event = sink
            try:
                self.send(text)
                loop.call_soon_threadsafe(q.put_nowait, None)
            except BaseException as e:  # noqa: BLE001 - re-raised in the consumer
                loop.call_soon_threadsafe(q.put_nowait, e)
            finally:
                self.on_event = prev

        fut = loop.run_in_executor(None, work)
        while True:
            item = await q.get()
            if item is None:
                break
            if isinstance(item, BaseException):
                raise item
            yield item
        await fut

    # ---- grading
    def _grade(self, phase: str, st: dict[str, Any]) -> PhaseGrade:
        text = candidate_text(st, None if phase == CROSS_CUTTING else phase)  # type: ignore[arg-type]
        g = self.grader.grade(phase, st["case_id"], text)
        self.engine.store.save_grade(self.id, g)
        return g

    def _grade_async(self, phase: str, st: dict[str, Any]) -> None:
        if phase in self._futures:
            return

        def job() -> PhaseGrade:
            g = self._grade(phase, st)
            self._emit(GradedEvent("graded", phase, g.score))
            return g

        self._futures[phase] = self.engine.pool.submit(job)

    def _regrade_missing(self) -> None:
        st = self.state
        have = self.engine.store.grades(self.id)
        for ph in st.get("phases", [])[: st.get("phase_i", 0)]:
            if ph not in have:
                self._grade_async(ph, st)

    def scorecard(self, wait: bool = True) -> Scorecard:
        """Assemble the scorecard from the background grades (grading what is still missing)."""
        if self.finished_card is not None:
            return self.finished_card
        st = self.state
        graded = self.engine.store.grades(self.id)
        closed = st["phases"][: st.get("phase_i", 0)] if st.get("status") != "finished" else st["phases"]
        # a session ended early leaves later phases ungraded: they are graded on what was said (nothing)
        for ph, fut in list(self._futures.items()):
            if ph not in graded:
                graded[ph] = fut.result()
        grades: list[PhaseGrade] = []
        for ph in closed:
            grades.append(graded[ph] if ph in graded else self._grade(ph, st))
        cross = graded.get(CROSS_CUTTING) if CROSS_CUTTING in graded and st.get("status") != "finished" else None
        if len(st["phases"]) > 1 and cross is None:
            cross = self._grade(CROSS_CUTTING, st)
        row = self.engine.store.get(self.id) or {}
        history = self.engine.store.history(st["case_id"], row.get("created", time.time()), self.id)
        previous = None
        if len(st["phases"]) == 1:
            prev = self.engine.store.previous_phase(st["case_id"], st["phases"][0], row.get("created", time.time()), self.id)
            previous = {st["phases"][0]: prev} if prev else None
        notices = [n["text"] for n in st.get("notices", []) if n.get("kind") == "fallback"] + [g.notice for g in grades if g.notice]
        card = build_scorecard(
            lib=self.engine.lib,
            session_id=self.id,
            case=st["case_id"],
            target_level=st["level"],
            persona=st["persona"],
            brain=self.brain_kind,
            phase_grades=grades,
            cross=cross,
            phase_minutes=st.get("phase_minutes", {}),
            budgets=self.budgets(),
            follow_ups=st.get("follow_ups", {}),
            hints=st.get("hints", []),
            index_search=lambda q, p, c, k: self.engine.index.search(q, phase=p, case=c, k=k),
            history=history,
            previous=previous,
            notices=notices,
            minutes_used=st.get("elapsed", 0.0),
        )
        if st.get("status") == "finished":
            self.finished_card = card
            export(card, self.engine.home / "reports", self.engine.settings.secrets())
            self.engine.store.finish(self.id, card)
        return card


def load_report(engine: Engine, sid: str) -> Scorecard:
    row = engine.store.get(sid) or engine.store.get(engine.store.find(sid) or "")
    if row is None:
        raise SessionError(f"no session {sid!r}; `mlsd sessions` lists them")
    path = engine.home / "reports" / f"{row['id']}.json"
    if not path.exists():
        raise SessionError(f"session {row['id']} has no scorecard yet (status: {row['status']}); resume it with `mlsd interview --resume {row['id']}`")
    return Scorecard.model_validate_json(path.read_text())


def iter_turns(events: list[Event]) -> Iterator[dict[str, Any]]:
    for e in events:
        if isinstance(e, MessageEvent):
            yield e.turn
