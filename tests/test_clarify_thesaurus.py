"""The clarifying phase's thesaurus (knowledge/concepts/synonyms.yaml, interviewer/thesaurus.py): its checks, how it
puts a question in a case's own words, and the rules built on it (measures), on the shipped cases."""
from __future__ import annotations

from pathlib import Path

import pytest

from interviewer import brains
from interviewer.brains import OfflineBrain
from interviewer.content import check_file, library
from interviewer.errors import ContentError
from interviewer.text import ask_items, asks_quantity, clarify_asks, has_vague_quantity, spell_share
from interviewer.thesaurus import Thesaurus, load_synonyms, thesaurus, tokens


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "synonyms.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_the_shipped_thesaurus_is_broad_and_each_member_in_one_group():
    th = thesaurus()
    assert len(th.groups) >= 300 and sum(len(g) for g in th.groups) >= 1500
    seen: dict[tuple[str, ...], int] = {}
    for n, g in enumerate(th.groups):
        for m in g:
            key = tuple(w for w, *_ in tokens(m))
            assert seen.setdefault(key, n) == n, m
    assert {"price", "retention", "growth"} <= th.measures


@pytest.mark.parametrize(
    "text, says, line",
    [
        ("groups:\n  - [rider, courier]\n  - [driver, rider]\n", "also in group 1", 3),
        ("groups:\n  - [rider, courier]\n  - [lonely]\n", "fewer than two members", 3),
        ("groups:\n  - [Rider, courier]\n", "not lower-case", 2),
        ("measures: [two words]\ngroups:\n  - [rider, courier]\n", "not one lower-case word", None),
    ],
)
def test_a_broken_thesaurus_is_refused_with_its_file_and_line(tmp_path: Path, text: str, says: str, line: int | None):
    p = _write(tmp_path, text)
    with pytest.raises(ContentError) as e:
        load_synonyms(p)
    assert says in str(e.value) and str(p) in str(e.value)
    if line is not None:
        assert e.value.line == line
    with pytest.raises(ContentError):  # `mlsd check` on the file says the same
        check_file(p)


def test_a_good_thesaurus_passes_the_check(tmp_path: Path):
    check_file(_write(tmp_path, "measures: [price]\ngroups:\n  - [rider, courier, delivery partner]\n"))


def test_mentions_take_the_longest_member_and_rewrite_only_what_the_case_never_says():
    th = Thesaurus([["courier", "rider", "delivery partner"], ["daily", "per day"], ["dau", "daily active user"]])
    said_text = "We have 40,000 couriers and 2 million daily active users; couriers ping GPS every few seconds."
    found = th.mentions("How many daily active users and riders per day?")
    assert [m.member for m in found] == [("daily", "active", "user"), ("rider",), ("per", "day")]
    words = th.case_words([said_text.lower()])
    said = {m.member for m in th.mentions(said_text.lower())}
    assert words[0] == "courier"
    # "riders" becomes the case's word; "daily active users" is the case's own phrase and stays as written
    assert th.rewrite("How many riders and daily active users?", said, words) == "How many courier and daily active users?"
    assert th.rewrite("How many riders?", {("rider",)}, words) == "How many riders?"  # the case says it: kept


@pytest.fixture(scope="module")
def brain() -> OfflineBrain:
    return OfflineBrain(library())


def _ids(brain: OfflineBrain, case_id: str, q: str) -> set[str]:
    case = brain.lib.case(case_id)
    return {case.facts[i].id for i, _ in brain.match_facts(q, case)}


@pytest.mark.parametrize(
    "case, question, fact",
    [
        ("delivery-time-estimation", "How many dashers do we have?", "restaurants-and-couriers"),
        ("search-ranking", "How many folks use the engine each day?", "daily-active-users"),
        ("payment-fraud-detection", "How long until a disputed charge reaches us?", "label-delay"),
    ],
)
def test_a_question_in_other_words_than_the_case_finds_its_fact_through_the_thesaurus(brain, monkeypatch, case, question, fact):
    assert _ids(brain, case, question) == {fact}
    monkeypatch.setattr(brains, "thesaurus", lambda: Thesaurus([]))  # without it, the words are not linked
    assert _ids(brain, case, question) != {fact}


@pytest.mark.parametrize(
    "case, question",
    [
        ("payment-fraud-detection", "How fast are fraud losses growing?"),
        ("search-ranking", "What is the average length of a query?"),
    ],
)
def test_a_measure_no_fact_names_is_the_candidates_to_assume(brain, monkeypatch, case, question):
    assert _ids(brain, case, question) == set()
    groups = thesaurus().groups
    monkeypatch.setattr(brains, "thesaurus", lambda: Thesaurus(groups))  # the same thesaurus without its measures
    assert _ids(brain, case, question) != set()  # the fact about fraud (about queries) would have answered


def test_how_fast_of_the_clause_before_is_one_ask_and_plus_lists_things():
    assert clarify_asks("Is the catalogue growing, and how fast?") == ["Is the catalogue growing, how fast"]
    assert clarify_asks("Do fraudsters adapt to new rules? How quickly?") == ["Do fraudsters adapt to new rules, How quickly"]
    assert clarify_asks("What is the QPS and how fast must we answer?") == ["What is the QPS", "how fast must we answer"]
    assert ask_items("qps + p99") == ["qps", "p99"] and ask_items("QPS & p99 for the module") == ["QPS", "p99 for the module"]


def test_a_count_asked_for_wants_a_number_next_to_the_thing_counted(brain, monkeypatch):
    from interviewer.domain import policy

    assert policy().fact_number_window > 0
    asks = [("video-search", "How many raters work for the vendor?"), ("video-recommendation", "How many GPUs do we have for serving?")]
    for case, q in asks:  # the answer names raters (GPUs) but counts something else
        assert _ids(brain, case, q) == set()
    assert _ids(brain, "delivery-time-estimation", "How many couriers are there?") == {"restaurants-and-couriers"}  # "40,000 couriers"
    loose = policy().model_copy(update={"fact_number_window": 0})  # any number in the sentence would do
    monkeypatch.setattr(brains, "policy", lambda: loose)
    assert all(_ids(brain, case, q) != set() for case, q in asks)


def test_a_note_style_line_of_questions_with_a_bracketed_aside_gets_every_part(brain):
    # a new-user probe: the scale asked as "scale? (txns/sec, peak)" was answered with merchants and cards, and
    # the in-store choice went unanswered
    line = "Qs: scale? (txns/sec, peak), card-not-present only or also in-store? decision latency budget for auth? labels = chargebacks?"
    assert _ids(brain, "payment-fraud-detection", line) == {"transaction-volume", "scope", "latency-budget", "data-and-labels"}


def test_an_either_or_that_no_fact_answers_whole_is_asked_by_its_first_side(brain):
    # a new-user probe: "Personalization in scope, or query->video relevance only?" got neither the scope fact nor
    # "yours to assume"; its first side is the question
    line = "Personalization in scope, or query->video relevance only?"
    assert _ids(brain, "video-search", line) == {"scope-query-type"}
    # an either-or answered whole keeps its answer, and one whose first side names nothing of the case gets nothing
    assert _ids(brain, "payment-fraud-detection", "card-not-present only, or also in-store?") == {"scope"}
    assert not _ids(brain, "payment-fraud-detection", "Java, or Go?")


def test_a_share_stated_in_words_answers_how_many_but_not_a_price(brain, monkeypatch):
    # "A large share of Android users are on low-end phones" answers how many are; "Most campaigns pay per click"
    # does not give the average cost of a click
    q = "How often do people scroll straight past without stopping, and how many Android users are on low-end phones?"
    assert _ids(brain, "news-feed", q) == {"skips-and-dwell", "devices"}
    assert _ids(brain, "ad-click-prediction", "What's the average cost per click in dollars?") == set()
    assert has_vague_quantity("a large share of them") and has_vague_quantity("most of them")
    assert not has_vague_quantity("the most popular query") and not has_vague_quantity("we share posts")
    monkeypatch.setattr(brains, "has_vague_quantity", lambda text: False)
    brain._facts.clear()  # the fact bank is built again without shares in words
    try:
        assert "devices" not in _ids(brain, "news-feed", q)
    finally:
        brain._facts.clear()


def test_what_would_count_as_asks_for_no_number_and_a_bare_percent_is_a_share(brain):
    assert not asks_quantity("what reduction would count as a big launch")
    assert asks_quantity("what is the user count") and asks_quantity("What's the count of reviewers?")
    q = "What's prevalence today and what reduction would count as a big launch?"
    assert _ids(brain, "harmful-content-detection", q) == {"current-metrics", "meaningful-win"}
    assert spell_share("what % of searches happen on mobile") == "what share of searches happen on mobile"
    assert spell_share("is it 5% of traffic?") == "is it 5% of traffic?"
    assert _ids(brain, "query-autocomplete", "DAU? and what % of searches happen on mobile?") == {"daily-active-users", "devices"}


def test_a_share_of_the_thing_before_is_asked_of_it():
    assert clarify_asks("How many searches per day, and what share come from TVs?") == ["How many searches per day", "what share of searches come from TVs"]
    assert clarify_asks("How many clips are eligible, and how many get added daily?") == ["How many clips are eligible", "how many clips get added daily"]


def test_a_note_lead_in_makes_a_list_of_things_asked_and_a_number_sign_is_a_number(brain):
    # a new-user probe: "- scale: # imgs in index, QPS?" was read as one ask qualified "in index" and got nothing
    assert ask_items("scale: # imgs in index, QPS") == ["scale: # imgs in index", "QPS"]
    assert ask_items("How well calibrated is the model by placement and country") == []  # still a qualified ask
    assert spell_share("scale: # imgs in index") == "scale: number of imgs in index"
    assert spell_share("# of users?") == "number of users?" and spell_share("the #1 result") == "the #1 result"
    assert "request-volume" in _ids(brain, "visual-search", "- scale: # imgs in index, QPS?")
