"""The interview as a LangGraph StateGraph.

open -> listen (interrupt) -> by the line's kind: command | question | answer
  question -> ask -> listen | advance (the phase's time is used)
  answer   -> assess -> respond: `decide` (plain code) -> a follow-up, or the phase closes -> listen | END
  command  -> /hint /time /help -> listen; /next -> advance; /end -> finish -> END

Nodes return only what they add or change (the state's reducers merge it), and route with
`Command(goto=...)`. The decision is a typed `Decision` computed by `decide` from the state alone, so
nothing scratch is checkpointed. Nodes before an interrupt have no side effects: `listen` only
interrupts and records what came back. Model calls happen in the nodes after it, so a resumed step
never repeats a call it already made. Events (`interviewer.events`) are written to the custom stream
as they happen; notices go out on that one channel and are recorded in the state as history.
"""
from __future__ import annotations

import functools
import re
import zlib
from dataclasses import dataclass, field
from typing import Any, Callable

from langgraph.config import get_stream_writer
from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import Command as Goto
from langgraph.types import interrupt

from . import prompts as P
from .arithmetic import MISCONCEPTION_ID as ARITHMETIC_ID
from .arithmetic import said_back
from .brains import Brain, FollowUpRequest, OfflineBrain, status_of, summary_of
from .clock import Clock
from .concepts import ConceptBank, Mention, units
from .content import Library
from .domain import Action, Command, Decision, Phase, Role, TurnKind, Why, policy
from .events import Message, Notice, PhaseChanged, Reset, Token
from .evidence import dismissed
from .grading import candidate_words
from .knowledge import KnowledgeIndex
from .state import InterviewState, Turn
from .text import (
    asked_part,
    asks,
    asks_back,
    asks_directly,
    asks_duration,
    asks_for_hint,
    asks_quantity,
    asks_what_was_meant,
    clarify_asks,
    content_words,
    ends_moving_on,
    has_duration,
    has_questions,
    inline_title,
    is_question,
    is_stuck,
    plural,
    redact,
    sanitize,
    sentences,
    wants_to_move_on,
)

# node names
LISTEN, ASK, ASSESS, RESPOND, ADVANCE, COMMAND, FINISH = "listen", "ask", "assess", "respond", "advance", "command", "finish"

Update = dict[str, Any]


@dataclass
class Ctx:
    lib: Library
    index: KnowledgeIndex | None
    brain: Brain
    offline: OfflineBrain  # the brain's offline twin: later-phase credit is always scored offline
    clock: Clock
    bank: ConceptBank | None = None  # the concept layer: what the candidate named, misconceptions
    secrets: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # filled by the fallback brain during a step


# ------------------------------------------------------------------------------------ helpers


def _phase(state: InterviewState) -> str:
    return state["phases"][min(state["phase_i"], len(state["phases"]) - 1)]


def budget(state: InterviewState, lib: Library, phase: str) -> float:
    """The phase's minutes, scaled to the interview's length."""
    total = sum(lib.phase_minutes(p) for p in state["phases"])
    return lib.phase_minutes(phase) * state["minutes"] / max(total, 1e-9)


def allowance(state: InterviewState, lib: Library, phase: str) -> float:
    """The minutes the phase may run before it closes by time or pace: its budget, plus the minutes the
    earlier phases left unused, up to `carry_share` of the budget (a phase closed early by its pace leaves
    time that a later one can use, and no phase runs past its budget + 25%)."""
    b = budget(state, lib, phase)
    phases = list(state.get("phases", []))
    if phase not in phases:
        return b
    saved = sum(budget(state, lib, p) for p in phases[: phases.index(phase)]) - state.get("phase_start", 0.0)
    return b + min(max(saved, 0.0), policy().carry_share * b)


def _used_lines(state: InterviewState) -> set[str]:
    return {t["text"] for t in state.get("transcript", []) if t["role"] == Role.INTERVIEWER}


def _unused(used: set[str], *lines: str) -> str:
    """The first of `lines` not said before in this interview; if all were, the last one numbered so that it is
    never said verbatim again (two clarifying answers at the same minute had both ended "(minute 4)")."""
    line = next((x for x in lines if x not in used), None)
    n = 2
    while line is None or line in used:
        line = f"{lines[-1]} ({n})"
        n += 1
    return line


# the interviewer's lines that put a question: a probe like one of them would ask it again
_ASKING_KINDS = (TurnKind.INTRO, TurnKind.FOLLOW_UP, TurnKind.DEEP_DIVE, TurnKind.PUSH, TurnKind.CHALLENGE, TurnKind.HINT)


def _not_asked_yet(state: InterviewState, lines: list[str], strict: bool = False) -> list[str]:
    """The lines that do not ask again, in other words, what an earlier question of the interviewer's asked
    ("What would a bigger model have to buy you ...?" then "... where a larger model stops being worth what it
    costs to serve?"); all of them when none is left, unless `strict`."""
    asked = [t["text"] for t in state.get("transcript", []) if t["role"] == Role.INTERVIEWER and t.get("kind") in _ASKING_KINDS]
    if not asked or not lines:
        return lines
    from .embeddings import embedder

    asked, put = [_question_of(t) for t in asked], [_question_of(t) for t in lines]
    # the embedder's memo holds the lines that recur (authored ones are embedded ahead, `authored_texts`)
    texts = list(dict.fromkeys([*asked, *put]))
    vec = dict(zip(texts, embedder().encode(texts)))
    said = [vec[t] for t in asked]
    close = policy().repeat_sim
    # the same opening words ask the same ("How long would one training run take here ...?" and "How long
    # would one training run take on a GPU cluster ...?" are 0.59 apart in meaning)
    seen = {g for t in asked for g in _word_runs(t)}
    keep = [line for line, q in zip(lines, put) if max(float(v @ vec[q]) for v in said) < close and not (_word_runs(q) & seen)]
    return keep if strict else keep or lines


SAME_WORDS_RUN = 6  # this many words in a row shared with an earlier question ask it again


@functools.lru_cache(maxsize=4096)
def _word_runs(text: str) -> frozenset[tuple[str, ...]]:
    """Runs of `SAME_WORDS_RUN` words with at least three telling ones ("and what would you do if" is no run).
    Remembered: every earlier question of the interview is read again at each follow-up."""
    words = re.findall(r"[a-z0-9']+", text.lower())
    runs = (tuple(words[i : i + SAME_WORDS_RUN]) for i in range(len(words) - SAME_WORDS_RUN + 1))
    return frozenset(r for r in runs if len(content_words(" ".join(r))) >= 3)


_ON_LEAD = re.compile(r"^\s*On [^:?.,]{1,80}[:,]\s*")


def _question_of(line: str) -> str:
    """What a line asks, without its lead ("You mentioned X.", "On X:") or the phase change before it."""
    line = _ON_LEAD.sub("", _without_reference(line), count=1)
    asking = [x for x in sentences(line) if x.rstrip().endswith("?")]
    return " ".join(asking) or line


def authored_texts(lib: Library, bank: ConceptBank | None) -> list[str]:
    """The authored text the interviewer embeds at turn time, to embed ahead (`Embedder.preload`): what its
    probes, challenges and phase openings ask (`_not_asked_yet` compares those) and the queries of its notes
    (`_authored`, `_hint`, and the scorecard's study notes, which search by a criterion's title)."""
    out = [lib.phase_title(ph) for ph in lib.rubrics]  # the note of an ask to clarify
    for crit in lib.all_criteria():
        out += [crit.note_query, crit.title, *(_question_of(p) for p in crit.probes)]
    if bank is not None:
        for c in bank.concepts.values():
            out += [c.note_query, *(_question_of(p) for p in c.probes)]
        for m in bank.misconceptions.values():
            out += [m.claim, _question_of(m.challenge.replace("{said}", "..."))]
    for lines in P.get("phase_intro").values():
        out += [_question_of(line) for line in lines]
    out += [_question_of(line) for line in P.get("ask_to_clarify")]
    return list(dict.fromkeys(t for t in out if t.strip()))


def _writer() -> Callable[[Any], None]:
    try:
        return get_stream_writer()
    except Exception:
        return lambda _x: None


def _streamer() -> tuple[list[str], Callable[[str], None], Callable[[], None]]:
    """A token sink for a brain: what it streamed, the sink, and the reset callback."""
    w = _writer()
    tokens: list[str] = []

    def on_token(t: str) -> None:
        tokens.append(t)
        w(Token(t))

    return tokens, on_token, lambda: w(Reset())


def _say(state: InterviewState, ctx: Ctx, text: str, kind: TurnKind, phase: str | None = None, stream: bool = True, **extra: Any) -> Update:
    """An interviewer line: the clock advances, and it is emitted token by token if not streamed yet."""
    w = _writer()
    if stream:
        for piece in text.split(" "):
            w(Token(piece + " "))
    elapsed = state.get("elapsed", 0.0) + ctx.clock.interviewer_turn(text)
    turn: Turn = {"role": Role.INTERVIEWER.value, "phase": phase or _phase(state), "text": text, "minute": round(elapsed, 2), "kind": TurnKind(kind).value}
    turn.update(extra)  # type: ignore[typeddict-item]
    w(Message(dict(turn)))
    return {"transcript": [turn], "elapsed": elapsed}


def _notice(kind: str, text: str, minute: float) -> dict[str, Any]:
    """Emit a notice and return its record for the state."""
    _writer()(Notice(kind, text))
    return {"kind": kind, "text": text, "minute": round(minute, 2)}


def _time_notices(state: InterviewState, ctx: Ctx, elapsed: float) -> Update:
    """Half the phase's budget used, the budget used, five minutes left: from elapsed time only, and only
    for the phase under way (the caller gives them when the phase stays open)."""
    phase = _phase(state)
    phase_budget = budget(state, ctx.lib, phase)
    used = elapsed - state.get("phase_start", 0.0)
    flags = set(state.get("time_flags", []))
    title = ctx.lib.phase_title(phase)
    notices, new_flags = [], []
    for key, cond, msg in (
        (f"{phase}:half", used >= phase_budget / 2, P.get("time_notice", "half").format(phase=title, budget=phase_budget, used=used)),
        (f"{phase}:over", used >= phase_budget, P.get("time_notice", "over").format(phase=title, budget=phase_budget)),
        ("five_left", state["minutes"] - elapsed <= 5 and state["minutes"] >= 10, P.get("time_notice", "five_left")),
    ):
        if cond and key not in flags:
            new_flags.append(key)
            notices.append(_notice("time", msg, elapsed))
    return {"time_flags": new_flags, "notices": notices}


def _fallback_notices(state: InterviewState, ctx: Ctx) -> list[dict[str, Any]]:
    out = [_notice("fallback", n, state.get("elapsed", 0.0)) for n in ctx.notices]
    ctx.notices.clear()
    return out


def _latest(state: InterviewState) -> Turn:
    """The candidate's last line (every node after `listen` acts on it)."""
    for t in reversed(state.get("transcript", [])):
        if t["role"] == Role.CANDIDATE:
            return t
    return {"role": Role.CANDIDATE.value, "phase": _phase(state), "text": "", "kind": TurnKind.ANSWER.value}


def _note(ctx: Ctx, query: str, phase: str, case: str) -> Any:
    """The knowledge section that best grounds a line about `query`, or None."""
    if ctx.index is None:
        return None
    hits = ctx.index.search(query, phase=phase, case=case, k=1)
    return hits[0] if hits else None


def _index_notices(state: InterviewState, ctx: Ctx) -> list[dict[str, Any]]:
    """The index's problem (`last_error`, set by the search just made), told to the candidate once per
    session: the interview goes on without notes, and they should know why."""
    err = getattr(ctx.index, "last_error", None) if ctx.index is not None else None
    if not err or any(n.get("kind") == "index" for n in state.get("notices", [])):
        return []
    return [_notice("index", err, state.get("elapsed", 0.0))]


def _closed_minutes(state: InterviewState, phase: str) -> dict[str, float]:
    return {phase: round(state.get("elapsed", 0.0) - state.get("phase_start", 0.0), 2)}


def candidate_text(state: InterviewState, phase: str | None = None) -> str:
    """What the candidate said (answers and questions: in clarifying, the questions are the answer),
    in one phase or, with no phase, in the whole interview."""
    return candidate_words(state.get("transcript", []), phase)


def _then(state: InterviewState, upd: Update) -> Goto:
    """Back to listening, or to the end once the interview has finished."""
    return Goto(update=upd, goto=END if upd.get("status") == "finished" else LISTEN)


# ------------------------------------------------------------------------------------ decisions


def _phase_turns(state: InterviewState, phase: str, role: str) -> list[Turn]:
    return [t for t in state.get("transcript", []) if t["role"] == role and t["phase"] == phase and t.get("kind") != TurnKind.COMMAND]


def _just_stated(state: InterviewState, ctx: Ctx | None = None) -> list[str]:
    """Misconceptions stated in the latest answer and not challenged yet; those of the phase under way
    first (a claim about tail latency made while deploying is challenged as a deployment claim), then the
    one whose words cover more of what was said (two families can recognise one sentence: the one that
    reads more of it is the closer fit)."""
    turn = len(state.get("transcript", [])) - 1
    done = set(state.get("challenged", []))
    # a sizing slip stated in this answer is a new one (`_detect` keeps one per sum), though an earlier one was challenged
    now = [x for x in state.get("stated", []) if x["turn"] == turn and (x["id"] not in done or x["id"] == ARITHMETIC_ID)]
    if ctx is not None and ctx.bank is not None:
        phase = _phase(state)
        # a figure stated against the case's own (figures.py) after a known wrong claim: the claim is the lesson
        now.sort(key=lambda x: (x["id"] in ctx.bank.figure_of, ctx.bank.misconception(x["id"]).phase != phase, -len(x.get("quote") or "")))  # stable: otherwise in order said
    return [x["id"] for x in now]


DISMISSED = "dismissed"  # the push on a concept the candidate said is not needed
HELD = "held"  # a challenged claim held to in the very next answer: pushed on once more

# an answer that holds to a challenged claim ("I don't think it peeks at much, ... so random is fine"), and one
# that gives ground ("Right, it would score 99.7% ... so accuracy is wrong here")
_HOLDS = re.compile(
    r"\b(?:i\s+don'?t\s+(?:really\s+)?think|i\s+do\s+not\s+think|i\s+disagree|i'?d\s+(?:still|keep)|i\s+(?:still|would\s+still)\s+(?:think|believe|prefer|go\s+with|use)|"
    r"(?:is|are|it'?s|that'?s)\s+(?:still\s+)?(?:fine|ok|okay|good\s+enough|not\s+(?:really\s+)?(?:a|an)\s+(?:problem|issue|concern|big\s+deal))|should\s+be\s+(?:fine|ok|okay)|"
    r"doesn'?t\s+(?:really\s+)?matter|won'?t\s+matter|stick\s+with|stand\s+by|basically\s+the\s+same|no\s+real\s+difference)\b",
    re.I,
)
_CONCEDES = re.compile(
    r"\b(?:you'?re\s+right|good\s+point|fair\s+point|fair\s+enough|i\s+see|i\s+was\s+wrong|my\s+mistake|take\s+(?:that|it)\s+back|instead|rather\s+than|"
    r"(?:is|was|be)\s+wrong|would\s+(?:switch|change)|i'?d\s+(?:switch|change)|oops|^\W*right\b|^\W*true\b|^\W*ah\b)",
    re.I,
)


def _held_after_challenge(state: InterviewState) -> str | None:
    """The misconception the interviewer's last line challenged, when the answer to it holds to the claim and
    gives no ground (a probe said "the distribution is basically the same week to week, so random is fine" and
    was moved on): a real interviewer pushes back once more, once per claim."""
    tr = state.get("transcript", [])
    if len(tr) < 2 or tr[-1]["role"] != Role.CANDIDATE or tr[-2]["role"] != Role.INTERVIEWER or tr[-2].get("kind") != TurnKind.CHALLENGE:
        return None
    mid = tr[-2].get("misconception")
    answer = tr[-1]["text"]
    if not mid or mid == ARITHMETIC_ID or "?" in answer or not _HOLDS.search(answer) or _CONCEDES.search(answer):
        return None  # a sum redone right "is fine" (a wrong one again is a slip of its own, challenged as such)
    if any(t.get("misconception") == mid and t.get("dimension") == HELD for t in tr if t["role"] == Role.INTERVIEWER):
        return None  # pushed on once already (the line just challenged included)
    return str(mid)


def _dismissed_now(state: InterviewState, ctx: Ctx) -> list[str]:
    """Concepts the latest answer names only to say they are not needed ("we don't need a rollback plan",
    "calibration isn't a concern"), that back one of this phase's criteria and have not been asked about
    yet: a real interviewer asks why it is safe to leave them out."""
    if ctx.bank is None or _latest(state).get("role") != Role.CANDIDATE:
        return []
    text = _latest(state)["text"]
    crits = {c.id for c in ctx.lib.criteria(_phase(state), state["case_id"])}
    pushed = set(state.get("pushed", []))
    out: list[str] = []
    for m in ctx.bank.find_mentions(text, state["case_id"]):
        cid = m.concept_id
        if cid in out or f"{cid}:{DISMISSED}" in pushed or not crits.intersection(ctx.bank.concept(cid).criteria):
            continue
        if dismissed(text, 0, m.start, m.end, absent=False) and _says_a_name(m.matched):
            # not when it is theirs elsewhere: "cold start for new videos: content embeddings ...; we can defer
            # the new-user cold start" waves away one part of what they did address
            if all(dismissed(t, 0, o.start, o.end, absent=False) for t, o in _mentions_of(state, ctx, cid)):
                out.append(cid)
    return out


def _named_earlier(state: InterviewState) -> list[str]:
    """The concepts the candidate named in the phases before this one, the latest first."""
    return [k for ph in reversed(state["phases"][: state["phase_i"]]) for k in reversed(state.get("named", {}).get(ph, []))]


def _told_criteria(state: InterviewState, ctx: Ctx) -> set[str]:
    """The criteria the interviewer's own clarifying answers already covered: those of the concepts its facts
    state ("About 5 million daily active users" is the scale). Asking "What scale are we designing for?" after
    saying it repeats the interviewer, not the candidate."""
    if ctx.bank is None:
        return set()
    case = ctx.lib.case(state["case_id"])
    answers = {f.id: f.answer for f in case.facts}
    given = {fid for t in state.get("transcript", []) if t["role"] == Role.INTERVIEWER for fid in t.get("facts") or []}
    return {cr for fid in given if fid in answers for m in ctx.bank.find_mentions(answers[fid], state["case_id"]) for cr in ctx.bank.concept(m.concept_id).criteria}


def _depth_to_go(state: InterviewState, ctx: Ctx, cid: str) -> bool:
    """Depth left to show on a concept, and a probe to ask for it: a concept whose only probes ask "which
    ones" is not dived into once the candidate listed them, nor one that is not theirs (`_theirs`)."""
    assert ctx.bank is not None
    if len(state.get("depth", {}).get(cid, [])) >= len(ctx.bank.concept(cid).depth) or not _theirs(state, ctx, cid):
        return False
    # and one that does not ask again what an earlier question asked ("How long would one training run take here
    # ...?" then, as a dive, "How long would one training run take on a GPU cluster ...?")
    return bool(_not_asked_yet(state, _fresh_probes(state, ctx, cid, ctx.bank.concept(cid).probes), strict=True))


def _fresh_probes(state: InterviewState, ctx: Ctx, cid: str, probes: list[str]) -> list[str]:
    """The probes that do not ask for what the candidate already said: after "slicing by country, device and
    tenure", "Which slices matter most?" is dropped; after "a 1% exploration slice", "How much traffic would
    you allow it?" is dropped (a figure given where the concept was named answers a probe asking for one)."""
    out = list(probes)
    if _listed_after(state, ctx, cid):
        out = [p for p in out if not _without_reference(p).lower().startswith("which")]
    if ctx.bank is not None and out:
        said = _units_by_concept(ctx.bank, [t["text"] for t in state.get("transcript", []) if t["role"] == Role.CANDIDATE]).get(cid, "")
        if re.search(r"\d", said):
            out = [p for p in out if not any(asks_quantity(q) for q in clarify_asks(_without_reference(p)) or [p])]
    return out


def _unshown_dimension(state: InterviewState, ctx: Ctx, cid: str, said: dict[str, str] | None = None) -> str | None:
    """The first of numbers, trade-offs and failure modes the candidate has not given for a concept
    (looking at the units of their answers that name it), and not pushed on yet. `said` is
    `_units_by_concept` of the candidate's answers, when the caller has it already."""
    assert ctx.bank is not None
    pol = policy()
    if said is None:
        said = _units_by_concept(ctx.bank, [t["text"] for t in state.get("transcript", []) if t["role"] == Role.CANDIDATE])
    units_text = said.get(cid, "")
    pushed = set(state.get("pushed", []))
    if any(p.startswith(f"{cid}:") for p in pushed):
        return None  # one push per concept: "What does X cost you?" then "How does X fail?" reads as a drill
    last = next((t for t in reversed(state.get("transcript", [])) if t["role"] == Role.INTERVIEWER), None)
    # not the same push twice running: "Let's put numbers on cold start: ..." then "Let's put numbers on new listings: ..."
    again = last.get("dimension") if last is not None and last.get("kind") == TurnKind.PUSH else None
    for dim, cues in pol.push_cues.items():
        if f"{cid}:{dim}" in pushed or dim == again:
            continue
        if not any(c in units_text for c in cues):
            return dim
    return None


def _units_by_concept(bank: ConceptBank, texts: list[str]) -> dict[str, str]:
    """For each concept named in `texts`, the units (sentences, bullets) that name it, joined and lower-cased:
    one pass over what was said, shared by every concept a decision looks at."""
    from .concepts import units

    out: dict[str, list[str]] = {}
    for text in texts:
        spans = units(text)
        for m in bank.find_mentions(text):
            for a, b in spans:
                if a <= m.start < b:
                    out.setdefault(m.concept_id, []).append(text[a:b])
                    break
    return {cid: " ".join(xs).lower() for cid, xs in out.items()}


def _predicted_answer(state: InterviewState, ctx: Ctx) -> float:
    """Minutes the candidate's next answer is expected to take: the median of their answers so far in the
    interview (one long paste does not make every later answer look long), on the virtual clock."""
    durations = sorted(_answer_minutes(state, ctx))
    if ctx.clock.kind != "virtual" or not durations:
        return 1.0
    mid = len(durations) // 2
    return durations[mid] if len(durations) % 2 else (durations[mid - 1] + durations[mid]) / 2


def _answer_minutes(state: InterviewState, ctx: Ctx) -> list[float]:
    """Minutes each of the candidate's answers so far took on the clock."""
    return [ctx.clock.candidate_turn(t["text"]) for t in state.get("transcript", []) if t["role"] == Role.CANDIDATE and t.get("kind") == TurnKind.ANSWER]


def _longest_answer(state: InterviewState, ctx: Ctx) -> float:
    """Minutes the candidate's longest answer of the interview took (virtual clock; 1 with a real clock)."""
    if ctx.clock.kind != "virtual":
        return 1.0
    return max(_answer_minutes(state, ctx), default=1.0)


def _room_for_challenge(state: InterviewState, ctx: Ctx, mid: str, used: float, phase_budget: float) -> bool:
    assert ctx.bank is not None
    return _room_for(state, ctx, _challenge_line(state, ctx, mid), used, phase_budget)


def _challenge_line(state: InterviewState, ctx: Ctx, mid: str, quote: str | None = None) -> str:
    """A misconception's challenge; one that puts the candidate's own words back ("Let's check that arithmetic:
    "...".") takes the words that stated it, `quote` or the latest that did."""
    assert ctx.bank is not None
    line = ctx.bank.misconception(mid).challenge
    if "{said}" not in line:
        return line
    if quote is None:
        quote = next((x.get("quote") or "" for x in reversed(state.get("stated", [])) if x["id"] == mid), "")
    return line.format(said=said_back(quote))


def _closing_minutes(ctx: Ctx) -> float:
    """The longest the interview's last line can take: room kept for it after a line near the end."""
    return max(ctx.clock.interviewer_turn(x) for x in P.get("closing"))


def _room_for_line(state: InterviewState, ctx: Ctx, line: str) -> bool:
    """A line that expects no answer still keeps the phase within its budget plus the allowed overrun, and
    the interview within its length plus its overtime (with the virtual clock)."""
    if ctx.clock.kind != "virtual":
        return True
    pol = policy()
    at = state.get("elapsed", 0.0) + ctx.clock.interviewer_turn(line)
    phase_budget = budget(state, ctx.lib, _phase(state))
    return at - state.get("phase_start", 0.0) <= phase_budget * (1 + pol.challenge_overrun_share) and at + _closing_minutes(ctx) <= state["minutes"] + pol.overtime_minutes


def _room_for(state: InterviewState, ctx: Ctx, line: str, used: float, phase_budget: float) -> bool:
    """A challenge (or the question of what a candidate would want to know) may run a phase past its
    budget, but its answer must still fit in the budget plus the allowed overrun, and in the interview's
    length plus its overtime. The answer is predicted as long as the candidate's longest in this phase
    (with the virtual clock; a real clock has no prediction); against the interview's end, as long as their
    longest in the interview, with room for the closing line after it."""
    pol = policy()
    if ctx.clock.kind != "virtual":
        return True
    turns = _phase_turns(state, _phase(state), Role.CANDIDATE)
    answer = max((ctx.clock.candidate_turn(t["text"]) for t in turns), default=1.0)
    # against the interview's end, the answer is predicted as long as the candidate's longest so far (a phase's
    # longest had been exceeded: 47.03 minutes), and the interview's last line may follow it
    longest = max((ctx.clock.candidate_turn(t["text"]) for t in state.get("transcript", []) if t["role"] == Role.CANDIDATE and t.get("kind") != TurnKind.COMMAND), default=answer)
    ask = ctx.clock.interviewer_turn(line)
    end = state.get("elapsed", 0.0) + ask + max(answer, longest) + _closing_minutes(ctx)
    return used + ask + answer <= phase_budget * (1 + pol.challenge_overrun_share) and end <= state["minutes"] + pol.overtime_minutes


def decide(state: InterviewState, ctx: Ctx) -> Decision:
    """Plain code, never the model. In order: the candidate asked to move on; a misconception just stated
    is challenged; a candidate who designs before asking anything is asked what they would want to know;
    the phase's time is used; a stuck candidate gets a hint, then the phase closes; the weightiest
    uncovered criterion is probed; a concept the candidate named is dug into; the strongest idea is pushed
    on numbers, trade-offs or failure modes; otherwise the phase has been shown in depth and closes."""
    pol = policy()
    phase = _phase(state)
    case = state["case_id"]
    latest = _latest(state)["text"]
    used = state.get("elapsed", 0.0) - state.get("phase_start", 0.0)
    phase_budget = budget(state, ctx.lib, phase)
    follow_ups = state.get("follow_ups", {}).get(phase, 0)
    if wants_to_move_on(latest) and not is_stuck(latest):  # "nothing to add" is stuck: a hint first, below
        return Decision.advance(Why.ASKED)
    if state.get("elapsed", 0.0) >= state["minutes"] + pol.overtime_minutes:
        return Decision.advance(Why.TIME)
    stated = _just_stated(state, ctx)
    if stated and _room_for_challenge(state, ctx, stated[0], used, phase_budget):
        return Decision(action=Action.CHALLENGE, misconception=stated[0])
    held = _held_after_challenge(state) if ctx.bank is not None else None
    if held and _room_for_challenge(state, ctx, held, used, phase_budget):
        return Decision(action=Action.CHALLENGE, misconception=held, dimension=HELD)
    if ends_moving_on(latest):  # "... moving on to framing?": after the answer, the request (a claim in it is challenged first)
        return Decision.advance(Why.ASKED)
    if (
        phase == Phase.CLARIFY
        and not _phase_turns(state, phase, Role.CANDIDATE)[:-1]
        and not any(t.get("kind") in (TurnKind.QUESTION, TurnKind.ASK_TO_CLARIFY) for t in state.get("transcript", []) if t["phase"] == phase)
        and used < phase_budget
        and _room_for(state, ctx, P.get("ask_to_clarify")[0], used, phase_budget)
    ):
        return Decision(action=Action.ASK_TO_CLARIFY)
    # the budget and the minutes earlier phases left; a question asked in the minutes carried over wants the
    # candidate's longest answer so far to fit in them, and none may run the interview past its overtime
    room = allowance(state, ctx.lib, phase)
    if used >= room:
        return Decision.advance(Why.TIME)
    longest = _longest_answer(state, ctx)
    if used + _predicted_answer(state, ctx) > phase_budget and used + longest > room:
        return Decision.advance(Why.PACE)
    if state.get("elapsed", 0.0) + longest + _closing_minutes(ctx) > state["minutes"] + pol.overtime_minutes:
        return Decision.advance(Why.PACE)
    if is_stuck(latest):
        if state.get("stuck_hints", {}).get(phase, 0) == 0:
            return Decision(action=Action.HINT)
        return Decision.advance(Why.STUCK)
    if follow_ups >= pol.cap(state["persona"], state["level"]) and used >= pol.cap_after_share * phase_budget:
        return Decision.advance(Why.CAP)
    gone = _dismissed_now(state, ctx)
    if gone:  # a concept just waved away that matters here: why it is safe to leave out
        return Decision(action=Action.PUSH, concept=gone[0], dimension=DISMISSED)
    cov = state.get("coverage", {}).get(phase, {})
    target = pol.target(state["level"])
    probed = set(state.get("probed", {}).get(phase, []))
    told = _told_criteria(state, ctx) if phase == Phase.CLARIFY else set()
    pending = [
        c for c in sorted(ctx.lib.criteria(phase, case), key=lambda c: -c.weight) if (cov.get(c.id, {}).get("score") or 0) < target and c.id not in probed and c.id not in told
    ]
    dive = None
    push = None
    # the latest first; only what belongs here: a concept of this phase or one backing its criteria (alerting
    # named while preparing data is asked about in monitoring, not in data preparation)
    here = {c.id for c in ctx.lib.criteria(phase, case)}
    named: list[str] = [
        c for c in reversed(state.get("named", {}).get(phase, [])) if ctx.bank is None or c not in ctx.bank.concepts or ctx.bank.concept(c).phase == phase or here.intersection(ctx.bank.concept(c).criteria)
    ]
    dived = set(state.get("dived", []))
    if ctx.bank is not None:
        dive = next((c for c in named if c not in dived and _depth_to_go(state, ctx, c)), None)
        ranked = sorted(named, key=lambda c: -len(state.get("depth", {}).get(c, [])))
        said = _units_by_concept(ctx.bank, [t["text"] for t in state.get("transcript", []) if t["role"] == Role.CANDIDATE]) if ranked else {}
        for c in ranked:
            # a figure is not pushed on ("What does qps cost you ...?"), nor what the candidate only echoed
            if ctx.bank.concept(c).kind in UNPUSHED_KINDS or not _theirs(state, ctx, c):
                continue
            dim = _unshown_dimension(state, ctx, c, said)
            if dim:
                push = (c, dim)
                break
    last = next((t for t in reversed(state.get("transcript", [])) if t["role"] == Role.INTERVIEWER and t["phase"] == phase), None)
    # dig into what was just said before turning to an uncovered topic, then alternate between the two
    if dive and pending and last is not None and last.get("kind") == TurnKind.FOLLOW_UP:
        return Decision(action=Action.DEEP_DIVE, concept=dive)
    if pending:
        c = pending[0]
        status = cov.get(c.id, {}).get("status", "none")
        # the criterion through what the candidate said: a concept they named that evidences it is dug into
        if ctx.bank is not None:
            # this phase's answers first, then what was said earlier (a calibration named while modelling
            # is the way into monitoring calibration)
            earlier = _named_earlier(state)
            linked = next((k for k in [*named, *earlier] if k not in dived and c.id in ctx.bank.concept(k).criteria and _depth_to_go(state, ctx, k)), None)
            if linked:
                return Decision(action=Action.DEEP_DIVE, concept=linked, criterion=c.id, status=status)
        return Decision(action=Action.FOLLOW_UP, criterion=c.id, status=status)
    if dive:
        return Decision(action=Action.DEEP_DIVE, concept=dive)
    if push:
        return Decision(action=Action.PUSH, concept=push[0], dimension=push[1])
    # still uncovered after one probe each: another of their probes, while any is left
    asked = state.get("probed", {}).get(phase, [])
    uncovered = [c for c in sorted(ctx.lib.criteria(phase, case), key=lambda c: -c.weight) if (cov.get(c.id, {}).get("score") or 0) < target]
    again = [c for c in uncovered if asked.count(c.id) < len(c.probes) and c.id not in told]
    if again:
        c = again[0]
        return Decision(action=Action.FOLLOW_UP, criterion=c.id, status=cov.get(c.id, {}).get("status", "none"))
    # shown in depth with the phase's own minutes still to use: a strong candidate is taken further, into a concept
    # they named in an earlier phase that bears on this one and has depth left ("You mentioned label delay." in
    # monitoring); a strong candidate had been done at minute 34 of 45, each phase closed at two answers
    if ctx.bank is not None and used + _predicted_answer(state, ctx) <= phase_budget:
        earlier = _named_earlier(state)
        further = next((k for k in dict.fromkeys(earlier) if k not in dived and here.intersection(ctx.bank.concept(k).criteria) and _depth_to_go(state, ctx, k)), None)
        if further:
            return Decision(action=Action.DEEP_DIVE, concept=further)
    return Decision.advance(Why.CAP if uncovered else Why.COVERED)


# ------------------------------------------------------------------------------------ nodes


def open_node(state: InterviewState, runtime: Runtime[Ctx]) -> Update:
    ctx = runtime.context
    case = ctx.lib.case(state["case_id"])
    first = state["phases"][0]
    if first == Phase.CLARIFY:
        openings = P.get(TurnKind.OPENING)
        opening = openings[zlib.crc32(state["session_id"].encode()) % len(openings)].format(prompt=case.prompt, minutes=int(state["minutes"]))
    else:  # a single-phase retry opens straight into that phase
        title = ctx.lib.phase_title(first)
        opening = P.get("retry_opening").format(prompt=case.prompt, phase=title[:1].lower() + title[1:], ask=P.get("retry_ask", first))
    return {**_say(state, ctx, opening, TurnKind.OPENING), "phase_start": 0.0}


def listen(state: InterviewState, runtime: Runtime[Ctx]) -> Goto:
    raw = interrupt({"phase": _phase(state), "minute": state.get("elapsed", 0.0)})
    ctx = runtime.context
    # the session sends {"text", "cut"} already cleaned (so the checkpoint never holds the raw line);
    # anything else is cleaned here
    if isinstance(raw, dict):
        text, was_cut = sanitize(str(raw.get("text", "")))
        cut = was_cut or bool(raw.get("cut"))
    else:
        text, cut = sanitize(raw if isinstance(raw, str) else "")
    text = redact(text, ctx.secrets)
    phase = _phase(state)
    command = Command.parse(text) is not None
    # a command is not spoken (no minutes on the virtual clock), but on the wall clock the minutes before it
    # were spent: not charging them set the countdown back after "/next"
    elapsed = state.get("elapsed", 0.0) + (ctx.clock.candidate_turn(text) if not command or ctx.clock.kind == "wall" else 0.0)
    if command:
        kind, goto = TurnKind.COMMAND, COMMAND
    elif asks_for_hint(text) and not ends_moving_on(text):
        # "can you give me a hint?" in words is /hint: it had been taken for a clarifying question and got
        # "I'll leave that one to you" (its words stay an answer, "like an RNN? a hint?" included)
        kind, goto = TurnKind.ANSWER, COMMAND
    elif text and not wants_to_move_on(text) and not ends_moving_on(text) and (
        # past clarifying, a statement with a question mark at its end is an answer offered for checking
        (is_question(text) and (phase == Phase.CLARIFY or asks_directly(text)))
        # an answer that ends by putting a question to the interviewer gets it answered ("... Is it OK to assume
        # we have a feature store?" had been passed over for the next probe)
        or (phase != Phase.CLARIFY and asks_back(text))
        # while clarifying, questions asked inside a longer answer ("I'll assume CNP fraud. What is the label
        # delay? ...") are answered too, while the phase has time left after it: they are what the candidate
        # wants to know
        or (phase == Phase.CLARIFY and has_questions(text) and elapsed - state.get("phase_start", 0.0) < budget(state, ctx.lib, phase))
    ):
        kind, goto = TurnKind.QUESTION, ASK
    else:
        kind, goto = TurnKind.ANSWER, ASSESS
    turn: Turn = {"role": Role.CANDIDATE.value, "phase": phase, "text": text, "minute": round(elapsed, 2), "kind": kind.value}
    if cut:
        turn["cut"] = True
    notices = [_notice("input", P.get("truncated").format(kept=len(text)), elapsed)] if cut else []
    return Goto(update={"transcript": [turn], "elapsed": elapsed, "notices": notices}, goto=goto)


def ask(state: InterviewState, runtime: Runtime[Ctx]) -> Goto:
    """A clarifying question, answered from the case's hidden facts."""
    ctx = runtime.context
    case = ctx.lib.case(state["case_id"])
    tokens, on_token, on_reset = _streamer()
    used = _used_lines(state)
    latest = _latest(state)["text"]
    if asks_what_was_meant(latest) and (_phase(state) != Phase.CLARIFY or _about_the_last_question(state, latest)):
        # "Sorry, do you mean how often we train, or on what hardware?": what the question was about, not a fact
        line, facts = _what_was_meant(state, ctx, used), []
    else:
        line, facts = ctx.brain.clarify(asked_part(latest), case, state.get("revealed", []), used, on_token=on_token, on_reset=on_reset)
    if not facts and getattr(ctx.brain, "name", "") == "offline" and _ASSUMES.search(latest):
        # "I'll assume revenue per search. Is that fair?": not "What would you assume?" to an assumption just made
        line = P.pick_unique(P.get("clarification", "no_fact_assumed"), used, seed=len(used))
    # a question that also states a misconception ("What latency do we need? I'd aim for the average.") is
    # answered, and the claim challenged in the same line
    det = _detect(state, ctx, latest) if ctx.bank is not None and latest.strip() else {}
    stated = sorted(det.get("stated", []), key=lambda x: (x["id"] in ctx.bank.figure_of, ctx.bank.misconception(x["id"]).phase != _phase(state))) if det else []
    if stated and facts:  # the answer just gave the case's figure: no need to put it back a second time
        told = set(facts)
        stated = [x for x in stated if not (x["id"] in ctx.bank.figure_of and told & set(ctx.bank.figures.facts.get(ctx.bank.figure_of[x["id"]], [])))]
    extra: dict[str, Any] = {"facts": facts}
    kind = TurnKind.CLARIFY
    if stated:
        assert ctx.bank is not None
        challenge = _challenge_line(state, ctx, stated[0]["id"], stated[0].get("quote"))
        if tokens:  # the brain streamed its answer alone: the line is said again whole
            on_reset()
            tokens.clear()
        line = f"{line} {challenge}"
        kind = TurnKind.CHALLENGE
        extra["misconception"] = stated[0]["id"]
    more = f"{line} {P.get('clarification', 'more' if _phase(state) == Phase.CLARIFY else 'more_later')}"
    line = _unused(used, line, more, f"{more} (minute {state.get('elapsed', 0.0):.0f})")  # never verbatim again, whatever the brain says
    upd = _say(state, ctx, line, kind, stream=not tokens, **extra)
    upd.update({"revealed": facts, "notices": _fallback_notices(state, ctx)})
    if stated:
        upd.update({"stated": det["stated"], "challenged": [stated[0]["id"]]})
    # questions use the phase's time too: past the budget, the interviewer moves on
    phase = _phase(state)
    spent = upd["elapsed"] - state.get("phase_start", 0.0)
    # a candidate who asks inside long answers is expected to answer at that length again
    ahead = policy().clarify_margin_minutes if is_question(latest) else max(policy().clarify_margin_minutes, ctx.clock.candidate_turn(latest))
    if spent + ahead > budget(state, ctx.lib, phase):
        return Goto(update=upd, goto=ADVANCE)
    timing = _time_notices(state, ctx, upd["elapsed"])
    upd.update({"notices": upd["notices"] + timing["notices"], "time_flags": timing["time_flags"]})
    return Goto(update=upd, goto=LISTEN)


def _what_was_meant(state: InterviewState, ctx: Ctx, used: set[str]) -> str:
    """The interviewer's own question put another way, for a candidate who asks what it meant. After a
    question on a concept: the concept and the part of it the question is after (its first depth point not yet
    shown, as an instruction). Otherwise the criterion it probes (or the phase); "either reading works" only
    when the candidate offered two readings."""
    phase = _phase(state)
    topic = ctx.lib.phase_title(phase)
    concept = None
    crit = None
    for t in reversed(state.get("transcript", [])):
        if t["role"] == Role.INTERVIEWER and t["phase"] == phase and t.get("kind") != TurnKind.CLARIFY:
            if t.get("concept") and ctx.bank is not None and t["concept"] in ctx.bank.concepts:
                concept = ctx.bank.concept(t["concept"])
            if t.get("criterion"):
                try:  # a criterion of a checkpoint written before the rubric changed: the phase it was in
                    crit = ctx.lib.criterion(t["criterion"])
                    topic = crit.title
                except KeyError:
                    pass
            break
    if concept is not None:
        shown = set(state.get("depth", {}).get(concept.id, []))
        point = next((dp.point for i, dp in enumerate(concept.depth) if i not in shown), concept.depth[0].point)
        if point.split(" ", 1)[0] in _POINT_VERBS:  # "says who consumes ...": an instruction reads well
            return P.pick_unique(P.get("clarification", "meaning_concept"), used, seed=len(used), concept=concept.name, point=_as_instruction(point))
        return P.pick_unique(P.get("clarification", "meaning_concept_open"), used, seed=len(used), concept=concept.name)
    key = "meaning" if _OFFERS_READINGS.search(_latest(state)["text"]) else "meaning_open"
    if crit is not None:
        # the criterion in plain words, not only its title ("What I'm after is decision layer separate from the
        # score" explained nothing to a junior who asked what the question meant)
        first = re.split(r"(?<=[.!?])\s+", " ".join(crit.description.split()))[0]
        said = _imperative(first)
        if said != first:
            said = re.split(r"\s*(?::|;|\(|, so that\b|, because\b)", said, maxsplit=1)[0].rstrip(" ,.")
            if 3 <= len(said.split()) <= 25:
                which = "meaning_criterion_readings" if key == "meaning" else "meaning_criterion"
                return P.pick_unique(P.get("clarification", which), used, seed=len(used), topic=_mid_sentence(topic, ""), instruction=said[0].lower() + said[1:])
    return P.pick_unique(P.get("clarification", key), used, seed=len(used), topic=_mid_sentence(topic, ""))


def _about_the_last_question(state: InterviewState, latest: str) -> bool:
    """While clarifying, whether "what do you mean by X?" is about the interviewer's own last follow-up (X is
    in it), not about the case: "What do you mean by signals here?" after "Which signals ...?" had got "I'll
    leave it to you"."""
    last = next((t for t in reversed(state.get("transcript", [])[:-1]) if t["role"] == Role.INTERVIEWER), None)
    if last is None or last.get("kind") in (TurnKind.OPENING, TurnKind.CLARIFY, TurnKind.INTRO):
        return False
    m = re.search(r"\bmean(?:t)?\s+by\s+([^?,.;]+)", latest, re.I)
    asked = content_words(m.group(1)) if m else set()
    return bool(asked & content_words(last["text"]))


# "do you mean A or B?": the candidate offers two readings of the question
_OFFERS_READINGS = re.compile(r"\bmean\b[^?]{0,80}\bor\b", re.I)
_IRREGULAR_THIRD = {"does": "do", "goes": "go", "has": "have", "is": "be"}
# the verbs depth points open with ("says who consumes ..."); a point that opens otherwise ("the surface fixes
# ...", "weak on raw ids ...", "reports per view ...") does not turn into an instruction
_POINT_VERBS = frozenset(
    "says names uses gives checks keeps notes compares separates asks measures needs turns states finds explains "
    "learns shows puts sets removes fixes weighs trains picks tracks sizes adds starts defines lists splits decides "
    "estimates captures updates groups stores runs predicts tunes draws considers plans ties proposes handles spends "
    "trades mixes maps leaves combines hashes watches chooses evaluates penalises allows subtracts catches reads "
    "applies normalises pulls matches returns relies teaches saves sends merges localises detects summarises "
    "quantifies prices budgets distinguishes flags routes caps warns reserves".split()
)


def _as_instruction(point: str) -> str:
    """A depth point ("says who consumes the number ...") as an instruction ("say who consumes the number ...")."""
    first, _, rest = point.partition(" ")
    low = first.lower()
    if low in _IRREGULAR_THIRD:
        verb = _IRREGULAR_THIRD[low]
    elif low.endswith("ies") and len(low) > 4:
        verb = low[:-3] + "y"
    elif low.endswith(("ches", "shes", "sses", "xes", "zes")):
        verb = low[:-2]
    elif low.endswith("s") and not low.endswith("ss"):
        verb = low[:-1]
    else:
        verb = low
    return f"{verb} {rest}".strip()


# the candidate states an assumption of their own ("I'll assume 10M DAU", "let's say 200 ms", "assuming ...")
_ASSUMES = re.compile(r"\b(?:i'?ll assume|i will assume|i assume|i'?m assuming|assuming|let'?s (?:say|assume)|i'?d (?:guess|assume)|my assumption|assumptions?\s*:)|(?:^|[.;!?]\s+|\n)\W*assume\b", re.I)


def assess(state: InterviewState, runtime: Runtime[Ctx]) -> Update:
    """Which criteria the phase's answers cover so far (and other phases', for a candidate who jumps ahead),
    and what the latest answer named: concepts, their depth, misconceptions (each with its exact span)."""
    ctx = runtime.context
    phase = _phase(state)
    case = state["case_id"]
    crits = ctx.lib.criteria(phase, case)
    result = ctx.brain.assess(candidate_text(state, phase), crits, phase, case)
    coverage = state.get("coverage", {})
    cur = dict(coverage.get(phase, {}))
    for cid, v in result.by_criterion.items():
        prev = cur.get(cid)
        if prev is None or (v["score"] or 0) >= (prev.get("score") or 0):
            cur[cid] = v
    latest = _latest(state)["text"]
    upd: Update = {}
    if ctx.bank is not None and latest.strip():
        upd = _detect(state, ctx, latest)
        # a concept named evidences its criteria: partial when named, covered when it is treated in depth
        known = {c.id for c in crits}
        for cid in upd["named"].get(phase, []):
            concept = ctx.bank.concept(cid)
            level = 3 if upd["depth"].get(cid) or state.get("depth", {}).get(cid) else 2
            for crit in concept.criteria:
                if crit in known and (cur.get(crit, {}).get("score") or 0) < level:
                    cur[crit] = {**cur.get(crit, {"evidence": []}), "score": level, "status": status_of(level)}
    changed = {phase: cur}
    # credit for later phases the candidate has already talked about (only the latest answer)
    if latest.strip() and len(latest.split()) >= policy().later_phase_min_words:
        for p in state["phases"][state["phase_i"] + 1 :]:
            r = ctx.offline.assess(latest, ctx.lib.criteria(p, case), p, case)
            pc = dict(coverage.get(p, {}))
            for cid, v in r.by_criterion.items():
                if v["status"] != "none" and (v["score"] or 0) >= (pc.get(cid, {}).get("score") or 0):
                    pc[cid] = {**v, "early": True}
            if pc:
                changed[p] = pc
    return {**upd, "coverage": changed, "notices": _fallback_notices(state, ctx)}


def _detect(state: InterviewState, ctx: Ctx, text: str) -> Update:
    """The concept layer on the latest answer: concepts named (by phase), depth points shown,
    misconceptions stated, each misconception with the exact words that stated it."""
    assert ctx.bank is not None
    phase, case = _phase(state), state["case_id"]
    named: list[str] = []
    mentions = ctx.bank.find_mentions(text, case)
    for m in mentions:
        # a concept named only to say it is not needed ("we don't need a rollback plan") is not one the
        # candidate uses: it earns no coverage and is not dug into as theirs (`_dismissed_now` asks about it); nor is
        # the option they did not take ("LambdaRank, not a pointwise model" had got a dive on pointwise losses)
        if m.concept_id not in named and not dismissed(text, 0, m.start, m.end, rejected=True):
            named.append(m.concept_id)
    depth = {cid: sorted(ix) for cid, ix in ctx.bank.find_depth(text, case, mentions=mentions).items() if ix}
    turn = len(state.get("transcript", [])) - 1
    # a claim is stated once per interview; each sizing slip is a claim of its own (arithmetic.py): a second wrong
    # sum, in another answer, is challenged too
    seen = {_claim_key(x["id"], x.get("quote") or "") for x in state.get("stated", [])}
    stated = []
    for h in ctx.bank.find_misconceptions(text, case):
        # a clarifying question states nothing: "do we have courier GPS pings and the actual pickup timestamps?"
        # had been challenged as using what is known only afterwards as a feature
        if phase == Phase.CLARIFY and _asked_in(text, h.start):
            continue
        key = _claim_key(h.misconception_id, h.matched)
        if key not in seen:
            seen.add(key)
            stated.append({"id": h.misconception_id, "phase": phase, "quote": h.matched, "turn": turn})
    return {"named": {phase: named} if named else {}, "depth": depth, "stated": stated}


def _claim_key(mid: str, quote: str) -> tuple[str, str]:
    return (mid, " ".join(quote.split()) if mid == ARITHMETIC_ID else "")


def _asked_in(text: str, at: int) -> bool:
    """Whether the sentence (unit) of `text` holding offset `at` is a question the candidate asks."""
    a, b = next(((a, b) for a, b in units(text) if a <= at < b), (0, len(text)))
    return asks(text[a:b]) and not _PROPOSES.match(text[a:b])


# a question that puts a plan forward states it ("Is it fine if we size the fleet for the typical daily traffic?",
# "Can we just use accuracy?"): it is challenged like a claim; one that asks about the case ("do we have the actual
# pickup timestamps?") states nothing
_PROPOSES = re.compile(
    r"^\W*(?:(?:so|and|ok(?:ay)?|then)[,\s]+)?(?:(?:is|would)\s+it\s+(?:be\s+)?(?:ok(?:ay)?|fine|alright|reasonable|enough|acceptable)\b"
    r"|(?:can|could|should|shall|may|must)\s+(?:i|we)\b|what\s+if\s+(?:i|we)\b|how\s+about\b|why\s+not\b|(?:do|would)\s+you\s+mind\s+if\b"
    r"|(?:do|would)\s+(?:we|i)\s+(?:just\s+)?(?:use|train|size|optimi[sz]e|pick|ship|split)\b)",
    re.I,
)


def respond(state: InterviewState, runtime: Runtime[Ctx]) -> Goto:
    """After an answer: the decision, acted on. Time notices are given only when the phase stays open."""
    ctx = runtime.context
    d = decide(state, ctx)
    if d.action == Action.ADVANCE:
        return _then(state, _advance(state, ctx, d.why or Why.TIME))
    if d.action == Action.HINT:
        upd = _hint(state, ctx, stuck=True)
    else:
        upd = _follow_up(state, ctx, d)
    timing = _time_notices(state, ctx, state.get("elapsed", 0.0))
    upd.update({"notices": upd.get("notices", []) + timing["notices"], "time_flags": timing["time_flags"]})
    return _then(state, upd)


_REFERS_BACK = re.compile(r"\s*you (mentioned|said|described|asked|defined|stated|chose|named|brought up|talked about|proposed|suggested)\b[^.?!:]*[.?!:]\s*", re.I)


def _without_reference(probe: str) -> str:
    """A probe without its opening reference back ("You mentioned X. How ...?" -> "How ...?"), when a
    question is left after it."""
    rest = _REFERS_BACK.sub("", probe, count=1) if _REFERS_BACK.match(probe) else probe
    if len(rest.split()) < 3:
        return probe
    return rest[0].upper() + rest[1:]


# a list right after the concept: "slice by country, device and new vs returning", "guardrails: latency, hides",
# "aggregates over 1h / 1d", "guardrails = latency, spam share"
_LISTED = re.compile(r"^[^.?!;\n]{0,30}?(?::|=|->|→|\b(?:by|on|for|over|across|such\s+as|like|e\.g\.|including|namely)\b)\s*[^.?!;\n]*?(?:,|\band\b|\bor\b|/)", re.I)


# a concept named only to set it aside: "not accuracy", "rather than raw watch time", "instead of a DNN", or
# "raw watch time favours long videos" / "accuracy is misleading here"
_SET_ASIDE_BEFORE = re.compile(
    # not "avoid", "guard against" or "drop": "to avoid leakage", "drop duplicates" address the concept
    r"\b(?:not(?!\s+(?:just|only|simply|merely|necessarily))(?:\s+(?:an?|the)\s+[\w-]+)?|there\s+(?:is|are|'s)\s+no|rather\s+than|instead\s+of|as\s+opposed\s+to|never|"
    r"(?:do|would|will|does|did|should)\s*n[o']t\s+(?:use|want|optimi[sz]e|pick|choose|go\s+with|rely\s+on)|"
    r"(?:reject|ruled?\s+out)(?:ed|ing)?|over|"
    # the fashion, not the choice: "everyone wants transformers, but trees are fast", "tempting to use a GNN"
    r"(?:every(?:one|body)|people|the\s+industry)\s+(?:wants?|loves?|likes?|talks?\s+about|reaches?\s+for|jumps?\s+(?:to|on)|goes?\s+for|is\s+excited\s+about)|"
    r"tempting\s+to\s+(?:use|reach\s+for|go\s+with|try)|hype\s+(?:around|about|of))\s+(?:(?:the|a|an|just|plain|raw|pure|only|simple|naive)\s+){0,2}$",
    re.I,
)
_SET_ASIDE_AFTER = re.compile(
    r"^\W{0,3}(?:alone\s+|by\s+itself\s+|on\s+its\s+own\s+)?(?:(?:is|are|would\s+be|will\s+be|gets?|can\s+be)\s+(?:\w+\s+)?"
    r"(?:misleading|wrong|bad|useless|meaningless|a\s+trap|not\s+enough|insufficient|biased|gameable|gamed|noisy|the\s+wrong)|"
    r"(?:favou?rs|rewards|inflates|overstates|misleads))\b",
    re.I,
)


# the interviewer's word asked back, not used: "what labellers? there are no humans here"
_ECHOED = re.compile(r"(?:^|[.!?\n]\s*|\W)(?:what|which|whose|any|what\s+kind\s+of)\s+$", re.I)


def _mentions_of(state: InterviewState, ctx: Ctx, cid: str) -> list[tuple[str, Mention]]:
    """Every place the candidate named the concept, oldest first: (their answer, the mention in it)."""
    assert ctx.bank is not None
    return [
        (t["text"], m)
        for t in state.get("transcript", [])
        if t["role"] == Role.CANDIDATE
        for m in ctx.bank.find_mentions(t["text"], state["case_id"])
        if m.concept_id == cid
    ]


UNPUSHED_KINDS = frozenset({"number", "count", "share"})  # concepts that are figures: no "what does it cost you"


def _echoed_only(state: InterviewState, ctx: Ctx, cid: str) -> bool:
    """Whether the interviewer named the concept before the candidate did, in a follow-up, a hint or a clarifying
    reply (not the opening or a phase's first question): "You mentioned a bigger model." after "What would a bigger
    model have to buy you ...?", "You mentioned QPS. How did you arrive at that number?" after the case's traffic
    was given. The candidate is answering in the interviewer's words, not choosing."""
    assert ctx.bank is not None
    for t in state.get("transcript", []):
        if t["role"] == Role.INTERVIEWER and t.get("kind") in (TurnKind.OPENING, TurnKind.INTRO):
            continue
        if any(m.concept_id == cid for m in ctx.bank.find_mentions(t["text"], state["case_id"])):
            return t["role"] == Role.INTERVIEWER
    return False


def _theirs(state: InterviewState, ctx: Ctx, cid: str) -> bool:
    """Whether a concept is the candidate's own to dig into or push on: not only set aside, not only echoed."""
    return not _set_aside_only(state, ctx, cid) and not _echoed_only(state, ctx, cid)


def _set_aside_only(state: InterviewState, ctx: Ctx, cid: str) -> bool:
    """Whether the candidate named the concept only to set it aside ("raw watch time favours long videos, so
    I'd use satisfied watch time"): "You proposed optimising watch time. ..." would put words in their mouth."""
    said = _mentions_of(state, ctx, cid)
    return bool(said) and all(
        _SET_ASIDE_BEFORE.search(re.split(r"[.?!;:,\n]", text[max(0, m.start - 60) : m.start])[-1])
        or _SET_ASIDE_AFTER.match(text[m.end : m.end + 60])
        or dismissed(text, 0, m.start, m.end)  # "canaries slow us down": not needed, in the grader's words too
        or _ECHOED.search(text[max(0, m.start - 30) : m.start]) and re.match(r"\s*\?", text[m.end : m.end + 3])  # "what labellers?"
        for text, m in said
    )


def _named_with_claim(state: InterviewState, ctx: Ctx, mid: str) -> list[str]:
    """The concepts named in the unit of the latest answer that states the misconception."""
    assert ctx.bank is not None
    text = _latest(state)["text"]
    hits = [h for h in ctx.bank.find_misconceptions(text, state["case_id"]) if h.misconception_id == mid]
    if not hits:
        return []
    spans = [(a, b) for a, b in units(text) if any(a <= h.start < b or h.start <= a < h.end for h in hits)]
    return sorted({m.concept_id for m in ctx.bank.find_mentions(text, state["case_id"]) if any(a <= m.start < b for a, b in spans)})


def _asked_about(state: InterviewState, ctx: Ctx, cid: str) -> bool:
    """Whether the candidate named the concept in a question of theirs (a probe may then say "You asked about")."""
    assert ctx.bank is not None
    return any(
        t["role"] == Role.CANDIDATE and t.get("kind") == TurnKind.QUESTION and any(m.concept_id == cid for m in ctx.bank.find_mentions(t["text"], state["case_id"]))
        for t in state.get("transcript", [])
    )


def _listed_after(state: InterviewState, ctx: Ctx, cid: str) -> bool:
    """Whether the candidate listed instances right after naming the concept ("slicing by country, device and
    tenure"): a probe that asks "which ones" would ask for what was just said."""
    # the mention may hold the list's own lead-in ("slices: region, MCC, ...", "metrics down by country, device")
    return any(_LISTED.match(text[m.end : m.end + 200]) or _LISTED.match(text[m.start : m.end + 200]) for text, m in _mentions_of(state, ctx, cid))


def _said_as(state: InterviewState, ctx: Ctx, cid: str) -> str | None:
    """The candidate's own words for a concept, as they last said it ("request-time features"), with the
    article they put in front of it ("the business goal", not "You mentioned business goal.")."""
    assert ctx.bank is not None
    for text, m in reversed(_mentions_of(state, ctx, cid)):
        if len(m.matched.split()) == 1 and (_VERB_BEFORE.search(text[max(0, m.start - 12) : m.start]) or _OBJECT_AFTER.match(text[m.end : m.end + 8])):
            continue  # "we'd need to fine-tune it", "and fine-tune it on our data": a verb, not a name
        words = _trimmed_name(ctx.bank, cid, " ".join(m.matched.split()))
        article = _ARTICLE_BEFORE.search(text[max(0, m.start - 24) : m.start])
        if words and not article and _BARE_SINGULAR.match(words[0].lower() + words[1:]) and not _is_alias(ctx.bank, cid, words):
            continue  # a prose pattern's clause on a bare singular noun ("serve model on CPUs"): not "You mentioned model on CPUs.
        if words:
            noun = _HEAD_NOUN_AFTER.match(text[m.end : m.end + 20])
            if noun and words.split()[-1].lower() not in _HEAD_NOUNS and len(words.split()) < 5:
                words = f"{words} {noun.group(1)}"  # "a multi-task model", not "a multi-task"
            if article and not _ARTICLE_BEFORE.match(words + " "):
                words = f"{article.group(1)} {words}"
                at = max(0, m.start - 24) + article.start()
            else:
                at = m.start + max(0, m.matched.find(words.split()[0]))
            return _as_inside_a_line(words, text, at, state)
    return None


_SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+|[\n(\"“]\s*)(?:[-*•>]+\s*|\d+[.)]\s*)?$")


def _as_inside_a_line(words: str, text: str, at: int, state: InterviewState) -> str:
    """The candidate's words as they read inside the interviewer's line: a capital that only started their
    sentence or bullet goes ("Rollback on alerts" -> "You mentioned rollback."); a capital inside a sentence is
    a name's and stays ("Kafka and Flink" -> "You mentioned Flink."), and so does one the candidate also wrote
    inside a sentence elsewhere."""
    first = words.split(" ", 1)[0]
    if not re.fullmatch(r"[A-Z][a-z]*(?:-[a-z]+)*", first) or not _SENTENCE_START.search(text[:at]):
        return words
    inside = re.compile(r"[^\s.!?:;\n(\"“•*-]\s+" + re.escape(first) + r"\b")
    if first not in ("A", "An", "The") and any(inside.search(t["text"]) for t in state.get("transcript", []) if t["role"] == Role.CANDIDATE):
        return words
    return words[0].lower() + words[1:]


# a span that opens on a lower-case singular noun with no article: not a plural, a gerund, an acronym or a name
_BARE_SINGULAR = re.compile(r"(?!(?:the|a|an|this|that|our|their|its|each|every|one|some|any)\b)[a-z]+(?<!s)(?<!ing)\b(?![-/])")


def _is_alias(bank: ConceptBank, cid: str, words: str) -> bool:
    """Whether `words` are one of the concept's names (its title or an alias), not a span a prose pattern matched."""
    owner = bank.concept_for_alias(words)
    return (owner is not None and owner.id == cid) or " ".join(words.lower().split()) == bank.concept(cid).name.lower()


_ARTICLE_BEFORE = re.compile(r"\b(the|a|an)\s+(?:[a-z]+ly\s+)?$", re.I)  # "the business goal", "a slightly stale model"
_VERB_BEFORE = re.compile(r"(?:\bto|'d|\bwould|\bwill|\bcan|\bcould|\bshould|\bmust|\bmight)\s+$", re.I)
_OBJECT_AFTER = re.compile(r"\s+(?:it|them|this|these|those|our|its)\b", re.I)
_LEADING_PREPOSITION = re.compile(r"^(?:as|of|to|for|with|by|on|in|at|from|into|via|behind|over|under|through|across|inside|within|after|before|without|about|like|than|per)\s+", re.I)


def _trimmed_name(bank: ConceptBank, cid: str, words: str) -> str | None:
    """The candidate's words for a concept as a name: as they are, or without the preposition they open on or
    the conjunction they end on ("behind an API" -> "an API", "an alert if" -> "an alert") when what is left
    still names the concept; None when neither reads as a name."""
    if _says_a_name(words):
        return words
    short = _LEADING_PREPOSITION.sub("", words)
    while _DANGLING.search(short) and len(short.split()) > 1:
        short = short.rsplit(" ", 1)[0]
    if short != words and _says_a_name(short) and any(m.concept_id == cid for m in bank.find_mentions(short)):
        return short
    return None


# the noun a modifier the candidate said stands in front of ("multi-task *model*", "two-tower *architecture*")
_HEAD_NOUNS = set("model models network ranker classifier architecture approach setup loss head heads tower towers layer layers pipeline service store index system job jobs cluster queue cache table".split())
_HEAD_NOUN_AFTER = re.compile(r"[ \t]+(" + "|".join(sorted(_HEAD_NOUNS)) + r")\b", re.I)


# the last word of a surface that cannot end a name ("slice by", "objective:", "train on", "times out")
_DANGLING = re.compile(r"(?:[:;,(\-/]|\b(?:by|of|to|on|for|per|in|at|with|from|the|a|an|and|or|is|are|be|vs|as|it|than|into|out|up|off|down|back|away|if|when|so|that|because|unless|while|which|where|like))\W*$", re.I)


# words a name does not hold: a negation or a person ("never get labels", "we ranked ourselves")
_NOT_A_NAME = re.compile(r"\b(?:never|not|no|nothing|only|without|cannot|can't|don't|doesn't|won't|isn't|aren't|we|i|you|they|it|our|us|its|own)\b", re.I)


def _says_a_name(surface: str) -> bool:
    """Whether the candidate's words for a concept read as a name in "You mentioned ___.": a short phrase
    that does not end on a preposition or a colon (not "Slice by", "objective:", "frame it as"), holds no
    clause break ("the prediction target, stated"), no negation or person ("never get labels") and no bracket,
    does not open on a preposition ("as a baseline"), is not a lone participle ("calibrated"), is not a prose
    pattern's whole clause, and not a bare verb with its object ("leak future")."""
    words = surface.split()
    return (
        0 < len(words) <= 5
        and not _DANGLING.search(surface)
        and not re.search(r"[,;:]\s", surface)  # a clause, not a name: "the prediction target, stated"
        and not re.match(r"(?i)(?:leak|train|test|split|drop|avoid|use|need|needs|want|have|has|must|should|could|would|might|may|can|will)\b", surface)
        # a bare verb the candidate used as one ("throttle", "recalibrate", "log propensities"), not a name
        and not re.match(r"(?i)(?:throttle|recalibrate|calibrate|retrain|shard|backfill|downsample|upsample|dedupe?|rerank|re-rank|normali[sz]e|distil+|quanti[sz]e|precompute|log(?!\s*(?:-?loss|likelihood|odds|scale|transform|files?|data|lines?|pipelines?|tables?|events?)\b))\b", surface)
        and not _NOT_A_NAME.search(surface)
        and not _LEADING_PREPOSITION.match(surface + " ")  # "as a baseline", "behind an API"
        and not re.search(r"[()\[\]=<>]", surface)  # "data drift (covariate shift)", "y = click"
        and not re.search(r"(?i)\bdown\s+(?:by|per|across|into)\b", surface)  # a clause: "the metrics down by country"
        and not re.search(r"[^\w%]$", surface)  # a name ends on a word: not "y =", "p@"
        and not re.fullmatch(r"(?i)[a-z]+(?:-[a-z]+)*ed", surface)  # an adjective or verb alone: "calibrated", "pre-registered"
        # a clause, not a name: "late is worse than early"
        and not re.search(r"(?i)\s(?:is|are|was|were|has|have|had|does|do|did|gets?|got)\s", f" {surface} ")
        # a verb that is never a name opening a phrase: "predict quantiles", "estimate the range"
        and not re.match(r"(?i)(?:predict|estimate|compute|calculate|build|serve|embed|encode|optimi[sz]e|minimi[sz]e|maximi[sz]e|penali[sz]e|reweight|aggregate|ensure|make|let|keep|give|take|send|put|run|apply|pick|choose|add|remove|increase|decrease|reduce|show|return|fetch|join|merge|tune|fit|learn|treat)\s+\w", surface)
        # a verb with its object: "page the on-call", "monitor the drift" (a gerund's reads as a name: "slicing the metrics")
        and not re.match(r"(?i)(?!(?:all|both|half|each|every|any|some|not|only|just)\b)(?![a-z-]+ing\b)[a-z-]+\s+(?:the|a|an|our|their|its|your|them|it|every|each)\b", surface)
    )


def _name_of(bank: ConceptBank, c: Any) -> str:
    """A name for a concept when the candidate's own words do not read as one: its title when the title is
    recognised as the concept itself, else its first alias that reads as a name ("You mentioned a feedback
    loop.", never a title that names something else or nothing the candidate said)."""
    if any(m.concept_id == c.id for m in bank.find_mentions(c.name)):
        return c.name
    title = set(re.findall(r"[a-z]{3,}", c.name.lower()))
    if _NOT_A_NAME.search(c.name):  # "no searching for people by face": no alias says it without the negation
        return c.name

    def shared(a: str) -> int:
        return len(title & set(re.findall(r"[a-z]{3,}", a.lower())))

    # an alias that is a version of the title (shares a word with it) and reads as a name, closest first
    names = [
        a
        for a in c.aliases
        if shared(a) and re.fullmatch(r"[A-Za-z0-9][\w\- /'&]*", a) and _says_a_name(a) and any(m.concept_id == c.id for m in bank.find_mentions(a))
    ]
    return max(names, key=lambda a: (shared(a), min(len(a.split()), 3), -names.index(a)), default=c.name)


def _after_lead(lead: str, probe: str) -> str:
    """A probe after its lead: after a colon or comma ("On rollback plan,") it goes on in lower case, unless its
    first word is a name or "I"."""
    if lead.endswith((":", ",")) and not re.match(r"I\b", probe):
        return _mid_sentence(probe, "")
    return probe


def _mid_sentence(said: str, title: str) -> str:
    """The candidate's words for a concept as they read inside a line: a capital that only started their
    sentence or bullet goes ("On rollback:", not "On Rollback:"); a name's own capital stays ("Kafka", "XGBoost",
    "A/B test")."""
    first = said.split(" ", 1)[0]
    if re.fullmatch(r"[A-Z][a-z]*(?:-[a-z]+)*", first) and first not in title.split():  # "Rollback", and the article of "A multi-task model"
        return said[0].lower() + said[1:]
    return said


def _authored(state: InterviewState, ctx: Ctx, d: Decision, used: set[str]) -> tuple[str, str, str]:
    """The line the code chose for a decision, what it is about, and the query for its grounding note."""
    if d.action == Action.CHALLENGE:
        assert ctx.bank is not None and d.misconception
        m = ctx.bank.misconception(d.misconception)
        if d.dimension == HELD:  # the claim held to after its challenge: once more, on what would settle it
            return P.pick_unique(P.get("challenge_held"), used, seed=len(used)), m.claim, m.claim
        return _challenge_line(state, ctx, m.id), m.claim, m.claim
    if d.action == Action.ASK_TO_CLARIFY:
        return P.pick_unique(P.get("ask_to_clarify"), used), ctx.lib.phase_title(_phase(state)), ctx.lib.phase_title(_phase(state))
    if d.action in (Action.DEEP_DIVE, Action.PUSH):
        assert ctx.bank is not None and d.concept
        c = ctx.bank.concept(d.concept)
        # the concept in the candidate's own words: the line refers to what they said, not to a title
        # whose words could name something else
        own = _said_as(state, ctx, c.id)
        said = own or _mid_sentence(_name_of(ctx.bank, c), c.name)  # their words are set for the line already
        if d.action == Action.PUSH:
            line = P.pick_unique(P.get("push", d.dimension or "tradeoffs"), used, name=said)
        else:
            names = [c.name.lower(), *c.aliases]
            # a probe that names the concept is said as written; otherwise its own reference back (if any)
            # gives way to one lead in the candidate's words ("You mentioned request-time features.")
            # in their words: "You mentioned {name}."; in a name of the concept they did not use: "On {name},"
            lead = P.get("deep_dive_lead")[0 if own else 1].format(name=said)
            # a probe whose reference back names the concept otherwise than the candidate did ("You mentioned a
            # latency budget." after "p50") is led in their words instead
            asked = _asked_about(state, ctx, c.id)

            def as_written(p: str) -> bool:
                ref = _REFERS_BACK.match(p)
                if ref and ref.group(1).lower() == "asked" and not asked:
                    return False  # "You asked about the base rate." to a candidate who stated it
                return any(n in p.lower() for n in names) and not (ref and said.lower() not in ref.group(0).lower())

            probes = [p if as_written(p) else f"{lead} {_after_lead(lead, _without_reference(p))}" for p in c.probes]
            probes = _fresh_probes(state, ctx, c.id, probes) or probes
            line = _unused(used, *_not_asked_yet(state, probes))
        return line, c.name, c.note_query
    crit = ctx.lib.criterion(d.criterion or "")
    probes = list(crit.probes)
    if ctx.bank is not None:  # a probe that builds on a concept the candidate named comes first
        said = {k for ids in state.get("named", {}).values() for k in ids}
        probes.sort(key=lambda p: not any(m.concept_id in said for m in ctx.bank.find_mentions(p)))
    # a probe that asks what the candidate was already told ("Roughly what fraction of transactions are fraud"
    # after the case's fraud rate was given) comes last
    revealed = set(state.get("revealed", []))
    if revealed and (known := getattr(getattr(ctx.brain, "offline", ctx.brain), "facts_asked", None)):
        case = ctx.lib.case(state["case_id"])
        probes.sort(key=lambda p: bool(known(p, case) & revealed))
    # a probe asking how long (to decide, to arrive) after this phase's answers gave a span of time ("it must
    # answer in 100 ms" then "How long do you have to decide?") comes last too
    if has_duration(candidate_text(state, _phase(state))):
        probes.sort(key=lambda p: any(asks_duration(q) for q in clarify_asks(p) or [p]))
    return _unused(used, *_not_asked_yet(state, probes)), crit.title, crit.note_query


def _premise_ok(state: InterviewState, ctx: Ctx, line: str, authored: str) -> bool:
    """A line may name only concepts the candidate said, the case states, or the code's own line names."""
    if ctx.bank is None:
        return True
    case = ctx.lib.case(state["case_id"])
    allowed = {c for ids in state.get("named", {}).values() for c in ids}
    for text in (authored, case.prompt):
        allowed |= {m.concept_id for m in ctx.bank.find_mentions(text)}
    return all(m.concept_id in allowed for m in ctx.bank.find_mentions(line))


def _rambles(state: InterviewState, ctx: Ctx) -> bool:
    """Whether the latest answer is long and names few concepts, and the candidate has not been asked to keep
    answers short yet (once per interview): a real interviewer says so rather than let a third of the
    clock go on anecdotes."""
    pol = policy()
    text = _latest(state)["text"]
    words = len(text.split())
    if ctx.bank is None or words < pol.brevity_min_words:
        return False
    asked = P.get("brevity")
    if any(t["role"] == Role.INTERVIEWER and any(b in t["text"] for b in asked) for t in state.get("transcript", [])):
        return False
    named = {m.concept_id for m in ctx.bank.find_mentions(text, state["case_id"])}
    return 100 * len(named) / words < pol.brevity_max_density


def _follow_up(state: InterviewState, ctx: Ctx, d: Decision) -> Update:
    phase = _phase(state)
    used = _used_lines(state)
    authored, subject, query = _authored(state, ctx, d, used)
    note = _note(ctx, query, phase, state["case_id"])
    tokens, on_token, on_reset = _streamer()
    prefix = ""
    if not _latest(state)["text"].strip():
        prefix = P.pick_unique(P.get("empty"), used, seed=state.get("follow_ups", {}).get(phase, 0)) + " "
    elif _rambles(state, ctx):
        prefix = P.get("brevity")[0] + " "
    req = FollowUpRequest(
        decision=d,
        line=authored,
        subject=subject,
        note=note,
        persona=state["persona"],
        level=state["level"],
        used_lines=used,
        case=ctx.lib.case(state["case_id"]),
        phase_title=ctx.lib.phase_title(phase),
        recent=[t for t in state.get("transcript", []) if t.get("kind") != TurnKind.COMMAND][-policy().recent_turns :],
        summary=summary_of(state.get("coverage", {}), ctx.lib, state["phases"][: state["phase_i"]]),
        crits=ctx.lib.criteria(phase, state["case_id"]),
        prefix=prefix,
    )
    line = ctx.brain.follow_up(req, on_token=on_token, on_reset=on_reset)
    if not _premise_ok(state, ctx, line, authored):  # a model's line that presumes what was never said
        if tokens:
            on_reset()
            tokens.clear()
        line = f"{prefix}{authored}".strip()
    line = _unused(used, line, f"{line} ({subject})")  # never repeat a line verbatim
    kind = {
        Action.CHALLENGE: TurnKind.CHALLENGE,
        Action.ASK_TO_CLARIFY: TurnKind.ASK_TO_CLARIFY,
        Action.DEEP_DIVE: TurnKind.DEEP_DIVE,
        Action.PUSH: TurnKind.PUSH,
    }.get(d.action, TurnKind.FOLLOW_UP)
    extra: dict[str, Any] = {"note": note.section if note else None}
    if d.criterion:
        extra.update(criterion=d.criterion, criterion_status=d.status)
    if d.concept:
        extra["concept"] = d.concept
    if d.misconception:
        extra["misconception"] = d.misconception
    if d.dimension:
        extra["dimension"] = d.dimension
    upd = _say(state, ctx, line, kind, stream=not tokens, **extra)
    upd.update({"follow_ups": {phase: state.get("follow_ups", {}).get(phase, 0) + 1}, "notices": _index_notices(state, ctx) + _fallback_notices(state, ctx)})
    if d.criterion:
        upd["probed"] = {phase: [d.criterion]}
    if d.action == Action.CHALLENGE:
        upd["challenged"] = [d.misconception]
        # the challenge has just dug into the sentence that stated the claim: the concepts named in that
        # sentence are not dug into again ("If every positive counts ten times ..." then "What does
        # downsampling do to the predicted probabilities?")
        upd["dived"] = _named_with_claim(state, ctx, d.misconception or "")
    if d.action == Action.DEEP_DIVE:
        upd["dived"] = [d.concept]
    if d.action == Action.PUSH:
        upd["pushed"] = [f"{d.concept}:{d.dimension}"]
    return upd


def _parting_challenge(state: InterviewState, ctx: Ctx) -> Update:
    """A misconception stated in the answer that used up the phase's time is still challenged before the
    phase closes: there is no time left to discuss it, so the challenge is put as something to take away
    (the scorecard has it too) rather than left unsaid."""
    stated = _just_stated(state, ctx) if ctx.bank is not None and _latest(state).get("role") == Role.CANDIDATE else []
    if not stated:
        return {}
    line = P.get("parting_challenge").format(challenge=_challenge_line(state, ctx, stated[0]))
    line = _unused(_used_lines(state), line, f"{line} (minute {state.get('elapsed', 0.0):.0f})")
    if not _room_for_line(state, ctx, line):
        return {}
    upd = _say(state, ctx, line, TurnKind.CHALLENGE, misconception=stated[0])
    upd["challenged"] = [stated[0]]
    return upd


def _advance(state: InterviewState, ctx: Ctx, why: Why) -> Update:
    """Close the phase under way (a misconception just stated is challenged first): the next one opens, or
    the interview ends."""
    parting = _parting_challenge(state, ctx)
    if parting:
        upd = _advance({**state, "elapsed": parting["elapsed"], "transcript": state["transcript"] + parting["transcript"]}, ctx, why)  # type: ignore[typeddict-item]
        return {**upd, "transcript": parting["transcript"] + upd["transcript"], "challenged": parting["challenged"]}
    phase = _phase(state)
    used = _used_lines(state)
    nxt = state["phase_i"] + 1
    if nxt >= len(state["phases"]) or state.get("elapsed", 0.0) >= state["minutes"] + policy().overtime_minutes:
        # the last line closes the interview, not a phase: no "let's move on from ..." before it
        upd = _say(state, ctx, P.pick_unique(P.get("closing"), used, seed=len(used)), TurnKind.CLOSING)
        upd.update(
            {
                "phase_minutes": _closed_minutes(state, phase),
                "phase_i": len(state["phases"]),
                "status": "finished",
                "ended_by": "time" if why == Why.TIME else "complete",
            }
        )
        _writer()(PhaseChanged(None, phase))
        return upd
    new_phase = state["phases"][nxt]
    intro = _intro(state, ctx, new_phase, used, nxt)
    closes, title = P.get("advance", why), ctx.lib.phase_title(phase)
    if intro.lower().startswith("let's"):  # "Let's leave data there. Let's get into model development." read as a stammer
        closes = [c for c in closes if "let's" not in c.lower() and not any(u.startswith(c.format(phase=title)) for u in used)] or closes
    close = P.pick_unique(closes, used, seed=state["phase_i"], phase=title)
    brevity = f"{P.get('brevity')[1]} " if why != Why.ASKED and _rambles(state, ctx) else ""
    upd = _say(state, ctx, f"{close} {brevity}{intro}", TurnKind.INTRO, phase=new_phase)
    upd.update({"phase_minutes": _closed_minutes(state, phase), "phase_i": nxt, "phase_start": state.get("elapsed", 0.0)})
    _writer()(PhaseChanged(new_phase, phase))
    return upd


def _intro(state: InterviewState, ctx: Ctx, new_phase: str, used: set[str], seed: int) -> str:
    """The opening question of a phase. When the candidate already named one of the concepts its opening asks for
    (`policy.intro_builds_on`: "... or should I treat it as learning to rank?" while clarifying), it starts from
    their words rather than asking for what they already gave (`phase_intro_started`)."""
    builds_on = set(policy().intro_builds_on.get(new_phase, ()))
    if ctx.bank is not None and builds_on and new_phase in P.get("phase_intro_started"):
        # in the order said, questions included where the phase allows it ("..., or should I frame it as learning to
        # rank?"); elsewhere only what was stated: "titles/desc/tags only?" had become "You already brought up tags
        # for the labels"
        asked_ok = new_phase in policy().intro_from_questions
        said_ids = [
            m.concept_id
            for t in state.get("transcript", [])
            if t["role"] == Role.CANDIDATE
            for m in ctx.bank.find_mentions(t["text"], state["case_id"])
            if not dismissed(t["text"], 0, m.start, m.end, rejected=True) and (asked_ok or not _asked_in(t["text"], m.start))
        ]
        for cid in dict.fromkeys(said_ids):
            c = ctx.bank.concept(cid)
            if c.phase != new_phase or not builds_on & set(c.criteria) or c.kind in UNPUSHED_KINDS or not _theirs(state, ctx, cid):
                continue
            said = _said_as(state, ctx, cid)
            if said:
                return P.pick_unique(P.get("phase_intro_started", new_phase), used, seed=seed, said=said)
    return P.pick_unique(P.get("phase_intro", new_phase), used, seed=seed)


def advance(state: InterviewState, runtime: Runtime[Ctx]) -> Goto:
    """Reached from /next (the candidate asked) or from a question past the phase's time."""
    ctx = runtime.context
    if _latest(state).get("kind") == TurnKind.COMMAND:
        why = Why.ASKED
    else:
        why = Why.TIME if state.get("elapsed", 0.0) - state.get("phase_start", 0.0) >= budget(state, ctx.lib, _phase(state)) else Why.PACE
    return _then(state, _advance(state, ctx, why))


def command(state: InterviewState, runtime: Runtime[Ctx]) -> Goto:
    ctx = runtime.context
    cmd = Command.parse(_latest(state)["text"])
    if cmd == Command.NEXT:
        return Goto(goto=ADVANCE)
    if cmd == Command.END:
        return Goto(goto=FINISH)
    phase = _phase(state)
    used = _used_lines(state)
    at = state.get("elapsed", 0.0)

    def stay(line: str, kind: TurnKind, **extra: Any) -> Goto:
        return Goto(update=_say(state, ctx, _unused(used, line, f"{line} (minute {at:.1f})"), kind, **extra), goto=LISTEN)

    if cmd == Command.TIME:
        phase_budget = budget(state, ctx.lib, phase)
        spent = at - state.get("phase_start", 0.0)
        title = ctx.lib.phase_title(phase)
        return stay(P.get("time_notice", "time_left").format(used=at, total=state["minutes"], phase=title, left=plural(max(phase_budget - spent, 0), "minute"), budget=phase_budget), TurnKind.TIME)
    if cmd == Command.HELP:
        return stay(P.get("help"), TurnKind.HELP)
    return Goto(update=_hint(state, ctx), goto=LISTEN)


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def _hint_sentence(note: Any, fits: Callable[[str], bool] = lambda s: True) -> str | None:
    """The first whole sentence of a note section: not the section's heading (the indexed text starts with it),
    and not the fragment a window of a long section begins with ("follow-ups are whether ...")."""
    text = " ".join(note.text.split())
    head = f"{note.topic}. "
    if text.startswith(head):
        text = text[len(head) :]
    sents = _SENTENCE_END.split(text)
    if sents and not sents[0][:1].isupper():
        sents = sents[1:]  # the window began inside a sentence
    for s in sents:
        if len(s.split()) > 6 and s[:1].isupper() and s[-1] in ".!?" and not _LEANS_BACK.match(s) and fits(s):
            return s
    return None


# a sentence that leans on the one before it ("They sharpen ...", "Fourth, inspect ...", "However, ..."): it
# means nothing quoted alone
_LEANS_BACK = re.compile(
    r"^(?:they|them|their|it|its|this|these|that|those|such|both|either|neither|then|also|but|so|however|otherwise|"
    r"instead|still|thus|hence|likewise|similarly|moreover|furthermore|finally|next|"
    r"second|third|fourth|fifth|sixth|secondly|thirdly|lastly)\b", re.I
)


def _imperative(description: str) -> str:
    """A rubric description said to the candidate: its opening verb as advice ("Estimates what serving costs
    ..." -> "Estimate what serving costs ...", "Identifies" -> "Identify", "Watches" -> "Watch")."""
    m = re.match(r"([A-Z][a-z]+?)" + _S_ENDING + r"\b(?=\s+[a-z(])", description)
    # not a plural noun before its verb ("Clicks are ...", "Chargebacks arrive ..."), nor "Besides"
    subject = re.match(r"\S+\s+(?:" + _NOUN_VERBS + r")\b", description)
    if not m or subject or m.group(0) in ("Is", "Has", "Was", "Does", "Besides"):
        return description
    stem, end = m.groups()
    verb = stem + _UNSUFFIX[end]
    # a verb joined to the first one is advice too: "Separate the new-user and the new-item cases and handle each"
    rest = _AND_VERB.sub(lambda v: v.group(1) + v.group(2) + _UNSUFFIX[v.group(3)], description[m.end() :])
    return verb + rest


# a verb's -s ending and what its bare form ends in instead ("identifies" -> "identify", "watches" -> "watch")
_UNSUFFIX = {"ies": "y", "sses": "ss", "ches": "ch", "shes": "sh", "xes": "x", "s": ""}
_S_ENDING = "(" + "|".join(_UNSUFFIX) + ")"
# what follows a plural noun that is a sentence's subject ("Clicks are ...", "popular requests repeat ...")
_NOUN_VERBS = "are|is|was|were|have|has|can|could|should|must|may|might|will|would|come|arrive|appear|need|take|follow"
# "..., and handles each", "and credits each ranker": a verb in -s after "and", before what it acts on
_AND_VERB = re.compile(r"(\band\s+)([a-z]+?)" + _S_ENDING + r"(?=\s+(?:the|a|an|each|every|its|their|them|it|all|any|both|what|how|which|whether|only|one|some|those|these)\b)")
# a depth point that opens with a verb in -s ("separates ...", "matters whenever ..."), not a plural noun before its
# verb ("popular requests repeat often ...")
_OPENS_WITH_VERB = re.compile(r"^[a-z]+?" + _S_ENDING + r"\b(?!\s+(?:" + _NOUN_VERBS + r"|repeat)\b)(?=\s+[a-z(])")


_LEANS_ON = re.compile(r"\b(?:them|they|their|it|its|these|those)\b", re.I)
_GRADER_VOICE = re.compile(r"\b(?:candidates?|interviewers?|graders?|rubric|(?:staff|senior|mid|junior|strong|weak|good)[- ]level|(?:a|the)\s+(?:strong|weak|good|staff|senior)\s+answer|an?\s+answer\s+that)\b", re.I)


def _asked_criterion(state: InterviewState, ctx: Ctx, crits: list[Any]) -> Any | None:
    """The criterion of this phase that the interviewer's last question was about: the one it probed, or the
    first criterion of this phase that the concept it dug into (or the misconception it challenged) backs."""
    ids = {c.id: c for c in crits}
    for t in reversed(state.get("transcript", [])):
        if t["role"] != Role.INTERVIEWER:
            continue
        if t.get("phase") != _phase(state):
            return None
        if t.get("criterion") in ids:
            return ids[t["criterion"]]
        if t.get("concept") and ctx.bank is not None and t["concept"] in ctx.bank.concepts:
            return next((ids[k] for k in ctx.bank.concept(t["concept"]).criteria if k in ids), None)
        if t.get("misconception") and ctx.bank is not None and t["misconception"] in ctx.bank.misconceptions:
            # a challenge the candidate could not answer: the hint is on what the claim got wrong
            return next((ids[k] for k in ctx.bank.misconception(t["misconception"]).criteria if k in ids), None)
        return None
    return None


def _last_question(state: InterviewState) -> Turn | None:
    """The interviewer's last line, when it was said in the phase under way (what a hint or a stuck answer is about)."""
    last = next((t for t in reversed(state.get("transcript", [])) if t["role"] == Role.INTERVIEWER), None)
    return last if last is not None and last.get("phase") == _phase(state) else None


def _depth_hint(state: InterviewState, ctx: Ctx) -> tuple[str, str] | None:
    """(topic, sentence) for a hint after a question that dug into a concept the candidate named: what deeper
    treatment of that concept adds, the first such point their answers in this phase have not touched (a probe
    asked how to estimate long-term effects got a hint on combining several predictions, which it had said)."""
    if ctx.bank is None:
        return None
    last = _last_question(state)
    cid = last.get("concept") if last is not None else None
    if not cid or cid not in ctx.bank.concepts or not ctx.bank.concept(cid).depth:
        return None
    concept = ctx.bank.concept(cid)
    said = " ".join(t["text"] for t in _phase_turns(state, _phase(state), Role.CANDIDATE)).lower()
    point = next((d.point for d in concept.depth if not any(cue.lower() in said for cue in d.cues)), concept.depth[0].point)
    point = " ".join(point.split()).rstrip(".")
    # a point is written about the concept ("learns interactions ..., and scales with data", "matters whenever the
    # score is used as a probability"): said with "it" in front, it reads whatever its verbs are (made into advice,
    # "Learn interactions ..., and scales with data" and "Matter whenever ..." had not)
    if _OPENS_WITH_VERB.match(point):
        return concept.name, f"It {point}."
    return concept.name, point[:1].upper() + point[1:] + "."


def _challenged_claim(state: InterviewState, ctx: Ctx, crits: list[Any]) -> str | None:
    """The candidate's words behind the challenge the interviewer's last line put, when that misconception
    bears on no criterion of this phase (else the hint goes to its criterion, see `_asked_criterion`)."""
    if ctx.bank is None:
        return None
    last = _last_question(state)
    mid = last.get("misconception") if last is not None else None
    if not mid or mid not in ctx.bank.misconceptions or set(ctx.bank.misconception(mid).criteria) & {c.id for c in crits}:
        return None
    quote = next((x.get("quote") for x in reversed(state.get("stated", [])) if x["id"] == mid and x.get("quote")), None)
    return " ".join(quote.split()).rstrip(".") if quote else None


def _hint(state: InterviewState, ctx: Ctx, stuck: bool = False) -> Update:
    """A nudge from the notes on the weightiest criterion not yet shown (/hint, or a stuck candidate)."""
    phase = _phase(state)
    used = _used_lines(state)
    at = state.get("elapsed", 0.0)
    cov = state.get("coverage", {}).get(phase, {})
    crits = sorted(ctx.lib.criteria(phase, state["case_id"]), key=lambda c: -c.weight)
    hinted = {h["criterion"] for h in state.get("hints", [])}
    below = policy().hint_below
    pending = [c for c in crits if (cov.get(c.id, {}).get("score") or 0) < below and c.id not in hinted] or [c for c in crits if c.id not in hinted]
    # what nothing said touches comes before what was touched lightly (a probe got a hint on the business
    # objective right after asking about it); by weight within each
    pending.sort(key=lambda c: cov.get(c.id, {}).get("score") is not None)
    if (asked := _asked_criterion(state, ctx, crits)) is not None and asked.id not in hinted:
        # stuck on a question, or a hint asked for after it: the hint is on what that question asked about, not
        # on the weightiest gap (a probe answered "I'm not sure" to a feature-store question and got a nudge on
        # data sources and labels; "a hint on the raw events thing?" got one on something else)
        pending = [asked, *[c for c in pending if c.id != asked.id]]
    stuck_upd: Update = {"stuck_hints": {phase: state.get("stuck_hints", {}).get(phase, 0) + 1}} if stuck else {}
    if stuck and (claim := _challenged_claim(state, ctx, crits)) is not None:
        # stuck on a challenge to a claim whose criteria belong to another phase ("I would one-hot encode it"
        # while discussing the model): the nudge is back to their own words, not a hint on an unrelated gap
        line = P.pick_unique(P.get("stuck_challenge_hint"), used, seed=len(used), quote=claim)
        return {**_say(state, ctx, line, TurnKind.HINT), **stuck_upd}
    if not pending:
        line = P.get("no_hint")
        return {**_say(state, ctx, _unused(used, line, f"{line} (minute {at:.1f})"), TurnKind.HINT), **stuck_upd}
    c = pending[0]
    note = _note(ctx, c.note_query, phase, state["case_id"])
    # a sentence naming what does not fit this case ("the candidate generator" in a fraud case) is passed over,
    # and so is one about something else than the criterion, one that only restates its title, one that leans on
    # a word before it ("Clean them, ...") and one in a grader's voice ("A candidate who names ...")
    about = content_words(f"{c.title} {c.description}")
    title = content_words(c.title)

    def fits(s: str) -> bool:
        words = content_words(s)
        return (
            not ctx.lib.off_scope_terms(s, state["case_id"])
            and len(words & about) >= 2  # one shared word let "Inputs and outputs define ..." through on the counterfactual
            and len(words - title) > 2
            and not _LEANS_ON.search(" ".join(s.split()[:4]))
            and not _GRADER_VOICE.search(s)
        )

    sentence = (_hint_sentence(note, fits) if note is not None else None) or _imperative(" ".join(c.description.split()))
    topic = inline_title(c.title)
    if asked is not None and c.id == asked.id and (depth := _depth_hint(state, ctx)) is not None:
        topic, sentence = depth  # the question dug into a concept of theirs: the hint is on that concept
    # a stuck candidate's hint has its own lead: one lead, not "Let me give you a nudge. A nudge: ..."
    leads = P.get("stuck_hint_lead" if stuck else "hint_lead")
    if sentence.lower().startswith(topic.lower()):  # "Data pipelines and feature stores keep ...": the topic once
        leads = P.get("hint_lead_plain")
    line = P.pick_unique(leads, used, seed=len(state.get("hints", [])), topic=topic, sentence=sentence)
    section = note.section if note else None
    upd = _say(state, ctx, line, TurnKind.HINT, criterion=c.id, note=section)
    upd["hints"] = [{"phase": phase, "criterion": c.id, "note": section, "minute": round(at, 2), "asked": not stuck}]
    upd["notices"] = _index_notices(state, ctx)
    return {**upd, **stuck_upd}


def finish(state: InterviewState, runtime: Runtime[Ctx]) -> Update:
    """/end: the candidate ends the interview early."""
    ctx = runtime.context
    phase = _phase(state)
    upd = _say(state, ctx, P.get("end_early"), TurnKind.CLOSING)
    _writer()(PhaseChanged(None, phase))
    upd.update(
        {
            "phase_minutes": _closed_minutes(state, phase),
            "phase_i": len(state["phases"]),
            "status": "finished",
            "ended_by": "candidate",
            "closed_at": state["phase_i"],
        }
    )
    return upd


def build_graph() -> StateGraph:
    g = StateGraph(InterviewState, context_schema=Ctx)
    g.add_node("open", open_node)
    g.add_node(LISTEN, listen, destinations=(COMMAND, ASK, ASSESS))
    g.add_node(ASK, ask, destinations=(LISTEN, ADVANCE))
    g.add_node(ASSESS, assess)
    g.add_node(RESPOND, respond, destinations=(LISTEN, END))
    g.add_node(ADVANCE, advance, destinations=(LISTEN, END))
    g.add_node(COMMAND, command, destinations=(LISTEN, ADVANCE, FINISH))
    g.add_node(FINISH, finish)
    g.add_edge(START, "open")
    g.add_edge("open", LISTEN)
    g.add_edge(ASSESS, RESPOND)
    g.add_edge(FINISH, END)
    return g


def initial_state(session_id: str, case_id: str, level: str, persona: str, minutes: float, phases: list[str]) -> InterviewState:
    return InterviewState(
        session_id=session_id,
        case_id=case_id,
        level=level,
        persona=persona,
        minutes=float(minutes),
        phases=list(phases),
        phase_i=0,
        phase_start=0.0,
        elapsed=0.0,
        status="running",
        ended_by="",
    )
