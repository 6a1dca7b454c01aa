"""Shared set-up for engine tests: one knowledge index built per test session, copied per test.

The shipped notes are embedded once per pytest run (tens of seconds of CPU): the engine tests, the CLI
tests, the index tests (`tests/test_index.py` reads this build's result) and the TUI tests
(`tests/tui/conftest.py`) all start from this one build."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from interviewer.concepts import concept_bank
from interviewer.content import library
from interviewer.embeddings import VECTORS_DIR, Embedder, embedder
from interviewer.graph import authored_texts
from interviewer.knowledge import KnowledgeIndex
from interviewer.settings import Settings

_BUILT: dict[str, Any] = {}


def built_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home with a built index, made once per test session. Tests copy its `index/` folder (or read it
    without rebuilding it); none writes into it."""
    if "home" not in _BUILT:
        home = tmp_path_factory.mktemp("built-home")
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("MLSD_HOME", str(home))
            mp.delenv("MLSD_CONTENT_DIR", raising=False)
            lib = library()
            before = Embedder.encode_calls
            result = KnowledgeIndex(home, lib).build()
            _BUILT.update(home=home, lib=lib, result=result, encoded=Embedder.encode_calls - before)
            # the interviewer's authored text embedded once too (what `Engine.warm` does on a first start):
            # fresh homes get a copy, so an app a test starts in another process reads it instead of encoding it
            embedder().preload(authored_texts(lib, concept_bank()), home)
    return _BUILT["home"]


def built_index_build(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """How the session's index was built: `home`, `lib`, the build's `result`, and `encoded` (texts sent to
    the embedding model during that build)."""
    built_index(tmp_path_factory)
    return dict(_BUILT)


def copy_built(src: Path, home: Path) -> None:
    """Copy a built home's index and authored-text vectors into `home` (made if absent)."""
    home.mkdir(parents=True, exist_ok=True)
    shutil.copytree(src / "index", home / "index")
    shutil.copytree(src / VECTORS_DIR, home / VECTORS_DIR)


def fresh_home(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private MLSD_HOME for one test, with a copy of the prebuilt index."""
    src = built_index(tmp_path_factory)
    home = tmp_path / "home"
    copy_built(src, home)
    monkeypatch.setenv("MLSD_HOME", str(home))
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "MLSD_BRAIN", "MLSD_MODEL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("MLSD_CONFIG", str(tmp_path / "no-config.toml"))
    return home


def settings_for(home: Path, **kw) -> Settings:
    return Settings(home=home, **kw)


def call_main(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    """Run `tui.cli.main` in this process with these arguments (the `mlsd` script's own top-level handler,
    without a subprocess's start-up cost): (exit code, stdout, stderr)."""
    import sys

    from tui import cli

    monkeypatch.setattr(sys, "argv", ["mlsd", *args])
    capsys.readouterr()
    try:
        cli.main()
        code = 0
    except SystemExit as e:
        code = int(e.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


# the cases the shared simulated interviews are on (the engine tests and the behaviour-suite test)
SIM_CASES = ["video-recommendation", "payment-fraud-detection", "delivery-time-estimation"]


class Simulations:
    """Scripted interviews on the offline brain (`simulate.run` on the virtual clock), each (case, persona)
    run at most once per test session on one engine and home, and shared: the engine tests and the
    behaviour-suite test read the same results (`simulate.result` dicts; callers must not change them)."""

    def __init__(self, tmp_path_factory: pytest.TempPathFactory) -> None:
        self._factory = tmp_path_factory
        self._engine: Any = None
        self._results: dict[tuple[str, str], dict[str, Any]] = {}

    @property
    def engine(self) -> Any:
        if self._engine is None:
            from interviewer.session import Engine

            with pytest.MonkeyPatch.context() as mp:
                home = fresh_home(self._factory.mktemp("sims"), self._factory, mp)
                self._engine = Engine(settings_for(home))
        return self._engine

    def result(self, case: str, persona: str) -> dict[str, Any]:
        key = (case, persona)
        if key not in self._results:
            from interviewer.simulate import ScriptedCandidate, result, run

            eng = self.engine
            with pytest.MonkeyPatch.context() as mp:
                mp.delenv("MLSD_SIM_PACE", raising=False)  # no pause between turns, whatever a test set
                self._results[key] = result(run(eng, case, ScriptedCandidate.from_script(eng.lib.script(persona, case))))
        return self._results[key]

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close()
            self._engine = None
