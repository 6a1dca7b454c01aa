"""The eval data and harness: split guard, suites, thresholds (this is the CI gate for the grader)."""
from __future__ import annotations

import hashlib
import json
from collections import Counter

import pytest

from interviewer import PHASES
from interviewer.content import library
from interviewer.evals import (
    agreement,
    behaviour_suite,
    check_thresholds,
    grading_suite,
    load_adversarial,
    load_recorded,
    load_split,
    load_thresholds,
    split_path,
    write_report,
)
from interviewer.scoring import qwk

# The dev/test split is made once. If this fails, the split changed: that must be a deliberate,
# reviewed change (update the digest here and say why), never a silent one.
SPLIT_SHA256 = "98ce1e4b4cdcfe93416e828efe0e6a44eca11c806c6ecd0a0e4804aebe3958e7"


def test_split_is_frozen():
    assert hashlib.sha256(split_path().read_bytes()).hexdigest() == SPLIT_SHA256


def test_recorded_answers_cover_the_ground():
    lib = library()
    items = load_recorded(lib)
    assert len(items) >= 240
    assert len({i.case for i in items}) >= 6
    assert {i.phase for i in items} == set(PHASES)
    assert set(Counter(i.quality for i in items)) == {"strong", "good", "fair", "weak"}
    split = load_split(items)
    assert sum(1 for i in items if split[i.id] == "test") >= 60
    assert set(split) >= {i.id for i in items}


def test_adversarial_set_covers_every_kind():
    pairs = load_adversarial()
    kinds = Counter(p["kind"] for p in pairs)
    assert len(pairs) >= 40
    for k in ("plea-appended", "plea-embedded", "buzzword-salad", "padded", "off-topic", "restated", "wrong-phase", "empty", "whitespace", "long-paste"):
        assert kinds[k] >= 1, k


def test_agreement_metrics_are_right():
    ref = [1, 2, 3, 4, 1, 2, 3, 4]
    assert qwk(ref, ref) == pytest.approx(1.0)
    a = agreement(ref, ref, boot=50)
    assert a["exact"] == 1.0 and a["mae"] == 0.0 and a["kappa"] == pytest.approx(1.0)
    worse = agreement(ref, [4, 3, 2, 1, 4, 3, 2, 1], boot=50)
    assert worse["qwk"] < 0 and worse["adjacent"] < 1


@pytest.mark.slow
def test_grading_suite_meets_thresholds(tmp_path):
    res = grading_suite(library())
    th = load_thresholds()
    fails = check_thresholds({"grading": res}, th)
    assert not fails, fails
    test = res["splits"]["test"]
    assert test["answers"] >= 60 and "qwk_ci" in test and "confusion" in test
    assert set(res["baselines"]) == {"length", "signals"}
    assert res["adversarial"]["n"] >= 40
    files = write_report({"grading": res}, tmp_path)
    names = {f.name for f in files}
    assert {"report.md", "results.json", "confusion.png", "per_phase.png"} <= names
    json.loads((tmp_path / "results.json").read_text())


@pytest.mark.slow
def test_behaviour_suite_on_two_cases(tmp_path, tmp_path_factory, monkeypatch):
    from engine_support import fresh_home, settings_for
    from interviewer.session import Engine

    home = fresh_home(tmp_path, tmp_path_factory, monkeypatch)
    eng = Engine(settings_for(home))
    res = behaviour_suite(eng, ["harmful-content-detection", "query-autocomplete"])
    eng.close()
    assert res["crashes"] == 0 and res["repeated_lines"] == 0
    assert res["all_phases_in_order"] == res["n"] == 10
    assert res["follow_up_targeting"] >= 0.9
    assert not check_thresholds({"behaviour": res}, load_thresholds())
