"""Misconceptions that fire on answers known to be right: each one would cap a criterion of a good candidate.

Scans, with the grader's own analysis (`evidence.analyse`: questions, pleas and repeats are not evidence):
- the recorded answers (`evals/recorded/`): a hit is reported when one of the criteria the misconception
  undermines is graded 3 or 4 in the reference grades of that answer;
- the first independent writer's strong, average and terse-right answers (`evals/independent/answers-w1.yaml`;
  the second writer's file is held out and not read);
- the strong and average pairs of `evals/robustness/notes-vs-prose.yaml` (both versions).
Fluent-but-wrong and weak answers are never read here.

Run: python evals/bench/misconception_precision.py [--all]. Prints each hit and one JSON line of counts;
exit 1 when there is a hit. `--all` also lists hits on recorded answers whose criteria are graded 1-2.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from interviewer import evidence
from interviewer.concepts import concept_bank
from interviewer.content import library
from interviewer.evals import load_recorded

GOOD = ("strong", "average", "terse-right")


def _notes_vs_prose_good() -> list[tuple[str, str, str, str]]:
    path = ROOT / "evals" / "robustness" / "notes-vs-prose.yaml"
    text = path.read_text(encoding="utf-8")
    ids: set[str] = set()
    for kind in ("strong", "average"):
        m = re.search(rf"^#\s+{kind}:\s*(.+)$", text, re.M)
        if m:
            ids.update(m.group(1).split())
    out = []
    for p in yaml.safe_load(text):
        if p["id"] in ids:
            out += [(f"{p['id']}.notes", p["case"], p["phase"], p["notes"]), (f"{p['id']}.prose", p["case"], p["phase"], p["prose"])]
    return out


def main(argv: list[str]) -> int:
    show_all = "--all" in argv
    lib, bank = library(), concept_bank()
    hits: list[str] = []
    weak_graded: list[str] = []
    counts = {"recorded": 0, "independent_w1": 0, "notes_vs_prose": 0}

    def scan(text: str, phase: str, case: str | None) -> list[tuple[str, str]]:
        an = evidence.analyse(text, phase, case, bank)
        return [(mid, text[s:e]) for mid, _i, s, e in an.misconceptions]

    for it in load_recorded(lib):
        counts["recorded"] += 1
        for mid, span in scan(it.answer, it.phase, it.case):
            crit = bank.misconception(mid).criteria
            graded = {c: it.reference[c] for c in crit if c in it.reference}
            line = f"recorded {it.id} ({it.quality}) {mid} {graded}: {span[:120]!r}"
            if any(g >= 3 for g in graded.values()):
                hits.append(line)
            else:
                weak_graded.append(line)
    w1 = yaml.safe_load((ROOT / "evals" / "independent" / "answers-w1.yaml").read_text(encoding="utf-8"))
    for a in w1:
        if a["intended"] not in GOOD:
            continue
        counts["independent_w1"] += 1
        for mid, span in scan(a["answer"], a["phase"], a["case"]):
            hits.append(f"independent {a['id']} ({a['intended']}) {mid}: {span[:120]!r}")
    for pid, case, phase, text in _notes_vs_prose_good():
        counts["notes_vs_prose"] += 1
        for mid, span in scan(text, phase, case):
            hits.append(f"notes-vs-prose {pid} {mid}: {span[:120]!r}")
    for h in hits:
        print(h)
    if show_all:
        for h in weak_graded:
            print("(graded 1-2)", h)
    print(json.dumps({"answers": counts, "hits_on_good_answers": len(hits), "hits_on_criteria_graded_1_2": len(weak_graded)}))
    return 1 if hits else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
