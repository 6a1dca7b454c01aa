"""Phase grading with either brain. Evidence and injection resistance are enforced here, in code.

The offline grader (`Grader.offline`) scores from evidence (`interviewer/evidence.py`): each criterion
from the concepts, depth and misconceptions detected for it; its quotes are the spans that triggered
the detections, so each quote backs its own criterion.

Both brains:
- Every quote must occur in the candidate's own words (after normalising whitespace and case);
  a quote that does not is dropped, and a criterion left without a quote is null (no evidence).
- Sentences that address the grader are removed before grading and can never be quoted; an answer
  that had one loses a level on every scored criterion.

The LLM grader (`Grader._llm`):
- The model sees the case brief (title, prompt and the interviewer's facts), each criterion with its
  anchored levels and red flags, the concepts and misconceptions the concept layer detected in the
  candidate's words for this phase's criteria (`concepts.find_mentions`, `find_misconceptions`, with
  the depth points shown), and the candidate's words with the grader-addressed sentences already
  stripped (line breaks kept). Everything taken from the candidate is fenced as data.
- There is no ceiling from the offline grade: the model may score above it. The defence against a
  plea is that the model never sees it, that quotes are checked verbatim against the stripped text
  (a plea cannot be quoted), and that a criterion whose only evidence was a plea is null.
- Two samples are drawn (two calls at `SAMPLE_TEMPERATURE`). A criterion's score is the mean of the
  two rounded down (a null counts as 1; both null stays null); its evidence is the verified quotes
  of both. The samples disagree when a criterion differs by `APART` levels or more, or their totals
  by more than `TOTALS_APART`; the disagreement is reported (`PhaseGrade.samples`) and lowers the
  scorecard's confidence. If the second call fails, the first sample stands alone, with a notice.
- Totals are computed here from the criterion scores (`weighted_score`), never taken from the model.
"""
from __future__ import annotations

import dataclasses
import functools
from typing import Any, Callable, Literal, Mapping, Sequence

from pydantic import BaseModel, Field, field_validator

from . import evidence, scoring
from . import prompts as P
from .arithmetic import MISCONCEPTION_ID as ARITHMETIC_ID
from .arithmetic import said_back
from .arithmetic import shown as shown_figure
from .brains import fence
from .concepts import Concept, ConceptBank, concept_bank
from .content import Case, Criterion, Library
from .domain import CROSS_CUTTING, Command, Phase, Role, TurnKind
from .errors import LLMError
from .llm import LLMClient
from .text import clip, is_injection, is_stuck, norm, quote_in, sentences

INJECTION_PENALTY = 1
SAMPLES = 2  # LLM grading calls per phase grade
SAMPLE_TEMPERATURE = 0.7  # each call is a sample; at 0 the two would mostly repeat each other
APART = 2  # a criterion's two sample scores this far apart (null as 1) is a disagreement
TOTALS_APART = 0.5  # two sample totals further apart than this is a disagreement


class CriterionGrade(BaseModel):
    id: str
    score: int | None = Field(default=None, ge=1, le=4)
    evidence: list[str] = Field(default_factory=list)
    rationale: str = ""
    title: str = ""
    weight: float = 1.0
    phase: str = ""


class Samples(BaseModel):
    """How the LLM grader's samples compared: their totals and the criteria on which they were far apart."""

    n: int
    totals: list[float]
    apart: list[str] = Field(default_factory=list)  # criteria whose sample scores differ by APART or more
    disagree: bool = False


class PhaseGrade(BaseModel):
    phase: str
    case: str | None = None
    score: float
    criteria: list[CriterionGrade]
    brain: str = "offline"
    notice: str | None = None
    samples: Samples | None = None  # the LLM grader's samples; None for an offline grade

    def public(self) -> dict[str, Any]:
        """The `grade --json` shape of DESIGN.md, plus `grader` (which grader produced it: "llm", or "offline",
        also when the LLM grader failed and the offline grade stands) and `samples` when the LLM graded."""
        out: dict[str, Any] = {
            "phase": self.phase,
            "case": self.case,
            "score": round(self.score, 3),
            "grader": self.brain,
            "criteria": [{"id": c.id, "score": c.score, "evidence": c.evidence, "rationale": c.rationale, "title": c.title, "weight": c.weight} for c in self.criteria],
        }
        if self.samples is not None:
            out["samples"] = self.samples.model_dump()
        return out


def weighted_score(grades: list[CriterionGrade]) -> float:
    """Weight-averaged criterion score; null counts as 1 (not shown is not demonstrated)."""
    tw = sum(g.weight for g in grades)
    if tw <= 0:
        return 1.0
    return sum((g.score or 1) * g.weight for g in grades) / tw


def candidate_words(transcript: Sequence[Mapping[str, Any]], phase: str | None = None) -> str:
    """What the candidate said in a transcript (answers and questions, not commands), in one phase or
    in all. A recorded transcript may lack `kind`: a command is then told by its text. A turn that only says
    there is nothing to add ("I have nothing to add on this.") says nothing to grade: said twice, it is not
    the candidate repeating themselves (it had cost a level as padding). Turns are joined with a blank line: an
    answer ends where the next begins (evidence.analyse judges a phase's answers one by one when they wander)."""
    return "\n\n".join(
        t["text"]
        for t in transcript
        if t["role"] == Role.CANDIDATE
        and (t.get("kind") or (TurnKind.COMMAND if Command.parse(str(t["text"])) else TurnKind.ANSWER)) in (TurnKind.ANSWER, TurnKind.QUESTION)
        and (phase is None or t.get("phase") == phase)
        and not is_stuck(str(t["text"]))
    )


def verify_evidence(quotes: list[str], candidate_text: str, limit: int = 3) -> list[str]:
    """Keep only quotes that occur verbatim (normalised) in the candidate's words and are not pleas."""
    hay = norm(candidate_text)
    out: list[str] = []
    for q in quotes:
        if not isinstance(q, str):
            continue
        q = q.strip()
        if quote_in(q, hay) and not is_injection(q) and q not in out:
            out.append(q)
        if len(out) >= limit:
            break
    return out


def _to_suggest(bank: ConceptBank, criterion: str, case: str | None, said: set[str], reference: frozenset[str]) -> list[Concept]:
    """The concepts to suggest for a criterion, from the best-fitting tier that has any: those the case's
    reference outline names, else the case's own, else those scoped to its kind of problem; a concept every
    case shares (binary classification, catalogue size) only when none of those is left and the candidate
    named nothing for the criterion: it is more often an alternative to what they chose than what their
    answer lacks. With no case, no case's own concepts."""
    main = bank.by_criterion(criterion, case, main_only=True)
    pool = [c for c in main + [c for c in bank.by_criterion(criterion, case) if c not in main] if c.id not in said]
    if case is None:  # an answer graded with no case: no other case's own concepts ("mutual friend count")
        pool = [c for c in pool if not bank.case_of.get(c.id)]
    tier = lambda c: 0 if c.id in reference else 1 if bank.case_of.get(c.id) else 2 if c.scope else 3
    best = min((tier(c) for c in pool), default=3)
    if best < 3:  # only the best-fitting tier: the reference's own concepts before any that merely fit the kind
        return [c for c in pool if tier(c) == best]
    return pool if not said else []


def _reference_concepts(bank: ConceptBank, case: Case | None) -> frozenset[str]:
    """The concepts the case's reference outline names (every phase)."""
    if case is None:
        return frozenset()
    return _named_in(bank, case.id, tuple(x for xs in case.reference.values() for x in xs))


@functools.lru_cache(maxsize=64)
def _named_in(bank: ConceptBank, case: str, lines: tuple[str, ...]) -> frozenset[str]:
    return frozenset(m.concept_id for line in lines for m in bank.find_mentions(line, case))


def _rationale(
    ev: "evidence.CriterionEvidence", score: int | None, bank: ConceptBank, case: str | None, stripped: list[str], padded: bool = False,
    reference: frozenset[str] = frozenset(),
) -> str:
    """What was shown for this criterion and what the next level needs, from the concept layer (not the
    rubric's wording): the concepts named, and the concepts, depth points and kinds of depth not shown."""
    r = P.get("rationale")
    names = lambda ids: ", ".join(bank.concept(i).name for i in ids)
    parts: list[str] = []
    if ev.criterion.phase == CROSS_CUTTING:
        parts.append(r["cross_shown"].format(shown=", ".join(sorted(ev.markers))) if ev.markers else r["none"])
    elif score is None:
        parts.append(r["none"])
    else:
        if ev.concepts:
            parts.append(r["shown"].format(shown=names(ev.concepts[:4])))
    for m in ev.misconceptions[:2]:
        slip = bank.arithmetic.slips(ev.said[m]) if m == ARITHMETIC_ID and bank.arithmetic is not None and m in ev.said else []
        if slip:  # the sum itself and what it comes to, not the claim's general wording
            parts.append(r["wrong_sum"].format(said=said_back(ev.said[m]), worked=shown_figure(slip[0].worked), stated=shown_figure(slip[0].stated)))
        else:
            parts.append(r["wrong"].format(claim=bank.misconception(m).claim.rstrip(".")))
    for m in ev.corrected[:2]:
        parts.append(r["corrected"].format(claim=bank.misconception(m).claim.rstrip(".")))
    if ev.criterion.phase != CROSS_CUTTING and (score or 0) < 4:
        needs: list[str] = []
        said = set(ev.concepts)
        missing = _to_suggest(bank, ev.criterion.id, case, said, reference)
        if len(said) < 2 and missing:
            needs.append(r["name"].format(names=", ".join(c.name for c in missing[:3])))
        for cid in ev.concepts:
            c = bank.concept(cid)
            gap = [d.point for i, d in enumerate(c.depth) if i not in ev.depth.get(cid, set())]
            if gap:
                needs.append(r["depth"].format(name=c.name, point=gap[0].rstrip(".")))
                break
        kinds = [k for k in evidence.MARKERS if k not in ev.markers]
        if kinds and score is not None:
            needs.append(r["kinds"].format(kinds=", ".join(r["kind_names"][k] for k in kinds)))
        if needs:
            parts.append(r["next"].format(level=min(4, (score or 1) + 1), needs="; ".join(needs)))
    if stripped:
        parts.append(r["plea"])
    if padded:
        parts.append(r["padding"])
    return " ".join(parts)


class GradeItem(BaseModel):
    id: str
    rationale: str
    score: int | None = None
    evidence: list[str] = Field(default_factory=list)

    @field_validator("score")
    @classmethod
    def _range(cls, v: int | None) -> int | None:
        if v is not None and not 1 <= v <= 4:
            raise ValueError("score must be 1-4 or null")
        return v


class GradeReply(BaseModel):
    criteria: list[GradeItem]


class Grader:
    def __init__(self, lib: Library, brain: Literal["offline", "llm"] = "offline", client: LLMClient | None = None):
        self.lib = lib
        self.brain = brain if client is not None else "offline"
        self.client = client

    def criteria_for(self, phase: str, case: str | None) -> list[Criterion]:
        if phase == CROSS_CUTTING:
            return self.lib.cross_cutting()
        return self.lib.criteria(phase, case)

    def offline(self, phase: str, case: str | None, text: str) -> PhaseGrade:
        """Scores from evidence (interviewer/evidence.py): each criterion from the concepts, depth and
        misconceptions detected for it; its quotes are the units that triggered the detections."""
        crits = self.criteria_for(phase, case)
        bank = concept_bank()
        an, evs = evidence.grade_text(text, phase, case, crits, bank)
        pads = scoring.padded_spans(text)
        grades: list[CriterionGrade] = []
        reference = _reference_concepts(bank, self.lib.cases.get(case or ""))
        for ev in evs:
            s = ev.score
            quotes = ev.quotes  # spans of the candidate's own text by construction, pleas already left out
            # padding costs a level where the evidence rests on the answer that repeats itself: a paragraph pasted
            # nine times had cost a level on every criterion of the phase, those it said nothing about too
            padded = any(a <= x < b for x in ev.at for a, b in pads)
            if s is not None and (an.dropped or padded):
                s = max(1, s - INJECTION_PENALTY)  # instructing the grader, or padding, costs a level
            c = ev.criterion
            rationale = _rationale(ev, s, bank, case, an.dropped, padded, reference)
            grades.append(CriterionGrade(id=c.id, score=s, evidence=quotes, rationale=rationale, title=c.title, weight=c.weight, phase=phase))
        return PhaseGrade(phase=phase, case=case, score=weighted_score(grades), criteria=grades, brain="offline")

    def fill_from_elsewhere(self, grades: Sequence[PhaseGrade], elsewhere: Mapping[str, str]) -> list[PhaseGrade]:
        """Each grade with a criterion nothing in its own phase addressed, taking the evidence the candidate gave
        for it in another phase (`elsewhere`: phase -> that phase's candidate words, in interview order): GDPR and
        a deletion job raised while clarifying are privacy evidence for monitoring; fairness "handled" by
        dropping demographic columns while modelling is the evaluation's fairness misconception. Each other
        phase's words are read as an answer of the phase being filled; its quotes say where they come from. A
        criterion at 2 or 3 is raised by stronger evidence from another design phase that states no wrong claim
        beside it (an ads candidate's budget-split experiments, described while deploying, left A/B testing at 2);
        one at 1 or 4, or one whose own phase stated a wrong claim, keeps its own. A phase with no words of its own in
        `elsewhere` takes nothing. Grades with nothing to take are returned as they are (the same object)."""
        analyses: dict[tuple[str, str, str | None], evidence.Analysis] = {}

        def analysis(ph: str, into: str, case: str | None) -> evidence.Analysis:
            # another phase's words read for this phase: an A/B test described while deploying is kept as the
            # evaluation evidence it is (read as deployment's answer, a block of evaluation's concepts is set aside)
            if (ph, into, case) not in analyses:
                bank = concept_bank()
                an = evidence.analyse(elsewhere[ph], into, case, bank)
                if ph != into:  # a sizing slip is wrong sizing where it was said, not a wrong experiment or pipeline elsewhere
                    an = dataclasses.replace(an, misconceptions=[m for m in an.misconceptions if m[0] != ARITHMETIC_ID], corrected=an.corrected - {ARITHMETIC_ID})
                    # a concept counts for another phase when it is at home there or where it was said (GDPR raised while
                    # clarifying is monitoring's privacy; budget-split experiments described while deploying are A/B
                    # testing): "MAE is more intuitive than MSE", a loss chosen while modelling, is no monitoring metric
                    an = dataclasses.replace(an, mentions=[m for m in an.mentions if bank.concept(m[0]).phase in (ph, into)])
                analyses[ph, into, case] = an
            return analyses[ph, into, case]

        return [self._filled(g, elsewhere, analysis) for g in grades]

    def _filled(self, g: PhaseGrade, elsewhere: Mapping[str, str], analysis: Callable[[str, str, str | None], evidence.Analysis]) -> PhaseGrade:
        # clarifying grades what was asked and settled before the design: a launch bar defined while evaluating
        # is evaluation's evidence, not a requirement clarified
        # blank criteria, and those whose own evidence is fair (2-3, no claim pulled them to 1): more shown in another
        # phase raises them ("budget-split experiments" said while deploying is A/B-testing evidence too). A phase
        # the candidate said nothing in (never reached: the interview ended first) takes nothing: it was shown
        # with a score carried from other phases' words, as if it had been discussed
        if g.phase in (CROSS_CUTTING, Phase.CLARIFY) or not (elsewhere.get(g.phase) or "").strip() or all(c.score is not None and not 2 <= c.score < 4 for c in g.criteria):
            return g
        bank = concept_bank()
        crits = {c.id: c for c in self.criteria_for(g.phase, g.case)}
        reference = _reference_concepts(bank, self.lib.cases.get(g.case or ""))
        own = {c.id: c.score for c in g.criteria}
        wrong: set[str] = set()
        if g.phase in elsewhere and elsewhere[g.phase].strip():
            # a claim stated in the phase itself, taken back or not, keeps the phase's own grade: a wrong loss
            # corrected after a hint had been graded from the model phase's good words, leaving no trace
            here = evidence.criterion_evidence(analysis(g.phase, g.phase, g.case), list(crits.values()), bank)
            wrong = {ev.criterion.id for ev in here if ev.misconceptions or ev.corrected}

        def open_to(cid: str) -> bool:  # blank, or fair (2-3) with no wrong claim of its own
            s = own[cid]
            return s is None or (2 <= s < 4 and cid not in wrong)

        missing = [crits[c.id] for c in g.criteria if c.id in crits and open_to(c.id)]
        found: dict[str, tuple[str, evidence.CriterionEvidence]] = {}
        for ph, text in elsewhere.items():
            if ph == g.phase or ph == CROSS_CUTTING or not text.strip() or not missing:
                continue
            for ev in evidence.criterion_evidence(analysis(ph, g.phase, g.case), missing, bank):
                mine = own.get(ev.criterion.id)
                if ev.score is None or (mine is not None and (ev.score <= mine or ev.misconceptions or ev.corrected or ph == Phase.CLARIFY)):
                    # a raise needs more than the phase showed, no wrong claim beside it, and design work: what was
                    # said while clarifying is mostly the case's facts said back ("today a simple heuristic ...")
                    continue
                if ev.criterion.id not in found or ev.score > (found[ev.criterion.id][1].score or 0):
                    found[ev.criterion.id] = (ph, ev)
        if not found:
            return g
        out: list[CriterionGrade] = []
        for c in g.criteria:
            if c.id in found:
                ph, ev = found[c.id]
                raised = c.score is not None  # the phase's own evidence stays first, and is said to be there
                where = P.get("rationale", "elsewhere_more" if raised else "elsewhere").format(phase=self.lib.phase_title(ph))
                rationale = f"{where} {_rationale(ev, ev.score, bank, g.case, [], False, reference)}"
                mine = list(c.evidence) if raised else []
                quotes = [*mine, *(q for q in ev.quotes if q not in mine)][: max(len(ev.quotes), len(mine), 1) + (1 if raised else 0)]
                c = c.model_copy(update={"score": ev.score, "evidence": quotes, "rationale": rationale})
            out.append(c)
        return g.model_copy(update={"criteria": out, "score": weighted_score(out)})

    def grade(self, phase: str, case: str | None, text: str) -> PhaseGrade:
        """Grade one phase's candidate text. The LLM path falls back to offline on LLMError."""
        base = self.offline(phase, case, text)
        if self.brain != "llm" or self.client is None or not text.strip():
            return base
        try:
            return self._llm(phase, case, text, base)
        except LLMError as e:
            base.notice = P.get("fallback_notice").format(reason=clip(str(e), 140), who="grader", what="grade")
            return base

    def _llm(self, phase: str, case: str | None, text: str, base: PhaseGrade) -> PhaseGrade:
        crits = self.criteria_for(phase, case)
        kept, dropped = strip_pleas(text)
        penalised = bool(dropped) or scoring.padded(kept)
        case_obj = self.lib.cases.get(case) if case else None
        title = P.get("rationale", "whole_interview") if phase == CROSS_CUTTING else self.lib.phase_title(phase)
        msgs = [
            {"role": "system", "content": P.get("llm", "grade_system")},
            {
                "role": "user",
                "content": P.get("llm", "grade").format(
                    phase_title=title,
                    case=case_brief(case_obj),
                    criteria=grading_criteria(crits),
                    detected=detected_block(kept, case, crits),
                    answer=fence(kept[-16000:]),
                ),
            },
        ]
        replies = [self.client.structured(msgs, GradeReply, name="phase_grade", max_tokens=1500, temperature=SAMPLE_TEMPERATURE)]  # type: ignore[union-attr]
        notice = None
        for _ in range(SAMPLES - 1):
            try:
                replies.append(self.client.structured(msgs, GradeReply, name="phase_grade", max_tokens=1500, temperature=SAMPLE_TEMPERATURE))  # type: ignore[union-attr]
            except LLMError as e:
                notice = P.get("llm", "one_sample").format(reason=str(e)[:140])
        off = {g.id: g for g in base.criteria}
        per_sample: list[list[CriterionGrade]] = []
        for reply in replies:
            by_id = {i.id: i for i in reply.criteria}
            sample: list[CriterionGrade] = []
            for c in crits:
                item = by_id.get(c.id)
                if item is None:
                    sample.append(off[c.id])  # the model left it out: the offline grade stands for it
                    continue
                ev = verify_evidence(item.evidence, kept)
                score = item.score if ev else None  # no verified quote: insufficient evidence
                if score is not None and penalised:
                    score = max(1, score - INJECTION_PENALTY)
                sample.append(CriterionGrade(id=c.id, score=score, evidence=ev, rationale=item.rationale.strip()[:600], title=c.title, weight=c.weight, phase=phase))
            per_sample.append(sample)
        grades, samples = combine_samples(per_sample)
        return PhaseGrade(phase=phase, case=case, score=weighted_score(grades), criteria=grades, brain="llm", notice=notice, samples=samples)


def strip_pleas(text: str) -> tuple[str, list[str]]:
    """The candidate's words without the sentences that address the grader, line by line (so notes
    and bullets stay units). Returns (kept text, dropped sentences)."""
    lines: list[str] = []
    dropped: list[str] = []
    for line in text.split("\n"):
        keep = []
        for sent in sentences(line):
            (dropped if is_injection(sent) else keep).append(sent)
        if keep or not line.strip():
            lines.append(" ".join(keep))
    return "\n".join(lines).strip(), dropped


def combine_samples(per_sample: list[list[CriterionGrade]]) -> tuple[list[CriterionGrade], Samples]:
    """One grade per criterion from the samples (see the module docstring), and how they compared."""
    totals = [round(weighted_score(s), 3) for s in per_sample]
    out: list[CriterionGrade] = []
    apart: list[str] = []
    for row in zip(*per_sample):
        first = row[0]
        scored = [g.score for g in row if g.score is not None]
        as_one = [g.score or 1 for g in row]
        if max(as_one) - min(as_one) >= APART:
            apart.append(first.id)
        score = sum(as_one) // len(as_one) if scored else None
        evidence: list[str] = []
        for g in row:
            evidence += [q for q in g.evidence if q not in evidence]
        lowest = min(row, key=lambda g: g.score or 0)
        out.append(first.model_copy(update={"score": score, "evidence": evidence[:3], "rationale": lowest.rationale}))
    disagree = bool(apart) or (max(totals) - min(totals) > TOTALS_APART if totals else False)
    return out, Samples(n=len(per_sample), totals=totals, apart=apart, disagree=disagree)


def case_brief(case: Case | None) -> str:
    """The case as the interviewer knows it: title, prompt and facts."""
    if case is None:
        return P.get("llm", "no_case")
    facts = "\n".join(f"- {f.answer}" for f in case.facts)
    return P.get("llm", "case_brief").format(title=case.title, prompt=case.prompt, facts=facts)


def grading_criteria(crits: list[Criterion]) -> str:
    """Each criterion with its anchored levels and its red flags."""
    lines = []
    for c in crits:
        lines.append(f"- {c.id}: {c.title} — {c.description}")
        for k in (1, 2, 3, 4):
            lines.append(f"    {k}: {c.levels[k]}")
        for r in c.red_flags:
            lines.append(f"    red flag: {r}")
    return "\n".join(lines)


def _span(text: str) -> str:
    s = " ".join(text.split())
    return fence(s if len(s) <= 160 else s[:157] + "...").replace("<detected>", "‹detected›").replace("</detected>", "‹/detected›")


def detected_block(text: str, case: str | None, crits: list[Criterion]) -> str:
    """What the concept layer found in the candidate's words for these criteria: each concept named (with
    the span that named it and the depth points shown) and each misconception stated, by criterion."""
    from .concepts import concept_bank

    bank = concept_bank()
    ids = {c.id for c in crits}
    lines: list[str] = []
    depth = bank.find_depth(text, case)
    seen: set[str] = set()
    for m in bank.find_mentions(text, case):
        concept = bank.concept(m.concept_id)
        on = [c for c in concept.criteria if c in ids]
        if not on or m.concept_id in seen:
            continue
        seen.add(m.concept_id)
        shown = [concept.depth[i].point for i in sorted(depth.get(m.concept_id, ()))]
        line = f"- concept {concept.name} (criteria: {', '.join(on)}), named as \"{_span(m.matched)}\""
        line += f"; depth shown: {'; '.join(shown)}" if shown else "; no depth shown"
        lines.append(line)
    for h in bank.find_misconceptions(text, case):
        if h.misconception_id in bank.figure_of:
            continue  # the interviewer's to put back, not a graded claim (evidence.analyse)
        mis = bank.misconception(h.misconception_id)
        on = [c for c in mis.criteria if c in ids]
        if on:
            lines.append(f"- MISCONCEPTION against {', '.join(on)}: {mis.claim}; stated as \"{_span(h.matched)}\"")
    return "\n".join(lines) or P.get("llm", "nothing_detected")
