"""Fusion: score the candidate passages with BM25 and every model, rescale, and add up.

Each retriever's scores are rescaled to 0..1 over the candidates and added with the weights the
policy gives the question's language (a passage in another language may take weights of its own,
:class:`~seminar_qa.policy.Weighing`); the fused score is divided by the weights' sum, so it lies
in 0..1. Small indexes score every passage; large ones take each retriever's top passages and
score that union (``SearchPolicy.candidates``). A signal the policy gives no weight for the
question's language (USE's for English questions) is not computed over the candidates: only for
the passages whose hits report it, when they are asked for.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import threadpoolctl

from seminar_qa.index.lexical import QuestionTerms, question_terms, top_positions
from seminar_qa.policy import NAMES, SearchPolicy, Weighing, sentence_signal, title_signal
from seminar_qa.retrieval.crossing import QuestionVector
from seminar_qa.retrieval.deferred import Deferred, Scorer, floor_unread
from seminar_qa.retrieval.encoders import ENCODER_THREADS, encode_questions
from seminar_qa.retrieval.held_names import held_names
from seminar_qa.retrieval.timings import Timings, stage
from seminar_qa.text import Language, language_of

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from seminar_qa.index import SeminarIndex
    from seminar_qa.index.dense import DenseVectors

_PARALLEL_SENTENCES = 20_000
"""From this many sentences on, when every passage is scored, the models' dense scores are
computed side by side: below it a thread's hand-over costs more than the products (the seminar
index has 126 sentences). The default policy scores every passage up to 10,000 sentences only;
a policy stored in an index before 2026-12-04 does up to 100,000."""


def min_max(scores: NDArray[np.float32]) -> NDArray[np.float32]:
    """Rescale to 0..1 over all entries (all zeros when every score is the same).

    A lone entry is the best there is: 1 (an index of one passage showed it as "score 0.000").
    """
    if scores.size <= 1:
        return np.ones_like(scores)
    low, high = float(scores.min()), float(scores.max())
    if high - low < 1e-9:
        return np.zeros_like(scores)
    return ((scores - low) / (high - low)).astype(np.float32)


def fuse(
    components: Mapping[str, NDArray[np.float32]],
    weights: Mapping[str, float],
    unread: Mapping[str, NDArray[np.bool_]] | None = None,
) -> NDArray[np.float32]:
    """Weighted mean of the components, each rescaled to 0..1; unweighted ones sit out.

    ``unread`` marks, per component, the candidates its model cannot read: where it reads some,
    theirs is the mean of the others (where it reads none, it is the same 0 for all).
    """
    used = {name: weights.get(name, 0.0) for name in components}
    total = sum(used.values()) or 1.0
    fused = np.zeros(len(next(iter(components.values()))), dtype=np.float32)
    sitting_out = []
    for name, weight in used.items():
        if weight:
            fused += weight * min_max(components[name])
            mask = None if unread is None else unread.get(name)
            if mask is not None and mask.any() and not mask.all():
                sitting_out.append((mask, weight))
    if not sitting_out:  # every question over an index of one language
        return fused / total
    totals = np.full(len(fused), total, dtype=np.float32)
    for mask, weight in sitting_out:
        totals[mask] -= weight  # its floored score rescales to 0 there
    return np.where(totals > 0, fused / np.maximum(totals, 1e-9), 0.0).astype(np.float32)


@dataclass(frozen=True)
class Scores:
    """Scores of the candidate passages for one question: per signal and fused.

    ``candidates`` are passage positions; ``components[name][i]`` and ``fused[i]`` belong to
    ``candidates[i]``. ``components`` holds the signals fusion weighs; ``deferred`` the others,
    computed when asked (:meth:`signals_at`, :meth:`all_components`).
    """

    language: Language
    terms: QuestionTerms
    candidates: NDArray[np.int64]
    components: dict[str, NDArray[np.float32]]
    fused: NDArray[np.float32]
    vectors: dict[str, QuestionVector]
    """The question's vector from each model (and where it crosses languages)."""
    deferred: dict[str, Deferred]
    order: tuple[str, ...]
    """Every signal's name, in the order hits report them."""

    def signals_at(self, slot: int) -> dict[str, float]:
        """Every signal of the candidate in ``slot``, weighed by fusion or not."""
        return {
            name: float(self.components[name][slot])
            if name in self.components
            else self.deferred[name].at(slot)
            for name in self.order
        }

    def all_components(self) -> dict[str, NDArray[np.float32]]:
        """Every signal over all the candidates (the deferred ones computed now)."""
        return {
            name: self.components[name]
            if name in self.components
            else self.deferred[name].everywhere()
            for name in self.order
        }


@functools.cache
def _one_blas_thread() -> None:
    """Keep numpy's BLAS on one thread in a process that answers questions (done once).

    Scoring is a few matrix-vector products, bound by memory, not arithmetic; a second BLAS
    thread gains nothing there, and OpenBLAS's idle threads spin against the question encoders
    running beside each other (measured at 10,402 passages: encoders 27.5 ms with BLAS on two
    threads, 17.3 ms on one; p50 35.8 ms against 26.0 ms).
    """
    threadpoolctl.threadpool_limits(limits=1, user_api="blas")


@dataclass
class _Lexical:
    """What a question needs before the slowest model's vector: its words and BM25 scores."""

    language: Language
    terms: QuestionTerms
    weights: Weighing
    """Fusion's weights for the question's language (and passages in another)."""
    bm25: NDArray[np.float32]
    nearest: dict[str, NDArray[np.int64]]
    """Candidate lists of the models whose vectors came first (large indexes only)."""
    pool: NDArray[np.int64] | None = None
    """The candidates known before the slowest model's vector, sorted (large indexes only)."""
    prescored: dict[str, dict[str, NDArray[np.float32]]] = field(default_factory=dict)
    """Per model whose vector came first: its weighed signals over ``pool``, not yet floored."""


def score_passages(
    index: SeminarIndex,
    questions: Sequence[str],
    policy: SearchPolicy,
    timings: Timings | None = None,
) -> list[Scores]:
    """Score the passages of ``index`` for each (prepared) question, and fuse.

    The question's words, its BM25 scores and the candidate lists of the faster models are
    worked out while the slowest model still encodes (at 10,402 passages E5 took ~13 ms, MiniLM
    and USE ~9 ms on the other lane): the calling thread would otherwise wait idle.
    """
    _one_blas_thread()
    embedders = index.embedders
    limits = policy.candidates
    full = (
        len(index) <= limits.full_scoring_max_passages
        and index.sentence_count <= limits.full_scoring_max_sentences
    )
    lexical: list[_Lexical] = []
    overlapped: Timings = {}
    chinese_text = bool(index.passages_in("zh").any())

    def meanwhile(ready: Mapping[str, NDArray[np.float32]]) -> None:
        for number, question in enumerate(questions):
            with stage(overlapped, "tokenise question"):
                language = language_of(question)
                terms = question_terms(
                    question, into_chinese=chinese_text, names=index.name_spellings
                )
            with stage(overlapped, "bm25"):
                bm25 = index.bm25_scores(terms)
            with stage(overlapped, "dense scores + fusion"):
                weights = policy.weighing(language, index.languages, index.model_names)
                early = _Lexical(language, terms, weights, bm25, {})
                if not full:
                    _score_early(index, policy, early, ready, number)
            lexical.append(early)

    encoding = f"encode question ({' + '.join(e.name for e in embedders)})"
    with stage(timings, encoding):
        query_vectors = encode_questions(embedders, questions, meanwhile, index.name_spellings)
    if timings is not None:  # each stage counts once: the overlapped work under its own name
        timings[encoding] -= sum(overlapped.values())
        for name, seconds in overlapped.items():
            timings[name] = timings.get(name, 0.0) + seconds
    results = []
    for number, early in enumerate(lexical):
        with stage(timings, "dense scores + fusion"):
            vectors = {
                dense.name: QuestionVector.of(
                    index, dense, early.language, query_vectors[dense.name][number]
                )
                for dense in index.dense
            }
            results.append(_fuse(index, policy, early, vectors, full))
    return results


def _score_early(
    index: SeminarIndex,
    policy: SearchPolicy,
    early: _Lexical,
    ready: Mapping[str, NDArray[np.float32]],
    number: int,
) -> None:
    """The candidates and scores the models that came first can give, while the slowest encodes.

    Their candidate lists, the union of those with BM25's (the final candidates less what the
    slowest model adds), and their weighed signals over that union: after the slowest model,
    only the passages it alone adds are scored by the others (at 10,402 passages the calling
    thread had ~2 ms to spare before E5's vector; /tmp throwaway timing, 2026-12-04).
    """
    count, weights = policy.candidates.per_retriever, early.weights
    vectors = {}
    for dense in index.dense:
        if dense.name in ready and _retrieves(dense.name, weights):
            vector = QuestionVector.of(index, dense, early.language, ready[dense.name][number])
            vectors[dense.name] = (dense, vector)
            early.nearest[dense.name] = vector.nearest(dense, count)
    pools = _bm25_pool(early, count)
    pools.extend(early.nearest.values())
    early.pool = np.unique(np.concatenate(pools)) if pools else np.zeros(0, np.int64)
    for dense, vector in vectors.values():
        early.prescored[dense.name] = {
            name: scorer(early.pool)
            for name, scorer in _model_scorers(dense, vector).items()
            if weights.get(name)
        }


def _bm25_pool(early: _Lexical, count: int) -> list[NDArray[np.int64]]:
    """BM25's ``count`` top passages as a candidate pool, if fusion weighs BM25 at all."""
    return [top_positions(early.bm25, count)] if early.weights.get("bm25") else []


def _model_scorers(dense: DenseVectors, vector: QuestionVector) -> dict[str, Scorer]:
    """One model's three signals (passage, document title, best sentence) for a question."""
    scored_by = functools.partial(QuestionVector.scores, vector)
    return {
        dense.name: functools.partial(scored_by, dense.passage_scores, signal="passage"),
        title_signal(dense.name): functools.partial(scored_by, dense.title_scores, signal="title"),
        sentence_signal(dense.name): functools.partial(
            scored_by, dense.best_sentence_scores, signal="sentence"
        ),
    }


def _extended(
    pool: NDArray[np.int64],
    values: NDArray[np.float32],
    candidates: NDArray[np.int64],
    scorer: Scorer,
) -> NDArray[np.float32]:
    """A signal over ``candidates``: from ``values`` (over ``pool``) where known, else scored."""
    slots = np.minimum(np.searchsorted(pool, candidates), max(len(pool) - 1, 0))
    known = pool[slots] == candidates if len(pool) else np.zeros(len(candidates), np.bool_)
    result = np.empty(len(candidates), dtype=np.float32)
    result[known] = values[slots[known]]
    if not known.all():
        result[~known] = scorer(candidates[~known])
    return result


def _retrieves(model: str, weights: Weighing) -> bool:
    """Whether fusion weighs any of ``model``'s signals (then it lists candidates)."""
    return any(weights.get(s) for s in (model, sentence_signal(model), title_signal(model)))


def _candidates(
    index: SeminarIndex,
    policy: SearchPolicy,
    early: _Lexical,
    vectors: dict[str, QuestionVector],
) -> NDArray[np.int64]:
    """The union of each weighted retriever's top passages, in passage order.

    A retriever fusion gives no weight in the question's language (USE for English questions)
    adds none: its scores could not lift the passages it lists.
    """
    count, weights = policy.candidates.per_retriever, early.weights
    # BM25's and the first models' pool, when it was made while the slowest model encoded.
    pool = early.pool
    pools = [pool] if pool is not None and pool.size else _bm25_pool(early, count)
    for dense in index.dense:
        if _retrieves(dense.name, weights):
            found = early.nearest.get(dense.name)
            pools.append(vectors[dense.name].nearest(dense, count) if found is None else found)
    if not pools:
        return np.arange(len(index), dtype=np.int64)
    return np.unique(np.concatenate(pools))


def _fuse(
    index: SeminarIndex,
    policy: SearchPolicy,
    early: _Lexical,
    vectors: dict[str, QuestionVector],
    full: bool,
) -> Scores:
    """Pick the candidates, score them with every model, rescale and add up (one question)."""
    language, terms, weights, bm25 = early.language, early.terms, early.weights, early.bm25
    candidates = None if full else _candidates(index, policy, early, vectors)
    components = {"bm25": bm25 if candidates is None else bm25[candidates]}
    scorers: dict[str, tuple[DenseVectors, Scorer]] = {
        name: (dense, scorer)
        for dense in index.dense
        for name, scorer in _model_scorers(dense, vectors[dense.name]).items()
    }
    fused_now = {name: entry for name, entry in scorers.items() if weights.get(name)}

    def score(dense: DenseVectors) -> dict[str, NDArray[np.float32]]:
        known = early.prescored.get(dense.name)
        scored = {
            name: scorer(candidates)
            if known is None or early.pool is None or candidates is None
            else _extended(early.pool, known[name], candidates, scorer)
            for name, (owner, scorer) in fused_now.items()
            if owner is dense
        }
        unread = index.unread_by(dense.embedder)
        if unread is not None:
            for values in scored.values():
                floor_unread(values, unread, candidates)
        return scored

    # Each model's products stream its sentence vectors from memory (at 10,402 passages, 47,639
    # sentences: 73-98 MB a model, ~7 ms each on one core); numpy lets go of the GIL while it
    # multiplies, so the models run side by side.
    if candidates is None and len(index.dense) > 1 and index.sentence_count >= _PARALLEL_SENTENCES:
        all_scored = list(ENCODER_THREADS.map(score, index.dense))
    else:
        all_scored = [score(dense) for dense in index.dense]
    for scored in all_scored:
        components.update(scored)
    if weights.get(NAMES) and terms.names:
        held = held_names(index, terms.names, candidates)
        if held.any():  # else it sits out, and the other signals' sum is what it always was
            components[NAMES] = held
    deferred = {
        name: Deferred(scorer, candidates, index.unread_by(owner.embedder))
        for name, (owner, scorer) in scorers.items()
        if name not in fused_now
    }
    unread = {  # only passages in another language than the question's use it
        name: mask if candidates is None else mask[candidates]
        for name, (owner, _) in fused_now.items()
        if weights.across and (mask := index.unread_by(owner.embedder)) is not None
    }
    # Only passages in another language than the question's sit out what cannot read them: a
    # Chinese question's floored MiniLM keeps Chinese passages from drowning English ones
    # (sat out, XQuAD's Chinese questions in bench/mixed_eval.py's index: .886 -> .758).
    fused = fuse(components, weights.own)
    for passage_language, across in weights.across.items():
        mask = index.passages_in(passage_language)
        here = mask if candidates is None else mask[candidates]
        fused = np.where(here, fuse(components, across, unread), fused)
    positions = np.arange(len(index), dtype=np.int64) if candidates is None else candidates
    order = ("bm25", *scorers)
    return Scores(language, terms, positions, components, fused, vectors, deferred, order)
