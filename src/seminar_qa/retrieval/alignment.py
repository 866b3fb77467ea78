"""Token alignment: of two nearly tied first passages, the one the question's words meet better.

Every signal fusion weighs reads a passage or a sentence as one vector (or as a bag of words), so
two paragraphs of one article that share the question's topic can tie: the one that answers and
the one that only names the same things. Here each of the question's words (its tokens that are
not stop words or punctuation) is matched to its closest token of the passage, comparing E5's
last hidden states, each read in the context of its own text, and the mean of those best matches
is the passage's alignment: late interaction, as ColBERT scores passages, with E5's own states
(not trained for it).

E5 costs ~0.5 ms a token here, so only a near tie pays it (:class:`~seminar_qa.policy.Alignment`),
and a passage is read as the two sentences its E5 sentence vectors rank best for the question,
each sentence alone. Over the development splits (throwaway re-ranking of the product's top two
passages, 2026-12-05, margin 0.05 and weight 2: 9% of the questions re-ordered), first passages
gained and lost, whole passages / best two sentences: XQuAD English +7 / -0 and +5 / -0 of 612,
SQuAD 2.0 +9 / -4 and +11 / -3, ClapNQ 0 / 0 both, CMRC 0 / -1 both, the seminar's sets with 300
news articles +1 / 0 and +2 / 0. Two sentences read a third to a half of the tokens (the larger
passage of a tie: median 81 against 172), and a sentence's states serve every later question
that picks it, where an excerpt read together would change with the question (BENCHMARKS.md,
"Token alignment").

Across languages the same holds with less weight. E5 meets a Chinese word's English counterpart
less surely than the same word, so a Chinese question's alignments with English text are lower
and closer together; aligned with whole passages, XQuAD's Chinese questions gained +12 / -7
and the seminar lost "长宁区教育局局长是谁？" to a passage listing district heads. Read as
their two best sentences, at weight 1.5: +11 / -2 on XQuAD (weight 2: +16 / -5; 1: +6 / -1),
none lost on the seminar's sets with or without 300 news articles. Two passages in different
languages are not compared: a question's words meet text in their own language better whatever
it says.
"""

from __future__ import annotations

import functools
from collections.abc import Hashable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Protocol

import numpy as np

from seminar_qa.policy import Alignment
from seminar_qa.simplified import to_simplified
from seminar_qa.text import CJK_RUN
from seminar_qa.tokenization import has_word, is_stopword

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from seminar_qa.e5_onnx import TokenStates
    from seminar_qa.index import SeminarIndex
    from seminar_qa.retrieval.fusion import Scores

_MARKER = "\u2581"  # SentencePiece's word-start marker


class TokenEncoder(Hashable, Protocol):
    """An embedder that gives each token's state (E5 through onnxruntime)."""

    def token_states(self, text: str, *, query: bool) -> TokenStates:
        """``text``'s tokens and their normalised states."""
        ...


def token_encoder(index: SeminarIndex) -> TokenEncoder | None:
    """The index's E5 embedder when it gives token states (a test fake does not)."""
    for embedder in index.embedders:
        if embedder.name == "e5" and callable(getattr(embedder, "token_states", None)):
            encoder: TokenEncoder = embedder  # type: ignore[assignment]
            return encoder
    return None


def _asks_nothing(piece: str) -> bool:
    """A stop word, or Chinese characters each of which is one (是谁: "is who")."""
    word = to_simplified(piece.strip(_MARKER).lower())
    if is_stopword(word):
        return True
    return CJK_RUN.fullmatch(word) is not None and all(is_stopword(char) for char in word)


def question_rows(states: TokenStates) -> NDArray[np.float32]:
    """The states of the question's words: tokens with a letter that are not stop words.

    A question of stop words only keeps all its tokens.
    """
    keep = [
        number
        for number, piece in enumerate(states.pieces)
        if has_word(piece) and not _asks_nothing(piece)
    ]
    return states.states[keep] if keep else states.states


def passage_rows(states: TokenStates) -> NDArray[np.float32]:
    """The states of the passage's tokens that hold a letter or digit (not punctuation)."""
    return states.states[[number for number, piece in enumerate(states.pieces) if has_word(piece)]]


def alignment(question: NDArray[np.float32], passage: NDArray[np.float32]) -> float:
    """The mean over the question's rows of each one's best cosine with a passage row."""
    if not len(question) or not len(passage):
        return 0.0
    return float((question @ passage.T).max(axis=1).mean())


def realigned(
    index: SeminarIndex,
    question: str,
    scores: Scores,
    slots: Sequence[int],
    policy: Alignment,
) -> list[tuple[int, float]]:
    """``slots`` (best first) with their fused scores, the first two re-ordered on a near tie.

    Only when both passages are in one language. On a tie within ``policy.tie_margin`` each of
    the two loses ``policy.weight`` (``policy.across_weight`` when their language is not the
    question's) times what its alignment falls short of the better one's; when that puts the
    second passage first, it keeps its own score and the other falls below it. A first passage
    that stays first keeps every fused score: the answerability model reads the margin fusion
    gives, and a smaller one after an alignment that did not change the answer turned the
    seminar's "长宁区教育局局长是谁？" from *answered* to *closest*. A passage is read as its
    ``policy.sentences`` best sentences (:func:`excerpt`).
    """
    ranked = [(int(slot), float(scores.fused[slot])) for slot in slots]
    if len(ranked) < 2 or ranked[0][1] - ranked[1][1] >= policy.tie_margin:
        return ranked
    encoder = token_encoder(index)
    if encoder is None:
        return ranked
    positions = [int(scores.candidates[slot]) for slot, _ in ranked[:2]]
    languages = {str(index.passage_languages[p]) for p in positions}
    weight = policy.weight if languages == {scores.language} else policy.across_weight
    if len(languages) > 1 or not weight:
        return ranked  # see the module's docstring
    excerpts = [excerpt(index, scores, position, policy.sentences) for position in positions]
    asked, read = _states(encoder, question, excerpts)
    wanted = question_rows(asked)
    aligned = [
        alignment(wanted, np.concatenate([passage_rows(states) for states in texts]))
        for texts in read
    ]
    best = max(aligned)
    adjusted = [
        (slot, score - weight * (best - value))
        for (slot, score), value in zip(ranked[:2], aligned, strict=True)
    ]
    order = sorted(adjusted + ranked[2:], key=lambda pair: -pair[1])
    return order if order[0][0] != ranked[0][0] else ranked


def excerpt(index: SeminarIndex, scores: Scores, position: int, count: int) -> list[str]:
    """The ``count`` sentences of passage ``position`` whose E5 vectors meet the question best.

    The whole text when ``count`` is 0 or the index has no E5 sentence vectors. Each sentence is
    read alone, so its states serve every later question that picks it (a passage's best
    sentences change with the question, its sentences do not).
    """
    passage = index.passages[position]
    dense = next((d for d in index.dense if d.name == "e5"), None)
    if not count or dense is None:
        return [passage.text]
    cosines = dense.sentence_scores(scores.vectors[dense.name].at(position), position)
    best = sorted(np.argsort(-cosines, kind="stable")[:count].tolist())
    return [passage.text[start:end] for start, end in (passage.sentences[i] for i in best)]


def _states(
    encoder: TokenEncoder, question: str, excerpts: Sequence[Sequence[str]]
) -> tuple[TokenStates, list[list[TokenStates]]]:
    """The question's states, then each excerpt's texts': the texts on two threads at once."""
    with ThreadPoolExecutor(2) as pool:
        futures = [[pool.submit(_text_states, encoder, t) for t in texts] for texts in excerpts]
        asked = encoder.token_states(question, query=True)
        return asked, [[future.result() for future in texts] for texts in futures]


@functools.lru_cache(maxsize=256)
def _text_states(encoder: TokenEncoder, text: str) -> TokenStates:
    """A passage text's states, kept for the next question that picks it (~60 KB a sentence)."""
    return encoder.token_states(text, query=False)
