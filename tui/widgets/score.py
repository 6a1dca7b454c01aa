"""Small renderers for scores: coloured scores, text bars and spark trends (deterministic text)."""
from __future__ import annotations

from rich.text import Text

SPARKS = "▁▂▃▄▅▆▇█"
SIGNAL_STYLE = {
    "strong no hire": "bold red",
    "no hire": "red",
    "lean hire": "yellow",
    "hire": "green",
    "strong hire": "bold green",
}
SCORE_STYLE = {1: "red", 2: "yellow", 3: "green", 4: "bold green"}


def score_text(score: int | float | None) -> Text:
    """A criterion score 1–4, or – for insufficient evidence."""
    if score is None:
        return Text("–", style="dim")
    if isinstance(score, float) and not score.is_integer():
        return Text(f"{score:.2f}", style=SCORE_STYLE.get(int(round(score)), ""))
    return Text(str(int(score)), style=SCORE_STYLE.get(int(score), ""))


def bar(score: float, width: int = 20, top: float = 4.0) -> Text:
    """A horizontal bar for a score out of `top`."""
    frac = max(0.0, min(1.0, score / top))
    full = int(round(frac * width))
    style = SCORE_STYLE.get(max(1, min(4, int(score + 0.5))), "")
    return Text.assemble(("█" * full, style), ("░" * (width - full), "dim"))


def spark(values: list[float], low: float = 1.0, high: float = 4.0) -> str:
    """A tiny trend line of scores (1–4 by default)."""
    if not values:
        return ""
    span = max(high - low, 1e-9)
    return "".join(SPARKS[max(0, min(7, int((v - low) / span * 7 + 0.5)))] for v in values)


def trend_text(earlier: list[float], now: float) -> Text:
    """The phase's trend over earlier attempts at this case: sparkline, values and direction."""
    if not earlier:
        return Text("first attempt", style="dim")
    series = earlier + [now]
    delta = now - earlier[-1]
    arrow, style = ("↑", "green") if delta > 0.05 else ("↓", "red") if delta < -0.05 else ("→", "dim")
    return Text.assemble((spark(series), "cyan"), " ", " → ".join(f"{v:.1f}" for v in series[-4:]), " ", (arrow, style))
