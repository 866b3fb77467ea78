"""A question's vectors from every model: the encoders share the cores in lanes.

Each lane is one thread running its models one after the other; the calling thread runs the last
lane itself and, while the others finish, the work its caller hands it (fusion's question words,
BM25 and the faster models' candidate lists).
"""

from __future__ import annotations

import concurrent.futures
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from seminar_qa.bridges import gloss_translation
from seminar_qa.cores import usable_cores
from seminar_qa.embedding import model_text, reads
from seminar_qa.english_names import in_english
from seminar_qa.into_chinese import in_chinese
from seminar_qa.text import language_of

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from seminar_qa.embedding import Embedder
    from seminar_qa.names import NameSpellings

ENCODER_THREADS = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="encode")
"""Runs lanes of question encoders beside the calling thread's own lane (onnxruntime and numpy
release the GIL while they compute)."""

_LANES = min(4, usable_cores())
"""How many encoders run at once: one per core this process may use. Three models on two
cores as three threads left the scheduler to slice E5, the longest, against the others
(English questions at 10,402 passages: E5 alone 13.2 ms, the three side by side 18.3 ms; E5
on one thread and MiniLM then USE on the other 14.6 ms; /tmp throwaway loop, 2026-12-04,
written up in BENCHMARKS.md)."""

_SECONDS: dict[str, float] = {}
"""Each model's recent seconds per question encoded (a moving average), for packing the lanes."""

_CALLS: dict[str, int] = {}
"""How many times each model has encoded questions in this process."""

_OUTLIER = 4.0
"""A call counts at most this many times the model's average: a pause (a collection, a page
fault burst, another process) should not repack the lanes for the next dozen questions."""


def encoder_lanes(embedders: Sequence[Embedder], lanes: int) -> list[list[Embedder]]:
    """Share ``embedders`` among at most ``lanes`` threads so the slowest lane finishes first.

    Longest first, each to the lane with the least work so far (the classic LPT rule), by the
    time each model took on recent questions; a model not timed yet goes first and counts as
    the slowest.
    """
    slowest = max(_SECONDS.values(), default=1.0)
    ranked = sorted(embedders, key=lambda e: (e.name in _SECONDS, -_SECONDS.get(e.name, 0.0)))
    packed: list[list[Embedder]] = [[] for _ in range(min(lanes, len(embedders)))]
    loads = [0.0] * len(packed)
    for embedder in ranked:
        lane = loads.index(min(loads))
        packed[lane].append(embedder)
        loads[lane] += _SECONDS.get(embedder.name, slowest)
    return packed


def _encode_lane(
    embedders: Sequence[Embedder], questions: Sequence[str], names: NameSpellings | None
) -> dict[str, NDArray[np.float32]]:
    """Encode ``questions`` with each model of one lane in turn, timing each."""
    vectors = {}
    for embedder in embedders:
        started = time.perf_counter()
        texts = model_texts(embedder, questions, names)
        vectors[embedder.name] = embedder.encode_queries(texts)
        record(embedder.name, (time.perf_counter() - started) / max(1, len(questions)))
    return vectors


def record(model: str, seconds: float) -> None:
    """Count one call of ``model`` that took ``seconds`` a question in its moving average.

    A model's first call is not counted: it loads the model and warms its session (135-316 ms
    against 4-12 ms later, in `seminar-qa eval`'s first question), and with it in the average
    E5 shared a lane with MiniLM for the next 15 questions (/tmp throwaway trace, 2026-12-05).
    """
    calls = _CALLS.get(model, 0) + 1
    _CALLS[model] = calls
    if calls == 1:
        return
    known = _SECONDS.get(model)
    if known is None:
        _SECONDS[model] = seconds
    else:
        _SECONDS[model] = 0.8 * known + 0.2 * min(seconds, _OUTLIER * known)


ROMANISED_NAMES_IN_CHINESE = frozenset({"e5"})
"""The models that read an English question with its romanised Chinese names written as the
index's Chinese text writes them ("Li Chengdong" -> 李成栋; :func:`into_chinese.in_chinese`).
English questions over CMRC (`make eval`'s translated set, 2026-12-06, before refits): E5
alone Hit@1 .818 -> .854, marked sentence .545 (=); USE alone .828 and .551; both .854 and .525,
as USE then draws the mark (E5's and USE's sentence cosines) to the sentence naming the name."""


def _with_names(question: str, language: str, names: NameSpellings) -> str:
    """``question`` with its names as the index writes them.

    A Chinese question's in English (:func:`english_names.in_english`), an English one's in
    Chinese characters (:func:`into_chinese.in_chinese`).
    """
    return (in_english if language == "zh" else in_chinese)(question, names)


def model_texts(
    embedder: Embedder, questions: Sequence[str], names: NameSpellings | None = None
) -> list[str]:
    """What ``embedder`` is asked: each question as the models read text, or its gloss translation.

    The translation goes to a model that does not read the question's language (MiniLM and a
    Chinese question; ``names``: the index's pinyin names, written as it writes them); the others
    read it as they read passages (:func:`model_text`), a Chinese question with its rare names
    written as the index's text writes them (:func:`english_names.in_english`: 长宁区 ->
    Changning), an English one with its romanised names in Chinese characters for
    :data:`ROMANISED_NAMES_IN_CHINESE`.
    """
    texts = []
    for question in questions:
        language = language_of(question)
        if not reads(embedder, language):
            texts.append(gloss_translation(question, names))
        elif names is not None and (
            language == "zh" or embedder.name in ROMANISED_NAMES_IN_CHINESE
        ):
            texts.append(model_text(_with_names(question, language, names)))
        else:
            texts.append(model_text(question))
    return texts


def encode_questions(
    embedders: Sequence[Embedder],
    questions: Sequence[str],
    meanwhile: Callable[[Mapping[str, NDArray[np.float32]]], None] | None = None,
    names: NameSpellings | None = None,
) -> dict[str, NDArray[np.float32]]:
    """Each model's vectors of ``questions``; the models run in parallel, one lane a core.

    The calling thread runs the last lane itself, then ``meanwhile`` with the vectors it has,
    while the other lanes finish (work that needs no other model's vectors). ``names``: the
    index's pinyin names (:func:`model_texts`).
    """
    if not embedders:
        if meanwhile is not None:
            meanwhile({})
        return {}
    if names is not None:
        # The names written in, once, before the lanes start: two lanes asking at once (E5 and
        # USE) each worked them out, the one holding the interpreter while the other waited.
        for question in questions:
            _with_names(question, language_of(question), names)
    *others, own = encoder_lanes(embedders, _LANES)
    futures = [ENCODER_THREADS.submit(_encode_lane, lane, questions, names) for lane in others]
    vectors = _encode_lane(own, questions, names)
    if meanwhile is not None:
        meanwhile(vectors)
    for future in futures:
        vectors.update(future.result())
    return {e.name: vectors[e.name] for e in embedders}
