"""One clock interface: wall time in the TUI, a virtual clock in simulations (advanced by words spoken)."""
from __future__ import annotations

import time
from typing import Protocol

from .text import word_count

WORDS_PER_MINUTE = 130.0
THINK_MINUTES = 0.9  # thinking and sketching before an answer; counted once per substantive answer
ASK_MINUTES = 0.25  # the pause before a question or a short reply
MAX_WALL_TURN = 15.0  # a pause longer than this (a break, a closed laptop) counts as this much
MAX_SPOKEN_TURN = 3.0  # a paste is pasted, not read aloud: one turn never costs more than this


class Clock(Protocol):
    kind: str

    def candidate_turn(self, text: str) -> float:
        """Minutes the candidate's turn took."""

    def interviewer_turn(self, text: str) -> float:
        """Minutes the interviewer's line took."""

    def mark(self) -> None:
        """The interviewer has finished speaking; the candidate's time starts now."""


class VirtualClock:
    """Deterministic: minutes = words / 130 (+ a short pause per candidate turn)."""

    kind = "virtual"

    def __init__(self, wpm: float = WORDS_PER_MINUTE, think: float = THINK_MINUTES):
        self.wpm = wpm
        self.think = think

    def candidate_turn(self, text: str) -> float:
        n = word_count(text)
        pause = self.think if n >= 25 else ASK_MINUTES
        return min(pause + n / self.wpm, MAX_SPOKEN_TURN)

    def interviewer_turn(self, text: str) -> float:
        return min(word_count(text) / self.wpm, MAX_SPOKEN_TURN)

    def mark(self) -> None:
        return None


class WallClock:
    """Real time: a candidate turn lasts from the moment the last interviewer line was shown."""

    kind = "wall"

    def __init__(self) -> None:
        self._mark = time.monotonic()

    def candidate_turn(self, text: str) -> float:
        return min((time.monotonic() - self._mark) / 60.0, MAX_WALL_TURN)

    def interviewer_turn(self, text: str) -> float:
        return 0.0  # already inside the wall time between marks

    def mark(self) -> None:
        self._mark = time.monotonic()
