"""The benchmark runner's helpers: percentiles, tables, report splicing, synthetic data."""

from __future__ import annotations

import json
import time
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from bench import reliability
from bench import run as bench_run

from seminar_qa.testing.fakes import HashingEmbedder

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    """The benchmark runner, bench/run.py."""
    return bench_run


def test_percentile_interpolates_and_handles_empty(bench: ModuleType) -> None:
    """p50 of 1..4 is 2.5; p95 lies between the last two; no values give NaN."""
    assert bench.percentile([4.0, 1.0, 3.0, 2.0], 50) == pytest.approx(2.5)
    assert 3.0 < bench.percentile([1.0, 2.0, 3.0, 4.0], 95) <= 4.0
    assert np.isnan(bench.percentile([], 50))


def test_markdown_table_shows_verdicts_and_escapes_pipes(bench: ModuleType) -> None:
    """Each row becomes figure | target | measured | met?, with pipes escaped."""
    rows = [
        bench.Row("build / bare encode", 1.04, "≤ 1.10", True, "×"),
        bench.Row("p95", 75.0, "≤ 60 ms", False, "ms"),
        bench.Row("a|b", 1234567),
    ]
    table = bench.markdown_table(rows).splitlines()
    assert table[0] == "| figure | target | measured | met? |"
    assert table[2] == "| build / bare encode | ≤ 1.10 | 1.04 × | ✅ met |"
    assert "❌ missed" in table[3] and "75 ms" in table[3]
    assert table[4].startswith("| a\\|b |") and "1,234,567" in table[4]


def test_splice_report_keeps_everything_outside_the_markers(bench: ModuleType) -> None:
    """A rerun replaces only the generated block; a Reliability section survives."""
    first = bench.splice_report("# Benchmarks\n\nHow to run.\n", "## Results\nold")
    assert first.startswith("# Benchmarks") and "old" in first
    edited = first + "\n## Reliability\nkept\n"
    second = bench.splice_report(edited, "## Results\nnew")
    assert "new" in second and "old" not in second
    assert second.count(bench.START) == 1 and "## Reliability\nkept" in second


def test_a_rerun_of_some_sections_keeps_the_others_with_their_own_command(
    bench: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each section's table names the command that measured it, not a chain of every run."""
    monkeypatch.setattr(bench, "RESULTS", tmp_path / "results.json")
    monkeypatch.setattr(bench, "REPORT", tmp_path / "BENCHMARKS.md")
    monkeypatch.setattr(bench, "WORK", tmp_path / "work")
    measured = {"n": 0}

    def section(ctx: object) -> dict[str, object]:
        measured["n"] += 1
        return {"rows": [bench.Row("figure", float(measured["n"]), "-", None, "")]}

    monkeypatch.setattr(bench, "SECTION_FUNCTIONS", dict.fromkeys(bench.SECTIONS, section))
    assert bench.main(["--quick"]) == 0
    assert bench.main(["--quick", "--only", "latency"]) == 0
    report = (tmp_path / "BENCHMARKS.md").read_text(encoding="utf-8")
    assert "; then " not in report
    assert report.count("by `python bench/run.py --quick`;") == len(bench.SECTIONS) - 1
    latency = report.split("### " + bench.TITLES["latency"])[1].split("###")[0]
    assert "by `python bench/run.py --quick --only latency`;" in latency
    assert f"| figure | - | {len(bench.SECTIONS) + 1}" in latency  # measured again


def test_synthetic_vectors_are_unit_and_clustered(bench: ModuleType) -> None:
    """Rows have unit length; near queries find their own cluster (recall of exact search is 1)."""
    rng = np.random.default_rng(0)
    data = bench.synthetic_vectors(2000, 32, 20, rng)
    assert data.dtype == np.float32 and np.allclose(np.linalg.norm(data, axis=1), 1.0, atol=1e-5)
    queries = bench.near_queries(data, 10, rng)
    truth = np.argsort(-(queries @ data.T), axis=1)[:, :10]
    assert bench.recall_at(truth, truth) == 1.0
    assert bench.recall_at(truth[:, ::-1], truth) == 1.0  # order does not matter
    assert (queries @ data.T).max(axis=1).min() > 0.8


def test_zipf_tokens_are_skewed(bench: ModuleType) -> None:
    """The most frequent word is far more common than the median one; words are distinct."""
    rng = np.random.default_rng(1)
    vocabulary = bench.zipf_vocabulary(500, rng)
    assert len(set(vocabulary)) == 500
    ids = bench.zipf_token_ids(200, 60, 500, rng)
    counts = np.bincount(ids.ravel(), minlength=500)
    assert counts.max() > 20 * max(1, int(np.median(counts)))


def test_stage_times_cover_every_stage(bench: ModuleType, tmp_path: Path) -> None:
    """The stage split of one search names each stage, with the hashing embedder."""
    from seminar_qa.chunking import chunk_document
    from seminar_qa.index import SeminarIndex
    from seminar_qa.ingestion import load_corpus
    from seminar_qa.settings import Settings

    repo_corpus = REPO / "corpus"
    settings = Settings(corpus_dir=repo_corpus)
    documents = load_corpus(repo_corpus, settings).documents
    passages = [p for d in documents for p in chunk_document(d, settings.chunking)]
    index = SeminarIndex.build(documents, passages, [HashingEmbedder()], chunking={})
    started = time.perf_counter()
    stages = bench.stage_times(index, "Who is Professor Zhang Minxuan?")
    elapsed = time.perf_counter() - started
    assert set(stages) == {
        "prepare question",
        "encode question (hashing)",
        "tokenise question",
        "bm25",
        "dense scores + fusion",
        "hits: answer sentences + coverage",
        "answerability",
    }
    assert all(seconds >= 0 for seconds in stages.values())
    assert sum(stages.values()) <= elapsed


def test_reliability_table_is_recorded_in_benchmarks_md(tmp_path: Path) -> None:
    report = tmp_path / "BENCHMARKS.md"
    generated = (
        '# Benchmarks\n\nSections such as "## Reliability" that other scripts add are kept.\n\n'
        "<!-- bench:start -->\nlatency table\n<!-- bench:end -->\n"
    )
    report.write_text(generated, encoding="utf-8")
    reliability.write_report(report, "load  2000 q/s", "OK: 0 lost")
    reliability.write_report(report, "load  3000 q/s", "OK: 0 lost")
    text = report.read_text(encoding="utf-8")
    assert text.startswith(generated.rstrip("\n"))  # the mention in the prose is not the section
    assert text.count("\n## Reliability\n") == 1
    assert "3000 q/s" in text and "2000 q/s" not in text


def test_seeding_the_cache_from_an_index_leaves_a_build_nothing_to_embed(
    bench: ModuleType, tmp_path: Path
) -> None:
    """Passages, sentences and titles all come from the seeded cache (the quick run's shortcut)."""
    from seminar_qa.pipeline import build_index
    from seminar_qa.settings import Settings

    seed = Settings(
        corpus_dir=REPO / "corpus", index_dir=tmp_path / "seed", cache_dir=tmp_path / "unused"
    )
    build_index(seed, embedders=[HashingEmbedder()])
    cache = tmp_path / "cache"
    added = bench.seed_cache(seed.index_dir, cache)
    again = Settings(corpus_dir=REPO / "corpus", index_dir=tmp_path / "ix", cache_dir=cache)
    report = build_index(again, embedders=[HashingEmbedder()])
    assert added > 0 and report.embeddings > 0 and report.reused == report.embeddings
    assert bench.seed_cache(seed.index_dir, cache) == 0  # nothing new the second time


def test_translated_set_asks_the_source_questions_in_english(tmp_path: Path) -> None:
    """Each translated id takes its answers and gold from the source; an unknown id is named."""
    from seminar_qa.evaluation.translated import translated_set

    source = tmp_path / "questions.jsonl"
    source.write_text(
        '{"id": "a", "question": "《战栗游戏》的作者是谁？", "answers": ["史蒂芬·金"], '
        '"lang": "zh", "kind": "cmrc", "gold": "cd-000"}\n'
        '{"id": "b", "question": "哪一年出版？", "answers": ["1987年"], "lang": "zh", '
        '"kind": "cmrc", "gold": "cd-000"}\n',
        encoding="utf-8",
    )
    translations = tmp_path / "en.jsonl"
    translations.write_text('{"id": "a", "question": "Who wrote Misery?"}\n', encoding="utf-8")
    rows = translated_set(source, translations)
    assert rows == [
        {
            "id": "a",
            "question": "Who wrote Misery?",
            "answers": ["史蒂芬·金"],
            "lang": "en",
            "kind": "cmrc-en",
            "gold": "cd-000",
        }
    ]
    translations.write_text('{"id": "zz", "question": "Who?"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="zz"):
        translated_set(source, translations)


def test_short_paragraphs_cut_a_paragraph_every_two_sentences_and_lose_nothing(
    tmp_path: Path,
) -> None:
    from bench.short_paragraphs import write_set

    source = tmp_path / "cmrc"
    (source / "corpus").mkdir(parents=True)
    body = "甲是一。乙说：“二！”丙问三？丁答四；戊五。"
    (source / "corpus" / "cd-000.txt").write_text(f"标题\n\n{body}\n", encoding="utf-8")
    (source / "questions.jsonl").write_text(
        '{"id": "q", "question": "丙问什么？", "answers": ["三"], "lang": "zh", "kind": "cmrc", '
        '"gold": "cd-000"}\n',
        encoding="utf-8",
    )
    assert write_set(source, tmp_path / "out") == 1
    text = (tmp_path / "out" / "corpus" / "cd-000.txt").read_text(encoding="utf-8")
    title, *paragraphs = text.strip().split("\n\n")
    assert title == "标题"
    assert paragraphs == ["甲是一。乙说：“二！”", "丙问三？丁答四；", "戊五。"]
    assert "".join(paragraphs) == body
    row = json.loads((tmp_path / "out" / "questions.jsonl").read_text(encoding="utf-8"))
    assert (row["kind"], row["gold"], row["answers"]) == ("cmrc-paragraphs", "cd-000", ["三"])


def test_every_shipped_translation_is_english_and_unique() -> None:
    """The translation file holds English questions, one per CMRC id (no Chinese left in)."""
    import json

    from seminar_qa.text import has_cjk

    path = REPO / "eval" / "translated" / "cmrc_en.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    assert len(rows) == 198
    assert len({row["id"] for row in rows}) == len(rows)
    assert not [row["question"] for row in rows if has_cjk(row["question"])]


def test_the_mixed_run_judges_each_set_by_its_own_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Gold documents move under the set's folder, as the mixed corpus holds them."""
    from bench import mixed_eval

    from seminar_qa.evaluation import load_questions

    source = tmp_path / "questions.jsonl"
    source.write_text(
        '{"id": "a", "question": "Who?", "answers": ["Li"], "gold": "xq-00-00"}\n'
        '{"id": "b", "question": "Why?", "answers": ["so"]}\n',
        encoding="utf-8",
    )
    (question, plain) = load_questions(mixed_eval.prefixed(source, "xquad", tmp_path / "out.jsonl"))
    assert question.in_gold("xquad/xq-00-00.txt") and not question.in_gold("xq-00-00.txt")
    assert question.answers == ("Li",) and plain.gold == ()
    assert mixed_eval.main(["--external", str(tmp_path / "absent")]) == 0
    assert "Mixed-language run skipped" in capsys.readouterr().err


def test_a_benchmark_script_shows_the_product_s_error_line_not_a_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``bench.reported``: the error's own message (it names the file and the fix), status 1."""
    from bench import reported

    from seminar_qa.errors import IndexNotFoundError

    def missing() -> int:
        raise IndexNotFoundError("no index at build/x; run `seminar-qa build`")

    assert reported(missing) == 1
    assert "error: no index at build/x; run `seminar-qa build`" in capsys.readouterr().err
    assert reported(lambda: 0) == 0


def test_mixed_questions_take_turns_until_a_kind_runs_out(
    bench: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The mixed-language latency asks each kind in turn, then whatever kinds remain."""
    (tmp_path / "cmrc").mkdir()
    (tmp_path / "cmrc" / "questions.jsonl").write_text(
        '{"question": "甲是谁？"}\n{"question": "乙在哪里？"}\n', encoding="utf-8"
    )
    (tmp_path / "en.jsonl").write_text('{"question": "Who is Jia?"}\n', encoding="utf-8")
    monkeypatch.setattr(bench, "CMRC_DIR", tmp_path / "cmrc")
    monkeypatch.setattr(bench, "CMRC_IN_ENGLISH", tmp_path / "en.jsonl")
    monkeypatch.setattr(bench, "load_questions", lambda: ["S1", "S2", "S3"])
    asked = bench.mixed_questions(5)
    assert [question for _, question in asked] == [
        "S1",
        "甲是谁？",
        "Who is Jia?",
        "S2",
        "乙在哪里？",
    ]
    assert len({kind for kind, _ in asked}) == 3
    assert [q for _, q in bench.mixed_questions(10)][-1] == "S3"


def test_a_trial_run_writes_neither_the_results_nor_the_report(
    bench: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    results, report = tmp_path / "results.json", tmp_path / "BENCHMARKS.md"
    monkeypatch.setattr(bench, "RESULTS", results)
    monkeypatch.setattr(bench, "REPORT", report)
    monkeypatch.setitem(bench.SECTION_FUNCTIONS, "latency", lambda ctx: {"rows": []})
    assert bench.main(["--only", "latency", "--no-report"]) == 0
    assert not results.exists() and not report.exists()
    assert bench.main(["--only", "latency"]) == 0
    assert results.exists() and "latency" in report.read_text(encoding="utf-8")
