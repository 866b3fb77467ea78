"""The learned answer-sentence scorer: logistic weights over named features, read from JSON.

``model.json`` holds the standardisation (mean, scale) and the pairwise logistic coefficients
fitted by ``answer_sentence.train``: the difference of two sentences' scores is the log-odds that
the first rather than the second holds the answer. Only the ranking of a passage's sentences
matters, so no calibration is kept. A second set (``chinese_text``) scores passages of Chinese
text.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from seminar_qa.answer_sentence.features import FEATURES

if TYPE_CHECKING:
    from numpy.typing import NDArray

MODEL_FILE = Path(__file__).resolve().parent / "model.json"
MODEL_FORMAT = 2


@dataclass(frozen=True)
class SentenceModel:
    """Standardised logistic weights over :data:`FEATURES`, and the models it needs."""

    models: tuple[str, ...]
    weights: NDArray[np.float64]
    """Coefficients divided by the feature scales: applied to raw features directly."""
    intercept: float
    trained_on: Mapping[str, Any]
    chinese_weights: NDArray[np.float64]
    """The same, for passages of Chinese text."""
    chinese_intercept: float

    def applies_to(self, models: Iterable[str]) -> bool:
        """Whether an index holding ``models`` has every cosine the weights read."""
        return set(self.models) <= set(models)

    def scores(
        self, rows: NDArray[np.float64], *, chinese_text: bool = False
    ) -> NDArray[np.float64]:
        """Each row's score (one per sentence): the highest marks the passage's answer.

        ``chinese_text``: the passage is Chinese text, which has weights of its own.
        """
        if chinese_text:
            return np.asarray(rows @ self.chinese_weights + self.chinese_intercept, np.float64)
        return np.asarray(rows @ self.weights + self.intercept, dtype=np.float64)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SentenceModel:
        """Read the model; raises ValueError naming what is wrong."""
        if data.get("format") != MODEL_FORMAT:
            raise ValueError(
                f"answer-sentence model format {data.get('format')!r}, expected {MODEL_FORMAT}"
            )
        try:
            features = [str(name) for name in data["features"]]
            if features != list(FEATURES):
                raise ValueError(
                    "the answer-sentence model was fitted on other features; refit it with "
                    "`make answer-sentence`"
                )
            weights, intercept = _weights(data, len(features))
            chinese, chinese_intercept = _weights(data["chinese_text"], len(features))
            return cls(
                models=tuple(str(m) for m in data["models"]),
                weights=weights,
                intercept=float(data["intercept"]) + intercept,
                trained_on=dict(data.get("trained_on", {})),
                chinese_weights=chinese,
                chinese_intercept=float(data["intercept"]) + chinese_intercept,
            )
        except (KeyError, TypeError) as error:
            raise ValueError(f"answer-sentence model is incomplete ({error!r})") from error


def _weights(data: Mapping[str, Any], count: int) -> tuple[NDArray[np.float64], float]:
    """Weights for raw features, and the intercept the standardisation adds."""
    mean = np.asarray(data["mean"], dtype=np.float64)
    scale = np.asarray(data["scale"], dtype=np.float64)
    coef = np.asarray(data["coef"], dtype=np.float64)
    if not mean.shape == scale.shape == coef.shape == (count,):
        raise ValueError("answer-sentence model arrays differ in length")
    weights = coef / scale
    return weights, -float(weights @ mean)


@functools.cache
def load_model(path: Path = MODEL_FILE) -> SentenceModel:
    """The shipped model (read once per process)."""
    return SentenceModel.from_json(json.loads(path.read_text(encoding="utf-8")))
