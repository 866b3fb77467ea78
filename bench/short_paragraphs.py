#!/usr/bin/env python
"""CMRC's paragraphs cut into short ones, as Chinese reports are written, for ``external_eval.py``.

A Chinese news report runs to many paragraphs of one or two sentences; CMRC's development split
(``../shared/eval/external/cmrc``) is one Wikipedia paragraph a file, so it never shows how such a
report is cut into passages. This writes each of its paragraphs as a document of two-sentence
paragraphs (the title kept; sentences found by the product's own ``chunking.sentence_spans``),
with the same questions and answers (kind "cmrc-paragraphs"), to
``build/derived/cmrc-paragraphs/`` (git-ignored).

Run:  .venv/bin/python bench/short_paragraphs.py [--external DIR]
then: .venv/bin/python bench/external_eval.py --external build/derived
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: `bench` is importable as a package

from bench import derive_questions, folder_missing  # noqa: E402
from seminar_qa.chunking import sentence_spans  # noqa: E402

DEFAULT_EXTERNAL = ROOT.parent / "shared" / "eval" / "external"
DERIVED = ROOT / "build" / "derived"
SENTENCES = 2
"""Sentences a paragraph: a Chinese report's paragraph holds one to three."""


def short_paragraphs(text: str, sentences: int = SENTENCES) -> str:
    """``text`` (a title, a blank line, a paragraph) with its paragraph cut every ``sentences``."""
    title, _, body = text.partition("\n\n")
    spans = sentence_spans(body)
    parts = [body[s.start : s.end] for s in spans]
    paragraphs = ["".join(parts[i : i + sentences]) for i in range(0, len(parts), sentences)]
    return "\n\n".join([title, *paragraphs]) + "\n"


def _renamed(row: dict[str, Any]) -> dict[str, Any]:
    """A question row of the derived set: its kind names it."""
    return {**row, "kind": f"{row.get('kind', '')}-paragraphs"}


def write_set(source: Path, target: Path) -> int:
    """Write ``source``'s paragraphs cut short, and its questions, to ``target``; the documents."""
    if target.exists():
        shutil.rmtree(target)
    (target / "corpus").mkdir(parents=True)
    paths = sorted((source / "corpus").glob("*.txt"))
    for path in paths:
        text = short_paragraphs(path.read_text(encoding="utf-8"))
        (target / "corpus" / path.name).write_text(text, encoding="utf-8")
    derive_questions(source, target, _renamed)
    (target / "SOURCE.md").write_text(
        f"Made by bench/short_paragraphs.py from {source}: each paragraph cut every"
        f" {SENTENCES} sentences.\n",
        encoding="utf-8",
    )
    return len(paths)


def main(argv: list[str] | None = None) -> int:
    """Write the set when CMRC is there; say so when it is not."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--external", type=Path, default=DEFAULT_EXTERNAL, help="the sets' folder")
    args = parser.parse_args(argv)
    if folder_missing(args.external, "Short paragraphs", "question sets", "--external"):
        return 0
    source = args.external / "cmrc"
    if not (source / "questions.jsonl").is_file():
        print(f"cmrc: not in {args.external}; skipped", file=sys.stderr)
        return 0
    count = write_set(source, DERIVED / "cmrc-paragraphs")
    print(f"cmrc-paragraphs: {count} documents -> {DERIVED / 'cmrc-paragraphs'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
