"""Metrics over judged questions: ranking, answer sentence, abstention; and minimums.

Ranking metrics (Hit@k, MRR@10, nDCG@10, Recall@k; :mod:`.ranking`) are computed over the answerable
questions that have at least one relevant passage in the index; abstention metrics over all
questions, the positive class being the unanswerable ones.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from seminar_qa.errors import SeminarQAError
from seminar_qa.evaluation.judging import QuestionResult
from seminar_qa.evaluation.ranking import ranking_metrics

Value = float | int | None
Metrics = dict[str, Value]

HIT_CUTOFFS = (1, 3, 5, 10)


class MetricSpecError(SeminarQAError):
    """A ``METRIC=VALUE`` minimum that names no metric or has no number."""


def metric_names(k: int = 10) -> list[str]:
    """Names of the rate metrics, in report order (the names ``--min`` accepts)."""
    return [
        *ranking_metric_names(k),
        "answer_sentence",
        "answer_clause",
        "abstention_precision",
        "abstention_recall",
        "false_refusal_rate",
        "auroc",
        "refused_unanswerable",
        "refused_answerable",
    ]


def ranking_metric_names(k: int) -> list[str]:
    """The ranking metrics, in report order."""
    return [*(f"hit@{c}" for c in HIT_CUTOFFS), "mrr@10", "ndcg@10", f"recall@{k}"]


def ranking_scores(results: Sequence[QuestionResult], k: int = 10) -> list[dict[str, float]]:
    """Per-question ranking metrics for the ranked questions, in the order given.

    Questions that are not ranked (unanswerable, or without a relevant passage in the index) get
    an empty dict: a question with nothing relevant has no rank to score.
    """
    return [
        ranking_metrics(dict(r.relevant), r.ranking, HIT_CUTOFFS, k) if r.ranked else {}
        for r in results
    ]


def _rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def summarise(
    results: Sequence[QuestionResult], scores: Sequence[dict[str, float]], k: int = 10
) -> Metrics:
    """Counts and rates for ``results``, given their per-question ranking ``scores``."""
    answerable = [r for r in results if r.question.answerable]
    unanswerable = [r for r in results if not r.question.answerable]
    ranked = [s for r, s in zip(results, scores, strict=True) if r.ranked]
    abstained = [r for r in results if r.abstained]
    metrics: Metrics = {
        "questions": len(results),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "unmatched": sum(1 for r in answerable if not r.ranked),
        "abstained": len(abstained),
        "closest": sum(1 for r in results if r.answer_kind == "closest"),
    }
    for name in ranking_metric_names(k):
        metrics[name] = math.fsum(s[name] for s in ranked) / len(ranked) if ranked else None
    sentence = [r.answer_sentence_ok for r in results if r.ranked]
    judged_sentences = [ok for ok in sentence if ok is not None]
    metrics["answer_sentence"] = _rate(sum(judged_sentences), len(judged_sentences))
    clauses = [r.answer_clause_ok for r in results if r.ranked and r.answer_clause_ok is not None]
    metrics["answer_clause"] = _rate(sum(clauses), len(clauses))
    metrics["abstention_precision"] = _rate(
        sum(1 for r in abstained if not r.question.answerable), len(abstained)
    )
    metrics["abstention_recall"] = _rate(
        sum(1 for r in unanswerable if r.abstained), len(unanswerable)
    )
    metrics["false_refusal_rate"] = _rate(
        sum(1 for r in answerable if r.abstained), len(answerable)
    )
    # Answerability: does the confidence put answerable questions above unanswerable ones, and
    # how many of each get no passage as the answer ("closest" or "not found") at the policy's
    # operating point.
    judged = [r for r in results if r.confidence is not None]
    metrics["auroc"] = auroc(
        [float(r.confidence or 0.0) for r in judged], [r.question.answerable for r in judged]
    )
    metrics["refused_unanswerable"] = _rate(
        sum(1 for r in unanswerable if r.refused), len(unanswerable)
    )
    metrics["refused_answerable"] = _rate(sum(1 for r in answerable if r.refused), len(answerable))
    return metrics


def compute_metrics(results: Sequence[QuestionResult], k: int = 10) -> Metrics:
    """Every metric over ``results``: counts, ranking metrics, answer sentence, abstention."""
    return summarise(results, ranking_scores(results, k), k)


def parse_minimum(spec: str, k: int = 10) -> tuple[str, float]:
    """Parse ``METRIC=VALUE`` (e.g. ``hit@3=0.8``); raises MetricSpecError naming valid metrics."""
    valid = metric_names(k)
    name, sep, value = spec.partition("=")
    name = name.strip().lower()
    if not sep:
        raise MetricSpecError(f"--min {spec!r} is not METRIC=VALUE, e.g. hit@3=0.8")
    if name not in valid:
        raise MetricSpecError(
            f"--min {spec!r}: unknown metric {name!r}; valid metrics: {', '.join(valid)}"
        )
    try:
        minimum = float(value)
    except ValueError:
        raise MetricSpecError(f"--min {spec!r}: {value.strip()!r} is not a number") from None
    if not math.isfinite(minimum):
        raise MetricSpecError(f"--min {spec!r}: the minimum must be a finite number")
    return name, minimum


def shortfalls(metrics: Metrics, minimums: Iterable[tuple[str, float]]) -> list[str]:
    """One message per metric below its minimum; an undefined metric (n/a) falls short too."""
    messages = []
    for name, minimum in minimums:
        value = metrics.get(name)
        if value is None:
            messages.append(f"{name} is n/a (no questions to measure it on), minimum {minimum:g}")
        elif value < minimum:
            messages.append(f"{name} = {value:.4f} is below the minimum {minimum:g}")
    return messages


def auroc(scores: Sequence[float], labels: Sequence[bool]) -> float | None:
    """Area under the ROC curve: the chance a positive outscores a negative (ties count half).

    The Mann-Whitney form, so it needs no plotting or learning library at evaluation time; None
    without both classes.
    """
    import numpy as np

    values = np.asarray(scores, dtype=np.float64)
    positive = np.asarray(labels, dtype=bool)
    count_positive, count_negative = int(positive.sum()), int((~positive).sum())
    if not count_positive or not count_negative:
        return None
    order = np.argsort(values, kind="mergesort")
    _, first, counts = np.unique(values[order], return_index=True, return_counts=True)
    ranks = np.empty(len(values), dtype=np.float64)
    ranks[order] = np.repeat(first + (counts + 1) / 2, counts)  # ties share their mean rank
    wins = ranks[positive].sum() - count_positive * (count_positive + 1) / 2
    return float(wins / (count_positive * count_negative))
