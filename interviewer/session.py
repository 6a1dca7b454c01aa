"""The session API the TUI and the CLI use: start, resume, send a line, a typed read model, typed events.

Never imports the TUI. Every turn is checkpointed (SQLite) before the next question is shown.
Three jobs, three parts: `Engine` holds the process-wide parts, `Session` runs the graph and passes its
events on, `PhaseGrading` grades phases in a background thread as they close, so the scorecard is
ready at the end. Reading a scorecard writes nothing; a finished interview's scorecard is saved once.
"""
from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, AsyncIterator, Callable

from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.types import Command

from . import evidence
from .brains import Brain, FallbackBrain, LLMBrain, OfflineBrain
from .clock import Clock, WallClock
from .concepts import concept_bank, load_concept_bank
from .content import Library, library
from .domain import CROSS_CUTTING, PHASES, WARM_GRADER, WARM_INDEX, WARM_MODEL, WARM_VECTORS, BrainKind, Level, Persona, Role, SessionKind, TurnKind
from .embeddings import embedder
from .errors import SessionError, UsageError
from .events import EVENT_TYPES, Event, Finished, Graded, Saved
from .grading import Grader, PhaseGrade
from .graph import LISTEN, Ctx, authored_texts, budget, build_graph, candidate_text, initial_state
from .knowledge import get_index
from .llm import LLMClient, client_from_settings
from .scorecard import Scorecard, export
from .scorecard import build as build_scorecard
from .settings import Settings
from .store import Store, private, session_kind
from .text import redact, sanitize
from .view import SessionView

EventSink = Callable[[Event], None]
KEEP_CHECKPOINTS = 2  # per session: the latest (what resume reads) and its parent


class Engine:
    """Shared, process-wide parts: settings, content, index, checkpointer, store, grading pool."""

    def __init__(self, settings: Settings | None = None, lib: Library | None = None, compaction: bool = True):
        self.settings = settings or Settings()
        self.home = self.settings.ensure_home()
        self.lib = lib or library()
        # the shipped library: the process-wide bank the grader and the evidence scan use too (loaded once, its
        # memo shared; loading a second bank here cost 2-3 s at every start). A library handed in: its own bank
        self.bank = concept_bank() if lib is None else load_concept_bank(lib=self.lib)
        self.index = get_index(self.home, self.lib)
        cp_path = self.home / "checkpoints.sqlite"
        fresh = not cp_path.exists() or cp_path.stat().st_size == 0
        self._cp_conn = sqlite3.connect(cp_path, check_same_thread=False, timeout=30)
        private(cp_path)
        if fresh and compaction:  # before any table exists: pages freed by compaction can be given back to the disk
            self._cp_conn.execute("PRAGMA auto_vacuum=INCREMENTAL")
        self.checkpointer = SqliteSaver(self._cp_conn)
        self.compaction = compaction
        if compaction and not fresh:
            self._compact_legacy()
        self.graph = build_graph().compile(checkpointer=self.checkpointer)
        self.store = Store(self.home)
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mlsd-grade")
        self._client: LLMClient | None = None

    def llm_client(self) -> LLMClient:
        if self._client is None:
            self._client = client_from_settings(self.settings)
        return self._client

    def resolve_brain(self, brain: str | None) -> BrainKind:
        if brain in (None, BrainKind.AUTO):
            return BrainKind(self.settings.resolved_brain())
        try:
            return BrainKind(brain)
        except ValueError:
            raise UsageError(f"unknown brain {brain!r} ({', '.join(BrainKind)})") from None

    def open_index(self) -> None:
        """Open the knowledge index before a session calls any model endpoint. Chroma rewrites the vector
        files the first time a process opens them, and that write can carry stray bytes of the process's
        memory (seen: an endpoint's error body quoting the API key). Opened before the first call, that
        memory holds no endpoint reply yet. A no-op once open; `ensure` never raises (a failing index is
        reported to the candidate by the search that needs it)."""
        self.index.ensure()

    def warm(self, case: str | None = None, progress: Callable[[str, int, int], None] | None = None) -> None:
        """Load the embedding model, the index, the concept bank and the case's facts, so the first turn is fast.

        `progress(what, done, total)` follows the steps: the notes embedded when the index is built
        (absent, stale or damaged), then the embedding model, the grader (concept bank and patterns) and the
        interviewer's own lines (`preload_vectors`)."""
        step = progress or (lambda _what, _done, _total: None)
        self.index.ensure(progress=lambda done, total: step(WARM_INDEX, done, total))
        step(WARM_MODEL, 0, 1)
        self.index.search("warm up", k=1)
        step(WARM_GRADER, 0, 1)
        for ph in PHASES:  # the concept bank compiled and the grader's patterns built before the first answer
            evidence.grade_text("warm up", ph, case, self.lib.criteria(ph, case))
        if case:  # the case's facts and their words, embedded into the shared memo: the first clarifying answer is quick
            OfflineBrain(self.lib).fact_features(["warm up"], self.lib.case(case))
        step(WARM_GRADER, 1, 1)
        # last: on a first start it embeds a few thousand lines (20-30 s on two cores, beside the first answers,
        # which need none of them); later starts read them back in milliseconds
        self.preload_vectors(progress=lambda done, total: step(WARM_VECTORS, done, total))

    def preload_vectors(self, progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
        """The vectors of the interviewer's authored text (its probes, the queries of its notes) into the
        embedding memo, read from `<home>/vectors` or embedded once and saved there: a turn then embeds only
        what the candidate wrote, not a probe it is about to compare or a note query (25-70 ms each on two cores)."""
        return embedder().preload(authored_texts(self.lib, self.bank), self.home, progress=progress)

    # ---- checkpoint compaction
    def compact(self, sid: str) -> int:
        """Delete a session's checkpoints but the latest `KEEP_CHECKPOINTS` (and their pending writes).

        Resume reads only the latest checkpoint and its writes, so nothing it needs goes; without this,
        every step stores the whole state again and a 45-minute interview leaves about 2 MB behind.
        Returns the number of checkpoints deleted."""
        if not self.compaction:
            return 0
        with self.checkpointer.lock:
            try:
                with self._cp_conn:
                    rows = self._cp_conn.execute(
                        "SELECT checkpoint_id FROM checkpoints WHERE thread_id=? AND checkpoint_ns='' ORDER BY checkpoint_id DESC LIMIT ?", (sid, KEEP_CHECKPOINTS)
                    ).fetchall()
                    if len(rows) < KEEP_CHECKPOINTS:
                        return 0
                    oldest = rows[-1][0]
                    n = self._cp_conn.execute("DELETE FROM checkpoints WHERE thread_id=? AND checkpoint_id<?", (sid, oldest)).rowcount
                    self._cp_conn.execute("DELETE FROM writes WHERE thread_id=? AND checkpoint_id<?", (sid, oldest))
                if n:
                    self._cp_conn.execute("PRAGMA incremental_vacuum").fetchall()  # one page per step: step it to the end
                    self._cp_conn.commit()
            except sqlite3.OperationalError:  # busy (another mlsd): the next turn compacts
                return 0
        return n

    def _compact_legacy(self) -> None:
        """A checkpoint file from before compaction: every session cut to its latest checkpoints, then the
        file rewritten once so that it shrinks and gives freed pages back from then on."""
        try:
            mode = self._cp_conn.execute("PRAGMA auto_vacuum").fetchone()[0]
            tables = {r[0] for r in self._cp_conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if mode != 0 or "checkpoints" not in tables:
                return
            with self._cp_conn:
                self._cp_conn.execute(
                    "DELETE FROM checkpoints WHERE rowid IN (SELECT rowid FROM (SELECT rowid, row_number() OVER "
                    "(PARTITION BY thread_id, checkpoint_ns ORDER BY checkpoint_id DESC) AS n FROM checkpoints) WHERE n > ?)",
                    (KEEP_CHECKPOINTS,),
                )
                self._cp_conn.execute(
                    "DELETE FROM writes WHERE NOT EXISTS (SELECT 1 FROM checkpoints c WHERE c.thread_id=writes.thread_id "
                    "AND c.checkpoint_ns=writes.checkpoint_ns AND c.checkpoint_id<=writes.checkpoint_id)"
                )
            self._cp_conn.execute("PRAGMA auto_vacuum=INCREMENTAL")
            self._cp_conn.execute("PRAGMA busy_timeout=1000")  # another mlsd has it open: do not hold up the start
            try:
                self._cp_conn.execute("VACUUM")
            finally:
                self._cp_conn.execute("PRAGMA busy_timeout=30000")
        except sqlite3.OperationalError:  # in use by another mlsd: done another time
            pass

    def close(self) -> None:
        self.pool.shutdown(wait=True)
        try:
            self._cp_conn.close()
        except sqlite3.Error:
            pass


class PhaseGrading:
    """Grades phases as they close, in the engine's one grading thread, and keeps the grades in the store."""

    def __init__(self, engine: Engine, sid: str, grader: Grader, emit: Callable[[Event], None]):
        self.engine = engine
        self.sid = sid
        self.grader = grader
        self.emit = emit
        self._futures: dict[str, Future[PhaseGrade]] = {}

    def grade(self, phase: str, st: dict[str, Any], save: bool = True) -> PhaseGrade:
        text = candidate_text(st, None if phase == CROSS_CUTTING else phase)  # type: ignore[arg-type]
        g = self.grader.grade(phase, st["case_id"], text)
        if save:
            self.engine.store.save_grade(self.sid, g)
        return g

    def grade_async(self, phase: str, st: dict[str, Any]) -> None:
        if phase in self._futures:
            return

        def job() -> PhaseGrade:
            g = self.grade(phase, st)
            self.emit(Graded(phase, g.score))
            return g

        self._futures[phase] = self.engine.pool.submit(job)

    def regrade_missing(self, st: dict[str, Any]) -> None:
        have = self.engine.store.grades(self.sid)
        for ph in st.get("phases", [])[: st.get("phase_i", 0)]:
            if ph not in have:
                self.grade_async(ph, st)

    def collect(self, st: dict[str, Any], save: bool = True) -> tuple[list[PhaseGrade], PhaseGrade | None]:
        """Every closed phase's grade (waiting for the background ones, grading what is missing) and
        the cross-cutting grade (graded now, over the whole interview, when it has several phases).
        With `save=False` the grades graded here are not stored."""
        graded = self.engine.store.grades(self.sid)
        for ph, fut in list(self._futures.items()):
            if ph not in graded:
                graded[ph] = fut.result()
        finished = st.get("status") == "finished"
        closed = st["phases"] if finished else st["phases"][: st.get("phase_i", 0)]
        grades = [graded[ph] if ph in graded else self.grade(ph, st, save) for ph in closed]
        # what a phase left unaddressed may have been said in another: each grade takes it from there, once
        # every phase is in (a phase graded as it closed had not heard the later ones)
        elsewhere = {ph: candidate_text(st, ph) for ph in st["phases"]}  # type: ignore[arg-type]
        filled = self.grader.fill_from_elsewhere(grades, elsewhere)
        if save:
            for before, after in zip(grades, filled):
                if after is not before:
                    self.engine.store.save_grade(self.sid, after)
        grades = filled
        cross = graded.get(CROSS_CUTTING) if not finished else None
        if len(st["phases"]) > 1 and cross is None:
            cross = self.grade(CROSS_CUTTING, st, save)
        return grades, cross


def _brains(engine: Engine, kind: BrainKind) -> tuple[Brain, OfflineBrain, Grader]:
    """The interviewing brain, its offline twin, and the grader, for a brain kind."""
    lib = engine.lib
    if kind == BrainKind.LLM:
        llm = LLMBrain(lib, engine.llm_client())
        return FallbackBrain(llm), llm.offline, Grader(lib, BrainKind.LLM, engine.llm_client())
    offline = OfflineBrain(lib)
    return offline, offline, Grader(lib, BrainKind.OFFLINE)


class Session:
    """One interview. Use `Session.start(...)` or `Session.resume(...)`."""

    def __init__(self, engine: Engine, sid: str, brain: BrainKind, clock: Clock, on_event: EventSink | None = None):
        self.engine = engine
        self.id = sid
        self.brain_kind = brain
        self.clock = clock
        self.on_event = on_event
        self.config = {"configurable": {"thread_id": sid}}
        self.brain, offline, grader = _brains(engine, brain)
        self.ctx = Ctx(
            lib=engine.lib, index=engine.index, brain=self.brain, offline=offline, clock=clock, bank=engine.bank, secrets=engine.settings.secrets()
        )
        if isinstance(self.brain, FallbackBrain):
            self.brain.notify = self.ctx.notices.append
        self.grading = PhaseGrading(engine, sid, grader, self._emit)
        self.finished_card: Scorecard | None = None
        self.scorecard_seconds: float | None = None  # from the end of the interview to a ready scorecard
        self._lock = threading.RLock()

    # ---- creation
    @classmethod
    def start(
        cls,
        engine: Engine,
        case: str,
        level: str = Level.SENIOR,
        persona: str = Persona.NEUTRAL,
        minutes: float | None = None,
        brain: str | None = None,
        phases: list[str] | None = None,
        clock: Clock | None = None,
        on_event: EventSink | None = None,
        kind: str = SessionKind.INTERVIEW,
        session_id: str | None = None,
    ) -> "Session":
        engine.lib.case(case)  # unknown case: a ContentError with the list hint
        if level not in Level._value2member_map_:
            raise UsageError(f"unknown level {level!r} ({', '.join(Level)})")
        if persona not in Persona._value2member_map_:
            raise UsageError(f"unknown persona {persona!r} ({', '.join(Persona)})")
        phases = phases or list(PHASES)
        bad = [p for p in phases if p not in PHASES]
        if bad:
            raise UsageError(f"unknown phase {bad[0]!r} ({', '.join(PHASES)})")
        if set(phases) != set(PHASES) and kind != SessionKind.SIMULATION:
            kind = SessionKind.RETRY  # a phase retry is never recorded as a finished interview
        engine.open_index()
        if minutes is None:
            minutes = engine.lib.default_minutes(phases)
        if not 5 <= float(minutes) <= 180:
            raise UsageError("minutes must be between 5 and 180")
        b = engine.resolve_brain(brain)
        sid = session_id or time.strftime("%Y%m%d-%H%M%S") + "-" + uuid.uuid4().hex[:6]
        engine.store.add(sid, case, str(level), str(persona), float(minutes), str(b), [str(p) for p in phases], kind)
        s = cls(engine, sid, b, clock or WallClock(), on_event)
        s._run(initial_state(sid, case, str(level), str(persona), minutes, [str(p) for p in phases]))
        return s

    @classmethod
    def resume(cls, engine: Engine, sid: str, clock: Clock | None = None, on_event: EventSink | None = None, brain: str | None = None) -> "Session":
        row = session_row(engine, sid)
        b = engine.resolve_brain(brain) if brain else BrainKind(row["brain"])
        engine.open_index()
        s = cls(engine, row["id"], b, clock or WallClock(), on_event)
        snap = engine.graph.get_state(s.config)
        if not snap.values:
            # killed before the first checkpoint: start it afresh under the same id
            phases = json.loads(row["phases"])
            s._run(initial_state(row["id"], row["case_id"], row["level"], row["persona"], row["minutes"], phases))
        elif snap.next and not snap.interrupts:
            s._run(None)  # killed or failed between steps: finish the step that was under way (its line is answered)
        s.grading.regrade_missing(s._state())
        return s

    # ---- reading
    def _state(self) -> dict[str, Any]:
        return dict(self.engine.graph.get_state(self.config).values)

    def view(self) -> SessionView:
        """Where the interview stands, as the front ends read it."""
        st = self._state()
        return SessionView.of(st, self._budgets(st), self.brain_kind)

    @property
    def state(self) -> dict[str, Any]:
        """The raw graph state, for engine-side tools (simulations, evals, benches); front ends use `view()`."""
        return self._state()

    def budgets(self) -> dict[str, float]:
        return self._budgets(self._state())

    @property
    def phase(self) -> str | None:
        return self.view().phase

    @property
    def finished(self) -> bool:
        return self._state().get("status") == "finished"

    @property
    def transcript(self) -> list[dict[str, Any]]:
        return list(self._state().get("transcript", []))

    def _budgets(self, st: dict[str, Any]) -> dict[str, float]:
        return {p: budget(st, self.engine.lib, p) for p in st.get("phases", [])}  # type: ignore[arg-type]

    # ---- turns
    def _emit(self, ev: Event) -> None:
        if self.on_event:
            self.on_event(ev)

    def _stream(self, inp: Any, events: list[Event], **kw: Any) -> None:
        for ev in self.engine.graph.stream(inp, self.config, context=self.ctx, stream_mode="custom", durability="sync", **kw):
            if isinstance(ev, EVENT_TYPES):
                events.append(ev)
                self._emit(ev)

    def _run(self, inp: Any, record: bool = False) -> list[Event]:
        """Run the graph from `inp` to the next interrupt (or the end).

        With `record`, `inp` is the candidate's line: the graph stops right after `listen` has put it in
        the state, that checkpoint is written, `Saved` is emitted, and only then does the step go on (the
        assessment, model calls, the reply). A step that fails or is killed after `Saved` is finished by
        `replay()` (which `send` and `resume` call first), so the line is answered, never lost."""
        events: list[Event] = []
        with self._lock:
            before = self.engine.graph.get_state(self.config).values or {}
            if record:
                self._stream(inp, events, interrupt_after=[LISTEN])
                turn = next((t for t in reversed(self._state().get("transcript", [])) if t["role"] == "candidate"), None)
                if turn is not None:
                    ev = Saved(dict(turn))
                    events.append(ev)
                    self._emit(ev)
                inp = None
            self._stream(inp, events)
            after = self._state()
            self.clock.mark()
            self.engine.store.touch(self.id)
            self.engine.compact(self.id)
            # phases that closed during this step are graded in the background
            if before:
                for ph in after.get("phases", [])[before.get("phase_i", 0) : after.get("phase_i", 0)]:
                    self.grading.grade_async(ph, after)
            if after.get("status") == "finished" and self.finished_card is None:
                t_end = time.perf_counter()
                card = self._save_finished(after)
                self.scorecard_seconds = time.perf_counter() - t_end
                ev = Finished(card)
                events.append(ev)
                self._emit(ev)
        return events

    @property
    def model_calls_off(self) -> bool:
        """The LLM brain's endpoint failed often enough that model calls are off: the rest runs offline (the
        header had kept saying "llm brain" after the breaker notice)."""
        client = self.engine._client
        return self.brain_kind == BrainKind.LLM and client is not None and client.breaker_reason is not None

    @property
    def pending(self) -> bool:
        """A step was cut short (it failed, or the process was killed) after the candidate's line was saved."""
        snap = self.engine.graph.get_state(self.config)
        return bool(snap.values) and bool(snap.next) and not snap.interrupts

    def replay(self) -> list[Event]:
        """Finish a step that was cut short: the saved line is answered now. No-op when none was."""
        with self._lock:
            return self._run(None) if self.pending else []

    def send(self, text: str) -> list[Event]:
        """Send one candidate line; returns (and emits) the events it caused.

        A step cut short before is finished first (its line is answered before this one is taken). The
        line is checkpointed (`Saved`) before the interviewer's reply is made."""
        with self._lock:
            events = self.replay()
            if self.finished:
                raise SessionError("this interview has finished")
            # sanitised, capped and redacted before LangGraph stores the resume value in its checkpoint
            clean, cut = sanitize(text if isinstance(text, str) else str(text))
            return events + self._run(Command(resume={"text": redact(clean, self.ctx.secrets), "cut": cut}), record=True)

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
            except BaseException as e:
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

    # ---- the scorecard
    def scorecard(self) -> Scorecard:
        """The scorecard as it stands (the saved one once the interview has finished). Writes nothing."""
        if self.finished_card is not None:
            return self.finished_card
        return self._assemble(self._state(), save=False)

    def _save_finished(self, st: dict[str, Any]) -> Scorecard:
        """The finished interview's scorecard: assembled, exported and recorded once."""
        card = self._assemble(st)
        self.finished_card = card
        export(card, self.engine.home / "reports", self.engine.settings.secrets())
        self.engine.store.finish(self.id, card)
        self._record_drills(st, card)
        return card

    def _record_drills(self, st: dict[str, Any], card: Scorecard) -> None:
        """The drills this interview or phase retry calls for (never a simulation's). A failure here never
        costs the scorecard: `drills.catch_up` records the interview on the next `mlsd drills`."""
        if (self.engine.store.get(self.id) or {}).get("kind", SessionKind.INTERVIEW) == SessionKind.SIMULATION:
            return
        from .drills import DrillBook, record_interview

        try:
            book = DrillBook(self.engine.home)
            try:
                record_interview(book, card, candidate_text(st), self.engine.bank)
            finally:
                book.close()
        except Exception as e:  # recorded later by catch_up
            import logging

            logging.getLogger(__name__).warning("drills not recorded yet (mlsd drills will): %s", e)

    def _assemble(self, st: dict[str, Any], save: bool = True) -> Scorecard:
        grades, cross = self.grading.collect(st, save)
        store = self.engine.store
        row = store.get(self.id) or {}
        created = row.get("created", time.time())
        # a retry is compared with interviews, a simulated one (a scripted run of fewer phases) with simulations
        history = store.history(st["case_id"], created, self.id, row.get("kind") or session_kind(None, st.get("phases")))
        previous = None
        if len(st["phases"]) == 1:
            prev = store.previous_phase(st["case_id"], st["phases"][0], created, self.id)
            previous = {st["phases"][0]: prev} if prev else None
        notices = [n["text"] for n in st.get("notices", []) if n.get("kind") in ("fallback", "index")] + [g.notice for g in grades if g.notice]
        return build_scorecard(
            lib=self.engine.lib,
            session_id=self.id,
            case=st["case_id"],
            target_level=st["level"],
            persona=st["persona"],
            brain=self.brain_kind,
            phase_grades=grades,
            cross=cross,
            phase_minutes=st.get("phase_minutes", {}),
            budgets=self._budgets(st),
            follow_ups=st.get("follow_ups", {}),
            hints=st.get("hints", []),
            index_search=lambda q, p, c, k: self.engine.index.search(q, phase=p, case=c, k=k),
            history=history,
            previous=previous,
            notices=notices,
            minutes_used=st.get("elapsed", 0.0),
            minutes_planned=st.get("minutes"),
            answers=sum(1 for t in st.get("transcript", []) if t.get("role") == Role.CANDIDATE and t.get("kind") in (TurnKind.ANSWER, TurnKind.QUESTION)),
            kind=session_kind(row.get("kind"), st.get("phases")),
        )


def session_row(engine: Engine, sid: str) -> dict[str, Any]:
    """The store's row of a session, by its id or a prefix of it that only one session has; a SessionError
    says which sessions a shorter prefix matches ("20261203" had said there was no such session)."""
    row = engine.store.get(sid) if sid else None
    if row is not None:
        return row
    ids = engine.store.matching(sid) if sid else []
    if len(ids) > 1:
        listed = ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
        raise SessionError(f"{sid!r} starts {len(ids)} session ids ({listed}); give more of the id")
    row = engine.store.get(ids[0]) if ids else None
    if row is None:
        raise SessionError(f"no session {sid!r}; `mlsd sessions` lists them")
    return row


def load_report(engine: Engine, sid: str) -> Scorecard:
    row = session_row(engine, sid)
    path = engine.home / "reports" / f"{row['id']}.json"
    if not path.exists():
        raise SessionError(f"session {row['id']} has no scorecard yet (status: {row['status']}); resume it with `mlsd interview --resume {row['id']}`")
    return Scorecard.model_validate_json(path.read_text())
