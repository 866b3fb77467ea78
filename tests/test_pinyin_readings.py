"""Readings from SQLite (pinyin_readings): what pypinyin.lazy_pinyin returns, not importing it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from seminar_qa import pinyin_readings
from seminar_qa.pinyin_readings import Reader
from tests.chinese_samples import sample_texts


@pytest.fixture
def table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Reader]:
    monkeypatch.setenv("SEMINAR_QA_CACHE", str(tmp_path / "cache"))
    pinyin_readings._reader.cache_clear()
    reader = pinyin_readings._reader()
    assert isinstance(reader, pinyin_readings._Table)
    yield reader
    pinyin_readings._reader.cache_clear()


def _words(texts: list[str]) -> list[str]:
    import jieba

    words = [w for t in texts for w in jieba.lcut(t)]
    return words + texts


def test_every_character_reads_as_lazy_pinyin(table: Reader) -> None:
    from pypinyin import lazy_pinyin

    characters = [chr(c) for c in range(0x3400, 0x9FFF)] + ["〇", "𠀀", "a", "，"]
    assert [table(c) for c in characters] == [lazy_pinyin(c) for c in characters]


@pytest.mark.slow
def test_words_and_sentences_read_as_lazy_pinyin(table: Reader) -> None:
    from pypinyin import lazy_pinyin

    texts = [*sample_texts(), ""]
    words = _words(texts)
    assert len(words) > 200
    differing = [w for w in words if table(w) != lazy_pinyin(w)]
    assert differing == []
    # Phrase readings, not character by character: 银行 is yin hang, 长城 chang cheng.
    assert table("银行行长") == ["yin", "hang", "hang", "zhang"]


def test_every_reading_of_a_character_as_pypinyin_gives_them(table: Reader) -> None:
    from pypinyin import Style, pinyin
    from pypinyin.constants import PINYIN_DICT

    assert isinstance(table, pinyin_readings._Table)
    characters = [chr(c) for c in range(0x4E00, 0x9FFF, 7)] + ["行", "长", "曾", "a", "，"]
    for character in characters:
        found = pinyin(character, style=Style.NORMAL, heteronym=True)[0]
        expected = tuple(dict.fromkeys(found)) if ord(character) in PINYIN_DICT else ()
        assert table.all_of(character) == expected, character  # from SQLite
        assert pinyin_readings._pypinyin_all(character) == expected, character  # no cache
    assert table.all_of("行") == ("xing", "hang", "heng")
    assert pinyin_readings.char_readings("长") == ("zhang", "chang")
    assert table.all_of("a") == () == table.all_of("，")


def test_a_question_does_not_import_pypinyin(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from seminar_qa.bridges import prepare_tables, pinyin_question_tokens\n"
        "if sys.argv[1] == 'prepare':\n"
        "    prepare_tables()\n"
        "else:\n"
        "    print(pinyin_question_tokens('熊秋菊在宝山区做了什么？'))\n"
        "    print('pypinyin' in sys.modules)\n"
    )
    env = {**os.environ, "SEMINAR_QA_CACHE": str(tmp_path / "cache")}
    run = [sys.executable, "-c", script]
    subprocess.run([*run, "prepare"], env=env, check=True, timeout=300)
    done = subprocess.run(
        [*run, "ask"], env=env, check=True, timeout=300, capture_output=True, text=True
    )
    tokens, imported = done.stdout.splitlines()
    assert "'py_xiong', 'py_qiu', 'py_ju'" in tokens and "'py_bao', 'py_shan'" in tokens
    assert imported == "False"


def test_damaged_or_unwritable_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEMINAR_QA_CACHE", str(tmp_path / "cache"))
    path = pinyin_readings.cache_file()
    assert path is not None
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a database" * 100)
    pinyin_readings._reader.cache_clear()
    reader = pinyin_readings._reader()
    assert isinstance(reader, pinyin_readings._Table)  # written again
    assert path.read_bytes()[:15] == b"SQLite format 3" and reader("宝山") == ["bao", "shan"]

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("SEMINAR_QA_CACHE", str(blocker / "cache"))
    pinyin_readings._reader.cache_clear()
    fallback = pinyin_readings._reader()
    assert not isinstance(fallback, pinyin_readings._Table)  # pypinyin itself
    assert fallback("宝山") == ["bao", "shan"]
    pinyin_readings._reader.cache_clear()


def test_the_characters_of_a_reading_are_those_pypinyin_reads_so(table: Reader) -> None:
    from pypinyin import Style, pinyin
    from pypinyin.constants import PINYIN_DICT

    assert isinstance(table, pinyin_readings._Table)
    hang = table.characters()["hang"]
    assert {"行", "杭", "航"} <= set(hang) and "闵" not in hang
    expected = {
        chr(code)
        for code in PINYIN_DICT
        if "hang" in pinyin(chr(code), style=Style.NORMAL, heteronym=True)[0]
    }
    assert set(hang) == expected
