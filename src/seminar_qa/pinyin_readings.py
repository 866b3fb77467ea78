"""pypinyin's toneless readings of Chinese words, looked up in a SQLite file made once.

:mod:`bridges` romanises a Chinese question's words to meet the pinyin names of English text
(熊秋菊 -> "Xiong Qiuju"). ``import pypinyin`` loads 42,000 character readings and 47,000 phrase
readings from JSON and builds a set of every phrase's prefixes, at every start: 0.2-0.39 s of a
Chinese ``seminar-qa ask`` (2026-12-02, cProfile and ``-X importtime``), for the handful of words
a question holds. The first process writes both tables, each reading already converted to
pypinyin's toneless style by pypinyin's own converter, to a SQLite file in the package cache
(:mod:`package_cache`); later ones look up what they meet. :func:`readings` reads a word as
``pypinyin.lazy_pinyin`` does: Chinese runs cut by the same forward maximum matching over the
phrase table, a phrase's readings where it has them, else each character's first.
``tests/test_pinyin_readings.py`` checks it against ``lazy_pinyin`` on every character and on the
words of Chinese Wikipedia text. Where the folder cannot be written, pypinyin itself is used.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import re
import sqlite3
from collections.abc import Callable
from pathlib import Path

from seminar_qa.package_cache import ReadOnlyTable, cache_path, write_sqlite

Reader = Callable[[str], list[str]]


def _package_folder() -> Path | None:
    """The folder of pypinyin, found without importing it (None when it is not installed)."""
    spec = importlib.util.find_spec("pypinyin")
    if spec is None or not spec.submodule_search_locations:  # pragma: no cover - declared
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def cache_file() -> Path | None:
    """The SQLite file for the installed pypinyin (None when it is not installed)."""
    folder = _package_folder()
    if folder is None:  # pragma: no cover - the dependency is declared
        return None
    # ".v2": each character's other readings too (行: xing, and hang as in Minhang).
    return cache_path("pinyin", "pypinyin", folder / "phrases_dict.json", ".v2.sqlite")


def write_cache(target: Path) -> None:
    """Write pypinyin's character and phrase readings, toneless, to ``target`` atomically.

    A character keeps its first reading and a phrase the first of each character's, as
    ``lazy_pinyin`` (no heteronyms) takes them; each character's toneless readings, all of them,
    go in beside (:func:`char_readings`); the pattern of what pypinyin counts as a Chinese
    character goes in too, so the reader splits text where pypinyin does.
    """
    from pypinyin import Style
    from pypinyin.constants import PHRASES_DICT, PINYIN_DICT, RE_HANS
    from pypinyin.converter import UltimateConverter

    converter = UltimateConverter()  # what lazy_pinyin uses, with its default options

    @functools.cache
    def toneless(han: str, reading: str) -> str:
        converted = converter.convert_style(han, reading, Style.NORMAL, strict=True)
        return str(converted or "")

    def fill(connection: sqlite3.Connection) -> None:
        connection.execute(
            "CREATE TABLE chars (code INTEGER PRIMARY KEY, reading TEXT, readings TEXT)"
        )
        connection.executemany(
            "INSERT INTO chars VALUES (?, ?, ?)",
            (
                (
                    code,
                    toneless(chr(code), r.split(",")[0]),
                    ",".join(dict.fromkeys(toneless(chr(code), one) for one in r.split(","))),
                )
                for code, r in PINYIN_DICT.items()
            ),
        )
        connection.execute("CREATE TABLE phrases (phrase TEXT PRIMARY KEY, readings TEXT)")
        connection.executemany(
            "INSERT INTO phrases VALUES (?, ?)",
            (
                (
                    phrase,
                    json.dumps([toneless(h, r[0]) for h, r in zip(phrase, rows, strict=False)]),
                )
                for phrase, rows in PHRASES_DICT.items()
            ),
        )
        connection.execute("CREATE TABLE meta (hans TEXT)")
        connection.execute("INSERT INTO meta VALUES (?)", (RE_HANS.pattern,))

    write_sqlite(target, fill)


class _Table(ReadOnlyTable):
    """The readings in the SQLite file, and pypinyin's segmentation over them."""

    def __init__(self, path: Path) -> None:
        """Open ``path`` read-only; raises sqlite3.DatabaseError when it is not a reading table."""
        super().__init__(path)
        row = self.one("SELECT hans FROM meta")
        if row is None:
            raise sqlite3.DatabaseError(f"{path} holds no character pattern")
        self._hans = re.compile(row[0])
        self._prefixes: dict[str, bool] = {}
        self._phrases: dict[str, list[str] | None] = {}

    def is_prefix(self, text: str) -> bool:
        """Whether some phrase starts with ``text`` (pypinyin's prefix set, as a range query)."""
        known = self._prefixes.get(text)
        if known is None:
            row = self.one(
                "SELECT 1 FROM phrases WHERE phrase >= ? AND phrase < ? LIMIT 1",
                (text, text + "\U0010ffff"),
            )
            known = self._prefixes[text] = row is not None
        return known

    def phrase(self, text: str) -> list[str] | None:
        """The phrase's readings, or None when it is not in the phrase table.

        Remembered: cutting a run asks for each of its prefixes, and reading it asks again for
        the pieces it was cut into.
        """
        if text not in self._phrases:
            row = self.one("SELECT readings FROM phrases WHERE phrase = ?", (text,))
            self._phrases[text] = None if row is None else list(json.loads(row[0]))
        return self._phrases[text]

    def char(self, han: str) -> str:
        """The character's first reading, or the character itself when it has none."""
        row = self.one("SELECT reading FROM chars WHERE code = ?", (ord(han),))
        return han if row is None else str(row[0])

    def all_of(self, han: str) -> tuple[str, ...]:
        """Every toneless reading of the character, its first first; () when it has none."""
        row = self.one("SELECT readings FROM chars WHERE code = ?", (ord(han),))
        return () if row is None else tuple(row[0].split(","))

    def characters(self) -> dict[str, str]:
        """Every reading's characters ("hang" -> "行杭航..."), read from the whole table."""
        found: dict[str, list[str]] = {}
        for code, readings in self.all("SELECT code, readings FROM chars"):
            for reading in readings.split(","):
                found.setdefault(reading, []).append(chr(code))
        return {reading: "".join(chars) for reading, chars in found.items()}

    def cut(self, text: str) -> list[str]:
        """A Chinese run cut as pypinyin cuts it (``seg.mmseg``: longest phrase first)."""
        pieces: list[str] = []
        remain = text
        while remain:
            end = 0  # the longest phrase at the start of remain (0: none)
            for size in range(1, len(remain) + 1):
                if not self.is_prefix(remain[:size]):
                    break
                if self.phrase(remain[:size]) is not None:
                    end = size
            else:
                if end == 0 and self.phrase(remain) is None:
                    pieces.extend(remain)  # no phrase in the whole rest: one by one
                    break
            if end == 0:
                pieces.append(remain[0])
                remain = remain[1:]
            else:
                pieces.append(remain[:end])
                remain = remain[end:]
        return pieces

    def __call__(self, text: str) -> list[str]:
        """``lazy_pinyin(text)``: readings of Chinese runs, other runs kept whole."""
        result: list[str] = []
        for run in _runs(text, self._hans):
            if not self._hans.match(run):
                result.append(run)
                continue
            for piece in self.cut(run):
                readings = self.phrase(piece)
                result.extend(readings if readings is not None else map(self.char, piece))
        return result


def _runs(text: str, hans: re.Pattern[str]) -> list[str]:
    """``text`` split where it changes between Chinese characters and anything else."""
    runs: list[str] = []
    for char in text:
        chinese = bool(hans.match(char))
        if runs and chinese == bool(hans.match(runs[-1][-1])):
            runs[-1] += char
        else:
            runs.append(char)
    return runs


def _pypinyin() -> Reader:
    from pypinyin import lazy_pinyin

    return lambda text: list(lazy_pinyin(text))


def _pypinyin_all(han: str) -> tuple[str, ...]:
    from pypinyin import Style, pinyin
    from pypinyin.constants import PINYIN_DICT

    if ord(han) not in PINYIN_DICT:  # what the table holds (a letter is read as itself)
        return ()
    return tuple(dict.fromkeys(pinyin(han, style=Style.NORMAL, heteronym=True)[0]))


@functools.lru_cache(maxsize=1)
def _reader() -> Reader:
    """How words are read in this process: the SQLite file, (re)made first if need be."""
    path = cache_file()
    if path is None:  # pragma: no cover - the dependency is declared
        return _pypinyin()
    if path.is_file():
        try:
            return _Table(path)
        except sqlite3.DatabaseError:
            pass  # damaged or foreign: written again below
    try:
        write_cache(path)
        return _Table(path)
    except (OSError, sqlite3.Error):  # an unwritable cache folder: pypinyin as it is
        return _pypinyin()


@functools.lru_cache(maxsize=65536)
def readings(text: str) -> tuple[str, ...]:
    """What ``pypinyin.lazy_pinyin(text)`` returns: toneless syllables, ü written v."""
    return tuple(_reader()(text))


@functools.lru_cache(maxsize=65536)
def char_readings(han: str) -> tuple[str, ...]:
    """Every toneless reading of the character ``han``, the one ``readings`` gives first.

    行 -> xing, hang, heng: a name the dictionary lacks may read a character otherwise than
    ``lazy_pinyin`` does (闵行 is "Minhang", not "Min Xing"). () for what is no Chinese character.
    """
    reader = _reader()
    return reader.all_of(han) if isinstance(reader, _Table) else _pypinyin_all(han)


@functools.lru_cache(maxsize=1)
def _characters() -> dict[str, str]:
    reader = _reader()
    if isinstance(reader, _Table):
        return reader.characters()
    from pypinyin.constants import PINYIN_DICT  # pragma: no cover - an unwritable cache

    found: dict[str, str] = {}  # pragma: no cover
    for code in PINYIN_DICT:  # pragma: no cover
        for reading in _pypinyin_all(chr(code)):
            found[reading] = found.get(reading, "") + chr(code)
    return found  # pragma: no cover


def characters_read(syllable: str) -> str:
    """Every character one of whose readings is ``syllable`` (toneless; "" for none)."""
    return _characters().get(syllable, "")
