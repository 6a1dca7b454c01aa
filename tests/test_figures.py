"""Figures a candidate states against the case's own (interviewer/figures.py, knowledge/concepts/figures.yaml)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from engine_support import fresh_home, settings_for

from interviewer.clock import VirtualClock
from interviewer.concepts import ConceptBank, concept_bank, load_concept_bank
from interviewer.content import library
from interviewer.errors import ContentError
from interviewer.paths import knowledge_dir


@pytest.fixture(scope="module")
def bank() -> ConceptBank:
    return concept_bank()


def _figures(bank: ConceptBank, text: str, case: str) -> list[tuple[str, str]]:
    return [(bank.figure_of[h.misconception_id][1], h.matched) for h in bank.find_misconceptions(text, case) if h.misconception_id in bank.figure_of]


# ad-click-prediction: 800M DAU, 5B requests and 20B impressions a day, 60k QPS on average and 150k at peak,
# a 1% click-through rate; payment-fraud-detection: 0.15% fraud, 300 payments a second, 3,000 at peak
OFF = [
    ("ad-click-prediction", "We have about 3B DAU.", "daily-active-users"),
    ("ad-click-prediction", "Scale: DAU is roughly 100 million, each seeing 25 ads.", "daily-active-users"),
    ("ad-click-prediction", "QPS ~ 1M at peak, so the ranker must be cheap.", "request-rate"),
    ("ad-click-prediction", "CTR is around 5%, so the classes are less skewed than usual.", "base-rate"),
    ("ad-click-prediction", "That gives 500 million impressions a day to train on.", "daily-impressions"),
    ("payment-fraud-detection", "Fraud rate is about 2%, so heavy imbalance.", "base-rate"),
    ("payment-fraud-detection", "- traffic: 50k QPS peak", "request-rate"),
    ("video-search", "A billion searches a day works out to about 1,200 QPS on average, so peak is a few thousand.", "request-rate"),
]

FITS_OR_NOT_A_CLAIM = [
    ("ad-click-prediction", "DAU is ~800M, 25 ads each."),  # the case's figure
    ("ad-click-prediction", "1B DAU, so roughly 60k QPS average and 150k at peak."),  # within the factor
    ("ad-click-prediction", "Is DAU around 3B?"),  # a question
    ("ad-click-prediction", "Each node serves 500 QPS, so we need a few hundred of them."),  # a machine's share
    ("ad-click-prediction", "A 10% CTR lift would be huge."),  # a change, not a level
    ("ad-click-prediction", "Alert only on campaigns with at least 10,000 impressions a day."),  # a threshold
    ("ad-click-prediction", "+5% CTR in the treatment group."),  # a change in a part
    ("ad-click-prediction", "We might grow to 3B DAU in five years."),  # a future
    ("ad-click-prediction", "Two towers, one for users and one for ads."),  # number words are not figures
    ("payment-fraud-detection", "Fraud rate can reach 2% for digital goods merchants."),  # a part of the traffic
    ("video-search", "A billion searches a day is about 12k QPS on average and 40k at peak."),  # 12k is the QPS
    ("ad-click-prediction", "Assume 3B DAU.\nActually, per the numbers you gave, 800M DAU."),  # corrected in the same answer
]


@pytest.mark.parametrize(("case", "text", "kind"), OFF)
def test_a_figure_far_from_the_cases_own_is_found(bank: ConceptBank, case: str, text: str, kind: str):
    got = _figures(bank, text, case)
    assert [k for k, _ in got] == [kind], got
    assert got[0][1] in text


@pytest.mark.parametrize(("case", "text"), FITS_OR_NOT_A_CLAIM)
def test_a_figure_that_fits_or_is_no_claim_is_not(bank: ConceptBank, case: str, text: str):
    assert _figures(bank, text, case) == []


def test_figures_are_checked_only_against_a_case(bank: ConceptBank):
    assert _figures(bank, "We have about 3B DAU.", "ad-click-prediction")
    assert not [h for h in bank.find_misconceptions("We have about 3B DAU.") if h.misconception_id in bank.figure_of]
    # a case that declares no base rate has nothing to check a stated one against
    assert "event-recommendation" not in {c for c, k in bank.figure_of.values() if k == "base-rate"}


def test_the_challenge_puts_back_the_facts_own_sentence(bank: ConceptBank):
    mid = next(m for m, (c, k) in bank.figure_of.items() if (c, k) == ("ad-click-prediction", "daily-active-users"))
    ch = bank.misconception(mid).challenge
    assert "800 million daily active users" in ch and ch.endswith("?")
    assert bank.misconception(mid).phase == "clarify"


def test_the_grader_does_not_count_a_figure(bank: ConceptBank):
    """An answer often assumes its scale before asking: the interviewer puts the case's figure back, the grade
    is not capped for it."""
    from interviewer import evidence

    an = evidence.analyse("We have about 3B DAU and 1M QPS at peak, so the feature store must be distributed.", "clarify", "ad-click-prediction")
    assert an.misconceptions == []
    assert _figures(bank, an.text, "ad-click-prediction")


def test_the_interviewer_puts_the_cases_figure_back(tmp_path, tmp_path_factory, monkeypatch):
    """A wrong scale stated while designing is challenged in the next line, with the case's own sentence; a
    question that gets the fact in its answer is not challenged a second time."""
    from interviewer.session import Engine, Session

    eng = Engine(settings_for(fresh_home(tmp_path, tmp_path_factory, monkeypatch)))
    try:
        s = Session.start(eng, "ad-click-prediction", brain="offline", clock=VirtualClock())
        s.send("I'd start by framing it. We have about 3B DAU, so scale matters, and the goal is revenue with user experience as a guardrail.")
        last = s.transcript[-1]
        assert last["role"] == "interviewer" and last["kind"] == "challenge", last
        assert "800 million daily active users" in last["text"]
        s.send("I'll assume 3B DAU. How many daily active users do we have?")
        last = s.transcript[-1]
        assert last["kind"] == "clarify" and "daily-active-users" in last["facts"]
        assert last["text"].count("800 million") == 1  # the answer gives the figure once, no challenge on top
    finally:
        eng.close()


def test_a_broken_figures_file_names_its_file_and_line(tmp_path: Path):
    src = knowledge_dir() / "concepts"
    dst = tmp_path / "concepts"
    shutil.copytree(src, dst)
    p = dst / "figures.yaml"
    text = p.read_text(encoding="utf-8")
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if "criteria: [users-and-scale, scaling]" in line)
    lines[at] = lines[at].replace("scaling", "no-such-criterion")
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ContentError) as e:
        load_concept_bank(dst, library())
    assert "figures.yaml" in str(e.value) and "no-such-criterion" in str(e.value)
    assert e.value.line == at + 1
