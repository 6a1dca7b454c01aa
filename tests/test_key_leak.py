"""A planted API key never lands on disk (issue 12), whichever way it arrives (environment variable, config
file, or a value handed to Settings as a command-line flag would) and however the endpoint echoes it back:
in an error body (HTTP 418 and 401 echoing the bearer token), in a streamed reply, in the strings of a
structured reply (grader rationales, evidence). Every file under MLSD_HOME is searched byte for byte:
the checkpoints (with their WAL), the session database, the scorecard exports, and any log file."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from engine_support import fresh_home
from fake_openai import FakeOpenAI, default_responder

from interviewer.clock import VirtualClock
from interviewer.events import Message, Notice
from interviewer.session import Engine, Session
from interviewer.settings import Settings

KEY = "sk-proj-PLANTEDkey-" + "7c1d9e5f3a2b4c6d" * 2
# the environment path runs with the fast tests; the other two differ only in how Settings gets the key
ARRIVALS = ("env", pytest.param("config", marks=pytest.mark.slow), pytest.param("flag", marks=pytest.mark.slow))


def leaky(request: dict) -> str:
    """A model that repeats the key: in every string of a structured reply, and inside a chat reply."""
    text = default_responder(request)
    if text.startswith("{"):
        return re.sub(r'"(x+)"', lambda m: json.dumps(f"{m.group(1)} as you said, {KEY}"), text)
    return f"Noted. By the way, your key is {KEY}; now, what is the scale?"


def _settings(arrival: str, home: Path, base_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Settings:
    monkeypatch.setenv("MLSD_BRAIN", "llm")
    if arrival == "env":
        monkeypatch.setenv("OPENAI_API_KEY", KEY)
        monkeypatch.setenv("OPENAI_BASE_URL", base_url)
        return Settings(home=home)
    if arrival == "config":
        cfg = tmp_path / "config.toml"
        cfg.write_text(f'openai_api_key = "{KEY}"\nopenai_base_url = "{base_url}"\nmodel = "fake"\n')
        monkeypatch.setenv("MLSD_CONFIG", str(cfg))
        return Settings(home=home)
    # mlsd has no key flag (a flag shows in `ps` and shell history); a front end that took one would hand it to Settings
    return Settings(home=home, openai_api_key=KEY, openai_base_url=base_url)


def _files_with(home: Path, needle: bytes) -> list[str]:
    return sorted(str(p.relative_to(home)) for p in home.rglob("*") if p.is_file() and needle in p.read_bytes())


@pytest.mark.parametrize("arrival", ARRIVALS)
def test_a_planted_key_is_in_no_file_under_the_data_folder(arrival, tmp_path, tmp_path_factory, monkeypatch):
    home = fresh_home(tmp_path, tmp_path_factory, monkeypatch)
    events: list = []
    with FakeOpenAI(responder=leaky) as server:
        settings = _settings(arrival, home, server.base_url, monkeypatch, tmp_path)
        assert settings.secrets() == [KEY] and settings.resolved_brain() == "llm"
        eng = Engine(settings)
        try:
            # 1: replies and structured strings repeat the key; then two errors echo it (418 with escape codes)
            server.add_faults(*(["ok"] * 4 + ["echo_error"] * 2 + ["ok"] * 200))
            s = Session.start(eng, "news-feed", brain="llm", minutes=20, clock=VirtualClock(), on_event=events.append)
            s.send("How many daily active users are there?")
            s.send(f"Here is my key, {KEY}, use it if you need it. I assume 300 million users and 200 ms at p99.")
            s.send("I would frame it as ranking posts by predicted meaningful interactions.")
            s.send("/end")
            assert s.finished and s.finished_card is not None
            assert server.chat_requests, "the endpoint was never called"
            # 2: a 401 whose message echoes the key opens the breaker
            server.reset()
            server.responder = leaky
            server.add_faults(*(["401"] * 50))
            eng.llm_client().reset_breaker()
            s2 = Session.start(eng, "news-feed", brain="llm", minutes=20, clock=VirtualClock(), on_event=events.append)
            s2.send("I would start from the business goal: long-term engagement.")
            s2.send("/end")
            assert eng.llm_client().breaker_open
        finally:
            eng.close()
    # the echoes reached the engine, and were cut there
    said = [e.turn["text"] for e in events if isinstance(e, Message)] + [e.text for e in events if isinstance(e, Notice)]
    assert any("[redacted]" in t for t in said), "the endpoint's echo never came through: the test proves nothing"
    assert not [t for t in said if KEY in t], "the key reached the screen"
    assert any(isinstance(e, Notice) and "refused" in e.text for e in events), "no notice for the refused key"
    assert list((home / "reports").glob("*.md")) and list((home / "reports").glob("*.json"))
    assert _files_with(home, KEY.encode()) == []
    # and no file holds a long piece of it (a key cut in half by a cap is still a leak)
    assert _files_with(home, KEY[4:24].encode()) == []


def test_the_index_is_opened_before_any_endpoint_call(tmp_path, tmp_path_factory, monkeypatch):
    """Chroma rewrites its vector files when a process first opens them, and that write can carry stray
    bytes of the process's memory (a full-suite run found an endpoint's 418 body, key included, in
    `data_level0.bin`). So a session opens the index before its first model call, when no reply is in memory."""
    home = fresh_home(tmp_path, tmp_path_factory, monkeypatch)
    order: list[str] = []

    def responder(request: dict) -> str:
        order.append("endpoint")
        return default_responder(request)

    with FakeOpenAI(responder=responder) as server:
        eng = Engine(_settings("env", home, server.base_url, monkeypatch, tmp_path))
        opened = eng.index.ensure
        monkeypatch.setattr(eng.index, "ensure", lambda *a, **k: (order.append("index"), opened(*a, **k))[1])
        try:
            s = Session.start(eng, "news-feed", brain="llm", minutes=20, clock=VirtualClock())
            s.send("How many daily active users are there?")
            s.send("I would frame it as ranking posts by predicted meaningful interactions.")
        finally:
            eng.close()
    assert "endpoint" in order, "no model call was made: the test proves nothing"
    assert "index" in order and order.index("index") < order.index("endpoint"), order
