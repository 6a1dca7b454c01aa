"""The interview clock: minutes left for the whole interview, from the session's elapsed minutes
plus the wall time since the last turn."""
from __future__ import annotations

from textual.reactive import reactive
from textual.widgets import Static


def format_left(minutes_left: float) -> str:
    secs = int(round(abs(minutes_left) * 60))
    mm, ss = divmod(secs, 60)
    return f"{mm:02d}:{ss:02d} " + ("left" if minutes_left >= 0 else "over")


class Countdown(Static):
    DEFAULT_CSS = """
    Countdown { width: auto; padding: 0 1; text-style: bold; }
    Countdown.-low { color: $warning; }
    Countdown.-over { color: $error; }
    """

    minutes_left: reactive[float | None] = reactive(None)

    def render(self) -> str:
        if self.minutes_left is None:
            return "--:-- left"
        return format_left(self.minutes_left)

    def watch_minutes_left(self, value: float | None) -> None:
        self.set_class(value is not None and 0 <= value <= 5, "-low")
        self.set_class(value is not None and value < 0, "-over")
