"""The interview as a LangGraph StateGraph.

open -> listen (interrupt) -> route: command | question | answer
  question -> clarify -> listen
  answer   -> assess -> decide (plain code) -> follow_up -> listen | advance -> listen | END
  command  -> /hint /time -> listen; /next -> advance; /end -> finish -> END

Nodes before an interrupt have no side effects: `listen` only interrupts and records what came back.
Model calls happen in the nodes after it, so a resumed step never repeats a call it already made.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any, Callable

from langgraph.config import get_stream_writer
from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import interrupt

from . import prompts as P
from . import scoring
from .brains import Brain, FollowUpRequest, status_of, summary_of
from .clock import Clock
from .content import Library
from .knowledge import KnowledgeIndex
from .state import InterviewState, Turn
from .text import is_question, redact, sanitize, wants_to_move_on

LEVEL_TARGET = {"mid": 2, "senior": 3, "staff": 3}
PERSONA_CAP = {"supportive": 2, "neutral": 3, "tough": 4}
COMMANDS = ("/hint", "/next", "/time", "/end", "/help")


@dataclass
class Ctx:
    lib: Library
    index: KnowledgeIndex | None
    brain: Brain
    clock: Clock
    secrets: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # filled by the fallback brain during a step


# ------------------------------------------------------------------------------------ helpers


def _phase(state: InterviewState) -> str:
    return state["phases"][min(state["phase_i"], len(state["phases"]) - 1)]


def _budget(state: InterviewState, lib: Library, phase: str) -> float:
    total = sum(lib.phase_minutes(p) for p in state["phases"])
    return lib.phase_minutes(phase) * state["minutes"] / max(total, 1e-9)


def _used_lines(state: InterviewState) -> set[str]:
    return {t["text"] for t in state.get("transcript", []) if t["role"] == "interviewer"}


def _unused(used: set[str], *lines: str) -> str:
    """The first of `lines` not said before in this interview (the last one if all were)."""
    return next((line for line in lines if line not in used), lines[-1])


def _writer() -> Callable[[Any], None]:
    try:
        return get_stream_writer()
    except Exception:  # noqa: BLE001 - outside a streaming run there is no writer
        return lambda _x: None


def _say(state: InterviewState, ctx: Ctx, text: str, kind: str, stream: bool = True, **extra: Any) -> dict[str, Any]:
    """Append an interviewer line, advance the clock, and emit it token by token if not streamed yet."""
    w = _writer()
    if stream:
        for piece in text.split(" "):
            w({"type": "token", "text": piece + " "})
    elapsed = state.get("elapsed", 0.0) + ctx.clock.interviewer_turn(text)
    turn: Turn = {"role": "interviewer", "phase": _phase(state), "text": text, "minute": round(elapsed, 2), "kind": kind}
    turn.update(extra)  # type: ignore[typeddict-item]
    w({"type": "message", "turn": turn})
    return {"transcript": state.get("transcript", []) + [turn], "elapsed": elapsed}


def _notices(state: InterviewState, ctx: Ctx) -> list[dict[str, Any]]:
    out = list(state.get("notices", []))
    for n in ctx.notices:
        out.append({"kind": "fallback", "text": n, "minute": round(state.get("elapsed", 0.0), 2)})
        _writer()({"type": "notice", "kind": "fallback", "text": n})
    ctx.notices.clear()
    return out


def candidate_text(state: InterviewState, phase: str | None = None) -> str:
    """What the candidate said (answers and questions: in clarifying, the questions are the answer),
    in one phase or, with no phase, in the whole interview."""
    return "\n".join(
        t["text"]
        for t in state.get("transcript", [])
        if t["role"] == "candidate" and t.get("kind") in ("answer", "question") and (phase is None or t["phase"] == phase)
    )


# ------------------------------------------------------------------------------------ nodes


def open_node(state: InterviewState, runtime: Runtime[Ctx]) -> dict[str, Any]:
    ctx = runtime.context
    case = ctx.lib.case(state["case_id"])
    first = state["phases"][0]
    if first == "clarify":
        opening = P.get("opening")[zlib.crc32(state["session_id"].encode()) % len(P.get("opening"))].format(prompt=case.prompt, minutes=int(state["minutes"]))
    else:  # a single-phase retry opens straight into that phase
        opening = P.get("retry_opening").format(prompt=case.prompt, phase=ctx.lib.phase_title(first).lower(), intro=P.get("phase_intro", first)[0])
    upd = _say(state, ctx, opening, "opening")
    upd.update({"phase_start": 0.0})
    return upd


def listen(state: InterviewState, runtime: Runtime[Ctx]) -> dict[str, Any]:
    raw = interrupt({"phase": _phase(state), "minute": state.get("elapsed", 0.0)})
    ctx = runtime.context
    text, cut = sanitize(raw if isinstance(raw, str) else "")
    text = redact(text, ctx.secrets)
    if text.startswith("/") and text.split()[0].lower() in COMMANDS:
        route = "command"
    elif not text:
        route = "answer"
    elif is_question(text) and not wants_to_move_on(text):
        route = "question"
    else:
        route = "answer"
    minutes = ctx.clock.candidate_turn(text) if route != "command" else 0.0
    elapsed = state.get("elapsed", 0.0) + minutes
    kind = {"command": "command", "question": "question", "answer": "answer"}[route]
    turn: Turn = {"role": "candidate", "phase": _phase(state), "text": text, "minute": round(elapsed, 2), "kind": kind}
    if cut:
        turn["cut"] = True
    upd: dict[str, Any] = {"transcript": state.get("transcript", []) + [turn], "elapsed": elapsed, "inbox": text, "route": route}
    # time notices: half the phase budget, the budget, five minutes left in the interview
    phase = _phase(state)
    budget = _budget(state, ctx.lib, phase)
    used = elapsed - state.get("phase_start", 0.0)
    flags = list(state.get("time_flags", []))
    notices = list(state.get("notices", []))
    title = ctx.lib.phase_title(phase)
    for key, cond, msg in (
        (f"{phase}:half", used >= budget / 2, P.get("time_notice", "half").format(phase=title, budget=budget)),
        (f"{phase}:over", used >= budget, P.get("time_notice", "over").format(phase=title, budget=budget)),
        ("five_left", state["minutes"] - elapsed <= 5 and state["minutes"] >= 10, P.get("time_notice", "five_left")),
    ):
        if cond and key not in flags:
            flags.append(key)
            notices.append({"kind": "time", "text": msg, "minute": round(elapsed, 2)})
    upd["time_flags"] = flags
    upd["notices"] = notices
    if cut:
        notices.append({"kind": "input", "text": P.get("truncated").format(kept=len(text)), "minute": round(elapsed, 2)})
    return upd


def route_after_listen(state: InterviewState) -> str:
    return {"command": "command", "question": "clarify"}.get(state.get("route", "answer"), "assess")


def clarify(state: InterviewState, runtime: Runtime[Ctx]) -> dict[str, Any]:
    ctx = runtime.context
    case = ctx.lib.case(state["case_id"])
    w = _writer()
    tokens: list[str] = []

    def on_token(t: str) -> None:
        tokens.append(t)
        w({"type": "token", "text": t})

    used = _used_lines(state)
    line, facts = ctx.brain.clarify(state["inbox"], case, state.get("revealed", []), used, on_token=on_token, on_reset=lambda: w({"type": "reset"}))
    more = f"{line} {P.get('clarify', 'more')}"
    line = _unused(used, line, more, f"{more} (minute {state.get('elapsed', 0.0):.0f})")  # never verbatim again, whatever the brain says
    upd = _say(state, ctx, line, "clarify", stream=not tokens, facts=facts)
    upd["revealed"] = sorted(set(state.get("revealed", [])) | set(facts))
    upd["notices"] = _notices(state, ctx)
    # questions use the phase's time too: past the budget, the interviewer moves on
    phase = _phase(state)
    used = upd["elapsed"] - state.get("phase_start", 0.0)
    upd["decision"] = {"action": "advance", "why": "time"} if used + 0.5 > _budget(state, ctx.lib, phase) else {"action": "stay"}
    return upd


def route_after_clarify(state: InterviewState) -> str:
    return "advance" if state.get("decision", {}).get("action") == "advance" else "listen"


def assess(state: InterviewState, runtime: Runtime[Ctx]) -> dict[str, Any]:
    """Which criteria the phase's answers cover so far (and other phases', for a candidate who jumps ahead)."""
    ctx = runtime.context
    phase = _phase(state)
    crits = ctx.lib.criteria(phase, state["case_id"])
    text = candidate_text(state, phase)
    result = ctx.brain.assess(text, crits)
    coverage = {k: dict(v) for k, v in state.get("coverage", {}).items()}
    cur = dict(coverage.get(phase, {}))
    for cid, v in result.by_criterion.items():
        prev = cur.get(cid)
        if prev is None or (v["score"] or 0) >= (prev.get("score") or 0):
            cur[cid] = v
    coverage[phase] = cur
    # credit for later phases the candidate has already talked about (only the latest answer)
    latest = state.get("inbox", "")
    if latest.strip() and len(latest.split()) >= 12:
        offline = getattr(ctx.brain, "offline", ctx.brain)  # the LLM brains carry their offline twin
        prepared = scoring.prepare(latest)  # split and embedded once, scored against every later phase
        for p in state["phases"][state["phase_i"] + 1 :]:
            r = offline.assess(latest, ctx.lib.criteria(p, state["case_id"]), prepared=prepared)
            pc = dict(coverage.get(p, {}))
            for cid, v in r.by_criterion.items():
                if v["status"] != "none" and (v["score"] or 0) >= (pc.get(cid, {}).get("score") or 0):
                    pc[cid] = {**v, "early": True}
            if pc:
                coverage[p] = pc
    return {"coverage": coverage, "notices": _notices(state, ctx)}


def decide(state: InterviewState, runtime: Runtime[Ctx]) -> dict[str, Any]:
    """Plain code, never the model: follow up on the weightiest uncovered criterion, or advance."""
    ctx = runtime.context
    phase = _phase(state)
    crits = ctx.lib.criteria(phase, state["case_id"])
    cov = state.get("coverage", {}).get(phase, {})
    target = LEVEL_TARGET.get(state["level"], 3)
    cap = PERSONA_CAP.get(state["persona"], 3) + (1 if state["level"] == "staff" else 0)
    probed = set(state.get("probed", {}).get(phase, []))
    follow_ups = state.get("follow_ups", {}).get(phase, 0)
    budget = _budget(state, ctx.lib, phase)
    used = state.get("elapsed", 0.0) - state.get("phase_start", 0.0)
    turns = [t for t in state.get("transcript", []) if t["role"] == "candidate" and t["phase"] == phase and t.get("kind") != "command"]
    durations = [ctx.clock.candidate_turn(t["text"]) for t in turns] if ctx.clock.kind == "virtual" else []
    predicted = (sum(durations) / len(durations)) if durations else 1.0
    inbox = state.get("inbox", "")
    if wants_to_move_on(inbox):
        return {"decision": {"action": "advance", "why": "asked"}}
    if state.get("elapsed", 0.0) >= state["minutes"] + 2:
        return {"decision": {"action": "advance", "why": "time"}}
    if used + predicted > budget:
        return {"decision": {"action": "advance", "why": "time"}}
    pending = [c for c in sorted(crits, key=lambda c: -c.weight) if (cov.get(c.id, {}).get("score") or 0) < target and c.id not in probed]
    if not pending:
        return {"decision": {"action": "advance", "why": "covered"}}
    if follow_ups >= cap:
        return {"decision": {"action": "advance", "why": "cap"}}
    c = pending[0]
    return {"decision": {"action": "follow_up", "criterion": c.id, "status": cov.get(c.id, {}).get("status", "none")}}


def route_after_decide(state: InterviewState) -> str:
    return "follow_up" if state["decision"]["action"] == "follow_up" else "advance"


def follow_up(state: InterviewState, runtime: Runtime[Ctx]) -> dict[str, Any]:
    ctx = runtime.context
    phase = _phase(state)
    d = state["decision"]
    crit = ctx.lib.criterion(d["criterion"])
    note = None
    if ctx.index is not None:
        hits = ctx.index.search(f"{crit.title}. {crit.description}", phase=phase, case=state["case_id"], k=1)
        note = hits[0] if hits else None
    w = _writer()
    tokens: list[str] = []

    def on_token(t: str) -> None:
        tokens.append(t)
        w({"type": "token", "text": t})

    used = _used_lines(state)
    prefix = ""
    if not state.get("inbox", "").strip():
        prefix = P.pick_unique(P.get("empty"), used, seed=state.get("follow_ups", {}).get(phase, 0)) + " "
    recent = [t for t in state.get("transcript", []) if t.get("kind") not in ("command",)][-6:]
    closed = state["phases"][: state["phase_i"]]
    req = FollowUpRequest(
        criterion=crit,
        status=d.get("status", "none"),
        note=note,
        persona=state["persona"],
        level=state["level"],
        ack_seed=len(state.get("transcript", [])),
        used_lines=used,
        case=ctx.lib.case(state["case_id"]),
        phase_title=ctx.lib.phase_title(phase),
        recent=recent,
        summary=summary_of(state.get("coverage", {}), ctx.lib, closed),
        crits=ctx.lib.criteria(phase, state["case_id"]),
        prefix=prefix,
    )
    try:
        line = ctx.brain.follow_up(req, on_token=on_token, on_reset=lambda: w({"type": "reset"}))  # type: ignore[call-arg]
    except TypeError:
        line = ctx.brain.follow_up(req, on_token=on_token)
    line = _unused(req.used_lines, line, f"{line} ({crit.title})")  # never repeat a line verbatim
    upd = _say(
        state, ctx, line, "follow_up", stream=not tokens, criterion=crit.id, criterion_status=d.get("status", "none"), note=note.section if note else None
    )
    probed = {k: list(v) for k, v in state.get("probed", {}).items()}
    probed.setdefault(phase, []).append(crit.id)
    fu = dict(state.get("follow_ups", {}))
    fu[phase] = fu.get(phase, 0) + 1
    upd.update({"probed": probed, "follow_ups": fu, "notices": _notices(state, ctx)})
    return upd


def advance(state: InterviewState, runtime: Runtime[Ctx]) -> dict[str, Any]:
    ctx = runtime.context
    phase = _phase(state)
    why = state.get("decision", {}).get("why", "asked")
    title = ctx.lib.phase_title(phase)
    used = _used_lines(state)
    close = P.pick_unique(P.get("advance", why), used, seed=state["phase_i"], phase=title.lower())
    pm = dict(state.get("phase_minutes", {}))
    pm[phase] = round(state.get("elapsed", 0.0) - state.get("phase_start", 0.0), 2)
    nxt = state["phase_i"] + 1
    if nxt >= len(state["phases"]) or state.get("elapsed", 0.0) >= state["minutes"] + 2:
        line = close + " " + P.pick_unique(P.get("closing"), used, seed=len(used))
        upd = _say(state, ctx, line, "closing")
        upd.update({"phase_minutes": pm, "phase_i": len(state["phases"]), "status": "finished", "ended_by": "time" if why == "time" else "complete"})
        _writer()({"type": "phase", "phase": None, "closed": phase})
        return upd
    new_phase = state["phases"][nxt]
    intro = P.pick_unique(P.get("phase_intro", new_phase), used, seed=nxt)
    line = f"{close} {intro}"
    tmp = dict(state)
    tmp["phase_i"] = nxt
    upd = _say(tmp, ctx, line, "intro")  # type: ignore[arg-type]
    upd.update({"phase_minutes": pm, "phase_i": nxt, "phase_start": state.get("elapsed", 0.0), "inbox": ""})
    _writer()({"type": "phase", "phase": new_phase, "closed": phase})
    return upd


def route_after_advance(state: InterviewState) -> str:
    return END if state.get("status") == "finished" else "listen"


def command(state: InterviewState, runtime: Runtime[Ctx]) -> dict[str, Any]:
    ctx = runtime.context
    cmd = state["inbox"].split()[0].lower()
    phase = _phase(state)
    title = ctx.lib.phase_title(phase)
    used = _used_lines(state)
    at = state.get("elapsed", 0.0)

    def stay(line: str, kind: str, **extra: Any) -> dict[str, Any]:
        upd = _say(state, ctx, line, kind, **extra)
        upd["decision"] = {"action": "stay"}
        return upd

    if cmd == "/next":
        return {"decision": {"action": "advance", "why": "asked"}}
    if cmd == "/end":
        return {"decision": {"action": "end"}}
    if cmd == "/time":
        budget = _budget(state, ctx.lib, phase)
        spent = at - state.get("phase_start", 0.0)
        line = P.get("time_notice", "time_left").format(used=at, total=state["minutes"], phase=title, left=max(budget - spent, 0), budget=budget)
        return stay(_unused(used, line, f"{line} (at minute {at:.1f})"), "time")
    if cmd == "/help":
        line = P.get("help")
        return stay(_unused(used, line, f"{line} (minute {at:.1f})"), "help")
    # /hint: a nudge from the notes on the weightiest uncovered criterion
    cov = state.get("coverage", {}).get(phase, {})
    crits = sorted(ctx.lib.criteria(phase, state["case_id"]), key=lambda c: -c.weight)
    hinted = {h["criterion"] for h in state.get("hints", [])}
    pending = [c for c in crits if (cov.get(c.id, {}).get("score") or 0) < 3 and c.id not in hinted] or [c for c in crits if c.id not in hinted]
    if not pending:
        line = P.get("no_hint")
        return stay(_unused(used, line, f"{line} (minute {at:.1f})"), "hint")
    c = pending[0]
    note = None
    sentence = c.description
    if ctx.index is not None:
        hits = ctx.index.search(f"{c.title}. {c.description}", phase=phase, case=state["case_id"], k=1)
        if hits:
            note = hits[0]
            first = [s.strip() for s in note.text.replace("\n", " ").split(". ") if len(s.split()) > 6]
            if first:
                sentence = first[0].rstrip(".") + "."
    line = P.pick_unique(P.get("hint_lead"), used, seed=len(state.get("hints", [])), topic=c.title.lower(), sentence=sentence)
    upd = stay(line, "hint", criterion=c.id, note=note.section if note else None)
    upd["hints"] = state.get("hints", []) + [{"phase": phase, "criterion": c.id, "note": note.section if note else None, "minute": round(at, 2)}]
    return upd


def route_after_command(state: InterviewState) -> str:
    a = state.get("decision", {}).get("action")
    return {"advance": "advance", "end": "finish"}.get(a, "listen")


def finish(state: InterviewState, runtime: Runtime[Ctx]) -> dict[str, Any]:
    ctx = runtime.context
    phase = _phase(state)
    pm = dict(state.get("phase_minutes", {}))
    pm[phase] = round(state.get("elapsed", 0.0) - state.get("phase_start", 0.0), 2)
    upd = _say(state, ctx, P.get("end_early"), "closing")
    _writer()({"type": "phase", "phase": None, "closed": phase})
    upd.update({"phase_minutes": pm, "phase_i": len(state["phases"]), "status": "finished", "ended_by": "candidate", "closed_at": state["phase_i"]})
    return upd


def build_graph() -> StateGraph:
    g = StateGraph(InterviewState, context_schema=Ctx)
    g.add_node("open", open_node)
    g.add_node("listen", listen)
    g.add_node("clarify", clarify)
    g.add_node("assess", assess)
    g.add_node("decide", decide)
    g.add_node("follow_up", follow_up)
    g.add_node("advance", advance)
    g.add_node("command", command)
    g.add_node("finish", finish)
    g.add_edge(START, "open")
    g.add_edge("open", "listen")
    g.add_conditional_edges("listen", route_after_listen, ["command", "clarify", "assess"])
    g.add_conditional_edges("clarify", route_after_clarify, ["listen", "advance"])
    g.add_edge("assess", "decide")
    g.add_conditional_edges("decide", route_after_decide, ["follow_up", "advance"])
    g.add_edge("follow_up", "listen")
    g.add_conditional_edges("advance", route_after_advance, ["listen", END])
    g.add_conditional_edges("command", route_after_command, ["listen", "advance", "finish"])
    g.add_edge("finish", END)
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
        transcript=[],
        coverage={},
        probed={},
        follow_ups={},
        phase_minutes={},
        hints=[],
        notices=[],
        revealed=[],
        time_flags=[],
        inbox="",
        route="",
        decision={},
        status="running",
        ended_by="",
    )


def status_label(score: int | None) -> str:
    return status_of(score)
