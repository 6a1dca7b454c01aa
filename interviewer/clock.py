"""One clock interface: wall time in the TUI, a virtual clock in simulations (advanced by words spoken)."""
from __future__ import annotations

import time
from typing import Protocol

from .text import word_count

WORDS_PER_MINUTE = 130.0
THINK_MINUTES = 0.6  # thinking before a substantive answer, plus sketching time that grows with its length
SKETCH_WORDS_PER_MINUTE = 120.0  # a structured answer is drawn as well as said: one more minute per 120 words
ASK_MINUTES = 0.3  # the pause before a question or a short reply
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
    """Deterministic: minutes = words / 130 spoken, plus a pause per candidate turn (thinking, and for a
    substantive answer sketching time proportional to its length); one turn costs at most 3 minutes."""

    kind = "virtual"

    def __init__(self, wpm: float = WORDS_PER_MINUTE, think: float = THINK_MINUTES):
        self.wpm = wpm
        self.think = think

    def candidate_turn(self, text: str) -> float:
        n = word_count(text)
        pause = self.think + n / SKETCH_WORDS_PER_MINUTE if n >= 25 else ASK_MINUTES
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
