"""Question sets asked in another language: a set's questions with their translations swapped in.

``eval/translated/cmrc_en.jsonl`` holds English translations of CMRC 2018 development questions
(see ``bench/translated_sets.py``); joined with the set's own answers and gold paragraphs they
ask English questions of Chinese text, which no public set here does.
"""

from __future__ import annotations

import json
from pathlib import Path

TRANSLATIONS = Path(__file__).resolve().parents[3] / "eval" / "translated" / "cmrc_en.jsonl"
"""The English translations of CMRC questions, in the checkout (not in an installed package)."""


def translated_set(
    source: Path, translations: Path, language: str = "en", kind: str = "cmrc-en"
) -> list[dict[str, object]]:
    """``source``'s questions that ``translations`` translates, asked in ``language``.

    Each keeps its answers and gold document; raises ValueError naming an id the source set does
    not hold (a stale translation file, or the wrong folder).
    """
    wanted = {}
    for line in translations.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            wanted[str(row["id"])] = str(row["question"])
    rows = []
    for line in source.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        if row.get("id") in wanted:
            rows.append({**row, "question": wanted.pop(row["id"]), "lang": language, "kind": kind})
    if wanted:
        raise ValueError(
            f"{translations}: {len(wanted)} ids are not in {source} "
            f"(first: {next(iter(wanted))}); is it the right folder?"
        )
    return rows


def write_translated_set(source: Path, target: Path, translations: Path = TRANSLATIONS) -> int:
    """Write :func:`translated_set` as ``target`` (a question file); return its length."""
    rows = translated_set(source, translations)
    target.parent.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(row, ensure_ascii=False) for row in rows]
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(rows)
