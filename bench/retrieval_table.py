"""Hit@1/Hit@3 of each retriever alone, their RRF, and the shipped fusion, per question set.

"fusion, passages only" is the shipped fusion without the sentence-level and title scores (the
design before they were added), "+ best sentences" adds the sentence-level scores, and "shipped
fusion" adds the document-title score too, so the table shows what each adds.

Reproduces the retrieval issue's comparison table on the project's own question sets, over the
main index (seminar only) and the distractor index of bench/distractor_eval.py (seminar + 300 BBC
articles). Usage: python bench/retrieval_table.py [INDEX_DIR ...]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from seminar_qa.evaluation import load_questions
from seminar_qa.index import SeminarIndex
from seminar_qa.policy import DEFAULT_POLICY, SENTENCE, TITLE, sentence_signal
from seminar_qa.retrieval import prepare_question
from seminar_qa.retrieval.fusion import fuse, score_passages
from seminar_qa.text import fold
from seminar_qa.tokenization import base_tokens

ROOT = Path(__file__).resolve().parent.parent
SETS = ("dev_questions.jsonl", "seminar_questions.jsonl", "validation_questions.jsonl")


def rank_of(scores: np.ndarray, relevant: np.ndarray) -> int:
    """1-based rank of the first relevant passage (a large number when none)."""
    order = np.argsort(-scores, kind="stable")
    found = np.nonzero(relevant[order])[0]
    return int(found[0]) + 1 if len(found) else 10**6


def rrf(rankings: list[np.ndarray], k: int = 60) -> np.ndarray:
    """Reciprocal rank fusion of several score arrays."""
    total = np.zeros(len(rankings[0]))
    for scores in rankings:
        order = np.argsort(-scores, kind="stable")
        ranks = np.empty(len(scores))
        ranks[order] = np.arange(1, len(scores) + 1)
        total += 1.0 / (k + ranks)
    return total


def main(argv: list[str]) -> int:
    """Print one table per index."""
    for directory in argv or [str(ROOT / "index"), str(ROOT / "build" / "distractor-index")]:
        index = SeminarIndex.load(Path(directory))
        seminar = np.array([not p.doc_id.startswith("bbc-news/") for p in index.passages])
        print(f"\n{directory}: {len(index)} passages")
        print(f"{'method':26s}" + "".join(f"{s.split('_')[0]:>22s}" for s in SETS))
        rows: dict[str, list[str]] = {}
        pooled: dict[str, list[tuple[str, int]]] = {}
        for name in SETS:
            questions = [q for q in load_questions(ROOT / "eval" / name) if q.answers]
            prepared = [prepare_question(q.question).text for q in questions]
            ranks: dict[str, list[int]] = {}
            scored = score_passages(index, prepared, DEFAULT_POLICY)
            for question, scores in zip(questions, scored, strict=True):
                relevant = seminar & np.array(
                    [any(fold(a) in fold(p.text) for a in question.answers) for p in index.passages]
                )
                weights = DEFAULT_POLICY.weights(scores.language, index.model_names)
                components = scores.all_components()
                plain = index.lexical.scores(base_tokens(question.question, search_mode=True))
                methods = {
                    "BM25 (jieba, no bridges)": plain,
                    "BM25 + pinyin + CEDICT": components["bm25"],
                    **{f"{m} dense": components[m] for m in ("minilm", "e5") if m in components},
                    "RRF of all three": rrf(
                        [
                            plain,
                            *[components[m] for m in ("minilm", "e5") if m in components],
                        ]
                    ),
                    **{
                        f"{m} best sentence": components[sentence_signal(m)]
                        for m in ("minilm", "e5")
                        if sentence_signal(m) in components
                    },
                    "fusion, passages only": fuse(
                        components,
                        {n: w for n, w in weights.items() if not n.endswith((SENTENCE, TITLE))},
                    ),
                    "+ best sentences": fuse(
                        components,
                        {n: w for n, w in weights.items() if not n.endswith(TITLE)},
                    ),
                    "shipped fusion": scores.fused,
                }
                for method, values in methods.items():
                    ranks.setdefault(method, []).append(rank_of(values, relevant))
                    pooled.setdefault(method, []).append((scores.language, ranks[method][-1]))
            for method, found_ranks in ranks.items():
                array = np.array(found_ranks)
                rows.setdefault(method, []).append(
                    f"{np.mean(array == 1):.2f} / {np.mean(array <= 3):.2f} (n={len(array)})"
                )
        for method, cells in rows.items():
            print(f"{method:26s}" + "".join(f"{c:>22s}" for c in cells))
        print_pooled(pooled)
    return 0


def print_pooled(pooled: dict[str, list[tuple[str, int]]]) -> None:
    """All sets together, as the issue's table: Hit@1 overall, English, Chinese; Hit@3."""
    first = next(iter(pooled.values()), [])
    counts = {lang: sum(1 for q, _ in first if q == lang) for lang in ("en", "zh")}
    print(f"\nall sets pooled ({len(first)} questions: {counts['en']} en, {counts['zh']} zh)")
    print(f"{'method':26s}{'Hit@1 all':>12s}{'Hit@1 en':>12s}{'Hit@1 zh':>12s}{'Hit@3 all':>12s}")
    for method, found in pooled.items():
        every = np.array([rank for _, rank in found])
        cells = [np.mean(every == 1)]
        for lang in ("en", "zh"):
            part = np.array([rank for q, rank in found if q == lang])
            cells.append(np.mean(part == 1) if part.size else float("nan"))
        cells.append(np.mean(every <= 3))
        print(f"{method:26s}" + "".join(f"{c:>12.3f}" for c in cells))


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
