"""Pictures of answerability for evaluators: a reliability diagram and the refusal trade-off.

``seminar-qa eval QUESTIONS --plot FILE.png`` draws both from the judged questions: how often a
question at each confidence really was answerable (calibration), and, as the threshold moves,
the share of unanswerable questions given no passage as the answer against the share of
answerable ones, with the policy's operating point marked. matplotlib is imported only here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seminar_qa.evaluation.judging import QuestionResult

BINS = 10
FORMATS = ("png", "svg", "pdf")
"""File types ``--plot`` can write (by the file name's extension)."""


@dataclass(frozen=True)
class ReliabilityBin:
    """Questions whose confidence fell in ``[low, high)``: how many, and how many answerable."""

    low: float
    high: float
    count: int
    answerable: int
    mean_confidence: float


def reliability_bins(results: Sequence[QuestionResult], bins: int = BINS) -> list[ReliabilityBin]:
    """Confidence in ``bins`` equal bins, each with its share of answerable questions."""
    judged = [r for r in results if r.confidence is not None]
    out = []
    for number in range(bins):
        low, high = number / bins, (number + 1) / bins
        members = [
            r
            for r in judged
            if low <= float(r.confidence or 0.0) < high
            or (number == bins - 1 and r.confidence == 1.0)
        ]
        mean = sum(float(r.confidence or 0.0) for r in members) / len(members) if members else 0.0
        out.append(
            ReliabilityBin(
                low, high, len(members), sum(r.question.answerable for r in members), mean
            )
        )
    return out


def trade_off(results: Sequence[QuestionResult]) -> list[tuple[float, float, float]]:
    """(threshold, answerable refused, unanswerable refused) for every threshold that matters.

    A question counts as refused when its confidence is below the threshold.
    """
    judged = [r for r in results if r.confidence is not None]
    answerable = [float(r.confidence or 0.0) for r in judged if r.question.answerable]
    unanswerable = [float(r.confidence or 0.0) for r in judged if not r.question.answerable]
    points = []
    for threshold in sorted({0.0, 1.0 + 1e-9, *answerable, *unanswerable}):
        refused_a = sum(c < threshold for c in answerable) / len(answerable) if answerable else 0.0
        refused_u = (
            sum(c < threshold for c in unanswerable) / len(unanswerable) if unanswerable else 0.0
        )
        points.append((threshold, refused_a, refused_u))
    return points


def _unit_square(axes: Any, xlabel: str, ylabel: str, title: str) -> None:
    axes.set(xlim=(0, 1), ylim=(0, 1), xlabel=xlabel, ylabel=ylabel, title=title)


def plot(results: Sequence[QuestionResult], path: Path, title: str = "") -> None:
    """Write the reliability diagram and the refusal trade-off curve side by side to ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.6))
    bins = reliability_bins(results)
    filled = [b for b in bins if b.count]
    left.plot([0, 1], [0, 1], linestyle=":", color="grey", label="perfectly calibrated")
    left.plot(
        [b.mean_confidence for b in filled],
        [b.answerable / b.count for b in filled],
        marker="o",
        label="answerable share",
    )
    for b in filled:
        left.annotate(str(b.count), (b.mean_confidence, b.answerable / b.count), fontsize=7)
    _unit_square(left, "confidence", "share of questions that are answerable", "Reliability")
    left.legend(loc="upper left", fontsize=8)
    groups = {"all": list(results)}
    for lang in sorted({r.question.lang or "?" for r in results}):
        groups[f"lang={lang}"] = [r for r in results if (r.question.lang or "?") == lang]
    for name, members in groups.items():
        if {r.question.answerable for r in members} == {True, False}:
            curve = trade_off(members)
            right.plot([a for _, a, _ in curve], [u for _, _, u in curve], label=name)
    answerable = [r for r in results if r.question.answerable]
    unanswerable = [r for r in results if not r.question.answerable]
    if answerable and unanswerable:
        right.scatter(
            [sum(r.refused for r in answerable) / len(answerable)],
            [sum(r.refused for r in unanswerable) / len(unanswerable)],
            color="red",
            zorder=3,
            label="operating point",
        )
    _unit_square(
        right, "answerable questions refused", "unanswerable questions refused", "Refusal trade-off"
    )
    if right.get_legend_handles_labels()[0]:
        right.legend(loc="lower right", fontsize=8)
    else:  # no curve without both kinds of question (and matplotlib warns of an empty legend)
        right.text(
            0.5,
            0.5,
            "needs answerable and unanswerable questions",
            ha="center",
            va="center",
            fontsize=9,
            transform=right.transAxes,
        )
    if title:
        figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
