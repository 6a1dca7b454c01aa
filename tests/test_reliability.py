"""Nothing typed is lost (issue 12): a line is checkpointed before it is reported sent, a failed step is
replayed with its line, an index problem reaches the candidate as a notice, and checkpoints are compacted."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from engine_support import fresh_home, settings_for
from langgraph.checkpoint.sqlite import SqliteSaver

from interviewer.brains import OfflineBrain
from interviewer.clock import VirtualClock
from interviewer.events import Message, Notice, Saved, Token
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
