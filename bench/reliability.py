#!/usr/bin/env python
"""Reliability and security checks of seminar-qa, summed up in one table: case, tried, passed, lost.

Every check runs against throw-away corpora and indexes in a temporary folder, with the model-free
hashing embedder, so it is fast and deterministic: bad documents (hypothesis examples and fixed
hostile files), damaged index files, builds killed with SIGKILL, two builds at once, serving while
a rebuild runs, many threads querying one index, and hostile questions. When ``index/`` holds a
real-model index (``seminar-qa build``), the load check is repeated against it.

"lost" counts the outcomes that must never happen: a crash or hang, a wrong or missing answer, an
index that no longer loads. It must be 0. The checks live in ``seminar_qa.testing``, which the
tests in ``tests/test_reliability.py`` and ``tests/test_hostile.py`` import too, so both run the
same cases.

Run:  .venv/bin/python bench/reliability.py [--trials 20] [--real-queries 400] [--index index]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from seminar_qa.errors import SeminarQAError
from seminar_qa.index import MANIFEST, SeminarIndex
from seminar_qa.testing.crash import (
    concurrent_builds,
    prepare_corpora,
    serve_while_rebuilding,
    sigkill_trials,
)
from seminar_qa.testing.damage import DAMAGES, check_damaged_index
from seminar_qa.testing.documents import (
    BAD_DOCUMENTS,
    check_bad_documents,
    fuzz_documents,
    write_bad_documents,
)
from seminar_qa.testing.feedback_kill import feedback_kill_trials
from seminar_qa.testing.load import LoadReport, check_hostile_questions, load_run

ROOT = Path(__file__).resolve().parents[1]

# ---------------------------------------------------------------------------------------------
# The table


@dataclass
class Row:
    """One line of the table."""

    case: str
    tried: int
    passed: int
    lost: int
    note: str = ""


def run_all(args: argparse.Namespace, work: Path) -> list[Row]:
    """Run every check in ``work``; return the rows of the table."""
    rows: list[Row] = []

    def say(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    say("bad documents ...")
    bad = work / "bad"
    write_bad_documents(bad / "corpus", bad / "outside")
    fixed = check_bad_documents(bad / "corpus")
    fuzz_folder = bad / "fuzz"
    fuzz_folder.mkdir()
    fuzzed, fuzz_problems = fuzz_documents(args.examples, fuzz_folder)
    tried = len(BAD_DOCUMENTS) + fuzzed
    lost = len(fixed) + len(fuzz_problems)
    rows.append(Row("bad documents", tried, tried - lost, lost, f"{fuzzed} hypothesis examples"))
    for problem in [*fixed, *fuzz_problems][:10]:
        say(f"  LOST {problem}")

    say("crash safety: preparing corpora ...")
    corpora = prepare_corpora(work / "crash", args.documents)
    damaged = 0
    for label, damage in DAMAGES.items():
        problems = check_damaged_index(work / "crash" / "reference-a", work / "crash", damage)
        damaged += bool(problems)
        for problem in problems:
            say(f"  LOST {label}: {problem}")
    rows.append(Row("damaged index files", len(DAMAGES), len(DAMAGES) - damaged, damaged))

    say(f"SIGKILL trials ({args.trials}, build takes {corpora.build_seconds:.1f} s) ...")
    kills = sigkill_trials(corpora, args.trials)
    for detail in kills.details:
        say(f"  LOST {detail}")
    rows.append(
        Row(
            "SIGKILL during build",
            kills.tried,
            kills.tried - kills.lost,
            kills.lost,
            f"{kills.kept_previous} kept previous, {kills.new_complete} new complete",
        )
    )

    say("concurrent builds ...")
    locks = concurrent_builds(corpora)
    lock_lost = int(
        sorted(locks.exit_codes) != [0, 1] or "another build" not in locks.loser_message
    )
    lock_lost += int(locks.after_kill_exit != 0)
    rows.append(
        Row(
            "concurrent builds",
            2,
            2 - lock_lost,
            lock_lost,
            f"exits {locks.exit_codes}; after kill -9: exit {locks.after_kill_exit}",
        )
    )

    say("serving while rebuilding ...")
    serve = serve_while_rebuilding(corpora)
    serve_lost = serve.wrong_old + serve.wrong_new + len(serve.errors)
    serve_lost += int(serve.reloads != 1 or serve.build_exit != 0)
    served = serve.served_old + serve.served_new
    rows.append(
        Row(
            "serving while rebuilding",
            served,
            served - serve_lost,
            serve_lost,
            f"{serve.served_during_build} answered during the build, {serve.reloads} reload",
        )
    )
    for error in serve.errors[:5]:
        say(f"  LOST {error}")

    say(f"SIGKILL of the API during feedback posts ({args.trials} trials) ...")
    feedback = feedback_kill_trials(corpora.index, work / "feedback-kill", args.trials)
    for detail in feedback.details:
        say(f"  LOST {detail}")
    rows.append(
        Row(
            "SIGKILL of API during feedback",
            feedback.tried,
            feedback.tried - feedback.failed_trials,
            feedback.lost + feedback.unreadable,
            f"{feedback.acknowledged} rows acknowledged, {feedback.lost} lost, "
            f"{feedback.unreadable} unreadable files",
        )
    )

    say("load (hashing) ...")
    hashing_index = SeminarIndex.load(corpora.index)
    load = load_run(hashing_index, threads=args.threads, total=args.queries)
    rows.append(_load_row("load, hashing", load))
    real = Path(args.index)
    if (real / MANIFEST).is_file():
        say(f"load ({real}, real models) ...")
        try:
            real_index = SeminarIndex.load(real)
            real_load = load_run(real_index, threads=args.threads, total=args.real_queries)
            rows.append(
                _load_row(f"load, {'+'.join(e.name for e in real_index.embedders)}", real_load)
            )
        except SeminarQAError as error:
            say(f"  skipped the real-model load run: {error}")
    else:
        say(f"  no index at {real}: run `seminar-qa build` for the real-model load run")

    say("hostile questions ...")
    tried, problems = check_hostile_questions(corpora.index)
    rows.append(Row("hostile questions", tried, tried - len(problems), len(problems), "lib+CLI"))
    for problem in problems:
        say(f"  LOST {problem}")
    return rows


def _load_row(case: str, load: LoadReport) -> Row:
    lost = load.errors + load.mismatches
    return Row(
        case,
        load.queries,
        load.queries - lost,
        lost,
        f"{load.threads} threads, {load.errors} errors, {load.mismatches} mismatches, "
        f"{load.qps:.0f} q/s ({load.sequential_qps:.0f} q/s one at a time)",
    )


def table(rows: Sequence[Row]) -> str:
    """The rows as a plain-text table."""
    header = ("case", "tried", "passed", "lost", "notes")
    cells = [header, *((r.case, str(r.tried), str(r.passed), str(r.lost), r.note) for r in rows)]
    widths = [max(len(c[i]) for c in cells) for i in range(4)]
    lines = []
    for number, cell in enumerate(cells):
        lines.append(
            f"{cell[0]:<{widths[0]}}  {cell[1]:>{widths[1]}}  {cell[2]:>{widths[2]}}  "
            f"{cell[3]:>{widths[3]}}  {cell[4]}".rstrip()
        )
        if number == 0:
            lines.append("-" * len(lines[0]))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run every check, print the table; exit 1 when anything was lost."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--trials", type=int, default=20, help="SIGKILL trials (default 20)")
    parser.add_argument("--documents", type=int, default=120, help="generated corpus size")
    parser.add_argument("--examples", type=int, default=500, help="hypothesis examples")
    parser.add_argument("--threads", type=int, default=8, help="threads of the load run")
    parser.add_argument("--queries", type=int, default=2000, help="queries, hashing index")
    parser.add_argument("--real-queries", type=int, default=400, help="queries, real index")
    parser.add_argument("--index", default=str(ROOT / "index"), help="real-model index folder")
    parser.add_argument(
        "--report",
        default=str(ROOT / "BENCHMARKS.md"),
        help="write the table into this file's '## Reliability' section ('' to skip)",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="seminar-qa-reliability-") as folder:
        rows = run_all(args, Path(folder))
    print(table(rows))
    lost = sum(r.lost for r in rows)
    summary = (
        f"{'OK' if not lost else 'FAILED'}: {lost} lost, in {time.perf_counter() - started:.0f} s"
    )
    print(f"\n{summary}")
    if args.report:
        write_report(Path(args.report), table(rows), summary)
    return 1 if lost else 0


RELIABILITY_HEADING = "## Reliability"


def write_report(path: Path, rendered: str, summary: str) -> None:
    """Put the table into the '## Reliability' section of ``path``, replacing an older one."""
    stamp = time.strftime("%Y-%m-%d %H:%M")
    section = (
        f"{RELIABILITY_HEADING}\n\nMeasured {stamp} with `make reliability` "
        f"(`bench/reliability.py`) on {os.cpu_count()} cores. Lost must be 0.\n\n"
        f"```\n{rendered}\n\n{summary}\n```\n"
    )
    replace_section(path, RELIABILITY_HEADING, section)


def replace_section(path: Path, heading: str, section: str) -> None:
    """Replace the section of ``path`` that starts at the line ``heading`` (or append it)."""
    existing = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    found = re.search(rf"^{re.escape(heading)}[ \t]*$", existing, re.MULTILINE)
    start = found.start() if found else -1
    if start < 0:
        updated = existing.rstrip("\n") + "\n\n" + section
    else:
        following = existing.find("\n## ", start + len(heading))
        rest = existing[following + 1 :] if following >= 0 else ""
        updated = existing[:start] + section + ("\n" + rest if rest else "")
    path.write_text(updated, encoding="utf-8")


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    sys.exit(main())
