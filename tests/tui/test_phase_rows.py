"""The scorecard's phase rows: a phase the interview never reached says so instead of showing a score."""
from __future__ import annotations

from rich.console import Console

from interviewer.grading import CriterionGrade
from interviewer.scorecard import Overall, PhaseCard, Scorecard, not_reached
from tui.screens.scorecard import phase_bars


def _card() -> Scorecard:
    said = CriterionGrade(id="ml-objective", score=3, evidence=["rank by watch time"], title="ML objective", phase="frame")
    blank = CriterionGrade(id="baseline", title="Baseline", phase="model")
    return Scorecard(
        session_id="s",
        case="video-recommendation",
        case_title="Video recommendation",
        overall=Overall(score=1.4, hire_signal="no hire", level="mid", confidence=0.1, confidence_label="low", target_level="senior"),
        phases=[
            PhaseCard(id="frame", title="Framing as an ML task", score=3.0, minutes=2.5, budget=5, criteria=[said]),
            PhaseCard(id="model", title="Model development", score=1.0, minutes=None, budget=9, criteria=[blank], reached=False),
        ],
    )


def test_a_phase_never_reached_reads_not_reached_and_shows_no_score() -> None:
    console = Console(width=100, record=True)
    console.print(phase_bars(_card()))
    lines = console.export_text().splitlines()
    frame = next(x for x in lines if x.startswith("Framing"))
    model = next(x for x in lines if x.startswith("Model development"))
    assert "3.00" in frame and not_reached() not in frame
    assert not_reached() in model and "1.00" not in model and "–/9m" in model
