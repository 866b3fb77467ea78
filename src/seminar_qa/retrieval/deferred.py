"""Signals computed only when asked for, and the floor of a passage a model cannot read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Scorer = Callable[[NDArray[np.int64] | None], NDArray[np.float32]]
"""One model's signal for the passages at the given positions (every passage when None)."""


@dataclass
class Deferred:
    """A signal no weight depends on, computed for the passages that are asked about only.

    Its values are those it would have over all the candidates: a passage its model cannot read
    takes the lowest value of the readable candidates, so that case computes the whole signal
    (once).
    """

    scorer: Scorer
    candidates: NDArray[np.int64] | None
    """Passage positions of the slots (None: slot ``i`` is passage ``i``)."""
    unread: NDArray[np.bool_] | None
    """Over every passage of the index: which ones the model cannot read (None: it reads all)."""
    _values: NDArray[np.float32] | None = None

    def everywhere(self) -> NDArray[np.float32]:
        """The signal over all the candidates (computed on the first call)."""
        if self._values is None:
            values = self.scorer(self.candidates)
            if self.unread is not None:
                floor_unread(values, self.unread, self.candidates)
            self._values = values
        return self._values

    def at(self, slot: int) -> float:
        """The signal of the candidate in ``slot``."""
        position = slot if self.candidates is None else int(self.candidates[slot])
        if self._values is not None or (self.unread is not None and self.unread[position]):
            return float(self.everywhere()[slot])
        return float(self.scorer(np.array([position], dtype=np.int64))[0])


def floor_unread(
    values: NDArray[np.float32], unread: NDArray[np.bool_], candidates: NDArray[np.int64] | None
) -> None:
    """Give the candidates a model cannot read the lowest score of those it can (in place).

    A model's score of a passage it cannot read (MiniLM and Chinese text) is noise: such
    passages get its lowest score, so it neither helps nor hurts them.
    """
    mask = unread if candidates is None else unread[candidates]
    read = ~mask
    values[mask] = values[read].min() if read.any() else 0.0
