"""The learned answerability model: plain JSON trees, walked in Python (no pickle, no sklearn).

``model.json`` holds gradient-boosted regression trees over named features (fitted by
``answerability.train``): the raw score is ``init + learning_rate * sum(leaf values)``, and a Platt
scaling ``sigmoid(a * raw + b)``, fitted on out-of-fold scores, turns it into a calibrated
probability that the top passage answers the question.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

MODEL_FILE = Path(__file__).resolve().parent / "model.json"
MODEL_FORMAT = 2


@dataclass(frozen=True)
class Tree:
    """One regression tree in sklearn's array form: node ``i`` splits on ``feature[i]``."""

    feature: tuple[int, ...]
    threshold: tuple[float, ...]
    left: tuple[int, ...]
    right: tuple[int, ...]
    value: tuple[float, ...]

    def leaf_value(self, row: Sequence[float]) -> float:
        """The value of the leaf ``row`` falls into (``<=`` goes left, as in sklearn)."""
        node = 0
        while self.left[node] != -1:
            go_left = row[self.feature[node]] <= self.threshold[node]
            node = self.left[node] if go_left else self.right[node]
        return self.value[node]

    @classmethod
    def from_json(cls, data: Mapping[str, Sequence[Any]]) -> Tree:
        """Read one tree; the arrays must have one entry per node."""
        tree = cls(
            feature=tuple(int(v) for v in data["feature"]),
            threshold=tuple(float(v) for v in data["threshold"]),
            left=tuple(int(v) for v in data["left"]),
            right=tuple(int(v) for v in data["right"]),
            value=tuple(float(v) for v in data["value"]),
        )
        if len({len(tree.feature), len(tree.threshold), len(tree.left), len(tree.right)}) != 1:
            raise ValueError("answerability tree arrays differ in length")
        return tree


@dataclass(frozen=True)
class AnswerabilityModel:
    """Boosted trees with a Platt calibration over named features."""

    features: tuple[str, ...]
    init: float
    learning_rate: float
    trees: tuple[Tree, ...]
    platt: tuple[float, float]
    trained_on: Mapping[str, Any]

    def raw(self, features: Mapping[str, float]) -> float:
        """The uncalibrated score (log-odds of the boosted trees)."""
        # sklearn compares float32 features with its thresholds; do the same, so the scores
        # here equal its decision_function (a test checks this).
        row = np.asarray([features[name] for name in self.features], dtype=np.float32).tolist()
        return self.init + self.learning_rate * math.fsum(t.leaf_value(row) for t in self.trees)

    def probability(self, features: Mapping[str, float]) -> float:
        """The calibrated probability (0..1) that the top passage answers the question."""
        a, b = self.platt
        logit = a * self.raw(features) + b
        if logit < -50:  # exp would overflow; the probability is 0 to double precision anyway
            return 0.0
        return 1.0 / (1.0 + math.exp(-logit))

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AnswerabilityModel:
        """Read the model from its JSON form; raises ValueError naming what is wrong."""
        if data.get("format") != MODEL_FORMAT:
            raise ValueError(
                f"answerability model format {data.get('format')!r}, expected {MODEL_FORMAT}"
            )
        try:
            features = tuple(str(f) for f in data["features"])
            trees = tuple(Tree.from_json(t) for t in data["trees"])
            if any(f >= len(features) for t in trees for f in t.feature):
                raise ValueError("a tree splits on a feature the model does not name")
            a, b = data["platt"]
            return cls(
                features=features,
                init=float(data["init"]),
                learning_rate=float(data["learning_rate"]),
                trees=trees,
                platt=(float(a), float(b)),
                trained_on=dict(data.get("trained_on", {})),
            )
        except (KeyError, TypeError) as error:
            raise ValueError(f"answerability model is incomplete ({error!r})") from error


@functools.cache
def load_model(path: Path = MODEL_FILE) -> AnswerabilityModel:
    """The shipped model (read once per process)."""
    return AnswerabilityModel.from_json(json.loads(path.read_text(encoding="utf-8")))
