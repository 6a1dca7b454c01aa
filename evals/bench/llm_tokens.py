"""LLM calls and prompt tokens for one full simulated interview with the LLM brain.

Runs against the local fake OpenAI-compatible server from the tests (no network), with the strong
scripted candidate, and compares the prompt tokens sent with what the same calls would cost if
each carried the whole transcript instead of a rolling summary plus the last six turns.
Run: python evals/bench/llm_tokens.py [--case ID]. Prints one JSON line."""
from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

from fake_openai import FakeOpenAI

from interviewer.content import library
from interviewer.llm import estimate_tokens
from interviewer.session import Engine
from interviewer.settings import Settings
from interviewer.simulate import ScriptedCandidate, result, run


def main() -> None:
    case = sys.argv[sys.argv.index("--case") + 1] if "--case" in sys.argv else "video-recommendation"
    with tempfile.TemporaryDirectory() as home, FakeOpenAI() as fake:
        eng = Engine(Settings(home=Path(home), openai_base_url=fake.base_url, openai_api_key="sk-local", brain="llm", model="fake"))
        r = result(run(eng, case, ScriptedCandidate.from_script(library().script("strong")), brain="llm"))
        calls = eng.llm_client().usage.calls
        sent = sum(estimate_tokens(json.dumps(q.body["messages"])) for q in fake.chat_requests)
        extra = 0
        tr = r["transcript"]
        for i, t in enumerate(tr):
            if t["role"] != "candidate":
                continue
            upto = tr[: i + 1]
            full = sum(estimate_tokens(x["text"]) + 4 for x in upto)
            window = sum(estimate_tokens(x["text"]) + 4 for x in upto[-6:])
            extra += 2 * (full - window)  # up to two calls per turn would each carry it
        out = {
            "case": case,
            "candidate_turns": sum(1 for t in tr if t["role"] == "candidate"),
            "llm_calls": len(calls),
            "streamed_lines": sum(1 for c in calls if c.kind == "stream"),
            "structured_calls": sum(1 for c in calls if c.kind == "structured"),
            "prompt_tokens_sent_est": sent,
            "prompt_tokens_full_history_est": sent + extra,
        }
        eng.close()
    print(json.dumps(out))


if __name__ == "__main__":
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    main()
