"""The search policy's parts: fusion, candidates, answer sentences, answerability, abstention.

A :class:`SearchPolicy` is a frozen value; ``policy.defaults`` holds the shipped one. The policy
never names a test fake: a model it has no weights for gets :attr:`FusionWeights.uncalibrated`,
and an index without the models the answerability score needs falls back to the abstention
rules (and an index without a calibrated model to the lexical one).

Signal names: ``bm25``; a model's name (``e5``) for its cosine with the whole passage;
``e5-sentence`` for the passage's best sentence; ``e5-title`` for the passage's document title;
``coverage`` for the share of the question's word weight found in the passage.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from types import MappingProxyType
from typing import Any, Literal

from seminar_qa.simplified import to_simplified

POLICY_FORMAT = 1
"""Version of the JSON form of a policy (``policy.json`` in an index)."""

SENTENCE = "-sentence"
TITLE = "-title"
Label = Literal["high", "medium", "low", "none"]
AnswerKind = Literal["answered", "closest", "not_found"]
"""``answered``: the passage answers; ``closest``: shown with a caveat, the reports may not say
exactly this; ``not_found``: the reports do not answer, no passage is shown."""


def sentence_signal(model: str) -> str:
    """Name of model ``model``'s best-sentence signal ("e5" -> "e5-sentence")."""
    return f"{model}{SENTENCE}"


def title_signal(model: str) -> str:
    """Name of model ``model``'s document-title signal ("e5" -> "e5-title")."""
    return f"{model}{TITLE}"


def _frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping))


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

    def __post_init__(self) -> None:
        """Keep the mapping read-only, like the rest of the policy."""
        object.__setattr__(self, "models", _frozen(self.models))

    def for_model(self, model: str) -> ModelWeights:
        """The weights of ``model``."""
        return self.models.get(model, self.uncalibrated)

    def signal_weights(self, models: Iterable[str]) -> dict[str, float]:
        """Weight of every signal of an index holding ``models``: ``bm25``, ``e5``, ..."""
        weights = {"bm25": self.bm25}
        for model in models:
            chosen = self.for_model(model)
            weights[model] = chosen.passage
            weights[sentence_signal(model)] = chosen.sentence
            weights[title_signal(model)] = chosen.title
        return weights


@dataclass(frozen=True)
class Candidates:
    """Which passages are scored: every one in a small index, the retrievers' top lists above."""

    full_scoring_max_passages: int = 10_000
    full_scoring_max_sentences: int = 10_000
    per_retriever: int = 200


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

    def cue_for(self, question: str) -> AnswerTypeCue | None:
        """The first cue the question asks for, or None."""
        return next((cue for cue in self.cues if cue.asked_by(question)), None)


@dataclass(frozen=True)
class ConfidenceCurve:
    """Confidence of an answer from its margin above the abstention floor.

    ``margin`` is (score - floor) / spread: 0 at the floor, 1 one spread above it. Confidence is
    the logistic ``1 / (1 + exp(-slope * margin))``; the label is "none" below the floor, "low"
    up to ``medium_at``, "medium" up to ``high_at``, "high" above.
    """

    slope: float = 4.0
    medium_at: float = 0.5
    high_at: float = 1.0

    def confidence(self, margin: float) -> float:
        """The confidence (0..1) of an answer ``margin`` spreads above the floor."""
        return float(1.0 / (1.0 + math.exp(-self.slope * margin)))

    def label(self, margin: float) -> Label:
        """The label of an answer ``margin`` spreads above the floor."""
        if margin < 0:
            return "none"
        if margin >= self.high_at:
            return "high"
        return "medium" if margin >= self.medium_at else "low"


@dataclass(frozen=True)
class Verdict:
    """Whether the reports answer a question, how confidently, and the label shown."""

    kind: AnswerKind
    confidence: float
    label: Label

    @property
    def found(self) -> bool:
        """Whether the passage answers the question (only an ``answered`` verdict)."""
        return self.kind == "answered"


@dataclass(frozen=True)
class Answerability:
    """Operating points on the learned answerability probability (``answerability/model.json``).

    At or above ``answer_at`` the top passage is the answer ("high" from ``high_at``, else
    "medium"); from ``closest_at`` it is shown as the closest passage with a caveat ("low");
    below, the reports do not answer. It applies to indexes holding every model in ``needs``;
    other indexes use the abstention rules.
    """

    answer_at: float
    closest_at: float
    high_at: float
    needs: tuple[str, ...] = ("e5", "minilm", "use")
    must_hold: tuple[str, ...] = ("quantity", "duration", "money", "clock")
    """Answer types (``answerability.types``) the top passage must hold to be the answer ("how
    many" with no number in it, "at what time" with no time of day: at most the closest
    passage). Dates, people and places miss more real answers (BENCHMARKS.md, "A count, an
    amount or a duration must be in the passage")."""

    def __post_init__(self) -> None:
        """Refuse operating points out of order."""
        if not 0.0 <= self.closest_at <= self.answer_at <= self.high_at <= 1.0:
            raise ValueError(
                f"answerability operating points must satisfy 0 <= closest_at "
                f"({self.closest_at}) <= answer_at ({self.answer_at}) <= high_at "
                f"({self.high_at}) <= 1"
            )

    def applies_to(self, models: Iterable[str]) -> bool:
        """Whether an index of ``models`` has every signal the learned score reads."""
        return set(self.needs) <= set(models)

    def judge(self, probability: float, holds_asked: bool = True) -> Verdict:
        """The verdict for a calibrated answerability ``probability``.

        ``holds_asked`` is False when the top passage cannot be the answer whatever the score: the
        question asks for a ``must_hold`` type it does not hold, or it holds nothing but its
        title. It is then at most the closest passage (the probability is kept as the
        confidence).
        """
        if probability >= self.answer_at and holds_asked:
            return Verdict(
                "answered", probability, "high" if probability >= self.high_at else "medium"
            )
        if probability >= self.closest_at:
            return Verdict("closest", probability, "low")
        return Verdict("not_found", probability, "none")


@dataclass(frozen=True)
class AbstentionRule:
    """When to say "not in these reports": a floor on one signal of the top passage.

    ``model`` is the model the rule needs in the index (None: any index, a fallback). ``floors``
    maps the question language to the lowest ``signal`` that still counts as an answer (a
    language not listed uses "en"); ``spread`` scales the margin above it. ``unmatched_floor``
    applies to English questions none of whose words occur in the top passage (BM25 0): with no
    lexical evidence, ``unmatched_signal`` must reach this value.
    """

    model: str | None
    signal: str
    floors: Mapping[str, float]
    spread: float
    unmatched_floor: float | None = None
    unmatched_signal: str = "minilm"

    def __post_init__(self) -> None:
        """Keep the floors read-only and reject a rule that cannot decide."""
        object.__setattr__(self, "floors", _frozen(self.floors))
        if "en" not in self.floors or self.spread <= 0:
            raise ValueError(
                f"abstention rule on {self.signal!r} needs an 'en' floor and spread > 0"
            )

    def margin(self, score: float, language: str) -> float:
        """How many spreads ``score`` lies above the floor of ``language``."""
        return (score - self.floors.get(language, self.floors["en"])) / self.spread

    def unmatched(self, signals: Mapping[str, float], language: str) -> bool:
        """An English question with no word in the passage and a weak ``unmatched_signal``."""
        return (
            self.unmatched_floor is not None
            and language == "en"
            and signals.get("bm25", 1.0) <= 0.0
            and signals.get(self.unmatched_signal, 1.0) < self.unmatched_floor
        )


@dataclass(frozen=True)
class Abstention:
    """The abstention rules in order of preference, and how confidence is reported."""

    rules: tuple[AbstentionRule, ...]
    curve: ConfidenceCurve = ConfidenceCurve()
    unmatched_confidence: float = 0.1
    """Confidence reported when the unmatched rule refuses (no lexical evidence at all)."""
    unjudged_confidence: float = 0.5
    """Confidence reported when no rule can judge (its signal is missing): answered, "low"."""

    def rule_for(self, models: Iterable[str]) -> AbstentionRule | None:
        """The first rule whose model is in ``models`` (or that needs none)."""
        present = set(models)
        return next((r for r in self.rules if r.model is None or r.model in present), None)

    def judge(self, signals: Mapping[str, float], language: str, models: Iterable[str]) -> Verdict:
        """The verdict for a top passage with these ``signals``, from an index of ``models``."""
        rule = self.rule_for(models)
        score = signals.get(rule.signal) if rule is not None else None
        if rule is None or score is None:
            return Verdict("answered", self.unjudged_confidence, "low")
        if rule.unmatched(signals, language):
            return Verdict("not_found", self.unmatched_confidence, "none")
        margin = rule.margin(score, language)
        kind: AnswerKind = "answered" if margin >= 0 else "not_found"
        return Verdict(kind, self.curve.confidence(margin), self.curve.label(margin))


@dataclass(frozen=True)
class SearchPolicy:
    """Every tuned value of a search: fusion, candidates, answer sentences, abstention."""

    fusion: Mapping[str, FusionWeights]
    """Per question language ("en", "zh"); a language not listed uses "en"."""
    answer_sentence: AnswerSentence
    abstention: Abstention
    candidates: Candidates = field(default_factory=Candidates)
    answerability: Answerability | None = None
    """Operating points of the learned score; None: the abstention rules decide."""
    source: str = "default"
    """Where the values come from: "default", or the calibration that set them."""

    def __post_init__(self) -> None:
        """Keep the mapping read-only and require English weights (the fallback language)."""
        object.__setattr__(self, "fusion", _frozen(self.fusion))
        if "en" not in self.fusion:
            raise ValueError("a search policy needs fusion weights for 'en'")

    def weights(self, language: str, models: Iterable[str]) -> dict[str, float]:
        """The weight of every signal for a question in ``language`` over ``models``."""
        return self.fusion.get(language, self.fusion["en"]).signal_weights(models)

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
                ),
                abstention=Abstention(
                    rules=tuple(AbstentionRule(**rule) for rule in abstention["rules"]),
                    curve=ConfidenceCurve(**abstention["curve"]),
                    unmatched_confidence=float(abstention["unmatched_confidence"]),
                    unjudged_confidence=float(abstention["unjudged_confidence"]),
                ),
                candidates=Candidates(**data["candidates"]),
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
