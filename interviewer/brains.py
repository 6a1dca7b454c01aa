"""Two brains behind one interface: offline (local embeddings, authored probes) and LLM (any
OpenAI-compatible endpoint). A failing LLM call falls back to the offline brain with a notice."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Literal, Protocol

import numpy as np
from pydantic import BaseModel, Field

from . import evidence
from . import prompts as P
from .content import Case, Criterion, Library
from .domain import Decision, policy
from .embeddings import embedder
from .errors import LLMError
from .knowledge import Hit
from .llm import LLMClient
from .text import (
    alternatives,
    ask_items,
    asked_head,
    asks_duration,
    asks_quantity,
    asks_share,
    clarify_asks,
    clip,
    content_words,
    has_duration,
    has_number,
    has_vague_quantity,
    is_injection,
    norm,
    quote_in,
    sentences,
    spell_share,
    telling_words,
)
from .text import words as words_of
from .thesaurus import thesaurus

MAX_FACTS = 8  # facts given for one line at most (a line can list many asks: each gets its answer)

TokenSink = Callable[[str], None]
ResetSink = Callable[[], None]


@dataclass
class Assessment:
    """Per criterion: score 1-4 or None, status covered/partial/none, and evidence sentences."""

    by_criterion: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class FollowUpRequest:
    """One interviewer line after an answer. The code has decided what to do (`decision`) and chosen the
    authored line (`line`); the offline brain says that line, an LLM brain may phrase it better."""

    decision: Decision
    line: str
    subject: str  # what the line is about: a criterion's or concept's title
    note: Hit | None
    persona: str
    level: str
    used_lines: set[str]
    case: Case
    phase_title: str
    recent: list[dict[str, Any]]
    summary: str
    crits: list[Criterion]
    prefix: str = ""


class Brain(Protocol):
    """What the graph asks of a brain. A brain that streams calls `on_token` with each piece of its
    line, and `on_reset` when a line it began streaming is replaced."""

    name: str

    def assess(self, text: str, crits: list[Criterion], phase: str, case: str | None = None) -> Assessment: ...

    def clarify(
        self, question: str, case: Case, revealed: list[str], used_lines: set[str], on_token: TokenSink | None = None, on_reset: ResetSink | None = None
    ) -> tuple[str, list[str]]: ...

    def follow_up(self, req: FollowUpRequest, on_token: TokenSink | None = None, on_reset: ResetSink | None = None) -> str: ...


@dataclass
class _FactBank:
    vecs: np.ndarray  # one row per text that says what a fact answers
    owner: np.ndarray  # the fact of each row
    weight: np.ndarray  # topics count a little less than asks and answer sentences
    word_vecs: list[np.ndarray]  # per fact: its content words, embedded
    texts: list[str]  # per fact: all it says (topics, answer, asks), lower-cased
    answer_words: list[np.ndarray]  # per fact: which of its words its answer says
    counted_words: list[np.ndarray]  # per fact: which of its words a sentence of its answer with a number says
    fact_words: list[list[str]]  # per fact: its content words
    answer_at: list[dict[int, list[int]]]  # per fact: where each of its words stands in its answer (word positions)
    number_at: list[list[int]]  # per fact: where its answer states a number (word positions)
    share_at: list[list[int]]  # per fact: where its answer states a share in words ("a large share of", "most")
    said: set[tuple[str, ...]]  # the thesaurus members the case's facts say
    case_words: dict[int, str]  # per thesaurus group the facts name: the member they say most
    group_words: list[dict[int, list[int]]]  # per fact, per thesaurus group it names: its words that are part of a member
    numeric: np.ndarray  # per fact: its answer states a number
    shared: np.ndarray  # per fact: its answer states a share in words
    share_counted: list[np.ndarray]  # per fact: which of its words a sentence of its answer with a share in words says
    timed: np.ndarray  # per fact: its answer states a span of time


def status_of(score: int | None) -> str:
    if score is None or score <= 1:
        return "none"
    return "partial" if score == 2 else "covered"


# ------------------------------------------------------------------------------------ offline


class OfflineBrain:
    name = "offline"

    def __init__(self, lib: Library):
        self.lib = lib
        self._facts: dict[str, _FactBank] = {}
        self._df: tuple[int, dict[str, int]] | None = None
        self._asked: dict[tuple[str, str], set[str]] = {}

    # -- assessment: the grader's own evidence (concepts, depth, misconceptions) over the phase so far
    def assess(self, text: str, crits: list[Criterion], phase: str, case: str | None = None) -> Assessment:
        out = Assessment()
        if not text.strip():
            for c in crits:
                out.by_criterion[c.id] = {"score": None, "status": "none", "evidence": []}
            return out
        _an, evs = evidence.grade_text(text, phase, case, crits)
        for ev in evs:
            out.by_criterion[ev.criterion.id] = {"score": ev.score, "status": status_of(ev.score), "evidence": ev.quotes[:2]}
        return out

    # -- clarifications: the facts that answer each ask of the question, or none
    def _fact_bank(self, case: Case) -> _FactBank:
        """Per fact, what it answers: the ways a candidate asks for it, its topics and each sentence of its
        answer, embedded; its content words, embedded one by one (to tell which words of an ask it covers); and
        the thesaurus groups it names (to put an ask in the case's own words)."""
        if case.id not in self._facts:
            pol = policy()
            th = thesaurus()
            texts: list[str] = []
            owner: list[int] = []
            weight: list[float] = []
            fact_words: list[list[str]] = []
            fact_texts: list[str] = []
            answer_words: list[set[str]] = []
            counted_words: list[set[str]] = []
            share_counted: list[set[str]] = []
            for i, f in enumerate(case.facts):
                keyed = [(a, 1.0) for a in f.asks] + [(", ".join(f.topics), pol.fact_topic_weight)]
                keyed += [(t, pol.fact_topic_weight) for t in f.topics] + [(x, 1.0) for x in sentences(f.answer)]
                for t, w in keyed:
                    texts.append(t)
                    owner.append(i)
                    weight.append(w)
                fact_texts.append(" ".join([*f.topics, f.answer, *f.asks]).lower())
                fact_words.append(sorted(content_words(fact_texts[-1])))
                answer_words.append(content_words(f.answer))
                counted_words.append(set().union(*[content_words(x) for x in sentences(f.answer) if has_number(x)]))
                share_counted.append(set().union(*[content_words(x) for x in sentences(f.answer) if has_vague_quantity(x)]))
            wheres = [{w: k for k, w in enumerate(ws)} for ws in fact_words]  # per fact: each of its words' place
            answer_at: list[dict[int, list[int]]] = []
            number_at: list[list[int]] = []
            share_at: list[list[int]] = []
            for f, where in zip(case.facts, wheres):
                toks = words_of(f.answer)
                pos: dict[int, list[int]] = {}
                for q, tok in enumerate(toks):
                    for w in content_words(tok):
                        if w in where:
                            pos.setdefault(where[w], []).append(q)
                answer_at.append(pos)
                number_at.append([q for q, tok in enumerate(toks) if has_number(tok)])
                share_at.append([q for q, tok in enumerate(toks) if has_vague_quantity(" ".join(toks[max(q - 1, 0) : q + 1]))])
            found = [th.mentions(t) for t in fact_texts]
            group_words: list[dict[int, list[int]]] = []
            for t, where, ms in zip(fact_texts, wheres, found):
                gw: dict[int, set[int]] = {}
                for m in ms:
                    gw.setdefault(m.group, set()).update(where[w] for w in content_words(t[m.start : m.end]) if w in where)
                group_words.append({g: sorted(ks) for g, ks in gw.items() if ks})
            vocab = sorted({w for ws in fact_words for w in ws})
            wv = embedder().encode(vocab)
            index = {w: j for j, w in enumerate(vocab)}
            self._facts[case.id] = _FactBank(
                vecs=embedder().encode(texts),
                owner=np.array(owner),
                weight=np.array(weight, dtype=np.float32),
                word_vecs=[wv[[index[w] for w in ws]] for ws in fact_words],
                texts=fact_texts,
                answer_words=[np.array([w in a for w in ws], dtype=bool) for ws, a in zip(fact_words, answer_words)],
                counted_words=[np.array([w in c for w in ws], dtype=bool) for ws, c in zip(fact_words, counted_words)],
                fact_words=fact_words,
                answer_at=answer_at,
                number_at=number_at,
                share_at=share_at,
                share_counted=[np.array([w in c for w in ws], dtype=bool) for ws, c in zip(fact_words, share_counted)],
                said={m.member for ms in found for m in ms},
                case_words=th.case_words(fact_texts, found),
                group_words=group_words,
                numeric=np.array([has_number(f.answer) for f in case.facts], dtype=bool),
                shared=np.array([has_vague_quantity(f.answer) for f in case.facts], dtype=bool),
                timed=np.array([has_duration(f.answer) for f in case.facts], dtype=bool),
            )
        return self._facts[case.id]

    def _idf(self, word: str) -> float:
        """How telling a word is: rare across the facts of every case, high; common ("many", "day"), low."""
        if self._df is None:
            docs = [content_words(" ".join([*f.topics, f.answer, *f.asks])) for c in self.lib.cases.values() for f in c.facts]
            df: dict[str, int] = {}
            for d in docs:
                for w in d:
                    df[w] = df.get(w, 0) + 1
            self._df = (len(docs), df)
        n, df = self._df
        return float(np.log((n + 1) / (df.get(word, 0) + 1)))

    def fact_features(self, asks: list[str], case: Case) -> dict[str, np.ndarray]:
        """Per ask and fact (a row per ask, a column per fact): `sim`, the closest of the fact's asks, topics and
        answer sentences in meaning to the ask put in the case's own words (`thesaurus.Thesaurus.rewrite`);
        `uncovered`, the share of the ask's telling words (weighted by rarity) that no word of the fact comes
        close to (a word of the same thesaurus group counts as the same word); `close`, the first less penalties
        for the others, which ranks and picks the facts; `head_missing`, 1 when the ask names the thing it asks
        for ("the average *age* of our members") and the fact has no word for it; `number_missing`, 1 when the
        ask asks for a number and the fact gives none; `measure_missing`, 1 when the ask names a measure
        (`thesaurus.Thesaurus.measures`: "the average order *value*", "the *retention* of new users") that the
        fact does not name, in its words or its group's (such a fact does not answer). The thing, number and
        measure asked for are read from the ask as written. One call to the model for all the asks and their words."""
        bank = self._fact_bank(case)
        pol = policy()
        th = thesaurus()
        asks = [spell_share(a) for a in asks]
        heads = [sorted(telling_words(asked_head(a))) for a in asks]
        quantity = [asks_quantity(a) for a in asks]
        measures = [sorted(w for w in content_words(a) if w in th.measures) for a in asks]
        written, asks = asks, [th.rewrite(a, bank.said, bank.case_words) for a in asks]
        # per word of an ask: the thesaurus groups of the members it is part of (a fact saying another member covers it)
        groups_of: dict[str, set[int]] = {}
        for a in {*written, *asks}:
            for m in th.mentions(a):
                for w in content_words(a[m.start : m.end]):
                    groups_of.setdefault(w, set()).add(m.group)
        words = [sorted(telling_words(a)) for a in asks]
        vocab = sorted({w for ws in words + heads for w in ws})
        vecs = embedder().encode([*asks, *vocab])
        av, wv = vecs[: len(asks)], vecs[len(asks) :]
        sims = (av @ bank.vecs.T) * bank.weight
        n = len(case.facts)
        sim = np.full((len(asks), n), -1.0, dtype=np.float32)
        for r in range(len(asks)):
            np.maximum.at(sim[r], bank.owner, sims[r])
        uncovered = np.zeros_like(sim)
        head_missing = np.zeros_like(sim)
        share = [asks_share(a) for a in asks]  # how many or what share: a share stated in words answers it too
        number_missing = np.array([q * ~(bank.numeric | (bank.shared & sh)) for q, sh in zip(quantity, share)], dtype=np.float32).reshape(len(asks), n)
        if pol.fact_duration_check:  # an ask for a span of time against a fact that states none
            for r, a in enumerate(written):
                if asks_duration(a):
                    number_missing[r, ~bank.timed] = 1.0
        measure_missing = np.zeros_like(sim)
        for r, ms in enumerate(measures):
            for w in ms:
                gs = groups_of.get(w, set())
                for i, fw in enumerate(bank.fact_words):
                    if not (gs & bank.group_words[i].keys()) and not any(_same_stem(w, x) for x in fw):
                        measure_missing[r, i] = 1.0
        if vocab:
            # pair[i][j, k]: how close vocabulary word j is to word k of fact i; close[i, j]: to its nearest word
            pair = [wv @ fv.T if len(fv) else np.zeros((len(vocab), 1)) for fv in bank.word_vecs]
            for j, w in enumerate(vocab):  # a word and a fact word of the same thesaurus group count as the same
                for g in groups_of.get(w, ()):
                    for i, gw in enumerate(bank.group_words):
                        if g in gw:
                            pair[i][j, gw[g]] = 1.0
            close = np.array([p.max(axis=1) for p in pair])
            covered = close >= pol.fact_word_sim
            at = {w: j for j, w in enumerate(vocab)}
            for r, (ws, hs) in enumerate(zip(words, heads)):
                if hs:
                    head_missing[r] = close[:, [at[w] for w in hs]].max(axis=1) < pol.fact_head_sim
                    if quantity[r]:  # a number asked for the thing named: the answer must give one where it names it
                        hj = [at[w] for w in hs]
                        for i, p in enumerate(pair):
                            named = p[hj] >= pol.fact_count_sim
                            counted = bank.counted_words[i] | (bank.share_counted[i] & share[r])
                            if not named.any() or ((named & bank.answer_words[i]).any() and not (named & counted).any()):
                                number_missing[r, i] = 1.0  # its numbers count something else
                            elif pol.fact_number_window and (named & bank.answer_words[i]).any():
                                # the answer names the thing: a number must stand next to it ("40,000 couriers"), not
                                # elsewhere in the sentence ("60% of 3 million uploads ..., and creators complain")
                                at_k = bank.answer_at[i]
                                near = any(abs(q - x) <= pol.fact_number_window for k in np.flatnonzero(named.any(axis=0)) for x in at_k.get(int(k), ()) for q in bank.number_at[i] + (bank.share_at[i] if share[r] else []))
                                if not near:
                                    number_missing[r, i] = 1.0
                if ws:
                    idf = np.array([self._idf(w) for w in ws])
                    uncovered[r] = (~covered[:, [at[w] for w in ws]] * idf).sum(axis=1) / max(float(idf.sum()), 1e-9)
        return {
            "sim": sim,
            "uncovered": uncovered,
            "close": sim
            - pol.fact_uncovered_penalty * uncovered
            - pol.fact_head_penalty * head_missing
            - pol.fact_number_penalty * number_missing
            - pol.fact_measure_penalty * measure_missing,
            "head_missing": head_missing,
            "number_missing": number_missing,
            "measure_missing": measure_missing,
        }

    def _offering(self, choices: list[str], case: Case) -> np.ndarray:
        """Per fact: whether it names one of the choices an ask offers, literally or with a word very close in
        meaning ("GPUs" against "GPU serving")."""
        bank = self._fact_bank(case)
        out = np.array([any(re.search(r"\b" + re.escape(c.lower()) + r"\b", t) for c in choices) for t in bank.texts])
        words = sorted({w for c in choices for w in telling_words(c)})
        if words:
            wv = embedder().encode(words)
            close = policy().fact_choice_sim
            out |= np.array([len(fv) > 0 and bool(((wv @ fv.T).max(axis=1) >= close).any()) for fv in bank.word_vecs])
        return out

    def match_facts(self, question: str, case: Case, k: int = 1, _inner: bool = False) -> list[tuple[int, float]]:
        """The facts that answer `question`, best first. The question is split into its asks (each question,
        bullet and clause that asks for something else; a reason given is not an ask) and each ask gets the
        one fact that clearly answers it: close enough in meaning (`fact_min`, after the penalties of
        `fact_features`), and either clearly ahead of the next fact (`fact_margin`) or very close
        (`fact_strong`). An ask that offers a choice ("..., AWS or GCP?") gets only a fact that names one of
        the choices. Each thing an ask lists ("QPS and p99")
        may add the fact that answers it by a wider margin (`fact_item_min`, `fact_item_margin`). An ask no
        fact clearly answers gets none: "that is yours to assume", and so does an ask for a thing no fact of
        the case names. When the fact nearest in meaning was ruled out by the penalties (it lacks the thing or
        the number asked for), no further fact answers in its place (`fact_rival_gap`). An ask left unclear
        because its runner-up is a fact another part of the same line clearly asked for is tried again without
        that rival (`fact_sibling_min`). Up to `k` facts per ask when the others are very close too."""
        pol = policy()
        # the asks as a whole, then each thing an ask lists, which must answer more clearly still
        texts: list[tuple[str, float, float, bool]] = []
        offered: list[np.ndarray | None] = []  # per text: the facts that name one of the choices it offers
        owner: list[int] = []  # per text: the ask it belongs to
        asks = clarify_asks(question) or [question]
        for n, ask in enumerate(asks):
            texts.append((ask, pol.fact_min, pol.fact_margin, True))
            choices = alternatives(ask)
            offered.append(self._offering(choices, case) if choices else None)
            owner.append(n)
            if not choices:  # "Java or Go" are not two things asked about
                items = ask_items(ask)
                texts.extend((x, pol.fact_item_min, pol.fact_item_margin, False) for x in items)
                offered.extend([None] * len(items))
                owner.extend([n] * len(items))
        feats = self.fact_features([t for t, *_ in texts], case)
        scores = feats["close"]
        for r, ok in enumerate(offered):
            if ok is not None:  # a fact that names none of the choices does not answer "..., AWS or GCP?"
                scores[r][~ok] = -1.0
            if feats["head_missing"][r].all():  # it asks for a thing the case never names: the candidate's to assume
                scores[r][:] = -1.0
        found: dict[int, float] = {}
        unclear: list[tuple[int, np.ndarray]] = []  # whole asks with a close second fact
        clear_by: dict[int, set[int]] = {}  # per ask: the facts its texts answered clearly

        def take(s: np.ndarray, order: np.ndarray) -> None:
            for i in order[:k]:
                if i == order[0] or float(s[i]) >= pol.fact_strong:
                    found[int(i)] = max(found.get(int(i), 0.0), float(s[i]))

        for r, ((_text, least, margin, whole), s) in enumerate(zip(texts, scores)):
            order = np.argsort(-s)
            top = float(s[order[0]])
            if float(feats["sim"][r].max() - feats["sim"][r][order[0]]) > pol.fact_rival_gap:
                continue  # the fact nearest in meaning cannot answer it (it lacks the thing or the number asked for): nor can a further one
            second = float(s[order[1]]) if len(order) > 1 else -1.0
            if top < least or (top - second < margin and (not whole or top < pol.fact_strong)):
                if whole and top >= least:
                    unclear.append((r, s))
                continue
            clear_by.setdefault(owner[r], set()).add(int(order[0]))
            take(s, order)
        # the parts of one line ask for different things: a fact another part clearly asked for is no rival
        for r, s in unclear:
            taken = set().union(*[v for n, v in clear_by.items() if n != owner[r]])
            order = np.array([i for i in np.argsort(-s) if int(i) not in taken or i == np.argmax(s)])
            if int(order[0]) in taken:
                continue
            second = float(s[order[1]]) if len(order) > 1 else -1.0
            if float(s[order[0]]) >= pol.fact_sibling_min and float(s[order[0]]) - second >= pol.fact_margin:
                take(s, order)
        # an either-or that no fact answers whole is asked by its first side when that side says what it asks
        # ("Personalization in scope, or query->video relevance only?" is whether personalisation is in scope; a bare
        # option, "Java, or Go?", is not asked alone)
        if not _inner:
            for ask in asks:
                head, sep, _rest = ask.partition(", or ")
                if sep and len(content_words(head)) >= 2 and not self.match_facts(ask, case, k, _inner=True):
                    for i, sc in self.match_facts(head, case, k, _inner=True):
                        found.setdefault(i, sc)
        return sorted(found.items(), key=lambda kv: -kv[1])[:MAX_FACTS]

    def facts_asked(self, line: str, case: Case) -> set[str]:
        """The ids of the case's facts that give the number one of a line's asks asks for ("Roughly what
        fraction of transactions are fraud, ...?" and the fraud rate), as a candidate's question would get them.
        A design question ("How often would you retrain?") asks for no fact. Remembered per case and line:
        probes are asked again and again."""
        key = (case.id, line)
        if key not in self._asked:
            asks = [a for a in clarify_asks(line) if asks_quantity(a) and not _ASKS_DESIGN.search(a)]
            self._asked[key] = {case.facts[i].id for a in asks for i, _ in self.match_facts(a, case)}
        return self._asked[key]

    def clarify(
        self, question: str, case: Case, revealed: list[str], used_lines: set[str], on_token: TokenSink | None = None, on_reset: ResetSink | None = None
    ) -> tuple[str, list[str]]:
        matches = self.match_facts(question, case)
        if not matches:
            return P.pick_unique(P.get("clarification", _no_fact_kind(question)), used_lines, seed=len(used_lines)), []
        parts = []
        ids = []
        for i, _s in matches:
            f = case.facts[i]
            ids.append(f.id)
            answer = _not_told(f.answer, " ".join(parts)) if parts else f.answer
            if answer:
                parts.append((P.get("clarification", "repeat_prefix") + answer[0].lower() + answer[1:]) if f.id in revealed else answer)
        # a part of the question that no fact answers is said to be the candidate's to assume, not passed over
        # ("... how many eligible posts per session? and how many friends avg?" got the posts alone)
        asks = clarify_asks(question)
        if len(asks) > len(ids):
            # an ask the reply already speaks to is not said to be left over: one that restates another in other
            # words and shares a telling word with what was told ("what kind of search?" beside "web or in-app?",
            # told "the main search box of a general web search engine"; "keystrokes per sec at peak?" told
            # "over 200,000 at peak"), or the other side of an either-or ("fewer keystrokes? or more clicks?")
            told = telling_words(" ".join(parts))
            # ... or guesses a figure of a thing the reply told in other words ("say 1B total, 300M DAU?" after
            # "roughly 400 million daily active users" had been told it was the candidate's to assume)
            th = thesaurus()
            told_groups = {m.group for m in th.mentions(" ".join(parts))}
            missing = [
                a
                for a in asks
                if not self.match_facts(a, case) and not telling_words(a) & told and not _EITHER_OR.match(a) and not (_FIGURE_GUESS.search(a) and {m.group for m in th.mentions(a)} & told_groups)
            ]
            if missing:
                # which parts, in the candidate's words when they are short ("team size + GPU budget?" had got
                # "For the rest of that", which did not say what was left to assume)
                named = [_ask_words(a) for a in missing]
                if all(named) and len(named) <= 2:
                    parts.append(P.get("clarification", "rest_assumed_named").format(asks=" and ".join(f'"{n}"' for n in named)))
                else:
                    parts.append(P.get("clarification", "rest_assumed"))
        return " ".join(parts), ids  # the graph keeps it from repeating a line said before

    # -- follow-ups: the line the code chose, as authored
    def follow_up(self, req: FollowUpRequest, on_token: TokenSink | None = None, on_reset: ResetSink | None = None) -> str:
        line = f"{req.prefix}{req.line}".strip()
        if on_token:
            for piece in _pieces(line):
                on_token(piece)
        return line


_FIGURE_GUESS = re.compile(r"\d")  # an ask with a figure in it offers a guess of that figure
# "Is it OK to assume we have a feature store?", "Can I assume 100 ms?": leave to assume, not a fact
_PERMISSION = re.compile(r"^\W*(?:(?:is|would)\s+it\s+(?:be\s+)?(?:ok(?:ay)?|fine|alright|reasonable)\s+(?:if\s+i|to)|(?:can|may|could|should|shall)\s+(?:i|we)\s+(?:just\s+)?assume|(?:do|would)\s+you\s+mind\s+if)\b", re.I)


# "... on the retrieval model or the ranking model?": two options at the end of an ask
_CHOICE = re.compile(r"\b(?:on|with|for|go|pick|use|choose|prefer|want)\b[^?]{1,60}\bor\s+(?:on\s+|the\s+|a\s+|an\s+)*[\w\-/]+(?:\s+[\w\-/]+){0,3}\W*$", re.I)


def _no_fact_kind(question: str) -> str:
    """Which "nothing in the case answers that" reply fits the question: a number asked for, a choice offered
    ("retrieval or ranking?"), leave to assume something, or any other ask."""
    asks = clarify_asks(question) or [question]
    if any(_PERMISSION.search(a) for a in asks):
        return "no_fact_permission"
    if any(alternatives(a) or _CHOICE.search(a) for a in asks):
        return "no_fact_choice"
    if any(asks_quantity(a) for a in asks):
        return "no_fact_number"
    return "no_fact"


ASK_NAMED_WORDS = 8  # a part of a question left to assume is named in the candidate's words up to this long


def _ask_words(ask: str) -> str | None:
    """An ask as the interviewer names it back: the candidate's words without a leading "and"/"also" or the
    closing mark, or None when too long to quote (or holding a quote mark)."""
    t = re.sub(r"^\W*(?:and|also|plus|or|so)\b\W*", "", " ".join(ask.split()), flags=re.I).rstrip(" ?.!,;:")
    if not t or len(t.split()) > ASK_NAMED_WORDS or '"' in t:
        return None
    return t[0].lower() + t[1:] if not re.match(r"[A-Z]{2}|I\b", t) else t


# the second side of an either-or split into its own ask ("goal = fewer keystrokes? or more clicks?")
_EITHER_OR = re.compile(r"^\W*or\b", re.I)


# an ask about the candidate's own design, not about the case: "how would you", "what would it cost"
_ASKS_DESIGN = re.compile(r"\b(?:you|your|would|should|could)\b", re.I)


RETOLD_SHARE = 0.7  # a sentence whose figures were all said, with this share of its telling words too, is not said again
_FIGURE = re.compile(r"\d[\d,.]*\s*(?:%|percent|million|billion|thousand|k\b|m\b|bn\b)?", re.I)


def _not_told(answer: str, told: str) -> str:
    """A fact's answer without the sentences an earlier fact of the same reply already said: every figure in
    it said before, and most of its telling words ("Reviewers make about 3 million decisions a day." after
    "15,000 reviewers who can make roughly 3 million decisions per day"); a sentence that adds something
    ("..., mostly on reported posts, and we keep two years of them") stays."""
    said = {" ".join(m.group(0).lower().split()) for m in _FIGURE.finditer(told)}
    words = content_words(told)
    keep = []
    for sent in sentences(answer):
        figs = {" ".join(m.group(0).lower().split()) for m in _FIGURE.finditer(sent)}
        own = content_words(sent)
        if figs and figs <= said and len(own & words) >= max(2, RETOLD_SHARE * len(own)):
            continue
        keep.append(sent)
    return " ".join(keep)


def _same_stem(a: str, b: str) -> bool:
    """Two words of one stem, by their shared start ("cost" and "costing", "retention" and "retained" are not)."""
    return a == b or (min(len(a), len(b)) >= 4 and (a.startswith(b) or b.startswith(a)))


def _pieces(text: str) -> list[str]:
    out = []
    for w in text.split(" "):
        out.append(w + " ")
    if out:
        out[-1] = out[-1].rstrip()
    return out


# ------------------------------------------------------------------------------------ LLM


class AssessItem(BaseModel):
    id: str
    status: Literal["covered", "partial", "none"]
    evidence: list[str] = Field(default_factory=list)


class AssessReply(BaseModel):
    criteria: list[AssessItem]


def fence(text: str) -> str:
    """Candidate text as data: tags the model is told to treat as data, with look-alike tags defused."""
    return text.replace("<candidate>", "‹candidate›").replace("</candidate>", "‹/candidate›")


def criteria_block(crits: list[Criterion], levels: bool = False) -> str:
    lines = []
    for c in crits:
        lines.append(f"- {c.id}: {c.title} — {c.description}")
        if levels:
            for k in (1, 2, 3, 4):
                lines.append(f"    {k}: {c.levels[k]}")
    return "\n".join(lines)


class LLMBrain:
    """At most two LLM calls per candidate turn: one structured assessment, one streamed line."""

    name = "llm"

    def __init__(self, lib: Library, client: LLMClient):
        self.lib = lib
        self.client = client
        self.offline = OfflineBrain(lib)

    def system(self, persona: str, level: str, case: Case, phase_title: str, crits: list[Criterion]) -> dict[str, str]:
        text = P.get("llm", "system").format(
            persona_desc=P.get("llm", "personas", persona),
            level=level,
            case_title=case.title,
            case_prompt=case.prompt,
            phase_title=phase_title,
            criteria=criteria_block(crits),
        )
        return {"role": "system", "content": text}

    def assess(self, text: str, crits: list[Criterion], phase: str, case: str | None = None) -> Assessment:
        if not text.strip():
            return self.offline.assess(text, crits, phase, case)
        msgs = [
            {"role": "system", "content": P.get("llm", "assess_system")},
            {"role": "user", "content": P.get("llm", "assess").format(criteria=criteria_block(crits), answer=fence(text[-12000:]))},
        ]
        reply = self.client.structured(msgs, AssessReply, name="assessment")
        hay = norm(text)
        out = Assessment()
        known = {c.id for c in crits}
        for item in reply.criteria:
            if item.id not in known:
                continue
            ev = [q for q in item.evidence if quote_in(q, hay) and not _is_plea(q)][:2]
            status = item.status if ev else "none"  # code, not the model, decides what evidence supports
            score = {"covered": 3, "partial": 2, "none": 1}[status]
            out.by_criterion[item.id] = {"score": score, "status": status, "evidence": ev}
        for c in crits:
            out.by_criterion.setdefault(c.id, {"score": None, "status": "none", "evidence": []})
        return out

    def clarify(
        self, question: str, case: Case, revealed: list[str], used_lines: set[str], on_token: TokenSink | None = None, on_reset: ResetSink | None = None
    ) -> tuple[str, list[str]]:
        matches = self.offline.match_facts(question, case, k=3)
        facts = [case.facts[i] for i, _ in matches]
        fact_text = "\n".join(f"- {f.answer}" for f in facts) or P.get("llm", "no_fact")
        msgs = [
            {"role": "system", "content": P.get("llm", "clarify_system").format(case_title=case.title, case_prompt=case.prompt)},
            {"role": "user", "content": P.get("llm", "clarification").format(facts=fact_text) + f"\n<candidate>\n{fence(question)}\n</candidate>"},
        ]
        line = self.client.stream(msgs, on_token=on_token, max_tokens=160).strip()
        if not line:
            raise LLMError("empty reply")
        return line, [f.id for f in facts]

    def follow_up(self, req: FollowUpRequest, on_token: TokenSink | None = None, on_reset: ResetSink | None = None) -> str:
        msgs = [self.system(req.persona, req.level, req.case, req.phase_title, req.crits)]
        if req.summary:
            msgs.append({"role": "user", "content": P.get("llm", "summary_header") + "\n" + req.summary})
            msgs.append({"role": "assistant", "content": P.get("llm", "summary_ack")})
        for t in req.recent:
            if t["role"] == "candidate":
                msgs.append({"role": "user", "content": f"<candidate>\n{fence(t['text'][:3000])}\n</candidate>"})
            else:
                msgs.append({"role": "assistant", "content": t["text"]})
        note = req.note.text[:1200] if req.note else P.get("llm", "no_note")
        msgs.append(
            {
                "role": "system",
                "content": P.get("llm", "followup").format(
                    action=P.get("llm", "actions", req.decision.action), subject=req.subject, line=req.line, note=note
                ),
            }
        )
        line = self.client.stream(msgs, on_token=on_token, max_tokens=200).strip()
        if not line:
            raise LLMError("empty reply")
        if req.prefix:
            line = req.prefix + line
        return line


def _is_plea(q: str) -> bool:
    return is_injection(q)


class FallbackBrain:
    """The LLM brain, with each failing call answered by the offline brain and a notice."""

    name = "llm"

    def __init__(self, llm: LLMBrain, notify: Callable[[str], None] | None = None):
        self.llm = llm
        self.offline = llm.offline
        self.notify = notify or (lambda _m: None)
        self.fallbacks = 0

    def _fallback(self, what: str, e: Exception) -> None:
        self.fallbacks += 1
        breaker = getattr(self.llm.client, "breaker_reason", None)
        if breaker:  # model calls are off for good: say so once, then fall back quietly
            if getattr(self, "_breaker_said", False):
                return
            self._breaker_said = True
            self.notify(P.get("breaker_notice").format(reason=breaker))
            return
        self.notify(P.get("fallback_notice").format(reason=clip(str(e), 140), who="interviewer", what=what))

    def assess(self, text: str, crits: list[Criterion], phase: str, case: str | None = None) -> Assessment:
        try:
            return self.llm.assess(text, crits, phase, case)
        except LLMError as e:
            self._fallback("assessment", e)
            return self.offline.assess(text, crits, phase, case)

    def clarify(
        self, question: str, case: Case, revealed: list[str], used_lines: set[str], on_token: TokenSink | None = None, on_reset: ResetSink | None = None
    ) -> tuple[str, list[str]]:
        try:
            return self.llm.clarify(question, case, revealed, used_lines, on_token, on_reset)
        except LLMError as e:
            self._fallback("answer", e)
            if on_reset:
                on_reset()
            return self.offline.clarify(question, case, revealed, used_lines)

    def follow_up(self, req: FollowUpRequest, on_token: TokenSink | None = None, on_reset: ResetSink | None = None) -> str:
        try:
            return self.llm.follow_up(req, on_token, on_reset)
        except LLMError as e:
            self._fallback("question", e)
            if on_reset:
                on_reset()
            return self.offline.follow_up(req, on_token)


def summary_of(state_cov: dict[str, dict[str, Any]], lib: Library, phases: list[str]) -> str:
    """The rolling summary of closed phases the LLM sees instead of the full history."""
    lines = []
    for ph in phases:
        cov = state_cov.get(ph, {})
        got = [cid for cid, v in cov.items() if v.get("status") == "covered"]
        part = [cid for cid, v in cov.items() if v.get("status") == "partial"]
        miss = [cid for cid, v in cov.items() if v.get("status") == "none"]
        lines.append(f"- {lib.phase_title(ph)}: covered {', '.join(got) or 'nothing'}; partial {', '.join(part) or 'none'}; missed {', '.join(miss) or 'none'}")
    return "\n".join(lines)

