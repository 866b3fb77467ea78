#!/usr/bin/env python
"""Evaluate the question sets against the seminar corpus mixed with 300 BBC news distractors.

The news articles make retrieval harder: a question must find its seminar passage among many
unrelated ones, and unanswerable questions meet plausible-looking news. Only passages of the
seminar corpus count as relevant.

The mixed corpus is copied into ``build/distractor-corpus`` (never into ``corpus/``) and indexed
into ``build/distractor-index``; a later run reuses that index while it is current.

Run:  .venv/bin/python bench/distractor_eval.py [--rebuild] [-k 10]
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script

from bench import folder_missing
from seminar_qa.answering import Assistant
from seminar_qa.errors import SeminarQAError
from seminar_qa.evaluation import evaluate_questions, load_questions
from seminar_qa.index import SeminarIndex
from seminar_qa.pipeline import build_index, index_status
from seminar_qa.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_NEWS = ROOT.parent / "shared" / "bench" / "bbc-news"
DEFAULT_WORK = ROOT / "build"
QUESTION_SETS = tuple(
    ROOT / "eval" / name
    for name in ("dev_questions.jsonl", "seminar_questions.jsonl", "validation_questions.jsonl")
)
NEWS_FOLDER = "bbc-news"


def select_news(news_dir: Path, count: int = 300, step: int = 7) -> list[Path]:
    """Every ``step``-th article of the sorted category files, the first ``count`` of them."""
    return sorted(news_dir.glob("*/*.txt"))[::step][:count]


def assemble_corpus(corpus_dir: Path, news: list[Path], news_dir: Path, target: Path) -> None:
    """Fill ``target`` with the seminar corpus and, under ``bbc-news/``, the chosen articles."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(corpus_dir, target)
    for article in news:
        destination = target / NEWS_FOLDER / article.relative_to(news_dir)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(article, destination)


def main(argv: list[str] | None = None) -> int:
    """Build (or reuse) the distractor index and print the evaluation tables."""
    try:
        return run(argv)
    except SeminarQAError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


def run(argv: list[str] | None = None) -> int:
    """Parse arguments, then build or reuse the index and evaluate; errors propagate."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rebuild", action="store_true", help="rebuild even if current")
    parser.add_argument("--news", type=Path, default=DEFAULT_NEWS, help="BBC news folder")
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK, help="where to build")
    parser.add_argument("--count", type=int, default=300, help="how many news articles")
    parser.add_argument("-k", type=int, default=10, help="passages judged per question")
    parser.add_argument("--embedder", default=None, help="embedders (default: as the CLI)")
    args = parser.parse_args(argv)

    if folder_missing(args.news, "Distractor run", "BBC news folder", "--news"):
        return 0
    news = select_news(args.news, args.count)
    corpus = args.work / "distractor-corpus"
    settings = Settings.from_env(corpus, args.work / "distractor-index", args.embedder)
    assemble_corpus(ROOT / "corpus", news, args.news, corpus)

    status = index_status(settings)
    if args.rebuild or status.state != "current":
        print(f"Building the distractor index ({status.state}) with {len(news)} articles ...")
        print(build_index(settings).summary())
    else:
        print(f"Reusing the distractor index at {settings.index_dir} (current).")

    index = SeminarIndex.load(settings.index_dir)
    assistant = Assistant(index)
    seminar_docs = {d for d in index.documents if not d.startswith(f"{NEWS_FOLDER}/")}
    print(
        f"{len(index)} passages: {len(seminar_docs)} seminar document(s) and "
        f"{len(index.documents) - len(seminar_docs)} news articles; relevant only: seminar.\n"
    )
    for path in QUESTION_SETS:
        report = evaluate_questions(
            assistant, load_questions(path), args.k, relevant_docs=seminar_docs
        )
        print(report.table(title=f"{path.relative_to(ROOT)} + {len(news)} BBC distractors"))
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
