"""Confidence from evidence: minutes, answers, phases and criteria with evidence set it; a short
interview or a single-phase retry never gets a hire signal or level stated with high confidence; a
retry is listed as a retry and never counted in the trend or the best score."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from interviewer.content import library
from interviewer.domain import PHASES, SessionKind
from interviewer.grading import CriterionGrade, PhaseGrade, Samples, weighted_score
from interviewer.scorecard import HIGH, MEDIUM, MIN_ANSWERS, build, confidence, to_markdown
from interviewer.store import Store, session_kind


def _grades(score: int, n: int = 6, evidence: bool = True) -> list[CriterionGrade]:
    return [CriterionGrade(id=f"c{i}", score=score, evidence=["said it"] if evidence else [], weight=1.0) for i in range(n)]


FULL = dict(minutes_used=42.0, minutes_planned=45.0, answers=24, phases_graded=len(PHASES))


def test_a_full_well_evidenced_interview_can_be_high():
    conf, reasons = confidence(3.9, _grades(4), "senior", **FULL)
    assert conf >= HIGH and reasons == []


@pytest.mark.parametrize(
    "change,reason",
    [
        (dict(minutes_used=11.0), "11 of 45 minutes"),
        (dict(minutes_used=29.0), "29 of 45 minutes"),
        (dict(answers=MIN_ANSWERS - 1), f"{MIN_ANSWERS - 1} answers"),
        (dict(answers=1), "1 answer"),
    ],
)
def test_a_short_interview_is_never_high(change, reason):
    conf, reasons = confidence(3.9, _grades(4), "senior", **{**FULL, **change})
    assert conf < HIGH and reason in reasons


def test_a_retry_or_a_partial_session_is_low():
    conf, reasons = confidence(3.9, _grades(4), "senior", **{**FULL, "phases_graded": 1}, retry=True)
    assert conf < MEDIUM and "a single-phase retry" in reasons
    conf, reasons = confidence(3.9, _grades(4), "senior", **{**FULL, "phases_graded": 5})
    assert conf < MEDIUM and "5 of 7 phases" in reasons


def test_confidence_grows_with_minutes_answers_and_evidence():
    a, _ = confidence(3.9, _grades(4), "senior", **{**FULL, "minutes_used": 10.0})
    b, _ = confidence(3.9, _grades(4), "senior", **{**FULL, "minutes_used": 20.0})
    c, _ = confidence(3.9, _grades(4), "senior", **FULL)
    assert a < b < c
    a, _ = confidence(3.9, _grades(4), "senior", **{**FULL, "answers": 3})
    b, _ = confidence(3.9, _grades(4), "senior", **{**FULL, "answers": 6})
    assert a < b < c
    thin, reasons = confidence(3.9, _grades(4, evidence=False), "senior", **FULL)
    assert thin < c and any("criteria have evidence" in r for r in reasons)


def test_grading_samples_that_disagree_lower_confidence():
    calm, _ = confidence(3.9, _grades(4), "senior", **FULL)
    split, reasons = confidence(3.9, _grades(4), "senior", **FULL, disagreement=True)
    assert split < calm and "the two grading samples disagreed" in reasons


def _phase(pid: str, score: int, samples: Samples | None = None) -> PhaseGrade:
    lib = library()
    crits = [CriterionGrade(id=c.id, score=score, evidence=["said it"], title=c.title, weight=c.weight, phase=pid) for c in lib.criteria(pid, "news-feed")]
    return PhaseGrade(phase=pid, case="news-feed", score=weighted_score(crits), criteria=crits, samples=samples)


def _card(phases: list[PhaseGrade], **kw):
    lib = library()
    return build(
        lib=lib, session_id="s", case="news-feed", target_level="senior", persona="neutral", brain="offline",
        phase_grades=phases, cross=None, phase_minutes={}, budgets={p: lib.phase_minutes(p) for p in PHASES}, follow_ups={}, hints=[], **kw,
    )


def test_a_one_answer_retry_with_full_marks_is_stated_with_low_confidence():
    card = _card([_phase("data", 4)], minutes_used=3.0, minutes_planned=45.0, answers=1, kind=SessionKind.RETRY)
    o = card.overall
    assert o.score == pytest.approx(4.0)  # the grade itself stands
    assert o.confidence_label == "low" and o.confidence < MEDIUM
    assert "a single-phase retry" in o.confidence_reasons
    md = to_markdown(card)
    assert "A retry of one phase" in md and "not a finished interview" in md


def test_an_eleven_minute_interview_is_not_high_and_says_why():
    card = _card([_phase(p, 4) for p in PHASES], minutes_used=11.0, minutes_planned=45.0, answers=8)
    assert card.overall.confidence_label != "high"
    assert "11 of 45 minutes" in card.overall.confidence_reasons and "8 answers" in card.overall.confidence_reasons
    # the report says the reasons held it down (a probe read "high (0.70): the score sits close to the bar" as why)
    assert "held down by: 11 of 45 minutes" in to_markdown(card)
    full = _card([_phase(p, 4) for p in PHASES], minutes_used=44.0, minutes_planned=45.0, answers=25)
    assert full.overall.confidence_label == "high"


def test_disagreeing_llm_samples_lower_the_scorecard_confidence():
    agree = _card([_phase(p, 4, Samples(n=2, totals=[4.0, 4.0])) for p in PHASES], minutes_used=44.0, minutes_planned=45.0, answers=25)
    split = _card(
        [_phase(p, 4, Samples(n=2, totals=[4.0, 2.0], disagree=True) if p == "model" else None) for p in PHASES],
        minutes_used=44.0, minutes_planned=45.0, answers=25,
    )
    assert split.overall.confidence < agree.overall.confidence
    assert "the two grading samples disagreed" in split.overall.confidence_reasons


# ------------------------------------------------------------------------------------ history


def _finish(store: Store, sid: str, phases: list[str], kind: str, score: float, created: float) -> None:
    store.add(sid, "news-feed", "senior", "neutral", 45.0, "offline", phases, kind)
    store.db.execute("UPDATE sessions SET created=? WHERE id=?", (created, sid))
    card = _card([_phase(p, int(score)) for p in phases], minutes_used=40.0, minutes_planned=45.0, answers=20, kind=session_kind(kind, phases))
    store.finish(sid, card)
    for g in (_phase(p, int(score)) for p in phases):
        store.save_grade(sid, g)


def test_retries_are_listed_as_retries_and_left_out_of_the_trend(tmp_path: Path):
    store = Store(tmp_path)
    t = time.time() - 100
    _finish(store, "full-1", list(PHASES), SessionKind.INTERVIEW, 2, t)
    _finish(store, "retry-new", ["data"], SessionKind.RETRY, 4, t + 1)
    _finish(store, "retry-old", ["data"], SessionKind.INTERVIEW, 4, t + 2)  # written before retries had a kind
    _finish(store, "sim", list(PHASES), SessionKind.SIMULATION, 3, t + 3)
    _finish(store, "sim-retry", ["data"], SessionKind.SIMULATION, 4, t + 4)
    kinds = {r["id"]: r["kind"] for r in store.list()}
    assert kinds == {"full-1": "interview", "retry-new": "retry", "retry-old": "retry", "sim": "simulation", "sim-retry": "retry"}
    trend = store.history("news-feed", t + 10, "none")
    assert trend["data"] == [2.0, 3.0]  # the full interview and the full simulation; never the retries' 4s
    assert set(trend) == set(PHASES)
    # an interview's trend holds interviews only, a simulation's simulations only (a probe saw a live
    # interview's phase table trend built from simulations)
    assert store.history("news-feed", t + 10, "none", SessionKind.INTERVIEW)["data"] == [2.0]
    assert store.history("news-feed", t + 10, "none", SessionKind.SIMULATION)["data"] == [3.0]
    # a retry's trend is the phase's earlier interviews (a probe's monitor retry read "first attempt")
    assert store.history("news-feed", t + 10, "none", SessionKind.RETRY)["data"] == [2.0]
    assert session_kind("interview", json.dumps(list(PHASES))) == "interview"


def test_a_score_under_the_lowest_bar_reads_below_mid_not_mid():
    """A probe saw "strong no hire" beside "level estimate: mid": mid is the floor of the estimate, so a
    score under mid's hire bar is shown as below it, while the JSON level keeps its three values."""
    weak = _card([_phase(p, 1) for p in PHASES], minutes_used=44.0, minutes_planned=45.0, answers=25)
    o = weak.overall
    assert o.hire_signal == "strong no hire" and o.level == "mid" and o.below_level_bar
    assert "**Level estimate:** below mid" in to_markdown(weak)
    good = _card([_phase(p, 3) for p in PHASES], minutes_used=44.0, minutes_planned=45.0, answers=25)
    assert not good.overall.below_level_bar and "**Level estimate:** below" not in to_markdown(good)


def test_study_notes_on_another_kind_of_problem_are_passed_over():
    """A moderation candidate was sent to "the retrieval-to-ranking funnel" to study the system's shape."""
    from types import SimpleNamespace

    lib = library()
    sections = ["phases/frame.md#system-shape-the-retrieval-to-ranking-funnel", "phases/frame.md#shapes-other-than-the-funnel-classifiers-detectors-and-estimators", "phases/frame.md#the-ml-objective"]

    def search(query, phase, case, k):
        return [SimpleNamespace(section=s) for s in sections][:k]

    phases = [_phase(p, 1) for p in PHASES]
    kw = dict(lib=lib, session_id="s", target_level="senior", persona="neutral", brain="offline", phase_grades=phases, cross=None, phase_minutes={}, budgets={p: lib.phase_minutes(p) for p in PHASES}, follow_ups={}, hints=[], index_search=search)
    moderation = build(case="harmful-content-detection", **kw)
    assert sections[0] not in moderation.study and sections[1] in moderation.study
    feed = build(case="news-feed", **kw)
    assert sections[0] in feed.study


def test_study_notes_and_hints_are_named_as_their_authors_wrote_them():
    """The Study tab rebuilt note titles from their anchors ("A b testing", "Is ml needed at all the heuristic
    version zero") and "Hints used" showed criterion ids ("sl-session-embeddings")."""
    from types import SimpleNamespace

    from tui.screens.scorecard import note_label

    lib = library()
    sections = ["phases/frame.md#the-ml-objective", "phases/evaluation.md#no-such-section"]

    def search(query, phase, case, k):
        return [SimpleNamespace(section=s) for s in sections][:k]

    phases = [_phase(p, 1) for p in PHASES]
    crit = lib.criteria(PHASES[2], "news-feed")[0]
    hints = [{"phase": PHASES[2], "criterion": crit.id, "minute": 9.0}]
    card = build(case="news-feed", lib=lib, session_id="s", target_level="senior", persona="neutral", brain="offline", phase_grades=phases, cross=None, phase_minutes={}, budgets={p: lib.phase_minutes(p) for p in PHASES}, follow_ups={}, hints=hints, index_search=search)
    heading = lib.note_section(sections[0])[1]
    assert card.study_titles[sections[0]] == heading and sections[1] not in card.study_titles
    assert note_label(sections[0], card.study_titles.get(sections[0])).plain.startswith(heading)
    assert note_label(sections[1], card.study_titles.get(sections[1])).plain.startswith("No such section")
    assert card.hints[0]["title"] == crit.title
    md = to_markdown(card)
    assert f"{crit.title} (minute 9)" in md and f"- {heading} ({sections[0]})" in md


def test_a_session_prefix_that_starts_several_ids_says_so(tmp_path):
    """`mlsd report 20261203` with two sessions of that day said "no session '20261203'"."""
    from types import SimpleNamespace

    from interviewer.errors import SessionError
    from interviewer.session import session_row

    store = Store(tmp_path)
    for sid in ("20261203-160653-93f267", "20261203-161057-de8a38", "20261202-090000-aaaaaa"):
        store.add(sid, "news-feed", "senior", "neutral", 45.0, "offline", list(PHASES), "interview")
    eng = SimpleNamespace(store=store)
    with pytest.raises(SessionError) as e:
        session_row(eng, "20261203")
    assert "2 session ids" in str(e.value) and "20261203-160653-93f267" in str(e.value) and "give more of the id" in str(e.value)
    assert session_row(eng, "20261203-1610")["id"] == "20261203-161057-de8a38"
    assert session_row(eng, "20261202-090000-aaaaaa")["id"] == "20261202-090000-aaaaaa"
    with pytest.raises(SessionError, match="no session"):
        session_row(eng, "2025")
    assert store.matching("2026120_") == []  # a LIKE wildcard in the prefix is a character, not a wildcard


def test_a_score_near_a_bar_says_which_bar():
    """"strong hire ... confidence low: the score sits close to a hire bar" read as a contradiction: the reason
    names the bar it is close to."""
    grades = [CriterionGrade(id=f"c{i}", score=3, evidence=["q"], rationale="", title="t", weight=1.0, phase="data") for i in range(4)]
    _conf, reasons = confidence(3.35, grades, "senior")
    assert "the score sits close to the strong hire bar" in reasons
    _conf, reasons = confidence(2.45, grades, "senior")
    assert "the score sits close to the lean hire bar" in reasons
    _conf, reasons = confidence(3.05, grades, "senior")  # 0.25 from the hire and strong hire bars
    assert not any("close to" in r for r in reasons)
