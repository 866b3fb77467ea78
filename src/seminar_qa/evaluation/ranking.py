"""Per-question ranking metrics: Hit@k, MRR@10, nDCG@10 and Recall@k, by their definitions.

These used to come from ranx, whose numba-compiled functions cost every ``seminar-qa eval``
process about 10 s of compiling before the first number (typed containers are not cached;
BENCHMARKS.md, where the time goes). The definitions are ranx's: a passage is relevant when its
grade is above 0; nDCG uses the grade as the gain (ranx's ``ndcg``) over the ideal order of the
judged grades; MRR counts the first relevant passage within 10. ``tests/test_evaluation.py``
checks every figure against ranx on generated rankings.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence


def ranking_metrics(
    relevant: Mapping[str, int], ranking: Sequence[str], cutoffs: Sequence[int], k: int
) -> dict[str, float]:
    """``hit@c`` for each cutoff, ``mrr@10``, ``ndcg@10`` and ``recall@k`` of one question."""
    grades = [relevant.get(pid, 0) for pid in ranking]
    hits = [grade > 0 for grade in grades]
    total = sum(1 for grade in relevant.values() if grade > 0)
    scores = {f"hit@{c}": float(any(hits[:c])) for c in cutoffs}
    first = next((rank for rank, hit in enumerate(hits[:10], start=1) if hit), None)
    scores["mrr@10"] = 1.0 / first if first else 0.0
    dcg = sum(g / math.log2(r + 1) for r, g in enumerate(grades[:10], start=1) if g > 0)
    ideal = sorted((g for g in relevant.values() if g > 0), reverse=True)[:10]
    idcg = sum(g / math.log2(r + 1) for r, g in enumerate(ideal, start=1))
    scores["ndcg@10"] = dcg / idcg if idcg else 0.0
    scores[f"recall@{k}"] = sum(hits[:k]) / total if total else 0.0
    return scores
