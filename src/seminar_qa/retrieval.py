"""Question to ranked hits: clean the question, search, pick each passage's answer sentence."""

from __future__ import annotations

import concurrent.futures
import contextlib
import functools
import re
import time
import unicodedata
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import threadpoolctl

from seminar_qa.chunking import Span, all_sentence_spans
from seminar_qa.errors import SeminarQAError
from seminar_qa.lexical import has_cjk, passage_tokens, question_token_groups
from seminar_qa.records import Hit
from seminar_qa.tokenization import WORD

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from seminar_qa.embedding import Embedder
    from seminar_qa.index import SeminarIndex

MAX_QUESTION_CHARS = 500

_CONTROL = re.compile(
    r"[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]"
)


class EmptyQuestionError(SeminarQAError):
    """A question with no words in it."""


@dataclass(frozen=True)
class PreparedQuestion:
    """A question made safe to embed: normalised, control characters removed, length capped."""

    text: str
    truncated: bool
    original_length: int


def prepare_question(question: str, max_chars: int = MAX_QUESTION_CHARS) -> PreparedQuestion:
    """Normalise (NFKC), drop control and bidi characters, collapse whitespace, cap the length.

    Raises EmptyQuestionError when nothing but whitespace or symbols is left.
    """
    text = unicodedata.normalize("NFKC", question)
    text = _CONTROL.sub(" ", text)
    text = " ".join(text.split())
    original_length = len(text)
    truncated = original_length > max_chars
    if truncated:
        text = text[:max_chars].rstrip()
    if not WORD.search(text):
        raise EmptyQuestionError("the question is empty; type a question about the seminar reports")
    return PreparedQuestion(text, truncated, original_length)


SENTENCE = "-sentence"
"""Suffix of a model's sentence-level component: the passage's best-matching sentence."""


TITLE = "-title"
"""Suffix of a model's document-title component: how well the passage's document title matches."""


def sentence_component(name: str) -> str:
    """Name of model ``name``'s sentence-level component ("e5" -> "e5-sentence")."""
    return f"{name}{SENTENCE}"


def title_component(name: str) -> str:
    """Name of model ``name``'s title component ("e5" -> "e5-title")."""
    return f"{name}{TITLE}"


# Fusion weights by question language, chosen on the question sets in eval/ (see BENCHMARKS.md).
# MiniLM is English-only, so it sits out Chinese questions; the multilingual E5 carries them.
# Each model scores a passage twice with the same weight: as a whole, and by its best sentence
# (a paraphrase often matches one sentence of a passage much better than the whole passage).
# E5 also scores the passage's document title, at half its passage weight: a question about "the
# event" or "the centre" points at the report more than at any one passage of it. (Measured with
# 300 news articles: Hit@1 own .909 -> .927, validation .889 -> .933, flat for title weights
# between a quarter and the full passage weight; MiniLM's title scores added nothing.)
PASSAGE_WEIGHTS: dict[str, dict[str, float]] = {
    "en": {"bm25": 1.0, "minilm": 1.0, "e5": 2.0, "hashing": 1.0},
    "zh": {"bm25": 1.0, "e5": 1.0, "hashing": 1.0},
}
TITLE_MODELS = ("e5", "hashing")
WEIGHTS: dict[str, dict[str, float]] = {
    language: {
        **weights,
        **{sentence_component(n): w for n, w in weights.items() if n != "bm25"},
        **{title_component(n): w / 2 for n, w in weights.items() if n in TITLE_MODELS},
    }
    for language, weights in PASSAGE_WEIGHTS.items()
}


def question_language(question: str) -> str:
    """Return "zh" when the question has any Chinese character, else "en"."""
    return "zh" if has_cjk(question) else "en"


def _min_max(scores: NDArray[np.float32]) -> NDArray[np.float32]:
    """Rescale to 0..1 over all passages (all zeros when every score is the same)."""
    if scores.size == 0:
        return scores
    low, high = float(scores.min()), float(scores.max())
    if high - low < 1e-9:
        return np.zeros_like(scores)
    return ((scores - low) / (high - low)).astype(np.float32)


# Up to this many passages (and sentences) every passage is scored exactly; above it, each
# retriever proposes its best CANDIDATES passages and only their union is scored and fused (see
# score_passages). Scoring every sentence reads all sentence vectors, the costliest part of a
# search after the question encoders (2.7 ms per model for 47,000 sentences).
FULL_SCORING_MAX = 50_000
FULL_SCORING_MAX_SENTENCES = 100_000
CANDIDATES = 200


@dataclass(frozen=True)
class Scores:
    """Scores of the candidate passages for one question: per retriever and fused.

    ``candidates`` are passage positions; ``components[name][i]`` and ``fused[i]`` belong to
    ``candidates[i]``. Below FULL_SCORING_MAX passages (and FULL_SCORING_MAX_SENTENCES
    sentences), every passage is a candidate.
    """

    language: str
    tokens: list[str]
    token_groups: tuple[list[str], list[str]]
    candidates: NDArray[np.int64]
    components: dict[str, NDArray[np.float32]]
    fused: NDArray[np.float32]
    vectors: dict[str, NDArray[np.float32]]
    """The question's vector from each model."""


def _top(scores: NDArray[np.float32], count: int) -> NDArray[np.int64]:
    """Positions of the ``count`` highest scores, in no particular order."""
    if count >= scores.size:
        return np.arange(scores.size, dtype=np.int64)
    return np.argpartition(-scores, count)[:count].astype(np.int64)


Timings = dict[str, float]
"""Seconds spent per stage, accumulated across calls: pass one to see where the time goes."""


@contextlib.contextmanager
def _stage(timings: Timings | None, name: str) -> Iterator[None]:
    """Add the block's wall time to ``timings[name]`` (nothing when timings is None)."""
    if timings is None:
        yield
        return
    started = time.perf_counter()
    try:
        yield
    finally:
        timings[name] = timings.get(name, 0.0) + time.perf_counter() - started


_ENCODERS = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="encode")
"""Runs the models' question encoders side by side: each runs on one thread, and both release
the GIL while they compute (MiniLM 9 ms + E5 13 ms one after the other, 14 ms side by side)."""


@functools.cache
def _one_blas_thread() -> None:
    """Keep numpy's BLAS on one thread in a process that answers questions (done once).

    Scoring is a few matrix-vector products, bound by memory, not arithmetic; a second BLAS
    thread gains nothing there, and OpenBLAS's idle threads spin against the question encoders
    running beside each other (measured at 10,402 passages: encoders 27.5 ms with BLAS on two
    threads, 17.3 ms on one; p50 35.8 ms against 26.0 ms).
    """
    threadpoolctl.threadpool_limits(limits=1, user_api="blas")


def encode_questions(
    embedders: Sequence[Embedder], questions: Sequence[str]
) -> dict[str, NDArray[np.float32]]:
    """Each model's vectors of ``questions``; several models run in parallel."""
    if len(embedders) == 1:
        return {embedders[0].name: embedders[0].encode_queries(questions)}
    futures = {e.name: _ENCODERS.submit(e.encode_queries, questions) for e in embedders}
    return {name: future.result() for name, future in futures.items()}


def score_passages(
    index: SeminarIndex, questions: Sequence[str], timings: Timings | None = None
) -> list[Scores]:
    """Score passages for each (prepared) question with BM25 and each model, then fuse.

    Each retriever's scores are rescaled to 0..1 over the candidates and added with the weights of
    the question's language; the fused score is divided by the weights' sum, so it lies in 0..1.
    Small indexes score every passage exactly. Large ones take each model's top passages from its
    FAISS index and BM25's top passages, then score that union exactly with every retriever.
    """
    _one_blas_thread()
    embedders = [component.embedder for component in index.dense]
    with _stage(timings, f"encode question ({' + '.join(e.name for e in embedders)})"):
        query_vectors = encode_questions(embedders, questions)
    full = (
        len(index) <= FULL_SCORING_MAX
        and int(index.sentence_starts[-1]) <= FULL_SCORING_MAX_SENTENCES
    )
    results = []
    for number, question in enumerate(questions):
        with _stage(timings, "tokenise question"):
            language = question_language(question)
            groups = question_token_groups(question)
            tokens = groups[0] + groups[1]
        with _stage(timings, "bm25"):
            bm25 = index.lexical.scores(tokens)
        vectors = {name: rows[number] for name, rows in query_vectors.items()}
        with _stage(timings, "dense scores + fusion"):
            results.append(_fuse(index, language, groups, bm25, vectors, full))
    return results


def _fuse(
    index: SeminarIndex,
    language: str,
    groups: tuple[list[str], list[str]],
    bm25: NDArray[np.float32],
    vectors: dict[str, NDArray[np.float32]],
    full: bool,
) -> Scores:
    """Pick the candidates, score them with every model, rescale and add up (one question)."""
    tokens = groups[0] + groups[1]
    if full:
        candidates = np.arange(len(index), dtype=np.int64)
    else:
        pools = [_top(bm25, CANDIDATES)]
        for component in index.dense:
            _, ids = component.vectors.search(vectors[component.embedder.name][None, :], CANDIDATES)
            pools.append(ids[0][ids[0] >= 0].astype(np.int64))
        candidates = np.unique(np.concatenate(pools))
    components = {"bm25": bm25 if full else bm25[candidates]}
    for component in index.dense:
        name = component.embedder.name
        rows = component.rows(None if full else candidates)
        components[name] = rows @ vectors[name]
        if component.titles is not None:
            documents = index.passage_documents if full else index.passage_documents[candidates]
            components[title_component(name)] = np.asarray(
                component.titles @ vectors[name], dtype=np.float32
            )[documents]
        if component.sentences is not None:
            components[sentence_component(name)] = _best_sentences(
                component.sentences,
                index.sentence_starts,
                vectors[name],
                None if full else candidates,
            )
    fused = fuse(components, WEIGHTS[language])
    return Scores(language, tokens, groups, candidates, components, fused, vectors)


def fuse(
    components: dict[str, NDArray[np.float32]], weights: dict[str, float]
) -> NDArray[np.float32]:
    """Weighted mean of the components, each rescaled to 0..1; unweighted ones sit out."""
    used = {name: weights.get(name, 0.0) for name in components}
    total = sum(used.values()) or 1.0
    fused = np.zeros(len(next(iter(components.values()))), dtype=np.float32)
    for name, weight in used.items():
        if weight:
            fused += weight * _min_max(components[name])
    return fused / total


def _best_sentences(
    sentences: NDArray[np.float32],
    starts: NDArray[np.int64],
    vector: NDArray[np.float32],
    passages: NDArray[np.int64] | None,
) -> NDArray[np.float32]:
    """Each passage's best sentence score (all passages, or those at ``passages``).

    ``starts`` has one entry per passage plus the end: passage ``i`` owns sentence rows
    ``starts[i]:starts[i+1]``, at least one.
    """
    if passages is None:
        return np.maximum.reduceat(np.asarray(sentences @ vector, np.float32), starts[:-1])
    if not passages.size:
        return np.zeros(0, dtype=np.float32)
    counts = starts[passages + 1] - starts[passages]
    local = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    rows = np.repeat(starts[passages] - local, counts) + np.arange(int(counts.sum()))
    return np.maximum.reduceat(np.asarray(sentences[rows] @ vector, np.float32), local)


@functools.lru_cache(maxsize=65536)
def analyse_passage(
    text: str,
) -> tuple[tuple[Span, ...], tuple[frozenset[str], ...], frozenset[str]]:
    """Sentence spans of a passage, each sentence's lexical tokens, and the passage's tokens.

    Cached by text: tokenising (jieba, stemming, pinyin) is the costly part of ranking hits, and
    the same passages come back for many questions.
    """
    spans = tuple(all_sentence_spans(text))
    tokens = tuple(frozenset(passage_tokens(text[s.start : s.end])) for s in spans)
    return spans, tokens, frozenset(passage_tokens(text))


# What kind of answer a question asks for, and what a sentence holding one looks like.
_ANSWER_TYPES: list[tuple[re.Pattern[str], re.Pattern[str]]] = [
    (  # a person: two capitalised words in a row (romanised Chinese names included)
        re.compile(r"\b(who|whom|whose)\b|谁|哪位|什么人", re.IGNORECASE),
        re.compile(r"\b(?!(?:The|This|It|In|On|At|During|Through|After) )[A-Z][a-z]+ [A-Z][a-z]+"),
    ),
    (  # a time
        re.compile(
            r"\bwhen\b|\bwhat (day|date|time|year)\b|什么时候|何时|哪天|哪一天|日期|时间", re.I
        ),
        re.compile(
            r"\b(19|20)\d\d\b|\b(January|February|March|April|May|June|July|August|September|"
            r"October|November|December)\b|\b(morning|afternoon|evening)\b|\d+月|\d+日"
        ),
    ),
    (  # a quantity
        re.compile(r"\bhow (many|much)\b|多少|几", re.IGNORECASE),
        re.compile(r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|several)\b", re.I),
    ),
]
ANSWER_TYPE_BONUS = 1.0
"""What a sentence gains for holding the answer type (the best word match scores 1.0)."""


def answer_span(
    question_tokens_: Sequence[str],
    passage_text: str,
    idf: Callable[[str], float],
    question: str = "",
    semantic: Sequence[float] | None = None,
) -> tuple[int, int]:
    """Offsets in ``passage_text`` of the sentence that best answers the question.

    Each sentence scores the IDF mass of the question tokens it contains, as a share of the best
    sentence's; plus ``semantic[i]`` when given (the models' similarity of sentence ``i`` to the
    question, each rescaled to 0..1 within the passage); plus ANSWER_TYPE_BONUS when the question
    asks for a person, a time or a quantity and the sentence holds one. Ties go to the earlier
    sentence, and with no evidence at all the first sentence is returned.
    """
    spans, sentence_tokens, _ = analyse_passage(passage_text)
    if not spans:
        return 0, len(passage_text)
    wanted = set(question_tokens_)
    sentences = [passage_text[span.start : span.end] for span in spans]
    lexical = [sum(idf(token) for token in wanted & tokens) for tokens in sentence_tokens]
    top = max(lexical)
    scores = [value / top if top > 0 else 0.0 for value in lexical]
    if semantic is not None and len(semantic) == len(spans):
        scores = [s + float(extra) for s, extra in zip(scores, semantic, strict=True)]
    for asks, holds in _ANSWER_TYPES:
        if asks.search(question):
            scores = [
                s + (ANSWER_TYPE_BONUS if holds.search(t) else 0.0)
                for s, t in zip(scores, sentences, strict=True)
            ]
            break
    best = max(range(len(spans)), key=lambda i: (scores[i] > 1e-9, scores[i], -i))
    return spans[best].start, spans[best].end


def sentence_similarity(
    index: SeminarIndex, scores: Scores, position: int
) -> NDArray[np.float32] | None:
    """How well each sentence of passage ``position`` matches the question, by meaning.

    The sum over the models of their cosine, rescaled to 0..1 within the passage. None when the
    index has no sentence vectors, and for Chinese questions: across languages the sentence
    similarity picked the answer sentence less often than the bridged words alone (measured on
    eval/: .71-.82 against .87-.88), while for English it helps (.91-.96 against .84-.85).
    """
    if scores.language != "en":
        return None
    weights = WEIGHTS[scores.language]
    start, end = index.sentence_starts[position], index.sentence_starts[position + 1]
    total: NDArray[np.float32] | None = None
    for component in index.dense:
        name = component.embedder.name
        if component.sentences is None or not weights.get(sentence_component(name)):
            continue
        similarity = _min_max(np.asarray(component.sentences[start:end] @ scores.vectors[name]))
        total = similarity if total is None else total + similarity
    return total


def coverage(
    token_groups: Sequence[Sequence[str]], passage_text: str, idf: Callable[[str], float]
) -> float:
    """Share of the question's IDF mass found in the passage (0..1), in the best-covered group.

    The groups are the question's direct tokens and its bridged ones (pinyin, glosses): a
    Chinese question is covered by a Chinese passage directly, by an English one through the
    bridges.
    """
    present_tokens = analyse_passage(passage_text)[2]
    best = 0.0
    for group in token_groups:
        wanted = set(group)
        total = sum(idf(t) for t in wanted)
        if total > 0:
            best = max(best, sum(idf(t) for t in wanted & present_tokens) / total)
    return best


def search_batch(
    index: SeminarIndex,
    questions: Sequence[str],
    k: int = 5,
    timings: Timings | None = None,
    doc_ids: Collection[str] | None = None,
) -> list[list[Hit]]:
    """Rank the passages of ``index`` for each question, best first, with answer sentences.

    ``timings``, when given, accumulates the seconds spent in each stage; ``doc_ids``, when
    given, keeps only passages of those documents (ranked among all candidates first).
    """
    if k < 1:
        raise SeminarQAError(f"k of {k} is not a positive number; ask for at least 1 passage")
    with _stage(timings, "prepare question"):
        prepared = [prepare_question(q).text for q in questions]
    if not prepared or not len(index):
        return [[] for _ in prepared]
    idf = functools.lru_cache(maxsize=None)(index.lexical.idf)
    results: list[list[Hit]] = []
    scored = score_passages(index, prepared, timings)
    for question, scores in zip(prepared, scored, strict=True):
        with _stage(timings, "hits: answer sentences + coverage"):
            results.append(_hits(index, question, scores, k, idf, doc_ids))
    return results


def _hits(
    index: SeminarIndex,
    question: str,
    scores: Scores,
    k: int,
    idf: Callable[[str], float],
    doc_ids: Collection[str] | None = None,
) -> list[Hit]:
    """The top ``k`` candidates of one question as hits with answer sentences and signals."""
    wanted = set(doc_ids) if doc_ids else None
    hits: list[Hit] = []
    for slot in np.argsort(-scores.fused, kind="stable"):
        if len(hits) >= k:
            break
        position = int(scores.candidates[slot])
        passage = index.passages[position]
        if wanted is not None and passage.doc_id not in wanted:
            continue
        document = index.documents.get(passage.doc_id)
        semantic = sentence_similarity(index, scores, position)
        start, end = answer_span(
            scores.tokens,
            passage.text,
            idf,
            question,
            None if semantic is None else semantic.tolist(),
        )
        signals = {name: float(v[slot]) for name, v in scores.components.items()}
        signals["coverage"] = coverage(scores.token_groups, passage.text, idf)
        hits.append(
            Hit(
                passage=passage,
                score=float(scores.fused[slot]),
                rank=len(hits) + 1,
                metadata={"path": document.path, **document.metadata} if document else {},
                answer_start=start,
                answer_end=end,
                signals=signals,
            )
        )
    return hits
