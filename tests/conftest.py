"""Shared pytest fixtures. Keep each fixture small and documented; module-specific ones live in their test module."""
from __future__ import annotations

import os
import sys

# Before torch is imported (here or in a process a test starts, which inherits this): OpenMP threads that
# wait for work sleep instead of spinning. On a loaded 2-core machine (CI, other jobs beside the tests,
# the SIGKILL tests' own busy loops) spinning threads made one embedding call ~15 times slower (0.45 s
# instead of 30 ms per short line at load average 6). Same thread count, same results; only the waiting.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
if str(TESTS) not in sys.path:  # so test modules can `import fake_openai` however pytest is invoked
    sys.path.insert(0, str(TESTS))

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
