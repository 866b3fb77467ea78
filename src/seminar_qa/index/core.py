"""The index object: passages with their vectors and BM25, built, saved and loaded as a whole.

Layout of an index directory::

    manifest.json       format and package version, models, chunking, sources, file checksums
    vectors-NAME.faiss  one FAISS index per embedding model, written with faiss.write_index
    sentences-NAME.npy  the same model's vector of every sentence of every passage, in passage
                        order; passages.jsonl holds each sentence's offsets
    titles-NAME.npy     the same model's vector of each document's title, in documents.jsonl order
    bm25/               the BM25 index, in bm25s's own pickle-free files
    sound/              only when some passages are Chinese: a BM25 of their words' pinyin, for
                        romanised names in English questions (``seminar_qa.into_chinese``)
    passages.jsonl      one passage a line, in FAISS id order
    documents.jsonl     one source document a line (text and metadata)
    policy.json         optional: a search policy calibrated for this index

The index stores, loads and verifies; searching it is the job of ``seminar_qa.retrieval``.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from seminar_qa import __version__
from seminar_qa.embedding import Embedder, model_text, preload
from seminar_qa.errors import EmbedderMismatchError, IndexFormatError
from seminar_qa.index.dense import DenseVectors, PassageLayout, make_vector_index
from seminar_qa.index.lexical import TOKENS, LexicalIndex, QuestionTerms, SoundIndex
from seminar_qa.index.manifest import (
    BM25,
    DOCUMENTS,
    FORMAT_VERSION,
    MANIFEST,
    PASSAGES,
    POLICY,
    REBUILD_HINT,
    SOUND,
    Manifest,
    SourceRecord,
    read_manifest,
    verify_files,
)
from seminar_qa.index.storage import (
    fsync_path,
    read_jsonl,
    resolve_index_dir,
    write_atomically,
    write_jsonl,
    write_text_synced,
)
from seminar_qa.into_chinese import sounding_like
from seminar_qa.models import get_embedder
from seminar_qa.names import NameSpellings, spellings_of
from seminar_qa.policy import SearchPolicy
from seminar_qa.records import Document, Passage
from seminar_qa.settings import VectorIndexSettings
from seminar_qa.text import main_language, sha256_file


def embedding_text(passage: Passage) -> str:
    """What the models embed: the passage with its document title in front (context for names)."""
    if passage.text.startswith(passage.title):
        return passage.text
    return f"{passage.title}\n{passage.text}"


def embedding_count(documents: Sequence[Document], passages: Sequence[Passage]) -> int:
    """How many texts each model embeds: each passage, each sentence and each title."""
    return len(passages) + sum(len(p.sentences) for p in passages) + len(documents)


def _layout(documents: Sequence[Document], passages: Sequence[Passage]) -> PassageLayout:
    order = {document.doc_id: number for number, document in enumerate(documents)}
    return PassageLayout.of(
        [len(p.sentences) for p in passages], [order.get(p.doc_id, 0) for p in passages]
    )


class SeminarIndex:
    """Passages with their vectors (one :class:`DenseVectors` per model) and a BM25 index."""

    def __init__(
        self,
        manifest: Manifest,
        documents: Sequence[Document],
        passages: Sequence[Passage],
        dense: Sequence[DenseVectors],
        lexical: LexicalIndex,
        policy: SearchPolicy | None = None,
        sound: SoundIndex | None = None,
    ) -> None:
        """Assemble an index from its parts (use :meth:`build` or :meth:`load`)."""
        self.manifest = manifest
        self.documents = {d.doc_id: d for d in documents}
        self.passages = list(passages)
        self.dense = list(dense)
        self.lexical = lexical
        self.sound = sound
        """The BM25 of Chinese words' sounds (None when no passage is Chinese)."""
        self.policy = policy
        """The search policy calibrated for this index, or None (the default applies)."""
        self.sentence_count = sum(len(p.sentences) for p in self.passages)
        """Sentences of all passages together (each model holds one vector per sentence)."""
        self.passage_languages = np.array([main_language(p.text) for p in self.passages])
        """Each passage's main language ("en", "zh")."""
        self._unread: dict[str, NDArray[np.bool_] | None] = {}
        self._in_language: dict[str, NDArray[np.bool_]] = {}

    def unread_by(self, embedder: Embedder) -> NDArray[np.bool_] | None:
        """Which passages are in a language ``embedder`` does not read (None: it reads them all)."""
        if embedder.name not in self._unread:
            languages: tuple[str, ...] | None = getattr(embedder, "languages", None)
            unread = (
                None
                if languages is None
                else ~np.isin(self.passage_languages, np.array(languages, dtype=object))
            )
            self._unread[embedder.name] = unread if unread is not None and unread.any() else None
        return self._unread[embedder.name]

    def passages_in(self, language: str) -> NDArray[np.bool_]:
        """Which passages are mainly in ``language`` (worked out once per language)."""
        if language not in self._in_language:
            self._in_language[language] = self.passage_languages == language
        return self._in_language[language]

    def bm25_scores(self, terms: QuestionTerms) -> NDArray[np.float32]:
        """BM25 of every passage for a question's ``terms``, its names' sounds included.

        A romanised Chinese name in an English question is heard in Chinese text: the two
        BM25s' scores add as one BM25 over both kinds of token would.
        """
        scores = self.lexical.scores(terms.all)
        if terms.sound and self.sound is not None:
            scores = scores + self.sound.scores(terms.sound)
        return scores

    @functools.cached_property
    def languages(self) -> tuple[str, ...]:
        """The main languages of the passages, each once."""
        return tuple(sorted(set(self.passage_languages.tolist())))

    @functools.cached_property
    def name_spellings(self) -> NameSpellings:
        """The pinyin names of the passages not in Chinese, and the Chinese passages' text.

        The names are read on the first question that needs them; an English question's
        romanised names are looked for in the Chinese text (:func:`into_chinese.in_chinese`).
        """
        chinese = self.passages_in("zh")
        pairs = list(zip(self.passages, chinese, strict=True))
        about = functools.partial(sounding_like, self.sound, [p.text for p in self.passages])
        return spellings_of(
            (p.text for p, zh in pairs if not zh), (p.text for p, zh in pairs if zh), about
        )

    @functools.cached_property
    def passage_by_id(self) -> dict[str, Passage]:
        """Every passage by its id (built on first use: only feedback needs it)."""
        return {passage.passage_id: passage for passage in self.passages}

    @functools.cached_property
    def _by_document(self) -> dict[str, list[Passage]]:
        by_document: dict[str, list[Passage]] = {}
        for passage in self.passages:
            by_document.setdefault(passage.doc_id, []).append(passage)
        return by_document

    def preceding_text(self, passage: Passage, chars: int = 600) -> str:
        """The document's text in the ``chars`` before ``passage`` (from the passages before it).

        Passages overlap, so the text is gathered from every earlier passage of the document
        that ends within ``chars`` of this one's start, without the overlap.
        """
        before = [
            p
            for p in self._by_document.get(passage.doc_id, [])
            if p.position < passage.position and p.end > passage.start - chars
        ]
        pieces: list[str] = []
        covered = passage.start - chars
        for p in sorted(before, key=lambda p: p.start):
            offset = max(0, covered - p.start)
            end = min(p.end, passage.start) - p.start
            if end > offset:
                pieces.append(p.text[offset:end])
                covered = p.start + end
        return "".join(pieces)

    def __len__(self) -> int:
        """Number of passages."""
        return len(self.passages)

    @property
    def embedders(self) -> list[Embedder]:
        """Every embedding model of the index, in the order of the settings."""
        return [d.embedder for d in self.dense]

    @property
    def model_names(self) -> list[str]:
        """The registry names of the index's models (``["minilm", "e5"]``)."""
        return [d.name for d in self.dense]

    @classmethod
    def build(
        cls,
        documents: Sequence[Document],
        passages: Sequence[Passage],
        embedders: Sequence[Embedder],
        *,
        chunking: dict[str, Any],
        skipped: Sequence[SourceRecord] = (),
        batch_size: int = 32,
        on_batch: Callable[[str, int], None] | None = None,
        vector_index: VectorIndexSettings | None = None,
    ) -> SeminarIndex:
        """Embed passages, sentences and titles with every model, index BM25, assemble.

        Nothing is written. ``on_batch(embedder_name, count)`` is called after each batch of each
        model; a model embeds ``embedding_count(documents, passages)`` texts.
        """
        if not embedders:
            raise ValueError("an index needs at least one embedder")
        if any(not p.sentences for p in passages):
            raise ValueError("every passage needs its sentence offsets (see chunk_document)")
        started = time.perf_counter()
        texts = [embedding_text(p) for p in passages]
        sentences = [p.text[a:b] for p in passages for a, b in p.sentences]
        everything_texts = [
            model_text(t) for t in (*texts, *sentences, *(d.title for d in documents))
        ]
        layout = _layout(documents, passages)
        dense = []
        for embedder in embedders:
            name = embedder.name

            def report(count: int, name: str = name) -> None:
                if on_batch is not None:
                    on_batch(name, count)

            everything = embedder.encode(everything_texts, batch_size=batch_size, on_batch=report)
            if everything.shape != (len(everything_texts), embedder.dimension):
                raise ValueError(
                    f"embedder {embedder.model_id} returned shape {everything.shape}, "
                    f"expected ({len(everything_texts)}, {embedder.dimension})"
                )
            matrix = np.ascontiguousarray(everything[: len(texts)])
            vectors, params = make_vector_index(matrix, vector_index or VectorIndexSettings())
            ends = len(texts) + len(sentences)
            dense.append(
                DenseVectors(
                    embedder,
                    vectors,
                    layout,
                    sentences=np.ascontiguousarray(everything[len(texts) : ends]),
                    titles=np.ascontiguousarray(everything[ends:]),
                    params=params,
                )
            )
        lexical = LexicalIndex.build(texts)
        chinese = np.array([main_language(p.text) == "zh" for p in passages], dtype=np.bool_)
        sound = SoundIndex.build(texts, chinese) if chinese.any() else None
        counts: dict[str, int] = {}
        for passage in passages:
            counts[passage.doc_id] = counts.get(passage.doc_id, 0) + 1
        sources = [
            SourceRecord(
                path=d.path,
                sha256=d.sha256,
                doc_id=d.doc_id,
                title=d.title,
                passages=counts.get(d.doc_id, 0),
            )
            for d in documents
        ] + list(skipped)
        manifest = Manifest(
            format_version=FORMAT_VERSION,
            package_version=__version__,
            embedders=[d.describe() for d in dense],
            lexical={
                "method": "bm25 (bm25s, Lucene)",
                "tokens": TOKENS,
                "dir": BM25,
                "sound": SOUND if sound is not None else None,
            },
            chunking=dict(chunking),
            sources=sources,
            passage_count=len(passages),
            built_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            build_seconds=round(time.perf_counter() - started, 3),
        )
        return cls(manifest, documents, passages, dense, lexical, sound=sound)

    def save(self, directory: Path) -> None:
        """Write the index to ``directory`` atomically, replacing any index already there."""

        def fill(temporary: Path) -> None:
            for component in self.dense:
                component.save(temporary)
            self.lexical.save(temporary / BM25)
            if self.sound is not None:
                self.sound.save(temporary / SOUND)
            write_jsonl(temporary / PASSAGES, (p.to_json() for p in self.passages))
            write_jsonl(temporary / DOCUMENTS, (d.to_json() for d in self.documents.values()))
            if self.policy is not None:
                write_text_synced(
                    temporary / POLICY, json.dumps(self.policy.to_json(), ensure_ascii=False)
                )
            (temporary / ".gitignore").write_text("# built by seminar-qa\n*\n", encoding="utf-8")
            files = {}
            for path in sorted(temporary.rglob("*")):
                if path.is_file() and path.name != ".gitignore":
                    fsync_path(path)
                    files[path.relative_to(temporary).as_posix()] = sha256_file(path)
            manifest = replace(self.manifest, files=files)
            # The manifest is written last: without it the directory is not an index.
            write_text_synced(
                temporary / MANIFEST, json.dumps(manifest.to_json(), ensure_ascii=False, indent=2)
            )
            self.manifest = manifest

        write_atomically(Path(directory), fill)

    @classmethod
    def load(cls, directory: Path, embedders: Sequence[Embedder] | None = None) -> SeminarIndex:
        """Load and verify the index at ``directory``.

        ``embedders`` defaults to the models the manifest names. Raises IndexNotFoundError,
        IndexFormatError (version or damaged file) or EmbedderMismatchError, each with a message
        that says how to fix it.
        """
        directory = resolve_index_dir(Path(directory))
        manifest = read_manifest(directory)
        recorded = manifest.embedders
        if embedders is None:
            embedders = [get_embedder(str(entry.get("name"))) for entry in recorded]
            preload(embedders)  # the models load while the files are checked and read
        verify_files(directory, manifest)
        built_with = [entry.get("model_id") for entry in recorded]
        if [e.model_id for e in embedders] != built_with:
            raise EmbedderMismatchError(
                f"the index at {directory} was built with {', '.join(map(str, built_with))}, but "
                f"the models in use are {', '.join(e.model_id for e in embedders)}; {REBUILD_HINT}"
            )
        try:
            passages = [Passage.from_json(row) for row in read_jsonl(directory / PASSAGES)]
            documents = [Document.from_json(row) for row in read_jsonl(directory / DOCUMENTS)]
            if any(not p.sentences for p in passages):
                raise IndexFormatError(
                    f"passages.jsonl at {directory} lacks sentence offsets; {REBUILD_HINT}"
                )
            layout = _layout(documents, passages)
            dense = [
                DenseVectors.load(directory, entry, embedder, layout, len(documents))
                for embedder, entry in zip(embedders, recorded, strict=True)
            ]
            lexical = LexicalIndex.load(directory / BM25, len(passages))
            sound = (
                SoundIndex.load(directory / SOUND, len(passages))
                if manifest.lexical.get("sound")
                else None
            )
            policy_path = directory / POLICY
            policy = (
                SearchPolicy.from_json(json.loads(policy_path.read_text(encoding="utf-8")))
                if POLICY in manifest.files
                else None
            )
        except (KeyError, TypeError, ValueError, RuntimeError, OSError) as error:
            raise IndexFormatError(
                f"the index at {directory} is damaged ({error}); {REBUILD_HINT}"
            ) from error
        if len(passages) != manifest.passage_count:
            raise IndexFormatError(
                f"the index at {directory} is inconsistent: {len(passages)} passages, "
                f"manifest says {manifest.passage_count}; {REBUILD_HINT}"
            )
        return cls(manifest, documents, passages, dense, lexical, policy, sound)
