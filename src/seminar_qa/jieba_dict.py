"""Jieba's dictionary and part-of-speech table, looked up in a SQLite file made once.

Jieba keeps its dictionary as one Python dict of 580,000 words and prefixes, read from a marshal
file at the start of every process that meets Chinese text (0.85 s on this machine), and
``jieba.posseg`` parses its 350,000-line word-tag table at import (0.35 s more; 2026-12-02,
``bench/commands.py``). A question needs a few hundred of those entries. The first process
writes the words, their frequencies and tags to a SQLite file in the user's cache folder
(:mod:`package_cache`); later ones open it in a millisecond and look up what they meet, each key
once (a dict in front remembers the answers). Segmentation and tags are those of jieba's own
tables, entry for entry (``tests/test_jieba_dict.py`` checks on Chinese Wikipedia text). Where
the folder cannot be written, jieba loads its tables as it always did.
"""

from __future__ import annotations

import contextlib
import io
import sqlite3
from collections.abc import Iterator, MutableMapping
from pathlib import Path
from typing import Any

from seminar_qa.package_cache import ReadOnlyTable, cache_path, write_sqlite


def _dictionary_source() -> Path:
    import jieba

    return Path(jieba.__file__).resolve().parent / "dict.txt"


def cache_file() -> Path:
    """The SQLite file for the installed jieba dictionary."""
    return cache_path("jieba", "jieba", _dictionary_source(), ".sqlite")


def write_cache(target: Path, source: Path) -> None:
    """Write jieba's tables, as its own loaders build them from ``source``, to ``target``."""
    from jieba import Tokenizer

    with source.open("rb") as handle:
        frequencies, total = Tokenizer.gen_pfdict(handle)  # words and their prefixes (freq 0)
    tags: dict[str, str] = {}
    for line in source.read_text(encoding="utf-8").splitlines():
        parts = line.strip().split(" ")
        if len(parts) == 3:  # what jieba.posseg's load_word_tag reads
            tags[parts[0]] = parts[2]

    def fill(connection: sqlite3.Connection) -> None:
        connection.execute(
            "CREATE TABLE words (word TEXT PRIMARY KEY, freq INTEGER, tag TEXT) WITHOUT ROWID"
        )
        connection.executemany(
            "INSERT INTO words VALUES (?, ?, ?)",
            ((w, f, tags.get(w)) for w, f in frequencies.items()),
        )
        connection.execute("CREATE TABLE meta (total INTEGER, words INTEGER, tags INTEGER)")
        connection.execute(
            "INSERT INTO meta VALUES (?, ?, ?)", (total, len(frequencies), len(tags))
        )

    write_sqlite(target, fill)


class _Table(ReadOnlyTable):
    """The words table, and the dictionary's total frequency and sizes.

    Jieba asks ``frag in FREQ`` and then ``FREQ[frag]`` of every prefix it tries, and the
    part-of-speech tokenizer asks the same words for their tags: each word's row is read from
    SQLite once and remembered.
    """

    def __init__(self, path: Path) -> None:
        """Open ``path``; raises sqlite3.DatabaseError when it is not a finished table."""
        super().__init__(path)
        total, self.words, self.tags = self.one("SELECT total, words, tags FROM meta")
        self.total = int(total)
        self._rows: dict[str, tuple[int, str | None] | None] = {}

    def row(self, word: str) -> tuple[int, str | None] | None:
        """(frequency, tag) of ``word``, or None when the dictionary lacks it."""
        if word not in self._rows:
            read = self.one("SELECT freq, tag FROM words WHERE word = ?", (word,))
            self._rows[word] = None if read is None else (int(read[0]), read[1])
        return self._rows[word]


class _Lookup(MutableMapping[str, Any]):
    """A dict-like view of one column of the table; words added in this process stay in memory."""

    def __init__(self, table: _Table, column: int, size: int) -> None:
        self._table = table
        self._column = column
        self._size = size
        self._added: dict[str, Any] = {}

    def _value(self, key: object) -> Any:
        if not isinstance(key, str):
            return None
        if key in self._added:
            return self._added[key]
        row = self._table.row(key)
        return None if row is None else row[self._column]

    def __getitem__(self, key: str) -> Any:
        value = self._value(key)
        if value is None:
            raise KeyError(key)
        return value

    def __contains__(self, key: object) -> bool:
        return self._value(key) is not None

    def get(self, key: str, default: Any = None) -> Any:
        """The value of ``key``, or ``default`` when the dictionary lacks it."""
        value = self._value(key)
        return default if value is None else value

    def __setitem__(self, key: str, value: Any) -> None:
        if self._value(key) is None:
            self._size += 1
        self._added[key] = value

    def __delitem__(self, key: str) -> None:
        raise TypeError("jieba's dictionary does not remove words")

    def __iter__(self) -> Iterator[str]:
        raise TypeError("jieba's dictionary is looked up word by word, not listed")

    def __len__(self) -> int:
        return self._size


def _open() -> _Table | None:
    """The table of the installed dictionary, written first if need be; None if impossible."""
    path = cache_file()
    if path.is_file():
        try:
            return _Table(path)
        except sqlite3.DatabaseError:
            pass  # damaged or unfinished by another writer's crash: written again below
    try:
        write_cache(path, _dictionary_source())
        return _Table(path)
    except (OSError, sqlite3.Error, ValueError):
        return None


def attach(jieba: Any) -> bool:
    """Give ``jieba``'s default tokenizer and its part-of-speech tokenizer the SQLite tables.

    Call before jieba loads its dictionary (``jieba.initialize``). Returns False when the file
    cannot be made: jieba then loads its own tables as usual.
    """
    table = _open()
    if table is None:
        return False
    tokenizer = jieba.dt
    with tokenizer.lock:
        if not tokenizer.initialized:
            tokenizer.FREQ = _Lookup(table, 0, table.words)
            tokenizer.total = table.total
            tokenizer.initialized = True
    # jieba.posseg reads the whole word-tag table when it is imported: give it an empty file
    # to read, then the SQLite column.
    tokenizer.get_dict_file = lambda: io.BytesIO(b"")
    try:
        import jieba.posseg as posseg
    finally:
        with contextlib.suppress(AttributeError):
            del tokenizer.get_dict_file
    if not posseg.dt.word_tag_tab:
        posseg.dt.word_tag_tab = _Lookup(table, 1, table.tags)
    return True
