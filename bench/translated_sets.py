#!/usr/bin/env python
"""English questions over Chinese paragraphs: CMRC 2018 questions translated, for ``make eval``.

No public set here asks English questions of Chinese text, which is how an English-speaking
visitor meets a Chinese report. ``eval/translated/cmrc_en.jsonl`` holds English translations of
CMRC 2018 development questions: the first two questions of each of the first 100 paragraphs of
the development split in ``../shared/eval/external/cmrc``, in file order (198: two paragraphs
have one), written by hand on 2026-12-05 as a translator would, with established English names
where they exist (路德维希·普朗特 -> Ludwig Prandtl, 钩鼻海蛇 -> beaked sea snake) and pinyin for
Chinese names, the paragraph read only for a name's English form. CMRC 2018 is CC BY-SA 4.0 (Cui
et al. 2019); the translations are shared under the same licence. Only the questions are kept in
the project: this script joins them with CMRC's answers and gold paragraphs from the shared set
(:mod:`seminar_qa.evaluation.translated`) and writes ``build/derived/cmrc-en/questions.jsonl``
(git-ignored), to be asked of CMRC's own index. ``make answerability`` also learns from them.

Run:  .venv/bin/python bench/translated_sets.py [--external DIR]
then: .venv/bin/seminar-qa eval build/derived/cmrc-en/questions.jsonl \
          --index build/external/cmrc/index
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: `bench` is importable as a package

from bench import folder_missing  # noqa: E402
from seminar_qa.evaluation.translated import write_translated_set  # noqa: E402

DEFAULT_EXTERNAL = ROOT.parent / "shared" / "eval" / "external"
TARGET = ROOT / "build" / "derived" / "cmrc-en" / "questions.jsonl"


def main(argv: list[str] | None = None) -> int:
    """Write the English copy of CMRC's translated questions; skip when CMRC is absent."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--external", type=Path, default=DEFAULT_EXTERNAL, help="the sets' folder")
    args = parser.parse_args(argv)
    if folder_missing(args.external / "cmrc", "Translated sets", "CMRC set", "--external"):
        return 0
    try:
        count = write_translated_set(args.external / "cmrc" / "questions.jsonl", TARGET)
    except ValueError as error:
        print(f"Translated sets: {error}", file=sys.stderr)
        return 1
    print(f"cmrc-en: {count} questions -> {TARGET}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
