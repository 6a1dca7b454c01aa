"""Drills that come back: what a missed criterion becomes, the 1/3/7/14-day schedule over a simulated
fortnight (a virtual date), grouping across interviews, durability, and the `drills` / `drill` commands."""
from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from history_support import finished_session

from interviewer import drills as D
from interviewer.concepts import concept_bank
from interviewer.content import library
from interviewer.domain import CROSS_CUTTING, Phase
from interviewer.grading import CriterionGrade

DAY0 = date(2026, 3, 2)
CASE = "news-feed"


class VirtualDate:
    """A calendar the test moves by hand."""

    def __init__(self, day: date):
        self.day = day

    def __call__(self) -> date:
        return self.day

    def go(self, days: int) -> date:
        self.day = DAY0 + timedelta(days=days)
        return self.day


@pytest.fixture
def clock() -> VirtualDate:
    return VirtualDate(DAY0)


@pytest.fixture
def book(tmp_path: Path, clock: VirtualDate):
    b = D.DrillBook(tmp_path, today=clock)
    yield b
    b.close()


def grades(phase: str, scores: list[int | None], case: str = CASE) -> list[CriterionGrade]:
    crits = library().criteria(phase, case)
    return [CriterionGrade(id=c.id, score=s, title=c.title, weight=c.weight, phase=phase) for c, s in zip(crits, scores)]


def one_miss(criterion_phase: str = Phase.DATA) -> D.Miss:
    """The first drill a data-phase interview with every criterion at 2 calls for."""
    return D.misses_of(grades(criterion_phase, [2] * 20), "", concept_bank(), CASE)[0]


# ---------------------------------------------------------------------- what becomes a drill


def test_missed_criteria_become_drills_on_their_unnamed_concepts():
    bank = concept_bank()
    gs = grades(Phase.DATA, [2, None, 3, 1, 4, 2, 2, 2])
    assert len(gs) >= 4
    missed = {g.id for g in gs if g.score is None or g.score <= 2}
    ms = D.misses_of(gs, "", bank, CASE)
    assert ms and {m.criterion for m in ms} <= missed, "only criteria scored null, 1 or 2 make drills"
    assert {m.criterion for m in ms} == missed, "every missed criterion makes at least one drill"
    for crit in missed:
        assert sum(1 for m in ms if m.criterion == crit) <= D.CONCEPTS_PER_CRITERION
    for m in ms:
        if m.concept:
            assert m.criterion in bank.concept(m.concept).criteria and bank.applies(m.concept, CASE)
    # the weakest first: a null or 1 comes before a 2
    order = [0 if m.score is None else m.score for m in ms]
    assert order == sorted(order)
    # a concept the candidate named is not drilled; another concept of the criterion takes its place
    first = next(m for m in ms if m.concept)
    named = bank.concept(first.concept).aliases[0]
    again = D.misses_of(gs, f"I would rely on {named} here.", bank, CASE)
    assert first.concept not in {m.concept for m in again}
    assert first.criterion in {m.criterion for m in again}


def test_a_criterion_whose_concepts_were_all_named_is_drilled_itself():
    bank = concept_bank()
    g = grades(Phase.DATA, [2])[:1]
    said = ". ".join(c.aliases[0] for c in bank.by_criterion(g[0].id, CASE))
    ms = D.misses_of(g, said, bank, CASE)
    assert [m.id for m in ms] == [D.CRITERION_PREFIX + g[0].id] and ms[0].concept is None


def test_cross_cutting_criteria_make_no_drills():
    lib = library()
    cross = [CriterionGrade(id=c.id, score=1, title=c.title, weight=c.weight, phase=CROSS_CUTTING) for c in lib.cross_cutting()]
    assert cross and D.misses_of(cross, "", concept_bank(), CASE) == []


def test_every_drill_question_reads_as_a_fresh_question():
    """Concept probes open with "You mentioned X." (they follow a mention); a drill asks about what was not said."""
    lib, bank = library(), concept_bank()
    for c in bank.concepts.values():
        d = D.Drill(id=c.id, phase=c.phase or "", criterion=c.criteria[0], concept=c.id, case=None, status=D.ACTIVE, step=0, anchor=DAY0,
                    due=DAY0, misses=1, lapses=0, first_missed=DAY0, last_missed=DAY0, before=2)
        q = D.question(d, lib, bank)
        assert not q.lower().startswith(("you mentioned", "you raised", "you said")), (c.id, q)
        assert len(q) > 15 and q[0].isupper(), (c.id, q)


# ---------------------------------------------------------------------- the schedule over a fortnight


def test_a_fortnight_of_passes_masters_a_drill(book: D.DrillBook, clock: VirtualDate):
    m = one_miss()
    assert book.record("s1", CASE, [m]) == [m.id]
    timeline = []
    for day in range(0, 16):
        clock.go(day)
        due = [d.id for d in book.due()]
        if due:
            timeline.append(day)
            a = book.attempt(m.id, 3)
            assert a.passed and not a.practice
    assert timeline == [1, 3, 7, 14], "due 1, 3, 7 and 14 days after the miss"
    assert book.get(m.id).status == D.MASTERED and book.queue() == [] and book.listing()["mastered"] == 1


def test_a_repeated_miss_stays_and_restarts(book: D.DrillBook, clock: VirtualDate):
    m = one_miss()
    book.record("s1", CASE, [m])
    clock.go(1)
    book.attempt(m.id, 4)  # day 1: pass, next due day 3
    clock.go(3)
    a = book.attempt(m.id, 2)  # day 3: a miss
    assert a.restarted and not a.passed and a.before == 4 and a.after == 2
    d = book.get(m.id)
    assert d.status == D.ACTIVE and d.due == DAY0 + timedelta(days=4) and d.step == 0 and d.lapses == 1
    clock.go(4)
    assert book.attempt(m.id, None).restarted, "no evidence is a miss too"
    clock.go(5)
    book.attempt(m.id, 3)
    assert book.get(m.id).due == DAY0 + timedelta(days=5 + 2), "after a restart the steps count from the new anchor (day 4: due day 4 + 3)"
    # whatever the path, it never leaves the queue without a pass at the 14-day step
    for day in (8, 12, 30):
        clock.go(day)
        book.attempt(m.id, 1)
        assert book.get(m.id).status == D.ACTIVE and m.id in [x.id for x in book.queue()]


def test_an_early_attempt_is_practice(book: D.DrillBook, clock: VirtualDate):
    m = one_miss()
    book.record("s1", CASE, [m])
    a = book.attempt(m.id, 4)  # day 0, due day 1
    assert a.practice and book.get(m.id).step == 0 and book.get(m.id).due == DAY0 + timedelta(days=1)
    a = book.attempt(m.id, 1)
    assert a.practice and a.restarted and a.before == 4 and book.get(m.id).lapses == 1


def test_a_recurring_weakness_is_one_drill(book: D.DrillBook, clock: VirtualDate):
    bank = concept_bank()
    first = D.misses_of(grades(Phase.DATA, [2] * 20), "", bank, CASE)
    made = book.record("s1", CASE, first)
    assert len(made) == min(len(first), D.MAX_NEW), "one interview adds at most MAX_NEW drills"
    assert len(first) > D.MAX_NEW
    clock.go(5)
    again = book.record("s2", CASE, first)
    assert set(made) <= set(again) and len(again) == len(made) + min(len(first) - len(made), D.MAX_NEW)
    assert len(book.all()) == len(again), "the same weakness again: the same drills, not one more per interview"
    for d in (book.get(i) for i in made):
        assert d.misses == 2 and d.sessions == ["s1", "s2"] and d.due == DAY0 + timedelta(days=6) and d.step == 0
        assert "missed in 2 interviews" in d.reason()
    assert book.record("s2", CASE, first) == [], "an interview is recorded once"
    assert all(book.get(i).misses == 1 for i in again if i not in made)
    # a mastered drill comes back with a new miss
    target = made[0]
    for day in (6, 8, 12, 19):
        clock.go(day)
        book.attempt(target, 4)
    assert book.get(target).status == D.MASTERED
    clock.go(25)
    book.record("s3", CASE, [m for m in first if m.id == target])
    d = book.get(target)
    assert d.status == D.ACTIVE and d.misses == 3 and d.due == DAY0 + timedelta(days=26)


# ---------------------------------------------------------------------- durability


def test_drills_survive_a_reopen_and_a_crash_mid_record(tmp_path: Path, clock: VirtualDate, monkeypatch):
    bank = concept_bank()
    ms = D.misses_of(grades(Phase.MODEL, [1] * 20), "", bank, CASE)
    b = D.DrillBook(tmp_path, today=clock)
    saves = {"n": 0}
    real = D.DrillBook._save

    def crash_on_second(self, d):
        saves["n"] += 1
        if saves["n"] == 2:
            raise OSError("power cut")
        real(self, d)

    monkeypatch.setattr(D.DrillBook, "_save", crash_on_second)
    with pytest.raises(OSError):
        b.record("s1", CASE, ms)
    monkeypatch.setattr(D.DrillBook, "_save", real)
    b.close()
    b = D.DrillBook(tmp_path, today=clock)
    assert b.all() == [] and not b.ingested("s1"), "all or nothing: a crash mid-record leaves no half interview"
    made = b.record("s1", CASE, ms)
    clock.go(1)
    b.attempt(made[0], 3)
    before = b.listing()
    b.close()
    again = D.DrillBook(tmp_path, today=clock)
    assert again.listing() == before and again.ingested("s1")
    assert [a["score"] for a in again.attempts(made[0])] == [3]
    again.close()


def test_catch_up_records_interviews_finished_without_their_drills(tmp_path: Path):
    import sqlite3
    import time

    finished_session(tmp_path, "i1", lambda ph, i: 2)
    finished_session(tmp_path, "sim", lambda ph, i: 1, kind="simulation")
    finished_session(tmp_path, "old", lambda ph, i: 1)
    with sqlite3.connect(tmp_path / "mlsd.sqlite") as db:
        db.execute("UPDATE sessions SET updated=? WHERE id='old'", (time.time() - (D.CATCH_UP_DAYS + 2) * 86400,))
    b = D.DrillBook(tmp_path)  # the real date: the interviews were finished just now
    try:
        assert [r["id"] for r in D.pending(b, b.sessions())] == ["i1"], "simulations make no drills, nor long-past interviews"
        made = D.catch_up(b, concept_bank)
        assert made and b.ingested("i1") and not b.ingested("sim")
        assert all(d.sessions == ["i1"] for d in b.all())
        assert D.catch_up(b, lambda: pytest.fail("nothing pending: the bank is not even loaded")) == []
    finally:
        b.close()


# ---------------------------------------------------------------------- the commands


@pytest.fixture
def cli_home(tmp_path: Path, monkeypatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("MLSD_HOME", str(home))
    monkeypatch.setenv("MLSD_CONFIG", str(tmp_path / "none.toml"))
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "MLSD_BRAIN"):
        monkeypatch.delenv(var, raising=False)
    return home


def _invoke(*args: str, input: str | None = None):
    from typer.testing import CliRunner

    from tui.cli import app

    return CliRunner().invoke(app, list(args), input=input)


def _seed(home: Path, day: date) -> list[str]:
    b = D.DrillBook(home, today=lambda: day)
    try:
        return b.record("s1", CASE, D.misses_of(grades(Phase.DATA, [2, 1, 3, 2, 2, 2]), "", concept_bank(), CASE))
    finally:
        b.close()


def test_drills_json_shape(cli_home: Path):
    made = _seed(cli_home, DAY0)
    r = _invoke("drills", "--json", "--today", DAY0.isoformat())
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["due_count"] == 0 and len(doc["drills"]) == len(made)
    for d in doc["drills"]:
        assert {"id", "phase", "criterion", "concept", "due", "reason"} <= set(d)
        assert d["phase"] == Phase.DATA and d["due"] == (DAY0 + timedelta(days=1)).isoformat() and not d["is_due"] and d["reason"]
    r = _invoke("drills", "--json", "--today", (DAY0 + timedelta(days=1)).isoformat())
    assert json.loads(r.stdout)["due_count"] == len(made)
    r = _invoke("drills", "--today", (DAY0 + timedelta(days=1)).isoformat())
    assert r.exit_code == 0 and all(i in r.stdout for i in made), "every id shown in full"


def test_drill_reads_a_piped_answer_and_prints_before_and_after(cli_home: Path):
    made = _seed(cli_home, DAY0)
    day1 = (DAY0 + timedelta(days=1)).isoformat()
    b = D.DrillBook(cli_home, today=lambda: DAY0)
    nxt = b.queue()[0]
    b.close()
    assert nxt.before == 1, "the lowest-scored miss comes first"
    r = _invoke("drill", "--today", DAY0.isoformat())
    assert r.exit_code == 0 and "no drill due today" in r.stdout and nxt.id in r.stdout
    answer = (
        "For a new item with only a few impressions I would smooth its click-through rate toward the category average with a prior, "
        "because a raw rate over five impressions is noise. Item features such as age, author and a content embedding are computed "
        "in batch and read from a feature store at serving time."
    )
    r = _invoke("drill", "--today", day1, input=answer)
    assert r.exit_code == 0, r.output
    assert "before" in r.stdout and "→ after" in r.stdout
    assert D.question(nxt, library(), concept_bank()) in r.stdout
    b = D.DrillBook(cli_home, today=lambda: DAY0 + timedelta(days=1))
    try:
        first = b.get(nxt.id)
        tries = b.attempts(nxt.id)
        assert len(tries) == 1 and tries[0]["before"] == first.before == 1, "before: the score at the miss"
        after = tries[0]["score"]
        assert f"after {'–' if after is None else after}" in r.stdout
        assert (first.step == 1) == (after is not None and after >= D.PASS)
    finally:
        b.close()
    r = _invoke("drill", "no-such-drill", "--today", day1)
    assert r.exit_code != 0 and "no drill" in str(r.exception)
    r = _invoke("drill", made[1], "--today", day1, input="   \n")
    assert r.exit_code != 0 and "no answer" in str(r.exception)


@pytest.mark.slow
def test_a_finished_interview_records_its_drills_and_a_simulation_does_not(tmp_path, tmp_path_factory, monkeypatch):
    from engine_support import fresh_home, settings_for

    from interviewer.clock import VirtualClock
    from interviewer.session import Engine, Session

    home = fresh_home(tmp_path, tmp_path_factory, monkeypatch)
    eng = Engine(settings_for(home))
    try:
        s = Session.start(eng, CASE, brain="offline", clock=VirtualClock(), phases=[Phase.FRAME])
        s.send("We rank posts by a weighted sum of predicted engagement probabilities.")
        s.send("/end")
        assert s.finished
        sim = Session.start(eng, CASE, brain="offline", clock=VirtualClock(), phases=[Phase.FRAME], kind="simulation")
        sim.send("/end")
    finally:
        eng.close()
    b = D.DrillBook(home)
    try:
        assert b.ingested(s.id) and not b.ingested(sim.id)
        missed = {c.id for p in s.finished_card.phases for c in p.criteria if (c.score or 0) <= 2}
        assert missed and {d.criterion for d in b.all()} <= missed and b.all()
        said = "We rank posts by a weighted sum of predicted engagement probabilities."
        named = {m.concept_id for m in concept_bank().find_mentions(said)}
        assert not named & {d.concept for d in b.all()}, "a concept the candidate named is not drilled"
        assert D.catch_up(b, concept_bank) == [], "nothing left to catch up"
    finally:
        b.close()


def test_the_fortnight_in_the_readme(book: D.DrillBook, clock: VirtualDate):
    """The README's table, replayed: one drill passed at every step, one missed on day 3 and missed again
    in an interview on day 10."""
    neg = D.Miss("hard-negatives", Phase.MODEL, "loss-and-negatives", "hard-negatives", None, "Loss function and negative examples", "hard negatives")
    split = D.Miss("time-based-split", Phase.DATA, "leakage", "time-based-split", 2, "Leakage", "time-based split")
    book.record("s1", CASE, [neg, split])
    scores = {"hard-negatives": {1: 3, 3: 4, 7: 3, 14: 3}, "time-based-split": {1: 3, 3: 2, 4: 3, 7: 3}}
    log = []
    for n in range(22):
        clock.go(n)
        if n == 10:
            book.record("s2", CASE, [split])
        for d in book.due():
            a = book.attempt(d.id, scores[d.id].get(n, 4))
            log.append((n, d.id, "mastered" if a.mastered else ("restart" if a.restarted else "next"), a.drill.due and (a.drill.due - DAY0).days))
    assert log == [
        (1, "hard-negatives", "next", 3), (1, "time-based-split", "next", 3),
        (3, "hard-negatives", "next", 7), (3, "time-based-split", "restart", 4),
        (4, "time-based-split", "next", 6), (6, "time-based-split", "next", 10),
        (7, "hard-negatives", "next", 14),
        (11, "time-based-split", "next", 13), (13, "time-based-split", "next", 17),
        (14, "hard-negatives", "mastered", None),
        (17, "time-based-split", "next", 24),
    ]
    assert [(d.id, d.status, d.misses) for d in book.all()] == [("hard-negatives", D.MASTERED, 1), ("time-based-split", D.ACTIVE, 2)]
