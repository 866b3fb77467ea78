#!/usr/bin/env python
"""Evaluate the development splits of public question sets in ``../shared/eval/external``.

Each set's ``corpus/`` (one paragraph a file, read where it lies, never copied into the project)
is indexed into ``build/external/NAME/index`` with the default models (the embedding cache makes
a second run take seconds), and its ``questions.jsonl`` is run through ``seminar-qa eval``'s code:
the gold document and the answer strings decide relevance. The tables are printed; each set's
``eval --json --details`` report is written to ``build/external/NAME/eval.json``.

Run:  .venv/bin/python bench/external_eval.py [--sets xquad,squad2] [--external DIR] [-k 10]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: `bench` is importable as a package

from bench import folder_missing, reported  # noqa: E402
from seminar_qa.answering import Assistant  # noqa: E402
from seminar_qa.evaluation import EvalReport, evaluate_questions, load_questions  # noqa: E402
from seminar_qa.index import SeminarIndex  # noqa: E402
from seminar_qa.pipeline import build_index, index_status  # noqa: E402
from seminar_qa.settings import Settings  # noqa: E402

DEFAULT_EXTERNAL = ROOT.parent / "shared" / "eval" / "external"
WORK = ROOT / "build" / "external"


def available_sets(external: Path) -> list[str]:
    """The sets under ``external`` that have a corpus and a question file, sorted."""
    return sorted(
        p.name
        for p in external.iterdir()
        if (p / "corpus").is_dir() and (p / "questions.jsonl").is_file()
    )


def set_index(external: Path, name: str, *, quiet: bool = False) -> SeminarIndex:
    """The index of set ``name``: built (or rebuilt when stale) under ``build/external``."""
    settings = Settings.from_env(external / name / "corpus", WORK / name / "index")
    state = index_status(settings).state
    if state != "current":
        started = time.perf_counter()
        report = build_index(settings)
        if not quiet:
            seconds = time.perf_counter() - started
            print(f"{name}: built ({state}): {report.summary()} [{seconds:.0f} s]")
    return SeminarIndex.load(settings.index_dir)


def evaluate_set(external: Path, name: str, k: int = 10) -> EvalReport:
    """Build or reuse the index of ``name`` and evaluate its questions; write its JSON report."""
    index = set_index(external, name)
    report = evaluate_questions(
        Assistant(index), load_questions(external / name / "questions.jsonl"), k
    )
    out = WORK / name / "eval.json"
    out.write_text(json.dumps(report.to_json(details=True), ensure_ascii=False), encoding="utf-8")
    return report


def main(argv: list[str] | None = None) -> int:
    """Evaluate every chosen set and print its table."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--external", type=Path, default=DEFAULT_EXTERNAL, help="the sets' folder")
    parser.add_argument("--sets", default="", help="comma-separated set names (default: all)")
    parser.add_argument("-k", type=int, default=10, help="passages judged per question")
    args = parser.parse_args(argv)
    if folder_missing(args.external, "External evaluation", "question sets", "--external"):
        return 0
    names = [s.strip() for s in args.sets.split(",") if s.strip()] or available_sets(args.external)

    def run() -> int:
        for name in names:
            report = evaluate_set(args.external, name, args.k)
            print(report.table(title=f"{name} (development split) against its own index"))
            print()
        return 0

    return reported(run)


if __name__ == "__main__":
    sys.exit(main())
