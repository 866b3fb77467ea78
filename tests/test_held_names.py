"""A Chinese question's many-word names, held word for word by an English passage, in fusion."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from seminar_qa.bridges import name_phrases
from seminar_qa.index import SeminarIndex
from seminar_qa.index.lexical import LexicalIndex, passage_tokens
from seminar_qa.pipeline import build_index
from seminar_qa.policy import DEFAULT_POLICY, NAMES, SearchPolicy
from seminar_qa.retrieval.fusion import score_passages
from seminar_qa.retrieval.held_names import held_names
from seminar_qa.settings import Settings
from seminar_qa.testing.fakes import HashingEmbedder

ASKED = "上海师范大学的哪个中心的主任做了发言？"
"""The director of which centre of Shanghai Normal University spoke?"""
HOLDS = (
    "Professor Wang Gong, Director of the Analysis and Supercomputing Centre of "
    "Shanghai Normal University, spoke about a large model for training teachers."
)
SCATTERED = (
    "Han Chonghu, Director of the Shanghai Municipal Education Commission, gave an address. "
    "Every university in the city now treats digital teaching as normal."
)


def test_a_name_the_dictionary_lacks_is_glossed_by_its_words_and_a_place_by_its_name() -> None:
    # 上海 is "Shanghai municipality, central east China": the place's name, not its description.
    assert name_phrases(ASKED) == ("shanghai normal university",)
    assert name_phrases("这次研讨会是什么时候举行的？") == ()  # 研讨会 is a dictionary word
    assert name_phrases("Which centre of Shanghai Normal University spoke?") == ()


def test_the_passages_holding_every_token_built_and_loaded(tmp_path: Path) -> None:
    texts = [HOLDS, SCATTERED, "Teachers met in the afternoon."]
    built = LexicalIndex.build(texts)
    built.save(tmp_path / "bm25")
    loaded = LexicalIndex.load(tmp_path / "bm25", len(texts))
    tokens = passage_tokens("Shanghai normal university")[:3]
    for lexical in (built, loaded):
        assert lexical.passages_holding(tokens).tolist() == [0, 1]
        assert lexical.passages_holding(["teacher", "afternoon"]).tolist() == [2]
        assert lexical.passages_holding(["shanghai", "unheard"]).size == 0
        assert lexical.passages_holding([]).size == 0


@pytest.fixture
def two_directors(tmp_path: Path) -> SeminarIndex:
    """Two English passages: one names Shanghai Normal University, one has its words apart."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "wang.md").write_text(f"# Expert session\n\n{HOLDS}\n", encoding="utf-8")
    (corpus / "han.md").write_text(f"# Opening address\n\n{SCATTERED}\n", encoding="utf-8")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", embedder="hashing")
    build_index(settings, embedders=[HashingEmbedder()])
    return SeminarIndex.load(settings.index_dir, [HashingEmbedder()])


def _doc(index: SeminarIndex, position: int) -> str:
    return index.passages[position].doc_id


def test_only_a_passage_holding_the_name_word_for_word_counts(two_directors: SeminarIndex) -> None:
    held = held_names(two_directors, ("shanghai normal university",), None)
    counted = {_doc(two_directors, i): float(held[i]) for i in range(len(two_directors))}
    assert counted == {"wang.md": 1.0, "han.md": 0.0}  # han.md has the words, not the name
    candidates = np.array([1, 0])
    assert held_names(two_directors, ("shanghai normal university",), candidates).tolist() == [
        held[1],
        held[0],
    ]


def _margin(index: SeminarIndex, question: str, policy: SearchPolicy) -> tuple[float, bool]:
    """The fused score of wang.md less han.md's, and whether the names signal was read."""
    scores = score_passages(index, [question], policy)[0]
    by_doc = {
        _doc(index, int(c)): float(f) for c, f in zip(scores.candidates, scores.fused, strict=True)
    }
    return by_doc["wang.md"] - by_doc["han.md"], NAMES in scores.components


def test_fusion_weighs_a_held_name_for_chinese_questions_only(two_directors: SeminarIndex) -> None:
    without = replace(
        DEFAULT_POLICY,
        fusion={**DEFAULT_POLICY.fusion, "zh": replace(DEFAULT_POLICY.fusion["zh"], names=0.0)},
    )
    shipped, read = _margin(two_directors, ASKED, DEFAULT_POLICY)
    off, not_read = _margin(two_directors, ASKED, without)
    assert read and not not_read
    assert shipped > off
    # An English question has no glossed names: the signal is not read.
    english = "Which centre of Shanghai Normal University spoke?"
    assert not _margin(two_directors, english, DEFAULT_POLICY)[1]


def test_a_policy_stored_before_the_names_signal_reads_it_as_off() -> None:
    data = DEFAULT_POLICY.to_json()
    assert data["fusion"]["zh"]["names"] == 1.0
    for weights in data["fusion"].values():
        del weights["names"]
    assert all(w.names == 0.0 for w in SearchPolicy.from_json(data).fusion.values())
