"""The interview screen end to end, with the real engine and the offline brain (Pilot).

All tests share one MLSD_HOME whose knowledge index was built once (`built_home`).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from tui_support import wait_until

from tui.app import MlsdApp
from tui.backend import InterviewRequest
from tui.screens.history import HistoryScreen
from tui.screens.interview import FINISHED_PLACEHOLDER, InterviewScreen
from tui.screens.note import NoteScreen
from tui.screens.scorecard import ScorecardScreen
from tui.widgets.composer import Composer
from tui.widgets.conversation import CandidateLine, InterviewerLine
from tui.widgets.phase_tracker import PhaseTracker

CASE = "video-recommendation"
ANSWERS: dict[str, list[str]] = {
    "clarify": [
        "How many daily active users are there?",
        "The business goal is long-term satisfaction and retention, not raw clicks. I assume 300 million daily active users, "
        "a billion eligible videos, p99 latency under 200 ms, and implicit feedback logs such as watch time and likes.",
    ],
    "frame": [
        "I frame it as ranking: predict the probability that a user watches and enjoys a video, tied to satisfaction rather "
        "than clicks. Input is the user and context, output a ranked list, with a retrieval then ranking funnel."
    ],
    "data": [
        "Training data comes from impression logs with implicit labels such as watch time, likes and skips, plus survey labels. "
        "Features per user, video and context, embeddings, and time-based splits to avoid leakage, served from a feature store."
    ],
    "model": [
        "Baseline is popularity. Candidate generation with a two-tower model and collaborative filtering, then a ranking model, "
        "a multi-task network trained with negative sampling; cold start handled with content features."
    ],
    "evaluation": [
        "Offline metrics are recall at k for retrieval and nDCG and mAP for ranking, plus calibration. Online we A/B test watch "
        "time, satisfaction and retention, and check fairness across creators and languages."
    ],
    "deploy": [
        "Candidate generation uses an ANN index; ranking runs online on a model server with real-time features from Redis. "
        "Embeddings are precomputed in batch. Roll out with shadow, canary and then an A/B test, and autoscale."
    ],
    "monitor": [
        "Monitor data drift and concept drift, delayed labels, model metrics and system latency, with alerts and scheduled "
        "retraining. Watch feedback loops and honour privacy deletion requests under GDPR."
    ],
}
NOTHING = "I have nothing to add on this, let's move on."


def app_for(request: InterviewRequest, tmp_path: Path) -> MlsdApp:
    return MlsdApp(request, export_dir=tmp_path, cursor_blink=False)


async def opened(pilot: Pilot[Any]) -> InterviewScreen:
    screen = pilot.app.screen
    assert isinstance(screen, InterviewScreen)
    await wait_until(pilot, lambda: screen.session is not None, timeout=60, what="the session to open")
    await wait_until(pilot, lambda: len(screen.query(InterviewerLine)) > 0 and not screen.busy, what="the opening line")
    # a resumed transcript is mounted in one go: wait until every line has composed its body
    await wait_until(pilot, lambda: all(w.query(".body") for w in screen.query(CandidateLine)), what="the transcript")
    return screen


def engine_state(screen: InterviewScreen) -> dict[str, Any]:
    """The session's graph state, read by the test (the screen itself only sees `SessionView`)."""
    session = screen.session
    return session.state if session is not None else {}  # type: ignore[attr-defined]


def transcript(screen: InterviewScreen) -> list[dict[str, Any]]:
    return list(engine_state(screen).get("transcript", []))


async def say(pilot: Pilot[Any], screen: InterviewScreen, text: str) -> None:
    """Type a line into the answer box, press enter, wait for the interviewer's reply."""
    before = len(transcript(screen))
    composer = screen.query_one(Composer)
    composer.text = text
    composer.move_cursor(composer.document.end)
    await pilot.press("enter")
    await wait_until(pilot, lambda: len(transcript(screen)) > before + 1 and not screen.busy, timeout=90, what=f"a reply to {text[:30]!r}")
    await pilot.pause()


def candidate_texts(screen: InterviewScreen) -> list[str]:
    return [str(w.query_one(".body").render()) for w in screen.query(CandidateLine)]


async def test_full_interview_reaches_the_scorecard(home: Path, tmp_path: Path) -> None:
    app = app_for(InterviewRequest(case=CASE, brain="offline", minutes=10), tmp_path)
    notes: list[str] = []
    notify = app.notify
    app.notify = lambda message, **kw: (notes.append(str(message)), notify(message, **kw))[1]  # type: ignore[method-assign]
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await opened(pilot)
        assert screen.query_one(PhaseTracker).status_of("clarify") == "current"
        given: dict[str, int] = {}
        for _ in range(40):
            st = engine_state(screen)
            if st.get("status") == "finished":
                break
            phase = st["phases"][st["phase_i"]]
            lines = ANSWERS[phase]
            n = given.get(phase, 0)
            given[phase] = n + 1
            await say(pilot, screen, lines[n] if n < len(lines) else NOTHING)
        st = engine_state(screen)
        assert st["status"] == "finished"
        assert set(given) == set(ANSWERS), "every phase was visited"
        # the clarifying question was answered from the case facts
        assert "daily-active-users" in st["revealed"]
        # no permanent "probing" line under follow-ups
        assert not screen.query(".probe")
        await wait_until(pilot, lambda: isinstance(app.screen, ScorecardScreen), what="the scorecard screen")
        card = app.screen.card  # type: ignore[attr-defined]
        assert [p.id for p in card.phases] == list(ANSWERS)
        assert all(screen.query_one(PhaseTracker).status_of(p) == "done" for p in ANSWERS)

        # escape goes back to the transcript, F3 brings the scorecard back
        await pilot.press("escape")
        assert app.screen is screen
        # F4 says why the last follow-up was asked, with its note rendered in place
        assert screen.probe is not None and screen.probe.note
        await pilot.press("f4")
        await wait_until(pilot, lambda: isinstance(app.screen, NoteScreen) and bool(app.screen.notes), what="the why-this-question note")
        assert "Why this question?" in str(app.screen.lead) and app.screen.notes[0].ref == screen.probe.note
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen, what="the note to close")
        await pilot.press("f3")
        assert isinstance(app.screen, ScorecardScreen)

        # export keys write to the export folder and say where
        await pilot.press("m", "j")
        await pilot.pause()
        md, js = tmp_path / f"mlsd-{card.session_id}.md", tmp_path / f"mlsd-{card.session_id}.json"
        assert md.read_text().startswith("# Scorecard")
        assert '"hire_signal"' in js.read_text()
        assert any(str(md) in n for n in notes) and any(str(js) in n for n in notes)

        # history lists the finished interview and opens its scorecard from the saved report
        await pilot.press("f2")
        await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen) and card.session_id in app.screen.rows, what="history")
        table = app.screen.query_one("#sessions")
        table.move_cursor(row=table.get_row_index(card.session_id))  # type: ignore[attr-defined]
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ScorecardScreen) and len(app.screen_stack) > 4, what="the saved scorecard")
        assert app.screen.card.session_id == card.session_id  # type: ignore[attr-defined]


async def test_resume_after_quitting(home: Path, tmp_path: Path) -> None:
    first = app_for(InterviewRequest(case=CASE, brain="offline", minutes=10), tmp_path)
    async with first.run_test(size=(100, 32)) as pilot:
        screen = await opened(pilot)
        await say(pilot, screen, ANSWERS["clarify"][0])
        await say(pilot, screen, ANSWERS["clarify"][1])
        # the real engine reported both lines saved: none is still shown as "sending…"
        assert not screen.unsaved and not any(w.pending for w in screen.query(CandidateLine))
        sid = screen.session.id  # type: ignore[union-attr]
        said = transcript(screen)
        await pilot.press("ctrl+q")
    assert first.open_session_id == sid  # run_app prints the resume hint for it
    assert first.return_code == 0

    second = app_for(InterviewRequest(resume=sid), tmp_path)
    async with second.run_test(size=(100, 32)) as pilot:
        screen = await opened(pilot)
        assert screen.session.id == sid  # type: ignore[union-attr]
        # the earlier transcript is on screen
        shown = candidate_texts(screen)
        assert shown[:2] == [ANSWERS["clarify"][0], ANSWERS["clarify"][1]]
        interviewer = [w.markdown.source.strip() for w in screen.query(InterviewerLine)]
        assert interviewer == [t["text"] for t in said if t["role"] == "interviewer"]
        # and the interview continues where it was
        phase = engine_state(screen)["phases"][engine_state(screen)["phase_i"]]
        await say(pilot, screen, ANSWERS[phase][0] if phase != "clarify" else ANSWERS["frame"][0])
        after = transcript(screen)
        assert after[: len(said)] == said
        assert len(after) >= len(said) + 2 and after[-1]["role"] == "interviewer"


async def test_commands_hint_next_time_end(home: Path, tmp_path: Path) -> None:
    app = app_for(InterviewRequest(case=CASE, brain="offline", minutes=10), tmp_path)
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await opened(pilot)
        composer = screen.query_one(Composer)

        # typing "/" suggests the commands; tab completes
        await pilot.press("slash", "h")
        assert composer.suggestion == "int"
        assert screen.query_one("#command-hints").has_class("-active")
        await pilot.press("tab")
        assert composer.text == "/hint"
        before = len(transcript(screen))
        await pilot.press("enter")
        await wait_until(pilot, lambda: len(transcript(screen)) > before + 1 and not screen.busy, what="/hint")
        st = engine_state(screen)
        assert len(st["hints"]) == 1 and st["hints"][0]["phase"] == "clarify"
        assert st["transcript"][-1]["kind"] == "hint"

        await say(pilot, screen, "/time")
        assert engine_state(screen)["transcript"][-1]["kind"] == "time"

        await say(pilot, screen, "/next")
        st = engine_state(screen)
        assert st["phase_i"] == 1 and st["phases"][1] == "frame"
        tracker = screen.query_one(PhaseTracker)
        assert tracker.status_of("clarify") == "done" and tracker.status_of("frame") == "current"

        await say(pilot, screen, "/end")
        assert engine_state(screen)["status"] == "finished"
        assert engine_state(screen)["ended_by"] == "candidate"
        await wait_until(pilot, lambda: isinstance(app.screen, ScorecardScreen), what="the scorecard")
        # the session is closed for input now, and its box says so (it had still invited an answer)
        assert app.open_session_id is None
        assert screen.query_one(Composer).placeholder == FINISHED_PLACEHOLDER
        sid = screen.session.id  # type: ignore[union-attr]

    # resuming a finished interview shows its transcript and opens its scorecard
    again = app_for(InterviewRequest(resume=sid), tmp_path)
    async with again.run_test(size=(100, 32)) as pilot:
        await wait_until(pilot, lambda: isinstance(again.screen, ScorecardScreen), timeout=60, what="the saved scorecard")
        await pilot.pause()  # let the scorecard finish mounting before the app exits
        assert again.screen.card.session_id == sid  # type: ignore[attr-defined]
        assert "/end" in candidate_texts(again.screen_stack[-2])  # type: ignore[arg-type]


async def test_resume_of_an_unknown_session_says_so(home: Path, tmp_path: Path) -> None:
    app = app_for(InterviewRequest(resume="no-such-session"), tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, InterviewScreen)
        status = screen.query_one("#status")
        await wait_until(pilot, lambda: status.has_class("-error"), timeout=60, what="the error")
        assert "no session 'no-such-session'" in str(status.render())
        assert screen.session is None
