"""Integration tier: the real packaged MiniLM model, offline, over the real corpus."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from seminar_qa.embedding import get_embedder
from seminar_qa.index import SeminarIndex
from seminar_qa.pipeline import build_index
from seminar_qa.settings import Settings

from .conftest import REPO, REPO_CORPUS

pytestmark = pytest.mark.integration
DEV_SET = REPO / "eval" / "dev_questions.jsonl"


def normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


@pytest.fixture(scope="module")
def real_index(tmp_path_factory: pytest.TempPathFactory) -> SeminarIndex:
    directory = tmp_path_factory.mktemp("real") / "index"
    settings = Settings(corpus_dir=REPO_CORPUS, index_dir=directory, embedder="minilm")
    report = build_index(settings)
    assert report.documents >= 1 and not report.skipped
    return SeminarIndex.load(directory)


def test_model_loads_offline_and_embeds_normalised() -> None:
    embedder = get_embedder("minilm")
    vectors = embedder.encode(["UNESCO Teacher Education Centre", "上海"])
    assert vectors.shape == (2, 384)
    assert abs(float((vectors[0] ** 2).sum()) - 1.0) < 1e-4


def test_english_dev_questions_find_an_answer_in_top_3(real_index: SeminarIndex) -> None:
    rows = [json.loads(line) for line in DEV_SET.read_text(encoding="utf-8").splitlines() if line]
    english = [r for r in rows if r["lang"] == "en" and r["answers"]]
    assert len(english) >= 8
    misses = []
    for row in english:
        hits = real_index.search(row["question"], k=3)
        if not any(normal(a) in normal(h.passage.text) for h in hits for a in row["answers"]):
            misses.append(row["question"])
    assert misses == []


def test_real_index_round_trip_gives_same_ranking(real_index: SeminarIndex, tmp_path: Path) -> None:
    real_index.save(tmp_path / "copy")
    copy = SeminarIndex.load(tmp_path / "copy")
    question = "Which expert talked about a big AI model for educating teachers?"
    assert [h.passage.passage_id for h in copy.search(question, 5)] == [
        h.passage.passage_id for h in real_index.search(question, 5)
    ]
