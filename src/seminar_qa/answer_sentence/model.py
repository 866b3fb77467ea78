"""The learned answer-sentence scorer: logistic weights over named features, read from JSON.

``model.json`` holds the standardisation (mean, scale) and the pairwise logistic coefficients
fitted by ``answer_sentence.train``: the difference of two sentences' scores is the log-odds that
the first rather than the second holds the answer. Only the ranking of a passage's sentences
matters, so no calibration is kept.
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
MODEL_FORMAT = 1


@dataclass(frozen=True)
class SentenceModel:
    """Standardised logistic weights over :data:`FEATURES`, and the models it needs."""

    models: tuple[str, ...]
    weights: NDArray[np.float64]
    """Coefficients divided by the feature scales: applied to raw features directly."""
    intercept: float
    trained_on: Mapping[str, Any]

    def applies_to(self, models: Iterable[str]) -> bool:
        """Whether an index holding ``models`` has every cosine the weights read."""
        return set(self.models) <= set(models)

    def scores(self, rows: NDArray[np.float64]) -> NDArray[np.float64]:
        """Each row's score (one per sentence): the highest marks the passage's answer."""
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
            mean = np.asarray(data["mean"], dtype=np.float64)
            scale = np.asarray(data["scale"], dtype=np.float64)
            coef = np.asarray(data["coef"], dtype=np.float64)
            if not mean.shape == scale.shape == coef.shape == (len(features),):
                raise ValueError("answer-sentence model arrays differ in length")
            weights = coef / scale
            return cls(
                models=tuple(str(m) for m in data["models"]),
                weights=weights,
                intercept=float(data["intercept"]) - float(weights @ mean),
                trained_on=dict(data.get("trained_on", {})),
            )
        except (KeyError, TypeError) as error:
            raise ValueError(f"answer-sentence model is incomplete ({error!r})") from error


@functools.cache
def load_model(path: Path = MODEL_FILE) -> SentenceModel:
    """The shipped model (read once per process)."""
    return SentenceModel.from_json(json.loads(path.read_text(encoding="utf-8")))
