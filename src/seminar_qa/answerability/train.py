"""Fit the answerability model: `make answerability` (this module, run with `python -m`).

Training data, all read where it lies (nothing is copied into the project):

- the development splits in ``../shared/eval/external`` (SQuAD 2.0, ClapNQ, XQuAD in English and
  Chinese, CMRC 2018), each asked of an index of its own corpus, and CMRC's questions in English
  (``eval/translated``, ``evaluation.translated``) asked of CMRC's index;
- generated negatives: every answerable question of those sets asked again with its gold
  document left out of the search (the same article's other paragraphs stay), labelled
  unanswerable;
- edited negatives: XQuAD's answerable English questions edited as SQuAD 2.0's unanswerable
  ones were written (a name or number swapped for another of the article, a negation, an
  antonym; ``answerability.edits``), asked of the whole index, labelled unanswerable;
- off-topic questions: questions of each set asked of every other set's index (and of the
  seminar report), labelled unanswerable and counted with that index's source
  (``rows.off_topic``);
- the project's own ``eval/dev_questions.jsonl``, ``eval/seminar_questions.jsonl`` and
  ``eval/near_domain_questions.jsonl`` against the seminar index, and their answerable
  questions asked of 300 BBC news articles without the report (``build/distractor-index``, when
  ``../shared/bench/bbc-news`` is there), labelled unanswerable.
  ``eval/validation_questions.jsonl`` is never used: it stays the independent check.

Every question is asked in fusion's order, the near-tie alignment off (``rows.fusion_assistant``:
the model reads fusion's margin, which the alignment leaves as it is unless it re-orders a pair).
A question's label is whether it is answerable. The features of every question are cached in
``build/answerability/rows.jsonl``; the model is gradient-boosted trees (scikit-learn, five seeds
averaged), with Platt scaling fitted on out-of-fold scores, written as plain JSON to
``src/seminar_qa/answerability/model.json``. Sources are weighted equally, whatever their size.
Cross-validation keeps each question and its generated negative in one fold (what a hidden split
of the same sets would see), and every source is also held out whole, to show how the model does
on a set it never saw.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from typing import Any

from seminar_qa.answerability.features import FEATURES
from seminar_qa.answerability.model import MODEL_FILE as MODEL
from seminar_qa.answerability.rows import (
    GENERATED,
    WORK,
    Row,
    collect,
    collected_or_reused,
    load_rows,
)

# ------------------------------------------------------------------------------------------
# Fitting

# Gradient boosting, small and slow-learning: 200 trees at rate 0.05 with 80% subsamples.
# Chosen over a logistic regression on the same rows (question-grouped 5-fold AUROC on the
# original questions: SQuAD 2.0 .61 vs .56, ClapNQ .90 vs .83, seminar .77 vs .73). Depth 5 with
# at least 50 rows a leaf (2026-12-06, eighth session; grouped CV SQuAD 2.0 / ClapNQ / seminar,
# throwaway /tmp/s15/cvgrid.py over the rows of `make answerability`): depth 3 as before .712 /
# .894 / .906; depth 2 (300 trees) .712 / .877 / .888; depth 3, 30 a leaf .713 / .895 / .903;
# depth 4, 20 / 50 / 100 a leaf .721 / .910 / .927, .716 / .910 / .929, .713 / .908 / .929;
# depth 5, 30 / 50 a leaf .721 / .917 / .945, .723 / .917 / .940; depth 6, 50 a leaf .724 /
# .917 / .948; rate .03 at depth 3 .708 / .878 / .875. Deeper trees without the leaf size had
# changed nothing by more than .01 (2026-12-02): the leaves of a few rows were noise. Each fit is
# five such models (``SEEDS``), averaged.
TREES = {
    "n_estimators": 200,
    "max_depth": 5,
    "min_samples_leaf": 50,
    "learning_rate": 0.05,
    "subsample": 0.8,
}
FOLDS = 5


def _matrix(rows: Sequence[Row], features: Sequence[str] = FEATURES) -> Any:
    import numpy as np

    return np.array([[r.features[f] for f in features] for r in rows], dtype=np.float64)


def _weights(rows: Sequence[Row]) -> Any:
    """Each source weighs the same in all, whatever its number of rows."""
    import numpy as np

    sources = sorted({r.source for r in rows})
    count = {s: sum(1 for r in rows if r.source == s) for s in sources}
    return np.array([len(rows) / (len(sources) * count[r.source]) for r in rows])


SEEDS = (0, 1, 2, 3, 4)
"""Boosted models fitted on different subsamples, their scores averaged (bagging). One model's
leaves follow its random subsamples, so any change to the rows (a feature, a source, BM25's
lengths) moved borderline questions by one to eight a set either way (BENCHMARKS.md, every refit
since 2026-12-03); the mean of five moves less (measured in BENCHMARKS.md, 2026-12-06)."""


class Bagged:
    """Gradient-boosted models of the same rows with different seeds; the mean of their scores."""

    def __init__(self, seeds: Sequence[int] = SEEDS) -> None:
        """One unfitted model per seed."""
        from sklearn.ensemble import GradientBoostingClassifier

        self.models = [GradientBoostingClassifier(random_state=s, **TREES) for s in seeds]

    def fit(self, x: Any, y: Any, sample_weight: Any) -> Bagged:
        """Fit every model on the same rows."""
        for model in self.models:
            model.fit(x, y, sample_weight=sample_weight)
        return self

    def decision_function(self, x: Any) -> Any:
        """The mean of the models' raw scores."""
        return sum(m.decision_function(x) for m in self.models) / len(self.models)


def out_of_fold(rows: Sequence[Row], features: Sequence[str] = FEATURES) -> list[float]:
    """Raw scores of each row from a model fitted without its question (grouped 5-fold)."""
    import numpy as np
    from sklearn.model_selection import GroupKFold

    x, y, weight = _matrix(rows, features), np.array([r.answerable for r in rows]), _weights(rows)
    # A question and its generated negative stay in one fold.
    groups = np.array([f"{r.source}:{r.qid}" for r in rows])
    scores = np.zeros(len(rows))
    for train_rows, test_rows in GroupKFold(n_splits=FOLDS).split(x, y, groups):
        model = Bagged().fit(x[train_rows], y[train_rows], sample_weight=weight[train_rows])
        scores[test_rows] = model.decision_function(x[test_rows])
    return [float(v) for v in scores]


def held_out_sources(rows: Sequence[Row]) -> dict[str, list[float]]:
    """Raw scores of each source's rows from a model fitted on the other sources only."""
    import numpy as np

    x, y, weight = _matrix(rows), np.array([r.answerable for r in rows]), _weights(rows)
    family = np.array([r.source.split("-")[0] for r in rows])  # seminar-vs-news goes with seminar
    out: dict[str, list[float]] = {}
    for name in sorted(set(family)):
        test = family == name
        model = Bagged().fit(x[~test], y[~test], sample_weight=weight[~test])
        out[name] = [float(v) for v in model.decision_function(x[test])]
    return out


def platt(scores: Sequence[float], rows: Sequence[Row]) -> tuple[float, float]:
    """Platt scaling: the logistic fit of the labels on the scores, sources weighted equally."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    fitted = LogisticRegression(C=1e6, max_iter=2000).fit(
        np.asarray(scores)[:, None], [r.answerable for r in rows], sample_weight=_weights(rows)
    )
    return float(fitted.coef_[0][0]), float(fitted.intercept_[0])


def export(
    model: Bagged, calibration: tuple[float, float], trained_on: dict[str, Any]
) -> dict[str, Any]:
    """The fitted boosted trees as the JSON that ``AnswerabilityModel`` reads."""
    import numpy as np

    trees = []
    for estimator in (e for m in model.models for e in m.estimators_[:, 0]):
        tree = estimator.tree_
        trees.append(
            {
                "feature": tree.feature.tolist(),
                "threshold": [float(v) for v in tree.threshold],
                "left": tree.children_left.tolist(),
                "right": tree.children_right.tolist(),
                "value": [float(v) for v in tree.value[:, 0, 0]],
            }
        )
    # The mean of the models is one forest: every tree at the rate over the number of models,
    # after the mean of their starting scores.
    probe = np.zeros((1, len(FEATURES)))
    inits = []
    for member in model.models:
        tree_sum = sum(float(e.predict(probe)[0]) for e in member.estimators_[:, 0])
        inits.append(float(member.decision_function(probe)[0]) - member.learning_rate * tree_sum)
    (rate,) = {float(member.learning_rate) for member in model.models}
    learning_rate = rate / len(model.models)
    init = sum(inits) / len(inits)
    return {
        "format": 2,
        "kind": (
            "gradient-boosted trees (scikit-learn), five seeds averaged, "
            "Platt-calibrated on out-of-fold scores"
        ),
        "features": list(FEATURES),
        "init": init,
        "learning_rate": learning_rate,
        "platt": list(calibration),
        "trained_on": trained_on,
        "trees": trees,
    }


def summary(
    rows: Sequence[Row], scores: Sequence[float], held_out: dict[str, list[float]]
) -> dict[str, Any]:
    """AUROC per source on its original questions (and with the generated negatives)."""
    from seminar_qa.evaluation.metrics import auroc

    table: dict[str, Any] = {}
    family = [r.source.split("-")[0] for r in rows]
    for name in sorted(set(family)):
        members = [i for i, f in enumerate(family) if f == name]
        original = [i for i in members if rows[i].kind not in GENERATED and rows[i].source == name]
        held = dict(zip(members, held_out[name], strict=True))
        table[name] = {
            "rows": len(members),
            "answerable": sum(rows[i].answerable for i in members),
            "auroc_original_grouped_cv": auroc(
                [scores[i] for i in original], [rows[i].answerable for i in original]
            ),
            "auroc_all_grouped_cv": auroc(
                [scores[i] for i in members], [rows[i].answerable for i in members]
            ),
            "auroc_original_source_held_out": auroc(
                [held[i] for i in original], [rows[i].answerable for i in original]
            ),
        }
    return table


def fit(rows: Sequence[Row]) -> tuple[dict[str, Any], list[float]]:
    """Fit the shipped model on every row; return its JSON and the out-of-fold probabilities."""
    import numpy as np

    scores = out_of_fold(rows)
    a, b = platt(scores, rows)
    held_out = held_out_sources(rows)
    x, y = _matrix(rows), np.array([r.answerable for r in rows])
    model = Bagged().fit(x, y, sample_weight=_weights(rows))
    trained_on = {
        "sources": {
            s: sum(1 for r in rows if r.source == s) for s in sorted({r.source for r in rows})
        },
        "label": (
            "answerable question (generated negatives: asked without their gold document, "
            "edited to look answerable, asked of another set's index)"
        ),
        "validation": "eval/validation_questions.jsonl is never used",
        "cross_validation": summary(rows, scores, held_out),
    }
    probabilities = [1.0 / (1.0 + math.exp(-(a * v + b))) for v in scores]
    return export(model, (a, b), trained_on), probabilities


def main(argv: list[str] | None = None) -> int:
    """Collect (or reuse) the rows, fit, report and write the model."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--reuse", action="store_true", help="reuse build/answerability/rows.jsonl")
    args = parser.parse_args(argv)
    rows = collected_or_reused(WORK / "rows.jsonl", args.reuse, collect, load_rows)
    model, probabilities = fit(rows)
    with (WORK / "out_of_fold.jsonl").open("w", encoding="utf-8") as handle:
        for row, probability in zip(rows, probabilities, strict=True):
            handle.write(json.dumps({**row.to_json(), "probability": probability}) + "\n")
    MODEL.write_text(json.dumps(model, separators=(",", ":")) + "\n", encoding="utf-8")
    print(json.dumps(model["trained_on"], indent=1))
    print(f"wrote {MODEL} ({len(model['trees'])} trees)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
