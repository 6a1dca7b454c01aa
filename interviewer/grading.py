"""Phase grading with either brain. Evidence and injection resistance are enforced here, in code.

- Every quote must occur in the candidate's own words (after normalising whitespace and case);
  a quote that does not is dropped, and a criterion left without a quote is null (no evidence).
- Sentences that address the grader are removed before grading and can never be quoted.
- The LLM grader's score is capped at one above what the offline scorer finds in the same
  (injection-stripped) text, so a model talked into full marks cannot hand them out.
"""
from __future__ import annotations

from typing import Any, Literal, Mapping, Sequence

from pydantic import BaseModel, Field, field_validator

from . import evidence, scoring
from . import prompts as P
from .brains import criteria_block, fence
from .concepts import ConceptBank, concept_bank
from .content import Criterion, Library
from .domain import CROSS_CUTTING, Command, Role, TurnKind
from .errors import LLMError
from .llm import LLMClient
from .text import is_injection, norm, quote_in, strip_injections

INJECTION_PENALTY = 1


class CriterionGrade(BaseModel):
    id: str
    score: int | None = Field(default=None, ge=1, le=4)
    evidence: list[str] = Field(default_factory=list)
    rationale: str = ""
    title: str = ""
    weight: float = 1.0
    phase: str = ""


class PhaseGrade(BaseModel):
    phase: str
    case: str | None = None
    score: float
    criteria: list[CriterionGrade]
    brain: str = "offline"
    notice: str | None = None

    def public(self) -> dict[str, Any]:
        """The `grade --json` shape of DESIGN.md."""
        return {
            "phase": self.phase,
            "case": self.case,
            "score": round(self.score, 3),
            "criteria": [{"id": c.id, "score": c.score, "evidence": c.evidence, "rationale": c.rationale, "title": c.title, "weight": c.weight} for c in self.criteria],
        }


def weighted_score(grades: list[CriterionGrade]) -> float:
    """Weight-averaged criterion score; null counts as 1 (not shown is not demonstrated)."""
    tw = sum(g.weight for g in grades)
    if tw <= 0:
        return 1.0
    return sum((g.score or 1) * g.weight for g in grades) / tw


def candidate_words(transcript: Sequence[Mapping[str, Any]], phase: str | None = None) -> str:
    """What the candidate said in a transcript (answers and questions, not commands), in one phase or
    in all. A recorded transcript may lack `kind`: a command is then told by its text."""
    return "\n".join(
        t["text"]
        for t in transcript
        if t["role"] == Role.CANDIDATE
        and (t.get("kind") or (TurnKind.COMMAND if Command.parse(str(t["text"])) else TurnKind.ANSWER)) in (TurnKind.ANSWER, TurnKind.QUESTION)
        and (phase is None or t.get("phase") == phase)
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


def _rationale(ev: "evidence.CriterionEvidence", score: int | None, bank: ConceptBank, case: str | None, stripped: list[str], padded: bool = False) -> str:
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
        if ev.meaning:
            parts.append(r["meaning"].format(shown=names(ev.meaning[:3])))
    for m in ev.misconceptions[:2]:
        parts.append(r["wrong"].format(claim=bank.misconception(m).claim.rstrip(".")))
    if ev.criterion.phase != CROSS_CUTTING and (score or 0) < 4:
        needs: list[str] = []
        said = set(ev.concepts) | set(ev.meaning)
        missing = [c for c in bank.by_criterion(ev.criterion.id, case, main_only=True) if c.id not in said]
        missing += [c for c in bank.by_criterion(ev.criterion.id, case) if c.id not in said and c not in missing]
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
        padded = scoring.redundancy(text) > scoring.REDUNDANT_T
        grades: list[CriterionGrade] = []
        for ev in evs:
            s = ev.score
            quotes = ev.quotes  # spans of the candidate's own text by construction, pleas already left out
            if s is not None and (an.dropped or padded):
                s = max(1, s - INJECTION_PENALTY)  # instructing the grader, or padding, costs a level
            c = ev.criterion
            grades.append(CriterionGrade(id=c.id, score=s, evidence=quotes, rationale=_rationale(ev, s, bank, case, an.dropped, padded), title=c.title, weight=c.weight, phase=phase))
        return PhaseGrade(phase=phase, case=case, score=weighted_score(grades), criteria=grades, brain="offline")

    def grade(self, phase: str, case: str | None, text: str) -> PhaseGrade:
        """Grade one phase's candidate text. The LLM path falls back to offline on LLMError."""
        base = self.offline(phase, case, text)
        if self.brain != "llm" or self.client is None or not text.strip():
            return base
        try:
            return self._llm(phase, case, text, base)
        except LLMError as e:
            base.notice = P.get("fallback_notice").format(reason=str(e)[:140], what="grade")
            return base

    def _llm(self, phase: str, case: str | None, text: str, base: PhaseGrade) -> PhaseGrade:
        crits = self.criteria_for(phase, case)
        kept, _dropped = strip_injections(text)
        _dropped = _dropped or scoring.redundancy(kept) > scoring.REDUNDANT_T  # type: ignore[assignment]
        title = P.get("rationale", "whole_interview") if phase == CROSS_CUTTING else self.lib.phase_title(phase)
        msgs = [
            {"role": "system", "content": P.get("llm", "grade_system")},
            {"role": "user", "content": P.get("llm", "grade").format(phase_title=title, criteria=criteria_block(crits, levels=True), answer=fence(text[-16000:]))},
        ]
        reply = self.client.structured(msgs, GradeReply, name="phase_grade", max_tokens=1500)  # type: ignore[union-attr]
        by_id = {i.id: i for i in reply.criteria}
        off = {g.id: g for g in base.criteria}
        grades: list[CriterionGrade] = []
        for c in crits:
            item = by_id.get(c.id)
            o = off[c.id]
            if item is None:
                grades.append(o)
                continue
            ev = verify_evidence(item.evidence, kept)
            score = item.score
            if not ev:
                score = None  # no verified quote: insufficient evidence
            elif score is not None:
                score = min(score, (o.score or 1) + 1)  # the evidence ceiling
                if _dropped:
                    score = max(1, score - INJECTION_PENALTY)
            grades.append(CriterionGrade(id=c.id, score=score, evidence=ev, rationale=item.rationale.strip()[:600], title=c.title, weight=c.weight, phase=phase))
        return PhaseGrade(phase=phase, case=case, score=weighted_score(grades), criteria=grades, brain="llm")
