"""The real `tui.backend.Backend` warm-up against an engine stand-in: quitting stops a long first-start warm-up."""
from __future__ import annotations

import threading
import time

from tui.backend import Backend


class SlowWarmEngine:
    """Warms in 400 steps of 10 ms (a first start embedding a few thousand lines, in small steps)."""

    def __init__(self) -> None:
        self.steps = 0
        self.closed = False

    def warm(self, case, progress=None) -> None:
        for i in range(400):
            progress("embedding the interviewer's questions", i, 400)
            self.steps += 1
            time.sleep(0.01)

    def close(self) -> None:
        self.closed = True


def test_closing_stops_the_warm_up_at_its_next_step():
    backend = Backend()
    engine = SlowWarmEngine()
    backend._engine = engine  # type: ignore[assignment]
    worker = threading.Thread(target=backend.preload)
    worker.start()
    deadline = time.monotonic() + 5
    while engine.steps < 5 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert backend.warming is not None and backend.warming[0].startswith("embedding")
    backend.close()
    worker.join(timeout=2)
    assert not worker.is_alive(), "the warm-up still ran after the app closed"
    assert engine.closed and engine.steps < 400
    assert backend.warming is None


def test_an_open_app_warms_to_the_end():
    backend = Backend()
    engine = SlowWarmEngine()
    backend._engine = engine  # type: ignore[assignment]
    backend.preload()
    assert engine.steps == 400 and backend.warming is None
