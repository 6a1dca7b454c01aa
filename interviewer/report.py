"""The exported report: the scorecard as Markdown with PNG pictures beside it, or as one self-contained
HTML file with the pictures inline; and the same trend as text (sparklines) for the terminal.

Two pictures (matplotlib, Agg backend, made only when asked for):
- the phase profile: this interview's score per phase beside the mean of the earlier interviews
  (finished, of the same kind, any case), with how many earlier interviews each mean is over;
- the trend per phase: each phase's score in every finished interview up to this one, in order.
"""
from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from .domain import PHASES, SHORT_LABEL
from .scorecard import Scorecard, to_markdown, write_private, write_private_bytes

SPARK = "▁▂▃▄▅▆▇█"
LOW, HIGH = 1.0, 4.0  # the score scale


@dataclass
class History:
    """Per-phase scores: `earlier` from the interviews before this one, `trend` up to and including it."""

    current: dict[str, float]
    earlier: dict[str, list[float]]
    trend: dict[str, list[float]]
    labels: list[str]  # one per interview in the trend, oldest first
    trend_x: dict[str, list[int]] = field(default_factory=dict)  # the interview (index into labels) of each trend value


def history_for(card: Scorecard, sessions: Sequence[tuple[str, float, dict[str, float]]]) -> History:
    """`sessions` as `Store.phase_scores` returns them (oldest first); this card's session is placed where
    it falls (or last when it is not among them) and only what came before it counts as earlier."""
    import time

    current = {p.id: round(p.score, 3) for p in card.phases if p.id in PHASES and p.reached}
    ids = [s[0] for s in sessions]
    upto = ids.index(card.session_id) if card.session_id in ids else len(sessions)
    before = sessions[:upto]
    earlier: dict[str, list[float]] = {}
    trend: dict[str, list[float]] = {}
    labels: list[str] = []
    xs: dict[str, list[int]] = {}
    for i, (_sid, created, scores) in enumerate(list(before) + [(card.session_id, sessions[upto][1] if upto < len(sessions) else time.time(), current)]):
        labels.append(time.strftime("%b %d", time.localtime(created)))
        for ph in PHASES:
            if ph in scores:
                trend.setdefault(ph, []).append(scores[ph])
                xs.setdefault(ph, []).append(i)
    for _sid, _created, scores in before:
        for ph in PHASES:
            if ph in scores:
                earlier.setdefault(ph, []).append(scores[ph])
    return History(current=current, earlier=earlier, trend=trend, labels=labels, trend_x=xs)


# ---------------------------------------------------------------------- text


def sparkline(values: Sequence[float], lo: float = LOW, hi: float = HIGH) -> str:
    """One block character per value on the 1-4 scale."""
    out = []
    for v in values:
        x = (min(max(v, lo), hi) - lo) / (hi - lo)
        out.append(SPARK[min(int(round(x * (len(SPARK) - 1))), len(SPARK) - 1)])
    return "".join(out)


def trend_lines(trend: dict[str, list[float]], width: int = 12) -> list[str]:
    """One line per phase: its label, a sparkline of its last `width` scores, first and last score."""
    lines = []
    for ph in PHASES:
        vals = trend.get(ph, [])
        if not vals:
            continue
        vals = vals[-width:]
        change = f"{vals[0]:.1f} → {vals[-1]:.1f}" if len(vals) > 1 else f"{vals[-1]:.1f}"
        lines.append(f"{SHORT_LABEL[ph]:<9} {sparkline(vals):<{width}} {change}")
    return lines


BAR = " ▏▎▍▌▋▊▉█"


def bar(value: float, width: int = 8, hi: float = HIGH) -> str:
    """A horizontal bar, `width` cells for `hi`, in eighths of a cell."""
    eighths = int(round(min(max(value, 0.0), hi) / hi * width * 8))
    full, part = divmod(eighths, 8)
    return ("█" * full + (BAR[part] if part else "")).ljust(width)


def profile_of(sid: str, sessions: Sequence[tuple[str, float, dict[str, float]]]) -> tuple[dict[str, float], dict[str, list[float]]]:
    """This session's score per phase and every earlier session's scores per phase (`sessions` oldest
    first, as `Store.phase_scores` returns them); nothing when the session is not among them."""
    ids = [s[0] for s in sessions]
    if sid not in ids:
        return {}, {}
    upto = ids.index(sid)
    earlier: dict[str, list[float]] = {}
    for _sid, _created, scores in sessions[:upto]:
        for ph, v in scores.items():
            earlier.setdefault(ph, []).append(v)
    return dict(sessions[upto][2]), earlier


def profile_lines(current: dict[str, float], earlier: dict[str, list[float]]) -> list[str]:
    """One line per graded phase: a bar of this interview's score, the score, and beside it the mean of
    the earlier interviews with how many there were and the change (text, so it fits any terminal)."""
    lines = []
    for ph in PHASES:
        if ph not in current:
            continue
        v = current[ph]
        before = earlier.get(ph) or []
        line = f"{SHORT_LABEL[ph]:<8} {bar(v, 6)} {v:.1f}"
        if before:
            mean = sum(before) / len(before)
            line += f" vs {mean:.1f} (n={len(before)}) {v - mean:+.1f}"
        lines.append(line)
    return lines


def phase_trends(sessions: Sequence[tuple[str, float, dict[str, float]]]) -> dict[str, list[float]]:
    """Each phase's scores over the finished interviews, oldest first."""
    out: dict[str, list[float]] = {}
    for _sid, _created, scores in sessions:
        for ph in PHASES:
            if ph in scores:
                out.setdefault(ph, []).append(scores[ph])
    return out


# ---------------------------------------------------------------------- pictures


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    _plt().close(fig)
    return buf.getvalue()


def profile_png(h: History) -> bytes:
    plt = _plt()
    phases = [p for p in PHASES if p in h.current]
    fig, ax = plt.subplots(figsize=(7.5, 3.4))
    xs = range(len(phases))
    has_earlier = any(h.earlier.get(p) for p in phases)
    w = 0.38 if has_earlier else 0.6
    ax.bar([x - (w / 2 if has_earlier else 0) for x in xs], [h.current[p] for p in phases], width=w, label="this interview", color="#3b6ea8")
    if has_earlier:
        means = [sum(h.earlier[p]) / len(h.earlier[p]) if h.earlier.get(p) else 0.0 for p in phases]
        ax.bar([x + w / 2 for x in xs], means, width=w, label="mean of earlier interviews", color="#b9c4d0")
        for x, p in zip(xs, phases):
            n = len(h.earlier.get(p, []))
            if n:
                ax.annotate(f"n={n}", (x + w / 2, means[x]), ha="center", va="bottom", fontsize=7, color="#555")
    ax.set_xticks(list(xs), [SHORT_LABEL[p] for p in phases])
    ax.set_ylim(0, 4.3)
    ax.set_yticks([1, 2, 3, 4])
    ax.axhline(3, color="#999", lw=0.8, ls="--")
    ax.set_ylabel("score (1-4)")
    ax.set_title("Phase profile" + ("" if has_earlier else " (no earlier interviews yet)"))
    ax.legend(loc="upper right", fontsize=8, frameon=False)
    return _png(fig)


def trend_png(h: History) -> bytes:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7.5, 3.4))
    n = len(h.labels)
    for ph in PHASES:
        vals = h.trend.get(ph)
        if not vals:
            continue
        ax.plot(h.trend_x.get(ph, list(range(len(vals)))), vals, marker="o", ms=3, lw=1.4, label=SHORT_LABEL[ph])
    ax.set_xticks(list(range(n)), h.labels, rotation=45 if n > 6 else 0, fontsize=7)
    ax.set_ylim(0.8, 4.2)
    ax.set_yticks([1, 2, 3, 4])
    ax.set_ylabel("score (1-4)")
    ax.set_title(f"Trend per phase over {n} interview{'s' if n != 1 else ''}")
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8, frameon=False)
    return _png(fig)


def pictures(h: History) -> dict[str, bytes]:
    """The report's pictures by name (none when no phase was graded)."""
    if not h.current:
        return {}
    return {"profile": profile_png(h), "trend": trend_png(h)}


def caption(name: str) -> str:
    from . import prompts as P

    return P.get("report", name)


def _pictures_md(links: dict[str, str], h: History) -> str:
    if not links:
        return "\n## Pictures\n\n- none: no phase was graded\n"
    out = ["", "## Pictures", ""]
    for name, link in links.items():
        out += [f"![{caption(name)}]({link})", ""]
    lines = trend_lines(h.trend)
    if lines:
        out += ["```", *lines, "```", ""]
    return "\n".join(out)


def markdown(card: Scorecard, links: dict[str, str], h: History) -> str:
    """The scorecard's Markdown with a pictures section linking `links` (name -> path or URL)."""
    return to_markdown(card) + _pictures_md(links, h)


def write_markdown(card: Scorecard, h: History, path: Path, secrets: list[str] | None = None) -> list[Path]:
    """Write the Markdown report to `path` and its PNGs beside it (`<stem>-profile.png`, ...); returns the files."""
    path = Path(path)
    pics = pictures(h)
    written: list[Path] = []
    links: dict[str, str] = {}
    for name, data in pics.items():
        png = path.with_name(f"{path.stem}-{name}.png")
        write_private_bytes(png, data)
        written.append(png)
        links[name] = png.name
    written.insert(0, write_private(path, markdown(card, links, h), secrets))
    return written


_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:62rem;margin:2rem auto;padding:0 1rem;color:#1d232a;line-height:1.45}
table{border-collapse:collapse;margin:.6rem 0;font-size:.92rem}th,td{border:1px solid #d0d7de;padding:.25rem .5rem;vertical-align:top}
th{background:#f3f5f7}code,pre{background:#f3f5f7;border-radius:4px}pre{padding:.6rem;overflow:auto}img{max-width:100%}
h1{font-size:1.6rem}h2{border-bottom:1px solid #d0d7de;padding-bottom:.2rem}
"""


def to_html(card: Scorecard, h: History, secrets: list[str] | None = None) -> str:
    """One self-contained HTML document: the scorecard rendered from its Markdown (raw HTML in it is
    escaped, never passed through), the pictures inline as data URIs, no external reference."""
    from markdown_it import MarkdownIt

    from .text import redact

    links = {name: "data:image/png;base64," + base64.b64encode(data).decode("ascii") for name, data in pictures(h).items()}
    md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
    # self-contained: the only URLs allowed are the inline PNGs made here (a link in a quote stays text)
    md.validateLink = lambda url: url.startswith("data:image/png;base64,")  # type: ignore[method-assign]
    body = md.render(redact(markdown(card, links, h), secrets or []))
    title = html.escape(f"Scorecard — {card.case_title}")
    return f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{title}</title><style>{_CSS}</style></head>\n<body>\n{body}</body></html>\n'


def write_html(card: Scorecard, h: History, path: Path, secrets: list[str] | None = None) -> Path:
    return write_private(Path(path), to_html(card, h, secrets), None)
