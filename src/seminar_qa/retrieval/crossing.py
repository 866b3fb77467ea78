"""Crossing languages in a model's vector space: a Chinese question over English passages.

A multilingual model writes a text's language into its vector beside its meaning. E5's vectors
of the same questions asked in Chinese and in English differ by a nearly constant direction, and
that direction pulls a Chinese question towards whatever English text happens to lie along it
rather than towards the sentence that answers it: over XQuAD's English paragraphs, E5's best
sentence alone put a paragraph holding the answer first for 26% of held-out Chinese questions
(the same questions in English: 93%, a /tmp throwaway over the whole split). Taking three
quarters of the direction out of the question's vector before it meets passages of the other
language (``crossed``) lifts that to 66%, E5's passage cosine from 61% to 68%
(``make language-offsets``, articles held out). It is the language mean subtraction of
Libovický et al., "On the Language Neutrality of Pre-trained Multilingual Representations"
(2020), with the means taken from translated questions, so that only the language differs.

The directions are plain JSON (``language_offsets.json``) fitted by
``python -m seminar_qa.retrieval.crossing_fit`` (``make language-offsets``) from XQuAD's
development split. USE has none: it was trained on translation pairs, and the same step
lowered its Chinese-question figures (passage and best sentence added .752 -> .716-.729; /tmp
throwaway).

Where an index holds passages of both languages, the crossed cosines also take the offset's
*gap* (``LanguageOffset.gap``): how much closer E5 puts an English question than its crossed
Chinese translation to the passages that answer it, fitted on the same pairs (passage .027,
best sentence .031, title -.009). Without it a Chinese question's own language won for being its
own: in ``bench/mixed_eval.py``'s index XQuAD's Chinese questions found their paragraph first
.886 -> .905 with it, the seminar set's Chinese ones .941 -> 1.000, CMRC's .999 -> .996.

An English question over Chinese passages takes the same direction the other way round (the
mean difference of the same pairs, negated) at the same strength: :func:`read_offsets` adds the
mirror of each offset the file does not give both ways. The mirror has no gap: none was
measured that way, and with the same gap English questions in the mixed index lost more
(seminar set .921 -> .816) than the translated ones gained (.833 -> .843). On 100 CMRC
questions translated into English (``eval/translated``, ``bench/translated_sets.py``), E5's
best sentence alone put a paragraph holding the answer first for 24% of them without the step
and 59% with it; E5's passage cosine 48% -> 55% (/tmp throwaway over CMRC's index, 2026-12-05).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from numpy.typing import NDArray

    from seminar_qa.index import SeminarIndex
    from seminar_qa.index.dense import DenseVectors
    from seminar_qa.text import Language

OFFSETS_FILE = Path(__file__).resolve().parent / "language_offsets.json"
OFFSETS_FORMAT = 1


@dataclass(frozen=True)
class LanguageOffset:
    """How one model's vectors of questions in ``source`` differ from the same in ``target``."""

    model: str
    source: str
    """The question's language ("zh")."""
    target: str
    """The passages' language ("en")."""
    direction: NDArray[np.float32]
    """Mean of the model's vectors of questions in ``source`` minus that of the same questions
    in ``target`` (unnormalised)."""
    strength: float
    """How much of the direction is taken out: the share that did best on held-out articles
    (``crossing_fit``); part of the mean difference is the training questions' own style."""
    trained_on: dict[str, Any]
    gap: Mapping[str, float] = field(default_factory=dict)
    """Per signal ("passage", "sentence", "title"): how much closer the model puts a question than
    its crossed translation to the passages that answer it (the mean over the pairs). Added to
    the crossed scores where an index holds passages of both languages, so that the question's
    own language does not win for being its own; in an index of one language a shift common to
    every passage changes nothing (fusion rescales each signal)."""

    def mirrored(self) -> LanguageOffset:
        """The offset for questions in ``target`` over passages in ``source``.

        The same pairs' mean difference, negated, at the same strength.
        """
        return LanguageOffset(
            model=self.model,
            source=self.target,
            target=self.source,
            direction=-self.direction,
            strength=self.strength,
            trained_on={**self.trained_on, "mirrored": f"the {self.source} -> {self.target} fit"},
        )

    def crossed(self, vector: NDArray[np.float32]) -> NDArray[np.float32]:
        """``vector`` (a question in ``source``) with the direction taken out, unit length."""
        moved = np.asarray(vector - self.strength * self.direction, np.float32)
        norm = float(np.linalg.norm(moved))
        return moved / norm if norm > 0 else np.asarray(vector, np.float32)


def read_offsets(path: Path) -> dict[tuple[str, str], LanguageOffset]:
    """The offsets in ``path`` by (model, question language); ValueError naming what is wrong."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("format") != OFFSETS_FORMAT:
        raise ValueError(
            f"{path}: language offsets format {data.get('format')!r}, expected "
            f"{OFFSETS_FORMAT}; refit them with `make language-offsets`"
        )
    found = {}
    for entry in data["offsets"]:
        direction = np.asarray(entry["direction"], dtype=np.float32)
        if direction.ndim != 1 or not np.isfinite(direction).all():
            raise ValueError(f"{path}: the {entry['model']} offset is not a finite vector")
        offset = LanguageOffset(
            model=str(entry["model"]),
            source=str(entry["source"]),
            target=str(entry["target"]),
            direction=direction,
            strength=float(entry["strength"]),
            trained_on=dict(entry.get("trained_on", {})),
            gap={str(k): float(v) for k, v in entry.get("gap", {}).items()},
        )
        found[(offset.model, offset.source)] = offset
    for offset in list(found.values()):
        found.setdefault((offset.model, offset.target), offset.mirrored())
    return found


@functools.cache
def shipped_offsets() -> dict[tuple[str, str], LanguageOffset]:
    """The offsets shipped with the package (none when the file is absent)."""
    return read_offsets(OFFSETS_FILE) if OFFSETS_FILE.is_file() else {}


def offset_for(model: str, dimension: int, language: str) -> LanguageOffset | None:
    """The shipped offset for questions in ``language`` to ``model`` (None: there is none).

    An offset of another dimension (a different model under the same name) is not used.
    """
    offset = shipped_offsets().get((model, language))
    return offset if offset is not None and offset.direction.shape == (dimension,) else None


@dataclass(frozen=True)
class QuestionVector:
    """One model's vector of a question, and the one it meets passages of another language with.

    ``crossed`` is the vector with the model's language offset taken out
    (:mod:`~seminar_qa.retrieval.crossing`), for the passages in ``across`` (every passage when
    ``across`` is None); without an offset, or no passage in the other language, it is None.
    """

    plain: NDArray[np.float32]
    crossed: NDArray[np.float32] | None = None
    across: NDArray[np.bool_] | None = None
    gap: Mapping[str, float] | None = None
    """The offset's gap per signal, added where ``across`` holds some passages, not all."""

    @classmethod
    def of(
        cls,
        index: SeminarIndex,
        dense: DenseVectors,
        language: Language,
        vector: NDArray[np.float32],
    ) -> QuestionVector:
        """The model's vector of a question in ``language``, crossed where an offset says so."""
        offset = offset_for(dense.name, dense.embedder.dimension, language)
        if offset is None:
            return cls(vector)
        other = index.passages_in(offset.target)
        if not other.any():
            return cls(vector)
        if other.all():
            return cls(vector, offset.crossed(vector))
        return cls(vector, offset.crossed(vector), other, offset.gap)

    def at(self, position: int) -> NDArray[np.float32]:
        """The vector that meets passage ``position``."""
        if self.crossed is None or (self.across is not None and not self.across[position]):
            return self.plain
        return self.crossed

    def scores(
        self,
        method: Callable[[NDArray[np.float32], NDArray[np.int64] | None], NDArray[np.float32]],
        positions: NDArray[np.int64] | None,
        signal: str = "passage",
    ) -> NDArray[np.float32]:
        """``method(vector, positions)`` with each passage met by its own vector.

        ``signal`` names what ``method`` scores ("passage", "sentence", "title"): the offset's
        gap for it is added to the crossed scores of an index of both languages.
        """
        if self.crossed is None:
            return method(self.plain, positions)
        if self.across is None:
            return method(self.crossed, positions)
        values = method(self.plain, positions)
        where = self.across if positions is None else self.across[positions]
        if where.any():
            shift = (self.gap or {}).get(signal, 0.0)
            values[where] = method(self.crossed, positions)[where] + np.float32(shift)
        return values

    def nearest(self, dense: DenseVectors, count: int) -> NDArray[np.int64]:
        """The model's candidate passages: each vector's nearest, together when both meet some."""
        if self.crossed is None:
            return dense.nearest(self.plain, count)
        if self.across is None:
            return dense.nearest(self.crossed, count)
        both = (dense.nearest(self.plain, count), dense.nearest(self.crossed, count))
        return np.unique(np.concatenate(both))
