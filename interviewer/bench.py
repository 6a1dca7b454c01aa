"""Benchmarks (`mlsd bench`): figures for the README, as JSON. Timings are reported, never asserted."""
from __future__ import annotations

import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from .content import library
from .domain import Phase


def _pct(xs: list[float]) -> dict[str, float]:
    return {"p50": round(float(np.percentile(xs, 50)) * 1000, 2), "p95": round(float(np.percentile(xs, 95)) * 1000, 2), "n": len(xs)}


def run_bench(cases: tuple[str, ...] = ("video-recommendation", "payment-fraud-detection", "news-feed")) -> dict[str, Any]:
    from .embeddings import Embedder, get_model
    from .evals import load_recorded
    from .grading import Grader
    from .graph import authored_texts
    from .knowledge import KnowledgeIndex
    from .session import Engine
    from .settings import Settings
    from .simulate import ScriptedCandidate, run

    lib = library()
    out: dict[str, Any] = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version()}}
    t = time.perf_counter()
    get_model()
    out["model_load_s"] = round(time.perf_counter() - t, 3)
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        idx = KnowledgeIndex(home, lib)
        cold = idx.build()
        warm = KnowledgeIndex(home, lib).build()
        out["index_build"] = {"cold_s": round(cold["seconds"], 3), "warm_s": round(warm["seconds"], 4), "chunks": cold["chunks"], "warm_embedded": warm["embedded"]}
        lat = []
        for q in ("feature store with batch and streaming", "how to detect drift", "negative sampling", "A/B test power", "cold start for new items", "redis real-time features"):
            for ph in (None, Phase.DATA, Phase.DEPLOY):
                t = time.perf_counter()
                idx.search(q, phase=ph, k=5)
                lat.append(time.perf_counter() - t)
        out["retrieval_ms"] = _pct(lat)
        eng = Engine(Settings(home=home, brain="offline"))
        # the interviewer's authored text embedded ahead, as the TUI's warm-up does: once per install (cold),
        # then read back at each start (warm)
        cold_v = eng.preload_vectors()
        warm_v = Embedder().preload(authored_texts(lib, eng.bank), home)
        out["authored_vectors"] = {"cold_s": round(cold_v["seconds"], 3), "warm_s": round(warm_v["seconds"], 4), "texts": cold_v["texts"], "warm_status": warm_v["status"]}
        eng.warm("video-recommendation")
        turn_times: list[float] = []
        card_times: list[float] = []
        for case in cases:
            s = run(
                eng,
                case,
                ScriptedCandidate.from_script(lib.script("strong")),
                brain="offline",
                on_turn=None,
            )
            card_times.append(s.scorecard_seconds or 0.0)
        # per-turn overhead: replay one interview turn by turn and time each send
        from .clock import VirtualClock
        from .session import Session

        script = ScriptedCandidate.from_script(lib.script("average"))
        s = Session.start(eng, "video-recommendation", brain="offline", clock=VirtualClock())
        while not s.finished:
            line = script.next_line(s.state)
            t = time.perf_counter()
            s.send(line)
            turn_times.append(time.perf_counter() - t)
        out["turn_overhead_ms"] = _pct(turn_times[:-1])  # the last turn also builds the scorecard
        out["scorecard_after_last_answer_s"] = {"max": round(max(card_times), 3), "mean": round(sum(card_times) / len(card_times), 3)}
        items = load_recorded(lib)[:60]
        g = Grader(lib, "offline")
        t = time.perf_counter()
        for it in items:
            g.grade(it.phase, it.case, it.answer)
        out["grading_answers_per_s"] = round(len(items) / (time.perf_counter() - t), 2)
        eng.close()
    return out
