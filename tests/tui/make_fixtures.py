"""Regenerate the JSON fixtures behind the scorecard and interview snapshots.

    MLSD_HOME=/tmp/some-home python tests/tui/make_fixtures.py

Runs two scripted interviews on a virtual clock (so the second scorecard has a trend) and one
interview stopped in the data phase, and saves what the snapshot tests render. The snapshot
tests only read these files, so they stay stable when the engine's wording changes.
"""
from __future__ import annotations

import json
from pathlib import Path

from interviewer.clock import VirtualClock
from interviewer.session import Engine, Session
from interviewer.settings import Settings
from interviewer.simulate import ScriptedCandidate, run

HERE = Path(__file__).resolve().parent / "fixtures"
CASE = "video-recommendation"


def main() -> None:
    engine = Engine(Settings(brain="offline"))
    lib = engine.lib
    run(engine, CASE, ScriptedCandidate.from_script(lib.script("average", CASE)), session_id="20250301-090000-avg001")
    s = run(engine, CASE, ScriptedCandidate.from_script(lib.script("strong", CASE)), session_id="20250308-090000-str001")
    card = s.finished_card or s.scorecard()
    (HERE / "scorecard.json").write_text(json.dumps(card.model_dump(), indent=2, ensure_ascii=False) + "\n")

    # an interview under way: a clarifying question, answers, a hint, stopped in the data phase
    script = ScriptedCandidate.from_script(lib.script("average", CASE))
    live = Session.start(engine, CASE, minutes=45, brain="offline", clock=VirtualClock(), session_id="20250315-090000-live01")
    live.send("How many daily active users are there, and how many videos?")
    while live.phase != "data":
        live.send(script.next_line(live.state))
    live.send("/hint")
    live.send(script.next_line(live.state))
    st = live.state
    keep = ("session_id", "case_id", "level", "persona", "minutes", "phases", "phase_i", "phase_start", "elapsed", "transcript",
            "follow_ups", "phase_minutes", "hints", "status")
    payload = {"id": live.id, "brain": live.brain_kind, "state": {k: st[k] for k in keep if k in st}, "budgets": live.budgets()}
    (HERE / "interview_state.json").write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    engine.close()
    print("wrote", HERE / "scorecard.json", HERE / "interview_state.json")


if __name__ == "__main__":
    main()
