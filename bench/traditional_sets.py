#!/usr/bin/env python
"""Traditional-Chinese copies of the Chinese development sets, for ``external_eval.py``.

Reports from Taiwan and Hong Kong, and public sets such as DRCD, are written in traditional
characters; the development splits in ``../shared/eval/external`` are simplified. This writes
each Chinese set (CMRC: paragraphs and questions; XQuAD: the Chinese questions over the same
English paragraphs) converted by OpenCC's Taiwan profile with its phrase table (``s2twp``:
头发 -> 頭髮, 软件 -> 軟體), to ``build/derived/NAME-tw/`` (git-ignored). The XQuAD copy holds
questions only: its paragraphs are the English ones, already indexed by ``external_eval.py``.

Run:  .venv/bin/python bench/traditional_sets.py [--external DIR]
then: .venv/bin/python bench/external_eval.py --external build/derived
      .venv/bin/seminar-qa eval build/derived/xquad-tw/questions.jsonl \
          --index build/external/xquad/index
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: `bench` is importable as a package

from bench import derive_questions, folder_missing  # noqa: E402

DEFAULT_EXTERNAL = ROOT.parent / "shared" / "eval" / "external"
DERIVED = ROOT / "build" / "derived"


def convert_set(source: Path, target: Path, *, corpus: bool) -> int:
    """Write ``source``'s Chinese questions and, with ``corpus``, its paragraphs, converted.

    Returns the number of questions written. English questions are left out: they would be the
    same as in the original set.
    """
    import opencc

    converter = opencc.OpenCC("s2twp")
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    if corpus:
        (target / "corpus").mkdir()
        for path in sorted((source / "corpus").iterdir()):
            text = converter.convert(path.read_text(encoding="utf-8"))
            (target / "corpus" / path.name).write_text(text, encoding="utf-8")

    def converted(row: dict[str, Any]) -> dict[str, Any] | None:
        if row.get("lang") != "zh":
            return None
        row["question"] = converter.convert(row["question"])
        if corpus:  # the answer strings are looked up in the (converted) paragraphs
            row["answers"] = [converter.convert(a) for a in row.get("answers", [])]
        row["kind"] = f"{row.get('kind', '')}-tw"
        return row

    count = derive_questions(source, target, converted)
    (target / "SOURCE.md").write_text(
        f"Made by bench/traditional_sets.py from {source} with OpenCC s2twp.\n", encoding="utf-8"
    )
    return count


def main(argv: list[str] | None = None) -> int:
    """Write the traditional copies of the sets that are there; say which are missing."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--external", type=Path, default=DEFAULT_EXTERNAL, help="the sets' folder")
    args = parser.parse_args(argv)
    if folder_missing(args.external, "Traditional sets", "question sets", "--external"):
        return 0
    if importlib.util.find_spec("opencc") is None:
        print("Traditional sets skipped: OpenCC is not installed (make .venv/.installed-test).")
        return 0
    for name, corpus in (("cmrc", True), ("xquad", False)):
        source = args.external / name
        if not (source / "questions.jsonl").is_file():
            print(f"{name}: not in {args.external}; skipped", file=sys.stderr)
            continue
        count = convert_set(source, DERIVED / f"{name}-tw", corpus=corpus)
        print(f"{name}-tw: {count} questions -> {DERIVED / f'{name}-tw'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
