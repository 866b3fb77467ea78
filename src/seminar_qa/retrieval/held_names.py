"""Which passages hold a Chinese question's many-word names word for word, in English.

A Chinese question over English text reaches it through glosses and the multilingual models,
which weigh what a sentence is about over which organisation it names: "上海师范大学的哪个中心的主任
做了发言？" ("the director of which centre of Shanghai Normal University spoke?") met "an address
by Han Chonghu, Director of the Informatization Division of the Shanghai Municipal Education
Commission" before "Professor Wang Gong, Director of the ... Centre of Shanghai Normal
University". Its name, glossed word by word ("shanghai normal university",
:func:`bridges.name_phrases`), is held by one passage only: fusion weighs that as a signal of
its own (``FusionWeights.names``), where some candidate holds a name.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from seminar_qa.tokenization import base_tokens

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from seminar_qa.index import SeminarIndex


@functools.lru_cache(maxsize=1024)
def _pattern(phrase: str) -> re.Pattern[str]:
    """The phrase's words in order, any punctuation or spacing between them, any case."""
    words = (re.escape(word) for word in phrase.split())
    return re.compile(r"\b" + r"\W+".join(words) + r"\b", re.IGNORECASE)


def held_names(
    index: SeminarIndex, phrases: Sequence[str], candidates: NDArray[np.int64] | None
) -> NDArray[np.float32]:
    """How many of ``phrases`` each candidate passage holds word for word (all passages: None).

    Only the passages BM25 knows to hold every word of a phrase are read, so a question costs
    a few regular-expression searches however large the index.
    """
    counts = np.zeros(len(index), dtype=np.float32)
    for phrase in phrases:
        pattern = _pattern(phrase)
        for position in index.lexical.passages_holding(base_tokens(phrase)):
            if pattern.search(index.passages[int(position)].text):
                counts[position] += 1.0
    return counts if candidates is None else counts[candidates]
