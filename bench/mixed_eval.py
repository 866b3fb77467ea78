#!/usr/bin/env python
"""Every question set against one index of English and Chinese documents together.

Reports in both languages will share one corpus: the seminar's English report beside Chinese
ones. Each development split is otherwise asked of an index of its own language only, which
hides what the other language's passages do to a question (a Chinese question over English
text meets Chinese passages that share its characters; an English question over Chinese text
meets English passages that share its words). This run builds one index of the seminar corpus,
XQuAD's English paragraphs and CMRC's Chinese ones (``build/mixed/corpus``: seminar/, xquad/,
cmrc/; copied from ``corpus/`` and ``../shared/eval/external``, never into the project) and
asks it the seminar's sets, XQuAD's questions in both languages, CMRC's and their English
translations (``build/derived/cmrc-en``, written by ``bench/translated_sets.py``), each judged
by its own documents only. Compare with each set against its own index (``make eval``).

Run:  .venv/bin/python bench/mixed_eval.py [--external DIR] [-k 10]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: `bench` is importable as a package

from bench import folder_missing, reported  # noqa: E402
from seminar_qa.answering import Assistant  # noqa: E402
from seminar_qa.evaluation import evaluate_questions, load_questions  # noqa: E402
from seminar_qa.index import SeminarIndex  # noqa: E402
from seminar_qa.pipeline import build_index, index_status  # noqa: E402
from seminar_qa.settings import Settings  # noqa: E402

DEFAULT_EXTERNAL = ROOT.parent / "shared" / "eval" / "external"
WORK = ROOT / "build" / "mixed"
SETS = ("xquad", "cmrc")
"""The development splits whose corpora join the seminar's: one English, one Chinese."""
SEMINAR_SETS = (
    "dev_questions.jsonl",
    "seminar_questions.jsonl",
    "validation_questions.jsonl",
    "visitor_questions.jsonl",
)
TRANSLATED = ROOT / "build" / "derived" / "cmrc-en" / "questions.jsonl"


def assemble(external: Path, target: Path) -> None:
    """Fill ``target`` with the seminar corpus and each set's corpus, a folder each."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(ROOT / "corpus", target / "seminar")
    for name in SETS:
        shutil.copytree(external / name / "corpus", target / name)


def prefixed(source: Path, folder: str, target: Path) -> Path:
    """``source``'s questions with each gold document under ``folder/`` (as the corpus holds it)."""
    rows = []
    for line in source.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            if row.get("gold"):
                row["gold"] = f"{folder}/{row['gold']}"
            rows.append(json.dumps(row, ensure_ascii=False))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return target


def question_files(external: Path) -> list[tuple[str, Path, str]]:
    """(title, question file, corpus folder) of every set asked of the mixed index."""
    files = [(f"eval/{name}", ROOT / "eval" / name, "seminar") for name in SEMINAR_SETS]
    for name in SETS:
        source = external / name / "questions.jsonl"
        files.append((name, prefixed(source, name, WORK / "questions" / f"{name}.jsonl"), name))
    if TRANSLATED.is_file():
        target = WORK / "questions" / "cmrc-en.jsonl"
        files.append(("cmrc-en", prefixed(TRANSLATED, "cmrc", target), "cmrc"))
    else:
        print(f"cmrc-en skipped: no {TRANSLATED} (run bench/translated_sets.py)", file=sys.stderr)
    return files


def main(argv: list[str] | None = None) -> int:
    """Build (or reuse) the mixed index and print each set's table."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--external", type=Path, default=DEFAULT_EXTERNAL, help="the sets' folder")
    parser.add_argument("-k", type=int, default=10, help="passages judged per question")
    args = parser.parse_args(argv)
    if any(
        folder_missing(args.external / name, "Mixed-language run", f"set {name}", "--external")
        for name in SETS
    ):
        return 0
    return reported(lambda: evaluate_mixed(args.external, args.k))


def evaluate_mixed(external: Path, k: int) -> int:
    """Build (or reuse) the mixed index under ``build/mixed`` and print each set's table."""
    assemble(external, WORK / "corpus")
    settings = Settings.from_env(WORK / "corpus", WORK / "index")
    status = index_status(settings)
    if status.state != "current":
        print(f"Building the mixed index ({status.state}) ...")
        print(build_index(settings).summary())
    index = SeminarIndex.load(settings.index_dir)
    assistant = Assistant(index)
    print(f"{len(index)} passages of {len(index.documents)} documents, {index.languages}.\n")
    for title, path, folder in question_files(external):
        own = {d for d in index.documents if d.startswith(f"{folder}/")}
        report = evaluate_questions(assistant, load_questions(path), k, relevant_docs=own)
        print(report.table(title=f"{title} against the mixed index"))
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
