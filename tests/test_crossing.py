"""Crossing languages: a Chinese question meets English passages with its language offset out."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from seminar_qa.index import SeminarIndex
from seminar_qa.pipeline import build_index
from seminar_qa.policy import DEFAULT_POLICY, sentence_signal
from seminar_qa.retrieval.crossing import (
    LanguageOffset,
    QuestionVector,
    offset_for,
    read_offsets,
    shipped_offsets,
)
from seminar_qa.retrieval.fusion import score_passages
from seminar_qa.settings import Settings
from seminar_qa.testing.fakes import HashingEmbedder
from tests.conftest import CHINESE_DOC


def _offset(model: str, dimension: int, seed: int = 0, strength: float = 1.0) -> LanguageOffset:
    direction = np.random.default_rng(seed).normal(0, 0.2, dimension).astype(np.float32)
    return LanguageOffset(model, "zh", "en", direction, strength, {})


@pytest.mark.parametrize("strength", [1.0, 0.75])
def test_a_crossed_vector_has_its_share_of_the_offset_taken_out_and_unit_length(
    strength: float,
) -> None:
    offset = _offset("e5", 8, strength=strength)
    vector = np.random.default_rng(1).normal(size=8).astype(np.float32)
    vector /= np.linalg.norm(vector)
    crossed = offset.crossed(vector)
    assert abs(float(np.linalg.norm(crossed)) - 1.0) < 1e-5
    expected = vector - strength * offset.direction
    assert np.allclose(crossed, expected / np.linalg.norm(expected), atol=1e-6)


def test_the_strength_kept_is_the_best_on_held_out_articles_the_smaller_on_a_tie() -> None:
    from seminar_qa.retrieval.crossing_fit import best_strength

    def rates(both: float) -> dict[str, float]:
        return {"passage": 0.5, "sentence": 0.5, "both": both}

    found = {0.0: rates(0.9), 0.5: rates(0.70), 0.75: rates(0.76), 1.0: rates(0.76)}
    assert best_strength({**found, 1.25: rates(0.74)}) == 0.75  # never 0: that is no step
    found[1.0] = rates(0.77)
    assert best_strength({**found, 1.25: rates(0.74)}) == 1.0


def test_offsets_of_another_format_or_not_finite_are_refused_naming_the_file(
    tmp_path: Path,
) -> None:
    path = tmp_path / "offsets.json"
    path.write_text(json.dumps({"format": 99, "offsets": []}), encoding="utf-8")
    with pytest.raises(ValueError, match=r"offsets\.json.*format 99.*make language-offsets"):
        read_offsets(path)
    entry = {
        "model": "e5",
        "source": "zh",
        "target": "en",
        "strength": 1.0,
        "direction": [0.1, float("nan")],
    }
    path.write_text(json.dumps({"format": 1, "offsets": [entry]}), encoding="utf-8")
    with pytest.raises(ValueError, match="e5 offset is not a finite vector"):
        read_offsets(path)


def test_the_shipped_offset_is_e5s_for_chinese_questions_and_fits_its_dimension() -> None:
    offsets = shipped_offsets()
    e5 = offsets[("e5", "zh")]
    assert (e5.source, e5.target) == ("zh", "en")
    assert e5.direction.shape == (384,)
    assert 0 < e5.strength <= 1.25
    assert e5.trained_on["pairs"] >= 500  # XQuAD's development split: 612 pairs
    assert offset_for("e5", 384, "zh") is e5
    assert offset_for("e5", 512, "zh") is None  # another model under the same name
    assert offset_for("use", 512, "zh") is None
    # English questions over Chinese passages: the same direction, negated, same strength.
    back = offset_for("e5", 384, "en")
    assert back is not None
    assert (back.source, back.target, back.strength) == ("en", "zh", e5.strength)
    np.testing.assert_array_equal(back.direction, -e5.direction)


def test_an_offset_the_file_gives_both_ways_is_not_mirrored(tmp_path: Path) -> None:
    """A file's own entry for the other direction wins over the mirror."""
    entries = [
        {"model": "e5", "source": "zh", "target": "en", "strength": 0.5, "direction": [1.0, 0.0]},
        {"model": "e5", "source": "en", "target": "zh", "strength": 1.0, "direction": [0.0, 2.0]},
    ]
    path = tmp_path / "offsets.json"
    path.write_text(json.dumps({"format": 1, "offsets": entries}), encoding="utf-8")
    both = read_offsets(path)
    assert both[("e5", "en")].strength == 1.0
    np.testing.assert_array_equal(both[("e5", "en")].direction, [0.0, 2.0])
    path.write_text(json.dumps({"format": 1, "offsets": entries[:1]}), encoding="utf-8")
    mirrored = read_offsets(path)[("e5", "en")]
    assert (mirrored.target, mirrored.strength) == ("zh", 0.5)
    np.testing.assert_array_equal(mirrored.direction, [-1.0, 0.0])


@pytest.fixture
def mixed_index(settings: Settings, embedder: HashingEmbedder) -> SeminarIndex:
    (settings.corpus_dir / "changning.md").write_text(CHINESE_DOC, encoding="utf-8")
    build_index(settings, embedders=[embedder])
    return SeminarIndex.load(settings.index_dir, [embedder])


def _with_offset(monkeypatch: pytest.MonkeyPatch, offset: LanguageOffset) -> None:
    def fake(model: str, dimension: int, language: str) -> LanguageOffset | None:
        return offset if (model, language) == (offset.model, offset.source) else None

    monkeypatch.setattr("seminar_qa.retrieval.crossing.offset_for", fake)


def test_a_chinese_question_meets_english_passages_crossed_and_chinese_ones_plain(
    mixed_index: SeminarIndex, embedder: HashingEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    offset = _offset(embedder.name, embedder.dimension)
    _with_offset(monkeypatch, offset)
    question = "谁介绍了人工智能辅助备课？"
    (scores,) = score_passages(mixed_index, [question], DEFAULT_POLICY)
    dense = mixed_index.dense[0]
    plain = embedder.encode_queries([question])[0]
    crossed = offset.crossed(plain)
    vector = scores.vectors[dense.name]
    chinese = mixed_index.passage_languages == "zh"
    assert chinese.any() and (~chinese).any(), "the fixture should mix the languages"
    assert vector.across is not None and np.array_equal(vector.across, ~chinese)
    passage = scores.all_components()[dense.name]
    positions = scores.candidates
    expected = np.where(
        chinese[positions],
        dense.passage_scores(plain, positions),
        dense.passage_scores(crossed, positions),
    )
    assert np.allclose(passage, expected, atol=1e-6)
    english_at = int(np.flatnonzero(~chinese)[0])
    chinese_at = int(np.flatnonzero(chinese)[0])
    assert np.array_equal(vector.at(english_at), crossed)
    assert np.array_equal(vector.at(chinese_at), plain)


def test_in_an_index_of_both_languages_crossed_scores_take_the_offset_s_gap(
    mixed_index: SeminarIndex, embedder: HashingEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The gap per signal lifts the other language's passages; the question's own stay plain."""
    offset = replace(
        _offset(embedder.name, embedder.dimension), gap={"passage": 0.25, "sentence": -0.5}
    )
    _with_offset(monkeypatch, offset)
    question = "谁介绍了人工智能辅助备课？"
    (scores,) = score_passages(mixed_index, [question], DEFAULT_POLICY)
    dense = mixed_index.dense[0]
    plain = embedder.encode_queries([question])[0]
    positions = scores.candidates
    english = mixed_index.passage_languages[positions] != "zh"
    components = scores.all_components()
    for signal, name, method in (
        ("passage", dense.name, dense.passage_scores),
        ("sentence", sentence_signal(dense.name), dense.best_sentence_scores),
    ):
        expected = np.where(
            english,
            method(offset.crossed(plain), positions) + offset.gap[signal],
            method(plain, positions),
        )
        assert np.allclose(components[name], expected, atol=1e-6), signal
    # The gap was measured for questions in the offset's source language: its mirror has none.
    assert offset.mirrored().gap == {}


def test_an_english_question_is_not_crossed(
    mixed_index: SeminarIndex, embedder: HashingEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    _with_offset(monkeypatch, _offset(embedder.name, embedder.dimension))
    question = "Who introduced AI-assisted lesson preparation?"
    (scores,) = score_passages(mixed_index, [question], DEFAULT_POLICY)
    vector = scores.vectors[mixed_index.dense[0].name]
    assert vector.crossed is None
    assert np.array_equal(vector.plain, embedder.encode_queries([question])[0])


def test_over_english_passages_only_every_score_and_the_candidates_use_the_crossed_vector(
    settings: Settings, embedder: HashingEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_index(settings, embedders=[embedder])
    index = SeminarIndex.load(settings.index_dir, [embedder])
    assert not (index.passage_languages == "zh").any()
    offset = replace(_offset(embedder.name, embedder.dimension), gap={"sentence": 0.25})
    _with_offset(monkeypatch, offset)
    plain = embedder.encode_queries(["谁介绍了大模型？"])[0]
    vector = QuestionVector.of(index, index.dense[0], "zh", plain)
    assert vector.across is None and vector.crossed is not None and not vector.gap
    dense = index.dense[0]
    asked: list[Any] = []

    def recording(self: Any, vector: Any, count: int) -> Any:
        asked.append(vector)
        return np.arange(count)

    monkeypatch.setattr(type(dense), "nearest", recording)
    vector.nearest(dense, 2)
    assert len(asked) == 1 and np.array_equal(asked[0], offset.crossed(plain))
    assert np.allclose(  # one language only: no gap (fusion's rescaling would drop it anyway)
        vector.scores(dense.best_sentence_scores, None, "sentence"),
        dense.best_sentence_scores(offset.crossed(plain)),
    )


def test_over_mixed_passages_the_candidates_are_both_vectors_nearest(
    mixed_index: SeminarIndex, embedder: HashingEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    offset = _offset(embedder.name, embedder.dimension)
    _with_offset(monkeypatch, offset)
    dense = mixed_index.dense[0]
    plain = embedder.encode_queries(["谁介绍了大模型？"])[0]
    vector = QuestionVector.of(mixed_index, dense, "zh", plain)
    found = set(vector.nearest(dense, 2).tolist())
    assert found == set(dense.nearest(plain, 2).tolist()) | set(
        dense.nearest(offset.crossed(plain), 2).tolist()
    )


@pytest.mark.integration
@pytest.mark.slow
def test_the_shipped_e5_offset_brings_chinese_questions_nearer_their_english_originals() -> None:
    """On questions written here (not XQuAD's): the step generalises beyond its training set."""
    from seminar_qa.models import get_embedder

    pairs = [
        ("Who opened the seminar in Shanghai?", "谁在上海主持了研讨会的开幕？"),
        ("When was the digital learning portal launched?", "数字学习门户是什么时候上线的？"),
        ("How many teachers took part in the training?", "有多少名教师参加了培训？"),
        ("Where is the teacher education centre?", "教师教育中心在哪里？"),
        ("What did the experts say about artificial intelligence?", "专家们对人工智能说了什么？"),
        ("Which district shared its lesson videos?", "哪个区分享了它的课堂视频？"),
    ]
    e5 = get_embedder("e5")
    offset = offset_for("e5", e5.dimension, "zh")
    assert offset is not None
    english = e5.encode_queries([en for en, _ in pairs])
    chinese = e5.encode_queries([zh for _, zh in pairs])
    plain = [float(c @ e) for c, e in zip(chinese, english, strict=True)]
    crossed = [float(offset.crossed(c) @ e) for c, e in zip(chinese, english, strict=True)]
    assert np.mean(crossed) > np.mean(plain) + 0.01
    assert sum(c > p for c, p in zip(crossed, plain, strict=True)) >= 5


def test_the_offset_is_fitted_on_translated_pairs_as_the_mean_difference(
    embedder: HashingEmbedder,
) -> None:
    from seminar_qa.evaluation import EvalQuestion
    from seminar_qa.retrieval.crossing_fit import direction, translated_pairs

    questions = [
        EvalQuestion("a-en", "Who opened the seminar?", lang="en"),
        EvalQuestion("a-zh", "谁主持了研讨会的开幕？", lang="zh"),
        EvalQuestion("b-zh", "门户是什么时候上线的？", lang="zh"),
        EvalQuestion("b-en", "When was the portal launched?", lang="en"),
        EvalQuestion("c-zh", "没有英文原句的问题？", lang="zh"),  # no English original: left out
    ]
    pairs = translated_pairs(questions)
    assert [(zh.qid, en.qid) for zh, en in pairs] == [("a-zh", "a-en"), ("b-zh", "b-en")]
    chinese = embedder.encode_queries([zh.question for zh, _ in pairs])
    english = embedder.encode_queries([en.question for _, en in pairs])
    expected = chinese.mean(axis=0) - english.mean(axis=0)
    assert np.allclose(direction(embedder, pairs), expected, atol=1e-6)


def test_the_shipped_offset_is_what_make_language_offsets_writes() -> None:
    """The Makefile pins the strength the command writes; the shipped file must carry it."""
    from seminar_qa.retrieval.crossing import OFFSETS_FILE
    from seminar_qa.retrieval.crossing_fit import STRENGTHS

    makefile = (Path(__file__).resolve().parents[1] / "Makefile").read_text(encoding="utf-8")
    pinned = re.search(r"crossing_fit --strength ([0-9.]+)", makefile)
    assert pinned is not None and float(pinned.group(1)) in STRENGTHS
    shipped = json.loads(OFFSETS_FILE.read_text(encoding="utf-8"))["offsets"]
    assert [offset["strength"] for offset in shipped] == [float(pinned.group(1))]
    # ... and the gap of the crossed cosines it measures, per signal (small: a few hundredths).
    assert all(set(o["gap"]) == {"passage", "sentence", "title"} for o in shipped)
    assert all(abs(v) < 0.1 for o in shipped for v in o["gap"].values())
