"""Token alignment: of two nearly tied first passages, the one the question's words meet better.

Every signal fusion weighs reads a passage or a sentence as one vector (or as a bag of words), so
two paragraphs of one article that share the question's topic can tie: the one that answers and
the one that only names the same things. Here each of the question's words (its tokens that are
not stop words or punctuation) is matched to its closest token of the passage, comparing E5's
last hidden states, each read in the context of its own text, and the mean of those best matches
is the passage's alignment: late interaction, as ColBERT scores passages, with E5's own states
(not trained for it).

It costs a pass of E5 over each passage's whole text (~0.1 s at 1,200 characters here), so only a
near tie pays it (:class:`~seminar_qa.policy.Alignment`). Over the development splits (throwaway
re-ranking of the product's top two passages, 2026-12-05, margin 0.05 and weight 2: 9% of the
questions re-ordered), first passages gained and lost: XQuAD English +7 / -0 of 612, SQuAD 2.0
+9 / -4, ClapNQ 0 / 0, CMRC 0 / -1, the seminar's sets with 300 news articles +1 / 0.

Only within one language. A Chinese question over English text gained on XQuAD (+12 / -7 of
612), but E5 meets a Chinese word's English counterpart less surely than the same word, and the
seminar lost: "长宁区教育局局长是谁？" went to a passage listing district heads instead of the
Changning director's, and aligning through the question's gloss translation instead (研讨会 ->
"discussion forum") sent "这次研讨会是哪天举行的？" to a news story of "two days of talks" among
300 news articles (BENCHMARKS.md, "Token alignment").
"""

from __future__ import annotations

import functools
import re
from collections.abc import Hashable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Protocol

import numpy as np

from seminar_qa.policy import Alignment
from seminar_qa.simplified import to_simplified
from seminar_qa.text import CJK_RUN, main_language
from seminar_qa.tokenization import is_stopword

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from seminar_qa.e5_onnx import TokenStates
    from seminar_qa.index import SeminarIndex
    from seminar_qa.retrieval.fusion import Scores

_WORD = re.compile(r"\w")
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


def _is_word(piece: str) -> bool:
    return bool(_WORD.search(piece))


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
        if _is_word(piece) and not _asks_nothing(piece)
    ]
    return states.states[keep] if keep else states.states


def passage_rows(states: TokenStates) -> NDArray[np.float32]:
    """The states of the passage's tokens that hold a letter or digit (not punctuation)."""
    return states.states[[number for number, piece in enumerate(states.pieces) if _is_word(piece)]]


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

    Only when both passages are in the question's language. On a tie within
    ``policy.tie_margin`` each of the two loses ``policy.weight`` times what its alignment falls
    short of the better one's, so the better-aligned passage keeps its own score and the order
    stays by score.
    """
    ranked = [(int(slot), float(scores.fused[slot])) for slot in slots]
    if len(ranked) < 2 or ranked[0][1] - ranked[1][1] >= policy.tie_margin:
        return ranked
    encoder = token_encoder(index)
    if encoder is None:
        return ranked
    texts = [index.passages[int(scores.candidates[slot])].text for slot, _ in ranked[:2]]
    if any(main_language(text) != scores.language for text in texts):
        return ranked  # across languages, see the module's docstring
    asked, *read = _states(encoder, question, tuple(texts))
    wanted = question_rows(asked)
    aligned = [alignment(wanted, passage_rows(states)) for states in read]
    best = max(aligned)
    adjusted = [
        (slot, score - policy.weight * (best - value))
        for (slot, score), value in zip(ranked[:2], aligned, strict=True)
    ]
    return sorted(adjusted + ranked[2:], key=lambda pair: -pair[1])


def _states(encoder: TokenEncoder, question: str, texts: tuple[str, ...]) -> list[TokenStates]:
    """The question's states, then each passage's: the passages on two threads at once."""
    with ThreadPoolExecutor(2) as pool:
        passages = [pool.submit(_passage_states, encoder, text) for text in texts]
        asked = encoder.token_states(question, query=True)
        return [asked, *(future.result() for future in passages)]


@functools.lru_cache(maxsize=32)
def _passage_states(encoder: TokenEncoder, text: str) -> TokenStates:
    """A passage's states, kept for the next question that ties on it (~0.3 MB each)."""
    return encoder.token_states(text, query=False)
