"""`mlsd report --format md|json|html`: Markdown with real PNGs beside it, one self-contained HTML file,
the history behind the pictures, and the text sparklines of the history screen."""
from __future__ import annotations

import base64
import json
import re
import struct
import time
from pathlib import Path

import pytest
from history_support import finished_session

from interviewer import report as R
from interviewer.domain import PHASES, Phase
from interviewer.store import Store

PNG_SIG = b"\x89PNG\r\n\x1a\n"
HOSTILE = 'we said <script>alert(1)</script> and [click](http://evil.example/x) ![pic](https://evil.example/p.png)'


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk; fails on anything that is not a PNG."""
    assert data[:8] == PNG_SIG, "not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.fixture
def home(tmp_path: Path, monkeypatch) -> Path:
    h = tmp_path / "home"
    h.mkdir()
    monkeypatch.setenv("MLSD_HOME", str(h))
    monkeypatch.setenv("MLSD_CONFIG", str(tmp_path / "none.toml"))
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "MLSD_BRAIN"):
        monkeypatch.delenv(var, raising=False)
    now = time.time()
    finished_session(h, "s1", lambda ph, i: 1, created=now - 3 * 86400)
    finished_session(h, "s2", lambda ph, i: 3, created=now - 2 * 86400)
    finished_session(h, "s3", lambda ph, i: [2, 4][i % 2], created=now - 86400, evidence=HOSTILE)
    finished_session(h, "sim", lambda ph, i: 4, created=now, kind="simulation")
    return h


def _invoke(*args: str):
    from typer.testing import CliRunner

    from tui.cli import app

    return CliRunner().invoke(app, list(args))


def test_history_means_earlier_interviews_of_the_same_kind(home: Path):
    from interviewer.scorecard import Scorecard

    card = Scorecard.model_validate_json((home / "reports" / "s3.json").read_text())
    store = Store(home)
    sessions = store.phase_scores("interview")
    store.db.close()
    assert [s[0] for s in sessions] == ["s1", "s2", "s3"], "simulations are not the candidate's history"
    h = R.history_for(card, sessions)
    for ph in PHASES:
        assert h.earlier[ph] == [sessions[0][2][ph], sessions[1][2][ph]]
        assert h.trend[ph] == [sessions[0][2][ph], sessions[1][2][ph], h.current[ph]]
    assert h.current[Phase.DATA] == pytest.approx(next(p.score for p in card.phases if p.id == Phase.DATA), abs=1e-3)
    first = Scorecard.model_validate_json((home / "reports" / "s1.json").read_text())
    assert R.history_for(first, sessions).earlier == {}, "the first interview has nothing before it"


def test_profile_text_puts_each_phase_beside_the_mean_of_earlier_interviews(home: Path):
    store = Store(home)
    sessions = store.phase_scores("interview")
    store.db.close()
    current, earlier = R.profile_of("s3", sessions)
    assert current == sessions[2][2] and earlier[Phase.DATA] == [sessions[0][2][Phase.DATA], sessions[1][2][Phase.DATA]]
    lines = R.profile_lines(current, earlier)
    assert len(lines) == len(PHASES)
    for ph, line in zip(PHASES, lines):
        mean = (sessions[0][2][ph] + sessions[1][2][ph]) / 2
        assert f"{current[ph]:.1f} vs {mean:.1f} (n=2) {current[ph] - mean:+.1f}" in line, line
        assert len(line) <= 38, "two panels side by side fit 80 columns"
    first = R.profile_lines(*R.profile_of("s1", sessions))
    assert first and not any(" vs " in line for line in first), "the first interview has nothing to compare with"
    assert R.profile_of("sim", sessions) == ({}, {}), "a simulation is not in the candidate's history"


def test_bar_grows_with_the_score_in_eighths():
    widths = [len(R.bar(v, 6).rstrip()) for v in (0.0, 1.0, 2.0, 3.0, 4.0)]
    assert widths == sorted(widths) and widths[0] == 0 and R.bar(4.0, 6) == "█" * 6
    assert len(R.bar(9.0, 6)) == 6 and len(R.bar(-1.0, 6)) == 6, "clamped to the scale, always the same width"
    assert R.bar(2.0, 6) == "███   " and R.bar(2.25, 6).startswith("███▍")


def test_report_md_writes_valid_pngs_beside_it(home: Path, tmp_path: Path):
    out = tmp_path / "out" / "s3.md"
    r = _invoke("report", "s3", "--format", "md", "--out", str(out))
    assert r.exit_code == 0, r.output
    md = out.read_text(encoding="utf-8")
    assert md.startswith("# Scorecard")
    links = re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", md.split("## Pictures", 1)[1])
    assert sorted(links) == ["s3-profile.png", "s3-trend.png"]
    for name in links:
        w, h = png_size((out.parent / name).read_bytes())
        assert w > 300 and h > 150
    assert (out.stat().st_mode & 0o077) == 0 and ((out.parent / links[0]).stat().st_mode & 0o077) == 0, "reports stay private"


def test_report_out_without_a_suffix_gets_the_formats_own(home: Path, tmp_path: Path):
    """A probe's `mlsd report ID --out report` wrote a file named `report`, though the help says FILE.md."""
    r = _invoke("report", "s3", "--format", "md", "--out", str(tmp_path / "report"))
    assert r.exit_code == 0, r.output
    assert (tmp_path / "report.md").read_text(encoding="utf-8").startswith("# Scorecard") and not (tmp_path / "report").exists()
    r = _invoke("report", "s3", "--format", "json", "--out", str(tmp_path / "card"))
    assert r.exit_code == 0 and json.loads((tmp_path / "card.json").read_text(encoding="utf-8"))["session_id"] == "s3"


def test_report_md_on_stdout_keeps_its_shape_and_writes_the_pictures(home: Path):
    r = _invoke("report", "s3")
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("# Scorecard") and "## Phases" in r.stdout
    for name in ("profile", "trend"):
        png = home / "reports" / f"s3-{name}.png"
        assert str(png) in r.stdout and png_size(png.read_bytes())[0] > 0


def test_report_html_is_one_self_contained_file(home: Path, tmp_path: Path):
    out = tmp_path / "r.html"
    r = _invoke("report", "s3", "--format", "html", "--out", str(out))
    assert r.exit_code == 0, r.output
    doc = out.read_text(encoding="utf-8")
    assert doc.startswith("<!doctype html>") and "</html>" in doc
    urls = re.findall(r"""(?:src|href)\s*=\s*["']([^"']*)["']""", doc, flags=re.I)
    assert len(urls) == 2 and all(u.startswith("data:image/png;base64,") for u in urls), "no external src or href"
    for u in urls:
        png_size(base64.b64decode(u.split(",", 1)[1]))
    assert "<script" not in doc.lower() and "evil.example" not in "".join(urls), "a candidate's quote cannot add markup or links"
    assert "&lt;script&gt;" in doc, "the quote is shown, escaped"
    assert not re.search(r"<link\b|@import|url\(", doc, flags=re.I)


def test_report_json_unchanged_and_bad_format(home: Path, tmp_path: Path):
    r = _invoke("report", "s3", "--format", "json")
    card = json.loads(r.stdout)
    assert set(card) >= {"session_id", "overall", "phases", "strengths", "gaps", "study"}
    r = _invoke("report", "s3", "--format", "pdf")
    assert r.exit_code != 0 and "md, json or html" in str(r.exception)


def test_sparklines():
    assert R.sparkline([1, 2.5, 4]) == "▁▅█"
    assert R.sparkline([0, 9]) == "▁█", "clamped to the 1-4 scale"
    lines = R.trend_lines({Phase.DATA: [1.0, 2.0, 3.5], Phase.CLARIFY: [3.0]})
    assert lines[0].startswith("clarify") and lines[0].endswith("3.0"), "phases in interview order"
    assert "▁▃▇" in lines[1] and lines[1].endswith("1.0 → 3.5")
    assert R.trend_lines({}) == []


def test_trend_places_a_phase_retry_at_its_own_interview():
    from interviewer.scorecard import Scorecard

    card = Scorecard.model_validate({
        "session_id": "c", "case": "news-feed", "case_title": "News feed",
        "overall": {"score": 2.0, "hire_signal": "no hire", "level": "mid", "confidence": 0.5, "confidence_label": "medium", "target_level": "senior"},
        "phases": [{"id": Phase.CLARIFY, "title": "Clarifying", "score": 3.0, "criteria": []}],
    })
    sessions = [("a", 1.0, {Phase.CLARIFY: 1.0, Phase.DATA: 2.0}), ("b", 2.0, {Phase.DATA: 2.5}), ("c", 3.0, {Phase.CLARIFY: 3.0})]
    h = R.history_for(card, sessions)
    assert h.trend[Phase.CLARIFY] == [1.0, 3.0] and h.trend_x[Phase.CLARIFY] == [0, 2]
    assert h.trend_x[Phase.DATA] == [0, 1] and len(h.labels) == 3
    assert h.earlier == {Phase.CLARIFY: [1.0], Phase.DATA: [2.0, 2.5]}
    assert png_size(R.trend_png(h))[0] > 0 and png_size(R.profile_png(h))[0] > 0


def test_a_phase_where_nothing_was_said_is_no_point_on_the_trend(tmp_path: Path, monkeypatch):
    """A probe's clarify-only simulation put every later phase on the trend at 1.0 ("1.0 -> 3.1")."""
    h = tmp_path / "h"
    h.mkdir()
    finished_session(h, "quiet", lambda ph, i: (2 if ph == Phase.CLARIFY else None), created=time.time() - 86400)
    finished_session(h, "full", lambda ph, i: 3)
    store = Store(h)
    sessions = dict((sid, scores) for sid, _c, scores in store.phase_scores("interview"))
    store.db.close()
    assert set(sessions["quiet"]) == {Phase.CLARIFY} and set(sessions["full"]) == set(PHASES)


def test_a_gap_shows_the_outline_bullets_that_bear_on_its_criterion():
    """A probe saw the phase outline's first four bullets under every gap ("Business objective" listing the
    volume and the latency budget; drift and delayed labels with identical lists)."""
    from interviewer.content import library
    from interviewer.scorecard import _outline_for

    lib = library()
    case = lib.case("payment-fraud-detection")
    outline = case.reference["clarify"]
    by = {c.id: _outline_for(lib, c.id, outline) for c in lib.criteria("clarify", case.id)}
    latency = next(v for k, v in by.items() if "latency" in k)
    assert latency and "latency" in latency[0].lower()
    objective = next(v for k, v in by.items() if "objective" in k)
    assert objective and "objective" in objective[0].lower() and objective != latency
    assert all(set(v) <= set(outline) and len(v) <= 3 for v in by.values())
    # a bullet that shares only a word many criteria use is no reference for a criterion
    moderation = lib.case("harmful-content-detection").reference["monitor"]
    assert not any("deletion" in b.lower() for b in _outline_for(lib, "feedback-loops", moderation))
    assert any("retrain" in b.lower() for b in _outline_for(lib, "retraining", moderation))
