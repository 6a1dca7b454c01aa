"""The `mlsd` command line: the front end beside the TUI (the engine in `interviewer/` imports neither). `--json` prints one JSON document on stdout and nothing else there.

Exit codes: 0 ok, 1 failure of the job, 2 bad usage or bad input (one line naming file and line).
"""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Optional

import typer

from interviewer.domain import CROSS_CUTTING, PHASES, BrainKind, Command, Level, Persona, Phase, Role, SessionKind, TurnKind
from interviewer.errors import (
    ContentError,
    LLMError,
    MlsdError,
    SessionError,
    UsageError,
)

app = typer.Typer(
    add_completion=False,
    no_args_is_help=False,
    invoke_without_command=True,
    help="mlsd: a mock interviewer for machine-learning system design interviews. Run `mlsd` to start an interview.",
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
)


def _err(msg: str) -> None:
    typer.echo(f"mlsd: {msg}", err=True)


def _echo(text: str) -> None:
    """Plain-text output of stored or model-made text: control characters are shown, never obeyed."""
    from interviewer.text import escape_controls

    typer.echo(escape_controls(text))


def _print_records(title: str | None, columns: list[str], rows: list[list[Any]], id_col: int = 0) -> None:
    """A table whose id column is never cut: other columns fold; when even folding would cut an id
    (a narrow terminal), each record is printed as its id on a line of its own with the fields under it."""
    from io import StringIO

    from rich.console import Console
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    from interviewer.text import escape_controls

    console = Console()
    cells = [[escape_controls("" if v is None else str(v)) for v in r] for r in rows]
    ids = [r[id_col] for r in cells]
    id_width = max([len(columns[id_col]), *map(len, ids)])

    def table() -> Table:
        t = Table(title=title)
        for i, name in enumerate(columns):
            if i == id_col:
                t.add_column(name, no_wrap=True, min_width=id_width)
            else:
                t.add_column(name, overflow="fold")
        for r in cells:
            t.add_row(*(Text(v) for v in r))
        return t

    # a readable table: each other column at least as wide as its longest word, up to 10
    words = [max((len(w) for v in [columns[i], *(r[i] for r in cells)] for w in v.split()), default=1) for i in range(len(columns))]
    need = id_width + sum(min(10, w) for i, w in enumerate(words) if i != id_col) + 3 * len(columns) + 1
    probe = Console(width=console.width, file=StringIO(), color_system=None, legacy_windows=False)
    probe.print(table())
    shown = probe.file.getvalue()  # type: ignore[attr-defined]
    if console.width >= need and all(i in shown for i in ids):
        console.print(table())
        return
    if title:
        console.print(Text(title, style="italic"))
    for r in cells:
        console.print(Text(r[id_col], style="bold"), soft_wrap=True)
        for i, name in enumerate(columns):
            if i != id_col and r[i]:
                console.print(Padding(Text(f"{name}: {r[i]}", overflow="fold"), (0, 0, 0, 2), expand=False))


def _read_input(path: Path) -> str:
    """A text file given on the command line, refused past the size cap of every input."""
    from interviewer.content import MAX_INPUT_BYTES

    try:
        size = path.stat().st_size
        if size > MAX_INPUT_BYTES:
            raise UsageError(f"{path}: the file is {size:,} bytes; mlsd reads at most {MAX_INPUT_BYTES:,}")
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError as e:
        raise UsageError(f"{path}: cannot read: {e.strerror}") from None


def _print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2, default=str) + "\n")
    sys.stdout.flush()


def _settings():
    from interviewer.settings import Settings

    return Settings()


def _engine():
    from interviewer.session import Engine

    return Engine(_settings())


def _progress(enabled: bool):
    """A rich progress bar on stderr (never on stdout, which --json keeps clean)."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    if not enabled:
        return None, (lambda *_a: None)
    prog = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=Console(stderr=True), transient=True)
    tasks: dict[str, Any] = {}

    def cb(desc: str, done: int, total: int) -> None:
        if desc not in tasks:
            tasks[desc] = prog.add_task(desc, total=total)
        prog.update(tasks[desc], completed=done, total=total)

    return prog, cb


def _build_index(idx: Any, rebuild: bool = False) -> dict[str, Any]:
    """Build the notes index with its progress on stderr: a bar on a terminal, else a line per batch
    ("mlsd: embedding notes 64/331"). Stdout stays clean for --json."""
    prog, cb = _progress(sys.stderr.isatty())
    if prog:
        with prog:
            return idx.build(rebuild=rebuild, progress=lambda d, n: cb("embedding notes", d, n))

    def line(done: int, total: int) -> None:
        sys.stderr.write(f"mlsd: embedding notes {done}/{total}\n")
        sys.stderr.flush()

    return idx.build(rebuild=rebuild, progress=line)


def _first_run_index(home: Path) -> None:
    """The first `mlsd` on a fresh data folder builds the notes index here, with its progress on
    stderr, before the UI starts (later runs find it built; a stale index is rebuilt by the UI, whose
    status line shows the count)."""
    if (home / "index" / "manifest.json").is_file():
        return
    from interviewer.content import library
    from interviewer.knowledge import get_index

    _err("first run: building the notes index (once; the next runs start at once)")
    t0 = time.perf_counter()
    res = _build_index(get_index(home, library()))
    _err(f"notes index {res['status']}: {res['chunks']} sections in {time.perf_counter() - t0:.0f}s")


# ------------------------------------------------------------------------------------ interview


def _interview(case: Optional[str], level: Level, persona: Persona, minutes: Optional[float], brain: BrainKind, resume: Optional[str], phase: Optional[Phase]) -> None:
    if phase and not case:
        raise UsageError("--phase retries one phase of a case: give --case too")
    home = _settings().ensure_home()  # a broken config or data folder is one line here, before the UI starts
    if case:  # a cheap check, so the UI paints fast; the library loads in the UI's worker
        from interviewer.paths import knowledge_dir

        if not (knowledge_dir() / "cases" / f"{case}.yaml").is_file():
            raise UsageError(f"unknown case {case!r}; `mlsd cases` lists them")
    _first_run_index(home)
    from .app import run_app

    run_app(case=case, level=level, persona=persona, minutes=minutes, brain=brain, resume=resume, phase=phase)


_case_opt = typer.Option(None, "--case", help="Case id (see `mlsd cases`); skips the setup screen.")
_level_opt = typer.Option(Level.SENIOR, "--level", help="Level expected.")
_persona_opt = typer.Option(Persona.NEUTRAL, "--persona", help="Interviewer persona.")
_minutes_opt = typer.Option(None, "--minutes", help="Length of the interview in minutes (default 45; a --phase retry: that phase's budget).", show_default=False)
_brain_opt = typer.Option(BrainKind.AUTO, "--brain", help="auto (LLM when a key or base URL is set), offline or llm.")
_resume_opt = typer.Option(None, "--resume", help="Resume an unfinished interview by session id.")
_phase_opt = typer.Option(None, "--phase", help="Retry a single phase of the case (with --case).")


def interview(
    ctx: typer.Context,
    case: Optional[str] = _case_opt,
    level: Level = _level_opt,
    persona: Persona = _persona_opt,
    minutes: Optional[float] = _minutes_opt,
    brain: BrainKind = _brain_opt,
    resume: Optional[str] = _resume_opt,
    phase: Optional[Phase] = _phase_opt,
) -> None:
    """Run a timed mock interview in the terminal UI (the default command)."""
    if ctx.invoked_subcommand is None:  # `mlsd` alone or `mlsd interview`; not `mlsd cases` and the like
        _interview(case, level, persona, minutes, brain, resume, phase)


app.callback()(interview)
app.command("interview")(interview)


# ------------------------------------------------------------------------------------ content


@app.command()
def cases(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List the case library."""
    from interviewer.content import library

    lib = library()
    rows = [{"id": c.id, "title": c.title, "domain": c.domain, "prompt": c.prompt, "facts": len(c.facts)} for c in lib.cases.values()]
    if as_json:
        _print_json(rows)
        return
    _print_records(f"{len(rows)} cases", ["id", "title", "prompt"], [[r["id"], r["title"], r["prompt"]] for r in rows])


@app.command()
def check(path: Optional[Path] = typer.Argument(None, help="A file or folder; by default the shipped content.")) -> None:
    """Validate rubrics, cases, notes, scripted candidates and concepts. Exit 2 names the file and line of the first fault."""
    from interviewer.content import check_all, check_path

    if path is None:
        files = check_all()
    else:
        files = check_path(path)
    typer.echo(f"ok: {len(files)} files valid")


@app.command()
def index(
    rebuild: bool = typer.Option(False, "--rebuild", help="Rebuild even if the notes did not change."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Build or refresh the knowledge index (only when the notes' content hash changed)."""
    from interviewer.content import library
    from interviewer.knowledge import get_index

    s = _settings()
    idx = get_index(s.ensure_home(), library())
    t0 = time.perf_counter()
    res = _build_index(idx, rebuild=rebuild)
    res["seconds"] = round(time.perf_counter() - t0, 3)
    res["path"] = str(idx.path)
    if as_json:
        _print_json(res)
    else:
        typer.echo(f"index {res['status']}: {res['chunks']} chunks, {res['embedded']} embedded, {res['seconds']:.2f}s ({res['path']})")


@app.command()
def ask(
    query: str = typer.Argument(..., help="What to look up."),
    phase: Optional[str] = typer.Option(None, "--phase", help="Filter by phase id."),
    case: Optional[str] = typer.Option(None, "--case", help="Filter by case id (its notes plus the general ones)."),
    k: int = typer.Option(5, "-k", help="How many sections."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Query the knowledge index, for inspection."""
    from interviewer.content import library
    from interviewer.knowledge import get_index

    if phase and phase not in PHASES + (CROSS_CUTTING,):
        raise UsageError(f"--phase must be one of {', '.join(PHASES)}")
    lib = library()
    if case:
        lib.case(case)
    if not 1 <= k <= 50:
        raise UsageError("-k must be between 1 and 50")
    idx = get_index(_settings().ensure_home(), lib)
    hits = idx.search(query, phase=phase, case=case, k=k)
    if as_json:
        _print_json({"query": query, "phase": phase, "case": case, "hits": [h.as_dict() for h in hits]})
        return
    for i, h in enumerate(hits, 1):
        _echo(f"{i}. [{h.score:.3f}] {h.section} ({h.phase}, {h.case})\n   {h.text[:240].strip()}…\n")
    if idx.last_error:
        _err(idx.last_error)


# ------------------------------------------------------------------------------------ grading


def _grader(brain: BrainKind):
    from interviewer.content import library
    from interviewer.grading import Grader
    from interviewer.llm import client_from_settings

    s = _settings()
    kind = BrainKind(s.resolved_brain()) if brain == BrainKind.AUTO else brain
    lib = library()
    return lib, Grader(lib, kind, client_from_settings(s) if kind == BrainKind.LLM else None), s


@app.command()
def grade(
    phase: Optional[Phase] = typer.Option(None, "--phase", help="Phase id of the answer."),
    case: Optional[str] = typer.Option(None, "--case", help="Case id (adds the case's own criteria)."),
    answer_file: Optional[Path] = typer.Option(None, "--answer-file", help="A file with the answer text."),
    answer: Optional[str] = typer.Option(None, "--answer", help="The answer text."),
    transcript: Optional[Path] = typer.Option(None, "--transcript", help="A recorded interview (simulate --json output) -> scorecard."),
    batch: Optional[Path] = typer.Option(
        None, "--batch", help='A JSONL file, one {"id", "phase", "case"?, "answer"} per line -> one `grade --json` line (with the id) per answer, in order.'
    ),
    brain: BrainKind = typer.Option(BrainKind.AUTO, "--brain", help="Which brain grades."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON (--batch always prints JSON lines)."),
) -> None:
    """Grade one answer against a phase rubric, a batch of answers (JSON lines), or a whole recorded interview into a scorecard."""
    if batch is not None:
        if phase or case or answer is not None or answer_file or transcript:
            raise UsageError("--batch takes the phase, case and answer from each line; drop --phase/--case/--answer/--transcript")
        _grade_batch(batch, brain)
        return
    if transcript is not None:
        if phase or answer or answer_file:
            raise UsageError("--transcript grades a whole interview; drop --phase/--answer")
        card = _grade_transcript(transcript, brain)
        if as_json:
            _print_json(card.public())
        else:
            from interviewer.scorecard import to_markdown

            _echo(to_markdown(card))
        return
    if not phase:
        raise UsageError("give --phase with --answer/--answer-file, or --transcript")
    if (answer is None) == (answer_file is None):
        raise UsageError("give exactly one of --answer and --answer-file")
    if answer_file is not None:
        text = _read_input(answer_file)
    else:
        text = answer or ""
    from interviewer.text import sanitize

    text, _cut = sanitize(text)
    lib, grader, _s = _grader(brain)
    if case:
        lib.case(case)
    g = grader.grade(phase, case, text)
    if g.notice:
        _err(g.notice)
    if as_json:
        _print_json(g.public())
        return
    typer.echo(f"{lib.phase_title(phase)}{' — ' + case if case else ''}: {g.score:.2f} / 4\n")
    if g.samples is not None and g.samples.disagree:
        apart = f"; criteria {', '.join(g.samples.apart)} two levels or more apart" if g.samples.apart else ""
        typer.echo(f"  the two grading samples disagreed (totals {' vs '.join(f'{t:.2f}' for t in g.samples.totals)}{apart}): trust this grade less\n")
    for c in g.criteria:
        _echo(f"  {c.title:<42} {('–' if c.score is None else c.score)}  {c.rationale}")
        for q in c.evidence[:2]:
            _echo(f"      “{q}”")


def _grade_batch(path: Path, brain: BrainKind) -> None:
    """Validate the whole file first (exit 2 naming every bad line, nothing printed), then print one
    compact JSON line per answer, in input order, flushed as each is graded."""
    from interviewer.batch import grade_batch, read_batch

    lib, grader, _s = _grader(brain)
    items = read_batch(path, lib)
    for it, out, notice in grade_batch(items, grader):
        if notice:
            _err(f"{path}:{it.line}: {notice}")
        sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
        sys.stdout.flush()


def _grade_transcript(path: Path, brain: BrainKind):
    from interviewer.grading import PhaseGrade, candidate_words
    from interviewer.scorecard import build

    try:
        data = json.loads(_read_input(path))
    except RecursionError:
        raise ContentError(path, "invalid JSON: nested too deeply") from None
    except ValueError as e:
        raise ContentError(path, f"invalid JSON: {getattr(e, 'msg', e)}", getattr(e, "lineno", None)) from None
    turns = data.get("transcript") if isinstance(data, dict) else data
    if not isinstance(turns, list) or not all(isinstance(t, dict) and "role" in t and "text" in t for t in turns):
        raise ContentError(path, "expected {\"transcript\": [{\"role\", \"phase\", \"text\"}, ...]}")
    # every turn names a known role and phase (a typo would drop the answer from its phase unseen), and there is
    # something of the candidate's to grade
    for n, t in enumerate(turns, 1):
        if t.get("role") not in (Role.CANDIDATE, Role.INTERVIEWER):
            raise ContentError(path, f"turn {n}: role {str(t.get('role'))[:40]!r} is neither 'candidate' nor 'interviewer'")
        if t.get("phase") not in PHASES:
            said = f"phase {str(t['phase'])[:40]!r} is not" if "phase" in t else "has no phase; give"
            raise ContentError(path, f"turn {n}: {said} one of {', '.join(PHASES)}")
    if not any(t["role"] == Role.CANDIDATE for t in turns):
        raise ContentError(path, "the transcript holds no turn of the candidate's: nothing to grade")
    case = data.get("case") if isinstance(data, dict) else None
    lib, grader, _s = _grader(brain)
    if case:
        try:
            lib.case(case)
        except ContentError as e:  # an unknown case: the file that names it is the one to fix
            raise ContentError(path, e.message) from None
    said = {ph: candidate_words(turns, ph) for ph in PHASES if any(t.get("phase") == ph for t in turns)}
    # as a finished interview's scorecard: a criterion blank in its phase takes what another phase said for it
    grades: list[PhaseGrade] = grader.fill_from_elsewhere([grader.grade(ph, case, text) for ph, text in said.items()], said)
    cross = grader.grade(CROSS_CUTTING, case, candidate_words(turns))
    budgets = {p: lib.phase_minutes(p) for p in PHASES}
    pm: dict[str, float] = {}
    fus: dict[str, int] = {}
    for p in (data.get("phases") or []) if isinstance(data, dict) else []:
        pm[p["id"]] = p.get("minutes", 0.0)
        if isinstance(p.get("follow_ups"), int):
            fus[p["id"]] = p["follow_ups"]
    if not fus:  # no phase table: the interviewer's follow-up lines of the transcript, counted per phase
        for t in turns:
            if t.get("role") == Role.INTERVIEWER and t.get("kind") in (TurnKind.FOLLOW_UP, TurnKind.DEEP_DIVE, TurnKind.PUSH, TurnKind.CHALLENGE) and t.get("phase") in PHASES:
                fus[t["phase"]] = fus.get(t["phase"], 0) + 1
    # the evidence behind the confidence: minutes used (the last turn's minute) of the planned length
    # ("planned_minutes", else the phases' budgets added up, else the default 45; "minutes" in simulate's output
    # is the time used, not the length planned), and the candidate's answers
    meta = data if isinstance(data, dict) else {}
    used = max((float(t.get("minute") or 0.0) for t in turns if isinstance(t.get("minute"), (int, float))), default=0.0)
    budgets_given = [p.get("budget") for p in meta.get("phases") or [] if isinstance(p, dict)]
    planned = meta.get("planned_minutes")
    if not (isinstance(planned, (int, float)) and planned > 0):
        planned = sum(budgets_given) if budgets_given and all(isinstance(b, (int, float)) for b in budgets_given) and sum(budgets_given) > 0 else 45.0
    level = meta.get("level") if meta.get("level") in {lv.value for lv in Level} else Level.SENIOR
    said = [t for t in turns if t["role"] == Role.CANDIDATE and (t.get("kind") or (TurnKind.COMMAND if Command.parse(str(t["text"])) else TurnKind.ANSWER)) in (TurnKind.ANSWER, TurnKind.QUESTION)]
    return build(
        lib=lib,
        session_id=str(data.get("session_id", path.stem)) if isinstance(data, dict) else path.stem,
        case=case or "general",
        target_level=level,
        persona=Persona.NEUTRAL,
        brain=grader.brain,
        phase_grades=grades,
        cross=cross,
        phase_minutes=pm,
        budgets=budgets,
        follow_ups=fus,
        hints=data.get("hints", []) if isinstance(data, dict) else [],
        minutes_used=used,
        minutes_planned=float(planned),
        answers=len(said),
    )


# ------------------------------------------------------------------------------------ simulate


def _scripted_candidates() -> str:
    """The shipped scripted candidates, for --help (file names only: no content is loaded)."""
    from interviewer.paths import knowledge_dir

    names = sorted({f.stem.split("@")[0] for f in (knowledge_dir() / "candidates").glob("*.yaml")})
    return ", ".join(names) if names else "see knowledge/candidates"


@app.command()
def simulate(
    case: str = typer.Option(..., "--case", help="Case id."),
    persona: Optional[str] = typer.Option(None, "--persona", help=f"Scripted candidate: {_scripted_candidates()}."),
    answers_file: Optional[Path] = typer.Option(None, "--answers-file", help='JSON {"clarify": ["...", ...], ...}: the candidate\'s answers in order.'),
    brain: BrainKind = typer.Option(BrainKind.OFFLINE, "--brain", help="Which brain interviews."),
    level: Level = typer.Option(Level.SENIOR, "--level", help="Level expected."),
    interviewer: Persona = typer.Option(Persona.NEUTRAL, "--interviewer", help="Interviewer persona."),
    minutes: float = typer.Option(45.0, "--minutes", help="Length of the interview."),
    session_id: Optional[str] = typer.Option(None, "--session-id", help="Use this session id (to resume a killed simulation with --resume)."),
    resume: bool = typer.Option(False, "--resume", help="Continue the simulation --session-id from its last checkpoint."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """A full interview with a scripted candidate on a virtual clock (runs in seconds)."""
    from interviewer.content import library
    from interviewer.simulate import ScriptedCandidate, result, run

    if (persona is None) == (answers_file is None):
        raise UsageError("give exactly one of --persona and --answers-file")
    lib = library()
    lib.case(case)
    if persona is not None:
        kinds = sorted({k.split("@")[0] for k in lib.candidates})
        if persona not in kinds:
            raise UsageError(f"--persona must be one of {', '.join(kinds)}")
        cand = ScriptedCandidate.from_script(lib.script(persona, case))
    else:
        cand = ScriptedCandidate.from_file(answers_file)  # type: ignore[arg-type]
    if resume and not session_id:
        raise UsageError("--resume needs --session-id")
    eng = _engine()
    try:
        s = run(eng, case, cand, brain=brain, level=level, persona=interviewer, minutes=minutes, session_id=session_id, resume=resume)
        out = result(s)
        out["unused_answers"] = cand.unused(s.state)  # lines of the script never said: their phase closed first
    finally:
        eng.close()
    if as_json:
        _print_json(out)
        return
    for t in out["transcript"]:
        who = "Interviewer" if t["role"] == "interviewer" else "Candidate"
        # the interviewer's lines whole; a candidate's long answer cut, and said to be cut (--json has it whole)
        text = t["text"] if t["role"] == "interviewer" or len(t["text"]) <= 600 else t["text"][:600].rstrip() + " …"
        _echo(f"[{t['minute']:5.1f}] {t['phase']:<10} {who}: {text}")
    if out["unused_answers"]:
        left = ", ".join(f"{p} {n}" for p, n in out["unused_answers"].items())
        typer.echo(f"\nNot said (the phase closed first): {left} of your lines.", err=True)
    o = out["scorecard"]["overall"]
    typer.echo(f"\n{o['hire_signal']} at the {o['target_level']} bar · level {o['level']} · score {o['score']:.2f} · confidence {o['confidence_label']} · session {out['session_id']}")


# ------------------------------------------------------------------------------------ sessions


@app.command()
def sessions(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List past interviews with their scores."""
    from interviewer.scorecard import stored_level
    from interviewer.store import Store

    rows = Store(_settings().ensure_home()).list()
    out = [
        {
            "id": r["id"],
            "case": r["case_id"],
            "kind": r["kind"],
            "status": r["status"],
            "level": r["level"],
            "brain": r["brain"],
            "created": time.strftime("%Y-%m-%d %H:%M", time.localtime(r["created"])),
            "score": r["score"],
            "hire_signal": r["hire_signal"],
            "level_estimate": r["level_estimate"],
            "phases": _phases_of(r),
        }
        for r in rows
    ]
    if as_json:
        _print_json(out)
        return
    if not out:
        typer.echo("no interviews yet: run `mlsd`")
        return
    rows = []
    for r in out:
        retry = r["kind"] == SessionKind.RETRY  # one phase: no hire signal or level worth a column
        kind = f"retry: {', '.join(r['phases'])}" if retry else r["kind"]
        signal, lvl = ("", "") if retry else (r["hire_signal"], stored_level(r["level_estimate"], r["score"]))
        # "running" is what the store keeps until a scorecard is written; in the table it is an unfinished interview
        # that `mlsd --resume ID` picks up (a probe read a quit interview as still running)
        status = "unfinished" if r["status"] == "running" else r["status"]
        rows.append([r["id"], r["case"], kind, status, f"{r['score']:.2f}" if r["score"] is not None else "", signal, lvl, r["created"]])
    _print_records(None, ["id", "case", "kind", "status", "score", "signal", "level", "when"], rows)


def _phases_of(row: dict[str, Any]) -> list[str]:
    try:
        phases = json.loads(row.get("phases") or "[]")
    except ValueError:
        return []
    return [str(p) for p in phases] if isinstance(phases, list) else []


@app.command()
def report(
    session_id: str = typer.Argument(..., help="Session id (or a unique prefix)."),
    fmt: str = typer.Option("md", "--format", help="md (Markdown, PNG pictures beside it), json, or html (one self-contained file)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Write the report to this file (md: its PNGs beside it). By default md and json print on stdout, html is written to the reports folder."),
) -> None:
    """The scorecard of a finished interview as Markdown (with PNG pictures), JSON or one HTML file.

    md prints the Markdown on stdout and writes the pictures (phase profile against earlier interviews,
    trend per phase) to MLSD_HOME/reports/; with --out it writes FILE.md and FILE-profile.png, FILE-trend.png
    beside it. html writes one file with the pictures inline and prints its path."""
    from interviewer.session import Engine, load_report, session_row

    if fmt not in ("md", "json", "html"):
        raise UsageError("--format must be md, json or html")
    if out is not None and not out.suffix:  # "--out report" writes report.md (report.json, report.html)
        out = out.with_suffix(f".{fmt}")
    eng = Engine(_settings())
    try:
        try:
            card = load_report(eng, session_id)
        except ValueError as e:  # a damaged report file: pydantic's ValidationError, or bytes that are not UTF-8
            row = session_row(eng, session_id)
            path = eng.home / "reports" / f"{row['id']}.json"
            why = e.errors()[0].get("msg", "invalid") if hasattr(e, "errors") else type(e).__name__
            raise ContentError(path, f"not a readable scorecard ({why}); the file is damaged: move it aside or restore it from a copy") from None
        if fmt == "json":
            if out:
                from interviewer.scorecard import write_private

                write_private(out, json.dumps(card.public(), ensure_ascii=False, indent=2, default=str) + "\n", eng.settings.secrets())
                typer.echo(str(out))
            else:
                _print_json(card.public())
            return
        _export(eng, card, fmt, out)
    finally:
        eng.close()


def _export(eng: Any, card: Any, fmt: str, out: Optional[Path]) -> None:
    from interviewer import report as R

    row = eng.store.get(card.session_id) or {}
    h = R.history_for(card, eng.store.phase_scores(row.get("kind") or "interview"))
    secrets = eng.settings.secrets()
    reports = eng.home / "reports"
    if fmt == "html":
        path = R.write_html(card, h, out or reports / f"{card.session_id}.html", secrets)
        typer.echo(str(path))
        return
    if out:
        files = R.write_markdown(card, h, out, secrets)
        for f in files:
            typer.echo(str(f))
        return
    # stdout: the Markdown, its pictures written beside the exported scorecard and linked by full path
    pics = R.pictures(h)
    links = {}
    for name, data in pics.items():
        png = reports / f"{card.session_id}-{name}.png"
        R.write_private_bytes(png, data)
        links[name] = str(png)
    _echo(R.markdown(card, links, h))


# ------------------------------------------------------------------------------------ drills


def _book(today: Optional[str]):
    from datetime import date

    from interviewer.concepts import concept_bank
    from interviewer.drills import DrillBook, catch_up

    day = None
    if today:
        try:
            day = date.fromisoformat(today)
        except ValueError:
            raise UsageError(f"--today must be a date like 2026-12-01, not {today!r}") from None
    book = DrillBook(_settings().ensure_home(), today=(lambda: day) if day else date.today)
    catch_up(book, concept_bank)  # interviews finished without their drills (a crash between the two)
    return book


_today_opt = typer.Option(None, "--today", hidden=True, help="Pretend today is this date (YYYY-MM-DD), for tests and demos.")


@app.command("drills")
def drills_(
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    today: Optional[str] = _today_opt,
) -> None:
    """List the drills due and coming: concepts you missed in interviews, asked again 1, 3, 7 and 14 days later."""
    book = _book(today)
    try:
        doc = book.listing()
    finally:
        book.close()
    if as_json:
        _print_json(doc)
        return
    if not doc["drills"]:
        typer.echo("no drills: finish an interview and what you missed comes back here" + (f" ({doc['mastered']} mastered)" if doc["mastered"] else ""))
        return
    _print_records(
        f"{doc['due_count']} due today ({doc['today']}) · {len(doc['drills']) - doc['due_count']} coming · {doc['mastered']} mastered",
        ["id", "due", "phase", "why"],
        [[d["id"], "now" if d["is_due"] else d["due"], d["phase"], f"{d['step']}: {d['reason']}"] for d in doc["drills"]],
    )
    if doc["due_count"]:
        typer.echo("`mlsd drill` runs the next one due; `mlsd drill ID` a given one")


def _read_answer(prompt: str) -> str:
    """The answer: all of stdin when it is piped, else lines typed until an empty line (or end of input)."""
    stream = sys.stdin
    if not stream.isatty():
        return stream.read()
    typer.echo(prompt, err=True)
    lines: list[str] = []
    for line in stream:
        if not line.strip():
            break
        lines.append(line)
    return "".join(lines)


@app.command()
def drill(
    drill_id: Optional[str] = typer.Argument(None, help="A drill id from `mlsd drills` (or a unique prefix); by default the next one due."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON (the question goes to stderr)."),
    today: Optional[str] = _today_opt,
) -> None:
    """Run one drill: a question on a concept you missed, your answer (typed, or piped on stdin) graded
    against its criterion by the offline grader, and the score before and after."""
    from interviewer import drills as D
    from interviewer.concepts import concept_bank
    from interviewer.content import library
    from interviewer.grading import Grader
    from interviewer.text import sanitize

    book = _book(today)
    try:
        if drill_id:
            d = book.find(drill_id)
            if d is None:
                raise UsageError(f"no drill {drill_id!r}; `mlsd drills` lists them")
        else:
            d = book.next_due()
            if d is None:
                q = book.queue()
                msg = f"no drill due today; next: {q[0].id} on {q[0].due}" if q else "no drills yet: finish an interview first"
                if as_json:
                    _print_json({"drill": None, "message": msg})
                else:
                    typer.echo(msg)
                return
        lib, bank = library(), concept_bank()
        say = (lambda s: typer.echo(s, err=True)) if as_json else _echo
        title = lib.phase_title(d.phase) if d.phase in PHASES else d.phase
        say(f"Drill {d.id} · {title} · {d.criterion_title or d.criterion} · {d.reason()}")
        if d.status == D.MASTERED:
            say("(mastered already: this is practice; a miss brings it back)")
        elif d.due and d.due > book.today():
            say(f"(due {d.due.isoformat()}: answering now is practice; a pass does not move it on, a miss restarts it)")
        question = D.question(d, lib, bank)
        say("")
        say(question)
        answer, _cut = sanitize(_read_answer("Your answer (an empty line or Ctrl-D ends it):"))
        if not answer.strip():
            raise UsageError("no answer given: nothing recorded")
        a = D.run(book, d, answer, Grader(lib, BrainKind.OFFLINE))
    finally:
        book.close()
    nxt = "mastered: it leaves the queue" if a.mastered else f"next due {a.drill.due.isoformat()} (day {a.drill.days} step)" if a.drill.due else ""
    if a.restarted:
        nxt = f"missed: the schedule restarts, due {a.drill.due.isoformat()}"  # type: ignore[union-attr]
    if as_json:
        _print_json({"id": d.id, "question": question, "before": a.before, "after": a.after, "passed": a.passed, "practice": a.practice,
                     "mastered": a.mastered, "due": a.drill.due.isoformat() if a.drill.due else None, "evidence": a.evidence, "rationale": a.rationale})
        return
    show = lambda s: "–" if s is None else str(s)
    typer.echo("")
    _echo(f"before {show(a.before)} → after {show(a.after)} / 4 · {'pass' if a.passed else 'not yet'}{' (practice)' if a.practice else ''} · {nxt}")
    for q in a.evidence[:2]:
        _echo(f"  heard: “{q}”")
    if a.rationale:
        _echo(f"  {a.rationale}")
    pts = D.study_points(d, bank)
    if pts:
        typer.echo("a strong answer covers:")
        for p in pts:
            _echo(f"  - {p}")


# ------------------------------------------------------------------------------------ eval & bench


@app.command("eval")
def eval_(
    suite: str = typer.Option("all", "--suite", help="grading, robustness, behaviour, retrieval, clarifying (the clarifying answers alone, part of behaviour) or all."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    out: Optional[Path] = typer.Option(None, "--out", help="Write report.md, results.json and PNG plots here."),
    fit: bool = typer.Option(False, "--fit", help="Refit the offline grader's cut points on development data first (recorded dev split, independent writer w1)."),
    brain: BrainKind = typer.Option(BrainKind.OFFLINE, "--brain", help="Grader brain for the grading suite."),
    cases_: Optional[str] = typer.Option(None, "--cases", help="Behaviour suite: comma-separated case ids (default all)."),
    recorded: Optional[Path] = typer.Option(
        None, "--recorded", help="A folder of your own graded answers (the evals/recorded format): grade them and report agreement; fits nothing."
    ),
) -> None:
    """Measure the grader, the interviewer's behaviour and retrieval; exit 1 when a threshold is missed.

    With --recorded PATH, only the grading agreement on that folder is measured (no thresholds apply)."""
    from contextlib import nullcontext

    from interviewer import evals as E
    from interviewer.content import library

    if suite not in ("grading", "robustness", "behaviour", "retrieval", "clarifying", "all"):
        raise UsageError("--suite must be grading, robustness, behaviour, retrieval, clarifying or all")
    lib = library()
    if recorded is not None:
        if suite not in ("grading", "all"):
            raise UsageError("--recorded runs the grading suite on your folder; drop --suite or use --suite grading")
        if fit:
            raise UsageError("--recorded fits nothing (the shipped calibration is used as is); drop --fit")
        _eval_recorded(lib, recorded, brain, as_json, out)
        return
    prog, cb = _progress(sys.stderr.isatty() or not as_json)
    res: dict[str, Any] = {}
    eng = None
    ctx = prog if prog else nullcontext()
    with ctx:
        if suite in ("grading", "all"):
            grader = None
            if brain == "llm":
                _lib, grader, _s = _grader("llm")
            res["grading"] = E.grading_suite(lib, fit=fit, progress=cb, grader=grader)
            res["grading"]["independent"] = E.independent_suite(lib, grader)
        if suite in ("robustness", "all"):
            grader = None
            if brain == "llm":
                _lib, grader, _s = _grader("llm")
            res["robustness"] = E.robustness_suite(lib, grader, progress=cb)
        if suite in ("retrieval", "all"):
            eng = eng or _engine()
            res["retrieval"] = E.retrieval_suite(lib, eng.index, progress=cb)
        if suite in ("behaviour", "all"):
            eng = eng or _engine()
            chosen = [c.strip() for c in cases_.split(",")] if cases_ else None
            for c in chosen or []:
                lib.case(c)
            res["behaviour"] = E.behaviour_suite(eng, chosen, progress=cb)
            res["behaviour"]["clarifying"] = E.clarify_suite(eng.lib)
        if suite == "clarifying":
            res["clarifying"] = E.clarify_suite(lib)
            for key, file, _name in E.CLARIFY_SETS:  # the other sets, each by a blind writer (evals/README.md)
                path = E.evals_dir() / "clarifying" / file
                if path.is_file():
                    res[key] = E.clarify_suite(lib, path)
    if eng is not None:
        eng.close()
    fails = E.check_thresholds(res, E.load_thresholds())
    res["failures"] = fails
    if out:
        E.write_report(res, out)
    clean = {k: v for k, v in res.items() if not k.startswith("_")}
    if "grading" in clean:
        g = {k: v for k, v in clean["grading"].items() if not k.startswith("_")}
        clean["grading"] = g
        # the documented top-level shape
        clean.update({"splits": g["splits"], "baselines": g["baselines"], "adversarial": g["adversarial"]})
        if "independent" in g:
            clean["independent"] = g["independent"]
    if "robustness" in clean:
        clean["robustness"] = clean["robustness"]
    if as_json:
        _print_json(clean)
    else:
        _summarise(clean)
    if fails:
        for f in fails:
            _err(f"threshold missed: {f}")
        raise typer.Exit(1)


def _eval_recorded(lib: Any, folder: Path, brain: BrainKind, as_json: bool, out: Optional[Path]) -> None:
    from contextlib import nullcontext

    from interviewer import evals as E

    grader = _grader(brain)[1] if brain == BrainKind.LLM else None
    prog, cb = _progress(sys.stderr.isatty() and not as_json)
    with prog if prog else nullcontext():
        r = E.recorded_suite(lib, folder, grader, progress=cb)
    if out:
        out.mkdir(parents=True, exist_ok=True)
        (out / "results.json").write_text(json.dumps({"recorded": r}, indent=2) + "\n")
    if as_json:
        _print_json({"recorded": r})
        return
    typer.echo(
        f"your recorded answers ({r['folder']}): QWK {r['qwk']} {r.get('qwk_ci')} exact {r['exact']} adjacent {r['adjacent']} "
        f"MAE {r['mae']} ({r['answers']} answers, {r['n']} grades, {r['brain']} grader, nothing fitted)"
    )
    typer.echo(f"baseline length (unfitted, one level per 60 words): QWK {r['baselines']['length']['qwk']}")
    for ph, s in r["per_phase"].items():
        typer.echo(f"  {ph:<11} QWK {s['qwk']} exact {s['exact']} MAE {s['mae']} ({s['n']} grades)")
    for q, s in r["per_quality"].items():
        typer.echo(f"  quality {q}: {s['answers']} answers, mean reference {s['mean_reference']}, mean grade {s['mean_grade']}")


def _summarise(res: dict[str, Any]) -> None:
    from interviewer import evals as E

    g = res.get("grading")
    if g:
        for sp in ("dev", "test"):
            s = g["splits"][sp]
            typer.echo(f"grading {sp}: QWK {s['qwk']} {s.get('qwk_ci')} exact {s['exact']} adjacent {s['adjacent']} MAE {s['mae']} ({s['answers']} answers, {s['n']} grades)")
        for b in ("length", "signals"):
            typer.echo(f"baseline {b}: QWK {g['baselines'][b]['qwk']}")
        typer.echo(f"adversarial: attack success rate {g['adversarial']['attack_success_rate']} over {g['adversarial']['n']} pairs")
        ind = g.get("independent")
        if ind:
            typer.echo(f"independent answers: QWK {ind['qwk']} with the blind graders' consensus (they agree at {ind['inter_rater_qwk']}; length baseline {ind['baselines']['length']['qwk']}; {ind['n']} grades)")
    rb = res.get("robustness")
    if rb:
        typer.echo("robustness: " + ", ".join(f"{k} {v}" for k, v in rb.items() if k not in ("n", "counts")) + f" ({rb['n']} comparisons)")
    r = res.get("retrieval")
    if r:
        typer.echo(f"retrieval: recall@5 {r['recall@5']} MRR {r['mrr']} ({r['n']} queries)")
    for key, _file, name in (("clarifying", "", "clarifying"), *E.CLARIFY_SETS):
        c = res.get(key)
        if c:
            typer.echo(f"{name}: accuracy {c['accuracy']} over {c['n']} questions, every part {c['every_part_answered']}, by kind {c['by_kind']}")
    b = res.get("behaviour")
    if b:
        typer.echo(
            f"behaviour: {b['n']} runs, {b['crashes']} crashes, targeting {b['follow_up_targeting']}, repeated lines {b['repeated_lines']}, "
            f"off-scope follow-ups {b.get('off_scope_follow_ups', 0)}, "
            f"phases over budget {b['phases_over_budget']}, minutes {b['minutes']}"
        )
        typer.echo(
            f"behaviour: follow-ups {b['follow_ups_mean']}, fewest strong/deep {b['strong_deep_min_follow_ups']}, concept-led {b['concept_led_share']}, "
            f"challenged {b['challenge_rate']}, false premises {b['false_premises']}, off-scope follow-ups "
            f"{b.get('off_scope_follow_ups', 0)}, clarifying accuracy {b['clarifying']['accuracy']} (every part {b['clarifying']['every_part_answered']})"
        )


@app.command()
def bench(
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    out: Optional[Path] = typer.Option(None, "--out", help="Write bench.json here too."),
) -> None:
    """Benchmarks: engine overhead per turn, index build cold/warm, retrieval latency, grading throughput, scorecard latency."""
    import subprocess

    from interviewer.bench import run_bench
    from interviewer.paths import repo_root

    res = run_bench()
    root = repo_root()
    script = root / "evals" / "bench" / "first_paint.py" if root else None
    if script and script.exists():  # the TUI's first paint, in a fresh process (headless)
        p = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, cwd=root)
        if p.returncode == 0 and p.stdout.strip():
            res["tui_first_paint"] = json.loads(p.stdout.strip().splitlines()[-1])
    if out:
        out.mkdir(parents=True, exist_ok=True)
        (out / "bench.json").write_text(json.dumps(res, indent=2) + "\n")
    if as_json:
        _print_json(res)
    else:
        for k, v in res.items():
            typer.echo(f"{k}: {v}")


def main() -> None:
    try:
        # without standalone mode, click returns the code of a typer.Exit rather than raising it ("threshold
        # missed" had exited 0)
        code = app(standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except typer.Exit as e:
        sys.exit(e.exit_code)
    except typer.Abort:
        _err("aborted")
        sys.exit(1)
    except ContentError as e:
        _err(e.one_line())
        sys.exit(2)
    except (UsageError, SessionError) as e:
        _err(str(e))
        sys.exit(2)
    except LLMError as e:
        _err(f"the model endpoint failed: {e}")
        sys.exit(1)
    except MlsdError as e:
        _err(str(e))
        sys.exit(1)
    except KeyboardInterrupt:
        _err("interrupted")
        sys.exit(130)
    except Exception as e:  # usage errors from typer's own click, damaged data files, the environment, and the unexpected
        import sqlite3

        if isinstance(e, typer.TyperException) and hasattr(e, "format_message"):
            _err(e.format_message())
            sys.exit(getattr(e, "exit_code", 2))
        if os.environ.get("MLSD_DEBUG"):
            raise
        if isinstance(e, sqlite3.DatabaseError):
            _database_error(e)
        if isinstance(e, (PermissionError, FileNotFoundError, IsADirectoryError, NotADirectoryError)) and e.filename:
            _err(f"{e.filename}: {e.strerror}")
            sys.exit(2)
        if isinstance(e, OSError) and e.filename:
            _err(f"{e.filename}: {e.strerror}")
            sys.exit(1)
        first = (str(e).strip().splitlines() or [""])[0]
        _err(f"unexpected error: {type(e).__name__}: {first} (a bug: MLSD_DEBUG=1 shows where)")
        sys.exit(1)


def _database_error(e: Exception) -> None:
    """A SQLite error: name the damaged file under MLSD_HOME and how to get past it (exit 2)."""
    from interviewer.health import damage_line, damaged_databases

    try:
        home = _settings().home
    except MlsdError:
        home = None
    damaged = damaged_databases(home) if home is not None else []
    if damaged:
        _err(damage_line(*damaged[0]))
        sys.exit(2)
    _err(f"database error in {home}: {e}; is another mlsd using it? if not, a file there may be damaged")
    sys.exit(1)


if __name__ == "__main__":
    main()
