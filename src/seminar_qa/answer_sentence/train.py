"""Fit the answer-sentence scorer: `make answer-sentence` (this module, run with `python -m`).

Training data, read where it lies (nothing is copied into the project): every answerable
question with answer strings of the development splits in ``../shared/eval/external`` (XQuAD in
English and Chinese, SQuAD 2.0, ClapNQ, CMRC 2018), each asked of the index of its own corpus,
and of ``eval/dev_questions.jsonl`` and ``eval/seminar_questions.jsonl`` against the seminar
report (``eval/validation_questions.jsonl`` is never used: it stays the independent check).
For each question, every passage of its gold document that holds an answer string gives one row
per sentence, labelled by whether the sentence holds an answer string; passages of one sentence
teach nothing and are left out.

The model is a pairwise logistic regression on standardised features (scikit-learn), with
its own, less regularised, weights for passages of Chinese text: it
learns from the differences between a passage's answer sentences and its other sentences, the
one choice answering makes, with every passage weighing the same within its source and every
source (set and language) weighing the same; its weights are written as plain JSON to
``src/seminar_qa/answer_sentence/model.json``. Five-fold cross-validation grouped by document
(a paragraph and its questions stay in one fold, what a hidden split would see) reports how often
the top-scored sentence holds the answer, beside the rule-based choice the model replaces.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from seminar_qa.answer_sentence.features import CHINESE_TEXT_ONLY, FEATURES, MODELS
from seminar_qa.answer_sentence.model import MODEL_FILE as MODEL
from seminar_qa.answerability.rows import (
    EXTERNAL,
    ROOT,
    collected_or_reused,
    external_index,
    seminar_indexes,
)

WORK = ROOT / "build" / "answer-sentence"
OWN_SETS = ("dev_questions.jsonl", "seminar_questions.jsonl")
EXTERNAL_SETS = ("xquad", "squad2", "clapnq", "cmrc")
FOLDS = 5
# Regularisation, from this module's own grouped cross-validation (2026-12-03, all current
# features): C = 0.3 / 1 / 3 / 10 / 30 gave a mean over the sources of .835 / .840 / .840 / .841
# / .842; CMRC .833 / .844 / .847 / .856 / .856, XQuAD English .825 / .821 / .818 / .819 / .821,
# XQuAD Chinese .787 / .785 / .782 / .784 / .787, ClapNQ .755 / .762 / .762 / .758 / .758, SQuAD
# 2.0 .851 / .857 / .857 / .857 / .857. From 1 up the means are one plateau. C = 10 through the
# product (`bench/external_eval.py`): CMRC marked sentence .843 -> .852, but XQuAD English .819
# -> .815, Chinese .714 -> .712, SQuAD 2.0 .730 -> .724: English loses, so 1 stays. The pointwise
# fit this replaced reached, at its best C = 0.1, CMRC .778, XQuAD .762 / .809 (before the
# characters and local words). Gradient-boosted trees on the pointwise rows did no better
# (XQuAD Chinese .760-.779) and would cost a tree walk per sentence.
C = 1.0
# Passages of Chinese text get their own weights, fitted on the same rows with weaker
# regularisation: their own features (character pairs, single characters, the *zh_passage
# copies) are many and CMRC's 784 passages support them, while English passages lost with C = 10
# (above). Grouped CV of the weights used for Chinese text (all rows, 2026-12-03, fourth
# session): CMRC .844 at C = 1, .855 at C = 10; a fit on Chinese-text passages alone reached
# .846 / .850 / .852 / .852 at C = 1 / 3 / 10 / 30, so the English rows help it too.
C_CHINESE_TEXT = 10.0


@dataclass(frozen=True)
class Passage:
    """The rows of one (question, passage) pair: a sentence each."""

    source: str
    group: str
    qid: str
    lang: str
    rows: list[list[float]]
    labels: list[bool]
    rule_choice: int
    """The sentence the rule-based ``answer_span`` marks (what the model is compared with)."""

    def to_json(self) -> dict[str, Any]:
        """One line of ``rows.jsonl``."""
        return self.__dict__.copy()


def extract(source: str, index_dir: Path, questions_path: Path) -> list[Passage]:
    """The sentence rows of every answerable question of ``questions_path`` (see module doc)."""
    from seminar_qa.evaluation import load_questions
    from seminar_qa.index import SeminarIndex
    from seminar_qa.policy import DEFAULT_POLICY
    from seminar_qa.retrieval.answer_span import (
        analyse_passage,
        answer_span,
        sentence_rows,
        sentence_similarity,
    )
    from seminar_qa.retrieval.fusion import score_passages

    index = SeminarIndex.load(index_dir)
    missing = set(MODELS) - set(index.model_names)
    if missing:
        raise SystemExit(f"{index_dir} has no {', '.join(sorted(missing))} vectors; rebuild it")
    policy = DEFAULT_POLICY
    idf = functools.lru_cache(maxsize=None)(index.lexical.idf)
    questions = [q for q in load_questions(questions_path) if q.answers]
    out: list[Passage] = []
    for question, scores in zip(
        questions, score_passages(index, [q.question for q in questions], policy), strict=True
    ):
        for position in scores.candidates.tolist():
            passage = index.passages[position]
            if question.gold and not question.in_gold(passage.doc_id):
                continue
            if not question.answered_by(passage.text):
                continue
            spans, _, _ = analyse_passage(passage.text)
            labels = [question.answered_by(passage.text[s.start : s.end]) for s in spans]
            if len(spans) < 2 or not any(labels):
                continue
            _, rows = sentence_rows(index, scores, position, question.question, policy, idf, MODELS)
            semantic = sentence_similarity(index, scores, position, policy)
            start, _ = answer_span(
                scores.terms.all,
                passage.text,
                idf,
                question.question,
                policy.answer_sentence,
                None if semantic is None else semantic.tolist(),
                passage.title,
            )
            out.append(
                Passage(
                    source=f"{source}-{question.lang or 'en'}",
                    group=f"{source}:{passage.doc_id}",
                    qid=question.qid,
                    lang=question.lang or "en",
                    rows=rows.tolist(),
                    labels=labels,
                    rule_choice=next(i for i, s in enumerate(spans) if s.start == start),
                )
            )
    return out


def collect() -> Iterator[Passage]:
    """Every training passage, source by source (indexes built when missing or stale)."""
    for name in EXTERNAL_SETS:
        questions = EXTERNAL / name / "questions.jsonl"
        if not questions.is_file():
            print(f"skipped {name}: no {questions}", file=sys.stderr)
            continue
        print(f"sentences: {name} ...", file=sys.stderr, flush=True)
        yield from extract(name, external_index(name), questions)
    seminar, _ = seminar_indexes(news=False)
    for file_name in OWN_SETS:
        print(f"sentences: {file_name} ...", file=sys.stderr, flush=True)
        yield from extract("seminar", seminar, ROOT / "eval" / file_name)


def _arrays(passages: Sequence[Passage]) -> tuple[Any, Any, Any, Any, Any]:
    """Rows, labels, weights, groups and passage numbers.

    A row's weight is its passage's: every source's passages weigh the same in sum.
    """
    sources = sorted({p.source for p in passages})
    per_source = {s: sum(1 for p in passages if p.source == s) for s in sources}
    x = np.array([row for p in passages for row in p.rows], dtype=np.float64)
    y = np.array([label for p in passages for label in p.labels])
    weight = np.array(
        [len(passages) / (len(sources) * per_source[p.source]) for p in passages for _ in p.labels]
    )
    groups = np.array([p.group for p in passages for _ in p.labels])
    owner = np.array([n for n, p in enumerate(passages) for _ in p.labels])
    return x, y, weight, groups, owner


@dataclass(frozen=True)
class _Fitted:
    """Standardisation and pairwise coefficients (no intercept: only differences count)."""

    mean: Any
    scale: Any
    coef: Any

    def scores(self, x: Any) -> Any:
        """Each row's score; within a passage, the higher the likelier its answer sentence."""
        return ((x - self.mean) / self.scale) @ self.coef


def _pairs(x: Any, y: Any, weight: Any, owner: Any) -> tuple[Any, Any, Any]:
    """Each passage's (answer sentence - other sentence) differences, both ways round.

    A passage's pairs share its row weight, so a long passage counts as much as a short one.
    """
    differences, weights = [], []
    for number in np.unique(owner):
        mine = owner == number
        rows, labels = x[mine], y[mine]
        answer, other = rows[labels], rows[~labels]
        if not len(answer) or not len(other):
            continue
        pairs = (answer[:, None, :] - other[None, :, :]).reshape(-1, x.shape[1])
        differences.append(pairs)
        weights.append(np.full(len(pairs), weight[mine][0] / len(pairs)))
    d = np.vstack(differences)
    w = np.concatenate(weights)
    return np.vstack([d, -d]), np.r_[np.ones(len(d)), np.zeros(len(d))], np.r_[w, w]


def _fitted(x: Any, y: Any, weight: Any, owner: Any, c: float = C) -> _Fitted:
    from sklearn.linear_model import LogisticRegression

    mean = x.mean(axis=0)
    spread = x.std(axis=0)
    scale = np.where(spread > 0, spread, 1.0)
    pairs, labels, pair_weight = _pairs((x - mean) / scale, y, weight, owner)
    logistic = LogisticRegression(C=c, fit_intercept=False, max_iter=5000)
    logistic.fit(pairs, labels, sample_weight=pair_weight)
    return _Fitted(mean=mean, scale=scale, coef=logistic.coef_[0])


def accuracy(passages: Sequence[Passage], scores: Any, owner: Any) -> dict[str, dict[str, float]]:
    """Per source: how often the top-scored and the rule-chosen sentence hold an answer."""
    table: dict[str, list[tuple[bool, bool]]] = {}
    for number, passage in enumerate(passages):
        mine = scores[owner == number]
        best = int(np.argmax(mine))
        table.setdefault(passage.source, []).append(
            (passage.labels[best], passage.labels[passage.rule_choice])
        )
    return {
        source: {
            "passages": len(pairs),
            "learned": round(sum(a for a, _ in pairs) / len(pairs), 4),
            "rules": round(sum(b for _, b in pairs) / len(pairs), 4),
        }
        for source, pairs in sorted(table.items())
    }


def chinese_text(passage: Passage) -> bool:
    """Whether the passage's text is Chinese (its rows repeat the base features for it)."""
    column = FEATURES.index("length*zh_passage")  # a sentence's log length: never zero
    return bool(passage.rows) and passage.rows[0][column] != 0.0


def _weights(fitted: _Fitted) -> dict[str, Any]:
    return {
        "mean": fitted.mean.tolist(),
        "scale": fitted.scale.tolist(),
        "coef": fitted.coef.tolist(),
    }


_CHINESE_TEXT_ONLY = [FEATURES.index(name) for name in CHINESE_TEXT_ONLY]


def _other_text(x: Any) -> Any:
    """The rows the weights for text that is not Chinese are fitted on.

    ``CHINESE_TEXT_ONLY`` is set to zero there, so that those weights are zero.
    """
    rows = x.copy()
    rows[:, _CHINESE_TEXT_ONLY] = 0.0
    return rows


def fit(passages: Sequence[Passage]) -> dict[str, Any]:
    """Cross-validate, then fit on every row; return the model's JSON.

    Two sets of weights from the same rows: one for passages of Chinese text (``C_CHINESE_TEXT``)
    and one for every other passage (``C``); each passage is scored, in cross-validation as in
    answering, by the weights of its text's language. The features only Chinese text has
    (``CHINESE_TEXT_ONLY``) are left out of the other weights.
    """
    from sklearn.model_selection import GroupKFold

    x, y, weight, groups, owner = _arrays(passages)
    chinese = np.array([chinese_text(p) for p in passages for _ in p.labels], dtype=bool)
    scores = np.zeros(len(y))
    other = _other_text(x)
    for train, test in GroupKFold(n_splits=FOLDS).split(x, y, groups):
        fitted = _fitted(other[train], y[train], weight[train], owner[train])
        scores[test] = fitted.scores(x[test])
        if chinese[test].any():
            text = _fitted(x[train], y[train], weight[train], owner[train], C_CHINESE_TEXT)
            scores[test] = np.where(chinese[test], text.scores(x[test]), scores[test])
    return {
        "format": 2,
        "kind": "pairwise logistic regression (scikit-learn) on standardised features",
        "models": list(MODELS),
        "features": list(FEATURES),
        **_weights(_fitted(other, y, weight, owner)),
        "intercept": 0.0,
        "C": C,
        "chinese_text": {
            "C": C_CHINESE_TEXT,
            **_weights(_fitted(x, y, weight, owner, C_CHINESE_TEXT)),
        },
        "trained_on": {
            "sources": {
                s: sum(1 for p in passages if p.source == s)
                for s in sorted({p.source for p in passages})
            },
            "label": "the sentence holds an answer string (passages of the gold document)",
            "validation": "eval/validation_questions.jsonl is never used",
            "cross_validation": accuracy(passages, scores, owner),
        },
    }


def load_passages(path: Path) -> list[Passage]:
    """Passages cached by an earlier run."""
    with path.open(encoding="utf-8") as handle:
        return [Passage(**json.loads(line)) for line in handle if line.strip()]


def main(argv: list[str] | None = None) -> int:
    """Collect (or reuse) the rows, fit, report and write the model."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--reuse", action="store_true", help="reuse build/answer-sentence rows")
    args = parser.parse_args(argv)
    passages = collected_or_reused(WORK / "rows.jsonl", args.reuse, collect, load_passages)
    model = fit(passages)
    MODEL.write_text(json.dumps(model, separators=(",", ":")) + "\n", encoding="utf-8")
    print(json.dumps(model["trained_on"], indent=1))
    print(f"wrote {MODEL}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
