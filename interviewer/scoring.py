"""The offline grader's scoring model: local embeddings of an answer against each criterion.

How it works (documented here because the scorecard depends on it):

1. The answer is sanitised, sentences that address the grader are removed (`text.strip_injections`),
   repeated sentences are dropped (padding earns nothing) and the rest are embedded with
   all-MiniLM-L6-v2.
2. Each criterion has anchors: its title and description, its level-3 and level-4 descriptors and
   each of its signal phrases, embedded once.
3. Per criterion, nine features: the best and top-3 mean relevance of a sentence to the anchors,
   how many sentences are relevant, the share of signal phrases said (lexically, stemmed), how many,
   how much of the relevant talk carries reasoning (numbers, "because", trade-off words), whether the
   relevant talk reads closer to the level-4 or the level-2 descriptor, and a list-of-buzzwords
   share (comma-dense sentences without verbs, which never count as evidence). Then ten answer-level
   features computed only over the sentences relevant to this phase (breadth of coverage, signal
   density, numbers and reasoning per relevant word, hedging, the share of the answer that is on
   the phase) and four "this criterion against the phase's average" differences. Answer-level
   features matter because reference grades follow the depth of the whole answer; restricting them
   to phase-relevant sentences keeps off-topic, padded and other-phase text from lifting them.
4. A linear model maps the features to a continuous score; three cut points turn it into 1-4. Both
   are fitted on the **dev split** of `evals/recorded/` (ridge regression, then cut points chosen to
   maximise quadratic weighted kappa on dev) by `mlsd eval --fit`, and stored in
   `interviewer/calibration.json`. The test split is never used for fitting.
5. A criterion with no relevant sentence and no signal phrase gets null (insufficient evidence).
"""
from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from . import PHASES
from .content import Criterion
from .embeddings import embedder
from .text import norm, sentences, strip_injections, words

CALIBRATION_PATH = Path(__file__).resolve().parent / "calibration.json"
BASE_FEATURES = ("r_max", "r_top3", "n_rel", "sig_share", "sig_count", "depth", "level_gap", "salad", "r_desc")
ANSWER_FEATURES = ("a_r_max", "a_r_top3", "a_sig_share", "a_sig_count", "a_level_gap", "a_hedges", "a_numbers", "a_reasons", "a_focus", "a_depth")
RELATIVE_FEATURES = ("d_r_max", "d_r_top3", "d_sig_share", "d_level_gap")
FEATURES = BASE_FEATURES + ANSWER_FEATURES + RELATIVE_FEATURES
REL_T = 0.42  # a sentence is "relevant" to a criterion at this cosine or above
REDUNDANT_T = 0.38  # above this share of repeated words the answer is padding and loses a level
EVIDENCE_T = 0.28  # the best sentences at or above this cosine are quoted as evidence
DUP_T = 0.85  # a sentence this close to an earlier one is a restatement and is dropped
PHASE_MARGIN = 0.06  # a sentence far closer to another phase's criteria belongs to that phase

_STOP = set(
    "a an the of to in on for and or with by at from as is are be vs via per into over under than that this these those it its their "
    "we our you your they i my me use using used based".split()
)
_REASON = re.compile(
    r"\b(because|since|so that|so we|which means|therefore|trade-?offs?|instead of|rather than|versus|vs\.?|at the cost|downside|upside|"
    r"the risk|otherwise|if we|unless|whereas|but|however|cheaper|faster|slower|latency of|p9\d|\d+\s?(ms|%|k|m|b|gb|qps)|\d)",
    re.I,
)
_VERB = re.compile(r"\b(is|are|be|would|will|can|could|should|use|train|compute|store|serve|split|measure|run|keep|add|need|want|take|make|log|join|means|helps?|gives?)\b", re.I)


def _stem(w: str) -> str:
    w = w.lower().strip("'.-")
    for suf in ("ings", "ing", "ies", "ed", "es", "s"):
        if len(w) > 4 and w.endswith(suf):
            return w[: -len(suf)]
    return w


def _tokens(text: str) -> set[str]:
    return {_stem(t) for t in re.findall(r"[a-z0-9@]+", text.lower()) if t not in _STOP}


@dataclass
class Anchors:
    criterion: Criterion
    desc: np.ndarray  # (d,)
    levels: np.ndarray  # (4, d)
    signals: np.ndarray  # (n, d)
    all: np.ndarray  # (m, d) everything that counts as relevant
    signal_tokens: list[set[str]]


_bank_lock = threading.Lock()
_bank: dict[str, Anchors] = {}


def anchors(crits: Sequence[Criterion]) -> list[Anchors]:
    missing = [c for c in crits if c.id not in _bank]
    if missing:
        texts: list[str] = []
        spans: list[tuple[int, int, int]] = []
        for c in missing:
            start = len(texts)
            texts.append(f"{c.title}: {c.description}")
            texts += [c.levels[k] for k in (1, 2, 3, 4)]
            texts += list(c.signals)
            spans.append((start, len(c.signals), len(texts)))
        vecs = embedder().encode(texts)
        with _bank_lock:
            for c, (start, n_sig, _end) in zip(missing, spans):
                desc = vecs[start]
                levels = vecs[start + 1 : start + 5]
                sig = vecs[start + 5 : start + 5 + n_sig]
                allv = np.vstack([desc[None, :], levels[2:4], sig])
                _bank[c.id] = Anchors(c, desc, levels, sig, allv, [_tokens(s) for s in c.signals])
    return [_bank[c.id] for c in crits]


@dataclass
class Prepared:
    """An answer ready for scoring: kept sentences, their vectors, and what was dropped."""

    text: str
    sents: list[str]
    vecs: np.ndarray
    tokens: set[str]
    dropped: list[str]
    norm_text: str
    redundancy: float = 0.0  # share of repeated content words in the whole answer

    @property
    def n_words(self) -> int:
        return len(words(self.text))


def prepare(text: str) -> Prepared:
    kept, dropped = strip_injections(text)
    seen: set[str] = set()
    sents: list[str] = []
    for s in sentences(kept):
        k = norm(s)
        if len(k.split()) < 3 or k in seen:
            continue
        seen.add(k)
        sents.append(s)
    sents = sents[:150]
    vecs = embedder().encode(sents) if sents else np.zeros((0, 384), dtype=np.float32)
    if len(sents) > 1:  # restating a point in other words adds nothing: keep the first saying
        keep: list[int] = []
        for i in range(len(sents)):
            if not keep or float((vecs[keep] @ vecs[i]).max()) < DUP_T:
                keep.append(i)
        sents = [sents[i] for i in keep]
        vecs = vecs[keep]
    return Prepared(kept, sents, vecs, _tokens(" ".join(sents)), dropped, norm(text), redundancy(kept))


def redundancy(text: str) -> float:
    """1 - distinct/total content words. Recorded answers stay under 0.37; padding goes above 0.4."""
    ws = [w for w in re.findall(r"[a-z0-9']+", text.lower()) if w not in _FUNCTION]
    if len(ws) < 40:
        return 0.0
    return 1.0 - len(set(ws)) / len(ws)


@dataclass
class CriterionFeatures:
    id: str
    x: np.ndarray
    evidence: list[str]
    any_evidence: bool


_HEDGE = re.compile(
    r"\b(not sure|i guess|probably|maybe|stuff|things like that|whatever|basically|kind of|sort of|somehow|magic|i don'?t know|no idea|etc)\b", re.I
)
_NUM = re.compile(r"\d")


_FUNCTION = set("the a an to of i we you would will is are was it that this for in on with because so then which if when and or but be by as".split())


def _is_salad(s: str) -> bool:
    """A list of terms with no sentence around them: comma-dense and almost no function words."""
    ws = re.findall(r"[A-Za-z']+", s.lower())
    n = max(len(ws), 1)
    func = sum(1 for w in ws if w in _FUNCTION) / n
    return s.count(",") >= 3 and s.count(",") / n > 0.15 and func < 0.15


def _criterion_part(p: Prepared, anc: Anchors, mask: np.ndarray | None = None) -> tuple[np.ndarray, list[int], np.ndarray, int]:
    """Per-criterion features, the indices of relevant sentences, the sentence relevances, signals said."""
    n_sig = max(len(anc.signal_tokens), 1)
    matched = sum(1 for toks in anc.signal_tokens if toks and toks <= p.tokens)
    if len(p.sents) == 0:
        return np.zeros(len(BASE_FEATURES), dtype=np.float32), [], np.zeros(0), matched
    sims = p.vecs @ anc.all.T
    r = sims.max(axis=1)
    if mask is not None:
        r = np.where(mask, r, 0.0)
    r_desc = float((p.vecs @ anc.desc).max())
    order = np.argsort(-r)
    top = r[order[:3]]
    rel_idx = [int(i) for i in order if r[i] >= REL_T and not _is_salad(p.sents[int(i)])]
    if rel_idx:
        rel_sents = [p.sents[i] for i in rel_idx]
        depth = float(np.mean([1.0 if _REASON.search(s) else 0.0 for s in rel_sents]))
        centroid = p.vecs[rel_idx].mean(axis=0)
        centroid /= np.linalg.norm(centroid) + 1e-9
        level_gap = float(centroid @ anc.levels[3] - centroid @ anc.levels[1])
    else:
        depth = level_gap = 0.0
    salad = float(np.mean([1.0 if _is_salad(p.sents[int(i)]) else 0.0 for i in order if r[i] >= REL_T] or [0.0]))
    x = np.array(
        [float(top[0]), float(top.mean()), min(len(rel_idx), 6) / 6.0, min(matched / min(n_sig, 4), 1.0), min(matched, 6) / 6.0, depth, level_gap, salad, r_desc],
        dtype=np.float32,
    )
    return x, rel_idx, r, matched


def phase_mask(p: Prepared, phase: str | None) -> np.ndarray | None:
    """Sentences that belong to `phase`: not far closer to another phase's rubric than to this one's."""
    if not _PHASE_BANK:
        from .content import library

        lib = library()
        register_phases({ph: lib.criteria(ph) for ph in lib.rubrics if ph in PHASES})
    if phase is None or phase not in _PHASE_BANK or len(p.sents) == 0:
        return None
    best = {ph: (p.vecs @ m.T).max(axis=1) for ph, m in _PHASE_BANK.items()}
    own = best[phase]
    other = np.max(np.stack([v for ph, v in best.items() if ph != phase]), axis=0) if len(best) > 1 else own * 0
    return own + PHASE_MARGIN >= other


_PHASE_BANK: dict[str, np.ndarray] = {}


def register_phases(rubric_criteria: dict[str, Sequence[Criterion]]) -> None:
    """Anchor matrices per phase (general rubrics only), for attributing sentences to phases."""
    for ph, crits in rubric_criteria.items():
        if ph not in _PHASE_BANK:
            _PHASE_BANK[ph] = np.vstack([a.all for a in anchors(crits)])


def featurize_all(p: Prepared, ancs: Sequence[Anchors], phase: str | None = None) -> list[CriterionFeatures]:
    """Features for every criterion of a phase: its own, plus answer-level ones computed only over the
    sentences relevant to this phase (so off-topic, padded or other-phase text adds nothing)."""
    if phase is None and ancs:
        phase = ancs[0].criterion.phase
    mask = phase_mask(p, phase)
    parts = [_criterion_part(p, a, mask) for a in ancs]
    if not parts:
        return []
    B = np.stack([x for x, _i, _r, _m in parts])
    relevant: set[int] = set()
    for _x, idx, _r, _m in parts:
        relevant.update(idx)
    rel_sents = [p.sents[i] for i in sorted(relevant)]
    rel_words = max(sum(len(s.split()) for s in rel_sents), 1)
    n_words = max(sum(len(s.split()) for s in p.sents), 1)
    answer = np.array(
        [
            float(B[:, 0].mean()),
            float(B[:, 1].mean()),
            float(B[:, 3].mean()),
            float(sum(m for _x, _i, _r, m in parts)) / len(parts) / 6.0,
            float(B[:, 6].mean()),
            min(len(_HEDGE.findall(p.text)) / n_words * 100, 10.0),
            min(sum(len(_NUM.findall(s)) for s in rel_sents) / rel_words * 100, 20.0),
            min(sum(len(_REASON.findall(s)) for s in rel_sents) / rel_words * 100, 20.0),
            len(relevant) / max(len(p.sents), 1),
            float(B[:, 5].mean()),
        ],
        dtype=np.float32,
    )
    out = []
    for anc, (x, idx, _r, matched) in zip(ancs, parts):
        full = np.concatenate([x, answer, x[[0, 1, 3, 6]] - B[:, [0, 1, 3, 6]].mean(axis=0)]).astype(np.float32)
        ev_idx = idx[:3] or [int(i) for i in np.argsort(-_r)[:2] if _r[i] >= EVIDENCE_T and not _is_salad(p.sents[int(i)])]
        out.append(CriterionFeatures(anc.criterion.id, full, [p.sents[i] for i in ev_idx], bool(ev_idx) or matched > 0))
    return out


# ------------------------------------------------------------------------------ calibration

_DEFAULT_CAL: dict[str, Any] = {
    "version": 1,
    "fitted_on": "default (hand-set before any recorded answers existed)",
    "features": list(FEATURES),
    "weights": [2.0, 1.5, 1.0, 1.2, 0.8, 0.6, 2.0, -0.8, 0.5] + [0.0] * 14,
    "bias": -0.9,
    "cuts": [1.5, 2.3, 3.1],
    "null_r": 0.30,
}

_cal_cache: dict[str, Any] | None = None


def load_calibration(path: Path | None = None) -> dict[str, Any]:
    global _cal_cache
    if path is None and _cal_cache is not None:
        return _cal_cache
    p = path or CALIBRATION_PATH
    try:
        cal = json.loads(p.read_text())
        if cal.get("features") != list(FEATURES):
            cal = dict(_DEFAULT_CAL)
    except (OSError, ValueError):
        cal = dict(_DEFAULT_CAL)
    if path is None:
        _cal_cache = cal
    return cal


def set_calibration(cal: dict[str, Any] | None) -> None:
    """Use this calibration in this process (the eval harness swaps in a fresh fit)."""
    global _cal_cache
    _cal_cache = cal


def continuous(x: np.ndarray, cal: dict[str, Any]) -> float:
    return float(np.dot(np.asarray(cal["weights"], dtype=np.float64), x) + cal["bias"])


def discretize(z: float, cuts: Sequence[float]) -> int:
    return 1 + sum(1 for c in cuts if z >= c)


def score_features(f: CriterionFeatures, cal: dict[str, Any] | None = None) -> int | None:
    cal = cal or load_calibration()
    if not f.any_evidence and float(f.x[0]) < cal.get("null_r", 0.3):
        return None
    s = discretize(continuous(f.x, cal), cal["cuts"])
    if not f.evidence:
        s = min(s, 1)  # nothing quotable: it cannot score above 1
    return s


def score_answer(text: str, crits: Sequence[Criterion], prepared: Prepared | None = None) -> dict[str, tuple[int | None, list[str], np.ndarray]]:
    p = prepared or prepare(text)
    out: dict[str, tuple[int | None, list[str], np.ndarray]] = {}
    for f in featurize_all(p, anchors(crits)):
        out[f.id] = (score_features(f), f.evidence, f.x)
    return out


# ------------------------------------------------------------------------------ fitting


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
        "features": list(FEATURES),
        "weights": [round(float(v), 6) for v in w],
        "bias": round(b, 6),
        "cuts": [round(c, 6) for c in cuts],
        "null_r": _DEFAULT_CAL["null_r"],
        "dev_qwk": round(qwk(y, [discretize(v, cuts) for v in z]), 4),
        "n": int(len(y)),
    }
