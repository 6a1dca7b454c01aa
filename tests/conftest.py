"""Shared pytest fixtures. Keep each fixture small and documented; module-specific ones live in their test module."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
if str(TESTS) not in sys.path:  # so test modules can `import fake_openai` however pytest is invoked
    sys.path.insert(0, str(TESTS))

# importing the engine (here, via engine_support) sets OMP_WAIT_POLICY=PASSIVE before torch loads, and the
# processes tests start inherit it (`interviewer/__init__.py`)
from engine_support import Simulations
from fake_openai import FakeOpenAI


@pytest.fixture
def fake_openai():
    """A fresh local OpenAI-compatible server (tests/fake_openai.py); `.faults`, `.requests`, `.base_url`."""
    with FakeOpenAI() as server:
        yield server


@pytest.fixture(scope="session")
def simulations(tmp_path_factory: pytest.TempPathFactory):
    """Scripted offline interviews run once per test session and shared (tests/engine_support.py)."""
    sims = Simulations(tmp_path_factory)
    yield sims
    sims.close()
