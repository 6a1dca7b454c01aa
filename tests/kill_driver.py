"""An interview process driven line by line on stdin, for the SIGKILL test (tests/test_kill_resume.py).

    python tests/kill_driver.py SESSION_ID CASE

Starts the session (or resumes it if it exists; a step cut short is finished then), prints
`STATE <json: the candidate lines so far>` and `READY`, then for each stdin line sends it and prints
`SAVED <text>` when the engine reports it checkpointed, `TOKEN` at the first streamed piece of the reply,
and `DONE` when the step is over. Settings come from the environment (MLSD_HOME, OPENAI_BASE_URL, ...).
"""
from __future__ import annotations

import json
import sys

from interviewer.clock import VirtualClock
from interviewer.events import Saved, Token
from interviewer.session import Engine, Session


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main() -> None:
    sid, case = sys.argv[1], sys.argv[2]
    eng = Engine()
    streamed = {"any": False}

    def on_event(ev: object) -> None:
        if isinstance(ev, Saved):
            say("SAVED " + json.dumps(ev.turn["text"]))
        elif isinstance(ev, Token) and not streamed["any"]:
            streamed["any"] = True
            say("TOKEN")

    if eng.store.get(sid):
        s = Session.resume(eng, sid, clock=VirtualClock(), on_event=on_event)
    else:
        s = Session.start(eng, case, brain="llm", minutes=45, clock=VirtualClock(), on_event=on_event, session_id=sid)
    say("STATE " + json.dumps([t["text"] for t in s.transcript if t["role"] == "candidate"]))
    say("READY")
    for raw in sys.stdin:
        text = json.loads(raw)
        streamed["any"] = False
        s.send(text)
        say("DONE")
    eng.close()


if __name__ == "__main__":
    main()
