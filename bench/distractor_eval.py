#!/usr/bin/env python
"""Evaluate the question sets against the seminar corpus mixed with 300 BBC news distractors.

The news articles make retrieval harder: a question must find its seminar passage among many
unrelated ones, and unanswerable questions meet plausible-looking news. Only passages of the
seminar corpus count as relevant.

The mixed corpus is copied into ``build/distractor-corpus`` (never into ``corpus/``) and indexed
into ``build/distractor-index``; a later run reuses that index while it is current.

At scale: ``--count 0`` takes all 2,225 articles (10,402 passages with the seminar report), and
``--set NAME`` puts a development split of ``../shared/eval/external`` in the seminar's place
(its questions judged by their gold documents). Those runs build under
``build/distractor-NAME-COUNT`` and take the news vectors from the benchmarks' embedding cache
(``build/bench-cache``, filled by ``bench/run.py --only latency``). ``--scoring full`` scores
every passage whatever the policy says, ``--scoring candidates`` only the retrievers' candidate
lists: the two ways the policy can score an index, compared on one.

Run:  .venv/bin/python bench/distractor_eval.py [--rebuild] [-k 10] [--count 0] [--set xquad]
      [--scoring full]
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script

from bench import folder_missing, reported
from seminar_qa.answering import Assistant
from seminar_qa.evaluation import evaluate_questions, load_questions
from seminar_qa.index import SeminarIndex
from seminar_qa.pipeline import build_index, index_status
from seminar_qa.policy import DEFAULT_POLICY, SearchPolicy
from seminar_qa.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_NEWS = ROOT.parent / "shared" / "bench" / "bbc-news"
DEFAULT_EXTERNAL = ROOT.parent / "shared" / "eval" / "external"
DEFAULT_WORK = ROOT / "build"
BENCH_CACHE = DEFAULT_WORK / "bench-cache"
QUESTION_SETS = tuple(
    ROOT / "eval" / name
    for name in (
        "dev_questions.jsonl",
        "seminar_questions.jsonl",
        "validation_questions.jsonl",
        "visitor_questions.jsonl",
    )
)
NEWS_FOLDER = "bbc-news"


def select_news(news_dir: Path, count: int = 300, step: int = 7) -> list[Path]:
    """Every ``step``-th article of the sorted category files, the first ``count`` of them.

    A ``count`` of 0 takes every article.
    """
    articles = sorted(news_dir.glob("*/*.txt"))
    return articles if count == 0 else articles[::step][:count]


def scoring(policy: SearchPolicy, how: str) -> SearchPolicy:
    """``policy`` with its passages scored as ``how`` says.

    "policy": as the policy says; "full": every passage of any index; "candidates": only the
    retrievers' candidate lists, whatever the index's size.
    """
    if how == "policy":
        return policy
    most = 2**62 if how == "full" else 0
    limits = dataclasses.replace(
        policy.candidates, full_scoring_max_passages=most, full_scoring_max_sentences=most
    )
    return dataclasses.replace(policy, candidates=limits)


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
    return reported(lambda: run(argv))


def run(argv: list[str] | None = None) -> int:
    """Parse arguments, then build or reuse the index and evaluate; errors propagate."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rebuild", action="store_true", help="rebuild even if current")
    parser.add_argument("--news", type=Path, default=DEFAULT_NEWS, help="BBC news folder")
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK, help="where to build")
    parser.add_argument(
        "--count", type=int, default=300, help="how many news articles (0: all of them)"
    )
    parser.add_argument("-k", type=int, default=10, help="passages judged per question")
    parser.add_argument("--embedder", default=None, help="embedders (default: as the CLI)")
    parser.add_argument(
        "--set", default="", help="an external development split instead of the seminar"
    )
    parser.add_argument("--external", type=Path, default=DEFAULT_EXTERNAL, help="the sets' folder")
    parser.add_argument(
        "--scoring",
        choices=("policy", "full", "candidates"),
        default="policy",
        help="passages scored as the policy says, all of them, or the candidate lists only",
    )
    args = parser.parse_args(argv)

    if folder_missing(args.news, "Distractor run", "BBC news folder", "--news"):
        return 0
    if args.set and folder_missing(
        args.external / args.set, "Distractor run", f"set {args.set}", "--external"
    ):
        return 0
    news = select_news(args.news, args.count)
    source = args.external / args.set / "corpus" if args.set else ROOT / "corpus"
    if args.set or args.count != 300:
        name = f"{args.set or 'seminar'}-{args.count or 'all'}"
        corpus, index_dir = args.work / f"distractor-{name}", args.work / f"distractor-{name}-index"
        settings = Settings.from_env(corpus, index_dir, args.embedder).with_(cache_dir=BENCH_CACHE)
    else:
        corpus = args.work / "distractor-corpus"
        settings = Settings.from_env(corpus, args.work / "distractor-index", args.embedder)
    assemble_corpus(source, news, args.news, corpus)

    status = index_status(settings)
    if args.rebuild or status.state != "current":
        print(f"Building the distractor index ({status.state}) with {len(news)} articles ...")
        print(build_index(settings).summary())
    else:
        print(f"Reusing the distractor index at {settings.index_dir} (current).")

    index = SeminarIndex.load(settings.index_dir)
    policy = index.policy or DEFAULT_POLICY
    assistant = Assistant(index, scoring(policy, args.scoring))
    own_docs = {d for d in index.documents if not d.startswith(f"{NEWS_FOLDER}/")}
    what = args.set or "seminar"
    print(
        f"{len(index)} passages: {len(own_docs)} {what} document(s) and "
        f"{len(index.documents) - len(own_docs)} news articles; relevant only: {what}; "
        f"scoring: {args.scoring}.\n"
    )
    paths = [args.external / args.set / "questions.jsonl"] if args.set else QUESTION_SETS
    for path in paths:
        report = evaluate_questions(assistant, load_questions(path), args.k, relevant_docs=own_docs)
        title = path.relative_to(args.external) if args.set else path.relative_to(ROOT)
        print(report.table(title=f"{title} + {len(news)} BBC distractors"))
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
