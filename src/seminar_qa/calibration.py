"""Calibration for one index: where to put the answerability operating points for this corpus.

``seminar-qa calibrate QUESTIONS.jsonl`` scores every question of a set (answerable and
unanswerable ones) with the learned answerability model against the index, and picks:

- ``answer_at``: the highest threshold that refuses at most ``max_refused`` of the answerable
  questions (so it refuses as many unanswerable ones as that allows);
- ``closest_at``: below it, "not in these reports"; it refuses outright at most
  ``max_not_found`` of the answerable questions (between the two, the closest passage is shown
  with a caveat);
- ``high_at``: from here an answer is a "strong match": the lowest threshold above which at least
  ``high_precision`` of the questions are answerable (the default when the set has no
  unanswerable questions).

Without a question file, the index's own passages give the answerable questions (each
sentence's content words, every other one left out) and a shipped list of off-topic questions
the unanswerable ones. Such questions are easier than real ones, so they may only lower the
default ``answer_at`` (when the defaults would refuse more than ``max_refused`` of them), never
raise it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone

from seminar_qa.answering import Assistant
from seminar_qa.evaluation.questions import EvalQuestion
from seminar_qa.policy import Answerability, SearchPolicy
from seminar_qa.text import counted
from seminar_qa.tokenization import base_tokens

TARGETS = (0.01, 0.02, 0.05, 0.10, 0.20)
"""Shares of answerable questions refused at which the trade-off is printed."""

OFF_TOPIC = (
    "What is the capital of France?",
    "Who won the football World Cup in 2018?",
    "How do I bake sourdough bread?",
    "What will the weather be like tomorrow?",
    "How tall is Mount Everest?",
    "Which film won the Oscar for best picture last year?",
    "What is the price of a barrel of oil today?",
    "How many moons does Jupiter have?",
    "Who wrote Pride and Prejudice?",
    "What is the exchange rate of the euro to the dollar?",
    "How do I reset my email password?",
    "When does the next train to Beijing leave?",
    "法国的首都是哪里？",
    "明天的天气怎么样？",
    "怎样做红烧肉？",
    "世界杯冠军是哪个国家？",
    "珠穆朗玛峰有多高？",
    "今天的油价是多少？",
)
"""Questions no seminar report answers, for calibrating without a question file."""


@dataclass(frozen=True)
class Scored:
    """One question's answerability probability, and whether it is answerable."""

    question: str
    language: str
    answerable: bool
    probability: float


def score(assistant: Assistant, questions: Sequence[EvalQuestion]) -> list[Scored]:
    """Each question's answerability probability against the assistant's index."""
    scored = []
    for question in questions:
        ranking, features = assistant.inspect(question.question)
        probability = 0.0 if features is None else assistant.model.probability(features)
        scored.append(Scored(question.question, ranking.language, question.answerable, probability))
    return scored


def generated_questions(assistant: Assistant, limit: int = 200) -> list[EvalQuestion]:
    """Answerable questions made from the index's sentences, and the shipped off-topic ones."""
    made: list[EvalQuestion] = []
    for passage in assistant.index.passages:
        for start, end in passage.sentences:
            words = passage.text[start:end].split()
            if len(base_tokens(passage.text[start:end])) < 6:
                continue
            made.append(EvalQuestion(f"g{len(made)}", " ".join(words[::2]), gold=(passage.doc_id,)))
            if len(made) >= limit:
                break
        if len(made) >= limit:
            break
    made += [EvalQuestion(f"o{n}", text) for n, text in enumerate(OFF_TOPIC)]
    return made


def refused(scored: Sequence[Scored], threshold: float, answerable: bool) -> float | None:
    """Share of the answerable (or unanswerable) questions below ``threshold``."""
    members = [s.probability for s in scored if s.answerable == answerable]
    return sum(p < threshold for p in members) / len(members) if members else None


def threshold_for(scored: Sequence[Scored], share: float) -> float:
    """The highest threshold that refuses at most ``share`` of the answerable questions."""
    answerable = sorted(s.probability for s in scored if s.answerable)
    if not answerable:
        raise ValueError("calibration needs answerable questions")
    allowed = int(share * len(answerable))  # this many may fall below the threshold
    return answerable[min(allowed, len(answerable) - 1)]


def high_threshold(scored: Sequence[Scored], at_least: float, precision: float) -> float | None:
    """The lowest threshold from ``at_least`` above which ``precision`` are answerable."""
    if not any(not s.answerable for s in scored):
        return None
    for candidate in sorted({s.probability for s in scored if s.probability >= at_least}):
        above = [s for s in scored if s.probability >= candidate]
        if above and sum(s.answerable for s in above) / len(above) >= precision:
            return candidate
    return None


@dataclass(frozen=True)
class Calibration:
    """The chosen operating points, the trade-off they sit on, and what the set held."""

    answerability: Answerability
    scored: list[Scored]
    generated: bool

    def trade_off(self) -> list[tuple[float, float, float | None]]:
        """(target share of answerable refused, threshold, unanswerable refused) per target."""
        rows = []
        for target in TARGETS:
            threshold = threshold_for(self.scored, target)
            rows.append((target, threshold, refused(self.scored, threshold, answerable=False)))
        return rows


def calibrate(
    assistant: Assistant,
    questions: Sequence[EvalQuestion] | None,
    *,
    max_refused: float = 0.05,
    max_not_found: float = 0.01,
    high_precision: float = 0.95,
) -> Calibration:
    """Choose the operating points for the assistant's index (see the module docstring)."""
    default = assistant.policy.answerability
    if default is None:
        raise ValueError("the policy has no answerability operating points to calibrate")
    models = assistant.index.model_names
    if not default.applies_to(models):
        raise ValueError(
            f"the index was built with {', '.join(models)}, but the answerability score reads "
            f"{', '.join(default.needs)}; rebuild with `--embedder {','.join(default.needs)}`"
        )
    generated = questions is None
    scored = score(assistant, generated_questions(assistant) if questions is None else questions)
    answer_at = threshold_for(scored, max_refused)
    closest_at = min(threshold_for(scored, max_not_found), answer_at)
    if generated:  # easy questions may only relax the defaults
        answer_at = min(answer_at, default.answer_at)
        closest_at = min(closest_at, default.closest_at, answer_at)
    high_at = high_threshold(scored, answer_at, high_precision)
    if high_at is None or generated:
        high_at = max(default.high_at, answer_at)
    # Rounded down to 4 places, so that rounding never refuses a question the threshold let in.
    chosen = Answerability(
        answer_at=_floor(answer_at),
        closest_at=_floor(closest_at),
        high_at=max(_floor(high_at), _floor(answer_at)),
        needs=default.needs,
    )
    return Calibration(chosen, scored, generated)


def _floor(value: float, places: int = 4) -> float:
    scale = 10.0**places
    return float(math.floor(value * scale) / scale)


def calibrated_policy(policy: SearchPolicy, calibration: Calibration, source: str) -> SearchPolicy:
    """``policy`` with the calibrated operating points, naming where they came from."""
    stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
    return replace(
        policy,
        answerability=calibration.answerability,
        source=(
            f"calibrated on {source} ({counted(len(calibration.scored), 'question')}) at {stamp}"
        ),
    )
