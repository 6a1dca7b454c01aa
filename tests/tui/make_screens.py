"""Copy the 80x24 snapshot baselines into docs/screens/ under readable names (the README lists them).

    python tests/tui/make_screens.py

The pictures are the SVG baselines of tests/tui/test_snapshots.py (regenerate those first with
`pytest tests/tui/test_snapshots.py --snapshot-update`); test_screens_match_the_snapshots keeps the
copies identical to them.
"""
from __future__ import annotations

import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
SNAPSHOTS = HERE / "__snapshots__" / "test_snapshots"
SCREENS = HERE.parents[1] / "docs" / "screens"

# docs/screens/NAME.svg <- the snapshot test that draws it, and what it shows
SHOTS: dict[str, tuple[str, str]] = {
    "setup": ("test_setup_screen", "choosing a case (filtered by typing), level, persona, length and brain; unfinished interviews to resume"),
    "interview": ("test_interview_screen", "a resumed interview: clock, phase tracker, the case above the last question, `/` command hints"),
    "why-this-question": ("test_why_this_question", "F4 during the interview: the criterion and the note behind the last follow-up, rendered"),
    "scorecard-summary": ("test_scorecard_screen", "the scorecard's Summary tab: hire signal, level, a bar and trend per phase, strengths"),
    "scorecard-criteria": ("test_scorecard_criteria_tab", "the Criteria tab: full criterion names, each score with the quotes behind it"),
    "study-note": ("test_scorecard_study_note", "a note to study opened from the Study tab, as Markdown (←→ to the next note)"),
    "history": ("test_history_screen", "past interviews, session ids whole: the highlighted interview's phase profile against the earlier ones (↑↓ picks another), the trend per phase"),
    "help": ("test_help_screen", "F1: every key"),
}
SIZE = "80x24"


def source(test: str) -> Path:
    return SNAPSHOTS / f"{test}[{SIZE}].svg"


def main() -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    for name, (test, _what) in SHOTS.items():
        shutil.copyfile(source(test), SCREENS / f"{name}.svg")
        print(f"docs/screens/{name}.svg")


if __name__ == "__main__":
    main()
