"""First paint of the TUI, headless: process start to the first screen mounted and rendered.

Run: python evals/bench/first_paint.py [--case ID]. Prints one JSON line. `mlsd bench` runs it in
a fresh process so that nothing is imported beforehand. (The real-terminal figure comes from
tests/tui/test_tmux.py, run with -s.)"""
from __future__ import annotations

import time

T0 = time.perf_counter()

import asyncio
import json
import sys


async def main() -> None:
    from tui.app import MlsdApp
    from tui.backend import InterviewRequest

    t_import = time.perf_counter() - T0
    case = sys.argv[sys.argv.index("--case") + 1] if "--case" in sys.argv else None
    app = MlsdApp(InterviewRequest(case=case, brain="offline"), live_clock=False, cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        t_paint = time.perf_counter() - T0
        heavy = sorted(m for m in ("torch", "sentence_transformers", "chromadb", "langgraph") if m in sys.modules)
        print(json.dumps({"import_s": round(t_import, 3), "first_paint_s": round(t_paint, 3), "screen": type(app.screen).__name__, "heavy_modules_loaded_at_paint": heavy}))
        app.exit()


asyncio.run(main())
