"""Agreement statistics and the small fitting helpers the eval harness uses (`mlsd eval`).

The offline grader itself scores from evidence (`evidence.py`: concepts, depth and misconceptions);
nothing here reads an answer's meaning. What is here: Cohen's kappa and quadratic weighted kappa over
1-4 scores, a ridge fit with QWK-maximising cut points (for baselines fitted on development data), the
word-level padding measure the grader uses to spot a restated answer, and a stemmed bag of words for
lexical baselines.
"""
from __future__ import annotations

import re
from typing import Any, Sequence

import numpy as np

from .text import answer_spans

REDUNDANT_T = 0.38  # above this share of repeated words the answer is padding and loses a level

_STOP = set(
    "a an the of to in on for and or with by at from as is are be vs via per into over under than that this these those it its their "
    "we our you your they i my me use using used based".split()
)
_FUNCTION = set("the a an to of i we you would will is are was it that this for in on with because so then which if when and or but be by as".split())


def _stem(w: str) -> str:
    w = w.lower().strip("'.-")
    for suf in ("ings", "ing", "ies", "ed", "es", "s"):
        if len(w) > 4 and w.endswith(suf):
            return w[: -len(suf)]
    return w


def _tokens(text: str) -> set[str]:
    return {_stem(t) for t in re.findall(r"[a-z0-9@]+", text.lower()) if t not in _STOP}


REDUNDANCY_WINDOW = 300  # content words: a longer text is judged window by window


def redundancy(text: str) -> float:
    """1 - distinct/total content words. Recorded answers stay under 0.37; padding goes above 0.4.

    The share of repeated words grows with length alone (a 45-minute interview's words repeat far more than
    one answer's: every whole interview of the scripted candidates measured 0.38-0.47 and lost a level as
    "padding"), so a text longer than `REDUNDANCY_WINDOW` content words is the median over windows of that
    many: an answer shorter than that measures exactly as before."""
    ws = [w for w in re.findall(r"[a-z0-9']+", text.lower()) if w not in _FUNCTION]
    if len(ws) < 40:
        return 0.0
    if len(ws) <= REDUNDANCY_WINDOW:
        return 1.0 - len(set(ws)) / len(ws)
    chunks = [ws[i : i + REDUNDANCY_WINDOW] for i in range(0, len(ws), REDUNDANCY_WINDOW)]
    if len(chunks) > 1 and len(chunks[-1]) < REDUNDANCY_WINDOW // 2:
        last = chunks.pop()  # a short tail joins the window before it
        chunks[-1] = chunks[-1] + last
    return float(np.median([1.0 - len(set(c)) / len(c) for c in chunks]))


def padded_spans(text: str) -> list[tuple[int, int]]:
    """The answers that repeat themselves (`redundancy` above `REDUNDANT_T`), answer by answer: a phase's
    answers are joined with blank lines, and a candidate asked the same thing twice says the same thing twice
    (a probe saw "padding cost one level" on every criterion of a phase whose questions had repeated)."""
    return [(a, b) for a, b in answer_spans(text) if redundancy(text[a:b]) > REDUNDANT_T]


def padded(text: str) -> bool:
    """Whether some answer of the text repeats itself (`padded_spans`)."""
    return bool(padded_spans(text))


def discretize(z: float, cuts: Sequence[float]) -> int:
    return 1 + sum(1 for c in cuts if z >= c)


def kappa(a: Sequence[int], b: Sequence[int], weights: str | None = None, k: int = 4) -> float:
    """Cohen's kappa over the scores 1..k (scikit-learn), weighted or not; NaN for no data.

    When both sides give one and the same score throughout, kappa is 0/0; that is perfect agreement, 1.0."""
    from sklearn.metrics import cohen_kappa_score

    a_ = np.asarray(a, dtype=int)
    b_ = np.asarray(b, dtype=int)
    if len(a_) == 0:
        return float("nan")
    if (a_ == a_[0]).all() and (b_ == a_[0]).all():
        return 1.0
    return float(cohen_kappa_score(a_, b_, labels=list(range(1, k + 1)), weights=weights))


def qwk(a: Sequence[int], b: Sequence[int], k: int = 4) -> float:
    """Quadratic weighted kappa over the scores 1..k."""
    return kappa(a, b, "quadratic", k)


def fit(X: np.ndarray, y: np.ndarray, ridge: float = 0.5) -> dict[str, Any]:
    """Ridge regression to the reference scores (scikit-learn; the intercept is not penalised), then cut
    points that maximise QWK on the same (dev) data."""
    from sklearn.linear_model import LinearRegression, Ridge

    X = np.asarray(X, dtype=np.float64)  # features are float32; fit in float64 as the normal equations did
    model = Ridge(alpha=ridge) if ridge > 0 else LinearRegression()
    model.fit(X, y)
    w, b = model.coef_, float(model.intercept_)
    z = X @ w + b
    cuts = [1.5, 2.5, 3.5]
    grid = np.linspace(float(np.min(z)), float(np.max(z)), 60)
    for _ in range(3):  # coordinate ascent over the three cut points
        for ci in range(3):
            best = (qwk(y, [discretize(v, cuts) for v in z]), cuts[ci])
            lo = cuts[ci - 1] if ci > 0 else -np.inf
            hi = cuts[ci + 1] if ci < 2 else np.inf
            for g in grid:
                if lo < g < hi:
                    trial = list(cuts)
                    trial[ci] = float(g)
                    q = qwk(y, [discretize(v, trial) for v in z])
                    if q > best[0] + 1e-9:
                        best = (q, float(g))
            cuts[ci] = best[1]
    return {
        "version": 1,
        "weights": [round(float(v), 6) for v in w],
        "bias": round(b, 6),
        "cuts": [round(c, 6) for c in cuts],
        "dev_qwk": round(qwk(y, [discretize(v, cuts) for v in z]), 4),
        "n": int(len(y)),
    }
