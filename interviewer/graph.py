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

import zlib
from dataclasses import dataclass, field
from typing import Any, Callable

from langgraph.config import get_stream_writer
from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import Command as Goto
from langgraph.types import interrupt

from . import prompts as P
from . import scoring
from .brains import Brain, FollowUpRequest, OfflineBrain, summary_of
from .clock import Clock
from .content import Library
from .domain import Action, Command, Decision, Phase, Role, TurnKind, Why, policy
from .events import Message, Notice, PhaseChanged, Reset, Token
from .grading import candidate_words
from .knowledge import KnowledgeIndex
from .state import InterviewState, Turn
from .text import is_question, redact, sanitize, wants_to_move_on

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
    secrets: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # filled by the fallback brain during a step


# ------------------------------------------------------------------------------------ helpers


def _phase(state: InterviewState) -> str:
    return state["phases"][min(state["phase_i"], len(state["phases"]) - 1)]


def budget(state: InterviewState, lib: Library, phase: str) -> float:
    """The phase's minutes, scaled to the interview's length."""
    total = sum(lib.phase_minutes(p) for p in state["phases"])
    return lib.phase_minutes(phase) * state["minutes"] / max(total, 1e-9)


def _used_lines(state: InterviewState) -> set[str]:
    return {t["text"] for t in state.get("transcript", []) if t["role"] == Role.INTERVIEWER}


def _unused(used: set[str], *lines: str) -> str:
    """The first of `lines` not said before in this interview (the last one if all were)."""
    return next((line for line in lines if line not in used), lines[-1])


def _writer() -> Callable[[Any], None]:
    try:
        return get_stream_writer()
    except Exception:  # noqa: BLE001 - outside a streaming run there is no writer
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


def decide(state: InterviewState, ctx: Ctx) -> Decision:
    """Plain code, never the model: follow up on the weightiest uncovered criterion, or advance."""
    pol = policy()
    phase = _phase(state)
    crits = ctx.lib.criteria(phase, state["case_id"])
    cov = state.get("coverage", {}).get(phase, {})
    target = pol.target(state["level"])
    cap = pol.cap(state["persona"], state["level"])
    probed = set(state.get("probed", {}).get(phase, []))
    follow_ups = state.get("follow_ups", {}).get(phase, 0)
    used = state.get("elapsed", 0.0) - state.get("phase_start", 0.0)
    turns = [t for t in state.get("transcript", []) if t["role"] == Role.CANDIDATE and t["phase"] == phase and t.get("kind") != TurnKind.COMMAND]
    durations = [ctx.clock.candidate_turn(t["text"]) for t in turns] if ctx.clock.kind == "virtual" else []
    predicted = (sum(durations) / len(durations)) if durations else 1.0
    if wants_to_move_on(_latest(state)["text"]):
        return Decision.advance(Why.ASKED)
    if state.get("elapsed", 0.0) >= state["minutes"] + pol.overtime_minutes:
        return Decision.advance(Why.TIME)
    if used + predicted > budget(state, ctx.lib, phase):
        return Decision.advance(Why.TIME)
    pending = [c for c in sorted(crits, key=lambda c: -c.weight) if (cov.get(c.id, {}).get("score") or 0) < target and c.id not in probed]
    if not pending:
        return Decision.advance(Why.COVERED)
    if follow_ups >= cap:
        return Decision.advance(Why.CAP)
    c = pending[0]
    return Decision(action=Action.FOLLOW_UP, criterion=c.id, status=cov.get(c.id, {}).get("status", "none"))


# ------------------------------------------------------------------------------------ nodes


def open_node(state: InterviewState, runtime: Runtime[Ctx]) -> Update:
    ctx = runtime.context
    case = ctx.lib.case(state["case_id"])
    first = state["phases"][0]
    if first == Phase.CLARIFY:
        openings = P.get(TurnKind.OPENING)
        opening = openings[zlib.crc32(state["session_id"].encode()) % len(openings)].format(prompt=case.prompt, minutes=int(state["minutes"]))
    else:  # a single-phase retry opens straight into that phase
        opening = P.get("retry_opening").format(prompt=case.prompt, phase=ctx.lib.phase_title(first).lower(), intro=P.get("phase_intro", first)[0])
    return {**_say(state, ctx, opening, TurnKind.OPENING), "phase_start": 0.0}


def listen(state: InterviewState, runtime: Runtime[Ctx]) -> Goto:
    raw = interrupt({"phase": _phase(state), "minute": state.get("elapsed", 0.0)})
    ctx = runtime.context
    text, cut = sanitize(raw if isinstance(raw, str) else "")
    text = redact(text, ctx.secrets)
    if Command.parse(text) is not None:
        kind, goto = TurnKind.COMMAND, COMMAND
    elif text and is_question(text) and not wants_to_move_on(text):
        kind, goto = TurnKind.QUESTION, ASK
    else:
        kind, goto = TurnKind.ANSWER, ASSESS
    elapsed = state.get("elapsed", 0.0) + (ctx.clock.candidate_turn(text) if kind != TurnKind.COMMAND else 0.0)
    phase = _phase(state)
    turn: Turn = {"role": Role.CANDIDATE.value, "phase": phase, "text": text, "minute": round(elapsed, 2), "kind": kind.value}
    if cut:
        turn["cut"] = True
    # time notices: half the phase budget, the budget, five minutes left in the interview
    phase_budget = budget(state, ctx.lib, phase)
    used = elapsed - state.get("phase_start", 0.0)
    flags = set(state.get("time_flags", []))
    title = ctx.lib.phase_title(phase)
    notices, new_flags = [], []
    for key, cond, msg in (
        (f"{phase}:half", used >= phase_budget / 2, P.get("time_notice", "half").format(phase=title, budget=phase_budget)),
        (f"{phase}:over", used >= phase_budget, P.get("time_notice", "over").format(phase=title, budget=phase_budget)),
        ("five_left", state["minutes"] - elapsed <= 5 and state["minutes"] >= 10, P.get("time_notice", "five_left")),
    ):
        if cond and key not in flags:
            new_flags.append(key)
            notices.append(_notice("time", msg, elapsed))
    if cut:
        notices.append(_notice("input", P.get("truncated").format(kept=len(text)), elapsed))
    return Goto(update={"transcript": [turn], "elapsed": elapsed, "time_flags": new_flags, "notices": notices}, goto=goto)


def ask(state: InterviewState, runtime: Runtime[Ctx]) -> Goto:
    """A clarifying question, answered from the case's hidden facts."""
    ctx = runtime.context
    case = ctx.lib.case(state["case_id"])
    tokens, on_token, on_reset = _streamer()
    used = _used_lines(state)
    line, facts = ctx.brain.clarify(_latest(state)["text"], case, state.get("revealed", []), used, on_token=on_token, on_reset=on_reset)
    more = f"{line} {P.get('clarification', 'more')}"
    line = _unused(used, line, more, f"{more} (minute {state.get('elapsed', 0.0):.0f})")  # never verbatim again, whatever the brain says
    upd = _say(state, ctx, line, TurnKind.CLARIFY, stream=not tokens, facts=facts)
    upd.update({"revealed": facts, "notices": _fallback_notices(state, ctx)})
    # questions use the phase's time too: past the budget, the interviewer moves on
    phase = _phase(state)
    spent = upd["elapsed"] - state.get("phase_start", 0.0)
    over = spent + policy().clarify_margin_minutes > budget(state, ctx.lib, phase)
    return Goto(update=upd, goto=ADVANCE if over else LISTEN)


def assess(state: InterviewState, runtime: Runtime[Ctx]) -> Update:
    """Which criteria the phase's answers cover so far (and other phases', for a candidate who jumps ahead)."""
    ctx = runtime.context
    phase = _phase(state)
    result = ctx.brain.assess(candidate_text(state, phase), ctx.lib.criteria(phase, state["case_id"]))
    coverage = state.get("coverage", {})
    cur = dict(coverage.get(phase, {}))
    for cid, v in result.by_criterion.items():
        prev = cur.get(cid)
        if prev is None or (v["score"] or 0) >= (prev.get("score") or 0):
            cur[cid] = v
    changed = {phase: cur}
    # credit for later phases the candidate has already talked about (only the latest answer)
    latest = _latest(state)["text"]
    if latest.strip() and len(latest.split()) >= policy().later_phase_min_words:
        prepared = scoring.prepare(latest)  # split and embedded once, scored against every later phase
        for p in state["phases"][state["phase_i"] + 1 :]:
            r = ctx.offline.assess(latest, ctx.lib.criteria(p, state["case_id"]), prepared=prepared)
            pc = dict(coverage.get(p, {}))
            for cid, v in r.by_criterion.items():
                if v["status"] != "none" and (v["score"] or 0) >= (pc.get(cid, {}).get("score") or 0):
                    pc[cid] = {**v, "early": True}
            if pc:
                changed[p] = pc
    return {"coverage": changed, "notices": _fallback_notices(state, ctx)}


def respond(state: InterviewState, runtime: Runtime[Ctx]) -> Goto:
    """After an answer: the decision, acted on."""
    ctx = runtime.context
    d = decide(state, ctx)
    if d.action == Action.FOLLOW_UP and d.criterion:
        return _then(state, _follow_up(state, ctx, d))
    return _then(state, _advance(state, ctx, d.why or Why.TIME))


def _follow_up(state: InterviewState, ctx: Ctx, d: Decision) -> Update:
    phase = _phase(state)
    crit = ctx.lib.criterion(d.criterion or "")
    note = _note(ctx, f"{crit.title}. {crit.description}", phase, state["case_id"])
    tokens, on_token, on_reset = _streamer()
    used = _used_lines(state)
    prefix = ""
    if not _latest(state)["text"].strip():
        prefix = P.pick_unique(P.get("empty"), used, seed=state.get("follow_ups", {}).get(phase, 0)) + " "
    recent = [t for t in state.get("transcript", []) if t.get("kind") != "command"][-policy().recent_turns :]
    req = FollowUpRequest(
        criterion=crit,
        status=d.status,
        note=note,
        persona=state["persona"],
        level=state["level"],
        ack_seed=len(state.get("transcript", [])),
        used_lines=used,
        case=ctx.lib.case(state["case_id"]),
        phase_title=ctx.lib.phase_title(phase),
        recent=recent,
        summary=summary_of(state.get("coverage", {}), ctx.lib, state["phases"][: state["phase_i"]]),
        crits=ctx.lib.criteria(phase, state["case_id"]),
        prefix=prefix,
    )
    line = ctx.brain.follow_up(req, on_token=on_token, on_reset=on_reset)
    line = _unused(req.used_lines, line, f"{line} ({crit.title})")  # never repeat a line verbatim
    upd = _say(state, ctx, line, TurnKind.FOLLOW_UP, stream=not tokens, criterion=crit.id, criterion_status=d.status, note=note.section if note else None)
    upd.update(
        {
            "probed": {phase: [crit.id]},
            "follow_ups": {phase: state.get("follow_ups", {}).get(phase, 0) + 1},
            "notices": _fallback_notices(state, ctx),
        }
    )
    return upd


def _advance(state: InterviewState, ctx: Ctx, why: Why) -> Update:
    """Close the phase under way: the next one opens, or the interview ends."""
    phase = _phase(state)
    used = _used_lines(state)
    close = P.pick_unique(P.get("advance", why), used, seed=state["phase_i"], phase=ctx.lib.phase_title(phase).lower())
    nxt = state["phase_i"] + 1
    if nxt >= len(state["phases"]) or state.get("elapsed", 0.0) >= state["minutes"] + policy().overtime_minutes:
        upd = _say(state, ctx, close + " " + P.pick_unique(P.get("closing"), used, seed=len(used)), TurnKind.CLOSING)
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
    intro = P.pick_unique(P.get("phase_intro", new_phase), used, seed=nxt)
    upd = _say(state, ctx, f"{close} {intro}", TurnKind.INTRO, phase=new_phase)
    upd.update({"phase_minutes": _closed_minutes(state, phase), "phase_i": nxt, "phase_start": state.get("elapsed", 0.0)})
    _writer()(PhaseChanged(new_phase, phase))
    return upd


def advance(state: InterviewState, runtime: Runtime[Ctx]) -> Goto:
    """Reached from /next (the candidate asked) or from a question past the phase's time."""
    why = Why.ASKED if _latest(state).get("kind") == TurnKind.COMMAND else Why.TIME
    return _then(state, _advance(state, runtime.context, why))


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
        return stay(P.get("time_notice", "time_left").format(used=at, total=state["minutes"], phase=title, left=max(phase_budget - spent, 0), budget=phase_budget), TurnKind.TIME)
    if cmd == Command.HELP:
        return stay(P.get("help"), TurnKind.HELP)
    # /hint: a nudge from the notes on the weightiest criterion not yet shown
    cov = state.get("coverage", {}).get(phase, {})
    crits = sorted(ctx.lib.criteria(phase, state["case_id"]), key=lambda c: -c.weight)
    hinted = {h["criterion"] for h in state.get("hints", [])}
    below = policy().hint_below
    pending = [c for c in crits if (cov.get(c.id, {}).get("score") or 0) < below and c.id not in hinted] or [c for c in crits if c.id not in hinted]
    if not pending:
        return stay(P.get("no_hint"), TurnKind.HINT)
    c = pending[0]
    note = _note(ctx, f"{c.title}. {c.description}", phase, state["case_id"])
    sentence = c.description
    if note is not None:
        first = [s.strip() for s in note.text.replace("\n", " ").split(". ") if len(s.split()) > 6]
        if first:
            sentence = first[0].rstrip(".") + "."
    line = P.pick_unique(P.get("hint_lead"), used, seed=len(state.get("hints", [])), topic=c.title.lower(), sentence=sentence)
    section = note.section if note else None
    upd = _say(state, ctx, line, TurnKind.HINT, criterion=c.id, note=section)
    upd["hints"] = [{"phase": phase, "criterion": c.id, "note": section, "minute": round(at, 2)}]
    return Goto(update=upd, goto=LISTEN)


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
