"""Shared fixtures: one MLSD_HOME with a built knowledge index for the whole TUI test run.

Building the index (embedding every note) takes ~20 s on a small machine, so it happens once per
session (tests/engine_support.py: the same build the engine, CLI and index tests use, copied here);
each test then points MLSD_HOME at this home with monkeypatch.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Iterator

import pytest
from engine_support import built_index, copy_built  # tests/ is on sys.path (tests/conftest.py)


def _isolate(mp: pytest.MonkeyPatch, home: Path) -> None:
    mp.setenv("MLSD_HOME", str(home))
    mp.setenv("MLSD_CONFIG", str(home / "no-config.toml"))  # never the user's config file
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "MLSD_BRAIN", "MLSD_MODEL"):
        mp.delenv(var, raising=False)


@pytest.fixture(scope="session")
def built_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """An MLSD_HOME whose knowledge index is built and whose embedding model is loaded."""
    home = tmp_path_factory.mktemp("mlsd-home")
    copy_built(built_index(tmp_path_factory), home)
    with pytest.MonkeyPatch.context() as mp:
        _isolate(mp, home)
        from interviewer.session import Engine
        from interviewer.settings import Settings

        t0 = time.perf_counter()
        engine = Engine(Settings())
        assert engine.index.problem() is None, "the copied index is current"
        engine.index.ensure()
        engine.index.search("warm up", k=1)
        engine.close()
        print(f"\n[tui tests] knowledge index ready in {time.perf_counter() - t0:.1f}s at {home}")
    yield home


@pytest.fixture
def home(built_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    _isolate(monkeypatch, built_home)
    return built_home


@pytest.fixture
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A throwaway MLSD_HOME for tests that use the fake backend (no index needed)."""
    _isolate(monkeypatch, tmp_path)
    return tmp_path
