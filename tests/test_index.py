"""Index round trip, verification on load, atomic replacement, locking and staleness."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from seminar_qa.answering import Assistant
from seminar_qa.chunking import SENTENCE_RULES, chunking_record
from seminar_qa.embedding import MODEL_TEXT
from seminar_qa.errors import (
    BuildLockedError,
    EmbedderMismatchError,
    IndexFormatError,
    IndexNotFoundError,
    NothingToIndexError,
)
from seminar_qa.index import FORMAT_VERSION, MANIFEST, SeminarIndex, build_lock
from seminar_qa.index import storage as index_storage
from seminar_qa.index.manifest import BM25, DOCUMENTS, PASSAGES, POLICY, read_manifest
from seminar_qa.pipeline import build_index, index_status
from seminar_qa.policy import DEFAULT_POLICY, Candidates
from seminar_qa.retrieval.encoders import encode_questions
from seminar_qa.retrieval.fusion import score_passages
from seminar_qa.settings import Settings
from seminar_qa.testing.fakes import HashingEmbedder

VECTORS = "vectors-hashing.faiss"
SENTENCES = "sentences-hashing.npy"
TITLES = "titles-hashing.npy"
QUESTIONS = [
    "Who is the director of the Changning District Education Bureau?",
    "What did the robotics club use?",
    "GeoGebra in STEM education",
]


def ranked_ids(index: SeminarIndex) -> list[list[str]]:
    answers = Assistant(index).answer_batch(QUESTIONS, k=4)
    return [[h.passage.passage_id for h in answer.hits] for answer in answers]


def test_build_save_load_round_trip(settings: Settings, embedder: HashingEmbedder) -> None:
    report = build_index(settings, embedders=[embedder])
    assert report.documents == 2 and report.passages > 5 and not report.skipped
    directory = settings.index_dir
    assert sorted(p.name for p in directory.iterdir()) == sorted(
        [".gitignore", MANIFEST, VECTORS, SENTENCES, TITLES, PASSAGES, DOCUMENTS, BM25]
    )
    manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["format_version"] == FORMAT_VERSION
    sentence_count = report.embeddings - report.passages - report.documents
    assert sentence_count > report.passages
    assert manifest["embedders"] == [
        {
            "name": "hashing",
            "model_id": embedder.model_id,
            "text": MODEL_TEXT,
            "dimension": embedder.dimension,
            "normalized": True,
            "metric": "inner_product",
            "file": VECTORS,
            "index": {"type": "flat"},
            "sentences": {"file": SENTENCES, "count": sentence_count},
            "titles": {"file": TITLES, "count": 2},
        }
    ]
    assert manifest["chunking"] == chunking_record(settings.chunking)
    assert manifest["passage_count"] == report.passages
    assert {d["path"] for d in manifest["documents"]} == {
        "tec-seminar-2024-11-28.md",
        "autumn-workshop.md",
    }
    assert all(len(d["sha256"]) == 64 for d in manifest["documents"])
    assert {VECTORS, SENTENCES, TITLES, PASSAGES, DOCUMENTS} < set(manifest["files"])
    assert any(name.startswith(f"{BM25}/") for name in manifest["files"])
    # Passages are plain JSON lines in FAISS id order; no pickle anywhere.
    rows = [json.loads(line) for line in (directory / PASSAGES).read_text().splitlines()]
    assert len(rows) == report.passages
    # Each passage lists its sentences' offsets; the sentence vectors follow that order.
    assert sum(len(row["sentences"]) for row in rows) == sentence_count
    assert all(row["text"][a:b].strip() for row in rows for a, b in row["sentences"])
    assert np.load(directory / SENTENCES, allow_pickle=False).shape == (
        sentence_count,
        embedder.dimension,
    )
    assert all(
        b"\x80\x04" not in (directory / name).read_bytes()[:2] for name in (PASSAGES, DOCUMENTS)
    )

    loaded = SeminarIndex.load(directory, [embedder])
    fresh = SeminarIndex.build(
        list(loaded.documents.values()), loaded.passages, [embedder], chunking={}
    )
    assert ranked_ids(loaded) == ranked_ids(fresh)
    first = Assistant(loaded).answer(QUESTIONS[0], k=1).hits[0]
    assert "Xiong Qiuju" in first.passage.text
    assert first.metadata["publisher"] == "UNESCO Teacher Education Centre"
    assert (
        first.passage.text
        == loaded.documents[first.passage.doc_id].text[first.passage.start : first.passage.end]
    )
    assert first.answer in first.passage.text and "Changning" in first.answer


def test_load_missing_index_says_how_to_build(tmp_path: Path) -> None:
    with pytest.raises(IndexNotFoundError, match="seminar-qa build"):
        SeminarIndex.load(tmp_path / "nowhere")


def test_load_rejects_other_format_version(settings: Settings, embedder: HashingEmbedder) -> None:
    build_index(settings, embedders=[embedder])
    path = settings.index_dir / MANIFEST
    manifest = json.loads(path.read_text())
    manifest["format_version"] = FORMAT_VERSION + 1
    path.write_text(json.dumps(manifest))
    with pytest.raises(IndexFormatError, match=rf"format version {FORMAT_VERSION + 1}.*build"):
        SeminarIndex.load(settings.index_dir, [embedder])


def test_load_rejects_other_embedder(settings: Settings, embedder: HashingEmbedder) -> None:
    build_index(settings, embedders=[embedder])
    with pytest.raises(EmbedderMismatchError, match="hashing-64"):
        SeminarIndex.load(settings.index_dir, [HashingEmbedder(dimension=64)])


@pytest.mark.parametrize("name", [PASSAGES, VECTORS, DOCUMENTS])
def test_load_detects_damaged_files(
    settings: Settings, embedder: HashingEmbedder, name: str
) -> None:
    build_index(settings, embedders=[embedder])
    path = settings.index_dir / name
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(IndexFormatError, match=f"{name}.*damaged"):
        SeminarIndex.load(settings.index_dir, [embedder])


class FailingEmbedder(HashingEmbedder):
    """Fails after the first batch, like a build killed by an error midway."""

    def encode(self, texts: Any, *, batch_size: int = 32, on_batch: Any = None) -> Any:
        if on_batch is not None:
            on_batch(min(batch_size, len(texts)))
        raise RuntimeError("disk full")


def test_failed_build_leaves_previous_index_intact(
    settings: Settings, embedder: HashingEmbedder, corpus: Path
) -> None:
    build_index(settings, embedders=[embedder])
    before = {p.name: p.read_bytes() for p in settings.index_dir.rglob("*") if p.is_file()}
    answers = ranked_ids(SeminarIndex.load(settings.index_dir, [embedder]))
    (corpus / "new.txt").write_text("A new report about something else entirely.", encoding="utf-8")
    with pytest.raises(RuntimeError, match="disk full"):
        build_index(settings, embedders=[FailingEmbedder()])
    after = {p.name: p.read_bytes() for p in settings.index_dir.rglob("*") if p.is_file()}
    assert after == before
    assert ranked_ids(SeminarIndex.load(settings.index_dir, [embedder])) == answers
    leftovers = [
        p.name for p in settings.index_dir.parent.iterdir() if p.name.startswith(".index.tmp")
    ]
    assert leftovers == []


def test_nothing_to_index_keeps_previous_index(
    settings: Settings, embedder: HashingEmbedder, corpus: Path
) -> None:
    build_index(settings, embedders=[embedder])
    manifest = (settings.index_dir / MANIFEST).read_text()
    for path in corpus.iterdir():
        path.write_bytes(b"")
    with pytest.raises(NothingToIndexError, match="no document"):
        build_index(settings, embedders=[embedder])
    assert (settings.index_dir / MANIFEST).read_text() == manifest


def test_strict_build_fails_on_a_bad_file(
    settings: Settings, embedder: HashingEmbedder, corpus: Path
) -> None:
    (corpus / "empty.txt").write_bytes(b"")
    report = build_index(settings, embedders=[embedder])
    assert [s.path for s in report.skipped] == ["empty.txt"]
    with pytest.raises(NothingToIndexError, match="--strict"):
        build_index(settings, embedders=[embedder], strict=True)


def test_rebuild_without_atomic_exchange_uses_fallback(
    settings: Settings, embedder: HashingEmbedder, monkeypatch: pytest.MonkeyPatch, corpus: Path
) -> None:
    build_index(settings, embedders=[embedder])
    monkeypatch.setattr(index_storage, "_exchange", lambda a, b: False)
    (corpus / "autumn-workshop.md").unlink()
    build_index(settings, embedders=[embedder])
    loaded = SeminarIndex.load(settings.index_dir, [embedder])
    assert set(loaded.documents) == {"tec-seminar-2024-11-28.md"}
    assert not [p for p in settings.index_dir.parent.iterdir() if ".old-" in p.name]


def test_index_left_beside_by_an_interrupted_swap_is_found(
    settings: Settings, embedder: HashingEmbedder
) -> None:
    build_index(settings, embedders=[embedder])
    answers = ranked_ids(SeminarIndex.load(settings.index_dir, [embedder]))
    # A crash between the two renames of the fallback swap leaves only ".index.old-*".
    os.rename(settings.index_dir, settings.index_dir.parent / ".index.old-12345678")
    assert ranked_ids(SeminarIndex.load(settings.index_dir, [embedder])) == answers


def test_the_build_stamp_is_of_one_build_when_a_build_swaps_in_while_it_is_read(
    settings: Settings, embedder: HashingEmbedder, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    build_index(settings, embedders=[embedder])
    newer = replace(settings, index_dir=tmp_path / "newer")
    build_index(newer, embedders=[embedder])
    # Builds within one second share built_at; the next build is a day later here.
    manifest = json.loads((newer.index_dir / MANIFEST).read_text(encoding="utf-8"))
    manifest["built_at"] = "2030-01-02T00:00:00Z"
    (newer.index_dir / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    old_stamp = index_storage.build_stamp(settings.index_dir)
    real_read = read_manifest  # what build_stamp calls, patched below
    swapped: list[bool] = []

    def read_then_swap(directory: Path) -> Any:
        manifest = real_read(directory)
        if not swapped:  # the other build lands right after the manifest was read
            swapped.append(True)
            index_storage._swap_in(newer.index_dir, settings.index_dir)
        return manifest

    monkeypatch.setattr(index_storage, "read_manifest", read_then_swap)
    stamp = index_storage.build_stamp(settings.index_dir)
    monkeypatch.setattr(index_storage, "read_manifest", real_read)
    # A server reloads once: the stamp it read is already the new build's, as it stays.
    assert swapped and stamp != old_stamp
    assert stamp == index_storage.build_stamp(settings.index_dir)


def test_save_refuses_to_replace_a_folder_that_is_not_an_index(
    settings: Settings, embedder: HashingEmbedder
) -> None:
    settings.index_dir.mkdir()
    (settings.index_dir / "precious.txt").write_text("keep me")
    with pytest.raises(IndexFormatError, match="refusing to replace"):
        build_index(settings, embedders=[embedder])
    assert (settings.index_dir / "precious.txt").read_text() == "keep me"


def test_second_build_is_refused_while_one_holds_the_lock(
    settings: Settings, embedder: HashingEmbedder
) -> None:
    with build_lock(settings.index_dir), pytest.raises(BuildLockedError, match="another build"):
        build_index(settings, embedders=[embedder])
    build_index(settings, embedders=[embedder])  # the lock is released afterwards


def test_status_reports_missing_current_and_each_kind_of_change(
    settings: Settings, embedder: HashingEmbedder, corpus: Path
) -> None:
    assert index_status(settings, embedders=[embedder]).state == "missing"
    build_index(settings, embedders=[embedder])
    assert index_status(settings, embedders=[embedder]).state == "current"
    (corpus / "autumn-workshop.md").write_text("# Changed\n\nDifferent text now.", encoding="utf-8")
    (corpus / "added.txt").write_text("An added document.", encoding="utf-8")
    (corpus / "tec-seminar-2024-11-28.md").unlink()
    status = index_status(settings, embedders=[embedder])
    assert status.state == "stale"
    assert status.changed == ["autumn-workshop.md"]
    assert status.added == ["added.txt"]
    assert status.removed == ["tec-seminar-2024-11-28.md"]
    build_index(settings, embedders=[embedder])
    assert index_status(settings, embedders=[embedder]).state == "current"
    other = settings.with_(chunking=type(settings.chunking)(target_chars=300, max_chars=600))
    assert index_status(other, embedders=[embedder]).settings_changed == ["chunking"]
    # An index cut before paragraphs were kept whole (its manifest lacks paragraph_chars) is stale.
    manifest_path = settings.index_dir / MANIFEST
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    del manifest["chunking"]["paragraph_chars"]
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    assert index_status(settings, embedders=[embedder]).settings_changed == ["chunking"]
    # One cut into sentences by other rules is not read at all (answering cuts its passages
    # again and would read one sentence's vectors for another): broken, with the fix named.
    build_index(settings, embedders=[embedder])
    for older in (None, SENTENCE_RULES - 1):
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if older is None:
            del manifest["chunking"]["sentence_rules"]  # written before the rules had revisions
        else:
            manifest["chunking"]["sentence_rules"] = older
        manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
        status = index_status(settings, embedders=[embedder])
        assert status.state == "broken"
        assert f"revision {older or 1}" in status.message and "seminar-qa build" in status.message
        with pytest.raises(IndexFormatError, match="sentences by the rules of revision"):
            SeminarIndex.load(settings.index_dir)
        build_index(settings, embedders=[embedder])
        assert index_status(settings, embedders=[embedder]).state == "current"
    assert index_status(settings, embedders=[HashingEmbedder(64)]).settings_changed == ["embedders"]
    # Vectors made before the models read Chinese in simplified characters are stale.
    path = settings.index_dir / MANIFEST
    manifest = json.loads(path.read_text(encoding="utf-8"))
    for entry in manifest["embedders"]:
        del entry["text"]
    path.write_text(json.dumps(manifest), encoding="utf-8")
    assert index_status(settings, embedders=[embedder]).settings_changed == ["model text"]


def test_the_models_read_chinese_in_simplified_characters(
    tmp_path: Path, embedder: HashingEmbedder
) -> None:
    """Traditional characters get their simplified twins' vectors.

    Passages, sentences and titles when an index is built, and questions when they are asked.
    """
    texts = {
        "traditional": "會議紀要\n\n這次會議在上海舉行。誰發言了？教師們討論了數字學習。\n",
        "simplified": "会议纪要\n\n这次会议在上海举行。谁发言了？教师们讨论了数字学习。\n",
    }
    vectors = {}
    for script, text in texts.items():
        corpus = tmp_path / script / "corpus"
        corpus.mkdir(parents=True)
        (corpus / "notes.txt").write_text(text, encoding="utf-8")
        settings = Settings(corpus_dir=corpus, index_dir=tmp_path / script / "ix")
        build_index(settings, embedders=[embedder])
        vectors[script] = SeminarIndex.load(settings.index_dir, [embedder]).dense[0]
    traditional, simplified = vectors["traditional"], vectors["simplified"]
    assert np.array_equal(traditional.sentences, simplified.sentences)
    assert np.array_equal(traditional.titles, simplified.titles)
    assert np.array_equal(traditional.rows(), simplified.rows())
    # The hashing fake tells the scripts apart: without the step these would differ.
    assert not np.array_equal(*embedder.encode(["會議", "会议"]))
    asked = encode_questions([embedder], ["誰發言了？", "谁发言了？", "Who spoke?"])[embedder.name]
    assert np.array_equal(asked[0], asked[1]) and not np.array_equal(asked[1], asked[2])


def test_skipped_files_do_not_make_the_index_look_stale(
    settings: Settings, embedder: HashingEmbedder, corpus: Path
) -> None:
    (corpus / "broken.pdf").write_bytes(b"not a pdf at all")
    build_index(settings, embedders=[embedder])
    assert index_status(settings, embedders=[embedder]).state == "current"


def test_vectors_are_unit_length(settings: Settings, embedder: HashingEmbedder) -> None:
    build_index(settings, embedders=[embedder])
    loaded = SeminarIndex.load(settings.index_dir, [embedder])
    vectors = loaded.dense[0].vectors.reconstruct_n(0, len(loaded))
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


@pytest.mark.parametrize("kind", ["hnsw", "ivf"])
def test_approximate_index_round_trip_keeps_its_parameters(
    settings: Settings, embedder: HashingEmbedder, kind: str
) -> None:
    from seminar_qa.settings import VectorIndexSettings

    chosen = settings.with_(vector_index=VectorIndexSettings(kind=kind, hnsw_ef_search=77))
    build_index(chosen, embedders=[embedder])
    manifest = json.loads((settings.index_dir / MANIFEST).read_text())
    params = manifest["embedders"][0]["index"]
    assert params["type"] == kind
    assert params.get("ef_search", 77) == 77 and params.get("nprobe", 32) == 32
    loaded = SeminarIndex.load(settings.index_dir, [embedder])
    flat_dir = settings.index_dir.parent / "flat"
    build_index(settings.with_(index_dir=flat_dir), embedders=[embedder])
    exact = SeminarIndex.load(flat_dir, [embedder])
    assert type(loaded.dense[0].vectors) is not type(exact.dense[0].vectors)
    assert ranked_ids(loaded) == ranked_ids(exact)
    assert "Xiong Qiuju" in Assistant(loaded).answer(QUESTIONS[0], k=1).hits[0].passage.text


def test_auto_index_kind_follows_size() -> None:
    from seminar_qa.settings import VectorIndexSettings

    auto = VectorIndexSettings(exact_max=100)
    assert auto.kind_for(100) == "flat" and auto.kind_for(101) == "ivf"
    assert VectorIndexSettings(kind="hnsw").kind_for(5) == "hnsw"
    with pytest.raises(ValueError, match="choose auto"):
        VectorIndexSettings(kind="annoy")


def test_candidate_scoring_of_large_indexes_matches_full_scoring(
    settings: Settings, embedder: HashingEmbedder
) -> None:
    build_index(settings, embedders=[embedder])
    loaded = SeminarIndex.load(settings.index_dir, [embedder])
    full = ranked_ids(loaded)
    # A policy for large indexes: candidates come from the FAISS and BM25 top lists.
    small = replace(
        DEFAULT_POLICY,
        candidates=Candidates(full_scoring_max_passages=1, per_retriever=5),
    )
    scored = score_passages(loaded, QUESTIONS, small)
    assert all(len(s.candidates) < len(loaded) for s in scored)
    answers = Assistant(loaded, small).answer_batch(QUESTIONS, k=3)
    assert [a.hits[0].passage.passage_id for a in answers] == [row[0] for row in full]


def test_a_policy_stored_in_the_index_is_loaded_checked_and_used(
    settings: Settings, embedder: HashingEmbedder
) -> None:
    build_index(settings, embedders=[embedder])
    index = SeminarIndex.load(settings.index_dir, [embedder])
    assert index.policy is None and Assistant(index).policy is DEFAULT_POLICY
    calibrated = replace(DEFAULT_POLICY, candidates=Candidates(per_retriever=7), source="test")
    index.policy = calibrated
    index.save(settings.index_dir)
    loaded = SeminarIndex.load(settings.index_dir, [embedder])
    assert POLICY in loaded.manifest.files
    assert loaded.policy == calibrated and Assistant(loaded).policy == calibrated
    assert Assistant(loaded, DEFAULT_POLICY).policy is DEFAULT_POLICY  # a caller's policy wins
    path = settings.index_dir / POLICY
    path.write_text(path.read_text().replace('"per_retriever": 7', '"per_retriever": 8'))
    with pytest.raises(IndexFormatError, match="checksum"):
        SeminarIndex.load(settings.index_dir, [embedder])


def test_encode_in_batches_sends_like_lengths_together_and_keeps_the_input_order() -> None:
    import numpy as np

    from seminar_qa.embedding import encode_in_batches

    texts = ["a" * n for n in (9, 1, 7, 3, 5, 2, 8)]
    batches: list[list[int]] = []
    reported: list[int] = []

    def encode_batch(batch: list[str]) -> np.ndarray:
        batches.append([len(t) for t in batch])
        return np.array([[len(t), 1.0] for t in batch], dtype=np.float32)

    rows = encode_in_batches(texts, encode_batch, 2, 3, reported.append)
    assert batches == [[1, 2, 3], [5, 7, 8], [9]]
    assert reported == [3, 3, 1]
    lengths = rows[:, 0] / rows[:, 1]  # normalised rows keep the length ratio
    assert lengths.round(3).tolist() == [9, 1, 7, 3, 5, 2, 8]


class _Preloading(HashingEmbedder):
    """The hashing fake with a preload that records the thread it ran on."""

    def __init__(self) -> None:
        super().__init__()
        import threading

        self.loaded = threading.Event()
        self.thread = ""

    def preload(self) -> None:
        import threading

        self.thread = threading.current_thread().name
        self.loaded.set()


def test_loading_an_index_starts_its_models_loading_in_the_background(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_index(settings)  # the hashing embedder
    fake = _Preloading()
    monkeypatch.setattr("seminar_qa.index.core.get_embedder", lambda name: fake)
    SeminarIndex.load(settings.index_dir)
    assert fake.loaded.wait(10), "the model was not asked to load"
    assert fake.thread == "preload-hashing"  # a thread of its own, not the loading one


def test_a_question_searches_faiss_on_one_thread_and_puts_the_setting_back(
    settings: Settings, embedder: HashingEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    import faiss

    build_index(settings, embedders=[embedder])
    dense = SeminarIndex.load(settings.index_dir, [embedder]).dense[0]
    vector = embedder.encode_queries(["Who spoke about GeoGebra?"])[0]
    expected = dense.nearest(vector, 3)
    threads_during: list[int] = []
    search = type(dense.vectors).search

    def recording(index: Any, *args: Any, **kwargs: Any) -> Any:
        threads_during.append(faiss.omp_get_max_threads())
        return search(index, *args, **kwargs)

    monkeypatch.setattr(type(dense.vectors), "search", recording)
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(2)
    try:
        assert np.array_equal(dense.nearest(vector, 3), expected)
        assert threads_during == [1]
        assert faiss.omp_get_max_threads() == 2
    finally:
        faiss.omp_set_num_threads(before)


def _dense_over(count: int, seed: int = 0) -> tuple[Any, np.ndarray]:
    """DenseVectors over ``count`` random unit vectors (one sentence per passage), exact index."""
    import faiss

    from seminar_qa.index.dense import DenseVectors, PassageLayout

    rng = np.random.default_rng(seed)
    matrix = rng.standard_normal((count, 64)).astype(np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    index = faiss.IndexFlatIP(64)
    index.add(matrix)
    layout = PassageLayout.of([1] * count, [0] * count)
    dense = DenseVectors(HashingEmbedder(64), index, layout, matrix, matrix[:1])
    return dense, matrix


def test_a_large_exact_index_is_searched_in_half_precision_and_scored_in_full() -> None:
    import faiss

    dense, matrix = _dense_over(6_000)
    rng = np.random.default_rng(1)
    for _ in range(20):
        vector = rng.standard_normal(64).astype(np.float32)
        vector /= np.linalg.norm(vector)
        exact = np.argsort(-(matrix @ vector), kind="stable")
        found = dense.nearest(vector, 200)
        assert len(found) == 200
        # The half-precision copy may swap passages at the edge of the 200, never deep inside.
        assert set(exact[:150].tolist()) <= set(found.tolist())
        # Scores in full precision: half precision would be off by ~1e-3.
        scored = dense.passage_scores(vector, found)
        assert np.allclose(scored, matrix[found] @ vector, rtol=0, atol=1e-6)
    assert isinstance(faiss.downcast_index(dense._search_index()), faiss.IndexScalarQuantizer)


def test_a_small_exact_index_is_searched_as_stored() -> None:
    dense, matrix = _dense_over(500)
    vector = matrix[7]
    assert dense.nearest(vector, 1).tolist() == [7]
    assert dense._search_index() is dense.vectors


_BUILD = """
import json, sys
from pathlib import Path
from seminar_qa.pipeline import build_index
from seminar_qa.settings import Settings
settings = Settings(corpus_dir=Path(sys.argv[1]), index_dir=Path(sys.argv[2]), embedder="hashing")
build_index(settings)
print(json.dumps(json.loads((Path(sys.argv[2]) / "manifest.json").read_text())["files"]))
"""


@pytest.mark.slow
def test_two_builds_of_one_corpus_write_the_same_files(corpus: Path, tmp_path: Path) -> None:
    """Whatever the process's hash seed: bm25s numbered its vocabulary in a set's order."""
    from tests.conftest import CHINESE_DOC, under_hash_seed

    (corpus / "changning.md").write_text(CHINESE_DOC, encoding="utf-8")  # the BM25 of sounds too
    checksums = [
        under_hash_seed(_BUILD, seed, str(corpus), str(tmp_path / f"index-{seed}"))
        for seed in (0, 3, 11)
    ]
    files = json.loads(checksums[0])
    assert any(name.startswith("sound/") for name in files) and "bm25/vocab.index.json" in files
    assert checksums[1] == checksums[0] and checksums[2] == checksums[0]
