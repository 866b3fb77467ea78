"""What carried the answerability score, and the trade-off it offers.

``python -m seminar_qa.answerability.report`` (after ``make answerability``) reads the cached rows
and out-of-fold probabilities in ``build/answerability`` and prints:

- the ablation: the question-grouped 5-fold AUROC on each source's original questions with each
  group of features left out (the model refitted without it);
- the trade-off: at each threshold, the share of answerable and of unanswerable questions of each
  source below it (the out-of-fold probabilities of the shipped configuration).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from seminar_qa.answerability.features import FEATURES
from seminar_qa.answerability.rows import GENERATED, WORK, Row, load_rows
from seminar_qa.answerability.train import out_of_fold
from seminar_qa.evaluation.metrics import auroc

GROUPS: dict[str, tuple[str, ...]] = {
    "model cosines": tuple(
        f for f in FEATURES if f.startswith(("e5", "minilm", "use")) and not f.endswith("margin")
    ),
    "margins to the next passage": ("e5_margin", "fused_margin"),
    "word coverage and BM25": ("coverage", "sentence_coverage", "bigram_coverage", "bm25_share"),
    "missing words, names, numbers": (
        "missing_idf",
        "missing_share",
        "has_names",
        "missing_names",
        "names_missing_sentence",
        "numbers_missing",
    ),
    "answer type": ("type_asked", "type_missing_sentence", "type_missing_passage"),
    "negation, antonyms, language, length": (
        "negation_asked",
        "negation_stated",
        "antonym",
        "zh",
        "question_terms",
    ),
}
"""Feature groups for the ablation; together they are every feature."""
SOURCES = ("squad2", "clapnq", "seminar")
THRESHOLDS = (0.05, 0.08, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8)


def original_auroc(rows: Sequence[Row], scores: Sequence[float], source: str) -> float | None:
    """AUROC on a source's own questions (without the generated negatives)."""
    chosen = [i for i, r in enumerate(rows) if r.source == source and r.kind not in GENERATED]
    return auroc([scores[i] for i in chosen], [rows[i].answerable for i in chosen])


def ablation(rows: Sequence[Row]) -> list[tuple[str, list[float | None]]]:
    """AUROC per source with all features, then with each group left out."""
    table = [("all features", [original_auroc(rows, out_of_fold(rows), s) for s in SOURCES])]
    for name, group in GROUPS.items():
        kept = [f for f in FEATURES if f not in group]
        scores = out_of_fold(rows, kept)
        table.append((f"without {name}", [original_auroc(rows, scores, s) for s in SOURCES]))
    return table


def trade_off(path: str) -> list[str]:
    """Lines of the threshold table from the out-of-fold probabilities at ``path``."""
    with open(path, encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    # The original questions of the sets that have unanswerable ones; XQuAD and CMRC with their
    # generated negatives (marked +).
    columns: dict[str, tuple[str, bool]] = {
        "squad2": ("squad2", True),
        "clapnq": ("clapnq", True),
        "seminar": ("seminar", True),
        "xquad+": ("xquad", False),
        "cmrc+": ("cmrc", False),
    }
    lines = [
        "threshold  " + "".join(f"{n:>14s}" for n in columns) + "   answerable / unanswerable below"
    ]
    for threshold in THRESHOLDS:
        cells = []
        for source, original_only in columns.values():
            chosen = [
                r
                for r in rows
                if r["source"] == source and not (original_only and r["kind"] in GENERATED)
            ]
            shares = []
            for answerable in (True, False):
                side = [r for r in chosen if r["answerable"] == answerable]
                below = sum(r["probability"] < threshold for r in side)
                shares.append(f"{below / len(side):.2f}" if side else "  - ")
            cells.append(" / ".join(shares))
        lines.append(f"{threshold:9.2f}  " + "".join(f"{c:>14s}" for c in cells))
    return lines


def main(argv: list[str] | None = None) -> int:
    """Print the ablation (unless ``--no-ablation``) and the trade-off."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--no-ablation", action="store_true", help="only the trade-off table")
    args = parser.parse_args(argv)
    if not (WORK / "rows.jsonl").is_file():
        print("no build/answerability/rows.jsonl: run `make answerability` first", file=sys.stderr)
        return 1
    if not args.no_ablation:
        print(f"{'question-grouped 5-fold AUROC':34s}" + "".join(f"{s:>9s}" for s in SOURCES))
        for name, values in ablation(load_rows(WORK / "rows.jsonl")):
            print(f"{name:34s}" + "".join(f"{v or 0:9.3f}" for v in values))
        print()
    print("\n".join(trade_off(str(WORK / "out_of_fold.jsonl"))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
