"""Edited negatives: answerable questions edited as SQuAD 2.0's unanswerable ones were written."""

from __future__ import annotations

import json
from pathlib import Path

from seminar_qa.answerability.edits import (
    ANTONYM,
    NEGATION,
    SWAP,
    edit_question,
    others_in_article,
)
from seminar_qa.answerability.rows import EDITED, GENERATED, edited
from seminar_qa.pipeline import build_index
from seminar_qa.settings import Settings

PARAGRAPH = "The Denver Broncos beat the Carolina Panthers in 2016 at Levi's Stadium."
OTHERS = (
    "The New England Patriots lost to the Denver Broncos in 2015. Peyton Manning played for "
    "the Indianapolis Colts. The game drew 111,900,000 viewers, against 1,900 in the city. "
    "Fans in Oakland cheered."
)


def edits_of(question: str, answers: list[str], tries: int = 40) -> set[tuple[str, str]]:
    """The (kind, edited question) pairs that ``tries`` question ids draw."""
    drawn = (edit_question(str(n), question, answers, PARAGRAPH, OTHERS) for n in range(tries))
    return {(e.kind, e.question) for e in drawn if e is not None}


def test_a_swap_names_something_else_of_the_article_that_the_paragraph_lacks() -> None:
    # No auxiliary and no word with an antonym: a swap is the only edit there is. A name of as
    # many words as the one replaced, from the other paragraphs, not in this one.
    assert edits_of("Which team beat the Carolina Panthers?", ["Broncos"]) == {
        (SWAP, "Which team beat the Indianapolis Colts?"),
        (SWAP, "Which team beat the Peyton Manning?"),
    }


def test_a_number_is_swapped_for_one_of_as_many_digits_and_the_answer_never() -> None:
    # "Broncos" is the answer, so only the year is swapped (for 2015, not 1,900); "did" takes
    # a negation.
    assert edits_of("Where did the Broncos play in 2016?", ["Broncos"]) == {
        (SWAP, "Where did the Broncos play in 2015?"),
        (NEGATION, "Where did not the Broncos play in 2016?"),
    }


def test_negation_follows_the_first_auxiliary_and_antonyms_come_from_wordnet() -> None:
    # "first": last or second in WordNet.
    assert edits_of("Who was the first president?", ["Washington"], tries=60) == {
        (NEGATION, "Who was not the first president?"),
        (ANTONYM, "Who was the last president?"),
        (ANTONYM, "Who was the second president?"),
    }


def test_an_edit_is_the_same_for_the_same_question_and_none_when_nothing_applies() -> None:
    first = edit_question("abc", "Who was the first president?", ["x"], PARAGRAPH, OTHERS)
    assert first == edit_question("abc", "Who was the first president?", ["x"], PARAGRAPH, OTHERS)
    # Already negated, no name of the paragraph, no word with an antonym.
    assert edit_question("q", "Who was not at the party?", ["x"], PARAGRAPH, OTHERS) is None
    # Negated as the answerability features read negation ("without", "nobody"), not only "not".
    for negated in ("Who was at the party without a gift?", "Who was at the party with nobody?"):
        assert edit_question("q", negated, ["x"], PARAGRAPH, OTHERS) is None
    # Part of a hyphenated word is no name to swap.
    hyphenated = "Which Asian-American team?"
    assert edit_question("q", hyphenated, ["x"], "Asian-American", "Indian") is None


def test_the_other_paragraphs_are_those_of_the_same_article() -> None:
    paragraphs = {"xq-01-00": "a", "xq-01-01": "b", "xq-01-02": "c", "xq-02-00": "d"}
    assert others_in_article("xq-01-01", paragraphs) == "a\nc"
    assert others_in_article("xq-02-00", paragraphs) == ""


def test_edited_rows_are_asked_of_the_whole_index_and_labelled_unanswerable(
    tmp_path: Path,
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "sb-00-00.txt").write_text(PARAGRAPH, encoding="utf-8")
    (corpus / "sb-00-01.txt").write_text(OTHERS, encoding="utf-8")
    questions = tmp_path / "questions.jsonl"
    lines = [
        {"id": "e1", "question": "Which team beat the Carolina Panthers?", "answers": ["Broncos"],
         "lang": "en", "gold": "sb-00-00"},
        {"id": "z1", "question": "哪支球队击败了Carolina Panthers？", "answers": ["Broncos"],
         "lang": "zh", "gold": "sb-00-00"},
        {"id": "n1", "question": "Which team?", "answers": ["Broncos"], "lang": "en",
         "gold": "sb-00-00"},
        {"id": "u1", "question": "Who was not there?", "answers": [], "lang": "en",
         "gold": "sb-00-00"},
    ]  # fmt: skip
    questions.write_text("\n".join(json.dumps(line) for line in lines), encoding="utf-8")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", embedder="hashing")
    build_index(settings)
    rows = edited("superbowl", settings.index_dir, questions, corpus)
    # English answerable questions only, and only those an edit applies to.
    assert [(r.qid, r.group, r.kind, r.answerable) for r in rows] == [
        ("e1", "sb-00-00", EDITED, False)
    ]
    assert rows[0].source == "superbowl" and EDITED in GENERATED
