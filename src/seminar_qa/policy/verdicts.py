"""The policy's parts that judge the top passage, and the verdict they give.

Abstention rules (floors on one signal), answerability's operating points (on the learned
probability), and the :class:`Verdict`: answered, closest or not found, confidence and label.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

Label = Literal["high", "medium", "low", "none"]
AnswerKind = Literal["answered", "closest", "not_found"]
"""``answered``: the passage answers; ``closest``: shown with a caveat, the reports may not say
exactly this; ``not_found``: the reports do not answer, no passage is shown."""


def read_only(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    """A read-only copy of ``mapping`` (the policy's values are frozen)."""
    return MappingProxyType(dict(mapping))


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
        object.__setattr__(self, "floors", read_only(self.floors))
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
