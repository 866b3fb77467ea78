"""Embedding cache: a rebuild re-embeds only what changed, never using another model's vectors."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from seminar_qa.cache import EmbeddingCache, default_cache_dir, text_key
from seminar_qa.cli import cli
from seminar_qa.index import SeminarIndex
from seminar_qa.pipeline import build_index
from seminar_qa.settings import Settings
from seminar_qa.testing.fakes import HashingEmbedder


class CountingEmbedder(HashingEmbedder):
    """The hashing fake, counting the passage texts it is asked to embed."""

    def __init__(self, dimension: int = 256) -> None:
        super().__init__(dimension)
        self.seen: list[str] = []

    def encode(self, texts: Sequence[str], *, batch_size: int = 32, on_batch: Any = None) -> Any:
        self.seen.extend(texts)
        return super().encode(texts, batch_size=batch_size, on_batch=on_batch)


def write_corpus(folder: Path, count: int) -> None:
    folder.mkdir(exist_ok=True)
    for number in range(count):
        (folder / f"doc{number:03d}.txt").write_text(
            f"Report {number}.\n\nDistrict {number} shared its digital lessons. "
            f"Teachers in district {number} used open resources.",
            encoding="utf-8",
        )


def test_rebuild_after_one_change_embeds_only_that_document(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_corpus(corpus, 30)
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", embedder="hashing")
    first = CountingEmbedder()
    full = build_index(settings, embedders=[first])
    assert full.reused == 0 and len(first.seen) == full.embeddings > full.passages

    (corpus / "doc007.txt").write_text(
        "Report 7 was rewritten.\n\nNew text only.", encoding="utf-8"
    )
    second = CountingEmbedder()
    report = build_index(settings, embedders=[second])
    assert all("Report 7" in text or "New text" in text for text in second.seen)
    # One passage and its two sentences: "Report 7 was rewritten." and "New text only."
    assert len(second.seen) == 3
    assert report.reused == report.embeddings - len(second.seen)
    assert f"reused {report.reused} of {report.embeddings} embeddings" in report.summary()

    # Reused vectors are exactly what the model gives: the index equals a build without cache.
    cached = SeminarIndex.load(settings.index_dir, [HashingEmbedder()])
    uncached_dir = tmp_path / "uncached"
    build_index(
        settings.with_(index_dir=uncached_dir, use_cache=False), embedders=[HashingEmbedder()]
    )
    fresh = SeminarIndex.load(uncached_dir, [HashingEmbedder()])
    assert np.array_equal(cached.dense[0].rows(), fresh.dense[0].rows())
    cached_sentences, fresh_sentences = cached.dense[0].sentences, fresh.dense[0].sentences
    assert cached_sentences is not None and fresh_sentences is not None
    assert np.array_equal(cached_sentences, fresh_sentences)


def test_cache_never_serves_vectors_of_another_model(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_corpus(corpus, 3)
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", embedder="hashing")
    build_index(settings, embedders=[HashingEmbedder(256)])
    other = CountingEmbedder(128)
    report = build_index(settings, embedders=[other])
    assert report.reused == 0 and len(other.seen) == report.embeddings

    # A cache file claiming another model id is ignored, even at the same path.
    cache = EmbeddingCache(default_cache_dir(settings.index_dir), "hashing-256", 256)
    rows = np.ones((1, 256), dtype=np.float32)
    EmbeddingCache(cache.path.parent, "someone-else", 256).save([text_key("x")], rows)
    cache.path.parent.joinpath("someone-else.npz").replace(cache.path)
    assert cache.load() == {}


def test_cache_survives_a_failed_build(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_corpus(corpus, 5)
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", embedder="hashing")
    build_index(settings, embedders=[HashingEmbedder()])
    cache = EmbeddingCache(default_cache_dir(settings.index_dir), "hashing-256", 256)
    before = cache.load()
    assert len(before) >= 5

    class Broken(HashingEmbedder):
        def encode(
            self, texts: Sequence[str], *, batch_size: int = 32, on_batch: Any = None
        ) -> Any:
            raise RuntimeError("killed mid-build")

    (corpus / "doc001.txt").write_text("Changed.", encoding="utf-8")
    with pytest.raises(RuntimeError, match="killed"):
        build_index(settings, embedders=[Broken()])
    after = cache.load()
    assert after.keys() == before.keys()
    counting = CountingEmbedder()
    build_index(settings, embedders=[counting])
    assert counting.seen == ["doc001\nChanged.", "Changed."]  # the passage and its sentence


def test_damaged_cache_file_is_ignored_not_fatal(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_corpus(corpus, 2)
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", embedder="hashing")
    build_index(settings, embedders=[HashingEmbedder()])
    cache = EmbeddingCache(default_cache_dir(settings.index_dir), "hashing-256", 256)
    cache.path.write_bytes(b"garbage")
    counting = CountingEmbedder()
    report = build_index(settings, embedders=[counting])
    assert report.reused == 0 and len(counting.seen) == report.embeddings


def test_cli_summary_reports_reuse(corpus: Path, tmp_path: Path) -> None:
    args = ["build", "--corpus", str(corpus), "--index", str(tmp_path / "ix"), "-q"]
    assert "reused" not in CliRunner().invoke(cli, args).stdout
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 0
    assert "reused" in again.stdout and "embeddings" in again.stdout
