"""The `seminar-qa` command: exit codes, messages, summaries and JSON shapes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from seminar_qa.cli import cli
from seminar_qa.cli.staff import _prepare_caches
from seminar_qa.settings import Settings
from seminar_qa.terminal import WRAP_COLUMNS
from tests.conftest import CHINESE_DOC


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def built(corpus: Path, tmp_path: Path) -> Path:
    index = tmp_path / "index"
    result = run("build", "--corpus", str(corpus), "--index", str(index), "--quiet")
    assert result.exit_code == 0, result.output
    return index


def test_build_prints_progress_and_one_line_summary(corpus: Path, tmp_path: Path) -> None:
    (corpus / "notes.xyz").write_text("unsupported")
    result = run("build", "--corpus", str(corpus), "--index", str(tmp_path / "ix"))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().startswith("Indexed ")
    assert "from 2 documents, skipped 1 file in" in result.stdout
    assert "Embedding passages and sentences with hashing" in result.stderr
    assert "Reading files" in result.stderr
    assert "warning: skipped notes.xyz:" in result.stderr


def test_build_quiet_has_no_progress(corpus: Path, tmp_path: Path) -> None:
    result = run("build", "--corpus", str(corpus), "--index", str(tmp_path / "ix"), "--quiet")
    assert result.exit_code == 0
    assert "Embedding" not in result.stderr


def test_build_uses_environment_paths(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SEMINAR_QA_CORPUS", str(corpus))
    monkeypatch.setenv("SEMINAR_QA_INDEX", str(tmp_path / "from-env"))
    assert run("build", "-q").exit_code == 0
    assert (tmp_path / "from-env" / "manifest.json").is_file()


@pytest.mark.parametrize(
    ("setup", "extra", "message"),
    [
        ("empty", [], "no document in"),
        ("missing", [], "does not exist"),
        ("bad-file", ["--strict"], "--strict"),
    ],
)
def test_build_failures_exit_1_with_reason(
    tmp_path: Path, corpus: Path, setup: str, extra: list[str], message: str
) -> None:
    folder = corpus
    if setup == "empty":
        folder = tmp_path / "empty"
        folder.mkdir()
    elif setup == "missing":
        folder = tmp_path / "nope"
    else:
        (corpus / "broken.pdf").write_bytes(b"%PDF-1.4 garbage")
    result = run("build", "--corpus", str(folder), "--index", str(tmp_path / "ix"), "-q", *extra)
    assert result.exit_code == 1
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_build_if_stale_skips_a_current_index(corpus: Path, built: Path) -> None:
    result = run("build", "--corpus", str(corpus), "--index", str(built), "--if-stale", "-q")
    assert result.exit_code == 0
    assert "is current; nothing to build" in result.stdout
    (corpus / "more.txt").write_text("More text about the seminar.")
    result = run("build", "--corpus", str(corpus), "--index", str(built), "--if-stale", "-q")
    assert "Indexed" in result.stdout and "stale" in result.stderr


def test_build_makes_the_lookup_files_a_first_question_needs(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from seminar_qa import cedict, pinyin_readings, tokenization

    def forget() -> None:  # as a fresh process: this one may have opened another folder's files
        for cached in (
            tokenization.jieba_module,
            cedict._lookup,
            cedict.definitions,
            pinyin_readings._reader,
            pinyin_readings.readings,
        ):
            cached.cache_clear()

    def made() -> set[str]:
        return {path.name.split("-")[0] for path in cache.iterdir() if path.suffix != ".part"}

    cache = tmp_path / "cache"
    monkeypatch.setenv("SEMINAR_QA_CACHE", str(cache))
    forget()
    index = tmp_path / "ix"
    assert run("build", "--corpus", str(corpus), "--index", str(index), "-q").exit_code == 0
    assert made() == {"jieba", "cedict", "pinyin"}  # the fake embedder: no USE tokenizer
    for path in cache.iterdir():
        path.unlink()
    forget()
    result = run("build", "--corpus", str(corpus), "--index", str(index), "--if-stale", "-q")
    assert "is current" in result.stdout
    assert made() == {"jieba", "cedict", "pinyin"}
    # An index whose models include USE: its tokenizer's tables are written too.
    forget()
    _prepare_caches(Settings(corpus_dir=corpus, index_dir=index, embedder="hashing,use"))
    assert made() == {"jieba", "cedict", "pinyin", "use"}
    forget()


def test_ask_prints_ranked_passages_with_source(built: Path) -> None:
    result = run(
        "ask",
        "Who leads the Changning District Education Bureau?",
        "--index",
        str(built),
        "-k",
        "2",
    )
    assert result.exit_code == 0, result.output
    first, _, rest = result.stdout.partition("\n")
    assert first.startswith("Confidence: ") and first.endswith(")")
    assert rest.lstrip("\n").startswith("1. The TEC Successfully Holds Seminar")
    assert "Xiong Qiuju" in result.stdout
    assert "tec-seminar-2024-11-28.md" in result.stdout
    assert "2. " in result.stdout and "3. " not in result.stdout


def test_ask_labels_a_chinese_answer_in_chinese(built: Path) -> None:
    question = "长宁区教育局局长熊秋菊介绍了什么？"
    payload = json.loads(run("ask", question, "--index", str(built), "--json").stdout)
    assert payload["answer_kind"] == "answered"
    result = run("ask", question, "--index", str(built), "-k", "1")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("可信度：") and "Xiong Qiuju" in result.stdout


def test_ask_over_a_chinese_report_labels_and_wraps_it_in_chinese(
    corpus: Path, tmp_path: Path
) -> None:
    long_paragraph = "长宁区教育局组织了数字教育交流会，来自全区各校的教师参加了交流。" * 4
    (corpus / "changning-exchange.md").write_text(
        CHINESE_DOC + "\n" + long_paragraph + "会上，教师们介绍了人工智能辅助备课的做法。\n",
        encoding="utf-8",
    )
    index = tmp_path / "zh-index"
    assert run("build", "--corpus", str(corpus), "--index", str(index), "--quiet").exit_code == 0
    result = run("ask", "交流会上教师们介绍了什么？", "--index", str(index), "-k", "1")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    source = "changning-exchange.md，第 "
    assert any(line.startswith("   得分 ") and source in line for line in lines)
    assert "   答案：" in result.stdout
    # A Chinese character takes two columns: the passage's lines stay within the wrap width.
    shown = [line for line in lines if "答案" not in line]
    widths = [sum(2 if "\u4e00" <= char <= "\u9fff" or char in "，。：" else 1 for char in line)
              for line in shown]  # fmt: skip
    assert max(widths) <= 3 + WRAP_COLUMNS + 2  # the indent, and one wide character of slack


@pytest.mark.parametrize(
    ("question", "opening"),
    [
        ("zebra quantum spaceship", "This is not in these reports."),
        ("斑马量子飞船", "报告中没有相关内容。"),
    ],
)
def test_ask_says_not_in_these_reports_like_the_page(
    built: Path, question: str, opening: str
) -> None:
    result = run("ask", question, "--index", str(built))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(opening)
    assert "answer:" not in result.stdout and "1. " not in result.stdout
    # What the reports cover, as the page lists it.
    assert "Autumn Workshop on Open Educational Resources" in result.stdout
    assert "The TEC Successfully Holds Seminar" in result.stdout
    # Dates in the language's own brackets: "(held 2024-10-10)", "（举办于 2024-10-10）".
    held = "（举办于 2024-10-10）" if opening.startswith("报告") else "(held 2024-10-10)"
    assert held in result.stdout
    payload = json.loads(run("ask", question, "--index", str(built), "--json").stdout)
    assert payload["found"] is False and payload["label"] == "none"
    assert payload["language"] == ("zh" if opening.startswith("报告") else "en")


def test_ask_document_limits_the_search_and_names_an_unknown_one(built: Path) -> None:
    question = "Who opened the workshop?"
    only = run("ask", question, "--index", str(built), "--json", "--document", "autumn-workshop.md")
    assert {h["doc_id"] for h in json.loads(only.stdout)["hits"]} == {"autumn-workshop.md"}
    wrong = run("ask", question, "--index", str(built), "--document", "nope.md")
    assert wrong.exit_code == 1
    assert "unknown document 'nope.md'" in wrong.stderr
    assert "autumn-workshop.md" in wrong.stderr and "Traceback" not in wrong.output


def test_ask_says_how_few_passages_the_index_holds(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "note.txt").write_text("The robotics club meets on Fridays.\n", encoding="utf-8")
    index = tmp_path / "index"
    assert run("build", "--corpus", str(corpus), "--index", str(index), "--quiet").exit_code == 0
    result = run("ask", "When does the robotics club meet?", "--index", str(index), "-k", "3")
    assert result.exit_code == 0, result.output
    assert "note: the index holds only 1 passage\n" in result.stderr


def test_ask_json_has_stable_fields(built: Path) -> None:
    result = run("ask", "robotics club kits", "--index", str(built), "--json", "-k", "3")
    assert result.exit_code == 0
    payload = json.loads(result.stdout)
    stable = "question language truncated answer_kind found confidence label hits seconds"
    assert set(payload) == set(stable.split())
    assert payload["question"] == "robotics club kits" and payload["language"] == "en"
    assert payload["found"] is True and payload["answer_kind"] == "answered"
    assert payload["label"] in ("high", "medium", "low")
    assert 0.5 <= payload["confidence"] <= 1.0
    hit = payload["hits"][0]
    assert set(hit) >= {
        "rank",
        "score",
        "passage_id",
        "doc_id",
        "title",
        "position",
        "start",
        "end",
        "page",
        "text",
        "answer_start",
        "answer_end",
        "answer",
        "clause_start",
        "clause_end",
        "clause",
        "metadata",
    }
    assert hit["doc_id"] == "autumn-workshop.md" and hit["rank"] == 1
    assert hit["text"][hit["answer_start"] : hit["answer_end"]] == hit["answer"]
    assert "robotics club" in hit["answer"]
    assert hit["clause"] == hit["answer"]  # an English sentence is stressed whole
    assert [h["rank"] for h in payload["hits"]] == [1, 2, 3]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["ask", "   "], 2, "empty"),
        (["ask", "hello", "-k", "0"], 2, "0 is not in the range"),
        (["ask", "hello", "-k", "many"], 2, "not a valid integer"),
        (["ask"], 2, "Missing argument"),
        (["build", "--bogus"], 2, "No such option"),
    ],
)
def test_bad_usage_exits_2(args: list[str], code: int, message: str) -> None:
    result = run(*args)
    assert result.exit_code == code
    assert message in result.stderr


def test_ask_without_index_exits_1_and_says_how_to_build(tmp_path: Path) -> None:
    result = run("ask", "hello", "--index", str(tmp_path / "none"))
    assert result.exit_code == 1
    assert "no index at" in result.stderr and "seminar-qa build" in result.stderr
    assert "Traceback" not in result.output


def test_ask_with_damaged_index_exits_1(built: Path) -> None:
    (built / "passages.jsonl").write_text("{}\n")
    result = run("ask", "hello", "--index", str(built))
    assert result.exit_code == 1
    assert "damaged" in result.stderr


def test_status_json_reports_state_and_changes(corpus: Path, built: Path) -> None:
    result = run("status", "--corpus", str(corpus), "--index", str(built), "--json")
    payload = json.loads(result.stdout)
    assert payload["state"] == "current" and payload["documents"] == 2
    (corpus / "autumn-workshop.md").unlink()
    result = run("status", "--corpus", str(corpus), "--index", str(built))
    assert result.exit_code == 0
    assert ": stale" in result.stdout and "removed: autumn-workshop.md" in result.stdout


def test_status_reports_a_damaged_index_as_broken(corpus: Path, built: Path) -> None:
    (built / "passages.jsonl").write_text("{}\n")
    result = run("status", "--corpus", str(corpus), "--index", str(built), "--json")
    payload = json.loads(result.stdout)
    assert payload["state"] == "broken"
    assert "passages.jsonl is damaged" in payload["message"]


def test_status_of_missing_index(tmp_path: Path) -> None:
    result = run("status", "--index", str(tmp_path / "none"), "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["state"] == "missing"


def test_help_shows_examples() -> None:
    result = run("ask", "--help")
    assert result.exit_code == 0 and "Examples:" in result.stdout


def test_build_of_one_short_document_counts_in_the_singular(tmp_path: Path) -> None:
    folder = tmp_path / "one"
    folder.mkdir()
    (folder / "notice.md").write_text("# Notice\n\nThe training day is on 14 March.\n")
    result = run("build", "--corpus", str(folder), "--index", str(tmp_path / "ix"), "--quiet")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Indexed 1 passage from 1 document in ")
