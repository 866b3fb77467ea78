"""Opposite words between a question and a sentence (answerability's ``antonym`` feature)."""

from __future__ import annotations

from seminar_qa.answerability.antonyms import (
    TABLE_FILE,
    base_forms,
    generate,
    opposed,
    render,
)
from tests.conftest import needs_wordnet


def test_a_word_turned_into_its_opposite_is_found_in_its_inflected_forms() -> None:
    assert opposed(
        "What is easy about proving lower bounds?",
        "However, proving lower bounds is much more difficult.",
    ) == [("easy", "difficult")]
    # Superlatives and irregular comparatives read back to the word WordNet pairs.
    assert opposed("Which are the 15 smallest cities?", "The 15 largest cities of Germany.") == [
        ("smallest", "largest")
    ]
    assert opposed("What is the best route?", "It is the worst route.") == [("best", "worst")]
    assert opposed("When did the price decrease?", "The price increased in 1999.") == [
        ("decrease", "increased")
    ]


def test_a_negating_prefix_either_way_is_an_opposite() -> None:
    assert opposed("What are unconnected graphs?", "The set of all connected graphs.") == [
        ("unconnected", "connected")
    ]
    assert opposed("What is non-binary notation?", "Integers in binary notation.") == [
        ("non-binary", "binary")
    ]
    assert opposed("What makes the bounds dependent?", "Bounds independent of the model.") == [
        ("dependent", "independent")
    ]
    # A word that merely starts like a prefix is no negation of the rest ("inform" / "form").
    assert opposed("Whom did they inform?", "They filled in a form.") == []


def test_no_opposite_when_the_sentence_says_the_word_itself_or_is_not_english() -> None:
    # A sentence that holds both words does not turn one into the other.
    assert opposed("What is known about P?", "What is known and unknown about P.") == []
    assert opposed("Who was Emma's brother?", "Emma's sister married him.") == []  # nouns out
    assert opposed("What did the report say?", "The report said nothing new.") == []
    assert opposed("研讨会容易吗？", "研讨会很难。") == []
    assert base_forms("happier") >= {"happy"} and base_forms("bigger") >= {"big"}


@needs_wordnet
def test_the_shipped_table_is_what_wordnet_gives() -> None:
    table = generate()
    assert TABLE_FILE.read_text(encoding="utf-8") == render(table)
    assert set(table["antonyms"]["easy"]) == {"difficult", "uneasy"}
    assert table["forms"]["worst"] == "bad"
