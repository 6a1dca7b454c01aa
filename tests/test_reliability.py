"""Nothing typed is lost (issue 12): a line is checkpointed before it is reported sent, a failed step is
replayed with its line, an index problem reaches the candidate as a notice, and checkpoints are compacted."""
from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from engine_support import fresh_home, settings_for
from fake_openai import CHAT_REPLY, FakeOpenAI
from langgraph.checkpoint.sqlite import SqliteSaver

from interviewer.brains import OfflineBrain
from interviewer.clock import VirtualClock
from interviewer.events import Message, Notice, Reset, Saved, Token
from interviewer.session import KEEP_CHECKPOINTS, Engine, Session

CASE = "news-feed"
LINES = [
    "How many daily active users does the feed serve?",
    "The goal is long-term engagement; I assume hundreds of millions of users and a latency budget of 200 ms.",
    "I frame it as ranking posts by the probability of a meaningful interaction, with retrieval then ranking.",
    "Training data comes from impression logs with labels for clicks, likes, comments and hides, split by time.",
    "A two-tower retrieval model then a multi-task ranking network, with a popularity baseline first.",
    "Offline I use nDCG and calibration, online an A/B test on sessions and retention with guardrails.",
]


def _saved_transcript(home: Path, sid: str) -> list[dict]:
    """The latest checkpoint of `sid`, read on a connection of its own (what a restarted process would see)."""
    conn = sqlite3.connect(home / "checkpoints.sqlite")
    try:
        saver = SqliteSaver(conn)
        saver.is_setup = True  # read only
        tup = saver.get_tuple({"configurable": {"thread_id": sid}})
        return list(tup.checkpoint["channel_values"].get("transcript", [])) if tup else []
    finally:
        conn.close()


def _candidate(transcript: list[dict]) -> list[str]:
    return [t["text"] for t in transcript if t["role"] == "candidate"]


@pytest.fixture
def home(tmp_path, tmp_path_factory, monkeypatch) -> Path:
    return fresh_home(tmp_path, tmp_path_factory, monkeypatch)


def test_a_line_is_checkpointed_before_it_is_reported_saved_and_before_the_reply(home):
    eng = Engine(settings_for(home))
    seen: list[tuple[str, list[str]]] = []

    def on_event(ev):
        if isinstance(ev, Saved):
            seen.append(("saved", _candidate(_saved_transcript(home, s.id))))
        elif isinstance(ev, (Token, Message)):
            seen.append(("reply", []))

    try:
        s = Session.start(eng, CASE, brain="offline", clock=VirtualClock())
        seen.clear()
        s.on_event = on_event
        for line in LINES[:2]:
            seen.clear()
            s.send(line)
            kinds = [k for k, _ in seen]
            assert kinds.count("saved") == 1, kinds
            assert kinds.index("saved") < kinds.index("reply"), "the line was reported saved after the reply began"
            on_disk = next(v for k, v in seen if k == "saved")
            assert on_disk and on_disk[-1] == line, "Saved came before the checkpoint held the line"
    finally:
        eng.close()


def test_a_failed_step_keeps_the_line_and_the_next_send_replays_it(home, monkeypatch):
    eng = Engine(settings_for(home))
    real = OfflineBrain.follow_up
    calls = {"n": 0}

    def flaky(self, req, on_token=None, on_reset=None):
        calls["n"] += 1
        if calls["n"] == 1:
            raise ConnectionError("the endpoint went away mid-turn")
        return real(self, req, on_token, on_reset)

    try:
        s = Session.start(eng, CASE, brain="offline", clock=VirtualClock())
        s.send(LINES[0])  # a clarifying question: answered from the facts, no follow-up
        monkeypatch.setattr(OfflineBrain, "follow_up", flaky)
        with pytest.raises(ConnectionError):
            s.send(LINES[1])
        # the line is in the checkpoint and the step is marked as cut short
        assert _candidate(_saved_transcript(home, s.id))[-1] == LINES[1]
        assert s.pending
        n_before = len(s.transcript)
        s.send(LINES[2])  # replays the failed step (LINES[1] is answered), then takes the new line
        tr = s.transcript
        assert _candidate(tr) == LINES[:3], "a line was lost or doubled"
        i1 = next(i for i, t in enumerate(tr) if t["text"] == LINES[1])
        i2 = next(i for i, t in enumerate(tr) if t["text"] == LINES[2])
        assert any(t["role"] == "interviewer" for t in tr[i1 + 1 : i2]), "the failed step was not replayed before the next line"
        assert len(tr) > n_before and not s.pending
    finally:
        eng.close()


def test_a_failed_step_is_replayed_on_resume_in_a_new_process(home, monkeypatch):
    eng = Engine(settings_for(home))
    try:
        s = Session.start(eng, CASE, brain="offline", clock=VirtualClock())
        s.send(LINES[0])

        def broken(self, req, on_token=None, on_reset=None):
            raise ConnectionError("reset by peer")

        monkeypatch.setattr(OfflineBrain, "follow_up", broken)
        with pytest.raises(ConnectionError):
            s.send(LINES[1])
        sid = s.id
    finally:
        eng.close()
    monkeypatch.undo()
    fresh_home_env(monkeypatch, home)
    eng2 = Engine(settings_for(home))  # a new engine on the same files: as after a restart
    try:
        r = Session.resume(eng2, sid, clock=VirtualClock())
        tr = r.transcript
        assert _candidate(tr) == LINES[:2]
        assert tr[-1]["role"] == "interviewer", "resume did not answer the saved line"
        assert not r.pending
        r.send(LINES[2])
        assert _candidate(r.transcript) == LINES[:3]
    finally:
        eng2.close()


def fresh_home_env(monkeypatch, home: Path) -> None:
    monkeypatch.setenv("MLSD_HOME", str(home))
    monkeypatch.setenv("MLSD_CONFIG", str(home / "no-config.toml"))
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "MLSD_BRAIN", "MLSD_MODEL"):
        monkeypatch.delenv(var, raising=False)


def test_an_index_problem_reaches_the_candidate_as_one_notice(home, monkeypatch):
    eng = Engine(settings_for(home))
    events: list = []
    try:
        s = Session.start(eng, CASE, brain="offline", clock=VirtualClock(), on_event=events.append)
        s.send(LINES[0])
        assert not [e for e in events if isinstance(e, Notice) and e.kind == "index"]

        def broken(*_a, **_k):
            raise sqlite3.DatabaseError("database disk image is malformed")

        # queries fail and the repair fails too: `search` returns nothing and says why in last_error
        monkeypatch.setattr(eng.index, "_query", broken)
        monkeypatch.setattr(eng.index, "build", broken)
        for line in LINES[1:5]:
            s.send(line)
        notices = [e for e in events if isinstance(e, Notice) and e.kind == "index"]
        assert len(notices) == 1, notices
        assert "knowledge index" in notices[0].text and "malformed" in notices[0].text
        assert [n for n in s.state["notices"] if n["kind"] == "index"], "the notice is not in the state's history"
        assert len(_candidate(s.transcript)) == 5, "a turn was lost to the index failure"
        assert any(notices[0].text == n for n in s.scorecard().notices)
    finally:
        eng.close()


def _cp_stats(home: Path, sid: str) -> tuple[int, int]:
    with sqlite3.connect(home / "checkpoints.sqlite") as db:
        n = db.execute("SELECT count(*) FROM checkpoints WHERE thread_id=?", (sid,)).fetchone()[0]
    size = sum(p.stat().st_size for p in home.glob("checkpoints.sqlite*"))
    return n, size


def _drive(eng: Engine, sid: str) -> None:
    s = Session.start(eng, CASE, brain="offline", clock=VirtualClock(), session_id=sid)
    for line in LINES:
        s.send(line)


def test_checkpoints_are_compacted_and_resume_still_works(tmp_path, tmp_path_factory, monkeypatch):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    home = fresh_home(tmp_path / "a", tmp_path_factory, monkeypatch)
    eng = Engine(settings_for(home))
    try:
        _drive(eng, "compacted")
    finally:
        eng.close()
    n, size = _cp_stats(home, "compacted")
    assert n <= KEEP_CHECKPOINTS

    legacy = fresh_home(tmp_path / "b", tmp_path_factory, monkeypatch)
    eng = Engine(settings_for(legacy), compaction=False)  # what every version before compaction did
    try:
        _drive(eng, "legacy")
    finally:
        eng.close()
    n_legacy, size_legacy = _cp_stats(legacy, "legacy")
    assert n_legacy > 5 * KEEP_CHECKPOINTS
    assert size < size_legacy

    # an old file is compacted once when a new engine opens it; both resume where they were
    for h, sid in ((home, "compacted"), (legacy, "legacy")):
        fresh_home_env(monkeypatch, h)
        eng = Engine(settings_for(h))
        try:
            assert _cp_stats(h, sid)[0] <= KEEP_CHECKPOINTS
            r = Session.resume(eng, sid, clock=VirtualClock())
            assert _candidate(r.transcript) == LINES
            r.send("I would monitor drift and latency.")
            assert _candidate(r.transcript)[-1] == "I would monitor drift and latency."
        finally:
            eng.close()
        with sqlite3.connect(h / "checkpoints.sqlite") as db:
            assert db.execute("PRAGMA auto_vacuum").fetchone()[0] == 2  # incremental: freed pages go back
    assert _cp_stats(legacy, "legacy")[1] < size_legacy


IDLE = 0.3  # the test's stream idle timeout (seconds); the call budget is far longer
BUDGET = 6.0
MAX_FAILURES = 3


def test_a_stream_that_always_stalls_takes_the_session_offline_after_n_turns(home, fake_openai: FakeOpenAI):
    """The endpoint serves every structured call but stalls every streamed reply after a few pieces.
    Each stall costs the idle timeout, not the call's budget; the third in a row opens the breaker (the
    assessments that succeed in between do not break the run), one notice says the rest runs offline,
    later turns make no request at all, and no partial line is kept: each is replaced by the offline one."""
    fake_openai.slow_seconds = 60.0  # the stall; stopping the server wakes it
    fake_openai.add_faults(*["stall_stream"] * 1000)
    settings = settings_for(
        home, openai_base_url=fake_openai.base_url, openai_api_key="sk-test-stall-0000000000", brain="llm", model="fake-model",
        llm_timeout=BUDGET, llm_retries=1, llm_backoff=0.01, llm_idle_timeout=IDLE, llm_max_failures=MAX_FAILURES,
    )
    eng = Engine(settings)
    events: list = []
    try:
        eng.warm(CASE)  # the embedding model and the index loaded, so a turn's wall time is the turn's own
        s = Session.start(eng, CASE, brain="llm", clock=VirtualClock(), on_event=events.append)
        client = eng.llm_client()
        turns: list[tuple[float, int]] = []  # (seconds, requests so far) per answer
        opened_at = None
        for i, line in enumerate(LINES[1:]):
            t0 = time.monotonic()
            s.send(line)
            turns.append((time.monotonic() - t0, len(fake_openai.chat_requests)))
            if opened_at is None and client.breaker_open:
                opened_at = i
        assert opened_at == MAX_FAILURES - 1, "the breaker did not open on the third stalled turn"
        stalls = [r for r in fake_openai.chat_requests if r.body.get("stream")]
        assert len(stalls) == MAX_FAILURES, [r.body.get("stream") for r in fake_openai.chat_requests]
        assert all(r.chunks >= 1 for r in stalls), "each stalled reply had begun"
        # each stall cost the idle timeout, nowhere near the call's budget; so did the stalled turns
        stream_calls = [c for c in client.usage.calls if c.kind == "stream"]
        assert [c.ok for c in stream_calls] == [False] * MAX_FAILURES
        assert all(IDLE * 0.9 <= c.seconds < IDLE + 2.0 for c in stream_calls), [c.seconds for c in stream_calls]
        stalled_turns = sum(sec for sec, _ in turns[:MAX_FAILURES])
        assert stalled_turns < MAX_FAILURES * IDLE + 10.0 < MAX_FAILURES * BUDGET, stalled_turns
        # once open: no request at all
        after = turns[opened_at:]
        assert len(after) >= 2
        assert {n for _, n in after} == {turns[opened_at][1]}, "a turn after the breaker opened made a model call"
        assert client.trips == 1 and "3 streamed replies in a row" in client.breaker_reason
        # one notice for the breaker; before it, one notice per stalled turn that fell back
        notices = [n["text"] for n in s.state["notices"] if n["kind"] == "fallback"]
        assert sum("Model calls are off" in n for n in notices) == 1, notices
        assert len(notices) == MAX_FAILURES, notices
        # partial lines: each stalled stream's tokens were withdrawn (Reset) and none was kept
        assert sum(isinstance(e, Reset) for e in events) >= MAX_FAILURES
        interviewer = [t["text"] for t in s.transcript if t["role"] == "interviewer"]
        begun = " ".join(CHAT_REPLY.split(" ")[:3])  # what the fake streams before it stalls
        assert not any(begun in t for t in interviewer), interviewer
        assert len(_candidate(s.transcript)) == len(LINES) - 1
        assert len(interviewer) >= len(LINES) - 1, "a turn went unanswered"
    finally:
        eng.close()
