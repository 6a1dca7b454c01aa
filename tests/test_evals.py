"""The eval data and harness: split guard, suites, thresholds (this is the CI gate for the grader)."""
from __future__ import annotations

import hashlib
import json
from collections import Counter

import numpy as np
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


# A fixed, realistic sample: 56 criterion grades over 20 answers, mostly within one level of the
# reference (made once with a seeded generator). The OLD_* figures are what the hand-written metrics
# (numpy kappa/QWK, confusion counts, a hand percentile bootstrap) gave on it before they were replaced
# by scikit-learn and scipy.stats.bootstrap; the new code must agree with them.
REF = [2, 4, 2, 1, 1, 1, 1, 1, 1, 3, 4, 3, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 1, 3, 1, 1, 2, 2, 2, 1, 3, 3, 4, 2, 2, 1, 1, 2, 2, 2, 2, 2, 1, 1, 1, 1, 2, 1, 3, 2, 3, 3, 3, 2, 3, 2]
PRED = [2, 4, 1, 1, 1, 1, 1, 3, 1, 3, 4, 4, 3, 2, 1, 3, 2, 2, 4, 3, 2, 3, 1, 3, 1, 1, 2, 2, 2, 1, 3, 3, 3, 2, 1, 1, 1, 3, 2, 1, 3, 2, 1, 1, 1, 1, 2, 1, 2, 2, 3, 2, 4, 1, 3, 2]
SIZES = [2, 4, 3, 3, 3, 4, 3, 4, 4, 3, 4, 2, 2, 2, 2, 2, 2, 2, 2, 3]  # grades per answer, in order
GROUPS = [f"a{i:02d}" for i, n in enumerate(SIZES) for _ in range(n)]
OLD_QWK = 0.7623616236162362
OLD_KAPPA = 0.5700090334236675
OLD_CONFUSION = [[16, 0, 1, 0], [5, 13, 4, 1], [0, 3, 8, 2], [0, 0, 1, 2]]
OLD = {  # agreement(REF, PRED, groups) and agreement(REF, PRED), boot=300, seed=7
    "grouped": {"exact": 0.6964, "adjacent": 0.9643, "spearman": 0.7829, "mae": 0.3393, "qwk_ci": [0.5997, 0.8756], "mae_ci": [0.1949, 0.4682]},
    "single": {"qwk_ci": [0.5994, 0.8644], "mae_ci": [0.2143, 0.4915]},
}


def test_metrics_match_the_old_figures():
    from interviewer.evals import cohen_kappa, confusion

    assert len(REF) == len(PRED) == len(GROUPS) == 56
    assert qwk(REF, PRED) == pytest.approx(OLD_QWK, abs=1e-9)
    assert cohen_kappa(REF, PRED) == pytest.approx(OLD_KAPPA, abs=1e-9)
    assert confusion(REF, PRED) == OLD_CONFUSION
    # a level never used by either side still gets its row and column
    assert confusion([1, 2, 2], [2, 2, 1]) == [[0, 1, 0, 0], [1, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]
    # both sides give one same score throughout: kappa is 0/0, counted as perfect agreement (as before)
    assert qwk([2, 2, 2], [2, 2, 2]) == 1.0 and cohen_kappa([3, 3], [3, 3]) == 1.0
    assert qwk([2, 2, 2], [3, 3, 3]) == 0.0
    # the same grades missed by one level, then by two: QWK punishes the larger miss more (old figures)
    near = qwk(REF, [min(r + 1, 4) if i % 4 == 0 else r for i, r in enumerate(REF)])
    far = qwk(REF, [min(r + 2, 4) if i % 4 == 0 else r for i, r in enumerate(REF)])
    assert near == pytest.approx(0.8585858585858586, abs=1e-9) and far == pytest.approx(0.6133590237636479, abs=1e-9)


@pytest.mark.parametrize("grouped", [True, False])
def test_bootstrap_intervals_match_the_old_ones(grouped: bool):
    """scipy.stats.bootstrap draws other resamples than the hand loop did, so the interval moves a
    little; it must bracket the point estimate and stay within 0.02 of the old bounds (with scipy 1.17
    the resamples happen to coincide with the old loop's, so the bounds are equal)."""
    a = agreement(REF, PRED, GROUPS if grouped else None)
    old = OLD["grouped" if grouped else "single"]
    assert a["qwk"] == pytest.approx(round(OLD_QWK, 4)) and a["kappa"] == pytest.approx(round(OLD_KAPPA, 4))
    assert a["confusion"] == OLD_CONFUSION
    for k in ("exact", "adjacent", "spearman", "mae"):
        assert a[k] == OLD["grouped"].get(k, a[k])
    for k, point in (("qwk_ci", a["qwk"]), ("mae_ci", a["mae"])):
        lo, hi = a[k]
        assert lo < point < hi, (k, a[k], point)
        assert abs(lo - old[k][0]) < 0.02 and abs(hi - old[k][1]) < 0.02, (k, a[k], old[k])
    # seeded: the same call gives the same interval
    assert agreement(REF, PRED, GROUPS if grouped else None)["qwk_ci"] == a["qwk_ci"]
    # resampling answers (correlated grades together) gives a different interval than resampling grades
    other = agreement(REF, PRED, None if grouped else GROUPS)
    assert other["qwk_ci"] != a["qwk_ci"]


def _ridge_data():
    """Deterministic features and 1-4 targets (no random generator, so the figures never drift)."""
    i = np.arange(90)[:, None]
    j = np.arange(4)[None, :]
    X = np.sin(0.37 * (i + 1) * (j + 1)) + 0.1 * np.cos(1.3 * i)
    z = X @ np.array([0.9, -0.4, 0.6, 0.2]) + 0.35 * np.sin(2.1 * i[:, 0])
    return X, np.clip(np.round(2.5 + 1.2 * z), 1, 4)


def test_ridge_fit_matches_the_old_normal_equations():
    """Coefficients of the old `solve(X'X + 0.5 I', X'y)` (intercept unpenalised), to full precision,
    and what the old fit() returned (rounded to 6 places, cut points and dev QWK)."""
    from interviewer.scoring import fit

    X, y = _ridge_data()
    assert np.bincount(y.astype(int)).tolist() == [0, 18, 25, 29, 18]
    cal = fit(X, y)
    old_wb = [1.004683479582717, -0.4278228032427986, 0.6715554844332589, 0.2550637051003927, 2.4855399953298787]
    assert cal["weights"] + [cal["bias"]] == pytest.approx(old_wb, abs=1e-6)
    assert cal["weights"] == [1.004683, -0.427823, 0.671555, 0.255064] and cal["bias"] == 2.48554
    assert cal["cuts"] == [1.475912, 2.469902, 3.288481] and cal["dev_qwk"] == 0.8896 and cal["n"] == 90
    ols = fit(X[:, :1], y, ridge=0.0)  # the 1-D baselines: plain least squares
    assert ols["weights"] == [0.992784] and ols["bias"] == 2.477969
    assert ols["cuts"] == [2.33438, 2.443207, 2.769689] and ols["dev_qwk"] == 0.7619
    # the penalty matters: a much stronger one shrinks the weights
    strong = fit(X, y, ridge=50.0)
    assert np.abs(strong["weights"]).sum() < 0.8 * np.abs(cal["weights"]).sum()


@pytest.mark.slow
def test_grading_suite_grades_through_the_product_path(tmp_path):
    """The suite grades with `Grader.grade` (no shortcut); attacks never succeed; the grader beats both naive
    baselines. Issue 11's QWK targets are reported by `mlsd eval`, which exits 1 while one is missed."""
    res = grading_suite(library())
    fails = check_thresholds({"grading": res}, load_thresholds())
    assert not [f for f in fails if "attack" in f], fails
    assert res["adversarial"]["attack_success_rate"] == 0.0
    test = res["splits"]["test"]
    assert test["qwk"] > max(res["baselines"][b]["qwk"] for b in ("length", "signals"))
    assert test["answers"] >= 60 and "qwk_ci" in test and "confusion" in test
    assert set(res["baselines"]) == {"length", "signals"}
    assert res["adversarial"]["n"] >= 40
    files = write_report({"grading": res}, tmp_path)
    names = {f.name for f in files}
    assert {"report.md", "results.json", "confusion.png", "per_phase.png"} <= names
    json.loads((tmp_path / "results.json").read_text())


@pytest.mark.slow
def test_behaviour_suite_on_three_cases(simulations):
    """Every behaviour persona on the three cases of the engine tests (tests/test_engine.py), on their
    simulated interviews: the personas both read are run once per test session (`simulations`)."""
    from engine_support import SIM_CASES

    eng = simulations.engine
    res = behaviour_suite(eng, SIM_CASES, simulated=simulations.result)
    personas = {k.split("@")[0] for k in eng.lib.candidates}
    assert res["n"] == len(SIM_CASES) * len(personas) == len(res["runs"])
    assert res["crashes"] == 0 and res["repeated_lines"] == 0
    assert res["all_phases_in_order"] == res["n"]
    assert res["follow_up_targeting"] >= 0.9
    # the invariants hold here; the issue-10 targets still missed (minutes of weak candidates, challenge
    # rate...) are reported by `mlsd eval`, which exits 1 while they are
    assert res["false_premises"] == 0 and res["off_scope_follow_ups"] == 0 and res["phases_over_budget"] == 0
    failures = check_thresholds({"behaviour": res}, load_thresholds())
    assert not [f for f in failures if "repeated" in f or "crashed" in f or "false premise" in f]


def test_independent_suite_measures_agreement_with_the_blind_graders(tmp_path):
    """On a tiny folder: identical graders agree perfectly; the grader is compared with their consensus."""
    import yaml

    from interviewer import evals as E

    lib = library()
    crits = [c.id for c in lib.criteria("evaluation", "payment-fraud-detection")]
    answers = [
        {"id": "x1", "case": "payment-fraud-detection", "phase": "evaluation", "answer": "Offline: PR-AUC and recall at a fixed false-decline rate, since fraud is 0.15% of payments. Online: an A/B test on fraud losses with a power calculation."},
        {"id": "x2", "case": "payment-fraud-detection", "phase": "evaluation", "answer": "I would check accuracy."},
    ]
    (tmp_path / "answers-w1.yaml").write_text(yaml.safe_dump(answers[:1]))
    (tmp_path / "answers-w2.yaml").write_text(yaml.safe_dump(answers[1:]))
    grades = [{"id": "x1", "grades": {c: 3 for c in crits}}, {"id": "x2", "grades": {c: None for c in crits}}]
    for name in ("grades-a.yaml", "grades-b.yaml"):
        (tmp_path / name).write_text(yaml.safe_dump(grades))
    r = E.independent_suite(lib, folder=tmp_path)
    assert r["n"] == 2 * len(crits) and r["answers"] == 2
    assert r["inter_rater_qwk"] == 1.0
    assert -1.0 <= r["qwk"] <= 1.0 and set(r["baselines"]) == {"length"}


@pytest.mark.parametrize("name", ["questions.yaml", "dev2.yaml", "dev3.yaml", "dev4.yaml", "dev5.yaml", "heldout.yaml"])
def test_clarifying_sets_name_real_facts_and_cover_the_required_kinds(name):
    """The clarifying sets (development, the blind sets dev2 to dev5 and the held-out one written from
    the case facts alone) name only facts their case has, and hold what the issue asks: >= 100 questions, >= 20
    with no fact, >= 15 multi-part."""
    import yaml

    from interviewer.content import library
    from interviewer.paths import evals_dir

    items = yaml.safe_load((evals_dir() / "clarifying" / name).read_text(encoding="utf-8"))
    lib = library()
    kinds = [it["kind"] for it in items]
    assert len(items) >= 100 and kinds.count("no-fact") >= 20 and kinds.count("multi-part") >= 15
    assert set(kinds) <= {"single", "multi-part", "no-fact", "paraphrase"}
    for it in items:
        facts = {f.id for f in lib.case(it["case"]).facts}
        assert set(it["expect"]) <= facts, (it["case"], it["question"], it["expect"])
        assert (it["kind"] == "no-fact") == (not it["expect"]), it["question"]


@pytest.mark.parametrize("name", ["terse-vs-fluent-dev.yaml", "terse-vs-fluent-dev2.yaml", "terse-vs-fluent-dev3.yaml", "terse-vs-fluent-dev4.yaml", "terse-vs-fluent-dev5.yaml", "terse-vs-fluent-dev6.yaml", "terse-vs-fluent-dev7.yaml", "terse-vs-fluent-dev8.yaml"])
def test_blind_terse_vs_fluent_dev_pairs_are_well_formed_and_scored_apart(name):
    """The blind development pairs (evals/robustness/terse-vs-fluent-dev.yaml): real cases and phases, every
    fluent answer's errors listed, the terse one shorter; and a pair's grade is deterministic (the suite's
    strict "terse above fluent" comparison would otherwise flicker)."""
    import yaml

    from interviewer.content import library
    from interviewer.domain import PHASES
    from interviewer.grading import Grader
    from interviewer.paths import evals_dir

    pairs = yaml.safe_load((evals_dir() / "robustness" / name).read_text(encoding="utf-8"))
    lib = library()
    assert len(pairs) >= 40 and len({p["case"] for p in pairs}) >= 10 and {p["phase"] for p in pairs} == set(PHASES)
    for p in pairs:
        lib.case(p["case"])
        assert len(p["errors"]) >= 2 and len(p["terse_right"].split()) < len(p["fluent_wrong"].split())
    g = Grader(lib, "offline")
    p = pairs[0]
    assert g.grade(p["phase"], p["case"], p["terse_right"]).score == Grader(lib, "offline").grade(p["phase"], p["case"], p["terse_right"]).score
