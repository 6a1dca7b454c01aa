"""Two brains behind one interface: offline (local embeddings, authored probes) and LLM (any
OpenAI-compatible endpoint). A failing LLM call falls back to the offline brain with a notice."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable, Literal, Protocol

import numpy as np
from pydantic import BaseModel, Field

from .content import Case, Criterion, Library
from .embeddings import embedder
from .errors import LLMError
from .knowledge import Hit
from .llm import LLMClient
from . import prompts as P
from . import scoring
from .text import norm, quote_in, split_questions

FACT_T = 0.42  # a question must be at least this close to a fact for the fact to answer it

TokenSink = Callable[[str], None]


@dataclass
class Assessment:
    """Per criterion: score 1-4 or None, status covered/partial/none, and evidence sentences."""

    by_criterion: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class FollowUpRequest:
    criterion: Criterion
    status: str  # none | partial
    note: Hit | None
    persona: str
    level: str
    ack_seed: int
    used_lines: set[str]
    case: Case
    phase_title: str
    recent: list[dict[str, Any]]
    summary: str
    crits: list[Criterion]
    prefix: str = ""


class Brain(Protocol):
    name: str

    def assess(self, text: str, crits: list[Criterion], **kw: Any) -> Assessment: ...

    def clarify(self, question: str, case: Case, revealed: list[str], used_lines: set[str], **kw: Any) -> tuple[str, list[str]]: ...

    def follow_up(self, req: FollowUpRequest, on_token: TokenSink | None = None) -> str: ...


def status_of(score: int | None) -> str:
    if score is None or score <= 1:
        return "none"
    return "partial" if score == 2 else "covered"


# ------------------------------------------------------------------------------------ offline


class OfflineBrain:
    name = "offline"

    def __init__(self, lib: Library):
        self.lib = lib
        self._facts: dict[str, tuple[list[str], np.ndarray, list[int]]] = {}

    # -- assessment: the calibrated scorer over everything said in the phase so far
    def assess(self, text: str, crits: list[Criterion], **kw: Any) -> Assessment:
        out = Assessment()
        if not text.strip():
            for c in crits:
                out.by_criterion[c.id] = {"score": None, "status": "none", "evidence": []}
            return out
        for cid, (score, evidence, _x) in scoring.score_answer(text, crits, prepared=kw.get("prepared")).items():
            out.by_criterion[cid] = {"score": score, "status": status_of(score), "evidence": evidence[:2]}
        return out

    # -- clarifications: nearest hidden fact
    def _fact_bank(self, case: Case) -> tuple[list[str], np.ndarray, list[int]]:
        if case.id not in self._facts:
            texts: list[str] = []
            owner: list[int] = []
            for i, f in enumerate(case.facts):
                for t in [", ".join(f.topics), *f.topics]:
                    texts.append(t)
                    owner.append(i)
            self._facts[case.id] = (texts, embedder().encode(texts), owner)
        return self._facts[case.id]

    def match_facts(self, question: str, case: Case, k: int = 2) -> list[tuple[int, float]]:
        texts, vecs, owner = self._fact_bank(case)
        found: dict[int, float] = {}
        for q in split_questions(question) or [question]:
            qv = embedder().encode([q])[0]
            sims = vecs @ qv
            qtok = set(norm(q).replace("?", " ").split())
            best: dict[int, float] = {}
            for j, s in enumerate(sims):
                i = owner[j]
                # a topic word said outright is strong evidence of what is asked
                bonus = 0.12 if any(w in qtok for w in norm(texts[j]).split() if len(w) > 3) else 0.0
                best[i] = max(best.get(i, -1.0), float(s) + bonus)
            top = sorted(best.items(), key=lambda kv: -kv[1])[:k]
            for i, s in top[:1] if len(top) < 2 or top[0][1] - top[1][1] > 0.08 else top:
                if s >= FACT_T:
                    found[i] = max(found.get(i, 0.0), s)
        return sorted(found.items(), key=lambda kv: -kv[1])[:3]

    def clarify(self, question: str, case: Case, revealed: list[str], used_lines: set[str], **kw: Any) -> tuple[str, list[str]]:
        matches = self.match_facts(question, case)
        if not matches:
            return P.pick_unique(P.get("clarify", "no_fact"), used_lines, seed=len(used_lines)), []
        parts = []
        ids = []
        for i, _s in matches:
            f = case.facts[i]
            ids.append(f.id)
            parts.append((P.get("clarify", "repeat_prefix") + f.answer[0].lower() + f.answer[1:]) if f.id in revealed else f.answer)
        return " ".join(parts), ids  # the graph keeps it from repeating a line said before

    # -- follow-ups: the rubric's authored probe for the chosen criterion
    def follow_up(self, req: FollowUpRequest, on_token: TokenSink | None = None) -> str:
        probes = list(req.criterion.probes)
        acks = P.get("ack", req.persona if req.persona in P.get("ack") else "neutral")
        line = ""
        for i in range(len(probes) * len(acks)):
            probe = probes[(req.ack_seed + i) % len(probes)]
            ack = acks[(req.ack_seed + i // len(probes)) % len(acks)]
            push = " " + P.get("push", req.persona) if req.status == "partial" else ""
            candidate = f"{req.prefix}{ack}{push} {probe}".strip()
            if candidate not in req.used_lines:
                line = candidate
                break
        if not line:
            line = f"{req.prefix}{acks[0]} {probes[0]} ({req.criterion.title})".strip()
        if on_token:
            for piece in _pieces(line):
                on_token(piece)
        return line


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

    def assess(self, text: str, crits: list[Criterion], **kw: Any) -> Assessment:
        if not text.strip():
            return self.offline.assess(text, crits)
        msgs = [
            {"role": "system", "content": "You assess interview answers against rubric criteria and reply in JSON."},
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

    def clarify(self, question: str, case: Case, revealed: list[str], used_lines: set[str], **kw: Any) -> tuple[str, list[str]]:
        matches = self.offline.match_facts(question, case, k=3)
        facts = [case.facts[i] for i, _ in matches]
        fact_text = "\n".join(f"- {f.answer}" for f in facts) or "- (no fact answers this question)"
        on_token = kw.get("on_token")
        msgs = [
            {"role": "system", "content": f"You are the interviewer for the case: {case.title}. {case.prompt}"},
            {"role": "user", "content": P.get("llm", "clarify").format(facts=fact_text) + f"\n<candidate>\n{fence(question)}\n</candidate>"},
        ]
        line = self.client.stream(msgs, on_token=on_token, max_tokens=160).strip()
        if not line:
            raise LLMError("empty reply")
        return line, [f.id for f in facts]

    def follow_up(self, req: FollowUpRequest, on_token: TokenSink | None = None) -> str:
        msgs = [self.system(req.persona, req.level, req.case, req.phase_title, req.crits)]
        if req.summary:
            msgs.append({"role": "user", "content": P.get("llm", "summary_header") + "\n" + req.summary})
            msgs.append({"role": "assistant", "content": "Understood."})
        for t in req.recent:
            if t["role"] == "candidate":
                msgs.append({"role": "user", "content": f"<candidate>\n{fence(t['text'][:3000])}\n</candidate>"})
            else:
                msgs.append({"role": "assistant", "content": t["text"]})
        note = req.note.text[:1200] if req.note else "(no note)"
        push = P.get("push", req.persona) if req.status == "partial" else ""
        msgs.append(
            {
                "role": "system",
                "content": P.get("llm", "followup").format(
                    criterion_title=req.criterion.title, criterion_desc=req.criterion.description, note=note, push=push
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
    from .text import is_injection

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
        reason = str(e).split("\n")[0][:140]
        self.notify(P.get("fallback_notice").format(reason=reason, what=what))

    def assess(self, text: str, crits: list[Criterion], **kw: Any) -> Assessment:
        try:
            return self.llm.assess(text, crits, **kw)
        except LLMError as e:
            self._fallback("assessment", e)
            return self.offline.assess(text, crits, **kw)

    def clarify(self, question: str, case: Case, revealed: list[str], used_lines: set[str], **kw: Any) -> tuple[str, list[str]]:
        try:
            return self.llm.clarify(question, case, revealed, used_lines, **kw)
        except LLMError as e:
            self._fallback("answer", e)
            if kw.get("on_reset"):
                kw["on_reset"]()
            return self.offline.clarify(question, case, revealed, used_lines)

    def follow_up(self, req: FollowUpRequest, on_token: TokenSink | None = None, on_reset: Callable[[], None] | None = None) -> str:
        try:
            return self.llm.follow_up(req, on_token)
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


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False)
