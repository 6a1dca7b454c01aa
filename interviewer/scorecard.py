"""The scorecard: per phase and criterion, overall score, hire signal, level, strengths, gaps, study notes.

Overall score: phases weighted by their time budget (85%) plus the cross-cutting criteria (15%),
minus 0.05 per hint used. Hire signal thresholds are for the target level; mid is 0.3 lower and
staff 0.3 higher. The level estimate is the highest level whose hire bar the score clears; under
mid's lean-hire bar it is shown as "below mid" (`level` stays "mid" and `below_level_bar` is set).
Confidence grows with the evidence behind the score: the criteria scored with a quote, the minutes
and candidate answers the interview had, the phases it covered, and how far the score sits from a
hire bar (the rule is spelt out above `confidence`). A short interview is never above "medium"; a
single-phase retry (or any session that skipped phases) is never above "low"; two LLM grading
samples that disagree lower it. `Overall.confidence_reasons` says what held it down.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from . import prompts as P
from .content import Library
from .domain import CROSS_CUTTING, PHASES, Level, Persona
from .grading import CriterionGrade, PhaseGrade
from .paths import private_dir
from .text import content_words, plural, redact

SIGNALS = ("strong no hire", "no hire", "lean hire", "hire", "strong hire")
BARS = (1.9, 2.4, 2.8, 3.3)  # senior: score >= bar[i] earns SIGNALS[i+1]
LEVEL_SHIFT = {Level.MID: -0.3, Level.SENIOR: 0.0, Level.STAFF: 0.3}
HINT_COST = 0.05
STUDY_SPARE = 3  # notes sections looked up beyond those shown, so that ones on another kind of problem can be passed over
CROSS_SHARE = 0.15
HIGH, MEDIUM = 0.7, 0.45  # confidence labels: high at HIGH and above, medium at MEDIUM and above, else low
FULL_MINUTES_SHARE = 2 / 3  # an interview that used less than this share of its planned minutes is short (< 30 of 45)
MIN_ANSWERS = 10  # fewer candidate answers than this is a short interview
DISAGREEMENT_FACTOR = 0.8  # LLM grading samples that disagreed on some phase


class Overall(BaseModel):
    score: float
    hire_signal: str
    level: str
    confidence: float
    confidence_label: str
    target_level: str
    confidence_reasons: list[str] = Field(default_factory=list)  # what held the confidence down
    below_level_bar: bool = False  # the score is under even the lowest level's hire bar

    @property
    def level_text(self) -> str:
        return shown_level(self.level, self.below_level_bar)


def shown_level(level: str, below: bool) -> str:
    """The level as shown: mid is the lowest level estimated, so a score under its bar says so ("below mid")."""
    return f"below {level}" if below else level


def not_reached() -> str:
    """What a phase the interview ended before shows in place of its score."""
    return P.get("report", "not_reached")


class PhaseCard(BaseModel):
    id: str
    title: str
    score: float
    minutes: float | None = None
    budget: float | None = None
    follow_ups: int = 0
    criteria: list[CriterionGrade]
    trend: list[float] = Field(default_factory=list)
    previous: dict[str, int | None] | None = None  # a phase retry: the earlier grade per criterion
    reached: bool = True  # False: the interview ended before this phase (nothing shown; it counts as 1)


class Point(BaseModel):
    criterion: str
    phase: str
    title: str
    score: int | None
    quote: str | None = None  # the candidate's own words, verbatim
    advice: str | None = None  # what was shown and what the next level needs (the grader's rationale)
    study: list[str] = Field(default_factory=list)
    reference: list[str] = Field(default_factory=list)


class Scorecard(BaseModel):
    session_id: str
    case: str
    case_title: str
    persona: str = Persona.NEUTRAL.value
    brain: str = "offline"
    minutes_used: float = 0.0
    overall: Overall
    phases: list[PhaseCard]
    cross_cutting: list[CriterionGrade] = Field(default_factory=list)
    strengths: list[Point] = Field(default_factory=list)
    gaps: list[Point] = Field(default_factory=list)
    hints: list[dict[str, Any]] = Field(default_factory=list)
    study: list[str] = Field(default_factory=list)
    study_titles: dict[str, str] = Field(default_factory=dict)  # a study note's section heading, as written
    next_level: list[Point] = Field(default_factory=list)  # criteria at 3: what level 4 adds (strong candidates too)
    outline: dict[str, list[str]] = Field(default_factory=dict)  # the case's reference outline, per phase
    notices: list[str] = Field(default_factory=list)
    kind: str = "interview"  # "retry": one phase retried, not a finished interview
    answers: int | None = None  # candidate answers the scorecard rests on
    minutes_planned: float | None = None

    def public(self) -> dict[str, Any]:
        d = self.model_dump()
        d["phases"] = [
            {**p, "criteria": [{k: c[k] for k in ("id", "score", "evidence", "rationale", "title", "weight")} for c in p["criteria"]]} for p in d["phases"]
        ]
        return d


def hire_signal(score: float, target: str) -> str:
    shift = LEVEL_SHIFT.get(target, 0.0)
    idx = sum(1 for b in BARS if score >= b + shift)
    return SIGNALS[idx]


def level_estimate(score: float) -> str:
    hire_bar = BARS[2]
    for level in (Level.STAFF, Level.SENIOR):
        if score >= hire_bar + LEVEL_SHIFT[level]:
            return level.value
    return Level.MID.value


def below_level_bar(score: float) -> bool:
    """Whether the score is under the lowest level's lean-hire bar (the level estimate is then a floor): a
    "lean hire" at mid is never shown beside "below mid"."""
    return score < BARS[1] + LEVEL_SHIFT[Level.MID]


def stored_level(level_estimate: str | None, score: float | None) -> str:
    """A stored session's level estimate as lists show it (`mlsd sessions`, the history screen): "below mid"
    under the lowest bar, "" when none was estimated."""
    if not level_estimate:
        return ""
    return shown_level(level_estimate, score is not None and below_level_bar(float(score)))


def confidence(
    score: float,
    grades: list[CriterionGrade],
    target: str,
    *,
    minutes_used: float | None = None,
    minutes_planned: float | None = None,
    answers: int | None = None,
    phases_graded: int | None = None,
    retry: bool = False,
    disagreement: bool = False,
) -> tuple[float, list[str]]:
    """Confidence in the hire signal and level, and the reasons it is held down. The rule:

    1. base = 0.6 x the share of criteria scored with a quote + 0.4 x the distance from the score to the
       nearest hire bar (full at 0.25 or more);
    2. times the amount of interview behind it, each factor capped at 1: minutes used over
       FULL_MINUTES_SHARE of the planned minutes, candidate answers over MIN_ANSWERS, phases graded over
       all seven (a factor whose input is unknown counts as 1);
    3. times DISAGREEMENT_FACTOR when the LLM grader's two samples disagreed on some phase;
    4. then capped: a short interview (under FULL_MINUTES_SHARE of its minutes, e.g. under 30 of 45, or
       under MIN_ANSWERS answers) stays below HIGH ("medium" at most); a retry, or any session that did
       not cover every phase, stays below MEDIUM ("low")."""
    if not grades:
        return 0.0, ["no criterion was graded"]
    reasons: list[str] = []
    evidence_share = sum(1 for g in grades if g.score is not None and g.evidence) / len(grades)
    if evidence_share < 0.5:
        reasons.append(f"{sum(1 for g in grades if g.score is not None and g.evidence)} of {len(grades)} criteria have evidence")
    shift = LEVEL_SHIFT.get(target, 0.0)
    dist, near = min((abs(score - (b + shift)), i) for i, b in enumerate(BARS))
    if dist < 0.25:
        # which bar, by the signal above it: "close to a hire bar" beside "strong hire" read as a contradiction
        reasons.append(f"the score sits close to the {SIGNALS[near + 1]} bar")
    conf = 0.6 * evidence_share + 0.4 * min(dist / 0.25, 1.0)
    short = False
    if minutes_planned and minutes_used is not None:
        need = FULL_MINUTES_SHARE * minutes_planned
        conf *= min(minutes_used / need, 1.0)
        if minutes_used < need:
            short = True
            reasons.append(f"{minutes_used:.0f} of {plural(minutes_planned, 'minute')}")
    if answers is not None:
        conf *= min(answers / MIN_ANSWERS, 1.0)
        if answers < MIN_ANSWERS:
            short = True
            reasons.append(f"{answers} answer{'s' if answers != 1 else ''}")
    partial = retry
    if phases_graded is not None:
        conf *= min(phases_graded / len(PHASES), 1.0)
        partial = partial or phases_graded < len(PHASES)
        if phases_graded < len(PHASES) and not retry:
            reasons.append(f"{phases_graded} of {len(PHASES)} phases")
    if retry:
        reasons.append("a single-phase retry")
    if disagreement:
        conf *= DISAGREEMENT_FACTOR
        reasons.append("the two grading samples disagreed")
    if short:
        conf = min(conf, HIGH - 0.01)
    if partial:
        conf = min(conf, MEDIUM - 0.01)
    return round(conf, 3), reasons


def confidence_label(conf: float) -> str:
    return "high" if conf >= HIGH else "medium" if conf >= MEDIUM else "low"


GENERIC_SHARE = 0.08  # a word in more of the rubric's criteria than this tells no criterion apart ("data", "training", "rate")
_GENERIC_WORDS: dict[int, frozenset[str]] = {}


def _criteria_words(lib: Library) -> frozenset[str]:
    """The words too common across all criteria (title, description, signals) to tie a bullet to one."""
    key = id(lib)
    if key not in _GENERIC_WORDS:
        crits = lib.all_criteria()
        df: dict[str, int] = {}
        for c in crits:
            for w in content_words(" ".join([c.title, c.description, *c.signals])):
                df[w] = df.get(w, 0) + 1
        _GENERIC_WORDS[key] = frozenset(w for w, n in df.items() if n > GENERIC_SHARE * max(len(crits), 1))
    return _GENERIC_WORDS[key]


def _outline_for(lib: Library, cid: str, outline: list[str], k: int = 3) -> list[str]:
    """The bullets of the phase's reference outline that bear on one criterion, most telling first: those
    sharing a word with its title, description or signals, not counting words most bullets share ("Asks") or
    many criteria share ("data", "training");
    none when no bullet does (the whole outline is shown with the phase)."""
    try:
        crit = lib.criterion(cid)
    except Exception:
        return []
    about = content_words(" ".join([crit.title, crit.description, *crit.signals])) - _criteria_words(lib)
    words = [content_words(b) for b in outline]
    common = {w for w in set().union(*words) if sum(w in ws for ws in words) * 5 > 2 * len(words)} if words else set()
    # one word or two forms of it ("retrain" in a bullet, "retraining" in the criterion)
    same = lambda w, a: w == a or (min(len(w), len(a)) >= 5 and (w.startswith(a) or a.startswith(w)))
    scored = [(sum(1 for w in ws - common if any(same(w, a) for a in about)), i) for i, ws in enumerate(words)]
    return [outline[i] for n, i in sorted(scored, key=lambda x: (-x[0], x[1])) if n > 0][:k]


def build(
    *,
    lib: Library,
    session_id: str,
    case: str,
    target_level: str,
    persona: str,
    brain: str,
    phase_grades: list[PhaseGrade],
    cross: PhaseGrade | None,
    phase_minutes: dict[str, float],
    budgets: dict[str, float],
    follow_ups: dict[str, int],
    hints: list[dict[str, Any]],
    index_search: Any = None,
    history: dict[str, list[float]] | None = None,
    previous: dict[str, dict[str, int | None]] | None = None,
    notices: list[str] | None = None,
    minutes_used: float = 0.0,
    minutes_planned: float | None = None,
    answers: int | None = None,
    kind: str = "interview",
) -> Scorecard:
    """The scorecard. `minutes_planned`, `answers` (the candidate's answer turns) and `kind` ("retry" for a
    single-phase retry) feed the confidence; left out, they do not limit it."""
    history = history or {}
    cases = lib.cases
    case_obj = cases.get(case)
    phases: list[PhaseCard] = []
    total_w = 0.0
    acc = 0.0
    for g in phase_grades:
        w = budgets.get(g.phase, 1.0) or 1.0
        total_w += w
        acc += w * g.score
        phases.append(
            PhaseCard(
                id=g.phase,
                title=lib.phase_title(g.phase),
                score=round(g.score, 3),
                minutes=phase_minutes.get(g.phase),
                budget=round(budgets.get(g.phase, 0.0), 2),
                follow_ups=follow_ups.get(g.phase, 0),
                criteria=g.criteria,
                trend=history.get(g.phase, []),
                previous=(previous or {}).get(g.phase),
                reached=not phase_minutes or phase_minutes.get(g.phase) is not None,
            )
        )
    phase_score = acc / total_w if total_w else 1.0
    cross_grades = cross.criteria if cross else []
    if cross is not None:
        score = (1 - CROSS_SHARE) * phase_score + CROSS_SHARE * cross.score
    else:
        score = phase_score
    score = max(1.0, score - HINT_COST * len(hints))
    all_grades = [c for g in phase_grades for c in g.criteria] + cross_grades
    retry = kind == "retry"
    conf, reasons = confidence(
        score,
        all_grades,
        target_level,
        minutes_used=minutes_used if minutes_planned else None,
        minutes_planned=minutes_planned,
        answers=answers,
        phases_graded=len(phase_grades),
        retry=retry,
        disagreement=any(g.samples is not None and g.samples.disagree for g in [*phase_grades, *([cross] if cross else [])]),
    )
    overall = Overall(
        score=round(score, 3),
        hire_signal=hire_signal(score, target_level),
        level=level_estimate(score),
        below_level_bar=below_level_bar(score),
        confidence=conf,
        confidence_label=confidence_label(conf),
        target_level=target_level,
        confidence_reasons=reasons,
    )
    # strengths: the best-scored criteria with a quote; gaps: the weightiest low scores
    graded = [c for c in all_grades]
    # each with a quote of its own: three of five strengths had quoted the same sentence
    strengths: list[Point] = []
    quoted: set[str] = set()
    for c in sorted(graded, key=lambda c: (-(c.score or 0), -c.weight)):
        fresh = [q for q in c.evidence if q not in quoted]
        if (c.score or 0) >= 3 and fresh and len(strengths) < 5:
            strengths.append(Point(criterion=c.id, phase=c.phase, title=c.title, score=c.score, quote=fresh[0]))
            quoted.add(fresh[0])

    def notes_for(c: CriterionGrade, k: int) -> list[str]:
        """The notes sections that teach a criterion (none when there is no index, or it fails)."""
        if index_search is None:
            return []
        try:
            hits = index_search(c.title, None if c.phase == CROSS_CUTTING else c.phase, case, k + STUDY_SPARE)
        except Exception:
            return []
        # a section on another kind of problem ("the retrieval-to-ranking funnel" for a fraud case) is passed over
        fits = [h.section for h in hits if not (case and lib.off_scope_terms(h.section.split("#")[-1].replace("-", " "), case))]
        return fits[:k]

    gaps: list[Point] = []
    study: list[str] = []
    for c in sorted(graded, key=lambda c: ((c.score or 1), -c.weight)):
        if (c.score or 1) > 2 or len(gaps) >= 6:
            continue
        sections = notes_for(c, 2)
        ref = case_obj.reference.get(c.phase, []) if case_obj and c.phase in case_obj.reference else []  # type: ignore[call-overload]
        gaps.append(Point(criterion=c.id, phase=c.phase, title=c.title, score=c.score, quote=c.evidence[0] if c.evidence else None, study=sections, reference=_outline_for(lib, c.id, list(ref))))
        for s in sections:
            if s not in study:
                study.append(s)
    # what the next level adds, for every candidate: the criteria at 3 (the rationale says what level 4 needs)
    next_level: list[Point] = []
    for c in sorted(graded, key=lambda c: -c.weight):
        if c.score != 3 or len(next_level) >= 6:
            continue
        sections = notes_for(c, 1)
        next_level.append(Point(criterion=c.id, phase=c.phase, title=c.title, score=c.score, quote=c.evidence[0] if c.evidence else None, advice=c.rationale, study=sections))
        for s in sections:
            if s not in study:
                study.append(s)
    outline = {p: list(v) for p, v in case_obj.reference.items()} if case_obj else {}
    titles: dict[str, str] = {}
    for s in study:
        try:
            titles[s] = lib.note_section(s, strict=True)[1]
        except KeyError:
            pass
    named = {c.id: c.title for c in graded if c.title}
    # a hint says what it was about by the criterion's title, not its id ("sl-session-embeddings")
    hints = [{**h, "title": named[h["criterion"]]} if h.get("criterion") in named else h for h in hints or []]
    return Scorecard(
        session_id=session_id,
        case=case,
        case_title=case_obj.title if case_obj else case,
        persona=persona,
        brain=brain,
        minutes_used=round(minutes_used, 2),
        overall=overall,
        phases=phases,
        cross_cutting=cross_grades,
        strengths=strengths,
        gaps=gaps,
        hints=hints,
        study=study,
        study_titles=titles,
        next_level=next_level,
        outline=outline,
        notices=list(notices or []),
        kind=kind,
        answers=answers,
        minutes_planned=minutes_planned,
    )


def _score(s: int | None) -> str:
    return "–" if s is None else str(s)


def to_markdown(card: Scorecard) -> str:
    o = card.overall
    out = [
        f"# Scorecard — {card.case_title}",
        "",
        f"Session `{card.session_id}` · target level {o.target_level} · persona {card.persona} · brain {card.brain} · {plural(card.minutes_used, 'minute')}",
        "",
        "## Overall",
        "",
        # the signal is for the target level's bar: "lean hire" beside a "mid" estimate reads as a contradiction otherwise
        f"- **Hire signal:** {o.hire_signal} (against the {o.target_level} bar)",
        f"- **Level estimate:** {o.level_text} (the highest level whose hire bar the score clears)",
        f"- **Score:** {o.score:.2f} / 4",
        f"- **Confidence:** {o.confidence_label} ({o.confidence:.2f})" + (f", held down by: {'; '.join(o.confidence_reasons)}" if o.confidence_reasons else ""),
        *([f"- **A retry of one phase**, not a finished interview: the hire signal and level rest on {', '.join(p.title for p in card.phases)} alone."] if card.kind == "retry" else []),
        "",
        "## Phases",
        "",
        "| phase | score | minutes | budget | follow-ups | trend |",
        "|---|---|---|---|---|---|",
    ]
    for p in card.phases:
        trend = " → ".join(f"{t:.1f}" for t in p.trend + [p.score]) if p.trend else ""
        mins = f"{p.minutes:.1f}" if p.minutes is not None else ""
        score = f"{p.score:.2f}" if p.reached else not_reached()
        out.append(f"| {p.title} | {score} | {mins} | {p.budget or 0:.1f} | {p.follow_ups} | {trend} |")
    for p in card.phases:
        if not p.reached:
            out += ["", f"### {p.title} — {not_reached()}", "", P.get("report", "not_reached_note")]
            continue
        out += ["", f"### {p.title} — {p.score:.2f}", "", "| criterion | score | before | evidence |", "|---|---|---|---|"]
        for c in p.criteria:
            before = _score(p.previous.get(c.id)) if p.previous else ""
            ev = " / ".join(f"“{q}”" for q in c.evidence[:2]).replace("|", "\\|")
            out.append(f"| {c.title} | {_score(c.score)} | {before} | {ev} |")
        for c in p.criteria:
            out.append(f"- **{c.title}** ({_score(c.score)}): {c.rationale}")
    if card.cross_cutting:
        out += ["", "## Across the interview", ""]
        for c in card.cross_cutting:
            ev = f" — “{c.evidence[0]}”" if c.evidence else ""
            out.append(f"- **{c.title}**: {_score(c.score)}{ev}")
    out += ["", "## Strengths", ""]
    out += [f"- **{s.title}** ({_score(s.score)}): “{s.quote}”" for s in card.strengths] or ["- none with clear evidence yet"]
    out += ["", "## Gaps", ""]
    for g in card.gaps:
        line = f"- **{g.title}** ({_score(g.score)})"
        if g.quote:
            line += f": you said “{g.quote}”"
        out.append(line)
        if g.study:
            out.append(f"  - study: {', '.join(g.study)}")
        for r in g.reference[:4]:
            out.append(f"  - a strong answer covers: {r}")
    if not card.gaps:
        out.append("- none")
    if card.next_level:
        out += ["", "## The next level", ""]
        for n in card.next_level:
            out.append(f"- **{n.title}** ({_score(n.score)}): {n.advice or ''}")
            if n.study:
                out.append(f"  - study: {', '.join(n.study)}")
    if card.outline:
        out += ["", "## What a staff-level answer covers in this case", ""]
        for ph in card.phases:
            pts = card.outline.get(ph.id) or []
            if pts:
                out.append(f"- **{ph.title}**: " + "; ".join(pts))
    out += ["", "## Hints used", ""]
    out += [f"- {h['phase']}: {h.get('title') or h['criterion']} (minute {h.get('minute', 0):.0f})" for h in card.hints] or ["- none"]
    out += ["", "## Notes to study", ""]
    out += [f"- {card.study_titles[s]} ({s})" if s in card.study_titles else f"- {s}" for s in card.study] or ["- none"]
    if card.notices:
        out += ["", "## Notices", ""] + [f"- {n}" for n in card.notices]
    return "\n".join(out) + "\n"


def write_private(path: Path, text: str, secrets: list[str] | None = None) -> Path:
    """Write atomically with mode 0600, with any secret value redacted."""
    return write_private_bytes(Path(path), redact(text, secrets or []).encode("utf-8"))


def write_private_bytes(path: Path, data: bytes) -> Path:
    """Write bytes atomically (a temporary file, fsynced, then renamed) with mode 0600."""
    path = Path(path)
    private_dir(path.parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return path


def export(card: Scorecard, folder: Path, secrets: list[str] | None = None) -> tuple[Path, Path]:
    j = write_private(Path(folder) / f"{card.session_id}.json", json.dumps(card.model_dump(), indent=2, ensure_ascii=False), secrets)
    m = write_private(Path(folder) / f"{card.session_id}.md", to_markdown(card), secrets)
    return j, m
