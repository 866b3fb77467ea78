"""Fit the answerability model: `make answerability` (this module, run with `python -m`).

Training data, all read where it lies (nothing is copied into the project):

- the development splits in ``../shared/eval/external`` (SQuAD 2.0, ClapNQ, XQuAD in English and
  Chinese, CMRC 2018), each asked of an index of its own corpus;
- generated negatives: every answerable question of those sets asked again with its gold
  document left out of the search (the same article's other paragraphs stay), labelled
  unanswerable;
- the project's own ``eval/dev_questions.jsonl``, ``eval/seminar_questions.jsonl`` and
  ``eval/near_domain_questions.jsonl`` against the seminar index, and their answerable
  questions asked of 300 BBC news articles without the report (``build/distractor-index``, when
  ``../shared/bench/bbc-news`` is there), labelled unanswerable.
  ``eval/validation_questions.jsonl`` is never used: it stays the independent check.

A question's label is whether it is answerable. The features of every question are cached in
``build/answerability/rows.jsonl``; the model is gradient-boosted trees (scikit-learn), with
Platt scaling fitted on out-of-fold scores, written as plain JSON to
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
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seminar_qa.answerability.features import FEATURES

ROOT = Path(__file__).resolve().parents[3]
EXTERNAL = ROOT.parent / "shared" / "eval" / "external"
NEWS = ROOT.parent / "shared" / "bench" / "bbc-news"
WORK = ROOT / "build" / "answerability"
MODEL = Path(__file__).resolve().parent / "model.json"
OWN_SETS = ("dev_questions.jsonl", "seminar_questions.jsonl", "near_domain_questions.jsonl")
EXTERNAL_SETS = ("squad2", "clapnq", "xquad", "cmrc")


@dataclass(frozen=True)
class Row:
    """One training example: a question's features, its label and where it comes from."""

    source: str
    group: str
    qid: str
    lang: str
    kind: str
    answerable: bool
    features: dict[str, float]
    top_answers: bool | None = None
    """Whether the top passage holds an answer string (None: the question has none)."""

    def to_json(self) -> dict[str, Any]:
        """One line of ``rows.jsonl``."""
        return self.__dict__.copy()


def extract(source: str, index_dir: Path, questions_path: Path, *, negatives: bool) -> list[Row]:
    """Features of every question of ``questions_path`` asked of the index at ``index_dir``.

    With ``negatives``, every answerable question with a gold document is asked again with that
    document left out, and labelled unanswerable, unless the passage then found first holds an
    answer string anyway (another paragraph of the article may answer it too).
    """
    from seminar_qa.answering import Assistant
    from seminar_qa.evaluation import load_questions
    from seminar_qa.index import SeminarIndex

    assistant = Assistant(SeminarIndex.load(index_dir))
    documents = list(assistant.index.documents)
    rows: list[Row] = []
    for question in load_questions(questions_path):
        asked: list[tuple[bool, list[str] | None, str]] = [
            (question.answerable, None, question.kind or "")
        ]
        if negatives and question.gold:
            others = [d for d in documents if not question.in_gold(d)]
            asked.append((False, others, "gold left out"))
        for answerable, within, kind in asked:
            ranking, features = assistant.inspect(question.question, documents=within)
            if features is None:
                continue
            top = ranking.hits[0].passage.doc_id
            holds = question.answered_by(ranking.hits[0].passage.text) if question.answers else None
            if within is not None and holds:
                continue
            rows.append(
                Row(
                    source=source,
                    group=question.gold[0] if question.gold else top,
                    qid=question.qid,
                    lang=question.lang or "en",
                    kind=kind,
                    answerable=answerable,
                    features=features,
                    top_answers=holds,
                )
            )
    return rows


def news_negatives(index_dir: Path, questions_path: Path) -> list[Row]:
    """The answerable seminar questions asked of the news articles alone: unanswerable there."""
    from seminar_qa.answering import Assistant
    from seminar_qa.evaluation import load_questions
    from seminar_qa.index import SeminarIndex

    assistant = Assistant(SeminarIndex.load(index_dir))
    news = [d for d in assistant.index.documents if d.startswith("bbc-news/")]
    rows = []
    for question in load_questions(questions_path):
        if not question.answerable:
            continue
        _, features = assistant.inspect(question.question, documents=news)
        if features is not None:
            rows.append(
                Row(
                    "seminar-vs-news",
                    f"news:{question.qid}",
                    question.qid,
                    question.lang or "en",
                    "asked of news",
                    False,
                    features,
                )
            )
    return rows


def external_index(name: str) -> Path:
    """Build (or reuse) the index of an external set; return its folder."""
    from seminar_qa.pipeline import build_index, index_status
    from seminar_qa.settings import Settings

    settings = Settings.from_env(
        EXTERNAL / name / "corpus", ROOT / "build" / "external" / name / "index"
    )
    if index_status(settings).state != "current":
        print(f"building the {name} index ...", file=sys.stderr, flush=True)
        build_index(settings)
    return settings.index_dir


def seminar_indexes(*, news: bool = True) -> tuple[Path, Path | None]:
    """The seminar index and the seminar + 300 news index (None without the news articles).

    ``news=False`` skips the second (None).
    """
    from seminar_qa.pipeline import build_index, index_status
    from seminar_qa.settings import Settings

    seminar = Settings.from_env(ROOT / "corpus", ROOT / "build" / "answerability" / "seminar-index")
    if index_status(seminar).state != "current":
        build_index(seminar)
    if not news or not NEWS.is_dir():
        return seminar.index_dir, None
    sys.path.insert(0, str(ROOT))
    from bench.distractor_eval import assemble_corpus, select_news

    corpus = ROOT / "build" / "distractor-corpus"
    assemble_corpus(ROOT / "corpus", select_news(NEWS), NEWS, corpus)
    mixed = Settings.from_env(corpus, ROOT / "build" / "distractor-index")
    if index_status(mixed).state != "current":
        print("building the distractor index ...", file=sys.stderr, flush=True)
        build_index(mixed)
    return seminar.index_dir, mixed.index_dir


def collect() -> Iterator[Row]:
    """Every training row, source by source (see the module docstring)."""
    for name in EXTERNAL_SETS:
        if (EXTERNAL / name / "questions.jsonl").is_file():
            print(f"features: {name} ...", file=sys.stderr, flush=True)
            yield from extract(
                name, external_index(name), EXTERNAL / name / "questions.jsonl", negatives=True
            )
        else:
            print(f"skipped {name}: no {EXTERNAL / name}", file=sys.stderr)
    seminar, mixed = seminar_indexes()
    for file_name in OWN_SETS:
        print(f"features: {file_name} ...", file=sys.stderr, flush=True)
        yield from extract("seminar", seminar, ROOT / "eval" / file_name, negatives=False)
        if mixed is not None:
            yield from news_negatives(mixed, ROOT / "eval" / file_name)


def load_rows(path: Path) -> list[Row]:
    """Rows cached by an earlier run."""
    with path.open(encoding="utf-8") as handle:
        return [Row(**json.loads(line)) for line in handle if line.strip()]


# ------------------------------------------------------------------------------------------
# Fitting

# Gradient boosting, small and slow-learning: 200 trees of depth 3 at rate 0.05 with 80%
# subsamples. Chosen over a logistic regression on the same rows (question-grouped 5-fold
# AUROC on the original questions: SQuAD 2.0 .61 vs .56, ClapNQ .90 vs .83, seminar .77 vs .73);
# deeper trees or more of them changed none of these by more than .01.
TREES = {"n_estimators": 200, "max_depth": 3, "learning_rate": 0.05, "subsample": 0.8}
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


def _boosted(seed: int = 0) -> Any:
    from sklearn.ensemble import GradientBoostingClassifier

    return GradientBoostingClassifier(random_state=seed, **TREES)


def out_of_fold(rows: Sequence[Row], features: Sequence[str] = FEATURES) -> list[float]:
    """Raw scores of each row from a model fitted without its question (grouped 5-fold)."""
    import numpy as np
    from sklearn.model_selection import GroupKFold

    x, y, weight = _matrix(rows, features), np.array([r.answerable for r in rows]), _weights(rows)
    # A question and its generated negative stay in one fold.
    groups = np.array([f"{r.source}:{r.qid}" for r in rows])
    scores = np.zeros(len(rows))
    for train_rows, test_rows in GroupKFold(n_splits=FOLDS).split(x, y, groups):
        model = _boosted().fit(x[train_rows], y[train_rows], sample_weight=weight[train_rows])
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
        model = _boosted().fit(x[~test], y[~test], sample_weight=weight[~test])
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
    model: Any, calibration: tuple[float, float], trained_on: dict[str, Any]
) -> dict[str, Any]:
    """The fitted boosted trees as the JSON that ``AnswerabilityModel`` reads."""
    import numpy as np

    trees = []
    for estimator in model.estimators_[:, 0]:
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
    probe = np.zeros((1, len(FEATURES)))
    learning_rate = float(model.learning_rate)
    tree_sum = sum(float(e.predict(probe)[0]) for e in model.estimators_[:, 0])
    init = float(model.decision_function(probe)[0]) - learning_rate * tree_sum
    return {
        "format": 2,
        "kind": "gradient-boosted trees (scikit-learn), Platt-calibrated on out-of-fold scores",
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
        original = [
            i for i in members if rows[i].kind != "gold left out" and rows[i].source == name
        ]
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
    model = _boosted().fit(x, y, sample_weight=_weights(rows))
    trained_on = {
        "sources": {
            s: sum(1 for r in rows if r.source == s) for s in sorted({r.source for r in rows})
        },
        "label": "answerable question (generated negatives: asked without their gold document)",
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
    WORK.mkdir(parents=True, exist_ok=True)
    cache = WORK / "rows.jsonl"
    started = time.perf_counter()
    if args.reuse and cache.is_file():
        rows = load_rows(cache)
    else:
        rows = list(collect())
        with cache.open("w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row.to_json(), ensure_ascii=False) + "\n")
    print(f"{len(rows)} rows in {time.perf_counter() - started:.0f} s", file=sys.stderr)
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
