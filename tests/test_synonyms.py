"""Synonyms: a question's word that its passage says in other words is not missing."""

from __future__ import annotations

from pathlib import Path

from seminar_qa.answerability.synonyms import (
    TABLE_FILE,
    generate,
    render,
    synonyms,
    with_synonyms,
)
from seminar_qa.answering import Assistant
from seminar_qa.tokenization import base_tokens
from tests.conftest import needs_wordnet
from tests.test_answerability import features_of, one_document_index


def held(question: str, passage: str) -> frozenset[str]:
    """The question's tokens the passage holds, itself or by a synonym."""
    tokens = frozenset(base_tokens(passage))
    return with_synonyms(base_tokens(question), tokens) & frozenset(base_tokens(question))


def test_a_word_is_held_by_a_synonym_of_a_common_sense() -> None:
    assert held("When was it published?", "Release Time: 2024-12-03") == {"publish"}
    assert held("Who gave the opening speech?", "It began with an address by Han.") >= {"speech"}
    # Irregular forms read as their base word: spoke -> speak, whose synonym is "talk".
    assert held("Who spoke first?", "Han talked first.") >= {"spoke"}
    # And a base word by its irregular forms: a question in the present over a report in the past.
    assert held("Who leads the team in sacks?", "Short led the team in sacks.") >= {"lead"}
    assert held("Where does each child learn?", "The children learn at home.") >= {"child"}


def test_no_word_is_held_without_its_synonym_in_the_passage() -> None:
    assert held("What was the budget?", "The seminar was held in Shanghai.") == frozenset()
    assert held("Who spoke first?", "Han wrote first.") == {"first"}
    assert synonyms("seminarx") == frozenset()
    # Chinese words have no entry: they reach the table only through English glosses.
    assert synonyms("研讨会") == frozenset()


def test_a_synonym_in_the_passage_leaves_no_word_missing(tmp_path: Path) -> None:
    text = "# Seminar report\n\nRelease Time: 2024-12-03. The seminar was held on November 28.\n"
    assistant = Assistant(one_document_index(tmp_path, text))
    features = features_of(assistant, "When was the seminar published?")
    assert features["missing_share"] == 0.0
    assert features["coverage"] == 1.0
    assert features_of(assistant, "When was the seminar cancelled?")["missing_share"] > 0.0


@needs_wordnet
def test_the_shipped_table_is_what_wordnet_gives() -> None:
    table = generate()
    assert TABLE_FILE.read_text(encoding="utf-8") == render(table)
    assert "releas" in table["synonyms"]["publish"]
    assert "speak" in table["synonyms"]["spoke"]
    # Only a word's commonest senses: "talk" as to tell a secret is no "sing" or "spill".
    assert "speak" in table["synonyms"]["talk"]
    assert not {"sing", "spill"} & set(table["synonyms"]["talk"])
