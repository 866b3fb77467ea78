"""Radical code points written as the characters they look like (⼈ -> 人, ⻓ -> 长).

PDF writers that subset a CJK font map each glyph back to one code point, and where the font
draws a Kangxi radical (U+2F00-U+2FD5) or a supplementary radical (U+2E80-U+2EF3) with the same
glyph as an ideograph, that may be the radical: a report printed to PDF from Chromium with Noto
CJK reads "徐汇区⼈⼯智能教育应⽤" (2026-12-06), whose ⼈ (U+2F08) is not 人 (U+4EBA) to jieba,
BM25, the dictionaries or the models. Kangxi radicals map by NFKC; most supplementary ones have no
Unicode decomposition, so they map to the ideograph that Noto Sans CJK SC draws with the same
glyph (:data:`radicals_table.SUPPLEMENT`, written by ``python -m seminar_qa.radicals``
from the installed font).
"""

from __future__ import annotations

import functools
import unicodedata
from pathlib import Path

from seminar_qa.radicals_table import SUPPLEMENT

KANGXI = range(0x2F00, 0x2FD6)
SUPPLEMENTARY = range(0x2E80, 0x2EF4)
FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
"""Debian's fonts-noto-cjk, the face the table is derived from."""
TABLE_FILE = Path(__file__).with_name("radicals_table.py")


@functools.cache
def translation() -> dict[int, str]:
    """The ``str.translate`` table: every radical with an equivalent ideograph."""
    table = {cp: unicodedata.normalize("NFKC", chr(cp)) for cp in KANGXI}
    table.update({ord(radical): ideograph for radical, ideograph in SUPPLEMENT.items()})
    return {cp: text for cp, text in table.items() if text != chr(cp)}


def as_ideographs(text: str) -> str:
    """``text`` with each radical written as its equivalent ideograph."""
    return text.translate(translation())


def derive_table(font: Path = FONT) -> dict[str, str]:
    """Supplementary radicals and the ideograph drawn with the same glyph in the SC face.

    Where Unicode decomposes the radical (⺟ -> 母), NFKC's answer is kept instead.
    """
    from fontTools.ttLib import TTCollection

    faces = TTCollection(str(font)).fonts
    face = next(f for f in faces if f["name"].getDebugName(1) == "Noto Sans CJK SC")
    cmap = face.getBestCmap()
    by_glyph: dict[str, int] = {}
    for cp, glyph in sorted(cmap.items()):
        if 0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF:
            by_glyph.setdefault(glyph, cp)
    table: dict[str, str] = {}
    for cp in SUPPLEMENTARY:
        decomposed = unicodedata.normalize("NFKC", chr(cp))
        if decomposed != chr(cp):
            table[chr(cp)] = decomposed
        elif cmap.get(cp) in by_glyph:
            table[chr(cp)] = chr(by_glyph[cmap[cp]])
    return table


def table_source(table: dict[str, str]) -> str:
    """The Python source of :mod:`radicals_table` for ``table``."""
    rows = "".join(f'    "{r}": "{i}",  # U+{ord(r):04X}\n' for r, i in sorted(table.items()))
    return (
        '"""Supplementary CJK radicals -> the ideograph with the same glyph (radicals.py).\n\n'
        "Do not edit: ``python -m seminar_qa.radicals`` writes this file from\n"
        'Debian\'s Noto Sans CJK SC.\n"""\n\n'
        f"SUPPLEMENT: dict[str, str] = {{\n{rows}}}\n"
    )


if __name__ == "__main__":
    derived = derive_table()
    TABLE_FILE.write_text(table_source(derived), encoding="utf-8")
    print(f"wrote {len(derived)} radicals to {TABLE_FILE}")
