"""The first `mlsd` on a fresh install, in a real terminal (tmux): start to the index progress, the
first paint, the first question and the warmed-up interviewer, on an empty MLSD_HOME.

Run: python evals/bench/first_run.py [--case ID] [--keep]. Needs tmux. Prints one JSON line. It
builds the notes index from scratch (minutes of CPU on a small machine), so it is not a test.
"""
from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def main() -> None:
    case = sys.argv[sys.argv.index("--case") + 1] if "--case" in sys.argv else "video-recommendation"
    if shutil.which("tmux") is None:
        sys.exit("tmux is not installed")
    tmp = Path(tempfile.mkdtemp(prefix="mlsd-first-run-"))
    home = tmp / "home"  # does not exist yet: a fresh install
    sock = tmp / "tmux.sock"
    tmux = ["tmux", "-S", str(sock)]
    env = f"MLSD_HOME={shlex.quote(str(home))} MLSD_CONFIG={shlex.quote(str(tmp / 'none.toml'))} HF_HUB_OFFLINE=1 TERM=xterm-256color"
    mlsd = f"{shlex.quote(sys.executable)} -c 'from tui.cli import main; main()'"
    command = f"cd {shlex.quote(str(REPO))} && env -u OPENAI_API_KEY -u OPENAI_BASE_URL -u MLSD_BRAIN {env} {mlsd} --case {case} --brain offline; sleep 30"

    def pane() -> str:
        p = subprocess.run([*tmux, "capture-pane", "-p", "-t", "mlsd"], capture_output=True, text=True)
        return p.stdout if p.returncode == 0 else ""

    def wait(pred, timeout: float) -> float | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if pred(" ".join(pane().split())):
                return time.monotonic()
            time.sleep(0.05)
        return None

    t0 = time.monotonic()
    subprocess.run([*tmux, "new-session", "-d", "-s", "mlsd", "-x", "100", "-y", "30", command], check=True)
    try:
        progress = wait(lambda p: re.search(r"embedding notes.*\d+/\d+", p) is not None, 120)
        paint = wait(lambda p: "clarify" in p and "monitor" in p, 900)
        asked = wait(lambda p: "Interviewer" in p and "clarifying" in p, 300)
        warm = wait(lambda p: "● your turn" in p and "warming" not in p, 300)
        subprocess.run([*tmux, "send-keys", "-t", "mlsd", "C-q"], capture_output=True)
    finally:
        subprocess.run([*tmux, "kill-server"], capture_output=True)
    manifest = home / "index" / "manifest.json"
    out = {
        "progress_shown_s": round(progress - t0, 2) if progress else None,
        "first_paint_s": round(paint - t0, 2) if paint else None,
        "first_question_s": round(asked - t0, 2) if asked else None,
        "warm_s": round(warm - t0, 2) if warm else None,
        "index_built": manifest.is_file(),
        "chunks": json.loads(manifest.read_text())["chunks"] if manifest.is_file() else None,
    }
    if "--keep" not in sys.argv:
        shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
