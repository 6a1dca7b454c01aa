"""The concept layer (interviewer/concepts.py): the shipped bank, its validation, and the detectors.

Broken concept files are made from a small valid file by one edit, so each test knows the exact line
the error must name. The CLI tests run `mlsd check` on a writable copy of the content.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interviewer import PHASES
from interviewer.arithmetic import MISCONCEPTION_ID as ARITHMETIC_ID
from interviewer.concepts import (
    CASE_KINDS_FILE,
    GENERIC_WORDS_FILE,
    PROBLEM_KINDS,
    ConceptBank,
    find_mentions,
    find_misconceptions,
    load_concept_bank,
    units,
)
from interviewer.content import check_file, library
from interviewer.errors import ContentError
from interviewer.paths import knowledge_dir, rubrics_dir

REPO = Path(__file__).resolve().parents[1]
CONCEPTS = knowledge_dir() / "concepts"
# the phase files this layer's first author wrote; the others may be absent on a branch
AUTHORED_HERE = {"clarify": 30, "frame": 40, "data": 40, "model": 40}


@pytest.fixture(scope="module")
def bank() -> ConceptBank:
    return load_concept_bank()


# --------------------------------------------------------------------------- the shipped bank


def test_shipped_bank_loads_and_covers_each_authored_phase(bank: ConceptBank):
    per_phase = Counter(c.phase for c in bank.concepts.values() if bank.case_of[c.id] is None)
    miscs = Counter(m.phase for m in bank.misconceptions.values() if bank.case_of[m.id] is None)
    for phase, at_least in AUTHORED_HERE.items():
        assert per_phase[phase] >= at_least, (phase, per_phase[phase])
        assert 12 <= miscs[phase] <= 55, (phase, miscs[phase])  # widened for issues 10 and 11 (more kinds of wrong claims; 45 -> 55 with the blind sets dev5 and dev6)
    assert set(per_phase) <= set(PHASES)


def test_every_reference_in_the_bank_resolves(bank: ConceptBank):
    lib = library()
    known = {c.id for r in lib.rubrics.values() for c in r.criteria} | {c.id for o in lib.overlays.values() for c in o.criteria}
    for entry in [*bank.concepts.values(), *bank.misconceptions.values()]:
        assert set(entry.criteria) <= known, entry.id
        assert entry.phase in PHASES
        assert entry.scope is None or set(entry.scope) <= set(PROBLEM_KINDS)
    for case in lib.cases:
        assert bank.case_kinds(case) and set(bank.case_kinds(case)) <= set(PROBLEM_KINDS)


def test_aliases_are_unique_lowercase_and_not_generic(bank: ConceptBank):
    generic = set(yaml_list(CONCEPTS / GENERIC_WORDS_FILE, "generic_words"))
    owner: dict[str, str] = {}
    for c in bank.concepts.values():
        for a in c.aliases:
            assert a == a.lower() and a not in generic
            assert owner.setdefault(a, c.id) == c.id, (a, owner[a], c.id)


def test_probes_of_authored_phases_name_their_own_concept(bank: ConceptBank):
    """A deep-dive probe presupposes only its concept, so it says which one it is about."""
    for c in bank.concepts.values():
        if c.phase in AUTHORED_HERE and bank.case_of[c.id] is None:
            for probe in c.probes:
                named = {m.concept_id for m in bank.find_mentions(probe)}
                assert named == {c.id}, (c.id, probe, named)


def test_every_misconception_detects_its_examples_and_not_its_counter_examples(bank: ConceptBank):
    for m in bank.misconceptions.values():
        for ex in m.examples:
            assert m.id in {h.misconception_id for h in bank.find_misconceptions(ex)}, (m.id, ex)
        for ex in m.counter_examples:
            assert m.id not in {h.misconception_id for h in bank.find_misconceptions(ex)}, (m.id, ex)


# --------------------------------------------------------------------------- look-ups


def test_lookups_by_id_phase_criterion_and_case(bank: ConceptBank):
    assert bank.concept("two-tower").name == "two-tower model"
    assert bank.concept_for_alias("Dual  Encoder").id == "two-tower"
    assert bank.concept_for_alias("no such thing") is None
    model = bank.by_phase("model")
    assert model and all(c.phase == "model" for c in model)
    assert "two-tower" in {c.id for c in bank.by_criterion("two-stage-architecture")}
    assert all("leakage-and-splits" in c.criteria for c in bank.by_criterion("leakage-and-splits"))
    assert all(c.criteria[0] == "baseline" for c in bank.by_criterion("baseline", main_only=True))
    with pytest.raises(KeyError):
        bank.concept("not-a-concept")


def test_case_lookups_filter_by_problem_kind(bank: ConceptBank):
    vr = {c.id for c in bank.for_case("video-recommendation")}
    svb = {c.id for c in bank.for_case("street-view-blurring")}
    assert "two-tower" in vr and "two-tower" not in svb  # scope [retrieval]
    assert "object-detection" in svb and "object-detection" not in vr  # scope [detection]
    assert "gbdt" in vr and "gbdt" in svb  # no scope: every case
    vr_model = {c.id for c in bank.by_phase("model", "video-recommendation")}
    assert vr_model <= vr and all(bank.concept(c).phase == "model" for c in vr_model)
    fraud = {m.id for m in bank.misconceptions_for(case="payment-fraud-detection")}
    assert "random-split-on-time-data" in fraud and "full-softmax-over-catalogue" not in fraud
    assert {m.id for m in bank.misconceptions_for(phase="data")} >= {"random-split-on-time-data", "oversample-before-split"}
    with pytest.raises(ContentError):
        bank.case_kinds("no-such-case")


def test_case_kinds_come_from_the_case_yaml_when_it_has_them(tmp_path: Path):
    """The rubric layer adds `kinds:` to case YAML; until then knowledge/concepts/case-kinds.yaml says."""
    from interviewer.concepts import _case_kinds

    lib = library()
    # case stand-ins with and without their own kinds (model_copy does not validate)
    own = type("Case", (), {"kinds": ["detection"]})()
    bare = type("Case", (), {})()
    folder = tmp_path / "concepts"
    folder.mkdir()
    (folder / CASE_KINDS_FILE).write_text("cases:\n  video-recommendation: [retrieval, ranking]\n  news-feed: [ranking]\n", encoding="utf-8")
    kinds = _case_kinds(folder, lib.model_copy(update={"cases": {"video-recommendation": own, "news-feed": bare}}))
    assert kinds == {"video-recommendation": ("detection",), "news-feed": ("ranking",)}
    with pytest.raises(ContentError, match="no problem kinds for case 'search-ranking'"):
        _case_kinds(folder, lib.model_copy(update={"cases": {"video-recommendation": bare, "news-feed": bare, "search-ranking": bare}}))


# --------------------------------------------------------------------------- detectors


def test_mentions_keep_exact_spans_and_respect_units(bank: ConceptBank):
    text = "- Two-Tower retrieval with in-batch  negatives\n- logQ correction\n* p99 < 200ms, ~35k QPS\nfeature\nstore"
    got = bank.find_mentions(text)
    for m in got:
        assert text[m.start : m.end] == m.matched
    assert [m.concept_id for m in got] == ["two-tower", "in-batch-negatives", "logq-correction", "latency-budget", "queries-per-second"]
    # "feature" and "store" sit on separate short lines (notes), so no feature store is named
    assert "feature-store" not in {m.concept_id for m in got}


def test_mentions_take_the_longest_alias_and_skip_hyphen_prefixed_words(bank: ConceptBank):
    got = bank.find_mentions("A GBDT-based re-ranking stage, then a sampled softmax.")
    assert [(m.concept_id, m.matched) for m in got] == [("gbdt", "GBDT"), ("re-ranking", "re-ranking"), ("sampled-softmax", "sampled softmax")]
    assert bank.find_mentions("pre-ranking") and bank.find_mentions("pre-ranking")[0].concept_id == "light-ranker"
    assert [m.concept_id for m in bank.find_mentions("unsupervised-ish gbdtx retrieval")] == ["supervision-type"]  # not "gbdtx"


def test_an_alias_written_with_spaces_also_names_the_hyphenated_form_but_not_the_reverse(bank: ConceptBank):
    """"right-to-erasure" earned nothing though "right to erasure" is an alias; a hyphenated alias ("in-batch")
    still needs its hyphen, and two concepts may not own the same words joined differently."""
    assert "deletion-requests" in {m.concept_id for m in bank.find_mentions("a right-to-erasure path")}
    assert "two-tower" in {m.concept_id for m in bank.find_mentions("a two tower retriever")}
    from interviewer.concepts import surface_parts

    owners: dict[tuple[str, ...], str] = {}
    for c in bank.concepts.values():
        for a in c.aliases:
            assert owners.setdefault(surface_parts(a), c.id) == c.id, (a, owners[surface_parts(a)], c.id)


def test_wrapped_prose_is_one_unit_but_notes_are_not():
    prose = "For the split I would hold out the last two months of traffic as the test set, because\na random split leaks the future."
    spans = [prose[a:b] for a, b in units(prose)]
    assert spans[0].startswith("For the split") and spans[0].endswith("because\na random split leaks the future.")
    notes = "random split\ninto control and treatment"
    assert [notes[a:b] for a, b in units(notes)] == ["random split", "into control and treatment"]


def test_a_sentence_goes_on_past_an_abbreviation():
    """A probe saw a scorecard quote cut at "recall @ fixed FPR (e.g.": a unit does not end after "e.g.", "i.e.",
    "vs." or a mid-sentence "etc.", and still ends at a real full stop."""
    text = "Offline: PR-AUC, recall @ fixed FPR (e.g. 1%) and cost. GBDT vs. a DNN, i.e. cheap first. Logs, clicks etc. and hides. Done etc. Next."
    assert [text[a:b] for a, b in units(text)] == [
        "Offline: PR-AUC, recall @ fixed FPR (e.g. 1%) and cost.",
        "GBDT vs. a DNN, i.e. cheap first.",
        "Logs, clicks etc. and hides.",
        "Done etc.",
        "Next.",
    ]


def test_misconceptions_found_per_sentence_with_exact_spans(bank: ConceptBank):
    text = "We tune the threshold on the test set. Then we randomly split the data 80/20!\n- softmax over all 10 million videos"
    hits = bank.find_misconceptions(text)
    # a random split of event data is stated by two siblings (the literal wording and the wider family)
    assert {h.misconception_id for h in hits} == {"tuning-on-test-set", "random-split-on-time-data", "random-holdout-on-event-logs", "full-softmax-over-catalogue"}
    for h in hits:
        assert text[h.start : h.end] == h.matched
    # scoped: a retrieval-only misconception is not raised for a fraud case
    assert "full-softmax-over-catalogue" not in {h.misconception_id for h in bank.find_misconceptions(text, "payment-fraud-detection")}


def test_a_question_states_no_misconception_but_a_claim_put_up_for_confirmation_does(bank: ConceptBank):
    """A new user's clarifying question "Are comments and DMs in scope?" was read as the claim that private
    messages are scanned, and the scorecard showed it as "said, then taken back" on privacy."""
    case = "harmful-content-detection"
    for asked in ("Are comments and DMs in scope?", "Are private messages in scope, or only public posts?"):
        assert not bank.find_misconceptions(asked, case), asked
    for said in ("We'd scan private messages too, right?", "We'll scan DMs. Is that ok?", "We'd scan private messages too.", "Can we just scan the DMs too?"):
        assert "hcd-scan-private-messages" in {h.misconception_id for h in bank.find_misconceptions(said, case)}, said


def test_literal_prefilter_never_changes_what_is_found(bank: ConceptBank):
    """Units lacking the literals a pattern requires are skipped, and a pattern anchored at "^" is tried at
    the unit's start only; the result must be the same without either."""
    from interviewer.concepts import _anchored, _compiled, _required_condition, _simplified

    assert _required_condition(r"(?<!not )\brandom(ly)?\s+split") == ("&", ("random", "split"))
    # "(train|tun)" parses as "t(rain|un)": "un" is too short to filter on, so that part requires nothing
    assert _required_condition(r"\b(train|tun)\w*\s+on\s+(the\s+)?test\s+set") == ("&", ("test", "set"))
    assert _required_condition(r"\w+") is None
    # each alternative, led by a lookahead and ".*", needs its own pieces; the lookahead needs nothing
    ship = r"^(?!.*\bnot\b).*\b(ship|launch)\w* when|^(?!.*\bnever\b).*\bdeploy\w* the best"
    assert _required_condition(ship) == ("|", (("&", (("|", ("ship", "launch")), " when")), ("&", ("deploy", " the best"))))
    assert _required_condition(r"^(?!.*\bnot\b).*\b(ship|launch) when|^.*\w+") is None  # an alternative that needs no word
    assert _simplified(("|", ("ship", ("|", ("shipped", "launch")), "ship"))) == ("|", ("ship", "launch"))
    assert _simplified(("&", ("ship", "shipped"))) == "shipped"
    test = _compiled(_required_condition(ship))
    assert test is not None and test("we ship it when ready") and not test("we ship it") and test("deploy the best one")
    assert _anchored(ship) and not _anchored(r"\bship|^launch") and _anchored(r"^(ship|launch)")
    texts = [ex for m in bank.misconceptions.values() for ex in (*m.examples, *m.counter_examples)]
    texts += ["We RANDOMLY split it.\nTUNE the threshold ON the Test Set", "softmax  over all items", "x" * 50]
    texts += [line for _case, line in WRONG[::2]]
    found = [bank.find_misconceptions(t) for t in texts]
    assert sum(map(bool, found)) > len(texts) // 3
    saved = bank._prefilter, bank._finder
    try:
        bank._unit_memo.clear()  # remembered scans would hide the difference
        bank._prefilter = {k: None for k in saved[0]}
        # a figure against the case's own (figures.py) and a sizing slip (arithmetic.py) are found by plain code,
        # with no pattern to fall back on
        coded = set(bank.figure_of) | {ARITHMETIC_ID}
        bank._finder = {k: saved[1][k] if k in coded else bank._patterns[k].search for k in bank.misconceptions}
        assert [bank.find_misconceptions(t) for t in texts] == found
    finally:
        bank._prefilter, bank._finder = saved
        bank._unit_memo.clear()
    authored = [k for k in bank.misconceptions if k not in bank.figure_of]
    assert sum(saved[0][k] is not None for k in authored) > len(authored) * 0.9
    assert sum(saved[1][k].__name__ == "match" for k in authored) > len(authored) // 2


def test_depth_cues_count_in_the_same_sentence_or_the_next_line(bank: ConceptBank):
    text = "Two-tower retrieval.\nnegatives come from the batch, with logQ\nItem vectors live in an HNSW index."
    depth = bank.find_depth(text)
    assert 0 in depth["two-tower"]  # next line: negatives, logq
    assert 1 not in depth["two-tower"]  # the index is two lines down
    assert bank.find_depth("Two-tower with item vectors precomputed into an HNSW index")["two-tower"] == {1}


def test_module_functions_use_the_shipped_bank():
    assert [m.concept_id for m in find_mentions("GDPR and DAU")] == ["privacy-regulation", "daily-active-users"]
    assert find_misconceptions("privacy is not a concern here")[0].misconception_id == "privacy-not-a-concern"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(["two-tower", "GBDT", "p99", " ", "\n", "- ", "re-", "logQ", ".", "random split", "x", "é", "\r\n", "İ"]), max_size=30))
def test_spans_are_exact_on_any_text(bank: ConceptBank, parts: list[str]):
    text = "".join(parts)
    for a, b in units(text):
        assert 0 <= a < b <= len(text) and text[a:b] == text[a:b].strip()
    for m in bank.find_mentions(text):
        assert text[m.start : m.end] == m.matched and m.matched == m.matched.strip()
    for h in bank.find_misconceptions(text):
        assert text[h.start : h.end] == h.matched


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(["two-tower", "GBDT", "p99", " ", "\n", "- ", "re-", "logQ", ".", "random split", "accuracy is the metric", "x", "\r\n", "Kafka"]), max_size=30))
def test_remembered_unit_scans_equal_fresh_scans(bank: ConceptBank, parts: list[str]):
    """Per-unit scans are remembered across texts (an interview re-reads its growing answers); whatever a
    text's units were seen in before, the mentions, misconceptions and depth found are those of a fresh scan."""
    text = "".join(parts)
    for warm in (text, "\n".join(parts), text[::-1], "- " + text):
        bank.find_mentions(warm)
        bank.find_misconceptions(warm, "video-recommendation")
    bank._mention_memo.clear()  # the whole-text memo would answer before the per-unit one
    got = (bank.find_mentions(text), bank.find_misconceptions(text, "video-recommendation"), bank.find_depth(text))
    bank._remember = lambda _key, compute: compute()  # type: ignore[method-assign]
    try:
        bank._mention_memo.clear()
        fresh = (bank.find_mentions(text), bank.find_misconceptions(text, "video-recommendation"), bank.find_depth(text))
    finally:
        del bank._remember
        bank._mention_memo.clear()
    assert got == fresh


# --------------------------------------------------------------------------- broken files

GOOD = """\
phase: clarify
concepts:
  - id: t-alpha
    name: alpha thing
    aliases:
      - alpha thing
      - alpha-thing
    kind: technique
    criteria:
      - business-objective
    depth:
      - point: why it matters
        cues: [because]
      - point: a number
        cues: [percent]
    probes:
      - You mentioned the alpha thing. Why that one?
  - id: t-beta
    name: beta widget
    aliases:
      - beta widget
    kind: component
    criteria:
      - users-and-scale
    depth:
      - point: how large
        cues: [size]
      - point: how fast
        cues: [speed]
    probes:
      - You mentioned a beta widget. How large would the beta widget be?
misconceptions:
  - id: t-wrong
    claim: a wrong claim
    patterns:
      - '\\bwrong claim\\b'
    examples:
      - this is a wrong claim
      - another wrong claim here
    counter_examples:
      - this statement is right
    criteria:
      - business-objective
    challenge: Is that so?
"""


def _folder(tmp_path: Path, text: str = GOOD, name: str = "clarify.yaml") -> Path:
    folder = tmp_path / "knowledge" / "concepts"
    folder.mkdir(parents=True, exist_ok=True)
    for aux in (CASE_KINDS_FILE, GENERIC_WORDS_FILE):
        shutil.copy(CONCEPTS / aux, folder / aux)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


def _edit(text: str, old: str, new: str) -> tuple[str, int]:
    """Replace the one line `old` (stripped) with `new`; return the text and that line's number."""
    lines = text.splitlines()
    hits = [i for i, line in enumerate(lines) if line.strip() == old]
    assert len(hits) == 1, (old, hits)
    lines[hits[0]] = new
    return "\n".join(lines) + "\n", hits[0] + 1


BROKEN = {
    "bad-yaml": ("name: beta widget", "    name: beta: widget", "mapping values"),
    "unknown-criterion": ("- users-and-scale", "      - no-such-criterion", "unknown criterion"),
    "duplicate-alias": ("- beta widget", "      - alpha thing", "already an alias"),
    "generic-alias": ("- beta widget", "      - latency", "generic word"),
    "uppercase-alias": ("- beta widget", "      - Beta Widget", "lowercase"),
    "pattern-misses-example": ("- another wrong claim here", "      - a sentence about something else", "no pattern matches"),
    "counter-example-matches": ("- this statement is right", "      - not a wrong claim at all", "matches the counter-example"),
    "probe-names-another-concept": (
        "- You mentioned a beta widget. How large would the beta widget be?",
        "      - You mentioned a beta widget. Is it bigger than the alpha thing?",
        "names another concept",
    ),
    "regex-does-not-compile": ("- '\\bwrong claim\\b'", "      - '\\bwrong (claim'", "does not compile"),
    # compiles alone, but not joined with the entry's other patterns (a global flag in the middle)
    "regex-global-flag-inside": ("- '\\bwrong claim\\b'", "      - '(?i)\\bwrong claim\\b'", "does not compile"),
    "unknown-field": ("kind: component", "    kind: component\n    colour: red", "unknown field", 1),
    "bad-scope": ("kind: component", "    kind: component\n    scope: [telepathy]", "unknown problem kind", 1),
    "too-few-depth-points": ("- point: how fast", "      - bogus: true", "depth.1"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_concept_file_names_file_and_line(tmp_path: Path, case: str):
    old, new, words, *shift = BROKEN[case]
    text, line = _edit(GOOD, old, new)
    line += shift[0] if shift else 0
    folder = _folder(tmp_path, text)
    path = folder / "clarify.yaml"
    with pytest.raises(ContentError) as err:
        load_concept_bank(folder, library())
    e = err.value
    assert (e.path, e.line) == (str(path), line), e.one_line()
    assert words in e.message, e.message
    assert e.one_line().startswith(f"{path}:{line}: ") and "\n" not in e.one_line()
    # the single-file check (what `mlsd check FILE` runs) reports the same fault at the same place
    with pytest.raises(ContentError) as single:
        check_file(path)
    assert (single.value.path, single.value.line) == (str(path), line)


def test_good_file_loads_and_other_phase_files_may_be_absent(tmp_path: Path):
    bank = load_concept_bank(_folder(tmp_path), library())
    assert set(bank.concepts) == {"t-alpha", "t-beta"} and set(bank.misconceptions) == {"t-wrong"}
    assert bank.concept("t-beta").phase == "clarify"


def test_probe_may_contain_another_alias_inside_its_own(tmp_path: Path):
    text, _ = _edit(GOOD, "- beta widget", "      - beta widget\n      - beta alpha thing stack")
    text = text.replace("How large would the beta widget be?", "How tall is the beta alpha thing stack?")
    load_concept_bank(_folder(tmp_path, text), library())


def test_duplicate_id_across_files_names_the_second_file(tmp_path: Path):
    folder = _folder(tmp_path)
    other = GOOD.replace("phase: clarify", "phase: frame").replace("t-beta", "t-gamma").replace("beta widget", "gamma gadget").replace("t-wrong", "t-wrong-two")
    (folder / "frame.yaml").write_text(other, encoding="utf-8")
    with pytest.raises(ContentError, match="duplicate id 't-alpha'") as err:
        load_concept_bank(folder, library())
    # clarify.yaml sorts first, so frame.yaml holds the duplicate
    assert err.value.path == str(folder / "frame.yaml")
    assert err.value.line == 3


def test_file_named_after_no_phase_and_mismatched_phase(tmp_path: Path):
    folder = _folder(tmp_path)
    (folder / "modle.yaml").write_text(GOOD, encoding="utf-8")
    with pytest.raises(ContentError, match="named after a phase") as err:
        load_concept_bank(folder, library())
    assert err.value.path == str(folder / "modle.yaml")
    (folder / "modle.yaml").unlink()
    (folder / "frame.yaml").write_text(GOOD.replace("t-", "u-").replace("alpha", "gamma").replace("beta", "delta"), encoding="utf-8")
    with pytest.raises(ContentError, match="does not match the file name") as err:
        load_concept_bank(folder, library())
    assert (err.value.path, err.value.line) == (str(folder / "frame.yaml"), 1)


def test_case_file_entries_give_their_phase(tmp_path: Path):
    folder = _folder(tmp_path)
    (folder / "cases").mkdir()
    case_text = GOOD.replace("phase: clarify", "case: news-feed").replace("t-", "nf-t-").replace("alpha", "gamma").replace("beta", "delta")
    (folder / "cases" / "news-feed.yaml").write_text(case_text, encoding="utf-8")
    with pytest.raises(ContentError, match="give their `phase`") as err:
        load_concept_bank(folder, library())
    assert err.value.line == 3
    fixed = case_text.replace("    kind: technique", "    phase: frame\n    kind: technique").replace("    kind: component", "    phase: frame\n    kind: component")
    fixed = fixed.replace("    challenge: Is that so?", "    challenge: Is that so?\n    phase: frame")
    (folder / "cases" / "news-feed.yaml").write_text(fixed, encoding="utf-8")
    bank = load_concept_bank(folder, library())
    assert bank.case_of["nf-t-gamma"] == "news-feed" and bank.applies("nf-t-gamma", "news-feed") and not bank.applies("nf-t-gamma", "search-ranking")
    assert {c.id for c in bank.by_phase("frame", "news-feed")} == {"nf-t-gamma", "nf-t-delta"}


# --------------------------------------------------------------------------- mlsd check


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "tui.cli", *args], capture_output=True, text=True, timeout=180, cwd=REPO, env=full)


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(rubrics_dir(), root / "rubrics")
    shutil.copytree(knowledge_dir(), root / "knowledge")
    return root


def test_mlsd_check_exits_2_on_a_broken_concept_file(content_copy: Path):
    path = content_copy / "knowledge" / "concepts" / "model.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("    aliases: ["))
    lines[at] = lines[at].replace("aliases: [", "aliases: [ranking, ", 1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    expected = f"{path}:{at + 1}:"
    for args, env in ((("check",), {"MLSD_CONTENT_DIR": str(content_copy)}), (("check", str(content_copy)), {}), (("check", str(path)), {})):
        res = run_cli(*args, env=env)
        assert res.returncode == 2, (args, res.stdout, res.stderr)
        err = res.stderr.strip().splitlines()
        assert len(err) == 1 and expected in err[0] and "generic word" in err[0], (args, res.stderr)
        assert "Traceback" not in res.stderr


def test_mlsd_check_counts_the_concept_files(content_copy: Path):
    res = run_cli("check", env={"MLSD_CONTENT_DIR": str(content_copy)})
    assert res.returncode == 0, res.stderr
    n = int(re.match(r"ok: (\d+) files valid", res.stdout).group(1))
    concept_files = [p for p in (content_copy / "knowledge" / "concepts").rglob("*.yaml") if p.name not in (CASE_KINDS_FILE, GENERIC_WORDS_FILE)]
    assert concept_files and n >= len(concept_files) + 14 * 3  # plus at least rubrics/overlays/cases


def yaml_list(path: Path, key: str) -> list[str]:
    import yaml

    return yaml.safe_load(path.read_text(encoding="utf-8"))[key]


def test_a_claim_over_two_sentences_of_one_line_is_found_with_its_span(bank: ConceptBank):
    text = "We keep a tenth of the negatives to train faster. Then we read the outputs directly as the true rate."
    hits = [h for h in bank.find_misconceptions(text) if h.misconception_id == "downsampled-probabilities-calibrated"]
    assert len(hits) == 1
    h = hits[0]
    assert text[h.start : h.end] == h.matched and h.matched.startswith("We keep") and h.end > text.index("Then")
    # two notes on separate lines are separate statements: never joined
    notes = "- keep a tenth of the negatives\n- read the outputs directly as the true rate"
    assert "downsampled-probabilities-calibrated" not in {x.misconception_id for x in bank.find_misconceptions(notes)}
    # a correction said in the second sentence keeps the pair from firing
    fixed = "We keep a tenth of the negatives. We correct the outputs for the sampling before reading them directly as rates."
    assert "downsampled-probabilities-calibrated" not in {x.misconception_id for x in bank.find_misconceptions(fixed)}


# correct statements, each close in wording to a known misconception; none may be flagged
CORRECT = [
    'Even with millions of users per arm, I would report a confidence interval and check the lift is big enough to matter.',
    "Let me ask a few clarifying questions before I dive straight into the design.",
    "We size the serving fleet for the evening peak with 30% headroom, not for the typical load.",
    "I would budget on p99 latency; the average is far lower and hides the slow requests.",
    "Privacy rules still apply to behavioural data such as watch history.",
    "The business goal is fewer chargebacks; AUC is only our offline proxy for it.",
    "We shuffle only within the training window; the split itself is by time.",
    "SMOTE, if at all, runs on the training split only, after the time-based split.",
    "The test set keeps the natural class ratio so precision means what it will mean in production.",
    "We fit the scaler and encoders on the training split only and apply them to validation and test.",
    "An item the user was shown and skipped is a negative; items never shown are not.",
    "In-batch negatives over-represent popular items, so we subtract the log of their sampling probability.",
    "Cold start for new items is handled by a content embedding from the title and thumbnail until interactions arrive.",
    "Quantising to int8 usually costs a little AUC, so we re-run the offline evaluation before shipping.",
    "HNSW can miss some true neighbours, so we measure recall at 100 against brute force on a sample.",
    "We randomise by user, so nobody sees both rankers during the test.",
    "Removing gender is not enough, since a postcode can act as a proxy; we audit outcomes per group.",
    "With millions of rows every KS test comes out significant, so we alert on PSI above 0.2 instead.",
    "Retraining will not fix a broken upstream feature, so we check data quality first.",
    "Each retrained model goes to shadow, then canary, and is promoted only if it beats the live one.",
    "Hashing user ids is only pseudonymisation; the data is still personal data.",
    "A bigger model is not always better once latency and serving cost are counted.",
    "We cannot score every item for every request, so retrieval narrows millions to a thousand.",
    "Whether the user ended up engaging is the label, so it cannot be an input.",
    "We remove only near-certain violations automatically and send the uncertain band to human review.",
    # close in wording to the misconceptions added when the bank was widened
    "Even though we retrain daily, we still monitor precision, since a retrain can learn from a broken feed.",
    "Feature drift is only an early warning; once chargebacks arrive we measure recall directly.",
    "Latency and CPU can look healthy while the model is silently wrong, so we also watch the score distribution.",
    "One global AUC can hide a drop in one country, so we slice by region and device.",
    "Besides the weekly review, automated alerts page the on-call within minutes.",
    "We never see the outcome of declined payments, so a small random holdout is let through for labels.",
    "A few hours is not enough for the test; we run two full weeks to cover weekly cycles.",
    "The sample size is fixed in advance from a power calculation; we do not run until it is significant.",
    "The first week's lift may be novelty, so we check whether it fades.",
    "We ship only if the primary metric rises and no guardrail such as latency or hides gets worse.",
    "Prevalence comes from labelling a random sample of views, not from counting reports.",
    "A tree model does not need a GPU; CPUs serve it cheaply.",
    "Precomputing every user-item pair is impossible here, so we precompute each user's top 500 only.",
    "If the model service times out, we fall back to a cached popularity list.",
    "In shadow mode no user sees the new model's output, so it tells us latency and agreement, not CTR.",
    "We can skip neither the baseline nor the error analysis: logistic regression sets the bar.",
    "Cold start is not a problem for fraud because every payment carries its own features.",
    "30 ms at p99 covers all 500 candidates of a request, so about 60 microseconds per ad.",
    "Running a CNN on every candidate's image per request would blow the 30 ms budget.",
    "Gradient boosting does not handle extreme imbalance on its own, so we weight the positives.",
    "Scores are not calibrated by default, so we check a reliability diagram.",
    "Labels are not available immediately; chargebacks arrive weeks later.",
    "Rather than dropping rows with missing values, we impute and add a missing flag.",
    "One-hot encoding millions of user ids is impractical, so we learn embeddings.",
    "The long tail is not noise; niche users and new items live there.",
    "We don't just sort by score; a re-ranking step adds diversity and removes duplicates.",
    "Accepting the terms of service does not let us use any data for any purpose.",
    "We should not worry about scale later; it decides between batch and online serving.",
    "We won't stop the test the moment it turns significant, and we won't keep it running until it does.",
    "Shadow mode cannot tell us click-through rate, because nobody sees the shadow model's results.",
    "Not every purchase after a click was caused by the recommendation, so we measure lift with a holdout.",
    # said in good answers the precision check found flagged (evals/bench/misconception_precision.py)
    "Splits are by time and grouped by author, because a random split would mostly test memorization.",
    "Do we remove it automatically or send it to human moderators?",
    "I would start with a simple baseline like logistic regression, and then move to trees if the baseline is not good enough.",
    "No random split; the test set is the out-of-time month.",
    "We don't need segmentation masks, since blurring a dilated box is enough.",
    # issues 10 and 11: correct statements close in wording to the misconceptions added then
    'Users are the unit of randomisation, so the CTR confidence interval comes from a per-user bootstrap, not from counting impressions.',
    'Treating every impression as independent would understate the variance, so we use the delta method.',
    'We have billions of impressions, but only a few million users, and users set the power.',
    'We look at 30 country slices, but only after a Holm correction, and treat any hit as a hypothesis to re-test.',
    'Bonferroni is too conservative for 200 segments, so we control the false discovery rate instead.',
    'We launch everywhere or nowhere; a segment that looked significant after the fact gets its own confirmation test.',
    'A non-significant result does not prove the two rankers are the same; with this sample we could miss a 1 percent drop.',
    'Latency did not move significantly, and the confidence interval rules out more than 2 ms, which is within budget.',
    'Since the p-value was 0.4, the test is inconclusive rather than proof of no effect.',
    'We do not multiply a two-week lift by 52; novelty can fade, so we keep a holdout for a quarter.',
    'Off-policy estimates need the logging policy to explore, so 5 percent of traffic is ranked with randomised swaps and logged propensities.',
    'Because the production ranker is greedy, inverse propensity weighting on its logs is undefined for unseen actions.',
    'The two-year holdout shows the combined effect of all launches; the new model is tested against the current production model.',
    'Overall recall rose, but we check each language, since a gain in English can mask a drop in Thai.',
    'The global MAE improved, yet two cities got worse, so we look at them before launch.',
    'The model is calibrated overall, but we still plot reliability curves per advertiser, because errors can cancel out.',
    'Matching the average predicted CTR to the observed CTR is only calibration in the large; we also check per decile.',
    'Instead of the F1 optimum, the threshold is the lowest score that keeps precision above 90 percent.',
    'F1 is a rough summary; the operating point is set from the cost of a chargeback versus a false decline.',
    "A random model's average precision equals the fraud rate, so a PR-AUC of 0.3 is far above chance here.",
    'Interleaving tells us which ranker users prefer with little traffic; the revenue effect is then measured in an A/B test.',
    'We train the p90 with pinball loss and then measure how often deliveries actually beat the quote, per city.',
    'The same user must not be in both train and test, so we split by user id.',
    'Near-duplicate images across train and test would inflate recall, so we dedup with perceptual hashes first.',
    'Labels exist only for approved payments, so a small random share of risky payments is approved to limit selection bias.',
    'Dislikes are rare but informative, so we keep them as strong negatives with a higher weight.',
    'We filter out items the user hid from their future feed, and the hides also become negative labels.',
    'The current classifier only decides which posts to send to human reviewers; their verdicts are the labels.',
    'Target encoding is computed out-of-fold, and for the test month only from earlier data.',
    'Dropping the position feature does not remove position bias from the labels, so we estimate propensities per slot.',
    'Gradient boosting does overfit with too many rounds, so early stopping on a later validation month picks the number of trees.',
    'Cross features between the user and the ad cannot enter the two towers; the ranker adds them.',
    'Exponentiating the log prediction gives the median, so we add half the residual variance before showing a mean.',
    'The zero-shot LLM needs no training labels, but we still evaluate it against 3,000 human-labelled posts.',
    'When the encoder is retrained, the whole catalogue is re-embedded and the new index is swapped in together with the new query tower.',
    'We cache the retrieval candidates per query and re-rank them per user, so the personalised order is never shared.',
    'Logged-out users share a cached popular list; signed-in users get results computed for them.',
    'With 64 shards the request waits for the slowest shard, so p99 grows with fan-out and we hedge slow calls.',
    'Adding replicas raises throughput and removes queueing at peak, but it does not make one inference faster.',
    'Dynamic batching adds up to 5 ms of waiting, which fits inside the budget.',
    'We compare each hour with the same hour last week, because traffic follows a weekly cycle.',
    'Per-campaign alerts apply only to campaigns with at least 10,000 impressions a day, otherwise the CTR is noise.',
    'A stalled feature job leaves the last values in place, so its distribution looks normal; we alert on feature freshness.',
    'AUC can stay flat while calibration drifts, so we also watch the ratio of predicted to observed clicks.',
    'We track the mean score together with its percentiles and a PSI over the whole histogram.',
    'User embeddings are personal data, so a deletion request removes them from the feature store and the next training set.',
    'Teenagers get stricter defaults: no personalised ads and no precise location.',
    'Zero missed faces is impossible, so we target very high recall and let people report misses.',
    'Coupons go to customers whose purchase probability rises most with a coupon, measured with a randomised holdout, not to those likeliest to buy anyway.',
    # issues 10 and 11: correct look-alikes of the second set
    'Queries from one user are not independent, so the p-value is computed over users.',
    'We read the experiment per user; per impression the variance would be understated.',
    'We track a dozen metrics, but launch only on the pre-registered primary one.',
    'Per country we look for large regressions, not for significant wins to launch on.',
    'Since the difference was not significant and the interval is wide, we cannot say the models perform equally.',
    "The first week's lift is not the yearly impact; we wait for the holdout before estimating annual revenue.",
    'Precision improved on the full eval set, but we check each language because one can still regress.',
    'We pick the cutoff from the cost curve, not where the F1 curve peaks.',
    'With 0.2 percent positives, an average precision of 0.2 is a hundred times better than a coin flip.',
    'With the 0.9 quantile loss the late rate should be near 10 percent, and we measure it every week.',
    'We train on accepted payments and on a small random sample of declined ones that we let through.',
    "The advertiser's mean CTR feature is computed over the 30 days before each impression.",
    'Boosted trees do overfit past some number of rounds, so early stopping picks it.',
    'When the encoder is updated, all items are re-embedded; old and new vectors are never mixed.',
    "We cache each feed page per user for a minute; nobody is served another user's copy.",
    'Sharding over more machines cuts per-shard work, but the slowest shard sets the p99.',
    'More GPU replicas keep queues short at peak, but they do not make a single request faster.',
    'Only the top 100 advertisers by spend get their own alert; the rest are grouped.',
    'Freshness checks are needed even with drift monitoring, because a stale table looks normal.',
    'User embeddings contain personal data, so they are deleted along with the account.',
    'We monitor the full score distribution, not only the average fraud score.',
    'No classifier catches every violation with no false positives, so we agree a review budget.',
    'Minors need separate handling: no personalised ads and stricter content filters.',
    'The two-tower model sees only user features and item features; interaction counts go to the ranker.',
    'A win in the US experiment may not apply to every other country, so we re-test in large markets.',
    'Teenagers are not treated like adults here; their history is not used for ads.',
    # issues 10 and 11: correct look-alikes of the existing families widened then
    'We tune the threshold on the validation month and touch the test set only once, at the end.',
    'Upsampling is applied to the training split only, after the test set has been set aside.',
    'The scaler is fit on the training split only and then applied to the test rows.',
    'Chargebacks are not available right after the payment; most arrive within 60 days.',
    'Moderator labels are not perfect, so we measure agreement on a gold set every week.',
    'The model trained on 1 percent of negatives is recalibrated before its pCTR goes into the auction.',
    'Brand-new videos are not handled by collaborative filtering; content embeddings cover them until interactions arrive.',
    'Boosted trees are not calibrated out of the box, so we fit isotonic regression on a later month.',
    'We still need a separate ranker on top of the two-tower retrieval to use cross features.',
    'ETAs are computed at request time; a nightly batch only refreshes the restaurant prep-time features.',
    'Serving cost is small compared with fraud losses, and we still estimate it at peak traffic.',
    'If CTR drops we first check the data pipelines, since retraining will not fix a broken feature.',
    'A shared feature store reduces skew but does not remove it, so we log served features and compare.',
    'False declines are a real cost, since many customers do not retry and some churn.',
    'CTR is our primary online metric, with hides and latency as guardrails.',
    'Replaying logs is biased toward what the old ranker showed, so we use a small randomised slice for offline estimates.',
    # issues 10 and 11: correct look-alikes of the fourth set
    'Control ended up with 5 percent more users than treatment, so we treat it as a sample ratio mismatch and debug the assignment.',
    "We re-run the old ranker on this year's query set so that both nDCG numbers come from the same data.",
    'The error bars overlap, but that does not mean the difference is not significant; we test the difference directly.',
    'Ranking among 99 random negatives can reorder models, so recall@10 is computed against the full index.',
    'People who watch more recommended videos stay longer, but heavy users do both, so we use a holdout to measure the effect.',
    'Three weeks of transactions are not representative of the year, so we train on twelve months.',
    'Internal testing finds bugs; employees are not representative, so the decision comes from the A/B test.',
    'Connection counts by postcode are published only for cells of at least 100 members.',
    'Aggregated statistics over large cohorts, with small cells suppressed, are what we share.',
    'The late-delivery rate was not significantly different, and the interval rules out more than half a point of harm.',
    'Because overall precision is high we look next at each harm category, since a rare one can still be poor.',
    'Calibration looks fine overall, but we still check it per placement before the auction uses it.',
    'Fanning out to many shards does raise the p99, so we hedge the slowest calls.',
    'We retrain both towers together and re-embed every video before swapping the index.',
    "Labels come from analyst reviews and chargebacks, never from the rules engine's own decisions.",
    'We cannot catch every violation and never remove a legitimate post; we trade the two off with review.',
    'Control got 5 percent more users than treatment, which is a sample ratio mismatch we must debug before reading results.',
    # issues 10 and 11: correct look-alikes of the fifth set
    'We ship everywhere or nowhere; markets that show p below 0.05 on their own are only leads for a follow-up test.',
    'Watch time did not change significantly, but the interval still allows a 1 percent loss, so the result is inconclusive.',
    'Engagement went up across all users, but we still look at each age group before calling it a win.',
    'Predicted and actual CTR agree on average, but that is only calibration in the large, so we also check per bin.',
    "We do not set the threshold at the point of maximum F1; it comes from the review team's capacity.",
    'Transactions we declined are not left out; a small random share is approved so we learn their outcome.',
    'Not-interested clicks are never ignored; they are weighted as strong negatives in training.',
    'Suggestions update on every keystroke; we never pause for 400 ms before fetching.',
    'When someone deletes their account, their embeddings are removed and the next retrain excludes their data.',
    'No system can block all fraud while never declining a good customer, so we agree a false-decline budget.',
    'AUC of 0.92 last month and 0.94 this month are on different data, so we re-evaluate both models on the same month.',
]


@pytest.mark.parametrize("line", CORRECT)
def test_correct_statements_raise_no_misconception(bank: ConceptBank, line: str):
    assert bank.find_misconceptions(line) == []


def test_a_wrapped_line_of_prose_is_read_whole(bank: ConceptBank):
    """A line of prose wrapped onto the next is one unit, and a guard sees its second line: the rejection
    there keeps the claim from firing, and the same first line going on to endorse it still fires."""
    first = "a standard user-level A/B test is fine for most of the products that our team has shipped in the past\n"
    rejected = first + "where requests never cross between the two groups of members."
    endorsed = first + "and it is what I would use here for the new ranker."
    assert [h.misconception_id for h in bank.find_misconceptions(rejected, "people-you-may-know")] == []
    assert [h.misconception_id for h in bank.find_misconceptions(endorsed, "people-you-may-know")] == ["pymk-plain-user-split"]


def test_good_scripted_candidates_state_no_misconception(bank: ConceptBank):
    """The strong, deep and terse scripts are written as correct answers: no misconception may fire on them."""
    lib = library()
    found = []
    for case in lib.cases:
        for persona in ("strong", "deep", "terse"):
            try:
                script = lib.script(persona, case)
            except Exception:  # a persona may be absent on a branch
                continue
            for phase in PHASES:
                for line in script.lines(phase):
                    # their scale is assumed for every case alike ("100M DAU"): a figure against the case's own is
                    # the interviewer's to put back (tests/test_figures.py), not a wrong claim of the script's
                    found += [(case, persona, h.misconception_id, h.matched[:80]) for h in bank.find_misconceptions(line, case) if h.misconception_id not in bank.figure_of]
    assert found == []


# wrong statements written blind as a senior interviewer would hear them (one per line, with the case), to
# measure and keep the bank's recall; each must be recognised as some misconception in its case. Six sets
# were written in turn; before the patterns were widened for it, each set was recognised at 43%, 61%, 44%, 50%,
# 25% and 16% (the sixth, /work/briefs/wrong6.yaml, 21% after this round's widening for other wordings and
# before any change made for it): a pattern recognises the phrasings it was written for far better than new ones
WRONG = [
    ('search-ranking', 'We serve so many users per arm that whatever difference shows up will be real, no stats needed.'),
    ('news-feed', 'With billions of sessions we do not need a significance test for the feed experiment.'),
    ('payment-fraud-detection', 'Because fraud is so rare, overall accuracy is the clearest way to show the model works.'),
    ('payment-fraud-detection', 'We will report accuracy, which should easily exceed 99 percent.'),
    ('ad-click-prediction', 'AUC is the right metric for the auction because it captures how well we rank ads.'),
    ('ad-click-prediction', "Once the new model shows a higher AUC on last week's data, we can confidently roll it out to all traffic."),
    ('news-feed', 'We can run the experiment over a weekend, which gives more than enough data given our traffic.'),
    ('news-feed', 'The test can be concluded after a single day because we have hundreds of millions of users.'),
    ('video-recommendation', 'We will monitor the p-value daily and declare victory as soon as it crosses 0.05.'),
    ('video-recommendation', 'Users will be assigned randomly to each arm on every page load.'),
    ('people-you-may-know', 'A standard user-level A/B test works well here since each member is independent.'),
    ('search-ranking', 'Offline nDCG gains translate directly into online gains, so the A/B test is mostly a formality.'),
    ('harmful-content-detection', 'We will evaluate on a balanced set with equal numbers of harmful and benign posts so the metrics are easier to read.'),
    ('delivery-time-estimation', 'The main metric is RMSE, and because early and late errors are equally bad this captures everything.'),
    ('street-view-blurring', 'Precision matters most here, since blurring a non-face is a visible error.'),
    ('payment-fraud-detection', 'Labels come from chargebacks, which are reported almost immediately after the purchase.'),
    ('payment-fraud-detection', 'We can treat every transaction from last week that has no chargeback as legitimate.'),
    ('payment-fraud-detection', "To deal with imbalance we'll oversample fraud with SMOTE on the full dataset and then split."),
    ('news-feed', 'We shuffle all interactions and hold out 20 percent at random for testing.'),
    ('ad-click-prediction', "A useful feature is the ad's total number of clicks over the whole dataset."),
    ('delivery-time-estimation', 'A very predictive feature is the time the courier actually picked up the order.'),
    ('video-recommendation', 'Every video a user did not watch is a negative example.'),
    ('search-ranking', 'Clicked results are relevant and unclicked ones are irrelevant, which gives us clean labels.'),
    ('harmful-content-detection', 'User reports are a reliable ground truth, so we train directly on reported posts as positives.'),
    ('ad-click-prediction', "We downsample the negatives to one percent and use the model's output directly as the click probability in the auction."),
    ('payment-fraud-detection', 'A deep neural network will always outperform gradient boosted trees, so we skip the tree model.'),
    ('video-recommendation', 'We use a softmax over all 800 million videos to predict the next watch.'),
    ('video-recommendation', 'Collaborative filtering handles new videos well because their embeddings are learned quickly.'),
    ('search-ranking', 'We fine-tune a large cross-encoder and run it on all candidate documents for each query.'),
    ('payment-fraud-detection', 'We start with a transformer directly since a baseline like logistic regression would not be competitive.'),
    ('payment-fraud-detection', 'Scoring can run as a batch job every night, and flagged payments are reversed the next morning.'),
    ('search-ranking', 'We precompute the ranked results for every query overnight and serve them from a cache.'),
    ('ad-click-prediction', 'Click predictions for each user and ad are computed in a daily batch and looked up at auction time.'),
    ('video-recommendation', 'We roll the new model out to 100 percent of users at once, since it was validated offline.'),
    ('news-feed', 'Average latency of 50 ms is our target, which keeps the feed fast for everyone.'),
    ('query-autocomplete', 'A large language model generates the completions on every keystroke, which gives the freshest suggestions.'),
    ('visual-search', 'We compute the exact nearest neighbours with the ANN index, so results are always the true closest images.'),
    ('payment-fraud-detection', 'We track precision and recall in real time on a dashboard so we catch any degradation instantly.'),
    ('news-feed', "Because the model is retrained every day, we don't need separate monitoring of its quality."),
    ('ad-click-prediction', 'We monitor CPU, memory and latency, which tells us whether the model is healthy.'),
    ('harmful-content-detection', 'Hashing the user ids anonymises the data, so GDPR requests are not an issue.'),
    ('video-recommendation', 'Feedback loops are not a concern because the model learns from what users actually choose.'),
    ('payment-fraud-detection', 'If precision drops we simply retrain the model on the latest data, which fixes it.'),
    ('delivery-time-estimation', 'A weekly report of the average error is enough to spot problems.'),
    ('video-recommendation', "Latency isn't a major concern at this stage, so I'll focus on the model quality."),
    ('news-feed', "I'll assume we have all the labelled data we need."),
    ('payment-fraud-detection', 'We can use any customer data we have since users agreed to the terms of service.'),
    ('news-feed', 'The objective is to maximise the time users spend in the feed.'),
    ('video-recommendation', 'The model predicts whether a video will be clicked, and we sort by that probability.'),
    ('payment-fraud-detection', 'We block every transaction the model flags automatically, so no manual review is needed.'),
    ('harmful-content-detection', 'We train one binary classifier for harmful vs not harmful with one global threshold.'),
    ('event-recommendation', 'We can safely assume around 50 billion daily active users for an events platform.'),
    ('query-autocomplete', 'Since suggestions are a nice-to-have, a response time of two seconds is perfectly acceptable.'),
    ('similar-listings', "There's no real need to ask about privacy because listing data is public."),
    ('visual-search', "I'd assume we have perfectly labelled image pairs for every product, so data is not a constraint."),
    ('harmful-content-detection', "ML is clearly the right approach here, rules would never work, so I won't ask what exists today."),
    ('ad-click-prediction', 'We rank the ads purely by their bid, since that maximises revenue for the platform.'),
    ('delivery-time-estimation', 'Because early and late estimates are equally costly, we just minimise the squared error of the delivery time.'),
    ('people-you-may-know', 'The goal is to maximise the number of connection requests sent, which directly reflects the value of the feature.'),
    ('event-recommendation', 'We will optimise for clicks on event cards, which is the cleanest signal of interest.'),
    ('similar-listings', 'Two listings are similar if they share the same city, price band and number of bedrooms, so we can hard-code it.'),
    ('street-view-blurring', 'This is an image classification task: the model outputs whether the image contains a face, and then we blur the image.'),
    ('query-autocomplete', 'We can just prompt a large language model with the prefix and show its top completions, with no separate retrieval.'),
    ('event-recommendation', "Events the user never RSVP'd to are all negatives, which gives us plenty of training data."),
    ('visual-search', "Duplicate product images are harmless, so we don't need to deduplicate before splitting."),
    ('query-autocomplete', 'Since these are real user queries, we can show them as suggestions without any filtering.'),
    ('harmful-content-detection', 'One annotator per post is enough since the guidelines are clear.'),
    ('ad-click-prediction', 'We one-hot encode the user id and the ad id, which gives the model full personalisation.'),
    ('video-search', 'We can use GPT labels as ground truth for relevance and skip human raters entirely.'),
    ('news-feed', 'Missing values are rare, so we simply drop any row with a missing feature.'),
    ('news-feed', 'A single model per user gives the best personalisation.'),
    ('people-you-may-know', 'We score all pairs of members with the GNN every time someone opens the page.'),
    ('video-recommendation', 'In-batch negatives are unbiased, so the two-tower model needs no correction for popular items.'),
    ('ad-click-prediction', "Feeding the raw user id directly into the gradient boosted trees lets them learn each user's preferences."),
    ('harmful-content-detection', 'We take an off-the-shelf ImageNet model and use it as is, since it already recognises objects.'),
    ('event-recommendation', 'Matrix factorisation on event ids will work well, since we have lots of interactions per event.'),
    ('delivery-time-estimation', 'The model is trained with MSE on the click label.'),
    ('similar-listings', 'We use random negatives from the whole catalogue, which is simple and effective.'),
    ('query-autocomplete', "We'll judge suggestions by their offline accuracy and ship whichever model scores higher."),
    ('visual-search', "We'll test the new embedding for a couple of hours on live traffic and launch if clicks go up."),
    ('event-recommendation', "We'll compare bookings in the week after launch with the week before to measure impact."),
    ('harmful-content-detection', 'Prevalence is just the number of posts the classifier removed divided by total posts.'),
    ('news-feed', 'If CTR goes up we ship, whatever happens to hides or reports.'),
    ('payment-fraud-detection', "A p-value of 0.04 means there's a 96 percent chance the new model is better."),
    ('video-search', "The main online metric is the model's log loss, compared between treatment and control."),
    ('ad-click-prediction', "We'll run the test on 1,000 users, which should be enough to detect a 0.5 percent change in CTR."),
    ('similar-listings', 'We only look at click-through rate on the carousel; bookings are too noisy to matter.'),
    ('people-you-may-know', "Fairness doesn't really apply to friend suggestions, so we won't look at it."),
    ('people-you-may-know', 'Recommendations are recomputed on every request by scoring every member against the user.'),
    ('event-recommendation', "Recommendations can be cached indefinitely since a user's tastes rarely change."),
    ('similar-listings', 'Availability changes slowly, so we can ignore it at serving time.'),
    ('harmful-content-detection', 'We deploy the new classifier to all traffic in one go, since it passed offline evaluation.'),
    ('video-search', 'We load the model from disk on each request to make sure we always use the latest weights.'),
    ('delivery-time-estimation', 'Autoscaling on Kubernetes handles any traffic spike, so capacity planning is unnecessary.'),
    ('query-autocomplete', 'Every keystroke goes to a GPU-hosted transformer that generates completions from scratch.'),
    ('visual-search', 'When we update the encoder, the old vectors can stay in the index and we only embed new images with the new model.'),
    ('query-autocomplete', 'Rebuilding the suggestion index once a week keeps it fresh enough for trends.'),
    ('similar-listings', 'A KS test on each feature with a p-value below 0.05 triggers a drift alert.'),
    ('people-you-may-know', "Once the model is trained it stays good for years, so we don't plan retraining."),
    ('harmful-content-detection', 'Every new model version is pushed to production automatically after the nightly retrain.'),
    ('event-recommendation', "Exploration wastes impressions, so we always show the model's top picks."),
    ('news-feed', "Deleting the user's row from the users table satisfies a GDPR deletion request."),
    ('ad-click-prediction', "We use the model's own predicted clicks as labels to retrain it when real labels are slow."),
    ('street-view-blurring', "The threshold we pick at launch will stay valid, so it doesn't need to be revisited."),
    ('video-recommendation', "A single global watch-time number is enough; there's no need to break it down by country."),
    ('delivery-time-estimation', 'Training and serving features come from the same definitions, so skew cannot happen.'),
    ('news-feed', 'With 2 billion users, each feed request must be answered in under one microsecond.'),
    ('payment-fraud-detection', "We don't need to clarify the latency budget because fraud checks can happen after the payment goes through."),
    ('video-search', "I'll assume all videos have accurate human-written transcripts in every language."),
    ('payment-fraud-detection', 'Since fraud is so rare, this is best framed as unsupervised anomaly detection, ignoring the chargeback labels.'),
    ('news-feed', 'The ML objective is simply to predict and maximise the probability that a user likes a post.'),
    ('harmful-content-detection', 'Every post flagged above 0.5 is removed automatically with no appeal process.'),
    ('ad-click-prediction', 'We optimise the model purely for click-through rate, which directly equals advertiser value.'),
    ('delivery-time-estimation', "We should show customers the expected delivery time straight from the model's mean prediction."),
    ('ad-click-prediction', 'Impressions without a click are noise, so we train only on clicks.'),
    ('search-ranking', 'Clicks are an unbiased relevance label, since users click what is relevant regardless of position.'),
    ('payment-fraud-detection', "We compute the merchant's fraud rate over the entire dataset and use it as a feature."),
    ('video-recommendation', 'We standardise all features using the mean and variance of the full dataset before splitting.'),
    ('harmful-content-detection', 'We rebalance the test set to 50 percent harmful so the precision numbers are easier to interpret.'),
    ('delivery-time-estimation', 'We use the actual time the food was ready as a feature for the estimate shown at checkout.'),
    ('people-you-may-know', "Label noise doesn't matter because we have billions of edges."),
    ('street-view-blurring', 'Images with no faces can be dropped from training since they carry no information.'),
    ('video-search', 'We run the video encoder over every candidate video at query time to get the best relevance.'),
    ('visual-search', 'Images in the same product category are similar enough, so a category classifier solves visual search.'),
    ('news-feed', 'A bigger model always wins, so we go straight for the largest transformer we can train.'),
    ('payment-fraud-detection', 'Gradient boosting handles the 0.1 percent fraud rate on its own, so no weighting or sampling is needed.'),
    ('ad-click-prediction', 'After downsampling negatives the predicted probabilities are still calibrated, so the auction can use them directly.'),
    ('video-recommendation', "The two-tower model is good enough on its own, so we don't need a separate ranking stage."),
    ('harmful-content-detection', 'Each post belongs to exactly one harm category, so a softmax over the categories is the right output.'),
    ('query-autocomplete', 'Training fits in memory on one machine since we just load all the query logs into a dataframe.'),
    ('news-feed', "We'll randomise each feed request independently into treatment or control."),
    ('video-recommendation', 'Removing age and gender from the features guarantees the recommendations are fair.'),
    ('search-ranking', "We'll evaluate ranking quality with RMSE between predicted and actual click rates."),
    ('payment-fraud-detection', "We'll decline anything with a score above 0.5."),
    ('harmful-content-detection', "We'll measure prevalence by counting user reports each day."),
    ('delivery-time-estimation', "Customers can't affect each other, so a user-level randomised test is perfectly clean."),
    ('street-view-blurring', "We should optimise for precision so that we don't blur things unnecessarily."),
    ('ad-click-prediction', "We'll keep the experiment running until the CTR difference becomes significant."),
    ('video-search', "If any of our 30 metrics shows a significant improvement we'll call the launch a success."),
    ('similar-listings', 'The lift in the first two days will hold long term, so we can stop the test early.'),
    ('payment-fraud-detection', 'We can use a p50 latency target of 100 ms, which is what matters for the user.'),
    ('video-recommendation', 'We precompute scores for every user and every video each night.'),
    ('news-feed', 'Feature values are recomputed by separate code in the online service; they should match training.'),
    ('similar-listings', "We don't need a fallback, the embedding service is highly available."),
    ('harmful-content-detection', "Quantising the model to int8 has no effect on accuracy, so we don't re-evaluate."),
    ('visual-search', 'Shadow deployment lets us measure user clicks on the new model before launch.'),
    ('event-recommendation', "We query the data warehouse at request time to get the user's latest activity."),
    ('delivery-time-estimation', 'GPUs are always faster and cheaper for serving, so we serve the gradient boosted model on GPUs.'),
    ('payment-fraud-detection', "Fraud models don't need retraining once they work, because fraud looks the same over time."),
    ('news-feed', 'We alert whenever the KS test p-value on any feature drops below 0.05.'),
    ('ad-click-prediction', 'Retraining fixes any drop in CTR, so whenever it dips we just retrain.'),
    ('harmful-content-detection', "Feature drift alone tells us the model's precision, so we don't need fresh labels."),
    ('video-recommendation', "Since it's a hashed id, the watch history is anonymous and deletion requests don't apply."),
    ('delivery-time-estimation', 'We check the dashboards once a month in a review meeting, which catches any issues.'),
    ('search-ranking', 'Position bias and feedback loops are harmless because the ranker learns from real user choices.'),
    ('ad-click-prediction', "We don't really need to know the QPS; modern infrastructure scales to whatever the traffic is."),
    ('event-recommendation', "Privacy isn't relevant since events are public information."),
    ('delivery-time-estimation', "I'd define what success looks like after we launch and see the numbers."),
    ('visual-search', 'We classify each query image into a product category and return random items from that category.'),
    ('payment-fraud-detection', 'The model decides and the payment is declined automatically for every positive prediction.'),
    ('similar-listings', 'Listings that were never clicked in a session are negatives, including ones that were never shown.'),
    ('video-recommendation', 'Videos watched to the end by autoplay count as strong positives just like chosen ones.'),
    ('news-feed', "We'll split the logs randomly 80/20, which is standard practice."),
    ('payment-fraud-detection', 'We oversample fraud to 50/50 with SMOTE before training so the model sees enough fraud.'),
    ('harmful-content-detection', "An LLM can label all the posts for us, so we don't need human reviewers."),
    ('people-you-may-know', 'Collaborative filtering on member ids will handle brand-new members fine.'),
    ('search-ranking', 'We train the ranker with mean squared error on the click labels.'),
    ('ad-click-prediction', 'Deep networks always beat boosted trees, so we skip the GBDT baseline.'),
    ('video-recommendation', 'New videos stay out of recommendations until they collect enough views.'),
    ('payment-fraud-detection', 'Accuracy will be our north star metric for the fraud model.'),
    ('news-feed', "We'll stop the test the moment the p-value dips under 0.05."),
    ('ad-click-prediction', 'Offline log loss improved, so the online revenue will go up by the same proportion.'),
    ('harmful-content-detection', "We report precision only, since that's what the policy team cares about."),
    ('search-ranking', 'A/B testing for a few hours on a busy day is enough to pick the winner.'),
    ('video-recommendation', 'If watch time goes up we launch, even if complaints rise a bit.'),
    ('search-ranking', 'The cross-encoder scores every document in the index for each query.'),
    ('ad-click-prediction', 'We replace the old model for all traffic in one step once it passes offline tests.'),
    ('payment-fraud-detection', "If the model service is slow we simply wait for it; there's no need for a fallback rule."),
    ('video-recommendation', "Average latency is what we budget for; the p99 doesn't matter much."),
    ('payment-fraud-detection', 'We measure recall every hour from chargebacks so we can react immediately.'),
    ('video-recommendation', 'CPU and latency dashboards are all we need to monitor the recommender.'),
    ('ad-click-prediction', 'Weekly retraining is plenty for the click model.'),
    ('harmful-content-detection', 'Blocked posts are treated as confirmed harmful when we retrain.'),
    ('news-feed', 'Because we have so much traffic, a two-hour experiment will give a clear answer.'),
    ('payment-fraud-detection', "The model with the highest accuracy on the holdout is the one we'll put in production."),
    ('ad-click-prediction', "We'll drop impressions that didn't get a click, since they don't tell us anything."),
    ('payment-fraud-detection', 'Transactions from the last few days without chargebacks are labelled as genuine.'),
    ('video-recommendation', "We'll train a softmax classifier over the full catalogue of a billion videos at every step."),
    ('search-ranking', 'Results for every query are generated offline each night and looked up from a key-value store.'),
    ('news-feed', "We'll ship the new ranker to everyone on Monday morning, since offline metrics look great."),
    ('payment-fraud-detection', "Our fraud model's recall is checked in real time, as soon as each transaction settles."),
    ('harmful-content-detection', "Spammers don't adapt very quickly, so a quarterly retrain is enough."),
    ('news-feed', 'We can ignore the latency budget for now and come back to it later.'),
    ('payment-fraud-detection', "We'll treat fraud as a regression problem and predict a fraud score between 0 and 1 with squared error."),
    ('video-recommendation', "A p-value under 0.05 tells us there's a 95 percent chance the new model is better."),
    ('news-feed', "We'll randomly assign 20 percent of all logged impressions to the test set."),
    ('ad-click-prediction', 'Since we downsample negatives, the raw outputs can go straight into the auction.'),
    ('people-you-may-know', "Users in treatment and control don't influence each other, so the usual user split is fine."),
    ('video-recommendation', "We don't need to watch for drift, because user tastes are stable."),
    ('payment-fraud-detection', 'Fraud scoring can be done in an hourly batch after the payments are approved.'),
    ('harmful-content-detection', "We'll compare harmful views the week before and the week after launch."),
    ('delivery-time-estimation', "The courier's actual arrival time at the restaurant is a strong input feature."),
    ('ad-click-prediction', 'Once the model is live, a monthly retrain keeps it fresh.'),
    # the sixth set (wrong6)
    ('ad-click-prediction', '- eval split: shuffle the last two weeks of logged impressions and hold out a random 10%, so train and test come from the same distribution'),
    ('ad-click-prediction', "To keep training affordable we'll keep only 5% of the non-click impressions, which brings the click share up to roughly one in six, and the model's output can then go straight into bid times pCTR in the auction."),
    ('ad-click-prediction', 'tbh calibration is a nice-to-have here, if AUC goes up the ordering of ads gets better and revenue follows'),
    ('ad-click-prediction', 'We precompute pCTR for every user and ad pair in a nightly Spark job and serve it from the key-value store, so the 30 ms step becomes a single lookup.'),
    ('ad-click-prediction', "imo the daily retrain is fine, click behaviour doesn't really move within a day so continuous training is overkill"),
    ('delivery-time-estimation', "we regress delivery time with MSE and display the predicted mean, it's the unbiased estimate so customers get the most honest number"),
    ('delivery-time-estimation', "prep-time submodel: label = 'ready' tap minus 'accepted' time, nice clean supervision straight from the restaurant tablet"),
    ('delivery-time-estimation', "Features include each restaurant's mean and p90 delivery time computed over the full two years of orders, joined once onto every training row."),
    ('delivery-time-estimation', 'nightly batch → one ETA per restaurant written to cache, list page just reads it, no online model needed'),
    ('event-recommendation', "Registrations are only 0.3% of impressions, far too sparse to learn from, so we'll label clicks and rank events by predicted click-through."),
    ('event-recommendation', '- label: impression → positive if the user registers the same day, otherwise negative'),
    ('event-recommendation', "core ranker = matrix factorisation on the user x event interaction matrix, there's plenty of interaction data to learn good event vectors"),
    ('event-recommendation', 'Friday evenings hit 1,000 requests a second, so we have plenty of traffic: run the test over one weekend and ship if registrations are up.'),
    ('event-recommendation', "honestly we can just score all 1M upcoming events per request with the GBDT, it's only ~1k QPS"),
    ('event-recommendation', "For drift monitoring we'll store every user's precise GPS location daily and watch how their neighbourhood shifts over time."),
    ('harmful-content-detection', 'output layer: one softmax over none / violence / nudity / hate / harassment / self-harm / terrorism / spam, take the argmax'),
    ('harmful-content-detection', 'The headline number for regulators will be accuracy on the 5M-post audited set, because it is the easiest thing for them to understand.'),
    ('harmful-content-detection', 'training labels: reported posts = positives, never-reported = negatives. 2M reports a day is a huge free label source'),
    ('harmful-content-detection', 'Video is only 15% of posts, so we can afford to run the full multimodal video model over every frame of every upload.'),
    ('harmful-content-detection', "retrain quarterly, abuse tactics don't shift that fast"),
    ('harmful-content-detection', 'prevalence ≈ removed posts / total posts per day, we already have both counts so no extra labelling needed'),
    ('harmful-content-detection', 'The decision rule stays simple: any class scoring above 0.5 gets removed automatically, one threshold everywhere so enforcement is consistent.'),
    ('news-feed', "I'd make time spent in feed the north-star, since it's the metric leadership can see move fastest in tests."),
    ('news-feed', "rank purely by P(like), likes are the most frequent interaction at 3% so it's the least noisy target"),
    ('news-feed', 'Post engagement counts and post age are refreshed by the daily batch job into the feature store, which is fresh enough for ranking.'),
    ('news-feed', 'integrity → add the misinfo/hate classifier score as a small negative term in the weighted ranking score and let ranking sort it out'),
    ('news-feed', "We'll look at the meaningful-interaction lift every morning and ship as soon as it crosses p < 0.05."),
    ('news-feed', "for EU users who opted out of personalised ranking we can keep ranking on their interaction history, as long as we don't show the 'because you interacted with' explanations"),
    ('payment-fraud-detection', "We'll partition the velocity counters by merchant in the key-value store, and because fraud is only 0.15% of payments, accuracy is the cleanest headline number for the model."),
    ('payment-fraud-detection', "scoring can run as a nightly batch over the day's payments, anything that looks bad gets refunded or flagged to the merchant next morning"),
    ('payment-fraud-detection', 'rebalance to 1:1 by dropping legit payments → train GBDT → decline when score > 0.5'),
    ('payment-fraud-detection', "Model health check: precision and recall on last week's payments every Monday, with an alert if recall drops."),
    ('payment-fraud-detection', 'The challenger gets 10% of cards for a week, then we compare fraud losses between arms and pick the winner.'),
    ('payment-fraud-detection', "since fraudsters keep changing tactics I'd frame this as unsupervised anomaly detection rather than supervised learning"),
    ('people-you-may-know', 'ML objective: maximise friend requests sent from the carousel, more requests means more connections'),
    ('people-you-may-know', 'Standard A/B test: randomise by user, 1% per arm, read accepted connections after two weeks.'),
    ('people-you-may-know', "Mutual-friend counts and shared groups for the training rows are computed from today's graph and joined back onto impressions from the last 90 days."),
    ('people-you-may-know', 'location history is gold here tbh, people who were in the same place at the same time usually know each other'),
    ('people-you-may-know', "Suggestions don't really reshape the graph, so feedback loops in the training data aren't something we need to worry about."),
    ('people-you-may-know', 'skip candidate gen, the ranker scores all 400M daily actives for each viewer, GBDTs are cheap'),
    ('query-autocomplete', "We'll call the neural language model on every keystroke so the suggestions are always the best the model can produce."),
    ('query-autocomplete', 'candidate pool = top completions by raw query count, any filtering on top of that would just bias what people see'),
    ('query-autocomplete', 'The weekly trie rebuild is fine for freshness; news spikes are only a tiny slice of traffic.'),
    ('query-autocomplete', 'signed-in users in private browsing still get history suggestions, we know who they are anyway'),
    ('query-autocomplete', "The target is whether a suggestion gets picked, so we rank by P(select) and don't need to look at what happens after the user submits."),
    ('search-ranking', 'Per query-doc click-through from the logs is our relevance label as is; with this much traffic we can drop the human ratings.'),
    ('search-ranking', 'BERT cross-encoder re-ranks the top 5,000 BM25 hits per query'),
    ('search-ranking', 'The web is pretty stable, so retraining the ranker about once a year should be enough.'),
    ('similar-listings', 'similar = same city, similar nightly price, same bedroom count. we just need a better distance metric over those attributes'),
    ('similar-listings', 'Primary launch metric → carousel CTR, it moves fast and reads within days.'),
    ('similar-listings', "We don't need to filter on availability; if a listing is taken for their dates the guest will see that on its page."),
    ('similar-listings', "new listings go into the embedding table once they have a few weeks of clicks, until then they just don't appear"),
    ('similar-listings', "If a handful of listings soak up most of the carousel exposure, that's just the model finding what guests like; nothing to monitor there."),
    ('street-view-blurring', "I'd frame it as image classification: does this panorama contain a face or plate, yes or no, and then blur the flagged ones."),
    ('street-view-blurring', 'downscale panoramas to ~2 MP before detection, cuts compute about 25x'),
    ('street-view-blurring', 'The bar is 99% recall on the overall audit set; per-skin-tone or per-country slices are a nice extra if we have time.'),
    ('street-view-blurring', 'missed-blur reports are our recall monitor: 10k reports a month against billions of faces means recall is basically 100%'),
    ('video-recommendation', 'Target is total watch minutes per user; more minutes means more satisfied viewers.'),
    ('video-recommendation', 'ranker scores all ~1B eligible videos per feed load and we take the top 20'),
    ('video-recommendation', 'Label = raw seconds watched, with shorts and long videos in one training pool.'),
    ('video-recommendation', 'engagement heads: one softmax across click / like / share / subscribe'),
    ('video-recommendation', "I'd randomise per request rather than per user, since more units means we reach significance faster."),
    ('video-recommendation', 'regional licence blocks only hit ~3% of videos so we skip that filter in serving and live with it'),
    ('video-recommendation', 'When a user deletes their watch history we stop logging new events; the old history stays baked into their embedding until the quarterly retrain.'),
    ('video-search', "Run the frame-level video encoder on the top 1,000 candidates at query time, so relevance reflects what's actually in the video."),
    ('video-search', 'text pipeline: English tokenizer + English BERT across the board, the other languages transliterate fine'),
    ('video-search', "rebuild the search index nightly from the day's uploads"),
    ('video-search', "We replace the gradient-boosted ranker with a deep net; deep models always beat trees, so there's no need to benchmark against the current GBDT."),
    ('visual-search', 'Split the images randomly 90/10 for training and evaluating the contrastive embedding.'),
    ('visual-search', 'removed or deleted images get purged from the ANN index at the next weekly rebuild'),
    ('visual-search', 'We already have the 500-class category classifier, so we just use its predicted class and return the most popular images in the same category.'),
    # not blind: other wordings of the same families, written by the helper who widened the patterns (a second
    # batch of 40, written after the first widening, was recognised at 23/40 before the last widening, 14/40 at
    # the round's start)
    ('payment-fraud-detection', "we'll shard the feature store by region, and since fraud is so rare accuracy is the cleanest headline metric"),
    ('payment-fraud-detection', 'eval: accuracy on holdout, aim for 99.9%'),
    ('harmful-content-detection', "tbh i'd just report accuracy, it's what leadership understands"),
    ('payment-fraud-detection', "ROC-AUC is the right single number here since it's threshold independent and fraud is rare"),
    ('ad-click-prediction', 'offline we look at accuracy of the click predictions, which should be above 95%'),
    ('news-feed', "we'll keep an eye on the dashboard and call it as soon as the lift is stat sig"),
    ('video-recommendation', 'A/B: check daily, ship the moment p<0.05'),
    ('search-ranking', 'if the experiment looks significant after the first couple of days we end it early and roll out'),
    ('event-recommendation', 'imo no point running the test longer once it hits significance'),
    ('news-feed', 'given our traffic a 24 hour test is plenty to get significance'),
    ('video-search', 'run the A/B for a day -> decide'),
    ('query-autocomplete', 'with billions of queries a few hours of experiment is enough to make the launch call'),
    ('news-feed', 'each feed load gets randomly assigned to control or treatment, that gives the most samples'),
    ('search-ranking', 'randomization unit = query'),
    ('video-recommendation', 'we flip a coin on every page view to pick which model serves it'),
    ('video-recommendation', 'the only thing we track in the experiment is CTR; if it goes up we launch'),
    ('news-feed', 'success = engagement up, nothing else needs watching'),
    ('people-you-may-know', "standard 50/50 user split works fine, members in different arms don't affect each other"),
    ('delivery-time-estimation', "we randomise customers 50/50, couriers are shared but that won't bias anything"),
    ('payment-fraud-detection', 'train/test: sklearn train_test_split with shuffle=True, 80/20'),
    ('news-feed', "we'll randomly pick 10% of all impressions as the test set"),
    ('ad-click-prediction', "i'd just do 5-fold CV over the whole click log"),
    ('ad-click-prediction', 'a strong feature is the number of clicks the ad received on the day of the impression, including later in that day'),
    ('payment-fraud-detection', '- features: amount, mcc, whether a chargeback was filed on this txn'),
    ('video-recommendation', 'we can use the total watch time of the session as a feature for ranking the first video'),
    ('delivery-time-estimation', "courier's actual arrival time at the restaurant is a useful input"),
    ('ad-click-prediction', 'advertiser CTR computed over the full year of logs goes in as a feature'),
    ('similar-listings', 'listing popularity = total bookings across the entire dataset'),
    ('search-ranking', 'clicked = relevant, skipped = irrelevant, simple and scalable'),
    ('video-search', "we treat every clicked result as a relevant label, position doesn't really matter"),
    ('search-ranking', 'clicks are basically free relevance labels, no need to worry about where the result was shown'),
    ('payment-fraud-detection', 'we get the fraud label right away when the transaction completes, so we can retrain hourly'),
    ('payment-fraud-detection', 'labels: chargeback comes back within a day or so'),
    ('harmful-content-detection', 'ground truth is available instantly from the moderation queue so recall is known in real time'),
    ('payment-fraud-detection', 'fraud scores are computed in a nightly batch and declines happen the following day'),
    ('ad-click-prediction', 'pCTR for all user-ad pairs computed offline once a day, auction just reads it'),
    ('query-autocomplete', "we precompute suggestions once a week and that's fine for trending queries"),
    ('video-recommendation', 'the ranker scores all 800M videos for each user request then we take top 50'),
    ('visual-search', 'for each query image we run the full model against every image in the index'),
    ('people-you-may-know', 'score every pair of users with the GBDT each day'),
    ('news-feed', 'the whole ranking call takes about 5 microseconds end to end'),
    ('query-autocomplete', 'we serve 10 billion queries per second at peak'),
    ('ad-click-prediction', "negatives downsampled to 5%; the model's pCTR then goes straight into bid * pCTR"),
    ('payment-fraud-detection', 'after undersampling legit txns 1:10 we threshold the raw score at the same cost-based cutoff'),
    ('payment-fraud-detection', 'deep nets always beat GBDTs these days, so no reason to try xgboost'),
    ('delivery-time-estimation', 'neural network > trees, always, so we start with a big MLP'),
    ('harmful-content-detection', 'one softmax head over the harm categories, pick the top class'),
    ('video-search', 'softmax over tags since each video has several tags'),
    ('payment-fraud-detection', 'monitoring: live precision/recall dashboard updated every minute'),
    ('harmful-content-detection', "we alert when the model's accuracy drops, computed on the day's traffic"),
    ('video-recommendation', "drift isn't really a thing for recommendations since tastes change slowly"),
    ('delivery-time-estimation', 'no need for drift monitoring, we retrain anyway'),
    ('street-view-blurring', "faces don't change, so train once and we're done"),
    ('similar-listings', "once the embeddings are trained we won't need to retrain them"),
    ('people-you-may-know', 'contact uploads are fair game, users agreed to the ToS'),
    ('news-feed', "privacy isn't really relevant here since it's all behavioural data on our own platform"),
    ('street-view-blurring', "the images are taken on public streets so there's no privacy concern"),
    ('payment-fraud-detection', "fairness doesn't apply to fraud, the model just looks at transactions"),
    ('people-you-may-know', "we don't include gender or race so the model is fair by construction"),
    ('news-feed', 'once the dashboard shows a significant lift we pull the plug on the test and launch'),
    ('video-recommendation', "we'll run the experiment for about a day, that's more than enough traffic"),
    ('search-ranking', 'every search request is assigned to a random arm'),
    ('people-you-may-know', 'a normal user-level a/b is fine here'),
    ('ad-click-prediction', 'we shuffle the impression log and carve out 20% as the test set'),
    ('news-feed', 'training/validation split done randomly across all events'),
    ('payment-fraud-detection', 'a great feature: has this card been charged back at any point, including after the transaction'),
    ('video-recommendation', 'video popularity = total views over the entire dataset, used as a ranking feature'),
    ('search-ranking', 'we take clicks as the relevance labels directly, position bias is negligible'),
    ('payment-fraud-detection', 'the fraud label is known immediately after authorization'),
    ('payment-fraud-detection', 'we score all payments in an overnight job and block the risky ones tomorrow'),
    ('video-recommendation', 'we evaluate the heavy ranker on every one of the 500M videos for each request'),
    ('ad-click-prediction', 'we subsample non-clicks to 10% and feed the predicted CTR straight into the auction'),
    ('payment-fraud-detection', 'neural nets always outperform boosted trees, so we go deep from the start'),
    ('harmful-content-detection', 'a single softmax over the policy labels, since posts only ever break one rule'),
    ('payment-fraud-detection', 'we watch recall in real time on the live traffic dashboard'),
    ('video-recommendation', "we don't need to monitor drift, user preferences are stable"),
    ('street-view-blurring', 'the detector is trained once; no retraining needed after that'),
    ('people-you-may-know', 'phone contacts are fair game since users accepted the terms'),
    ('payment-fraud-detection', "fairness isn't relevant for fraud, it's just transactions"),
    ('delivery-time-estimation', 'we include the actual time the courier picked up the food as a feature'),
    ('harmful-content-detection', 'everything above the threshold is removed automatically, no appeals'),
    ('similar-listings', 'random listings from the whole catalogue make perfect negatives'),
    ('video-recommendation', 'objective: maximise total watch time'),
    ('news-feed', 'engagement going up means people are happier with the feed'),
    ('ad-click-prediction', "we retrain the click model once a month, that's plenty"),
    ('delivery-time-estimation', 'we remove deliveries longer than 90 minutes as outliers'),
    ('query-autocomplete', 'we rebuild the suggestion trie every week, trends can wait'),
    ('visual-search', 'the ANN index gives us the exact nearest neighbours'),
    ('video-recommendation', 'new videos get no recommendations until they have enough views'),
    ('harmful-content-detection', 'we translate all non-English posts to English first and use the English classifier'),
    ('payment-fraud-detection', 'labels: any payment without a chargeback after a week is legit'),
    ('ad-click-prediction', "calibration doesn't matter, only the ranking of ads"),
    ('search-ranking', 'once NDCG improves offline we roll it out everywhere'),
    ('news-feed', "we'll compare engagement the week before and after launch"),
    # issues 10 and 11: wrong claims of kinds the bank did not cover (experiment analysis, calibration by segment, splits, serving, alerting, privacy); written before the new patterns were widened for their wording, 46 of 72 were recognised
    ('news-feed', 'Users are bucketed by ID, and for the readout we compute CTR significance across all impressions in each arm.'),
    ('search-ranking', 'Every search is one observation, so with our volume the standard error on click-through is tiny.'),
    ('video-recommendation', 'The confidence interval is computed over sessions, treating each session as an independent trial, even though assignment is per user.'),
    ('ad-click-prediction', 'We have around two billion ad impressions a day, so statistical power is not a concern at all.'),
    ('news-feed', "We'll slice the results by 30 countries and 5 age bands and flag every cell that's significant at 0.05."),
    ('search-ranking', 'Multiple-comparison corrections are overkill; each metric gets its own 5 percent test.'),
    ('video-recommendation', 'We only enable the new ranker for the user cohorts where it showed a significant improvement.'),
    ('ad-click-prediction', 'We try eight bidding variants at once and launch whichever came out significantly ahead of control.'),
    ('payment-fraud-detection', 'The false decline rate did not change significantly, so the new model is harmless for good customers.'),
    ('news-feed', 'There was no significant difference in time spent, meaning the new ranker has no effect on engagement.'),
    ('search-ranking', 'Since the p-value came out at 0.4, the two rankers are the same.'),
    ('video-recommendation', "Retention wasn't significantly different, so there was no harm from the change."),
    ('ad-click-prediction', 'A 1.5 percent revenue gain over the two-week test works out to roughly 40 million a year, annualised.'),
    ('news-feed', 'We project the first-week engagement lift across the full year for the business case.'),
    ('search-ranking', 'We can evaluate the new ranker offline with inverse propensity weighting on logs from our greedy production ranker.'),
    ('video-recommendation', 'Off-policy estimation on the logged impressions lets us skip the A/B test entirely.'),
    ('news-feed', 'Our feed ranker is deterministic, so every propensity equals one and we can just average the logged rewards.'),
    ('news-feed', "We measure the new model's gain against the long-term holdout, which still serves the original model from two years ago."),
    ('harmful-content-detection', 'Recall went up overall, therefore each language gets better detection too.'),
    ('delivery-time-estimation', 'The global MAE improved, so all cities will see more accurate estimates.'),
    ('people-you-may-know', "We don't need to look at each country separately because the aggregate acceptance rate went up."),
    ('ad-click-prediction', 'Calibration on the whole test set is good, which means every advertiser gets accurate pCTRs.'),
    ('ad-click-prediction', 'Mean predicted CTR lines up with the observed CTR, which shows the model is well calibrated.'),
    ('payment-fraud-detection', 'The reliability curve looks fine overall, so each merchant category is calibrated as well.'),
    ('payment-fraud-detection', 'For the block decision we pick the cutoff that maximizes F1 on the validation month.'),
    ('harmful-content-detection', 'Each harm type gets the threshold with the best F1 score.'),
    ('street-view-blurring', 'The detector confidence threshold is tuned via F1 on the held-out panoramas.'),
    ('payment-fraud-detection', 'A PR-AUC of 0.3 is poor, close to random for a classifier.'),
    ('harmful-content-detection', 'The no-skill baseline for average precision is 0.5, like ROC.'),
    ('search-ranking', 'We will use interleaving to estimate the revenue impact of the new ranker.'),
    ('news-feed', 'The test in Brazil showed a 2 percent gain, and the result in one country will generalize to all markets.'),
    ('delivery-time-estimation', 'Training on the 90th percentile with pinball loss guarantees exactly 10 percent of orders are late.'),
    ('delivery-time-estimation', "Since it's a p90 quantile model, we don't need to measure coverage in production."),
    ('visual-search', 'Having the same product photographed twice in train and test is fine, since real queries look like that too.'),
    ('people-you-may-know', 'A member appearing in both the training and test sets is not a problem.'),
    ('harmful-content-detection', 'Deduplication is unnecessary because reposts are legitimately part of the data.'),
    ('payment-fraud-detection', 'The model learns only from authorized transactions, since those are the ones with chargeback outcomes.'),
    ('payment-fraud-detection', 'Blocked transactions are just excluded from training because we never learn what they were.'),
    ('video-recommendation', "We'll discard thumbs-downs from the training data since there are very few of them."),
    ('news-feed', 'Hides are too sparse, so we skip them and train on clicks and likes.'),
    ('harmful-content-detection', "The current classifier's decisions become our training labels for the next version."),
    ('harmful-content-detection', 'We auto-label the unlabelled posts with the production model and treat those as ground truth.'),
    ('ad-click-prediction', 'Advertiser ID is target-encoded with its average CTR computed over the entire training log.'),
    ('search-ranking', 'We remove result position from the feature set, so the click labels no longer carry position bias.'),
    ('payment-fraud-detection', 'LightGBM basically never overfits, so we let it train for 10,000 rounds.'),
    ('video-recommendation', 'The two-tower retrieval model uses user-video cross features like how many times this user watched this channel.'),
    ('delivery-time-estimation', 'We model log of delivery minutes, and taking exp of the output gives the expected delivery time we show.'),
    ('harmful-content-detection', "We'll prompt an LLM zero-shot for each policy, so there's no need for a labelled evaluation set."),
    ('visual-search', 'After fine-tuning the image encoder we only re-encode new uploads; the existing vectors remain usable.'),
    ('search-ranking', 'We ship the retrained query tower alongside the existing document embeddings in the index.'),
    ('search-ranking', 'Ranked personalised results are cached under the query text, and popular queries are served straight from the cache.'),
    ('video-recommendation', "We serve the same cached recommendations for everyone who lands on a video's watch page."),
    ('visual-search', 'Fanning out to 500 shards adds no extra tail latency because every shard works in parallel.'),
    ('search-ranking', 'With scatter-gather across 64 shards, the p99 stays the same as for one shard.'),
    ('ad-click-prediction', 'If inference is too slow we just add more pods, which lowers the latency of each prediction.'),
    ('video-recommendation', 'GPU request batching is free in latency terms, so we batch as many requests as possible.'),
    ('query-autocomplete', "We'll wait 300 milliseconds after each keystroke before sending the request, to cut load."),
    ('query-autocomplete', 'The client debounces input by one second so we do not fetch suggestions on every character.'),
    ('news-feed', "Alerts trigger when today's CTR is more than 10 percent below yesterday's."),
    ('payment-fraud-detection', 'We watch the day-over-day change in the score distribution and alert on big moves.'),
    ('ad-click-prediction', 'Any campaign whose CTR dips by 30 percent triggers an alert to the on-call engineer.'),
    ('delivery-time-estimation', 'We alert on every restaurant whose error shifts by more than three minutes.'),
    ('news-feed', 'If a feature job breaks, our PSI drift monitor will catch it.'),
    ('ad-click-prediction', 'Input stats are steady, which means the data pipeline is healthy.'),
    ('ad-click-prediction', "AUC has been flat for weeks, so there's no issue with the model."),
    ('people-you-may-know', 'Embeddings do not store any personal information, so erasure requests only hit the raw event tables.'),
    ('news-feed', 'When a user asks to be deleted there is nothing to do for the model or the feature store.'),
    ('payment-fraud-detection', 'We just track the mean fraud score per hour; if it holds steady, the model is fine.'),
    ('payment-fraud-detection', 'The requirement is 100% fraud detection with zero false declines.'),
    ('street-view-blurring', 'The blurring system has to guarantee zero missed faces.'),
    ('video-recommendation', 'Kids are treated like any other user by the recommender.'),
    ('event-recommendation', 'We push the discount notification to users with the highest likelihood of booking a ticket.'),
    # issues 10 and 11, a second set in new wordings, written after the first widening: 15 of 40 were recognised before the patterns were widened again
    ('news-feed', 'Because each arm gets tens of millions of feed impressions, even a 0.1 percent CTR change will be significant, so we can read it per impression.'),
    ('search-ranking', 'We computed the p-value per query rather than per user, which is fine because queries are independent.'),
    ('video-recommendation', "We'll check a dozen metrics and call it a win if any of them moves significantly."),
    ('ad-click-prediction', 'We looked at results per country and found three where the new model wins significantly, so we launch there.'),
    ('payment-fraud-detection', 'Since the fraud loss difference was not significant, the two models perform equally.'),
    ('news-feed', 'No significant drop in retention means the change does not hurt retention.'),
    ('video-recommendation', 'The 4 percent watch-time lift from week one is what we will report as the yearly impact.'),
    ('search-ranking', 'Counterfactual evaluation with IPS on our top-10 logs means we do not need online experiments anymore.'),
    ('harmful-content-detection', 'Because the model improved precision on the full eval set, it will improve precision for every language as well.'),
    ('ad-click-prediction', "Overall calibration is within 1 percent, so there's no need to check calibration by placement or country."),
    ('payment-fraud-detection', 'We choose the score cutoff where the F1 curve peaks.'),
    ('harmful-content-detection', 'An average precision of 0.2 on this task is basically no better than a coin flip.'),
    ('delivery-time-estimation', 'With the 0.9 quantile loss, the late rate will be 10 percent automatically.'),
    ('visual-search', 'Duplicates across train and test are realistic and do not matter.'),
    ('payment-fraud-detection', 'We will only train on accepted payments since declined ones never get a chargeback label.'),
    ('video-recommendation', 'Explicit dislikes are noisy, so we ignore them in training.'),
    ('harmful-content-detection', "Pseudo-labels from last year's model are accurate enough to serve as ground truth."),
    ('ad-click-prediction', "We compute the advertiser's mean CTR over the full training data and use it as a feature."),
    ('search-ranking', 'Position bias is solved by just not including rank position as a model input.'),
    ('payment-fraud-detection', 'Gradient boosted trees do not overfit, so more estimators are always better.'),
    ('delivery-time-estimation', 'We predict log minutes and exponentiate; that gives the mean ETA.'),
    ('visual-search', 'When the encoder is updated, only the new images need embedding; the old ones remain comparable.'),
    ('news-feed', 'We cache each ranked feed page by URL and serve the cached copy to the next user who requests it.'),
    ('visual-search', 'Sharding over more machines always brings the p99 latency down.'),
    ('video-recommendation', 'To hit the latency target, we will add more GPU replicas so that each request is served faster.'),
    ('query-autocomplete', 'Requests fire only after a 250 ms pause in typing, which keeps the load low.'),
    ('news-feed', 'We alert if the number of feed requests today is 20 percent lower than yesterday.'),
    ('ad-click-prediction', 'Every advertiser gets its own alert when CTR moves more than 15 percent.'),
    ('payment-fraud-detection', 'A broken upstream feed would show up in our feature drift dashboard, so we do not need freshness checks.'),
    ('ad-click-prediction', 'If offline AUC stays constant over time then predictions are still well calibrated.'),
    ('people-you-may-know', 'Trained graph embeddings contain no personal data, so deletion does not affect them.'),
    ('payment-fraud-detection', 'We monitor only the average fraud score across all transactions.'),
    ('harmful-content-detection', 'The classifier needs to catch 100 percent of child-safety violations with no false positives.'),
    ('news-feed', "Minors don't need separate handling; the same ranking applies to them."),
    ('event-recommendation', 'Send the promo to the users most likely to buy tickets, since they will convert best.'),
    ('harmful-content-detection', 'We use a zero-shot LLM as the classifier, which removes the need for evaluation data.'),
    ('video-recommendation', 'The two-tower model gets the user-video interaction count as an input feature.'),
    ('search-ranking', 'We measure the ranker against the holdout that has been on the old model since last year.'),
    ('news-feed', 'Interleaving will give us the percentage lift in time spent.'),
    ('people-you-may-know', 'The results from the US experiment will apply to every other country too.'),
    # issues 10 and 11: existing kinds of wrong claims in new wordings; 24 of 40 were recognised before those families were widened
    ('news-feed', 'A random 80/20 split of the interaction log is fine for evaluating the ranker.'),
    ('payment-fraud-detection', 'We will use k-fold cross-validation with shuffling over the whole transaction history.'),
    ('payment-fraud-detection', 'We tune the threshold and the hyperparameters on the test set, then report the test metrics.'),
    ('harmful-content-detection', 'We upsample the harmful posts across the full dataset first, and only then carve out the test set.'),
    ('ad-click-prediction', 'The scaler is fit on the entire dataset, including the test rows, before we train.'),
    ('video-recommendation', 'Any video that the user never watched can be used as a negative.'),
    ('search-ranking', 'A click on a result means that result is relevant, so clicks are our relevance labels.'),
    ('payment-fraud-detection', 'Chargebacks are available right after the transaction, so labels are immediate.'),
    ('harmful-content-detection', 'Our moderator labels are basically perfect, so label noise is not something we need to handle.'),
    ('ad-click-prediction', 'The predicted CTR from the model trained on 1 percent of negatives can go straight into the auction.'),
    ('video-recommendation', 'Brand-new videos are fine for collaborative filtering because the ID embeddings pick them up right away.'),
    ('payment-fraud-detection', 'The model is already calibrated out of the box, so we can read its scores as probabilities.'),
    ('search-ranking', 'We train a separate model for each user to get the best personalisation.'),
    ('news-feed', 'A bigger transformer will always give better results, so we go with the largest model we can train.'),
    ('ad-click-prediction', 'We skip the logistic regression baseline and go straight to a deep cross network.'),
    ('video-recommendation', 'The two-tower model is good enough on its own, so we do not need a separate ranking stage.'),
    ('delivery-time-estimation', 'The ETA is precomputed for every restaurant and address pair each night.'),
    ('payment-fraud-detection', 'We roll out the new fraud model to all traffic on day one.'),
    ('news-feed', 'The model passed offline validation, so we do not need a rollback plan.'),
    ('visual-search', 'Quantizing the embeddings to int8 has no effect on retrieval quality.'),
    ('search-ranking', 'The ANN index gives us the exact top-k nearest documents.'),
    ('ad-click-prediction', 'Serving cost is negligible, so we will not estimate it.'),
    ('news-feed', 'If engagement drops, we retrain the model and that will fix it.'),
    ('payment-fraud-detection', 'Once deployed, the fraud model keeps working, since fraud patterns are stable over time.'),
    ('video-recommendation', 'Exploration is a waste of impressions because the model already knows what users like.'),
    ('people-you-may-know', 'Hashing member IDs makes the graph data anonymous.'),
    ('harmful-content-detection', 'We only watch latency and error rates in production; that tells us the classifier is working.'),
    ('news-feed', 'Since we retrain daily, there is no need to monitor model quality.'),
    ('ad-click-prediction', 'Training and serving use the same feature store, which guarantees there is no training-serving skew.'),
    ('payment-fraud-detection', 'Retraining once a year is enough because fraudsters rarely change their tactics.'),
    ('search-ranking', 'We compare the metrics from the week before launch with the week after to see if it worked.'),
    ('video-recommendation', 'The test ran for one day, which is plenty with our traffic.'),
    ('news-feed', 'We will stop the experiment as soon as the dashboard shows a significant win.'),
    ('search-ranking', 'Randomising per query gives us more samples than randomising per user.'),
    ('harmful-content-detection', 'We removed race and gender from the inputs, so the model cannot be biased.'),
    ('payment-fraud-detection', 'False positives are not a big deal since customers can just retry.'),
    ('ad-click-prediction', 'Our only online metric will be CTR.'),
    ('search-ranking', 'Replaying the logs with the new ranker gives an unbiased estimate of its online performance.'),
    ('payment-fraud-detection', 'With 99.8 percent accuracy on the test set, the model is ready to ship.'),
    ('people-you-may-know', 'Members in treatment and control do not interact, so there is no interference in the test.'),
    # issues 10 and 11, a fourth set (sample ratio mismatch, metrics from different test sets, overlapping intervals, sampled-negative metrics, correlation as effect, short windows, dogfooding, aggregates, and new wordings of earlier kinds): 12 of 25 were recognised before widening
    ('news-feed', 'Control ended up with 5 percent more users than treatment, which should not affect the result.'),
    ('search-ranking', "Last year our ranker scored an nDCG of 0.61 on the old query set; the new one gets 0.66 on this year's set, so it is clearly better."),
    ('video-recommendation', 'The error bars of the two arms overlap, so there is no real effect.'),
    ('visual-search', 'We evaluate recall@10 by ranking each true match among 99 random negatives, which is equivalent to full-index recall.'),
    ('video-recommendation', 'People who watch more recommended videos stay longer on the app, so recommendations cause retention.'),
    ('payment-fraud-detection', 'Three weeks of transactions are representative of the entire year.'),
    ('news-feed', 'Employees are heavy users, so a week of internal testing shows how users will respond.'),
    ('people-you-may-know', 'Aggregated connection counts never reveal individuals, so we publish them by postcode.'),
    ('ad-click-prediction', 'We split traffic by request ID and report CTR with a z-test on the impressions.'),
    ('news-feed', 'Across our 25 guardrail and engagement metrics, anything significant at 0.05 counts as a real effect.'),
    ('delivery-time-estimation', 'The late-delivery rate was not significantly different, so the new model does not make lateness worse.'),
    ('harmful-content-detection', 'Because the overall precision is high, the classifier must be precise for every harm category too.'),
    ('ad-click-prediction', "Calibration plots look good in aggregate, so we're calibrated per placement."),
    ('payment-fraud-detection', 'Pick the threshold that gives the best F1, since that balances precision and recall.'),
    ('visual-search', 'The same product can appear in train and test; that is harmless.'),
    ('video-recommendation', 'Skips and dislikes are too noisy to be useful, so we do not use them.'),
    ('search-ranking', 'Documents are cached with their personalised ranking per query string.'),
    ('search-ranking', 'Fan-out to many index shards does not change the p99.'),
    ('news-feed', 'We alert when the CTR falls more than 10 percent from the previous day.'),
    ('payment-fraud-detection', 'A stale feature table would be flagged by our drift alerts.'),
    ('video-recommendation', 'We retrain the user tower weekly and keep the video embeddings from the first version in the index.'),
    ('delivery-time-estimation', "The p90 quote is by definition right 90 percent of the time, so we don't track coverage."),
    ('payment-fraud-detection', 'Labels come from the rules engine that runs today, which we treat as the truth for the new model.'),
    ('event-recommendation', 'Users with the highest predicted purchase probability get the discount code.'),
    ('harmful-content-detection', 'Every violation must be caught, and the system should never remove a legitimate post.'),
    # issues 10 and 11, a fifth set written after three rounds of widening: 13 of 25 were recognised before it was widened for (one, an ambiguous 'most likely to buy anyway', was left out)
    ('news-feed', 'Since assignment is by user but we have far more sessions than users, we run the significance test at the session level for extra power.'),
    ('search-ranking', 'We will check results in each of the 50 markets and ship in whichever ones show p below 0.05.'),
    ('video-recommendation', 'Watch time did not change significantly, which tells us the new model is neutral.'),
    ('ad-click-prediction', 'Multiplying the 10-day revenue lift by 36 gives the annual gain we will report.'),
    ('search-ranking', 'The production ranker is greedy, but inverse propensity scoring on its clicks still gives an unbiased estimate for the new ranker.'),
    ('news-feed', 'Since engagement went up across all users, every age group must have benefited.'),
    ('ad-click-prediction', 'Predicted and actual CTR agree on average, so the model is calibrated.'),
    ('harmful-content-detection', 'We set each category threshold at the point of maximum F1.'),
    ('visual-search', 'Deduplicating the images before splitting is not worth the effort.'),
    ('payment-fraud-detection', 'Transactions we declined are left out of the training set since their outcome is unknown.'),
    ('video-recommendation', 'Not-interested clicks are ignored because there are too few of them to matter for training.'),
    ('harmful-content-detection', "We take the existing model's labels on last year's posts as ground truth for the new classifier."),
    ('search-ranking', 'Removing the position feature eliminates position bias.'),
    ('delivery-time-estimation', 'Exponentiating the log-scale prediction gives us the mean delivery time.'),
    ('visual-search', 'A new image encoder can be rolled out without re-embedding the catalogue; the old vectors stay comparable.'),
    ('search-ranking', 'We store the ranked, personalised results in a cache keyed by query and serve them to anyone who searches it.'),
    ('ad-click-prediction', 'Adding more servers will bring down the per-request inference latency.'),
    ('query-autocomplete', 'Suggestions are fetched after the user has paused typing for 400 ms.'),
    ('payment-fraud-detection', "The alert compares today's decline rate with yesterday's and pages if it moves by 20 percent."),
    ('news-feed', 'A frozen upstream table would show up in the feature drift metrics, so we only monitor drift.'),
    ('people-you-may-know', 'Once someone deletes their account, the model and embeddings need no changes.'),
    ('payment-fraud-detection', 'The system must block all fraud while never declining a good customer.'),
    ('news-feed', 'With an 0.92 AUC last month and 0.94 this month, the new model is better.'),
    ('video-recommendation', 'Users who get more notifications watch more, so notifications drive watch time.'),
    # issues 10 and 11, second round: leakage through the aggregation window, calibration dismissed, ROC-AUC
    # and rare positives, offline gains read as business gains, p-values, before/after launches, staleness, accuracy alone
    ('ad-click-prediction', "For each impression I'd add the ad's total clicks for that day as a feature."),
    ('ad-click-prediction', 'ad_daily_clicks and ad_daily_impressions (full day) go into the feature vector.'),
    ('news-feed', "A strong signal is the post's total like count, which we pull from the posts table when building the training set."),
    ('video-recommendation', "Features: video lifetime views, lifetime avg watch %, channel subscriber count (today's snapshot)."),
    ('payment-fraud-detection', "We include the merchant's chargeback rate, computed on the full year of data, as a feature."),
    ('event-recommendation', 'One feature is how many people ended up registering for the event in total.'),
    ('search-ranking', "I'd use each document's overall CTR for the query, computed over the whole log at training time."),
    ('harmful-content-detection', 'A good feature is the number of reports the post has received in total.'),
    ('similar-listings', "We'd add the listing's total bookings for the month the impression falls in."),
    ('video-recommendation', 'Lifetime stats like total views and total likes are computed when we build the training table and joined on video id.'),
    ('ad-click-prediction', "the ad's CTR on the day of the impression is the single best feature"),
    ('news-feed', 'post engagement count at end of day → feature'),
    ('payment-fraud-detection', 'Fraud rate of the merchant (using all labelled transactions) is our top feature.'),
    ('delivery-time-estimation', "The restaurant's average prep time for that day, including orders placed after this one, is a useful input."),
    ('ad-click-prediction', 'We can target-encode the advertiser id with its click rate over the whole training set.'),
    ('ad-click-prediction', "We only care about ranking ads correctly, so calibration is not something I'd spend time on."),
    ('ad-click-prediction', 'Calibration is irrelevant since the auction just needs the ads in the right order.'),
    ('ad-click-prediction', "As long as the ordering is right the absolute values of pCTR don't matter."),
    ('payment-fraud-detection', "We threshold the score anyway, so whether the probabilities are calibrated doesn't really matter."),
    ('news-feed', "We combine the like, comment and share predictions in a weighted sum; their calibration doesn't matter because only the final order counts."),
    ('ad-click-prediction', 'No need to calibrate: the bid times pCTR ranking is invariant to how the scores are scaled.'),
    ('video-recommendation', "Calibration doesn't matter for recommendations, only relative scores."),
    ('ad-click-prediction', 'calibration: not needed, AUC only'),
    ('payment-fraud-detection', "The raw scores don't need to be real probabilities since we just pick a cutoff and the expected-loss calculation works either way."),
    ('payment-fraud-detection', 'ROC-AUC is robust to class imbalance, so it works well even though fraud is 0.1% of payments.'),
    ('payment-fraud-detection', "AUC isn't affected by the skew between fraud and legit, which is why I'd use it as the main metric."),
    ('harmful-content-detection', "Since ROC-AUC is insensitive to the class ratio, it's ideal for rare harmful posts."),
    ('ad-click-prediction', 'AUC handles imbalance fine, so the 1% click rate is not a problem for evaluation.'),
    ('payment-fraud-detection', "ROC AUC doesn't care about imbalance so it's the right choice for rare fraud."),
    ('harmful-content-detection', 'auc — imbalance-proof, so good for rare harms'),
    ('payment-fraud-detection', 'A higher offline AUC always means lower fraud losses, so the model with the best AUC wins.'),
    ('ad-click-prediction', 'Any improvement in AUC will translate into more revenue.'),
    ('search-ranking', 'Higher NDCG offline always means a better experience for users, so we ship whichever scores best.'),
    ('news-feed', "if AUC goes up, engagement goes up, it's that simple"),
    ('news-feed', "With p = 0.02, there's a 98% chance the new ranking is better."),
    ('video-recommendation', "A p-value of 0.04 means there's only a 4% chance the result is due to luck, so we're 96% sure it works."),
    ('search-ranking', "p < 0.05 tells us there's a 95 percent probability that the treatment really beats control."),
    ('ad-click-prediction', 'The p-value is the probability that the null hypothesis is true.'),
    ('event-recommendation', '1 minus the p-value gives the probability that the lift is real.'),
    ('news-feed', 'p=0.01 → 99% confident the new model is better'),
    ('harmful-content-detection', 'the p-value tells us the chance that the new model is actually better than the old one'),
    ('people-you-may-know', "A p-value of 0.03 means a 3% chance that we're wrong about the new model winning."),
    ('news-feed', "We'll ship it to everyone and compare engagement with last month."),
    ('video-recommendation', 'To evaluate, roll out to all users and compare watch time month over month.'),
    ('payment-fraud-detection', "We'll deploy the new model and measure whether the fraud losses drop compared to the previous quarter."),
    ('search-ranking', 'We launch to 100% and look at the week-over-week change in CTR.'),
    ('ad-click-prediction', 'Success is measured by comparing revenue in the month after launch to the month before.'),
    ('delivery-time-estimation', 'swap the model in for all cities, then check late rate vs previous month'),
    ('harmful-content-detection', "After launch we compare this month's prevalence against last month to see the impact."),
    ('similar-listings', "We'll replace the old model for everyone and see whether bookings go up versus last week."),
    ('news-feed', "Drift isn't a concern here; people's interests don't change much."),
    ('delivery-time-estimation', "The model won't go stale because roads and restaurants don't change."),
    ('visual-search', "We don't need to retrain; images of products don't change over time."),
    ('payment-fraud-detection', 'Retraining is not really needed for this kind of product once the model is good.'),
    ('street-view-blurring', "Faces and plates look the same year after year, so there's no drift to worry about."),
    ('search-ranking', "The ranker doesn't go stale, query intent is pretty stable."),
    ('people-you-may-know', 'The social graph changes slowly, so the model will stay fresh for a long time without retraining.'),
    ('video-recommendation', "we can train once a year, tastes don't really move"),
    ('harmful-content-detection', "Harmful content looks the same over time, so the classifier won't degrade."),
    ('news-feed', 'Accuracy is the only metric that matters for the feed model.'),
    ('news-feed', "We'll just maximize accuracy on predicting clicks."),
    ('video-recommendation', 'The goal is simply to get the highest accuracy on whether a user watches a video.'),
    ('search-ranking', "I'd evaluate the ranker by its accuracy, that's the metric that matters."),
    ('people-you-may-know', 'We pick the model with the best accuracy on the held-out connections.'),
    ('harmful-content-detection', "Accuracy is all we need to track; if it's high the model is good."),
    ('event-recommendation', 'Our key metric: accuracy of the registration prediction.'),
    ('ad-click-prediction', "We optimize for accuracy of click prediction and ship when it's above 98%."),
    ('street-view-blurring', 'Image accuracy is the metric that matters.'),
    ('query-autocomplete', 'Accuracy of the suggestions is the only thing we measure.'),
    # second blind set of the same round (27% recognised before the patterns were widened for it)
    ('ad-click-prediction', "I'd join each training impression with the campaign's final click count once the campaign ended."),
    ('news-feed', 'Feature idea: number of likes the post had 24 hours after it was published.'),
    ('video-recommendation', 'We compute the average completion rate per video from the full month of logs and attach it to every impression in that month.'),
    ('search-ranking', 'Document popularity = total clicks in the log, joined to every training query.'),
    ('payment-fraud-detection', 'Merchant features are aggregated over the whole quarter the transaction belongs to.'),
    ('event-recommendation', 'Attendance count for the event (how many showed up) is one of the strongest features.'),
    ('similar-listings', "The listing's occupancy rate for the month is a feature for the impression."),
    ('harmful-content-detection', 'We use the total number of views the post ends up with as a virality feature.'),
    ('ad-click-prediction', "Calibration is a second-order concern; let's focus on AUC."),
    ('ad-click-prediction', "We don't really need calibrated probabilities, just a good ordering."),
    ('payment-fraud-detection', 'Calibrating the model is optional since we threshold anyway.'),
    ('news-feed', "Each head only needs to rank well; calibration isn't important for the blend."),
    ('video-recommendation', "Relative order is all that matters, so I wouldn't bother calibrating."),
    ('harmful-content-detection', 'Calibration is not a priority for the classifier.'),
    ('payment-fraud-detection', "ROC AUC is the standard because it's not sensitive to the proportion of fraud."),
    ('harmful-content-detection', 'The nice thing about AUC is that it ignores class imbalance.'),
    ('ad-click-prediction', "AUC doesn't depend on the base rate, so 1% CTR doesn't distort it."),
    ('payment-fraud-detection', "Even with extreme imbalance AUC stays meaningful, so it's our main metric."),
    ('search-ranking', 'A model with better NDCG will always increase revenue.'),
    ('payment-fraud-detection', 'Raising AUC from 0.90 to 0.93 guarantees we lose less money to fraud.'),
    ('video-recommendation', 'Better offline metrics mean better engagement online, every time.'),
    ('news-feed', 'The p-value of 0.03 means the new feed is better with 97% probability.'),
    ('ad-click-prediction', "We got p = 0.001, so it's essentially certain the model is better."),
    ('search-ranking', 'A p-value under 0.05 means the probability the null hypothesis is true is under 5%.'),
    ('video-recommendation', 'The p-value is the chance our result happened by luck, which is 2% here.'),
    ('news-feed', 'We just release the new ranker and compare DAU before vs after.'),
    ('payment-fraud-detection', 'Evaluation plan: launch fully, then compare fraud rate against the same period last year.'),
    ('search-ranking', 'Turn it on for all traffic and check whether CTR goes up compared with the week before.'),
    ('delivery-time-estimation', "We'll replace the model everywhere and compare the lateness numbers to last month."),
    ('visual-search', "Once deployed to all users, we'll look at click-through before and after."),
    ('news-feed', "Retraining isn't necessary often; user interests are pretty stable."),
    ('ad-click-prediction', "Ad CTR patterns are stable, so the model won't become outdated."),
    ('people-you-may-know', "The model should keep working for years since friendship patterns don't change."),
    ('query-autocomplete', "Query patterns don't shift much, so we can build the model once."),
    ('harmful-content-detection', "Once we've trained the classifier it should stay good because hate speech doesn't change."),
    ('video-search', "Model staleness isn't a concern for search."),
    ('news-feed', 'We judge the model purely on accuracy.'),
    ('video-recommendation', 'Accuracy on the next-watch prediction is our north-star offline metric.'),
    ('payment-fraud-detection', 'Maximizing accuracy is the goal of the fraud model.'),
    ('harmful-content-detection', 'The best model is the one with the highest accuracy.'),
    ('event-recommendation', 'We only look at accuracy to choose between models.'),
    # third blind set, notes and shorthand among them (33% recognised before the patterns were widened for it)
    ('ad-click-prediction', 'feats: ad_ctr_7d, ad_ctr_sameday (whole day), user_ctr_30d'),
    ('news-feed', "I'd pull each post's like and share totals from the production DB at training time and use them as features."),
    ('video-recommendation', 'video popularity = views over the full dataset period, used directly as an input'),
    ('payment-fraud-detection', "cardholder's total chargebacks across the entire dataset → strong predictor"),
    ('similar-listings', 'We take the booking count per listing for the whole training window and add it as a feature.'),
    ('ad-click-prediction', 'calibration → irrelevant for auction, ordering is what matters'),
    ('payment-fraud-detection', "I don't think calibration matters much for a fraud model."),
    ('news-feed', 'Calibration of the heads can be ignored since we only sort by the blended score.'),
    ('harmful-content-detection', 'roc-auc: good for imbalanced data, so main offline metric'),
    ('payment-fraud-detection', 'AUC is a great fit for imbalanced problems like fraud.'),
    ('ad-click-prediction', "AUC is unaffected by how rare clicks are, so we don't need anything else."),
    ('search-ranking', 'Whatever improves NDCG will improve user satisfaction.'),
    ('ad-click-prediction', 'Higher AUC ⇒ more revenue, always.'),
    ('news-feed', 'p = 0.04 → 96% probability treatment is better'),
    ('video-recommendation', 'The p-value tells us how likely it is that the new model is better.'),
    ('search-ranking', 'If p < 0.05, the result is 95% certain to be real.'),
    ('harmful-content-detection', "We'll turn the new classifier on globally and compare prevalence to the quarter before."),
    ('news-feed', 'Roll out, then compare metrics with the prior month to measure the lift.'),
    ('delivery-time-estimation', "We'll go live in every city and check the on-time rate versus the previous quarter."),
    ('search-ranking', 'retraining: not needed, queries are stable'),
    ('visual-search', "The embedding model doesn't need refreshing; the catalogue images hardly change."),
    ('payment-fraud-detection', "Fraudsters don't really change tactics much, so the model will last a long time."),
    ('news-feed', 'We optimize the model for accuracy and report it to leadership.'),
    ('video-recommendation', 'Offline, accuracy is all that matters.'),
    ('people-you-may-know', 'success criterion: accuracy > 95% on held-out edges'),
    ('news-feed', 'After the test, the variant with the higher engagement number gets shipped.'),
    ('search-ranking', 'SHAP shows that result freshness drives satisfaction, so we should boost fresh results.'),
    ('video-recommendation', "There's so much data that position bias washes out."),
    # a fact of the case contradicted (75% of queries are signed out), recognised since the case misconceptions grew
    ('search-ranking', "the biggest lever imo is personalising from each user's own search history"),
    # a new user's claims that went unchallenged in a fraud and a harmful-content interview (sixteenth-session probe)
    ('payment-fraud-detection', 'Metrics: accuracy and ROC AUC on a held-out month.'),
    ('payment-fraud-detection', 'More parameters means better accuracy.'),
    ('payment-fraud-detection', 'If offline AUC is good it will be good online too.'),
    ('payment-fraud-detection', "Blocking good customers is fine, they'll retry."),
    ('harmful-content-detection', 'The reviewers are the ground truth, so we train on their decisions.'),
    ('ad-click-prediction', "We'd run a short A/B test of a couple of days, measuring click-through rate."),
    ('ad-click-prediction', "I'd split randomly by impression, 50/50, for the A/B test."),
    # sizing arithmetic that does not come to its stated result (interviewer/arithmetic.py)
    ('ad-click-prediction', 'volume check: 5B ad req/day ÷ 86,400 ≈ 6k/s → × 500 candidates ≈ 3M preds/s at peak, comfortably one CPU pool'),
    ('delivery-time-estimation', 'Dinner peak is 8,000 list pages a second with 20 restaurants each, call it 16,000 estimates a second, so a single modest service covers it.'),
    ('query-autocomplete', '800M searches × ~8 suggestion calls = 6.4B/day ≈ 7.5k QPS avg'),
    ('visual-search', '5B images × 512-d float32 ≈ 100 GB, fits in one 128 GB box, replicas are easy'),
]

# the sixth set's statements no pattern recognises: arithmetic slips (a rate or a size computed wrong), a fact of
# the case contradicted, and customer-level randomisation for delivery (a recorded answer graded 3 on A/B testing
# randomises by customer, so a pattern for it would punish a good answer). Kept so that a change that starts
# recognising one is noticed (strict xfail)
WRONG_NOT_RECOGNISED = [
    ('delivery-time-estimation', 'Randomise customers 50/50 within each city, show half of them the new ETA, and compare late rates after two weeks.'),
    ('payment-fraud-detection', '300 payments/s on average, Black Friday maybe doubles it, so we size the service for ~600/s'),
    ('street-view-blurring', "compute: 5M panoramas × 40 tiles = 200M tiles/day, at 50 tiles/s per GPU that's 4M GPU-seconds, so 500 GPUs chew through a day's imagery in ~20 min"),
]


def test_a_plan_stated_as_a_consequence_is_read_without_the_first_clauses_guard_words(bank: ConceptBank):
    """"X fails when words are not in the title, so I would retire the inverted index entirely": the first clause's
    "fail" and "not" had hidden the plan from every pattern's sentence-wide guard. The clause after ", so" or "; " is
    read on its own too; a guard inside that clause still holds."""
    case = "video-search"
    said = "The BM25 candidates fail when query words do not appear in the title, so I would retire the inverted index entirely and retrieve everything from a dense index."
    assert "dense-retrieval-replaces-lexical" in {h.misconception_id for h in bank.find_misconceptions(said, case)}
    kept = "The BM25 candidates fail when query words do not appear in the title, so I would not retire the inverted index; we add a dense index beside it."
    assert "dense-retrieval-replaces-lexical" not in {h.misconception_id for h in bank.find_misconceptions(kept, case)}
    # the hit is the plan's own words, not the whole sentence
    hit = next(h for h in bank.find_misconceptions(said, case) if h.misconception_id == "dense-retrieval-replaces-lexical")
    assert hit.matched.startswith("I would retire")


@pytest.mark.parametrize(("case", "line"), WRONG)
def test_wrong_statements_are_recognised(bank: ConceptBank, case: str, line: str):
    assert bank.find_misconceptions(line, case), line


@pytest.mark.xfail(strict=True, reason="not recognised by any pattern yet (arithmetic or case facts; see WRONG_NOT_RECOGNISED)")
@pytest.mark.parametrize(("case", "line"), WRONG_NOT_RECOGNISED)
def test_wrong_statements_not_yet_recognised(bank: ConceptBank, case: str, line: str):
    assert bank.find_misconceptions(line, case), line


def test_no_misconception_on_recorded_answers_graded_3_or_more(bank: ConceptBank):
    """A misconception caps every criterion it lists: on a recorded answer whose reference grade for one
    of those criteria is 3 or 4, it would punish a good answer (evals/bench/misconception_precision.py
    runs the same check over more answers)."""
    from interviewer import evidence
    from interviewer.evals import load_recorded

    lib = library()
    found = []
    for it in load_recorded(lib):
        an = evidence.analyse(it.answer, it.phase, it.case, bank)
        for mid, _i, s, e in an.misconceptions:
            graded = {c: it.reference[c] for c in bank.misconception(mid).criteria if c in it.reference}
            if any(g >= 3 for g in graded.values()):
                found.append((it.id, mid, graded, it.answer[s:e][:80]))
    assert found == []


# correct statements in a case, each close in wording to a misconception added or widened with the wrong sets above
RIGHT_IN_CASE = [
    ('ad-click-prediction', "loss -> log loss / normalised cross-entropy; AUC alone can't see miscalibration"),
    ('visual-search', 'We re-measure ANN recall against exact search every week on sampled queries, not just once at launch.'),
    ('payment-fraud-detection', 'We report accuracy only as a sanity check next to PR-AUC, since 99.9 percent accuracy is trivial here.'),
    ('payment-fraud-detection', 'We use recall at a fixed 0.5 percent false-decline rate, not accuracy.'),
    ('ad-click-prediction', 'If offline AUC improves we move the model to an A/B test; the launch is decided on revenue and guardrails.'),
    ('ad-click-prediction', 'AUC measures ranking; calibration is checked separately with log loss and a reliability diagram.'),
    ('news-feed', 'We run the experiment for two full weeks rather than a single day to cover weekly cycles.'),
    ('news-feed', 'We randomise by user id so each user sees one arm for the whole test.'),
    ('people-you-may-know', 'Members interact, so a plain user split leaks; we randomise by graph clusters.'),
    ('search-ranking', 'Clicks are biased by position, so we correct them with propensities estimated from swap experiments.'),
    ('search-ranking', 'We cache results for the head queries only; tail queries are ranked online.'),
    ('video-recommendation', 'Items shown and skipped are negatives; items never shown are not.'),
    ('video-recommendation', 'A two-tower model retrieves candidates and a heavier ranker orders the top few hundred.'),
    ('harmful-content-detection', 'Prevalence comes from labelling a random sample of views, since reports miss what nobody reports.'),
    ('harmful-content-detection', 'Human reviewers audit a sample of the LLM labels to measure agreement before we train on them.'),
    ('delivery-time-estimation', 'A mean error near zero only shows no bias; we also report absolute error and the share of late orders.'),
    ('delivery-time-estimation', 'We keep late deliveries in training; we only drop orders with corrupt timestamps.'),
    ('delivery-time-estimation', 'The actual pickup time is known only after the order, so it is a label for the pickup model, not a feature.'),
    ('street-view-blurring', 'We keep panoramas without faces as hard negatives and downsample them.'),
    ('street-view-blurring', 'Blurring runs once in the batch pipeline before publishing, never at view time.'),
    ('query-autocomplete', 'Latency per keystroke must be under 50 ms, so the language model only re-ranks a short list from the trie.'),
    ('visual-search', 'Images of the same category are not necessarily similar, so we train a contrastive embedding.'),
    ('similar-listings', 'We filter by availability at serving time because a booked listing is a wasted slot.'),
    ('news-feed', 'Time spent is a guardrail, not the objective; we optimise a weighted mix of meaningful interactions.'),
    ('payment-fraud-detection', 'Chargebacks take weeks; about half arrive within 30 days, so we wait 60 days before labelling a payment legitimate.'),
    ('payment-fraud-detection', 'Fraud patterns are not stable; fraudsters adapt within weeks, so we retrain weekly.'),
    ('ad-click-prediction', 'We precompute user embeddings nightly but score click probability at request time.'),
    ('ad-click-prediction', 'CTR is only a proxy for advertiser value; the auction ranks by bid times calibrated pCTR.'),
    ('video-recommendation', 'Drift is not a concern only when labels arrive fast; here we still monitor feature drift between retrains.'),
    ('news-feed', 'A single server cannot handle the peak, so we run replicas in three regions.'),
    ('news-feed', 'If the new model regresses we roll back to the previous version, then retrain and re-test.'),
    ('video-search', 'We use a multilingual encoder since English-only data would fail a third of queries.'),
    ('harmful-content-detection', 'Removing usernames is only pseudonymisation; the text itself can still identify people.'),
    ('payment-fraud-detection', 'Each payment request is answered in about 80 ms, of which about 200 microseconds is the feature cache lookup.'),
    ('news-feed', 'Even with billions of rows, sparse id embeddings can still overfit, so we train for one epoch.'),
    ('ad-click-prediction', 'Class weights distort the probabilities, so we recalibrate on data with the natural click rate.'),
    ('news-feed', 'We do not declare a winner when the p-value first dips below 0.05; the duration is fixed in advance.'),
    ('news-feed', 'Network effects are a concern here, so we also run a cluster-randomised test.'),
    ('news-feed', 'We keep a small long-term holdout without the new ranker to measure its effect after months.'),
    ('payment-fraud-detection', 'False declines do matter, each one costs the sale and often the customer.'),
    ('video-recommendation', 'We do not track only CTR; watch time, hides and latency are guardrails.'),
    ('video-recommendation', 'A significant lift is shipped only if it pays for the extra serving cost.'),
    ('news-feed', 'The test set is the week after the training window, never the same weeks.'),
    ('news-feed', "We join features as of each event's timestamp with point-in-time joins, not today's values."),
    ('payment-fraud-detection', 'We use a trailing 30-day merchant fraud rate computed as of the payment time.'),
    # terse notes, the way an expert writes them
    ('payment-fraud-detection', 'no random split; out-of-time test month'),
    ('payment-fraud-detection', 'random split = leakage -> split by time'),
    ('payment-fraud-detection', 'random split leaks future fraud patterns, so time split'),
    ('payment-fraud-detection', 'accuracy useless (0.1% pos) -> PR-AUC, recall@1% FPR'),
    ('payment-fraud-detection', 'not accuracy: PR-AUC + recall at fixed FPR'),
    ('payment-fraud-detection', 'metric: PR-AUC; accuracy meaningless at 0.1%'),
    ('payment-fraud-detection', 'labels: chargebacks, 30-90d lag -> 60d maturity window'),
    ('payment-fraud-detection', 'A/B by card, 2-4 wks, power calc first'),
    ('payment-fraud-detection', 'no peeking; fixed horizon, 2 wks'),
    ('payment-fraud-detection', 'threshold from cost: FN ~ amount + fee vs FP ~ lost sale'),
    ('payment-fraud-detection', 'online scoring in auth path, p99 < 100ms; no nightly batch'),
    ('payment-fraud-detection', 'SMOTE? no - downsample legit + reweight, recalibrate'),
    ('news-feed', 'randomise by user, not per request'),
    ('news-feed', '2-week test min (weekly cycles + novelty)'),
    ('news-feed', 'guardrails: hides, reports, latency p99'),
    ('news-feed', 'time spent = guardrail, not objective'),
    ('news-feed', 'shuffle within train window only; split by time'),
    ('news-feed', 'holdout 1% long-term, no new ranker'),
    ('video-recommendation', 'negatives = impressions w/o click, not unseen items'),
    ('video-recommendation', 'two-tower retrieval -> ranker (MMoE), logQ correction for in-batch negs'),
    ('video-recommendation', 'offline recall@k / nDCG; online watch time + satisfaction survey'),
    ('video-recommendation', 'exploration slice 2-5% for new uploads'),
    ('ad-click-prediction', 'downsample negs 10% -> recalibrate p/(p+(1-p)/w)'),
    ('ad-click-prediction', 'AUC not enough: log loss / NE + calibration for auction'),
    ('ad-click-prediction', 'retrain hourly/continual; weekly too stale'),
    ('ad-click-prediction', 'precompute ad embeddings nightly; pCTR online per request'),
    ('search-ranking', 'clicks biased by position -> IPS / swap interleaving'),
    ('search-ranking', 'cache head queries only; tail ranked online'),
    ('search-ranking', 'interleaving for quick online comparison, then A/B'),
    ('harmful-content-detection', 'prevalence: random sample of views, human-labelled, not reports'),
    ('harmful-content-detection', 'auto-remove only >0.98 conf; rest to review queue; appeals'),
    ('harmful-content-detection', 'multi-label sigmoid heads per harm, per-class thresholds'),
    ('delivery-time-estimation', 'loss: quantile / asymmetric; late costs > early'),
    ('delivery-time-estimation', 'eval: MAE + % late > 10 min, not RMSE alone'),
    ('delivery-time-estimation', 'switchback by city-hour (shared couriers -> interference)'),
    ('street-view-blurring', 'recall over precision (missed face = privacy leak)'),
    ('street-view-blurring', 'batch pipeline, blur before publish; no view-time inference'),
    ('street-view-blurring', 'keep no-face panoramas as hard negs'),
    ('query-autocomplete', 'trie + small LM re-rank, < 50ms per keystroke'),
    ('query-autocomplete', 'blocklist + classifier filter on suggestions'),
    ('people-you-may-know', 'cluster-randomised test (network effects)'),
    ('visual-search', 're-embed full index on encoder change; no mixing old/new vectors'),
    ('payment-fraud-detection', 'labels lag 30-90d -> monitor score dist + PSI, not live recall'),
    ('payment-fraud-detection', 'retrain weekly, gated on holdout + canary; rollback on regression'),
    ('payment-fraud-detection', 'GDPR: delete from features/training sets too, not just users table'),
    ('payment-fraud-detection', 'split: time-based (no random)'),
    ('payment-fraud-detection', '✗ random split -> ✓ out-of-time'),
    ('payment-fraud-detection', 'without a random split, train on months 1-5, test on 6'),
    ('news-feed', 'never a random split on logs; train weeks 1-3, test week 4'),
    ('news-feed', 'accuracy? irrelevant; nDCG@10 + online DAU'),
    ('news-feed', 'p50 fine but budget on p99 < 200ms'),
    ('news-feed', 'avg latency misleading -> p99'),
    ('video-recommendation', 'CF fails for new videos -> content tower'),
    ('payment-fraud-detection', "labels delayed weeks; don't assume instant"),
    ('payment-fraud-detection', '0.5 threshold arbitrary -> cost-based'),
    ('ad-click-prediction', 'CTR alone != advertiser value; add pCVR'),
    # the sixth set's correct look-alikes (wrong6)
    ('street-view-blurring', 'GPU math: 200M tiles/day ÷ 50 tiles/s/GPU = 4M GPU-s ≈ 1,100 GPU-hours → ~2.2 h on 500 GPUs, so the 48 h window leaves room to reprocess the back catalogue'),
    ('query-autocomplete', 'About 6.4B suggestion requests a day is roughly 74k per second, over 200k at peak, and the server only gets 15 ms at p99, so per-prefix top-k lists have to be precomputed rather than built per keystroke.'),
    ('search-ranking', "75% of queries are signed out, so personalisation beyond locale and device would only touch a quarter of traffic; i'd keep it out of v1"),
    ('news-feed', '60k loads/s at peak × ~1,500 candidates ≈ 90M scores/s, which is why the heavy model only sees a few hundred posts after a light first pass'),
    ('video-search', 'A billion searches a day is about 12k QPS on average and 40k at peak, with 300 ms at p99 for the first page.'),
    ('delivery-time-estimation', 'Predict quantiles with a pinball loss and show a range; since lateness drives complaints much harder than a pessimistic quote hurts conversion, the upper end is a high quantile, tuned against the late-rate and conversion guardrails and kept within ten minutes of width.'),
    ('harmful-content-detection', 'independent sigmoid head per harm class (a post can be hate and violence at once), each with its own operating point: auto-remove spam only at very high precision, send lower-confidence terrorism hits to reviewers'),
    ('event-recommendation', 'rank by P(registration). 0.3% of impressions is still ~600k positives a day, and clicks can be an auxiliary head'),
    ('people-you-may-know', 'The label is a request that gets accepted; optimising requests sent on their own would reward spammy suggestions.'),
    ('news-feed', 'score = w1·P(comment) + w2·P(share) + w3·P(like) − w4·P(hide or report), weights tuned against the worth-your-time survey rather than time spent'),
    ('harmful-content-detection', "User reports are noisy, since most aren't violations, so they serve as a feature and a source of posts to review, while reviewer decisions and the audited set provide the labels."),
    ('payment-fraud-detection', 'train on payments older than ~90 days, where ~95% of chargebacks have landed; for recent weeks use disputes and analyst verdicts as early, weaker labels'),
    ('people-you-may-know', '- mutual-friend counts per training row come from the graph snapshot as of the impression time, so the label edge and anything after it are excluded'),
    ('search-ranking', 'Clicks are position-biased, so we debias them with a click model or small randomised swaps, and we still evaluate on the 0-to-4 graded ratings.'),
    ('video-recommendation', "normalise watch labels by length (completion, or watch-time percentile within a duration bucket) so multi-hour streams don't beat shorts by default"),
    ('visual-search', "dedup with perceptual hashes first, then split train/test by duplicate cluster → reposted crops of the same image can't leak across the split"),
    ('ad-click-prediction', 'We downsample negatives to 10% for training cost and recalibrate with q = p / (p + (1 − p) / 0.1) before the auction ever sees the number.'),
    ('delivery-time-estimation', "baseline first: a GBDT on the tabular features, trees are hard to beat on data like this, and we'd only move to a deep model if it wins on next month's orders"),
    ('query-autocomplete', 'Trie with precomputed top-k per prefix for the head; for prefixes with too few trie matches (the long tail), a small LM generates candidates, cached by prefix.'),
    ('search-ranking', 'cheap GBDT pass over retrieved candidates → transformer re-ranker over only the top ~100 per query, which is what the GPU pool affords'),
    ('similar-listings', 'Listing embeddings come from click sessions with the eventually booked listing as global context, and new listings start from the average embedding of nearby listings with similar price and type.'),
    ('video-recommendation', 'candidate gen from several sources (two-tower ANN, subscriptions, fresh uploads) down to a few thousand, then the ranker scores only those'),
    ('ad-click-prediction', 'Offline we report normalised cross-entropy plus the predicted-to-actual click ratio per placement and country; the auction charges off pCTR, so AUC alone would hide a 1.3x over-prediction on one placement.'),
    ('delivery-time-estimation', 'switchbacks by zone and 30-min window, since orders in one zone share couriers and customer-level arms would contaminate each other'),
    ('harmful-content-detection', 'Prevalence comes from the weekly 50k stratified sample of views, reweighted by stratum and reported with a confidence interval, not from counts of removals.'),
    ('news-feed', 'we fix 2-4 weeks up front and read the result only at the planned end; the daily dashboard is for guardrail breakages, not for stopping early on a win'),
    ('payment-fraud-detection', 'Accuracy is meaningless at 0.15% fraud, so PR-AUC offline, and recall and dollars caught at a fixed false-decline rate.'),
    ('payment-fraud-detection', 'decline when expected loss p·(amount + $15) beats the expected cost of a false decline (lost sale plus churn), and send a middle band to 3-D Secure'),
    ('people-you-may-know', "Cluster-randomised by community on the 10% slice for at least four weeks, because a treated user's request lands on someone else's list."),
    ('street-view-blurring', 'recall per country, skin tone, age group and face covering on the audited set, each with a confidence interval; the bar is 99% in every slice, not on average'),
    ('event-recommendation', "Online at request time: fetch events near the user's current location and dates, a few thousand candidates, then rank them with the GBDT on CPU; 1k rps at peak is comfortable."),
    ('similar-listings', 'ANN over listing embeddings with metadata filters for market, dates and guest count at serve time, so taken listings never show up'),
    ('video-recommendation', 'Region and licence eligibility filters run on the candidates per country before ranking, since recommending an unplayable video is a visible bug.'),
    ('visual-search', 'PQ to ~64 bytes/image: 5B × 64 B ≈ 320 GB → spreads over a handful of the 50 × 128 GB machines with room for replicas'),
    ('video-search', 'video embeddings computed once at upload on the GPU pool; at query time only the text encoder and an ANN lookup run, well inside 300 ms'),
    ('ad-click-prediction', 'Labels land within about ten minutes and the fleet can load a model every 15 minutes, so we move from the daily retrain to incremental updates every hour or so, checking calibration per placement before each push.'),
    ('event-recommendation', 'precise location only at request time, only city-level history stored, and GDPR deletions propagated into the training tables too'),
    ('query-autocomplete', 'Streaming counts over the last hour feed a delta index merged every few minutes, so breaking-news queries show up long before the weekly rebuild.'),
    ('similar-listings', 'track share of carousel impressions going to the top 1% of listings + host rejection rate alongside bookings, a popularity loop would concentrate exposure'),
    ('street-view-blurring', 'User reports only catch the misses viewers notice, weeks late, so recall is estimated from the weekly 2,000-panorama audit, and the reports feed hard examples into retraining.'),
    # not blind: correct look-alikes written by the helper who widened the patterns
    ('payment-fraud-detection', 'accuracy is meaningless at 0.1% fraud, so PR-AUC and recall at a fixed FPR'),
    ('news-feed', 'we stop the test only at the planned sample size'),
    ('news-feed', 'a 24 hour test is not enough; weekly cycles need at least two weeks'),
    ('search-ranking', 'randomization unit = user, not query'),
    ('people-you-may-know', 'members in different arms do affect each other, so we randomise by graph cluster'),
    ('payment-fraud-detection', 'train_test_split with shuffle would leak the future; we split by time'),
    ('ad-click-prediction', 'advertiser CTR is computed over the 30 days before each impression'),
    ('search-ranking', 'clicks are biased by position, so we debias them before using them as relevance labels'),
    ('payment-fraud-detection', 'chargebacks arrive 30-90 days later, so labels are delayed'),
    ('payment-fraud-detection', 'scores are computed in the auth path in real time, not in a nightly batch'),
    ('video-recommendation', 'we cannot score all 800M videos per request; retrieval narrows them to a few thousand'),
    ('ad-click-prediction', 'negatives downsampled to 5%, then pCTR is recalibrated before it goes into bid * pCTR'),
    ('payment-fraud-detection', 'GBDTs are a strong baseline on tabular data; a deep model has to beat them'),
    ('harmful-content-detection', 'sigmoid heads per harm, since a post can break several policies'),
    ('payment-fraud-detection', 'labels lag, so we monitor score distributions and PSI until chargebacks mature'),
    ('video-recommendation', 'tastes drift with trends, so we watch feature and prediction drift'),
    ('street-view-blurring', 'we retrain when new cameras or regions shift the image distribution'),
    ('street-view-blurring', 'public streets do not remove the privacy duty; faces and plates must be blurred'),
    ('people-you-may-know', 'dropping gender does not make it fair; proxies remain, so we audit by group'),
    ('video-recommendation', 'an A/B test tracks watch time, with hides and latency as guardrails'),
    ('payment-fraud-detection', 'overall accuracy is misleading here; we report PR-AUC and recall at the review capacity'),
    ('news-feed', 'we keep the test running for the planned two weeks even if it looks significant early'),
    ('search-ranking', 'every user is assigned to one arm for the whole test'),
    ('ad-click-prediction', 'the test set is the last week of impressions, after the training window'),
    ('payment-fraud-detection', 'chargeback features are computed only from events before the transaction'),
    ('search-ranking', 'clicks need position-bias correction before they can serve as relevance labels'),
    ('payment-fraud-detection', 'scoring happens inline during authorization, not overnight'),
    ('ad-click-prediction', 'after subsampling non-clicks to 10% we recalibrate the predicted CTR before the auction'),
    ('harmful-content-detection', 'independent sigmoid heads, since a post can break several rules'),
    ('delivery-time-estimation', 'the actual pickup time is unknown when the customer orders, so it cannot be a feature'),
    ('harmful-content-detection', 'only human-reviewed decisions go back into training as labels'),
    ('ad-click-prediction', 'calibration matters because the price depends on pCTR'),
    ('news-feed', 'we compare against a holdout group rather than before and after launch'),
    ('visual-search', 'the ANN index is approximate, so we measure its recall against exact search'),
    ('video-recommendation', 'new videos get an exploration boost until they have enough views'),
    # issues 10 and 11: correct in their case, close to the misconceptions added then
    ('query-autocomplete', 'We do not debounce for 300 ms; each keystroke is answered within about 50 ms from the trie.'),
    ('query-autocomplete', 'Suggestions are cached per prefix for everyone, since autocomplete here is not personalised.'),
    ('delivery-time-estimation', 'Pinball loss at 0.9 is only a target; empirical coverage is checked per city every day.'),
    ('visual-search', 'The item tower is frozen, so the new query encoder stays compatible with the existing index.'),
    ('payment-fraud-detection', 'We alert per merchant only when it has enough transactions; smaller ones are pooled by category.'),
    # issues 10 and 11, second round: correct look-alikes of the families added or widened then
    ('payment-fraud-detection', "ROC-AUC hides the rare class, so I'd report PR-AUC."),
    ('payment-fraud-detection', 'People say ROC-AUC is robust to class imbalance, but with 0.1% fraud it looks great while precision is terrible, so we use PR-AUC.'),
    ('harmful-content-detection', "ROC-AUC barely moves with the class ratio, which is exactly why it hides how many false alarms we'd raise; recall at a fixed false positive rate is what we track."),
    ('ad-click-prediction', 'Calibration matters because the price is bid times pCTR; we check it with a reliability curve.'),
    ('ad-click-prediction', 'For pure ordering only ranking matters, but here the auction charges from pCTR, so we calibrate.'),
    ('news-feed', 'The like, comment and share heads are combined in a weighted sum, so each head must be calibrated.'),
    ('search-ranking', 'For a single ranker where only the order is shown, calibration matters less than NDCG.'),
    ('payment-fraud-detection', 'The threshold is set on expected cost, so the scores must be calibrated probabilities.'),
    ('news-feed', 'A p-value of 0.02 means a difference this large would be rare if the models were equal; it is not the chance the new one is better.'),
    ('video-recommendation', 'The p-value is not the probability that the model works.'),
    ('news-feed', "We won't just compare with last month, since seasonality confounds it; we run an A/B test with a holdout."),
    ('payment-fraud-detection', 'A before/after comparison is confounded by seasonality, so we keep a 5% holdout on the old model.'),
    ('video-recommendation', 'We ramp to 100% only after the A/B test and keep a 1% long-term holdout to compare against.'),
    ('news-feed', 'Interests drift, so we retrain daily and monitor feature drift.'),
    ('visual-search', 'Product images change slowly, but the catalogue and user behaviour do drift, so we still retrain weekly.'),
    ('delivery-time-estimation', 'The model will go stale as traffic and restaurants change, so we retrain every week.'),
    ('news-feed', 'Accuracy is not a useful metric for a feed; we use NDCG and online engagement.'),
    ('payment-fraud-detection', 'Accuracy is meaningless at 0.1% fraud, so we track recall at a fixed decline rate.'),
    ('harmful-content-detection', "We don't maximise accuracy; we pick thresholds per harm from precision-recall curves."),
    ('ad-click-prediction', "Click features are aggregated over the seven days before each impression, never including the impression's own day."),
    ('news-feed', "The post's like count as of the request time is a feature; the end-of-day total is only used as a label."),
    ('video-recommendation', 'Total views are snapshotted at impression time, so the feature never includes later views.'),
    ('payment-fraud-detection', "The merchant's chargeback rate is computed only from transactions whose labels had matured before the scored payment."),
    ('ad-click-prediction', "Using the ad's total daily clicks would leak the future, so we use counts up to the impression time."),
    ('search-ranking', 'A higher offline NDCG does not always mean better business results, so we confirm in an A/B test.'),
    ('payment-fraud-detection', "A higher AUC doesn't always mean lower losses; we compare the dollars caught at our decline budget."),
    ('ad-click-prediction', 'Improvements in offline AUC only sometimes translate into revenue, so an online test decides.'),
    ('harmful-content-detection', 'Harmful content evolves as people adapt, so the classifier will degrade without retraining.'),
    ('street-view-blurring', 'Faces look the same over the years, but cameras and cities change, so we still monitor recall.'),
    ('news-feed', 'We compare engagement with last month only as a sanity check; the decision comes from the A/B test.'),
    ('news-feed', 'Daily aggregates are refreshed every night and served as of the previous day.'),
    ('payment-fraud-detection', "We retrain weekly; retraining daily isn't needed for this product."),
    ('payment-fraud-detection', 'ROC-AUC is a fine secondary metric; the headline is recall at a 1% false positive rate.'),
    ('visual-search', 'We pick the model with the best top-1 accuracy on the held-out queries.'),
    ('search-ranking', 'Only the ranking matters for the final sort of search results, so we use NDCG.'),
    ('video-recommendation', 'The p-value was 0.01, so we reject the null hypothesis of no difference.'),
    ('payment-fraud-detection', "We compare this month's fraud losses with last month's on the dashboard, but launch decisions come from the holdout."),
    ('video-recommendation', 'The end-of-session watch time is the label we predict.'),
    ('ad-click-prediction', "Counts for the impression's day up to the request time are served from the streaming store."),
    ('harmful-content-detection', 'Reports received before the moderation decision are a feature; the final report count is not.'),
    ('ad-click-prediction', 'The auction needs calibrated pCTR, so we check expected versus observed clicks per bucket.'),
    ('people-you-may-know', 'The graph changes daily, so the candidate features are refreshed every few hours.'),
    ('delivery-time-estimation', 'We roll out city by city behind a switchback experiment, not a before-and-after comparison.'),
    ('news-feed', "A p-value below 0.05 tells us the difference is unlikely under no real effect; it doesn't give the chance the new model is better."),
    ('harmful-content-detection', 'Accuracy is reported only as a sanity check; precision and recall per harm are the metrics.'),
    ('payment-fraud-detection', 'Higher AUC does not necessarily mean lower losses, so we simulate dollars saved at the decline budget.'),
    ('event-recommendation', 'The number of registrations up to the impression time is a feature; the final count is the label.'),
    ('ad-click-prediction', "The campaign's click count so far, as of the impression, is a feature; the final count is not."),
    ('news-feed', 'Likes in the first hour are only a feature for posts older than an hour at request time.'),
    ('payment-fraud-detection', 'Merchant aggregates cover the 90 days before the transaction and nothing after it.'),
    ('harmful-content-detection', 'View count at the moment of scoring is a virality feature; the eventual total would leak.'),
    ('ad-click-prediction', 'Calibration is not second-order here: the auction charges from pCTR.'),
    ('payment-fraud-detection', 'We threshold on expected loss, which only works if the probabilities are calibrated.'),
    ('video-recommendation', 'We calibrate each head because the blend multiplies them.'),
    ('payment-fraud-detection', 'ROC-AUC is not sensitive to the proportion of fraud, and that is why it can look great while precision is poor.'),
    ('harmful-content-detection', 'AUC ignores class imbalance, so we lean on PR-AUC for rare harms.'),
    ('search-ranking', 'Better NDCG does not guarantee revenue, so we run an A/B test.'),
    ('news-feed', 'A p-value of 0.03 is the chance of a gap this big if the feeds were equally good.'),
    ('search-ranking', 'We turn it on for 5% of traffic as a randomised experiment and compare with the control.'),
    ('delivery-time-estimation', 'We compare lateness with last month only to spot seasonal trends, not to judge the model.'),
    ('news-feed', 'User interests shift, so retraining often is necessary.'),
    ('query-autocomplete', 'Query patterns shift with news and seasons, so we rebuild the model daily.'),
    ('news-feed', 'Accuracy alone would be misleading, so we judge the model on NDCG and online engagement.'),
    ('visual-search', 'The best model is the one with the highest recall@10 on held-out queries.'),
    ('ad-click-prediction', 'feats: ad_ctr_7d computed up to the impression hour, user_ctr_30d as of the request'),
    ('news-feed', "Like and share totals are read as of each impression from the event log, not from today's DB."),
    ('ad-click-prediction', 'Calibration matters for the auction because price depends on pCTR, not only on the order.'),
    ('payment-fraud-detection', 'ROC-AUC looks good on imbalanced data even for weak models, so PR-AUC is the main offline metric.'),
    ('search-ranking', 'Improving NDCG offline is necessary but not sufficient; the A/B test decides.'),
    ('news-feed', 'p = 0.04 means data this extreme would be unusual if there were no difference.'),
    ('harmful-content-detection', "We won't compare prevalence to the quarter before, since seasonality confounds that; we keep a holdout."),
    ('search-ranking', 'Queries shift over time, so retraining weekly is needed.'),
    ('news-feed', 'Accuracy is meaningless for ranking a feed; we report NDCG and online engagement.'),
    ('news-feed', 'After the test, the variant with the higher engagement gets shipped only if the difference is significant.'),
    ('search-ranking', 'SHAP shows which features the model leans on; whether freshness drives satisfaction needs an experiment.'),
    ('video-recommendation', "Random noise averages out with volume, but position bias doesn't, so we randomise top slots."),
]


@pytest.mark.parametrize(("case", "line"), RIGHT_IN_CASE)
def test_correct_statements_in_a_case_raise_no_misconception(bank: ConceptBank, case: str, line: str):
    assert bank.find_misconceptions(line, case) == []


def test_a_concept_said_in_prose_is_found_by_its_patterns_with_its_span(bank: ConceptBank):
    """No fixed alias catches "train on the first four weeks of logs and test on the fifth" (a time-based split
    a probe wrote in prose, graded "nothing said addresses this"): a concept's patterns find it, span and all."""
    text = "To avoid leaking the future, I'd train on the first four weeks of logs and test on the fifth."
    hits = [m for m in bank.find_mentions(text) if m.concept_id == "time-based-split"]
    assert len(hits) == 1 and hits[0].matched == "train on the first four weeks of logs and test on the fifth"
    assert text[hits[0].start : hits[0].end] == hits[0].matched
    assert not [m for m in bank.find_mentions("Train on a random 80 percent of users and test on the rest.") if m.concept_id == "time-based-split"]


def test_a_concept_pattern_must_find_its_examples_and_not_its_look_alikes(tmp_path):
    import shutil

    folder = tmp_path / "concepts"
    shutil.copytree(knowledge_dir() / "concepts", folder)
    path = folder / "data.yaml"
    src = path.read_text(encoding="utf-8")
    broken = src.replace("      - Train on a random 80 percent of users and test on the rest.", "      - I'd train on the first week and test on the last week.", 1)
    assert broken != src
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(ContentError) as err:
        load_concept_bank(folder)
    assert "time-based-split" in err.value.message and "counter-example" in err.value.message and err.value.line is not None


# Concepts said in plain prose, not by name: each statement is found as its concept, and each correct
# look-alike is not (a concept credited to a sentence that does not show it would inflate a grade).
_PROSE_FOUND = [
    ("data-leakage", "The model must never peek at the outcome through features it could not have had."),
    ("point-in-time-correctness", "Only use data that was known before the click happened."),
    ("label-delay", "Disputes come in weeks after the payment, so recent labels are incomplete."),
    ("negative-sampling", "Negatives are sampled uniformly from the whole corpus."),
    ("cold-start", "A brand-new listing has no bookings and no reviews yet."),
    ("class-imbalance", "Violations are very rare compared with normal posts."),
    ("calibration", "The predicted click rates should match the actual rates in each score bucket."),
    ("position-bias", "Results in higher positions get more clicks even when they are worse."),
    ("multi-stage-funnel", "We narrow the entire inventory down to a few thousand, then score them."),
    ("training-serving-skew", "If feature values don't match between training and serving, the offline wins disappear."),
    ("streaming-features", "The velocity counters are incremented on every transaction."),
    ("canary-release", "Roll the model to 5% of hosts first and monitor errors before going wider."),
    ("shadow-deployment", "We'd score live traffic with the new model in parallel with the old one but not use its decisions."),
    ("rollback", "If anything breaks we revert to the last known good model."),
    ("guardrail-metrics", "We'd check that refunds and cancellations don't increase."),
    ("retraining-cadence", "We retrain the ranker weekly."),
    ("alert-thresholds", "Notify the team if the block rate jumps by half."),
    ("feedback-loop", "What the model recommends shapes the clicks, and those become the next model's labels."),
    ("human-in-the-loop", "Ambiguous reports are queued for human reviewers."),
    ("slice-analysis", "Accuracy broken down by device and region."),
    ("latency-breakdown", "Candidate generation 20 ms, ranking 60 ms, the rest for the network."),
    ("label-delay", "Conversions can arrive up to 7 days after the click."),
    ("multi-stage-funnel", "Retrieval narrows billions of items down to about 1,000, a ranker then orders them."),
    ("canary-release", "Start with 1% of traffic, watch the error rate, then ramp up."),
    ("time-based-split", "I'd validate on the most recent two weeks and train on everything older."),
    ("calibration", "Check whether a predicted 5% CTR corresponds to an observed 5% CTR."),
    ("recall-at-k", "How many of the items the user later watched were in our top 200?"),
    ("training-serving-skew", "Features computed offline in Spark can differ from the ones computed online in Java."),    ("deletion-requests", "If someone asks us to erase their data, we remove their rows from the training tables too."),
    ("exposure-bias", "We only get outcomes for the loans we approved."),
    ("graceful-degradation", "If the scorer crashes, return the rule-based decision."),
    # a new user's answers that earned nothing (sixteenth-session probe)
    ("current-approach", "What do we have today, is there an existing ranking system or a heuristic?"),
    ("baseline-named", "Baseline is the current production heuristic."),
    ("deletion-requests", "Privacy: honour deletions, only train on users who opted in."),
    ("deletion-requests", "Users can delete their account; we drop their rows from the training set within 30 days."),
    ("deletion-requests", "For GDPR we need a right-to-erasure path."),
    ("current-approach", "What does the current system look like, is there already a model in production?"),
    ("deletion-requests", "Training data drops posts from deleted accounts, and every decision is logged."),
    ("gpu-training-compute", "LightGBM distributed on ~10 CPU nodes, ~1-2h per run."),
    ("feedback-loop", "Most new labels would come from posts the model itself sent to review."),
    ("business-goal-stated", "I'll assume we're optimising for revenue while keeping users happy."),
]
_PROSE_NOT_FOUND = [
    ("data-leakage", "The label is the click we observe after the impression."),
    ("label-delay", "We collect labels from the moderation tool."),
    ("cold-start", "We add new ranking features every quarter."),
    ("calibration", "We predict a probability for every request."),
    ("canary-release", "Ship the model to production after the test."),
    ("shadow-deployment", "Run the two jobs in parallel to save time."),
    ("rollback", "The old model was a logistic regression."),
    ("guardrail-metrics", "Make sure the cache doesn't fill up."),
    ("multi-stage-funnel", "The catalogue has millions of items."),
    ("slice-analysis", "We operate in many countries."),
    ("time-based-split", "The test period for the new hire is two weeks."),
    ("streaming-features", "The dashboard is updated every minute."),
    ("rollback", "Go back to the previous page of results."),
    ("canary-release", "Route 2% of the budget to marketing first."),
    ("triggered-retraining", "Whenever we retrain, we log the run and its metrics."),    ("deletion-requests", "When a user deletes a comment, it disappears from the thread."),
    ("access-control", "Only people in the group can see the event."),
    ("current-approach", "We would fine-tune the existing model weekly."),
    ("baseline-named", "Our baseline rate is 2%."),
    ("deletion-requests", "We handle deletions of posts by moderators as a label."),
    ("in-batch-negatives", "Features that can stay in batch are computed nightly."),
    ("gpu-training-compute", "Scoring runs on 40 machines behind the load balancer."),
    ("feedback-loop", "Labels come from the chargeback feed of the card networks."),
]


@pytest.mark.parametrize("cid,line", _PROSE_FOUND)
def test_concepts_said_in_prose_are_found(bank: ConceptBank, cid: str, line: str):
    assert cid in {m.concept_id for m in bank.find_mentions(line)}, line


@pytest.mark.parametrize("cid,line", _PROSE_NOT_FOUND)
def test_prose_look_alikes_are_not_credited(bank: ConceptBank, cid: str, line: str):
    assert cid not in {m.concept_id for m in bank.find_mentions(line)}, line


def test_lr_beside_a_learning_rate_word_is_not_logistic_regression():
    """A new-user probe wrote "bigger batch w/ LR scaling" (the learning rate) and was asked "You mentioned LR. What
    would logistic regression miss ...?"; "baseline: LR on hashed crosses" still names it."""
    from interviewer.concepts import concept_bank

    bank = concept_bank()
    ids = lambda text: {m.concept_id for m in bank.find_mentions(text, "video-search")}
    assert "logistic-regression" not in ids("train on 64 GPUs, bigger batch w/ LR scaling + warmup")
    assert "logistic-regression" not in ids("LR = 1e-3 with cosine decay")
    assert "logistic-regression" in ids("baseline: LR on hashed crosses, then a two-tower model")


def test_a_depth_cue_written_against_its_figure_counts():
    """A new-user probe wrote "2B x 256d fp32 = 2TB -> PQ ~64B/vec = ~128GB" and was told to give the memory it
    implies: a unit cue right after a number ("2TB", "100ms") is the cue; a cue of digits is not found inside
    a longer number ("186" does not hold "86"), and a short cue still does not start inside a word."""
    from interviewer.concepts import _cue_regex

    found = lambda cue, text: bool(re.search(_cue_regex(cue), text, re.I))
    assert found("tb", "2B x 256d fp32 = 2TB") and found("ms", "p99 under 100ms") and found("gb", "~128GB")
    assert not found("86", "186 items") and found("86", "daily / 86,400")
    assert not found("ann", "annual retrain") and not found("ms", "items")


def test_a_word_boundary_in_a_pattern_is_a_token_edge_after_a_sign_too():
    # "100%" and "p(click)" end in a sign: Python's \b after them needs a word character next, so "push it to 100%
    # at once" and "rank events by p(click). ..." were never found by patterns written with \b after the sign
    from interviewer.concepts import token_edges

    rx = re.compile(token_edges(r"\b(100\s*%|p\(click\))\b"), re.I)
    assert rx.search("push it to 100% at once") and rx.search("rank events by p(click). then filter")
    assert not re.search(r"\b(100\s*%|p\(click\))\b", "push it to 100% at once")  # what plain \b did
    assert not rx.search("1000%") and not re.compile(token_edges(r"\ball\b"), re.I).search("overall")
    assert token_edges(r"a\\bc") == r"a\\bc"  # an escaped backslash before "b" is no boundary
