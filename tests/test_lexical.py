"""BM25 read for answering without bm25s: the same scores as bm25s, to the last bit."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import bm25s
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from seminar_qa.index.lexical import LexicalIndex

WORDS = st.sampled_from([f"w{n}" for n in range(12)])


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.lists(WORDS, min_size=1, max_size=15), min_size=1, max_size=12),
    st.lists(st.sampled_from([f"w{n}" for n in range(14)]), max_size=6),
    st.sampled_from(["lucene", "robertson", "atire", "bm25+"]),
)
def test_loaded_scores_equal_bm25s_scores(
    passages: list[list[str]], query: list[str], method: str
) -> None:
    retriever = bm25s.BM25(method=method)
    retriever.index(passages, show_progress=False)
    with tempfile.TemporaryDirectory() as folder:
        LexicalIndex(retriever, len(passages)).save(Path(folder) / "built")
        # Saved again after reading (calibration rewrites the index), then read once more.
        LexicalIndex.load(Path(folder) / "built", len(passages)).save(Path(folder) / "again")
        loaded = LexicalIndex.load(Path(folder) / "again", len(passages))
    known = [retriever.vocab_dict[t] for t in query if t in retriever.vocab_dict]
    expected = (
        np.asarray(retriever.get_scores_from_ids(known), dtype=np.float32)
        if known
        else np.zeros(len(passages), dtype=np.float32)
    )
    assert np.array_equal(loaded.scores(query), expected)
    assert (loaded.retriever is None) == (method != "bm25+")  # bm25+ is scored by bm25s
    for token in set(word for passage in passages for word in passage):
        assert loaded.document_frequency(token) == sum(token in p for p in passages)
    assert loaded.document_frequency("") == loaded.document_frequency("unseen") == 0


def test_answering_does_not_import_bm25s(tmp_path: Path) -> None:
    retriever = bm25s.BM25()
    retriever.index([["seminar", "shanghai"], ["portal"]], show_progress=False)
    LexicalIndex(retriever, 2).save(tmp_path)
    script = (
        "import sys\nfrom pathlib import Path\nfrom seminar_qa.index.lexical import LexicalIndex\n"
        f"index = LexicalIndex.load(Path({str(tmp_path)!r}), 2)\n"
        "print(index.scores(['portal']).tolist(), 'bm25s' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.split("]")[1].strip() == "False"
    assert out.stdout.startswith("[0.0, ")
