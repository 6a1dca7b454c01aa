"""Size of the checkpoint file after simulated full interviews, with compaction (as shipped) and without.

Each interview is the average scripted candidate on a 45-minute virtual clock (offline brain). The size is
`checkpoints.sqlite` plus its WAL, measured after the engine is closed; rows are checkpoints and writes.

Run: python evals/bench/checkpoint_size.py [--interviews N] [--case ID]. Prints one JSON line.
Reuses the built index under $MLSD_HOME/index when there is one.
"""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from interviewer.content import library
from interviewer.session import Engine
from interviewer.settings import Settings
from interviewer.simulate import ScriptedCandidate, run


def measure(compaction: bool, n: int, case: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        src = Path(os.environ.get("MLSD_HOME", "")) / "index"
        if src.is_dir():
            shutil.copytree(src, home / "index")
        sizes = []
        t0 = time.perf_counter()
        for i in range(n):
            eng = Engine(Settings(home=home, brain="offline"), compaction=compaction)
            try:
                run(eng, case, ScriptedCandidate.from_script(library().script("average", case)), session_id=f"bench-{i}")
            finally:
                eng.close()
            sizes.append(sum(p.stat().st_size for p in home.glob("checkpoints.sqlite*")))
        with sqlite3.connect(home / "checkpoints.sqlite") as db:
            rows = db.execute("SELECT count(*) FROM checkpoints").fetchone()[0]
            writes = db.execute("SELECT count(*) FROM writes").fetchone()[0]
        return {"compaction": compaction, "bytes_after_each": sizes, "checkpoints": rows, "writes": writes, "seconds": round(time.perf_counter() - t0, 1)}


def main() -> None:
    n = int(sys.argv[sys.argv.index("--interviews") + 1]) if "--interviews" in sys.argv else 1
    case = sys.argv[sys.argv.index("--case") + 1] if "--case" in sys.argv else "news-feed"
    out = {"case": case, "interviews": n, "runs": [measure(True, n, case), measure(False, n, case)]}
    print(json.dumps(out))


if __name__ == "__main__":
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    main()
