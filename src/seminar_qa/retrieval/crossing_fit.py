"""Fit the language offsets: `make language-offsets` (this module, run with `python -m`).

Training data, read where it lies: the development split of XQuAD in
``../shared/eval/external/xquad`` (SQuAD questions with their professional Chinese translations;
ids ``<id>-en`` and ``<id>-zh``). For each model with an offset (E5), the offset is the mean of
its vectors of the Chinese questions minus the mean of its vectors of the same questions in
English, written to ``src/seminar_qa/retrieval/language_offsets.json`` with its gap: per signal,
the mean of how much closer each English question than its crossed translation comes to the
passages that answer it (:func:`cosine_gaps`).

How much of the direction to take out (its strength) is chosen on articles it did not see:
fitted on the questions of every other article, it reports how often E5 alone (passage cosine,
best sentence, both added) puts a paragraph holding the answer first for the Chinese questions
of the remaining articles, without the step and at each strength of :data:`STRENGTHS`, over
the XQuAD index (built under ``build/`` the first time); the best of both added is kept.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from seminar_qa.answerability.edits import article_of
from seminar_qa.answerability.rows import EXTERNAL, external_index
from seminar_qa.retrieval.crossing import OFFSETS_FILE, OFFSETS_FORMAT, LanguageOffset
from seminar_qa.retrieval.encoders import model_texts

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from seminar_qa.embedding import Embedder
    from seminar_qa.evaluation import EvalQuestion
    from seminar_qa.index import SeminarIndex

MODELS = ("e5",)
"""The models given an offset: USE's Chinese-question figures fell with one (module doc of
``crossing``)."""


def translated_pairs(questions: Sequence[EvalQuestion]) -> list[tuple[EvalQuestion, EvalQuestion]]:
    """(Chinese, English) questions with the same id stem, in file order."""
    english = {q.qid.removesuffix("-en"): q for q in questions if q.qid.endswith("-en")}
    return [
        (q, english[q.qid.removesuffix("-zh")])
        for q in questions
        if q.qid.endswith("-zh") and q.qid.removesuffix("-zh") in english
    ]


def direction(
    embedder: Embedder, pairs: Sequence[tuple[EvalQuestion, EvalQuestion]]
) -> NDArray[np.float32]:
    """Mean vector of the Chinese questions minus that of their English originals."""
    chinese = embedder.encode_queries(model_texts(embedder, [zh.question for zh, _ in pairs]))
    english = embedder.encode_queries(model_texts(embedder, [en.question for _, en in pairs]))
    return np.asarray(chinese.mean(axis=0) - english.mean(axis=0), dtype=np.float32)


def _article(question: EvalQuestion) -> str:
    """XQuAD's article of a question (gold ``xq-07-03`` -> ``xq-07``)."""
    return article_of(question.gold[0]) if question.gold else ""


def relevant_passages(index: SeminarIndex, question: EvalQuestion) -> NDArray[np.bool_]:
    """Which passages of ``index`` hold an answer to ``question``."""
    return np.array([question.relevance(p) > 0 for p in index.passages])


def first_hit_rates(
    index: SeminarIndex,
    model: str,
    relevance: Sequence[NDArray[np.bool_]],
    vectors: NDArray[np.float32],
) -> dict[str, float]:
    """How often the model alone ranks a passage holding the answer first, three ways.

    ``relevance`` holds, for each question in the order of ``vectors``, its relevant passages.
    """
    dense = next(d for d in index.dense if d.name == model)
    firsts = {"passage": 0, "sentence": 0, "both": 0}
    for relevant, vector in zip(relevance, vectors, strict=True):
        passage = dense.passage_scores(vector)
        sentence = dense.best_sentence_scores(vector)
        for name, scores in (("passage", passage), ("sentence", sentence)):
            firsts[name] += bool(relevant[int(np.argmax(scores))])
        firsts["both"] += bool(relevant[int(np.argmax(passage + sentence))])
    return {name: count / max(1, len(relevance)) for name, count in firsts.items()}


STRENGTHS = (0.5, 0.75, 1.0, 1.25)
"""The shares of the direction tried on held-out articles (see :func:`held_out_check`)."""


def held_out_check(
    index: SeminarIndex, embedder: Embedder, questions: Sequence[EvalQuestion]
) -> dict[float, dict[str, float]]:
    """First-hit rates of Chinese questions on half the articles, the offset fitted on the rest.

    By strength (the share of the direction taken out; 0: without the step), each half of the
    articles tested with the direction of the other half.
    """
    articles = sorted({_article(q) for q in questions})
    halves = [set(articles[0::2]), set(articles[1::2])]
    asked: list[EvalQuestion] = []
    plain: list[NDArray[np.float32]] = []
    directions: list[NDArray[np.float32]] = []
    for fitted, tested in (halves, halves[::-1]):
        seen = [q for q in questions if _article(q) in fitted]
        half = [q for q in questions if _article(q) in tested and q.lang == "zh"]
        fitted_direction = direction(embedder, translated_pairs(seen))
        asked += half
        plain += list(embedder.encode_queries(model_texts(embedder, [q.question for q in half])))
        directions += [fitted_direction] * len(half)
    relevance = [relevant_passages(index, q) for q in asked]  # the same for every strength
    rates = {}
    for strength in (0.0, *STRENGTHS):
        vectors = [
            LanguageOffset(embedder.name, "zh", "en", d, strength, {}).crossed(v)
            for v, d in zip(plain, directions, strict=True)
        ]
        rates[strength] = first_hit_rates(index, embedder.name, relevance, np.stack(vectors))
    return rates


def cosine_gaps(
    index: SeminarIndex,
    embedder: Embedder,
    pairs: Sequence[tuple[EvalQuestion, EvalQuestion]],
    offset: LanguageOffset,
) -> dict[str, float]:
    """Per signal, how much closer an English question is than its crossed translation.

    To the passages that answer it: the mean over ``pairs`` of each one's best cosine over those
    passages, English less Chinese.
    """
    dense = next(d for d in index.dense if d.name == embedder.name)
    english = embedder.encode_queries(model_texts(embedder, [en.question for _, en in pairs]))
    chinese = embedder.encode_queries(model_texts(embedder, [zh.question for zh, _ in pairs]))
    signals = {
        "passage": dense.passage_scores,
        "sentence": dense.best_sentence_scores,
        "title": dense.title_scores,
    }
    gaps: dict[str, list[float]] = {name: [] for name in signals}
    for (_, question), plain, translated in zip(pairs, english, chinese, strict=True):
        relevant = relevant_passages(index, question)
        if not relevant.any():
            continue
        crossed = offset.crossed(translated)
        for name, method in signals.items():
            gaps[name].append(
                float(method(plain)[relevant].max() - method(crossed)[relevant].max())
            )
    return {name: round(float(np.mean(found)), 4) if found else 0.0 for name, found in gaps.items()}


def best_strength(rates: dict[float, dict[str, float]]) -> float:
    """The strength whose passage and best sentence, added, ranked best (the smaller on a tie)."""
    return max(STRENGTHS, key=lambda s: (rates[s]["both"], -s))


def main(argv: list[str] | None = None) -> int:
    """Fit the offsets, report the held-out check, write the JSON file."""
    from seminar_qa.evaluation import load_questions
    from seminar_qa.index import SeminarIndex

    parser = argparse.ArgumentParser(prog="python -m seminar_qa.retrieval.crossing_fit")
    parser.add_argument("--output", type=Path, default=OFFSETS_FILE)
    parser.add_argument(
        "--strength",
        type=float,
        choices=STRENGTHS,
        help="the share of the direction to write (default: the best on held-out articles)",
    )
    args = parser.parse_args(argv)
    source = EXTERNAL / "xquad" / "questions.jsonl"
    if not source.is_file():
        print(f"no {source}: the offsets need XQuAD's development split", file=sys.stderr)
        return 1
    questions = load_questions(source)
    pairs = translated_pairs(questions)
    index = SeminarIndex.load(external_index("xquad"))
    offsets: list[dict[str, Any]] = []
    for dense in index.dense:
        if dense.name not in MODELS:
            continue
        embedder = dense.embedder
        rates = held_out_check(index, embedder, questions)
        for strength, found in rates.items():
            shown = ", ".join(f"{name} {rate:.3f}" for name, rate in found.items())
            print(f"{embedder.name}, held-out Chinese questions, strength {strength}: {shown}")
        strength = best_strength(rates) if args.strength is None else args.strength
        fitted = direction(embedder, pairs)
        offset = LanguageOffset(embedder.name, "zh", "en", fitted, strength, {})
        gap = cosine_gaps(index, embedder, pairs, offset)
        print(f"{embedder.name}, gap of the crossed cosines (English less Chinese): {gap}")
        offsets.append(
            {
                "model": embedder.name,
                "source": "zh",
                "target": "en",
                "strength": strength,
                "direction": [round(float(x), 6) for x in fitted],
                "gap": gap,
                "trained_on": {
                    "set": "XQuAD development split (../shared/eval/external/xquad)",
                    "pairs": len(pairs),
                    "model_id": embedder.model_id,
                    "held_out_first_hit": {str(s): r for s, r in rates.items()},
                },
            }
        )
    args.output.write_text(
        json.dumps({"format": OFFSETS_FORMAT, "offsets": offsets}, indent=1) + "\n",
        encoding="utf-8",
    )
    print(f"wrote {args.output} ({len(offsets)} offset(s) from {len(pairs)} question pairs)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
