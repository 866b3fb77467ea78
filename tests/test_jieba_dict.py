"""Jieba over the SQLite tables (jieba_dict): the same words and tags as jieba's own, made once.

Jieba keeps its tables in module globals, so each side runs in a fresh interpreter.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.chinese_samples import sample_texts

_RUN = """
import json, sys
texts = json.load(sys.stdin)
if sys.argv[1] == "sqlite":  # as the product calls it: tags first, nothing imported before
    from seminar_qa.tokenization import tagged_words
    tags = [tagged_words(t) for t in texts]
    import jieba, jieba.posseg
else:  # jieba's own tables, given the text as tagged_words gives it (simplified characters)
    import jieba, jieba.posseg
    from seminar_qa.simplified import to_simplified
    jieba.initialize()
    tags = [[(p.word, p.flag) for p in jieba.posseg.cut(to_simplified(t))] for t in texts]
print(json.dumps({
    "freq": type(jieba.dt.FREQ).__name__,
    "tag_table": type(jieba.posseg.dt.word_tag_tab).__name__,
    "cut": [jieba.lcut(t) for t in texts],
    "search": [jieba.lcut_for_search(t) for t in texts],
    "tags": [[list(pair) for pair in words] for words in tags],
}, ensure_ascii=False))
"""


def _segment(mode: str, texts: list[str], cache: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", _RUN, mode],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        env={**os.environ, "SEMINAR_QA_CACHE": str(cache)},
        timeout=300,
        check=True,
    )
    result: dict[str, object] = json.loads(done.stdout)
    return result


@pytest.mark.slow
def test_segmentation_and_tags_equal_jiebas_own_tables(tmp_path: Path) -> None:
    texts = sample_texts()
    own = _segment("own", texts, tmp_path / "unused")
    first = _segment("sqlite", texts, tmp_path / "cache")  # writes the file
    again = _segment("sqlite", texts, tmp_path / "cache")  # reads it
    assert own["freq"] == own["tag_table"] == "dict"
    # Both tables from SQLite, whichever jieba function the product calls first.
    assert first["freq"] == again["freq"] == first["tag_table"] == again["tag_table"] == "_Lookup"
    for side in (first, again):
        assert side["cut"] == own["cut"]
        assert side["search"] == own["search"]
        assert side["tags"] == own["tags"]
    assert len(list((tmp_path / "cache").glob("jieba-*.sqlite"))) == 1


def test_lookup_answers_as_jiebas_dictionary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jieba import Tokenizer

    from seminar_qa import jieba_dict

    monkeypatch.setenv("SEMINAR_QA_CACHE", str(tmp_path / "cache"))
    source = jieba_dict._dictionary_source()
    with source.open("rb") as handle:
        frequencies, total = Tokenizer.gen_pfdict(handle)
    table = jieba_dict._open()
    assert table is not None and table.total == total and table.words == len(frequencies)
    freq = jieba_dict._Lookup(table, 0, table.words)
    tags = jieba_dict._Lookup(table, 1, table.tags)
    for word in ("研讨会", "研讨", "研", "上海", "不是一个词", ""):
        assert (word in freq) == (word in frequencies)
        assert freq.get(word) == frequencies.get(word)
    assert freq["研讨会"] == frequencies["研讨会"] and tags.get("上海") == "ns"
    assert tags.get("研讨会是", "x") == "x"
    with pytest.raises(KeyError):
        freq["不是一个词"]
    freq["不是一个词"] = 3  # jieba.add_word: kept in memory, the file is read-only
    assert freq["不是一个词"] == 3 and len(freq) == len(frequencies) + 1


def test_a_damaged_file_is_written_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from seminar_qa import jieba_dict

    monkeypatch.setenv("SEMINAR_QA_CACHE", str(tmp_path / "cache"))
    path = jieba_dict.cache_file()
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a database" * 100)
    table = jieba_dict._open()
    assert table is not None and table.row("上海") is not None
    assert path.read_bytes()[:15] == b"SQLite format 3"


def test_no_cache_folder_leaves_jieba_its_own_tables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from seminar_qa import jieba_dict

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("SEMINAR_QA_CACHE", str(blocker / "cache"))
    assert jieba_dict._open() is None

    class Tokenizer:  # stands in for jieba.dt: attach must leave it untouched
        initialized = False

    class Jieba:
        dt = Tokenizer()

    assert jieba_dict.attach(Jieba) is False
    assert not Jieba.dt.initialized and not hasattr(Jieba.dt, "FREQ")
