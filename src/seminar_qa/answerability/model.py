"""The learned answerability model: plain JSON trees, walked in Python (no pickle, no sklearn).

``model.json`` holds gradient-boosted regression trees over named features (fitted by
``answerability.train``; five seeds' models averaged are one forest at a fifth of the rate): the raw
score is ``init + learning_rate * sum(leaf values)``, and a Platt
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
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import NDArray

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
class Forest:
    """Every tree's arrays side by side (one row a tree), walked for all trees at once.

    Walking 200 trees node by node in Python took ~0.5 ms a question (cProfile, 10,402
    passages, 2026-12-04); a few numpy steps, one per level, take a tenth of that (1,000 trees:
    0.08 ms a call, /tmp throwaway timing, 2026-12-06).
    """

    feature: NDArray[np.int64]
    threshold: NDArray[np.float64]
    left: NDArray[np.int64]
    right: NDArray[np.int64]
    value: NDArray[np.float64]
    depth: int

    @classmethod
    def of(cls, trees: Sequence[Tree]) -> Forest:
        """The trees' arrays, padded to the largest tree (padding is never reached)."""
        width = max((len(t.feature) for t in trees), default=1)

        def table(name: str, fill: float, dtype: type) -> NDArray[Any]:
            rows: NDArray[Any] = np.full((len(trees), width), fill, dtype=dtype)
            for number, tree in enumerate(trees):
                values = getattr(tree, name)
                rows[number, : len(values)] = values
            return rows

        return cls(
            feature=table("feature", 0, np.int64),
            threshold=table("threshold", 0.0, np.float64),
            left=table("left", -1, np.int64),
            right=table("right", -1, np.int64),
            value=table("value", 0.0, np.float64),
            depth=max((_depth(t) for t in trees), default=0),
        )

    def leaf_values(self, row: NDArray[np.float32]) -> list[float]:
        """Each tree's leaf value for ``row`` (``<=`` goes left, as in sklearn)."""
        trees = np.arange(len(self.feature))
        node = np.zeros(len(self.feature), dtype=np.int64)
        values = row.astype(np.float64)
        for _ in range(self.depth):
            left = self.left[trees, node]
            go_left = values[self.feature[trees, node]] <= self.threshold[trees, node]
            node = np.where(left == -1, node, np.where(go_left, left, self.right[trees, node]))
        leaves: list[float] = self.value[trees, node].tolist()
        return leaves


def _depth(tree: Tree) -> int:
    """The number of splits on the longest path from the root to a leaf."""
    deepest, stack = 0, [(0, 0)]
    while stack:
        node, depth = stack.pop()
        if tree.left[node] == -1:
            deepest = max(deepest, depth)
        else:
            stack += [(tree.left[node], depth + 1), (tree.right[node], depth + 1)]
    return deepest


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
        row = np.asarray([features[name] for name in self.features], dtype=np.float32)
        return self.init + self.learning_rate * math.fsum(self._forest.leaf_values(row))

    @functools.cached_property
    def _forest(self) -> Forest:
        return Forest.of(self.trees)

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
