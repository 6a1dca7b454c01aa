"""The one place the TUI meets the engine.

Everything here that touches torch, sentence-transformers, chromadb or langgraph is imported
lazily and must be called from a thread worker, never from the event loop. The screens only see
`Backend`, `InterviewRequest` and the `SessionLike` protocol (the subset of
`interviewer.session.Session` the UI uses), so tests can hand in a fake backend.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Protocol, TypeVar

if TYPE_CHECKING:  # pragma: no cover - types only; importing these is what we avoid at startup
    from interviewer.content import Library
    from interviewer.events import Event
    from interviewer.scorecard import Scorecard
    from interviewer.session import Engine
    from interviewer.settings import Settings
    from interviewer.store import Store
    from interviewer.view import SessionView

from interviewer.domain import BrainKind, Level, Persona

T = TypeVar("T")

LEVELS = tuple(Level)
PERSONAS = tuple(Persona)
BRAINS = (BrainKind.OFFLINE, BrainKind.LLM)
DEFAULT_MINUTES = 45.0  # what the setup screen offers (the sum of the seven phase budgets)

EventSink = Callable[["Event"], None]


@dataclass(frozen=True)
class InterviewRequest:
    """What to interview on: a new case, or a session to resume."""

    case: str | None = None
    level: str = Level.SENIOR
    persona: str = Persona.NEUTRAL
    minutes: float | None = None  # None: the phases' own budgets (45 for a whole interview, less for a phase retry)
    brain: str = BrainKind.AUTO
    resume: str | None = None
    phase: str | None = None

    def with_resume(self, sid: str) -> "InterviewRequest":
        return replace(self, resume=sid)


class SessionLike(Protocol):
    """What the UI uses of `interviewer.session.Session`."""

    id: str
    brain_kind: str
    on_event: EventSink | None

    def view(self) -> "SessionView": ...

    @property
    def finished(self) -> bool: ...

    def send(self, text: str) -> list[Any]: ...

    def scorecard(self) -> "Scorecard": ...


class WarmUpStopped(Exception):
    """The warm-up gave up because the app is closing."""


class Backend:
    """Lazily creates one `Engine` per app and opens sessions on it. Blocking: call from threads."""

    CLOSE_WAIT = 30.0  # seconds `close` waits for a turn under way to be checkpointed

    def __init__(self) -> None:
        self._engine: Engine | None = None
        self._lock = threading.Lock()
        self._closed = False
        self._in_flight = 0
        self._idle = threading.Condition()
        # the warm-up under way, from whichever thread runs it: (what, done, total); None when idle
        self.warming: tuple[str, int, int] | None = None

    # ---- light parts (pydantic, yaml): fine in a worker, well under a second
    def settings(self, brain: str | None = None) -> "Settings":
        from interviewer.settings import Settings

        if brain in BRAINS:
            return Settings(brain=brain)
        return Settings()

    def brain_line(self, brain: str | None) -> tuple[str, str]:
        """The brain that will be used for this choice, and why."""
        s = self.settings(brain)
        return s.resolved_brain(), s.brain_reason()

    def library(self) -> "Library":
        from interviewer.content import library

        return library()

    def home(self) -> Path:
        return self.settings().ensure_home()

    # ---- the engine: imports langgraph, chromadb, sentence-transformers
    @property
    def engine_loaded(self) -> bool:
        return self._engine is not None

    def engine(self) -> "Engine":
        with self._lock:
            if self._closed:
                raise RuntimeError("the app is closing")
            if self._engine is None:
                from interviewer.session import Engine

                self._engine = Engine(self.settings())
            return self._engine

    def preload(self) -> None:
        """Create the engine and warm it in the background while the candidate is choosing."""
        try:
            self.warm(None)
        except WarmUpStopped:
            pass

    def warm(self, case: str | None) -> None:
        """Load the index and the embedding model so the first answer is not the slow one; the steps
        (notes embedded of all, when the index is built) are readable meanwhile in `warming`."""

        def step(what: str, done: int, total: int) -> None:
            if self._closed:  # quitting: a first start's long steps stop here rather than hold the exit up
                raise WarmUpStopped("the app is closing")
            self.warming = (what, done, total)

        try:
            self.engine().warm(case, progress=step)
        finally:
            self.warming = None

    def start(self, req: InterviewRequest, on_event: EventSink) -> SessionLike:
        from interviewer.session import Session

        if not req.case:
            raise ValueError("a new interview needs a case")
        return Session.start(
            self.engine(),
            req.case,
            level=req.level,
            persona=req.persona,
            minutes=req.minutes,
            brain=req.brain,
            phases=[req.phase] if req.phase else None,
            on_event=on_event,
        )

    def resume(self, sid: str, on_event: EventSink) -> SessionLike:
        from interviewer.session import Session

        return Session.resume(self.engine(), sid, on_event=on_event)

    def open(self, req: InterviewRequest, on_event: EventSink) -> SessionLike:
        return self.resume(req.resume, on_event) if req.resume else self.start(req, on_event)

    @contextmanager
    def turn(self) -> Iterator[None]:
        """Mark a `Session.send` under way, so that `close` lets it reach its checkpoint."""
        with self._idle:
            self._in_flight += 1
        try:
            yield
        finally:
            with self._idle:
                self._in_flight -= 1
                self._idle.notify_all()

    # ---- history
    def _read_store(self, read: Callable[["Store"], T]) -> T:
        """Read the session store: the open engine's, else a short-lived connection (no engine started)."""
        if self._engine is not None:
            return read(self._engine.store)
        from interviewer.store import Store

        store = Store(self.home())
        try:
            return read(store)
        finally:
            store.db.close()

    def sessions(self) -> list[dict[str, Any]]:
        return self._read_store(lambda store: store.list())

    def drills_summary(self) -> tuple[int, int]:
        """(drills due today, drills coming later); SQLite only, no engine."""
        from interviewer.drills import DrillBook

        book = DrillBook(self.home())
        try:
            queue = book.queue()
            today = book.today()
        finally:
            book.close()
        due = sum(1 for d in queue if d.due is not None and d.due <= today)
        return due, len(queue) - due

    def phase_scores(self) -> list[tuple[str, float, dict[str, float]]]:
        """Every finished interview with its score per phase, oldest first (`Store.phase_scores`)."""
        return self._read_store(lambda store: store.phase_scores())

    def load_report(self, sid: str) -> "Scorecard":
        from interviewer.session import load_report

        return load_report(self.engine(), sid)

    def close(self) -> None:
        """Wait for a turn under way (bounded), then close the engine; no engine is created after."""
        with self._idle:
            self._idle.wait_for(lambda: self._in_flight == 0, timeout=self.CLOSE_WAIT)
        with self._lock:
            self._closed = True
            if self._engine is not None:
                self._engine.close()
                self._engine = None
