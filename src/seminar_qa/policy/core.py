"""The search policy's parts: fusion, candidates, alignment, answer sentences; the policy itself.

The parts that judge the top passage (abstention, answerability) are in ``policy.verdicts``.
A :class:`SearchPolicy` is a frozen value; ``policy.defaults`` holds the shipped one. The policy
never names a test fake: a model it has no weights for gets :attr:`FusionWeights.uncalibrated`,
and an index without the models the answerability score needs falls back to the abstention
rules (and an index without a calibrated model to the lexical one).

Signal names: ``bm25``; a model's name (``e5``) for its cosine with the whole passage;
``e5-sentence`` for the passage's best sentence; ``e5-title`` for the passage's document title;
``coverage`` for the share of the question's word weight found in the passage; ``names``
(:data:`NAMES`) for the question's many-word names the passage holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any

from seminar_qa.policy.verdicts import (
    Abstention,
    AbstentionRule,
    Answerability,
    ConfidenceCurve,
    read_only,
)
from seminar_qa.simplified import to_simplified

POLICY_FORMAT = 1
"""Version of the JSON form of a policy (``policy.json`` in an index)."""

SENTENCE = "-sentence"
TITLE = "-title"
NAMES = "names"
"""The signal of a Chinese question's many-word names a passage holds (``retrieval.held_names``)."""


def sentence_signal(model: str) -> str:
    """Name of model ``model``'s best-sentence signal ("e5" -> "e5-sentence")."""
    return f"{model}{SENTENCE}"


def title_signal(model: str) -> str:
    """Name of model ``model``'s document-title signal ("e5" -> "e5-title")."""
    return f"{model}{TITLE}"


def _plain(value: Any) -> Any:
    """Dataclasses, read-only mappings and tuples as JSON data (dicts, lists, scalars)."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


@dataclass(frozen=True)
class ModelWeights:
    """How much one model's scores count in the fused score.

    ``passage`` weighs its cosine with the whole passage, ``sentence`` with the passage's best
    sentence, ``title`` with the passage's document title.
    """

    passage: float
    sentence: float = 0.0
    title: float = 0.0


@dataclass(frozen=True)
class FusionWeights:
    """The fusion weights of one question language: BM25 and each named model.

    ``uncalibrated`` applies to a model not in ``models`` (a new model, or the test fake).
    """

    bm25: float
    models: Mapping[str, ModelWeights]
    uncalibrated: ModelWeights = ModelWeights(1.0, 1.0, 0.5)
    names: float = 0.0
    """The weight of :data:`NAMES`, where some candidate passage holds one (0: never read)."""

    def __post_init__(self) -> None:
        """Keep the mapping read-only, like the rest of the policy."""
        object.__setattr__(self, "models", read_only(self.models))

    def for_model(self, model: str) -> ModelWeights:
        """The weights of ``model``."""
        return self.models.get(model, self.uncalibrated)

    def signal_weights(self, models: Iterable[str]) -> dict[str, float]:
        """Weight of every signal of an index holding ``models``: ``bm25``, ``e5``, ..."""
        weights = {"bm25": self.bm25, NAMES: self.names}
        for model in models:
            chosen = self.for_model(model)
            weights[model] = chosen.passage
            weights[sentence_signal(model)] = chosen.sentence
            weights[title_signal(model)] = chosen.title
        return weights


@dataclass(frozen=True)
class Weighing:
    """Fusion's weights for one question: its language's, and per passage language another set.

    ``across`` maps a passage language to the weights its passages take when it is not the
    question's (the policy's ``"en>zh"`` entry: an English question over Chinese text).
    """

    own: Mapping[str, float]
    across: Mapping[str, Mapping[str, float]] = field(default_factory=dict)

    def get(self, name: str, default: float = 0.0) -> float:
        """The largest weight any passage gives signal ``name``: what is computed and retrieved."""
        weights = [self.own.get(name, default)]
        weights += [w.get(name, default) for w in self.across.values()]
        return max(weights)


@dataclass(frozen=True)
class Candidates:
    """Which passages are scored: every one in a small index, the retrievers' top lists above."""

    full_scoring_max_passages: int = 10_000
    full_scoring_max_sentences: int = 10_000
    per_retriever: int = 200


@dataclass(frozen=True)
class Alignment:
    """When two first passages nearly tie, which one the question's tokens meet better goes first.

    ``retrieval.alignment``: each of the question's words is matched to its closest token of
    the passage by E5's last hidden states (read in context), and the mean of those matches is
    the passage's alignment. Only the first two passages, both in one language, and only when
    their fused scores are within ``tie_margin``: E5 reads each passage's
    ``sentences`` best sentences (~0.5 ms a token on this machine, 2026-12-05), which a clear
    winner does not need.
    """

    tie_margin: float = 0.05
    """How close the first two fused scores must be (0: never re-ordered)."""
    weight: float = 2.0
    """What a unit of alignment is worth in fused score."""
    across_weight: float = 1.5
    """The same when both passages are in another language than the question (0: not aligned)."""
    sentences: int = 2
    """How many of a passage's sentences (E5's best for the question) are read (0: all of it)."""


@dataclass(frozen=True)
class AnswerTypeCue:
    """A kind of answer a question asks for, and what a sentence holding one looks like."""

    name: str
    asks: str
    """Regular expression (case-insensitive) matched against the question."""
    holds: str
    """Regular expression matched against a sentence."""
    holds_ignore_case: bool = False

    def asked_by(self, question: str) -> bool:
        """Whether ``question`` asks for this kind of answer (Chinese read as simplified)."""
        return re.search(self.asks, to_simplified(question), re.IGNORECASE) is not None

    def held_by(self, sentence: str) -> bool:
        """Whether ``sentence`` holds this kind of answer (Chinese read as simplified)."""
        flags = re.IGNORECASE if self.holds_ignore_case else 0
        return re.search(self.holds, to_simplified(sentence), flags) is not None


@dataclass(frozen=True)
class AnswerSentence:
    """How the answer sentence of a passage is chosen (see ``retrieval.answer_span``)."""

    cues: tuple[AnswerTypeCue, ...]
    type_bonus: float = 1.0
    """What a sentence gains for holding the asked answer type (the best word match scores 1)."""
    semantic_languages: tuple[str, ...] = ("en",)
    """Question languages for which the models' sentence similarity counts too."""
    typed_languages: tuple[str, ...] = ()
    """Question languages whose answer type is read by ``answerability.types`` (its English and
    Chinese detectors: a person by title or part of speech, a count that is not a date) instead
    of ``cues``."""
    title_weight: float = 1.0
    """How much a question word that is also in the document's title counts (1: like any word).
    Such a word names what the whole document is about, so every sentence may hold it."""
    skip_title: bool = False
    """Whether a sentence that only repeats the document's title is never the answer."""
    learned: bool = False
    """Whether the learned scorer (``answer_sentence.model``) marks the sentence, where the
    index has the models it reads; the rules above mark it otherwise."""
    continuation_share: float = 0.0
    """The marked sentence gives way to the next one when that one opens with "He" or "She"
    (going on about the person the marked one names) and holds question words the marked one
    lacks, weighing at least this share of the question's words the passage holds (0: never)."""
    continuation_languages: tuple[str, ...] = ()
    """Question languages for which ``continuation_share`` applies."""

    def cue_for(self, question: str) -> AnswerTypeCue | None:
        """The first cue the question asks for, or None."""
        return next((cue for cue in self.cues if cue.asked_by(question)), None)


@dataclass(frozen=True)
class SearchPolicy:
    """Every tuned value of a search: fusion, candidates, answer sentences, abstention."""

    fusion: Mapping[str, FusionWeights]
    """Per question language ("en", "zh"); a language not listed uses "en". An entry "Q>P"
    weighs the passages in language P for a question in language Q (:meth:`weighing`)."""
    answer_sentence: AnswerSentence
    abstention: Abstention
    candidates: Candidates = field(default_factory=Candidates)
    alignment: Alignment = field(default_factory=Alignment)
    answerability: Answerability | None = None
    """Operating points of the learned score; None: the abstention rules decide."""
    source: str = "default"
    """Where the values come from: "default", or the calibration that set them."""

    def __post_init__(self) -> None:
        """Keep the mapping read-only and require English weights (the fallback language)."""
        object.__setattr__(self, "fusion", read_only(self.fusion))
        if "en" not in self.fusion:
            raise ValueError("a search policy needs fusion weights for 'en'")

    def weights(self, language: str, models: Iterable[str]) -> dict[str, float]:
        """The weight of every signal for a question in ``language`` over ``models``."""
        return self.fusion.get(language, self.fusion["en"]).signal_weights(models)

    def weighing(
        self, language: str, passage_languages: Iterable[str], models: Iterable[str]
    ) -> Weighing:
        """The weights for a question in ``language`` over passages in ``passage_languages``."""
        models = list(models)
        across = {
            passage: self.fusion[f"{language}>{passage}"].signal_weights(models)
            for passage in passage_languages
            if passage != language and f"{language}>{passage}" in self.fusion
        }
        return Weighing(self.weights(language, models), across)

    def to_json(self) -> dict[str, Any]:
        """The policy as plain JSON data (``policy.json``)."""
        data: dict[str, Any] = _plain(self)
        data["format"] = POLICY_FORMAT
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SearchPolicy:
        """Rebuild a policy from :meth:`to_json`; raises ValueError naming what is wrong."""
        if data.get("format") != POLICY_FORMAT:
            raise ValueError(f"policy format {data.get('format')!r}, expected {POLICY_FORMAT}")
        try:
            fusion = {
                language: FusionWeights(
                    bm25=float(weights["bm25"]),
                    models={m: ModelWeights(**w) for m, w in weights["models"].items()},
                    uncalibrated=ModelWeights(**weights["uncalibrated"]),
                    names=float(weights.get("names", 0.0)),
                )
                for language, weights in data["fusion"].items()
            }
            sentence = data["answer_sentence"]
            abstention = data["abstention"]
            return cls(
                fusion=fusion,
                answer_sentence=AnswerSentence(
                    cues=tuple(AnswerTypeCue(**cue) for cue in sentence["cues"]),
                    type_bonus=float(sentence["type_bonus"]),
                    semantic_languages=tuple(sentence["semantic_languages"]),
                    typed_languages=tuple(sentence.get("typed_languages", ())),
                    title_weight=float(sentence.get("title_weight", 1.0)),
                    skip_title=bool(sentence.get("skip_title", False)),
                    learned=bool(sentence.get("learned", False)),
                    continuation_share=float(sentence.get("continuation_share", 0.0)),
                    continuation_languages=tuple(sentence.get("continuation_languages", ())),
                ),
                abstention=Abstention(
                    rules=tuple(AbstentionRule(**rule) for rule in abstention["rules"]),
                    curve=ConfidenceCurve(**abstention["curve"]),
                    unmatched_confidence=float(abstention["unmatched_confidence"]),
                    unjudged_confidence=float(abstention["unjudged_confidence"]),
                ),
                candidates=Candidates(**data["candidates"]),
                # A policy stored before alignment existed gets the shipped values.
                alignment=Alignment(**data.get("alignment", {})),
                answerability=(
                    Answerability(
                        **{
                            **data["answerability"],
                            **{
                                name: tuple(data["answerability"][name])
                                for name in ("needs", "must_hold")
                                if name in data["answerability"]
                            },
                        }
                    )
                    if data.get("answerability")
                    else None
                ),
                source=str(data.get("source", "stored")),
            )
        except (KeyError, TypeError, AttributeError) as error:
            raise ValueError(f"policy is incomplete or malformed ({error!r})") from error
