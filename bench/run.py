#!/usr/bin/env python
"""Performance benchmarks as code: build, incremental rebuild, query latency, cold start, scale.

Every figure is measured in one run of this script; comparisons (build vs bare encode, thread
settings) are measured side by side in that run and reported as ratios. The
results go to ``bench/results.json`` and, between the markers ``<!-- bench:start -->`` and
``<!-- bench:end -->``, to ``BENCHMARKS.md`` (the rest of that file is kept as it is).

Run:  .venv/bin/python bench/run.py [--quick] [--only build,latency,scale]
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import itertools
import json
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from seminar_qa.index import SeminarIndex

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: `bench` is importable as a package

from bench.distractor_eval import assemble_corpus, select_news  # noqa: E402
from seminar_qa.cores import usable_cores  # noqa: E402
from seminar_qa.text import has_cjk  # noqa: E402

NEWS_DIR = ROOT.parent / "shared" / "bench" / "bbc-news"
CMRC_DIR = ROOT.parent / "shared" / "eval" / "external" / "cmrc"
CMRC_IN_ENGLISH = ROOT / "eval" / "translated" / "cmrc_en.jsonl"
WORK = ROOT / "build" / "bench"
CACHE = ROOT / "build" / "bench-cache"
RESULTS = ROOT / "bench" / "results.json"
REPORT = ROOT / "BENCHMARKS.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"
SECTIONS = (
    "build", "incremental", "latency", "mixed", "threads", "coldstart", "scale", "lexical"
)  # fmt: skip
QUESTION_FILES = sorted((ROOT / "eval").glob("*.jsonl"))


# --------------------------------------------------------------------------------------------
# Small helpers (tested in tests/test_bench.py)


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0..100) of ``values`` by linear interpolation; NaN when empty."""
    if not values:
        return float("nan")
    return float(np.percentile(np.asarray(values, dtype=np.float64), q))


def fmt(value: Any) -> str:
    """A figure as table text: floats to 3 significant digits, None as a dash."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if value != value:
            return "n/a"
        if abs(value) >= 100:
            return f"{value:,.0f}"
        return f"{value:.3g}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


@dataclass
class Row:
    """One line of a section's table: figure, target, measured value and verdict."""

    figure: str
    measured: Any
    target: str = ""
    met: bool | None = None
    unit: str = ""

    def cells(self) -> list[str]:
        """The four table cells."""
        measured = fmt(self.measured) + (f" {self.unit}" if self.unit else "")
        verdict = "" if self.met is None else ("✅ met" if self.met else "❌ missed")
        return [self.figure, self.target or "–", measured, verdict or "–"]


def markdown_table(rows: Sequence[Row]) -> str:
    """A Markdown table of ``rows`` (figure | target | measured | met?)."""
    lines = ["| figure | target | measured | met? |", "| --- | --- | --- | --- |"]
    for row in rows:
        cells = [c.replace("|", "\\|") for c in row.cells()]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def splice_report(existing: str, generated: str) -> str:
    """Replace the text between the bench markers in ``existing`` with ``generated``.

    Without markers, ``generated`` (with markers) is appended, so hand-written parts and other
    sections (such as "## Reliability") survive every rerun.
    """
    block = f"{START}\n{generated.strip()}\n{END}"
    if START in existing and END in existing:
        head, rest = existing.split(START, 1)
        _, tail = rest.split(END, 1)
        return head + block + tail
    return existing.rstrip() + ("\n\n" if existing.strip() else "") + block + "\n"


def synthetic_vectors(
    count: int, dimension: int, centres: int, rng: np.random.Generator, spread: float = 1.0
) -> NDArray[np.float32]:
    """Unit vectors drawn as a Gaussian mixture around ``centres`` random unit centres.

    The noise has the same norm as a centre (times ``spread``), so points of one cluster have a
    cosine of about 0.5 to each other, close to what sentence embeddings of one topic show.
    """
    centre_rows = rng.standard_normal((centres, dimension)).astype(np.float32)
    centre_rows /= np.linalg.norm(centre_rows, axis=1, keepdims=True)
    out = np.empty((count, dimension), dtype=np.float32)
    step = 100_000
    for start in range(0, count, step):
        size = min(step, count - start)
        rows = centre_rows[rng.integers(0, centres, size)]
        noise = rng.standard_normal((size, dimension)).astype(np.float32)
        noise *= spread / np.sqrt(dimension)
        block = rows + noise
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        out[start : start + size] = block
    return out


def near_queries(
    data: NDArray[np.float32], count: int, rng: np.random.Generator, noise: float = 0.5
) -> NDArray[np.float32]:
    """Queries near random data points (their own noise half a cluster's spread)."""
    picks = data[rng.integers(0, len(data), count)]
    jitter = rng.standard_normal(picks.shape).astype(np.float32) * (noise / np.sqrt(data.shape[1]))
    queries = picks + jitter
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    return np.ascontiguousarray(queries, dtype=np.float32)


def recall_at(found: NDArray[np.int64], truth: NDArray[np.int64]) -> float:
    """Mean share of the true top-k ids found in the returned top-k, per query row."""
    hits = [
        len(set(f.tolist()) & set(t.tolist())) / max(1, len(t))
        for f, t in zip(found, truth, strict=True)
    ]
    return float(np.mean(hits)) if hits else float("nan")


def zipf_vocabulary(size: int, rng: np.random.Generator) -> list[str]:
    """``size`` distinct made-up lower-case words of 5 to 10 letters (no stop word among them)."""
    letters = np.array(list("bcdfghjklmnpqrstvwxz"))
    vowels = np.array(list("aeiou"))
    words: set[str] = set()
    while len(words) < size:
        length = int(rng.integers(2, 5))
        parts = [f"{rng.choice(letters)}{rng.choice(vowels)}" for _ in range(length)]
        words.add("".join(parts) + str(rng.choice(letters)))
    return sorted(words)


def zipf_token_ids(
    count: int, length: int, vocabulary: int, rng: np.random.Generator, exponent: float = 1.1
) -> NDArray[np.int64]:
    """A (count, length) array of word ids drawn from a Zipf law over ``vocabulary`` words."""
    ranks = np.arange(1, vocabulary + 1, dtype=np.float64)
    weights = ranks**-exponent
    weights /= weights.sum()
    return rng.choice(vocabulary, size=(count, length), p=weights).astype(np.int64)


def rss_mb() -> float:
    """Resident memory of this process in MiB, from /proc (NaN where unavailable)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def machine_info() -> dict[str, Any]:
    """CPU model, cores, RAM and library versions of this machine."""
    info: dict[str, Any] = {"python": platform.python_version(), "platform": platform.platform()}
    try:
        cpu = Path("/proc/cpuinfo").read_text()
        model = re.search(r"model name\s*:\s*(.+)", cpu)
        info["cpu"] = model.group(1).strip() if model else platform.processor()
    except OSError:
        info["cpu"] = platform.processor()
    info["cores"] = usable_cores()
    try:
        mem = Path("/proc/meminfo").read_text()
        total = re.search(r"MemTotal:\s*(\d+)", mem)
        info["ram_gb"] = round(int(total.group(1)) / 1024 / 1024, 1) if total else None
    except OSError:
        info["ram_gb"] = None
    # Versions from the installed distributions, not by importing them: importing torch (and
    # its OpenMP runtime) here made every later section run in a process unlike the app's,
    # where a question never imports torch.
    distributions = {
        "torch": "torch",
        "faiss": "faiss-cpu",
        "numpy": "numpy",
        "bm25s": "bm25s",
        "sentence_transformers": "sentence-transformers",
    }
    for name, distribution in distributions.items():
        try:
            info[name] = metadata.version(distribution)
        except metadata.PackageNotFoundError:
            info[name] = None
    return info


@contextlib.contextmanager
def timer(into: dict[str, float], key: str) -> Iterator[None]:
    """Add the seconds spent in the block to ``into[key]``."""
    started = time.perf_counter()
    try:
        yield
    finally:
        into[key] = into.get(key, 0.0) + time.perf_counter() - started


def load_questions() -> list[str]:
    """Every question of eval/*.jsonl (English and Chinese), in file order."""
    questions = []
    for path in QUESTION_FILES:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                questions.append(str(json.loads(line)["question"]))
    return questions


# --------------------------------------------------------------------------------------------
# Context and corpus preparation


@dataclass
class Context:
    """What every section needs: mode, sizes and shared state (the warm latency index)."""

    quick: bool
    articles: int
    questions: int
    scale_sizes: list[int]
    lexical_sizes: list[int]
    shared: dict[str, Any] = field(default_factory=dict)


class Skipped(Exception):
    """A section that cannot run here (for example: no news articles); recorded, not failed."""


def news_available() -> bool:
    """Whether the BBC news articles are there."""
    return NEWS_DIR.is_dir() and any(NEWS_DIR.glob("*/*.txt"))


def corpus_with_news(count: int | None, name: str) -> Path:
    """The seminar corpus plus ``count`` news articles (all when None) in build/bench/NAME."""
    if not news_available():
        raise Skipped(
            f"no BBC news articles at {NEWS_DIR} (expected ../shared/bench/bbc-news): "
            "this section needs them"
        )
    news = sorted(NEWS_DIR.glob("*/*.txt")) if count is None else select_news(NEWS_DIR, count)
    target = WORK / name
    assemble_corpus(ROOT / "corpus", news, NEWS_DIR, target)
    return target


def warm(embedders: Sequence[Any]) -> None:
    """Load every model and run one encode, so no timing includes model load."""
    for embedder in embedders:
        embedder.encode(["warm up the model"])
        embedder.encode_queries(["warm up the model?"])


# --------------------------------------------------------------------------------------------
# Sections: each returns {"rows": [...], "figures": {...}, "notes": [...]}


Result = dict[str, Any]


def section_build(ctx: Context) -> Result:
    """Full build (no cache) against the bare encode of the same texts, same models.

    The texts are what a build embeds: every passage (with its title), every sentence and every
    document title.
    """
    from seminar_qa.chunking import chunk_document
    from seminar_qa.index import embedding_text
    from seminar_qa.ingestion import load_corpus
    from seminar_qa.pipeline import build_index, resolve_embedders
    from seminar_qa.settings import Settings

    corpus = corpus_with_news(ctx.articles, f"corpus-{ctx.articles}")
    settings = Settings(corpus_dir=corpus, index_dir=WORK / "index-build", use_cache=False)
    embedders = resolve_embedders(settings)
    warm(embedders)
    documents = load_corpus(corpus, settings).documents
    passages = [p for d in documents for p in chunk_document(d, settings.chunking)]
    texts = [embedding_text(p) for p in passages]
    texts += [p.text[a:b] for p in passages for a, b in p.sentences]
    texts += [d.title for d in documents]
    bare: dict[str, float] = {}
    for embedder in embedders:
        with timer(bare, embedder.name):
            embedder.encode(texts, batch_size=settings.batch_size)
    bare_total = sum(bare.values())
    report = build_index(settings)
    ratio = report.seconds / bare_total
    ctx.shared["full_build_seconds"] = report.seconds
    ctx.shared["build_corpus"] = corpus
    figures: dict[str, Any] = {
        "documents": report.documents,
        "passages": report.passages,
        "texts_per_model": len(texts),
        "models": [e.name for e in embedders],
        "bare_encode_s": bare_total,
        **{f"bare_encode_{name}_s": s for name, s in bare.items()},
        "build_s": report.seconds,
        "build_over_encode": ratio,
        "build_passages_per_s": report.passages / report.seconds,
        **{f"encode_{name}_texts_per_s": len(texts) / s for name, s in bare.items()},
    }
    rows = [
        Row(
            "corpus",
            f"seminar + {ctx.articles} BBC articles, {report.passages} passages, "
            f"{len(texts) - report.passages - report.documents} sentences, "
            f"{report.documents} titles",
        ),
        Row("bare encode of passages, sentences, titles; all models", bare_total, unit="s"),
        *[Row(f"bare encode {n}", len(texts) / s, unit="texts/s") for n, s in bare.items()],
        Row("full build (no cache)", report.seconds, unit="s"),
        Row("build throughput", report.passages / report.seconds, unit="passages/s"),
        Row("build / bare encode", ratio, "≤ 1.10", ratio <= 1.10, "×"),
    ]
    return {"rows": rows, "figures": figures}


def section_incremental(ctx: Context) -> Result:
    """Change one document of a cached build and rebuild; compare with the full build."""
    from seminar_qa.pipeline import build_index
    from seminar_qa.settings import Settings

    corpus_source = ctx.shared.get("build_corpus") or corpus_with_news(
        ctx.articles, f"corpus-{ctx.articles}"
    )
    full = ctx.shared.get("full_build_seconds")
    notes = []
    with tempfile.TemporaryDirectory(dir=WORK) as scratch:
        corpus = Path(scratch) / "corpus"
        shutil.copytree(corpus_source, corpus)
        cache = Path(scratch) / "cache"
        seed_cache(SEED_INDEX, CACHE)  # the articles are among the distractor index's 300
        if CACHE.is_dir():
            # Seed with vectors a previous run embedded, so the first build here is cheap; the
            # full build it is compared with is the build section's, which used no cache.
            shutil.copytree(CACHE, cache)
            notes.append("cache seeded from build/bench-cache; first build here reuses it")
        settings = Settings(corpus_dir=corpus, index_dir=Path(scratch) / "index", cache_dir=cache)
        first = build_index(settings)
        if full is None:
            full = first.seconds if not first.reused else None
        article = sorted((corpus / "bbc-news").glob("*/*.txt"))[0]
        with article.open("a", encoding="utf-8") as handle:
            handle.write("\nThis sentence was added by the benchmark to change the article.\n")
        second = build_index(settings)
    share = second.seconds / full if full else float("nan")
    figures = {
        "first_cached_build_s": first.seconds,
        "rebuild_s": second.seconds,
        "full_build_s": full,
        "rebuild_share": share,
        "reused": second.reused,
        "embeddings": second.embeddings,
        "reembedded": second.embeddings - second.reused,
    }
    rows = [
        Row("build with warm cache, nothing changed", first.seconds, unit="s"),
        Row("rebuild after changing 1 article", second.seconds, unit="s"),
        Row("rebuild / full build (no cache)", share, "≤ 0.10", share <= 0.10, "×"),
        Row("embeddings reused", f"{second.reused} of {second.embeddings}"),
    ]
    return {"rows": rows, "figures": figures, "notes": notes}


def latency_index(ctx: Context) -> SeminarIndex:
    """The warm index for latency: seminar + all articles (full) or + 300 (quick), cached."""
    from seminar_qa.index import SeminarIndex
    from seminar_qa.pipeline import build_index, index_status
    from seminar_qa.settings import Settings

    if "index" in ctx.shared:
        index: SeminarIndex = ctx.shared["index"]
        return index
    count = 300 if ctx.quick else None
    name = "all" if count is None else str(count)
    corpus = WORK / f"latency-corpus-{name}"
    if not corpus.is_dir():
        corpus = corpus_with_news(count, f"latency-corpus-{name}")
    settings = Settings(
        corpus_dir=corpus, index_dir=WORK / f"latency-index-{name}", cache_dir=CACHE
    )
    if index_status(settings).state != "current":
        seed_cache(SEED_INDEX, CACHE)
        started = time.perf_counter()
        build_index(settings)
        ctx.shared["latency_build_s"] = time.perf_counter() - started
    index = SeminarIndex.load(settings.index_dir)
    warm(index.embedders)
    ctx.shared["index"] = index
    ctx.shared["index_dir"] = settings.index_dir
    ctx.shared["corpus"] = corpus
    return index


SEED_INDEX = ROOT / "build" / "distractor-index"


def seed_cache(index_dir: Path, cache_dir: Path) -> int:
    """Put the vectors of an existing index (same models) into the embedding cache.

    The distractor evaluation's index holds the seminar report plus the same 300 articles, so
    the quick run need not embed them again: its passages, sentences and titles, every text a
    build embeds (before 2026-12-02 only the passages were seeded, and a fresh checkout's quick
    run spent ~300 s embedding the sentences again). Returns the number of vectors added.
    """
    from seminar_qa.cache import EmbeddingCache, text_key
    from seminar_qa.errors import SeminarQAError
    from seminar_qa.index import SeminarIndex, embedding_text

    if not (index_dir / "manifest.json").is_file():
        return 0
    try:
        index = SeminarIndex.load(index_dir)
    except SeminarQAError:
        return 0
    keys = [text_key(embedding_text(p)) for p in index.passages]
    sentence_keys = [text_key(p.text[a:b]) for p in index.passages for a, b in p.sentences]
    title_keys = [text_key(d.title) for d in index.documents.values()]
    added = 0
    for component in index.dense:
        embedder = component.embedder
        cache = EmbeddingCache(cache_dir, embedder.model_id, embedder.dimension)
        known = cache.load()
        fresh: dict[bytes, NDArray[np.float32]] = {}
        for texts, matrix in (
            (keys, component.rows()),
            (sentence_keys, component.sentences),
            (title_keys, component.titles),
        ):
            if len(texts) == len(matrix):  # an index whose files disagree seeds nothing
                fresh.update((k, matrix[i]) for i, k in enumerate(texts) if k not in known)
        if fresh:
            known.update(fresh)
            cache.save(list(known), np.vstack(list(known.values())))
            added += len(fresh)
    return added


def stage_times(index: SeminarIndex, question: str, k: int = 5) -> dict[str, float]:
    """Seconds per stage of one answer, as recorded by the retrieval code itself."""
    from seminar_qa.answering import Assistant

    timings: dict[str, float] = {}
    Assistant(index).answer(question, k=k, timings=timings)
    return timings


def section_latency(ctx: Context) -> Result:
    """End-to-end Assistant.answer latency on a warm index, and the share of each stage."""
    from seminar_qa.answering import Assistant

    index = latency_index(ctx)
    assistant = Assistant(index)
    questions = load_questions()
    asked = [questions[i % len(questions)] for i in range(ctx.questions)]
    for question in asked[:10]:
        assistant.answer(question, k=5)
    times = []
    for question in asked:
        started = time.perf_counter()
        assistant.answer(question, k=5)
        times.append((time.perf_counter() - started) * 1000)
    stages: dict[str, float] = {}
    for question in asked:
        for name, seconds in stage_times(index, question).items():
            stages[name] = stages.get(name, 0.0) + seconds
    total = sum(stages.values())
    p50, p95 = percentile(times, 50), percentile(times, 95)
    zh = sum(1 for q in asked if has_cjk(q))
    # Issue 14 asks for the p50 "English and Chinese alike": each language's own.
    by_language = {
        language: [t for q, t in zip(asked, times, strict=True) if has_cjk(q) == chinese]
        for language, chinese in (("English", False), ("Chinese", True))
    }
    figures: dict[str, Any] = {
        "passages": len(index),
        "questions": len(asked),
        "chinese_questions": zh,
        "p50_ms": p50,
        "p95_ms": p95,
        "mean_ms": float(np.mean(times)),
        **{
            f"p50_{language.lower()}_ms": percentile(values, 50)
            for language, values in by_language.items()
            if values
        },
        "index_build_s": ctx.shared.get("latency_build_s"),
        **{f"stage_{k}_ms": v / len(asked) * 1000 for k, v in stages.items()},
        **{f"share_{k}": v / total for k, v in stages.items()},
    }
    size = "quick: seminar + 300 articles" if ctx.quick else "seminar + all 2,225 articles"
    rows = [
        Row("index", f"{len(index):,} passages ({size})"),
        Row("questions (cycled eval/*.jsonl)", f"{len(asked)} ({zh} Chinese)"),
        Row("Assistant.answer p50", p50, "≤ 30 ms", p50 <= 30, "ms"),
        Row("Assistant.answer p95", p95, "≤ 60 ms", p95 <= 60, "ms"),
        *[
            Row(
                f"Assistant.answer p50, {language} questions",
                percentile(values, 50),
                "≤ 25 ms (issue 14, at 10k passages)",
                percentile(values, 50) <= 25,
                "ms",
            )
            for language, values in by_language.items()
            if values
        ],
        *[
            Row(f"stage: {k}", f"{v / len(asked) * 1000:.2f} ms ({v / total:.0%})")
            for k, v in stages.items()
        ],
    ]
    return {"rows": rows, "figures": figures}


def mixed_latency_index(ctx: Context) -> SeminarIndex:
    """The latency index's corpus with CMRC's 200 Chinese paragraphs beside it, cached.

    Reports in both languages in one index turn on what an index of one language skips: the
    weights of each passage language (``policy.Weighing``), E5's crossed vectors both ways, the
    pinyin BM25 of Chinese passages for English questions, USE's best sentence for every question.
    """
    from seminar_qa.index import SeminarIndex
    from seminar_qa.pipeline import build_index, index_status
    from seminar_qa.settings import Settings

    if not (CMRC_DIR / "corpus").is_dir():
        raise Skipped(f"no CMRC corpus at {CMRC_DIR / 'corpus'}: this section needs its paragraphs")
    latency_index(ctx)  # the English corpus (and its vectors in the cache) first
    name = "mixed-300" if ctx.quick else "mixed-all"
    corpus = WORK / f"latency-corpus-{name}"
    if corpus.is_dir():
        shutil.rmtree(corpus)
    shutil.copytree(ctx.shared["corpus"], corpus)
    shutil.copytree(CMRC_DIR / "corpus", corpus / "cmrc")
    index_dir = WORK / f"latency-index-{name}"
    settings = Settings(corpus_dir=corpus, index_dir=index_dir, cache_dir=CACHE)
    if index_status(settings).state != "current":
        seed_cache(ROOT / "build" / "external" / "cmrc" / "index", CACHE)
        started = time.perf_counter()
        build_index(settings)
        ctx.shared["mixed_build_s"] = time.perf_counter() - started
    index = SeminarIndex.load(settings.index_dir)
    warm(index.embedders)
    return index


def mixed_questions(count: int) -> list[tuple[str, str]]:
    """``count`` questions as (kind, question), the kinds taking turns.

    The seminar's (English and Chinese), CMRC's in Chinese, and CMRC's translated into English
    (English questions over Chinese text).
    """
    kinds = {
        "seminar (eval/*.jsonl)": load_questions(),
        "Chinese over Chinese (CMRC)": _questions_of(CMRC_DIR / "questions.jsonl"),
        "English over Chinese (eval/translated)": _questions_of(CMRC_IN_ENGLISH),
    }
    turns = itertools.zip_longest(*([(kind, q) for q in qs] for kind, qs in kinds.items()))
    return [pair for turn in turns for pair in turn if pair is not None][:count]


def _questions_of(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
    return [str(json.loads(line)["question"]) for line in lines if line.strip()]


def section_mixed(ctx: Context) -> Result:
    """Assistant.answer latency when reports in English and Chinese share one index.

    The same questions are asked of the English-only latency index, alternating question by
    question, so what the second language costs is measured under the same load.
    """
    from seminar_qa.answering import Assistant

    mixed = Assistant(mixed_latency_index(ctx))
    english = Assistant(latency_index(ctx))
    asked = mixed_questions(ctx.questions)
    for _, question in asked[:10]:
        mixed.answer(question, k=5)
        english.answer(question, k=5)
    times: dict[str, list[float]] = {"mixed": [], "english": []}
    for _, question in asked:
        for name, assistant in (("mixed", mixed), ("english", english)):
            started = time.perf_counter()
            assistant.answer(question, k=5)
            times[name].append((time.perf_counter() - started) * 1000)
    kinds = list(dict.fromkeys(kind for kind, _ in asked))
    p50 = {name: percentile(values, 50) for name, values in times.items()}
    p95 = {name: percentile(values, 95) for name, values in times.items()}
    by_kind = {  # kind -> index -> times
        kind: {
            name: [t for (k, _), t in zip(asked, values, strict=True) if k == kind]
            for name, values in times.items()
        }
        for kind in kinds
    }
    figures: dict[str, Any] = {
        "passages": len(mixed.index),
        "chinese_passages": int(sum(1 for lang in mixed.index.passage_languages if lang == "zh")),
        "questions": len(asked),
        "p50_ms": p50["mixed"],
        "p95_ms": p95["mixed"],
        "english_index_p50_ms": p50["english"],
        "english_index_p95_ms": p95["english"],
        "index_build_s": ctx.shared.get("mixed_build_s"),
        "p50_by_kind_ms": {
            kind: {name: percentile(v, 50) for name, v in values.items()}
            for kind, values in by_kind.items()
        },
    }
    rows = [
        Row("index", f"{len(mixed.index):,} passages, {figures['chinese_passages']} Chinese"),
        Row("questions, taking turns", f"{len(asked)}: {', '.join(kinds)}"),
        Row("Assistant.answer p50", p50["mixed"], "≤ 30 ms", p50["mixed"] <= 30, "ms"),
        Row("Assistant.answer p95", p95["mixed"], "≤ 60 ms", p95["mixed"] <= 60, "ms"),
        Row(
            "the same questions without the Chinese reports: p50 / p95",
            f"{fmt(p50['english'])} / {fmt(p95['english'])} ms",
        ),
        *[
            Row(
                f"p50, {kind}: with / without the Chinese reports",
                f"{fmt(percentile(v['mixed'], 50))} / {fmt(percentile(v['english'], 50))} ms",
            )
            for kind, v in by_kind.items()
        ],
    ]
    return {"rows": rows, "figures": figures}


def _alternate(
    settings: dict[str, Callable[[], None]], run: Callable[[], None], rounds: int
) -> dict[str, list[float]]:
    """Time ``run`` under each setting, alternating settings round by round (side by side)."""
    times: dict[str, list[float]] = {name: [] for name in settings}
    for _ in range(rounds):
        for name, apply in settings.items():
            apply()
            started = time.perf_counter()
            run()
            times[name].append((time.perf_counter() - started) * 1000)
    return times


def section_threads(ctx: Context) -> Result:
    """Threads of torch and FAISS OpenMP threads for single queries, alternated side by side."""
    import faiss
    import torch

    index = latency_index(ctx)
    questions = load_questions()
    original_torch, rows, figures = torch.get_num_threads(), [], {}
    notes = []
    cores = usable_cores()
    batches = [questions[i % len(questions)] for i in range(20)]
    for component in index.dense:
        embedder = component.embedder
        if embedder.name != "minilm":
            notes.append(f"{embedder.name}: its engine sets its own threads; not varied here")
            continue

        def encode_all(embedder: Any = embedder) -> None:
            for question in batches:
                embedder.encode_queries([question])

        times = _alternate(
            {f"torch {n}": functools_partial(torch.set_num_threads, n) for n in sorted({1, cores})},
            encode_all,
            rounds=5 if ctx.quick else 10,
        )
        for name, values in times.items():
            per_query = percentile(values, 50) / len(batches)
            figures[f"minilm_query_{name.replace(' ', '_')}_ms"] = per_query
            rows.append(Row(f"MiniLM query encode, {name} thread(s)", per_query, unit="ms"))
        if len(times) == 2:
            one, many = (percentile(v, 50) for v in times.values())
            figures["minilm_threads_1_over_all"] = one / many
            rows.append(Row(f"torch 1 thread / {cores} threads (time)", one / many, unit="×"))
    torch.set_num_threads(original_torch)
    rng = np.random.default_rng(7)
    data = synthetic_vectors(100_000, 384, 2000, rng, spread=1.2)
    queries = near_queries(data, 50, rng)
    from seminar_qa.index.dense import make_vector_index
    from seminar_qa.settings import VectorIndexSettings

    original_omp = faiss.omp_get_max_threads()
    for kind in ("flat", "ivf"):
        vector_index, _ = make_vector_index(data, VectorIndexSettings(kind=kind))

        def search_all(vector_index: Any = vector_index) -> None:
            for query in queries:
                vector_index.search(query[None, :], 10)

        times = _alternate(
            {
                f"omp {n}": functools_partial(faiss.omp_set_num_threads, n)
                for n in sorted({1, cores})
            },
            search_all,
            rounds=5,
        )
        for name, values in times.items():
            per_query = percentile(values, 50) / len(queries)
            figures[f"faiss_{kind}_100k_{name.replace(' ', '_')}_ms"] = per_query
            rows.append(
                Row(f"FAISS {kind} 100k single query, {name} thread(s)", per_query, unit="ms")
            )
        del vector_index
    faiss.omp_set_num_threads(original_omp)
    return {"rows": rows, "figures": figures, "notes": notes}


def functools_partial(function: Callable[[int], Any], value: int) -> Callable[[], None]:
    """``function(value)`` as a no-argument callable that returns nothing."""

    def call() -> None:
        function(value)

    return call


COLD_START = """
import json, sys, time
t0 = float(sys.argv[1]); marks = {}
from seminar_qa.answering import Assistant
from seminar_qa.index import SeminarIndex
marks['import_s'] = time.time() - t0
index = SeminarIndex.load(sys.argv[2])
marks['index_load_s'] = time.time() - t0
answer = Assistant(index).answer(sys.argv[3], k=5)
marks['first_answer_s'] = time.time() - t0
for line in open('/proc/self/status'):
    if line.startswith('VmRSS:'):
        marks['rss_mb'] = int(line.split()[1]) / 1024
marks['passages'] = len(index)
marks['found'] = answer.found
print(json.dumps(marks))
"""


def section_coldstart(ctx: Context) -> Result:
    """Process start to first answer in a fresh interpreter, with its resident memory."""
    latency_index(ctx)
    index_dir = str(ctx.shared["index_dir"])
    question = "Who is Professor Zhang Minxuan?"
    runs = []
    for _ in range(2 if ctx.quick else 3):
        started = time.time()
        out = subprocess.run(
            [sys.executable, "-c", COLD_START, repr(started), index_dir, question],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        marks = json.loads(out.stdout.strip().splitlines()[-1])
        marks["wall_s"] = time.time() - started
        runs.append(marks)
    best = min(runs, key=lambda m: float(m["first_answer_s"]))
    median = percentile([float(m["first_answer_s"]) for m in runs], 50)
    figures: dict[str, Any] = {
        "runs": runs,
        "first_answer_median_s": median,
        "passages": best["passages"],
        "rss_mb": best["rss_mb"],
    }
    rows = [
        Row("index", f"{best['passages']:,} passages"),
        Row("import seminar_qa (answering, index)", best["import_s"], unit="s"),
        Row("+ index load (checksums, FAISS, BM25)", best["index_load_s"], unit="s"),
        Row("process start → first answer (median)", median, "≤ 6 s", median <= 6.0, "s"),
        Row("serving process RSS after first answer", best["rss_mb"], unit="MiB"),
    ]
    if median > 6.0 or not ctx.quick:
        rows.extend(import_offenders())
    return {"rows": rows, "figures": figures}


def import_offenders(top: int = 6) -> list[Row]:
    """The slowest imports of the app's modules (``python -X importtime``), cumulative."""
    code = (
        "import streamlit, seminar_qa.answering, seminar_qa.index, seminar_qa.retrieval, "
        "seminar_qa.settings, seminar_qa.i18n"
    )
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, cwd=ROOT
    )
    entries = []
    for line in out.stderr.splitlines():
        match = re.match(r"import time:\s+\d+\s+\|\s+(\d+)\s+\|( *)(\S+)", line)
        if match and len(match.group(2)) <= 2:  # top-level imports only
            entries.append((int(match.group(1)) / 1e6, match.group(3)))
    entries.sort(reverse=True)
    return [
        Row(f"import {name} (cumulative)", seconds, unit="s") for seconds, name in entries[:top]
    ]


def section_scale(ctx: Context) -> Result:
    """FAISS flat, IVF and HNSW on clustered synthetic vectors: build, memory, p50, recall@10."""
    import faiss

    from seminar_qa.index.dense import configure_vector_index, make_vector_index
    from seminar_qa.settings import VectorIndexSettings

    rows: list[Row] = []
    figures: dict[str, Any] = {}
    defaults = VectorIndexSettings()
    for size in ctx.scale_sizes:
        rng = np.random.default_rng(size)
        started = time.perf_counter()
        data = synthetic_vectors(size, 384, min(5000, max(100, size // 50)), rng, spread=1.2)
        queries = near_queries(data, 200, rng)
        exact = faiss.IndexFlatIP(384)
        exact.add(data)
        _, truth = exact.search(queries, 10)
        del exact
        figures[f"{size}_data_s"] = time.perf_counter() - started
        label = f"{size // 1000}k" if size < 1_000_000 else f"{size // 1_000_000}M"
        for kind in ("flat", "ivf", "hnsw"):
            gc.collect()
            before = rss_mb()
            started = time.perf_counter()
            index, params = make_vector_index(data, VectorIndexSettings(kind=kind))
            build = time.perf_counter() - started
            memory = rss_mb() - before
            sweep: list[tuple[str, int]] = [("", 0)]
            if kind == "ivf":
                sweep = [("nprobe", n) for n in (8, 16, 32, 64, 128)]
            elif kind == "hnsw":
                sweep = [("ef_search", n) for n in (64, 128, 256, 512)]
            for key, value in sweep:
                if key:
                    configure_vector_index(index, {**params, key: value})
                latencies = []
                for query in queries[:100]:
                    t = time.perf_counter()
                    index.search(query[None, :], 10)
                    latencies.append((time.perf_counter() - t) * 1000)
                _, found = index.search(queries, 10)
                recall = recall_at(found, truth)
                p50 = percentile(latencies, 50)
                setting = f" {key}={value}" if key else ""
                is_default = (key == "nprobe" and value == defaults.ivf_nprobe) or (
                    key == "ef_search" and value == defaults.hnsw_ef_search
                )
                tag = f"{label}_{kind}" + (f"_{key}{value}" if key else "")
                figures[f"{tag}_recall10"] = recall
                figures[f"{tag}_p50_ms"] = p50
                big = size >= 1_000_000
                met = recall >= 0.95 and p50 <= 5.0 if big else None
                rows.append(
                    Row(
                        f"{label} {kind}{setting}{' (default)' if is_default else ''}",
                        f"recall@10 {recall:.3f}, p50 {p50:.3f} ms",
                        "recall ≥ 0.95, p50 ≤ 5 ms" if big else "",
                        met,
                    )
                )
            figures[f"{label}_{kind}_build_s"] = build
            figures[f"{label}_{kind}_rss_delta_mb"] = memory
            figures[f"{label}_{kind}_params"] = params
            rows.append(
                Row(f"{label} {kind} build / RSS growth", f"{build:.1f} s / {memory:,.0f} MiB")
            )
            del index
        del data, queries, truth
        gc.collect()
    rows.extend(_synthetic_serving_rows(ctx, figures))
    return {"rows": rows, "figures": figures}


SYNTHETIC_SERVING = """
import json, sys, time
import numpy as np
sys.path.insert(0, sys.argv[2])
from run import synthetic_vectors, zipf_vocabulary, zipf_token_ids, rss_mb
from seminar_qa.index.dense import make_vector_index, stored_vectors
from seminar_qa.index.lexical import LexicalIndex
from seminar_qa.records import Passage
from seminar_qa.settings import VectorIndexSettings
size = int(sys.argv[1]); rng = np.random.default_rng(3)
base = rss_mb()
import bm25s
vocab = zipf_vocabulary(50_000, rng)
ids = zipf_token_ids(size, 60, len(vocab), rng)
tokens = [[vocab[i] for i in row] for row in ids]
passages = [
    Passage(f"p{i}", f"d{i // 5}", "T", i % 5, 0, 400, " ".join(t))
    for i, t in enumerate(tokens)
]
keep = []
for model in range(2):
    data = synthetic_vectors(size, 384, 300, rng)
    index, params = make_vector_index(data, VectorIndexSettings())
    keep.append((index, stored_vectors(index)))
    del data
retriever = bm25s.BM25()
retriever.index(tokens, show_progress=False)  # ready tokens: the memory, not the tokeniser
lexical = LexicalIndex(retriever, size)
del tokens, ids
import gc; gc.collect()
print(json.dumps({"rss_mb": rss_mb(), "delta_mb": rss_mb() - base, "type": params["type"]}))
"""


def _synthetic_serving_rows(ctx: Context, figures: dict[str, Any]) -> list[Row]:
    """RSS of a process holding a synthetic 100k-passage index (two models' vectors + BM25).

    The quick run holds 20k (the 100k one took 72 s of its ~6 minutes, 2026-12-02).
    """
    size = 20_000 if ctx.quick else 100_000
    out = subprocess.run(
        [sys.executable, "-c", SYNTHETIC_SERVING, str(size), str(ROOT / "bench")],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if out.returncode != 0:
        return [Row(f"synthetic {size:,}-passage serving RSS", f"failed: {out.stderr[-300:]}")]
    marks = json.loads(out.stdout.strip().splitlines()[-1])
    figures[f"serving_{size}_index_mb"] = marks["delta_mb"]
    return [
        Row(
            f"index memory, synthetic {size:,} passages (2 models {marks['type']} + BM25 + "
            "passages), no models",
            marks["delta_mb"],
            unit="MiB",
        )
    ]


def section_lexical(ctx: Context) -> Result:
    """LexicalIndex.build and .scores on Zipf-distributed synthetic passages."""
    import bm25s

    from seminar_qa.index.lexical import LexicalIndex, passage_tokens

    rng = np.random.default_rng(11)
    vocab = zipf_vocabulary(50_000, rng)
    rows: list[Row] = []
    figures: dict[str, Any] = {}
    tokenise_rate = None
    for size in ctx.lexical_sizes:
        label = f"{size // 1000}k" if size < 1_000_000 else f"{size // 1_000_000}M"
        ids = zipf_token_ids(size, 60, len(vocab), rng)
        full_build = size <= 200_000
        if full_build:
            texts = [" ".join(vocab[i] for i in row) for row in ids]
            started = time.perf_counter()
            index = LexicalIndex.build(texts)
            build = time.perf_counter() - started
            sample = texts[:5000]
            started = time.perf_counter()
            for text in sample:
                passage_tokens(text)
            tokenise_rate = len(sample) / (time.perf_counter() - started)
            del texts
            what = "LexicalIndex.build (measured)"
        else:
            # Tokenising 1M passages would take most of the run: time bm25s's indexing of
            # ready tokens, and add tokenising at the rate measured at the smaller size.
            tokens = [[vocab[i] for i in row] for row in ids]
            retriever = bm25s.BM25()
            started = time.perf_counter()
            retriever.index(tokens, show_progress=False)
            indexing = time.perf_counter() - started
            index = LexicalIndex(retriever, size)
            del tokens
            rate = tokenise_rate or float("nan")
            build = indexing + size / rate
            figures[f"{label}_bm25_index_s"] = indexing
            what = (
                f"build EXTRAPOLATED: bm25s indexing {indexing:.0f} s measured + tokenising at "
                f"{rate:,.0f} passages/s measured at {ctx.lexical_sizes[0]:,}"
            )
        known = list(index.vocabulary)
        latencies = []
        for _ in range(200):
            length = int(rng.integers(3, 7))
            query = [known[int(i)] for i in rng.integers(0, min(len(known), 20_000), length)]
            t = time.perf_counter()
            index.scores(query)
            latencies.append((time.perf_counter() - t) * 1000)
        p50 = percentile(latencies, 50)
        figures[f"{label}_build_s"] = build
        figures[f"{label}_build_extrapolated"] = not full_build
        figures[f"{label}_scores_p50_ms"] = p50
        rows.append(Row(f"{label} {what}", build, unit="s"))
        rows.append(Row(f"{label} .scores() p50, 3-6 tokens", p50, unit="ms"))
        del index, ids
        gc.collect()
    if tokenise_rate:
        figures["tokenise_passages_per_s"] = tokenise_rate
        rows.append(Row("passage_tokens rate (60-word passages)", tokenise_rate, unit="passages/s"))
    return {"rows": rows, "figures": figures}


SECTION_FUNCTIONS: dict[str, Callable[[Context], Result]] = {
    "build": section_build,
    "incremental": section_incremental,
    "latency": section_latency,
    "mixed": section_mixed,
    "threads": section_threads,
    "coldstart": section_coldstart,
    "scale": section_scale,
    "lexical": section_lexical,
}

TITLES = {
    "build": "Build near the floor",
    "incremental": "Incremental rebuild",
    "latency": "Query latency",
    "mixed": "Query latency, English and Chinese reports in one index",
    "threads": "Thread settings for single queries",
    "coldstart": "Cold start",
    "scale": "Scale: vector search on synthetic vectors",
    "lexical": "Scale: BM25 on synthetic passages",
}


# --------------------------------------------------------------------------------------------
# Running and reporting


def run_section(name: str, ctx: Context, command: str = "") -> dict[str, Any]:
    """Run one section, catching its failure so the others still run; never silently omitted.

    ``command`` is the run's command line, kept with the section's figures: a later ``--only``
    run replaces some sections and keeps the others, each with the command that measured it.
    """
    started = time.perf_counter()
    print(f"[bench] {name} ...", file=sys.stderr, flush=True)
    try:
        result = SECTION_FUNCTIONS[name](ctx)
        status, error = "ok", None
    except Skipped as skip:
        result, status, error = {}, "skipped", str(skip)
    except Exception as failure:  # recorded in the report, never hidden
        result, status = {}, "failed"
        # The report keeps the last line of the reason; the full traceback goes to stderr.
        lines = [line for line in str(failure).strip().splitlines() if line.strip()]
        error = f"{type(failure).__name__}: {lines[-1].strip() if lines else ''}"
        traceback.print_exc()
    seconds = time.perf_counter() - started
    print(f"[bench] {name} {status} in {seconds:.1f} s", file=sys.stderr, flush=True)
    rows = result.get("rows", [])
    return {
        "status": status,
        "error": error,
        "command": command,
        "measured": time.strftime("%Y-%m-%d %H:%M"),
        "seconds": round(seconds, 2),
        "figures": result.get("figures", {}),
        "notes": result.get("notes", []),
        "rows": [r.cells() for r in rows],
    }


def render(results: dict[str, Any]) -> str:
    """The generated part of BENCHMARKS.md: the machine, one table per section with its command."""
    machine = results["machine"]
    lines = [
        f"## Results ({results['mode']} run, {results['finished']})",
        "",
        "Each section names the command that measured it and when. The last run: "
        f"`{results['command']}`, {results['total_s']:.0f} s.",
        "",
        f"Machine: {machine.get('cpu')}, {machine.get('cores')} cores, "
        f"{machine.get('ram_gb')} GB RAM; Python {machine.get('python')}, "
        f"torch {machine.get('torch')}, faiss {machine.get('faiss')}, "
        f"numpy {machine.get('numpy')}, bm25s {machine.get('bm25s')}, "
        f"sentence-transformers {machine.get('sentence_transformers')}.",
        "",
    ]
    for name, section in results["sections"].items():
        lines.append(f"### {TITLES.get(name, name)}")
        lines.append("")
        if section["status"] != "ok":
            lines.append(f"**{section['status'].upper()}**: {section['error']}")
            lines.append("")
            continue
        table = ["| figure | target | measured | met? |", "| --- | --- | --- | --- |"]
        for cells in section["rows"]:
            table.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
        lines.extend(table)
        lines.append("")
        for note in section["notes"]:
            lines.append(f"- {note}")
        by = f" by `{section['command']}`" if section.get("command") else ""
        seconds = section["seconds"]
        lines.append(f"_Measured {section['measured']}{by}; section time {seconds:.0f} s._")
        lines.append("")
    return "\n".join(lines)


def _default(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run the chosen sections, write results.json and BENCHMARKS.md.

    ``--no-report`` is a trial: the tables are printed and neither file is written.
    """
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (under 3 minutes)")
    parser.add_argument("--only", default="", help=f"comma-separated sections of {SECTIONS}")
    parser.add_argument(
        "--no-report",
        action="store_true",
        help="a trial: print the tables, write neither bench/results.json nor BENCHMARKS.md",
    )
    args = parser.parse_args(argv)
    chosen = [s.strip() for s in args.only.split(",") if s.strip()] or list(SECTIONS)
    unknown = sorted(set(chosen) - set(SECTIONS))
    if unknown:
        parser.error(f"unknown section(s) {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    ctx = Context(
        quick=args.quick,
        articles=30 if args.quick else 300,
        questions=200,
        scale_sizes=[50_000] if args.quick else [100_000, 1_000_000],
        lexical_sizes=[10_000] if args.quick else [100_000, 1_000_000],
    )
    WORK.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    command = " ".join(["python bench/run.py", *(argv if argv is not None else sys.argv[1:])])
    results: dict[str, Any] = {
        "mode": "quick" if args.quick else "full",
        "command": command,
        "machine": machine_info(),
        "sections": {},
    }
    if args.only and RESULTS.exists():
        # Rerunning some sections updates just those: the others keep their last figures.
        previous = json.loads(RESULTS.read_text(encoding="utf-8"))
        if previous.get("mode") == results["mode"]:
            results["sections"] = dict(previous.get("sections", {}))
    for name in SECTIONS:
        if name in chosen:
            results["sections"][name] = run_section(name, ctx, command)
    results["total_s"] = round(time.perf_counter() - started, 1)
    results["finished"] = time.strftime("%Y-%m-%d %H:%M")
    # A trial leaves both files as they were: results.json once took its figures while
    # BENCHMARKS.md, rendered from it, kept the last recorded ones.
    if not args.no_report:
        RESULTS.write_text(json.dumps(results, indent=2, default=_default) + "\n", encoding="utf-8")
        existing = REPORT.read_text(encoding="utf-8") if REPORT.exists() else ""
        REPORT.write_text(splice_report(existing, render(results)), encoding="utf-8")
    print(render(results))
    failed = [n for n, s in results["sections"].items() if s["status"] == "failed"]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
