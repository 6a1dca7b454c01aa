"""Fault matrix: what each endpoint fault costs the candidate, with the default LLM settings.

For each fault class the local fault-injecting OpenAI-compatible server from the tests (tests/fake_openai.py)
fails every request that way. Two modes:

- full (the default; about 11 minutes for the 17 classes on the shared 2-core machine under heavy load): a whole simulated interview per fault class, as `mlsd simulate` runs it (the scripted
  average candidate, news feed, 45 virtual minutes on a virtual clock, the LLM brain), through to the
  scorecard. Per class: the wall time of the whole interview (start to a saved scorecard), whether it
  finished with a full scorecard (every phase graded), the candidate's turns, the longest turn, model calls
  (calls that reached the network) and HTTP requests, fallbacks (interviewer calls and grades answered
  offline), the notices shown, breaker trips, and raw ESC stored. One offline interview runs first, not
  reported, so that the first row does not pay the process's one-off warm-up.
- quick (`--answers N`): a session takes N answers; for each answer we record the wall time
  from Enter until the candidate sees the interviewer's reply or a notice (the first streamed piece, line
  or notice after the line is saved), the time of the whole turn, whether every turn got a reply, the
  notice shown, and whether the breaker opened.

Defaults as shipped: llm_timeout 20 s per call (retries included), 1 retry, a streamed reply given up after
10 s without a token (llm_idle_timeout), breaker after 3 failed calls in a row (or 3 of one kind in a row),
Retry-After waited only up to 5 s. Timing only: the tests assert the behaviour, this script measures it.

Run: python evals/bench/fault_matrix.py [--answers N] [--only FAULT,...] [--json]
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from fake_openai import FakeOpenAI

from interviewer.clock import VirtualClock
from interviewer.content import library
from interviewer.domain import PHASES
from interviewer.events import Message, Notice, Saved, Token
from interviewer.session import Engine, Session
from interviewer.settings import Settings
from interviewer.simulate import ScriptedCandidate
from interviewer.simulate import run as simulate

CANDIDATE = "average"

CASE = "news-feed"
ANSWERS = [
    "I would frame this as ranking posts by the chance of a meaningful interaction; the goal is long-term engagement.",
    "Training data comes from impression logs labelled with clicks, likes, comments and hides, split by time.",
    "A two-tower model retrieves candidates and a multi-task network ranks them; a popularity baseline first.",
    "Offline I would use nDCG and calibration; online an A/B test on retention with guardrail metrics.",
    "Serve candidates from an ANN index and rank online with fresh features from a feature store.",
]
# (row name, the server's fault, server settings)
FAULTS: list[tuple[str, str, dict]] = [
    ("none (baseline)", "ok", {}),
    ("timeout (endpoint hangs)", "slow", {"slow_seconds": 120.0}),
    ("HTTP 500", "500", {}),
    ("429, Retry-After 0.05 s", "429", {"retry_after": "0.05"}),
    ("429, no Retry-After", "429", {"retry_after": ""}),
    ("429, Retry-After 120 s", "429_long", {}),
    ("malformed JSON", "invalid_json", {}),
    ("truncated stream", "truncate", {}),
    ("connection reset", "reset", {}),
    ("401 echoing the key", "401", {}),
    ("connection refused (nothing listening)", "refused", {}),
    ("hang mid-reply, every call (reply starts, then stalls)", "hang_stream", {"slow_seconds": 120.0}),
    ("hang mid-stream, streamed calls only", "stall_stream", {"slow_seconds": 120.0}),
    ("wrong-shape JSON (valid JSON, wrong schema)", "schema_fail", {}),
    ("empty reply", "empty", {}),
    ("1 MB reply", "huge", {}),
    ("escape sequences in the reply", "escapes", {}),
]
RAW_ESC = (b"\x1b]0;", b"\x1b[2J", b"\x1b[31m", b"\\u001b]0;", b"\\u001b[2J", b"\\u001b[31m")


def raw_escapes_on_disk(home: Path) -> list[str]:
    """Files under the data folder holding one of the reply's escape sequences, raw or JSON-escaped."""
    hits = []
    for f in home.rglob("*"):
        if f.is_file() and "index" not in f.relative_to(home).parts:
            data = f.read_bytes()
            hits += [f"{f.name}:{seq!r}" for seq in RAW_ESC if seq in data]
    return hits


def free_port() -> int:
    """A port on 127.0.0.1 with nothing listening (bound, then closed)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_row(eng: Engine, server: FakeOpenAI, fault: str, extra: dict, n_answers: int) -> dict:
    server.reset()
    for k, v in extra.items():
        setattr(server, k, v)
    server.add_faults(*([fault] * 10_000))
    eng.llm_client().reset_breaker()
    calls_before = len(eng.llm_client().usage.calls)
    marks: dict[str, float] = {}
    notices: list[str] = []

    def on_event(ev: object) -> None:
        now = time.perf_counter()
        if isinstance(ev, Saved):
            marks.setdefault("saved", now)
        elif isinstance(ev, (Token, Message, Notice)) and "saved" in marks:
            marks.setdefault("seen", now)
            if isinstance(ev, Notice):
                notices.append(ev.text)
            if isinstance(ev, Message) and ev.turn.get("role") == "interviewer":
                marks.setdefault("reply", now)

    t_start = time.perf_counter()
    s = Session.start(eng, CASE, brain="llm", minutes=45, clock=VirtualClock(), on_event=on_event)
    t_opened = time.perf_counter()
    firsts, turns, replied = [], [], 0
    for text in ANSWERS[:n_answers]:
        marks.clear()
        t0 = time.perf_counter()
        s.send(text)
        t1 = time.perf_counter()
        firsts.append(marks.get("seen", t1) - t0)
        turns.append(t1 - t0)
        replied += "reply" in marks
    t_end = time.perf_counter()
    client = eng.llm_client()
    texts = [str(t.get("text", "")) for t in s.transcript]
    stored = [str(t.get("text", "")) for t in Session.resume(eng, s.id, clock=VirtualClock()).transcript] if hasattr(s, "id") else texts
    return {
        "open_s": round(t_opened - t_start, 2),
        "interview_s": round(t_end - t_start, 2),
        "esc_in_transcript": sum("\x1b" in t for t in texts + stored),
        "transcript_chars": sum(len(t) for t in stored),
        "fault": fault,
        "first_seen_s": [round(x, 2) for x in firsts],
        "turn_s": [round(x, 2) for x in turns],
        "total_s": round(sum(turns), 2),
        "answers": n_answers,
        "replied": replied,
        "continues": replied == n_answers and not s.finished,
        "breaker_open": client.breaker_open,
        "model_calls": len(client.usage.calls) - calls_before,
        "notice": notices[0][:120] if notices else None,
    }


def run_interview(eng: Engine, server: FakeOpenAI, fault: str, extra: dict) -> dict:
    """A whole simulated interview against the fault, through to the saved scorecard."""
    server.reset()
    for k, v in extra.items():
        setattr(server, k, v)
    server.add_faults(*([fault] * 100_000))
    client = eng.llm_client()
    client.reset_breaker()
    calls_before, trips_before, requests_before = len(client.usage.calls), client.trips, len(server.chat_requests)
    turns: list[float] = []
    last = [time.perf_counter()]

    def on_turn(_s: Session) -> None:
        now = time.perf_counter()
        turns.append(now - last[0])
        last[0] = now

    cand = ScriptedCandidate.from_script(library().script(CANDIDATE, CASE))
    t0 = time.perf_counter()
    last[0] = t0
    s = simulate(eng, CASE, cand, brain="llm", minutes=45, on_turn=on_turn)
    card = s.finished_card or s.scorecard()
    wall = time.perf_counter() - t0
    graded = {p.id for p in card.phases}
    full = bool(s.finished and s.finished_card is not None and graded >= set(s.state["phases"]) and len(graded) == len(PHASES))
    notices = [n["text"] for n in s.state.get("notices", []) if n.get("kind") == "fallback"]
    grade_fallbacks = sum(1 for n in card.notices if "handled this grade" in n)
    stored = Session.resume(eng, s.id, clock=VirtualClock())
    texts = [str(t.get("text", "")) for t in s.transcript + stored.transcript]
    return {
        "fault": fault,
        "interview_s": round(wall, 1),
        "full_scorecard": full,
        "hire_signal": card.overall.hire_signal,
        "virtual_minutes": round(s.state.get("elapsed", 0.0), 1),
        "turns": len(turns),
        "longest_turn_s": round(max(turns, default=0.0), 1),
        "model_calls": len(client.usage.calls) - calls_before,
        "http_requests": len(server.chat_requests) - requests_before,
        "fallbacks": getattr(s.brain, "fallbacks", 0) + grade_fallbacks,
        "notices": len(notices),
        "breaker_trips": client.trips - trips_before,
        "breaker_notice": next((n[:160] for n in notices if n.startswith("Model calls are off")), None),
        "esc_in_transcript": sum("\x1b" in t for t in texts) + ("\x1b" in card.model_dump_json()) + ("\\u001b" in card.model_dump_json()),
    }


def main() -> None:
    quick = "--answers" in sys.argv
    n = int(sys.argv[sys.argv.index("--answers") + 1]) if "--answers" in sys.argv else 4
    only = set(sys.argv[sys.argv.index("--only") + 1].split(",")) if "--only" in sys.argv else None
    rows = []
    with tempfile.TemporaryDirectory() as tmp, FakeOpenAI() as server:
        home = Path(tmp)
        src = Path(os.environ.get("MLSD_HOME", "")) / "index"
        if src.is_dir():  # reuse a built index rather than embed every note again
            import shutil

            shutil.copytree(src, home / "index")
        def engine(base_url: str) -> Engine:
            return Engine(Settings(home=home, openai_base_url=base_url, openai_api_key="sk-bench-PLANTED-0123456789", brain="llm", model="fake"))

        eng = engine(server.base_url)
        dead = None  # an engine whose endpoint is a port with nothing listening
        try:
            eng.warm(CASE)
            if not quick:  # one-off costs (first graphs, grades, lazy loads) paid here, not by the first row
                simulate(eng, CASE, ScriptedCandidate.from_script(library().script(CANDIDATE, CASE)), brain="offline", minutes=45)
            for name, fault, extra in FAULTS:
                if only and fault not in only and name not in only:
                    continue
                if fault == "refused":
                    eng.close()
                    eng = dead = engine(f"http://127.0.0.1:{free_port()}/v1")
                    eng.warm(CASE)
                    row = {"class": name, **(run_row(eng, server, "ok", extra, n) if quick else run_interview(eng, server, "ok", extra)), "fault": "refused"}
                    eng.close()
                    eng = engine(server.base_url)
                    eng.warm(CASE)
                else:
                    row = {"class": name, **(run_row(eng, server, fault, extra, n) if quick else run_interview(eng, server, fault, extra))}
                row["esc_on_disk"] = raw_escapes_on_disk(home)
                rows.append(row)
                print(json.dumps(row), file=sys.stderr, flush=True)
        finally:
            eng.close()
            del dead
    if "--json" in sys.argv:
        print(json.dumps(rows, indent=2))
        return
    if not quick:
        print(
            "| fault | whole interview (s) | full scorecard | turns | longest turn (s) | model calls | HTTP requests | fallbacks | notices | breaker trips | raw ESC stored |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        for r in rows:
            esc = r["esc_in_transcript"] + len(r["esc_on_disk"])
            print(
                f"| {r['class']} | {r['interview_s']:.1f} | {'yes' if r['full_scorecard'] else 'NO'} | {r['turns']} | {r['longest_turn_s']:.1f} | "
                f"{r['model_calls']} | {r['http_requests']} | {r['fallbacks']} | {r['notices']} | {r['breaker_trips']} | {esc} |"
            )
        print(f"\ntotal {sum(r['interview_s'] for r in rows):.0f} s for {len(rows)} interviews")
        return
    print(f"| fault | interview: start + {n} answers (s) | first reply or notice, answer 1 (s) | each turn (s) | every turn answered | breaker | model calls | raw ESC stored |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        esc = r["esc_in_transcript"] + len(r["esc_on_disk"])
        print(
            f"| {r['class']} | {r['interview_s']:.1f} | {r['first_seen_s'][0]:.1f} | {' · '.join(f'{x:.1f}' for x in r['turn_s'])} | "
            f"{'yes' if r['continues'] else 'NO'} | {'open' if r['breaker_open'] else 'closed'} | {r['model_calls']} | {esc} |"
        )


if __name__ == "__main__":
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    main()
