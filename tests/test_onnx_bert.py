"""The BERT graph's outlier split, on a tiny random encoder (no packaged model needed)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from seminar_qa.onnx_bert import (
    build_graph,
    outlier_channels,
    pooled,
    run_one,
    session,
    write_int8,
    write_split_int8,
)

if TYPE_CHECKING:
    from numpy.typing import NDArray

OUTLIER = 5
"""The input channel the tiny encoder's embeddings carry very large values in."""


@dataclass
class TinyEncoder:
    """Two layers, 128 wide, random weights (what onnx_bert.EncoderWeights asks for).

    Wide enough that the 99th percentile of the channels' peaks is not the outlier's own.
    """

    layers: int = 2
    heads: int = 2
    hidden: int = 128
    intermediate: int = 256
    eps: float = 1e-12
    seed: int = 7
    _made: dict[str, NDArray[np.float32]] = field(default_factory=dict)

    def _random(self, name: str, shape: tuple[int, ...], scale: float) -> NDArray[np.float32]:
        if name not in self._made:
            rng = np.random.default_rng([self.seed, len(self._made)])
            self._made[name] = (rng.standard_normal(shape) * scale).astype(np.float32)
        return self._made[name]

    def matrix(self, name: str, columns: int) -> NDArray[np.float32]:
        rows = self.intermediate if name.endswith(".fi.w") else self.hidden
        return self._random(name, (rows, columns), 1 / np.sqrt(columns))

    def floats(self, name: str) -> NDArray[np.float32]:
        width = self.intermediate if name.endswith(".fi.b") else self.hidden
        if name.endswith("ln.w"):
            return np.ones(width, np.float32)
        return self._random(name, (width,), 0.02)


def embeddings(count: int, seed: int) -> list[NDArray[np.float32]]:
    """Random inputs whose first and last tokens carry a large value in one channel."""
    rng = np.random.default_rng(seed)
    rows = []
    for length in rng.integers(6, 20, size=count):
        x = rng.standard_normal((int(length), TinyEncoder.hidden)).astype(np.float32)
        x[[0, -1], OUTLIER] = 60.0
        rows.append(x)
    return rows


def outputs(path: Path, inputs: list[NDArray[np.float32]]) -> NDArray[np.float32]:
    runner = session(path)
    return np.vstack([pooled(runner, x) for x in inputs])


def test_the_outlier_channel_is_found_and_split_apart_without_changing_the_product(
    tmp_path: Path,
) -> None:
    import onnx

    model = TinyEncoder()
    found = outlier_channels(build_graph(model), embeddings(8, seed=1))
    assert found["l0.q"] == found["l0.k"] == found["l0.v"] == (OUTLIER,)
    plain, split = tmp_path / "plain.onnx", tmp_path / "split.onnx"
    onnx.save(build_graph(model), plain)
    onnx.save(build_graph(model, found), split)
    inputs = embeddings(5, seed=2)
    assert np.allclose(outputs(plain, inputs), outputs(split, inputs), rtol=1e-4, atol=1e-5)


def test_int8_with_outliers_apart_stays_closer_to_float32(tmp_path: Path) -> None:
    import onnx

    model = TinyEncoder()
    exact = tmp_path / "float.onnx"
    onnx.save(build_graph(model), exact)
    whole, apart = tmp_path / "whole.onnx", tmp_path / "apart.onnx"
    write_int8(build_graph(model), whole, [])
    write_split_int8(model, apart, embeddings(8, seed=1))
    inputs = embeddings(20, seed=3)
    truth = outputs(exact, inputs)

    def error(path: Path) -> float:
        return float(np.abs(outputs(path, inputs) - truth).mean())

    # One channel 60x the rest sets int8's scale for every value of the first products' input:
    # apart, the mean error was .016 against .027 here (2026-12-04).
    assert error(apart) < error(whole) / 1.5, (error(apart), error(whole))


def test_the_states_output_is_what_pooled_averages_and_changes_nothing(tmp_path: Path) -> None:
    model = TinyEncoder()
    plain, both = tmp_path / "plain.onnx", tmp_path / "states.onnx"
    write_split_int8(model, plain, embeddings(8, seed=1))
    write_split_int8(model, both, embeddings(8, seed=1), states=True)
    inputs = embeddings(4, seed=4)
    assert np.array_equal(outputs(plain, inputs), outputs(both, inputs))
    runner = session(both)
    for x in inputs:
        row, states = run_one(runner, x, ["pooled", "states"])
        assert states.shape == (1, len(x), TinyEncoder.hidden)
        assert np.allclose(states[0].mean(axis=0), row[0], atol=1e-5)
