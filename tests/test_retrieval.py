"""Retrieval pieces with no model: question cleaning, answer sentences, fusion and coverage."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pytest

from seminar_qa.embedding import HashingEmbedder
from seminar_qa.index import SeminarIndex
from seminar_qa.lexical import (
    derive_pinyin_syllables,
    pinyin_syllables,
    question_tokens,
    split_pinyin,
)
from seminar_qa.pipeline import build_index
from seminar_qa.retrieval import (
    EmptyQuestionError,
    answer_span,
    coverage,
    prepare_question,
    question_language,
    score_passages,
)
from seminar_qa.settings import Settings

PASSAGE = (
    "In the expert exchange session, Professor Wang Gong introduced a large model. "
    "This model can simulate teaching scenarios and is used for training teachers. "
    "The session ended in the afternoon of November 28 with 120 participants."
)


def flat_idf(_: str) -> float:
    return 1.0


def span_text(question: str) -> str:
    start, end = answer_span(question_tokens(question), PASSAGE, flat_idf, question)
    return PASSAGE[start:end]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Which model simulates teaching scenarios for training teachers?", "This model can"),
        ("Who introduced the large model at the expert session?", "Professor Wang Gong"),
        ("When did the session end?", "November 28"),
        ("How many participants were there?", "120 participants"),
        ("谁介绍了这个模型？", "Professor Wang Gong"),
    ],
)
def test_answer_sentence_prefers_words_and_the_asked_answer_type(
    question: str, expected: str
) -> None:
    assert expected in span_text(question)


def test_answer_sentence_without_any_evidence_is_the_first() -> None:
    assert span_text("zebra?").startswith("In the expert exchange")


def test_prepare_question_normalises_caps_and_rejects_empty() -> None:
    prepared = prepare_question("  Ｗho\u200b leads\x00 Changning?\u202e ", max_chars=500)
    assert prepared.text == "Who leads Changning?" and not prepared.truncated
    long = prepare_question("word " * 300, max_chars=50)
    assert long.truncated and len(long.text) <= 50 and long.original_length > 1000
    for empty in ["", "   ", "？！", "\u200b\u200b"]:
        with pytest.raises(EmptyQuestionError):
            prepare_question(empty)


def test_question_language_and_pinyin_bridge() -> None:
    assert question_language("长宁区教育局局长是谁？") == "zh"
    assert question_language("Who leads Changning?") == "en"
    assert split_pinyin("qiuju") == ("qiu", "ju")
    assert split_pinyin("education") is None
    tokens = question_tokens("熊秋菊是谁？")
    assert {"py_xiong", "py_qiu", "py_ju"} <= set(tokens)
    assert "director" in question_tokens("局长") or "chief" in question_tokens("局长")


def test_shipped_pinyin_table_matches_pypinyin() -> None:
    assert derive_pinyin_syllables() == pinyin_syllables()
    assert {"xiong", "qiu", "ju", "chang", "ning", "lu"} <= pinyin_syllables()
    assert "lv" not in pinyin_syllables()  # ü is written u, as in romanised names


def test_coverage_takes_the_better_of_direct_and_bridged_words() -> None:
    english = "Xiong Qiuju, Director of the Changning District Education Bureau, spoke."
    direct, bridged = ["长宁"], ["py_chang", "py_ning"]
    assert coverage([direct, bridged], english, flat_idf) == 1.0
    assert coverage([direct, []], english, flat_idf) == 0.0


def test_fused_scores_lie_in_0_1_and_follow_language_weights(tmp_path: Path, corpus: Path) -> None:
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "ix", embedder="hashing")
    build_index(settings, embedders=[HashingEmbedder()])
    index = SeminarIndex.load(settings.index_dir, [HashingEmbedder()])
    english, chinese = score_passages(index, ["Changning education bureau", "长宁区教育局"])
    for scores in (english, chinese):
        assert scores.fused.min() >= 0.0 and scores.fused.max() <= 1.0 + 1e-6
        assert set(scores.components) == {"bm25", "hashing"}
    assert english.language == "en" and chinese.language == "zh"
    top = index.passages[int(english.candidates[int(np.argmax(english.fused))])]
    assert "Changning" in top.text
    # The bridged Chinese question reaches the English passage lexically.
    assert chinese.components["bm25"].max() > 0
    idf = functools.lru_cache(maxsize=None)(index.lexical.idf)
    assert idf("xyzzy-unknown") >= idf("seminar")
