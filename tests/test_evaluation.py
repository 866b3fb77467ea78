"""Evaluation: relevance judging, metrics against hand-computed values, file loading, the CLI."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import assume, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from seminar_qa.answering import Assistant
from seminar_qa.cli import cli
from seminar_qa.evaluation import (
    EvalQuestion,
    MetricSpecError,
    QuestionFileError,
    QuestionResult,
    build_report,
    evaluate_questions,
    format_table,
    load_beir,
    load_qrels,
    load_questions,
    metric_names,
    parse_minimum,
    shortfalls,
)
from seminar_qa.evaluation.judging import PassagesByDocument, judge
from seminar_qa.evaluation.metrics import HIT_CUTOFFS, compute_metrics
from seminar_qa.evaluation.ranking import ranking_metrics
from seminar_qa.index import SeminarIndex
from seminar_qa.pipeline import build_index
from seminar_qa.records import Passage
from seminar_qa.settings import Settings
from seminar_qa.text import fold

SEMINAR = "tec-seminar-2024-11-28.md"
WORKSHOP = "autumn-workshop.md"

QUESTIONS: list[dict[str, object]] = [
    {
        "id": "q1",
        "question": "Who is the Director of the Informatization Division?",
        "answers": ["Han Chonghu"],
        "lang": "en",
        "kind": "direct",
    },
    {
        "id": "q2",
        "question": "Which open digital resource did Songyi Experimental School use?",
        "answers": ["ＧｅｏＧｅｂｒａ"],
        "lang": "en",
        "kind": "paraphrase",
    },
    {
        "id": "q3",
        "question": "Who opened the workshop on open educational resources?",
        "answers": ["professor li hua"],
        "lang": "en",
        "kind": "direct",
    },
    {
        "id": "q4",
        "question": "长宁区教育局的代表是谁？",
        "answers": ["Xiong Qiuju"],
        "lang": "zh",
        "kind": "crosslingual",
    },
    {
        "id": "u1",
        "question": "What is the capital of France?",
        "answers": [],
        "kind": "unanswerable",
    },
]


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def write_jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


def result(
    ranking: tuple[str, ...],
    relevant: dict[str, int],
    *,
    abstained: bool = False,
    answerable: bool = True,
    qid: str = "q",
    lang: str | None = None,
    kind: str | None = None,
) -> QuestionResult:
    """A hand-made judged result."""
    question = EvalQuestion(
        qid, f"question {qid}", ("x",) if answerable else (), lang=lang, kind=kind
    )
    return QuestionResult(question, ranking, relevant, abstained)


@pytest.fixture
def built(settings: Settings) -> Path:
    """The test corpus indexed with the fake embedder that ``settings`` names."""
    assert settings.embedder == "hashing"
    build_index(settings)
    return Path(settings.index_dir)


@pytest.fixture
def questions_file(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "questions.jsonl", list(QUESTIONS))


# --------------------------------------------------------------------------- metrics by hand


def test_single_relevant_at_rank_2() -> None:
    metrics = compute_metrics([result(("a", "b", "c"), {"b": 1})])
    assert metrics["hit@1"] == 0.0
    assert metrics["hit@3"] == 1.0
    assert metrics["mrr@10"] == pytest.approx(0.5)
    assert metrics["ndcg@10"] == pytest.approx(1 / math.log2(3))
    assert metrics["recall@10"] == pytest.approx(1.0)


def test_means_over_answerable_questions_only() -> None:
    results = [
        result(("a", "b", "c"), {"b": 1}, qid="1"),
        # Two relevant, one of them never returned: recall 1/2, nDCG = 1 / (1 + 1/log2(3)).
        result(("a", "b", "c"), {"a": 1, "z": 1}, qid="2"),
        # Returned nothing (an empty question): zero everywhere, still counted.
        result((), {"a": 1}, qid="3", abstained=True),
        result(("a",), {}, qid="u", answerable=False, abstained=True),
    ]
    metrics = compute_metrics(results)
    assert metrics["hit@1"] == pytest.approx(1 / 3)
    assert metrics["hit@3"] == pytest.approx(2 / 3)
    assert metrics["mrr@10"] == pytest.approx((0.5 + 1.0 + 0.0) / 3)
    ndcg_2 = 1 / (1 + 1 / math.log2(3))
    assert metrics["ndcg@10"] == pytest.approx((1 / math.log2(3) + ndcg_2) / 3)
    assert metrics["recall@10"] == pytest.approx((1 + 0.5) / 3)
    assert (metrics["questions"], metrics["answerable"], metrics["unanswerable"]) == (4, 3, 1)


def test_recall_uses_k_and_cutoffs_beyond_the_ranking() -> None:
    ranking = tuple(f"p{i}" for i in range(1, 8))
    metrics = compute_metrics([result(ranking, {"p6": 1, "p9": 1})], k=5)
    assert metrics["recall@5"] == 0.0
    assert metrics["hit@5"] == 0.0
    assert metrics["hit@10"] == 1.0
    assert "recall@10" not in metrics


def test_abstention_precision_recall_and_false_refusals() -> None:
    # Confusion: 2 unanswerable abstained, 1 unanswerable answered, 1 answerable abstained,
    # 2 answerable answered. Precision 2/3, recall 2/3, false refusals 1/3.
    results = [
        result(("a",), {}, answerable=False, abstained=True),
        result(("a",), {}, answerable=False, abstained=True),
        result(("a",), {}, answerable=False, abstained=False),
        result(("a",), {"a": 1}, abstained=True),
        result(("a",), {"a": 1}),
        result(("b",), {"a": 1}),
    ]
    metrics = compute_metrics(results)
    assert metrics["abstention_precision"] == pytest.approx(2 / 3)
    assert metrics["abstention_recall"] == pytest.approx(2 / 3)
    assert metrics["false_refusal_rate"] == pytest.approx(1 / 3)
    assert metrics["abstained"] == 3


def test_undefined_rates_are_none() -> None:
    metrics = compute_metrics([result(("a",), {"a": 1})])
    assert metrics["abstention_precision"] is None  # nothing abstained
    assert metrics["abstention_recall"] is None  # nothing unanswerable
    only_unanswerable = compute_metrics([result(("a",), {}, answerable=False)])
    assert only_unanswerable["hit@1"] is None
    assert only_unanswerable["false_refusal_rate"] is None


def test_answerable_without_a_relevant_passage_is_unmatched_and_left_out() -> None:
    metrics = compute_metrics([result(("a",), {"a": 1}), result(("a",), {})])
    assert metrics["unmatched"] == 1
    assert metrics["hit@1"] == 1.0
    assert metrics["answerable"] == 2


def test_groups_by_lang_and_kind() -> None:
    results = [
        result(("a", "b"), {"a": 1}, qid="1", lang="en", kind="direct"),
        result(("a", "b"), {"b": 1}, qid="2", lang="zh", kind="direct"),
        result(("a",), {}, qid="3", answerable=False, abstained=True),
    ]
    report = build_report(results)
    assert report.groups["lang"]["en"]["hit@1"] == 1.0
    assert report.groups["lang"]["zh"]["hit@1"] == 0.0
    assert report.groups["kind"]["direct"]["mrr@10"] == pytest.approx(0.75)
    assert report.groups["lang"]["unspecified"]["abstention_recall"] == 1.0
    table = format_table(report)
    assert "lang=zh" in table and "kind=direct" in table
    assert table.splitlines()[0].startswith("3 questions: 2 answerable, 1 unanswerable")
    single = format_table(build_report(results[:1]))
    assert single.splitlines()[0].startswith("1 question: 1 answerable, 0 unanswerable")


def test_first_relevant_rank() -> None:
    assert result(("a", "b", "c"), {"c": 2}).first_relevant_rank == 3
    assert result(("a", "b"), {"c": 1}).first_relevant_rank is None


# --------------------------------------------------------------------------- relevance


def passage(text: str, doc_id: str = "doc.md", position: int = 0) -> Passage:
    return Passage(f"{doc_id}#{position}", doc_id, "Title", position, 0, len(text), text)


@pytest.mark.parametrize(
    ("answer", "text"),
    [
        ("ＧｅｏＧｅｂｒａ", "Teachers used GeoGebra in class."),  # full-width answer
        ("geogebra", "Teachers used ＧｅｏＧｅｂｒａ in class."),  # full-width passage
        ("HAN CHONGHU", "Director Han\nChonghu spoke."),  # case and a line break
        ("strasse", "Die Straße war lang."),  # case folding, not just lower()
    ],
)
def test_answer_matching_uses_nfkc_and_casefold(answer: str, text: str) -> None:
    question = EvalQuestion("q", "?", (answer,))
    assert question.relevance(passage(text)) == 1


def test_answer_not_in_passage_is_not_relevant() -> None:
    assert EvalQuestion("q", "?", ("Xiong Qiuju",)).relevance(passage("Han Chonghu spoke.")) == 0
    assert fold("Ａ  B\tc") == "a b c"


def test_relevant_docs_restricts_relevance() -> None:
    question = EvalQuestion("q", "?", ("seminar",))
    news = passage("A seminar on interest rates.", doc_id="bbc-news/business/001.txt")
    assert question.relevance(news) == 1
    assert question.relevance(news, relevant_docs={"report.md"}) == 0
    assert question.relevance(passage("The seminar.", "report.md"), {"report.md"}) == 1


def test_beir_judgements_match_passage_and_document_ids() -> None:
    question = EvalQuestion("q", "?", judged={"a.md#2": 2, "b.md": 1, "c.md": 0})
    assert question.relevance(passage("x", "a.md", 2)) == 2
    assert question.relevance(passage("x", "a.md", 1)) == 0
    assert question.relevance(passage("x", "b.md", 7)) == 1
    assert question.relevance(passage("x", "c.md", 0)) == 0
    assert question.answerable
    assert not EvalQuestion("u", "?", judged={"c.md": 0}).answerable


# --------------------------------------------------------------------------- loading


def test_load_questions_reads_fields_and_defaults(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text(
        '{"question": "Who?", "answers": ["A"], "lang": "en"}\n\n{"id": 7, "question": "Why?"}\n',
        "utf-8",
    )
    first, second = load_questions(path)
    assert (first.qid, first.answers, first.lang, first.kind) == ("1", ("A",), "en", None)
    assert (second.qid, second.answers, second.answerable) == ("7", (), False)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "line 2: not valid JSON"),
        ('{"answers": ["x"]}', 'line 2: lacks a non-empty "question"'),
        ('{"question": "Who?", "answers": "x"}', 'line 2: "answers" must be a list'),
        ('["question"]', "line 2: expected a JSON object"),
        ('{"id": "a", "question": "Again?"}', "line 2: duplicate id 'a' (first on line 1)"),
    ],
)
def test_load_questions_names_the_bad_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text('{"id": "a", "question": "Who?", "answers": []}\n' + line + "\n", "utf-8")
    with pytest.raises(QuestionFileError, match=r"q\.jsonl") as caught:
        load_questions(path)
    assert message in str(caught.value)


def test_load_beir_queries_and_qrels(tmp_path: Path) -> None:
    queries = write_jsonl(
        tmp_path / "queries.jsonl",
        [
            {"_id": "b1", "text": "Who leads the division?", "metadata": {"lang": "en"}},
            {"_id": "b2", "text": "Who opened the workshop?", "kind": "direct"},
            {"_id": "b3", "text": "What is the capital of France?"},
        ],
    )
    qrels = tmp_path / "qrels.tsv"
    qrels.write_text(
        f"query-id\tcorpus-id\tscore\nb1\t{SEMINAR}#3\t1\nb2\t{WORKSHOP}\t2\nb3\t{WORKSHOP}\t0\n",
        "utf-8",
    )
    assert load_qrels(qrels)["b2"] == {WORKSHOP: 2}
    b1, b2, b3 = load_beir(queries, qrels)
    assert (b1.qid, b1.judged, b1.lang) == ("b1", {f"{SEMINAR}#3": 1}, "en")
    assert (b2.judged, b2.kind) == ({WORKSHOP: 2}, "direct")
    assert b1.answerable and b2.answerable and not b3.answerable


def test_load_qrels_without_header_and_bad_rows(tmp_path: Path) -> None:
    path = tmp_path / "qrels.tsv"
    path.write_text("q1\tdoc.md\t1\n", "utf-8")
    assert load_qrels(path) == {"q1": {"doc.md": 1}}
    path.write_text("query-id\tcorpus-id\tscore\nq1 doc.md 1\n", "utf-8")
    with pytest.raises(QuestionFileError, match="line 2: expected 3 tab-separated fields"):
        load_qrels(path)


# --------------------------------------------------------------------------- minimums


def test_parse_minimum_and_shortfalls() -> None:
    assert parse_minimum("Hit@3=0.8") == ("hit@3", 0.8)
    assert parse_minimum("recall@5=0.5", k=5) == ("recall@5", 0.5)
    messages = shortfalls(
        {"hit@3": 0.5, "mrr@10": 0.9, "abstention_recall": None},
        [("hit@3", 0.8), ("mrr@10", 0.9), ("abstention_recall", 0.1)],
    )
    assert messages[0] == "hit@3 = 0.5000 is below the minimum 0.8"
    assert "abstention_recall is n/a" in messages[1]
    assert len(messages) == 2


@pytest.mark.parametrize("spec", ["hit@3", "bleu=0.5", "hit@3=high", "recall@10=nan"])
def test_parse_minimum_rejects_bad_specs(spec: str) -> None:
    with pytest.raises(MetricSpecError):
        parse_minimum(spec, k=5)


# --------------------------------------------------------------------------- against an index


def test_evaluate_questions_on_a_built_index(built: Path, questions_file: Path) -> None:
    index = SeminarIndex.load(built)
    questions = load_questions(questions_file)
    report = evaluate_questions(Assistant(index), questions, k=len(index))
    by_id = {r.question.qid: r for r in report.results}
    # Every passage is returned, so each answerable question finds its relevant passage.
    assert report.metrics["recall@" + str(len(index))] == 1.0
    assert all(by_id[q].first_relevant_rank is not None for q in ("q1", "q2", "q3", "q4"))
    assert all(p.startswith(WORKSHOP) for p in by_id["q3"].relevant)
    assert all(p.startswith(SEMINAR) for p in by_id["q1"].relevant)
    assert by_id["u1"].first_relevant_rank is None and not by_id["u1"].relevant
    # Hit@1 agrees with the rank found by hand.
    ranked = [r for r in report.results if r.ranked]
    hit1 = sum(r.first_relevant_rank == 1 for r in ranked) / len(ranked)
    assert report.metrics["hit@1"] == pytest.approx(hit1)


def test_relevant_docs_leaves_other_documents_unmatched(built: Path, questions_file: Path) -> None:
    index = SeminarIndex.load(built)
    report = evaluate_questions(
        Assistant(index), load_questions(questions_file), k=5, relevant_docs={WORKSHOP}
    )
    assert report.metrics["unmatched"] == 3  # q1, q2, q4 are answered only by the seminar
    assert [r.question.qid for r in report.results if r.ranked] == ["q3"]
    note = "left out of the ranking metrics: 3 answerable questions with no relevant passage"
    assert note in format_table(report)


def test_empty_question_counts_as_abstained(built: Path) -> None:
    index = SeminarIndex.load(built)
    report = evaluate_questions(Assistant(index), [EvalQuestion("e", "？！", ("x",))], k=3)
    assert report.results[0].abstained
    assert report.results[0].ranking == ()


# --------------------------------------------------------------------------- CLI


def test_cli_prints_a_table(built: Path, questions_file: Path) -> None:
    result = run("eval", str(questions_file), "--index", str(built), "-q")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "5 questions: 4 answerable, 1 unanswerable" in result.stdout
    header = next(line for line in lines if line.startswith("group"))
    for column in ("n", "Hit@1", "Hit@3", "Hit@5", "Hit@10", "MRR@10", "nDCG@10", "AnsSent"):
        assert column in header.split()
    assert any(line.startswith("all ") and " 5 " in line for line in lines)
    assert any(line.startswith("lang=zh") for line in lines)
    assert any(line.startswith("kind=unanswerable") for line in lines)


def test_cli_json_shape(built: Path, questions_file: Path) -> None:
    result = run("eval", str(questions_file), "--index", str(built), "--json", "-q")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert set(payload) >= {"metrics", "groups", "questions"}
    assert set(payload["groups"]) == {"lang", "kind"}
    assert set(payload["groups"]["lang"]) == {"en", "zh", "unspecified"}
    assert set(payload["metrics"]) >= {*metric_names(10), "questions", "answerable"}
    assert payload["metrics"]["unanswerable"] == 1
    entries = {q["id"]: q for q in payload["questions"]}
    assert list(entries) == ["q1", "q2", "q3", "q4", "u1"]
    for entry in entries.values():
        assert {"id", "question", "lang", "kind", "hit_rank", "abstained"} <= set(entry)
        assert "passages" not in entry
    assert entries["u1"]["hit_rank"] is None
    assert isinstance(entries["q1"]["hit_rank"], int)


def test_cli_details_list_passages(built: Path, questions_file: Path) -> None:
    result = run(
        "eval", str(questions_file), "--index", str(built), "--json", "--details", "-k", "3"
    )
    assert result.exit_code == 0, result.output
    entry = json.loads(result.stdout)["questions"][0]
    assert len(entry["passages"]) == 3
    first = entry["passages"][0]
    for key in ("rank", "score", "doc_id", "passage_id", "text", "answer_start", "answer_end"):
        assert key in first
    assert first["rank"] == 1
    assert first["text"][first["answer_start"] : first["answer_end"]] == first["answer"]
    assert isinstance(entry["abstained"], bool)


def test_cli_details_in_the_table(built: Path, questions_file: Path) -> None:
    result = run("eval", str(questions_file), "--index", str(built), "--details", "-q")
    assert result.exit_code == 0
    assert any(
        line.startswith("u1") and "unanswerable" in line for line in result.stdout.splitlines()
    )


def test_cli_beir(built: Path, tmp_path: Path) -> None:
    queries = write_jsonl(tmp_path / "queries.jsonl", [{"_id": "w", "text": "Who opened it?"}])
    qrels = tmp_path / "qrels.tsv"
    qrels.write_text(f"query-id\tcorpus-id\tscore\nw\t{WORKSHOP}\t1\n", "utf-8")
    args = ["--queries", str(queries), "--qrels", str(qrels), "--index", str(built), "-k", "20"]
    result = run("eval", *args, "--json", "-q")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["metrics"]["recall@20"] == 1.0
    assert payload["metrics"]["answer_sentence"] is None  # no answer strings in BEIR


def test_cli_min_passes(built: Path, questions_file: Path) -> None:
    # k covers every passage of the small index, so recall is exactly 1.
    result = run(
        "eval", str(questions_file), "--index", str(built), "-k", "20", "--min", "recall@20=1", "-q"
    )
    assert result.exit_code == 0, result.output


def test_cli_min_fails_naming_metric_value_and_minimum(built: Path, questions_file: Path) -> None:
    result = run("eval", str(questions_file), "--index", str(built), "--min", "hit@1=1.01", "-q")
    assert result.exit_code == 1
    assert "hit@1 = " in result.stderr and "is below the minimum 1.01" in result.stderr
    assert "Hit@1" in result.stdout  # the table is still printed


@pytest.mark.parametrize("spec", ["hit@3", "bleu=0.5", "hit@3=high"])
def test_cli_bad_min_spec_exits_2(built: Path, questions_file: Path, spec: str) -> None:
    result = run("eval", str(questions_file), "--index", str(built), "--min", spec)
    assert result.exit_code == 2
    assert "--min" in result.stderr
    if spec == "bleu=0.5":
        assert "valid metrics: hit@1, hit@3" in result.stderr


def test_cli_bad_jsonl_line_exits_1(built: Path, tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"question": "Who?", "answers": []}\n{"question": oops}\n', "utf-8")
    result = run("eval", str(path), "--index", str(built))
    assert result.exit_code == 1
    assert "bad.jsonl line 2: not valid JSON" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.jsonl"], "does not exist"),
        ([], "give QUESTIONS.jsonl, or both --queries and --qrels"),
        (["{questions}", "--queries", "{questions}"], "not both"),
        (["--queries", "{questions}"], "both --queries and --qrels"),
    ],
)
def test_cli_bad_usage_exits_2(
    built: Path, questions_file: Path, args: list[str], message: str
) -> None:
    args = [a.format(questions=questions_file) for a in args]
    result = run("eval", *args, "--index", str(built))
    assert result.exit_code == 2
    assert message in result.stderr


def test_cli_without_index_exits_1(questions_file: Path, tmp_path: Path) -> None:
    result = run("eval", str(questions_file), "--index", str(tmp_path / "none"))
    assert result.exit_code == 1
    assert "seminar-qa build" in result.stderr


# --------------------------------------------------------------------------- against ranx

_PIDS = [f"p{n}" for n in range(15)]


@pytest.mark.slow  # ranx compiles its numba functions first (~10 s)
@hsettings(max_examples=150, deadline=None)
@given(
    judged=st.dictionaries(st.sampled_from(_PIDS), st.integers(0, 3), min_size=1, max_size=8),
    ranking=st.lists(st.sampled_from(_PIDS), unique=True, max_size=15),
    k=st.integers(1, 12),
)
def test_ranking_metrics_equal_ranx(judged: dict[str, int], ranking: list[str], k: int) -> None:
    import warnings

    from ranx import Qrels, Run, evaluate

    assume(any(grade > 0 for grade in judged.values()))
    ours = ranking_metrics(judged, ranking, HIT_CUTOFFS, k)
    names = {f"hit@{c}": f"hit_rate@{c}" for c in HIT_CUTOFFS}
    names.update({"mrr@10": "mrr@10", "ndcg@10": "ndcg@10", f"recall@{k}": f"recall@{k}"})
    run = Run({"q": {pid: float(len(ranking) - r) for r, pid in enumerate(ranking)} or {"": 0.0}})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        evaluate(Qrels({"q": judged}), run, list(names.values()), threads=1)
    for mine, theirs in names.items():
        assert ours[mine] == pytest.approx(float(run.scores[theirs]["q"]), abs=1e-9), mine


_DOCS = ("a.txt", "b.md", "c", "a")
_WORDS = ("Shanghai", "portal", "GeoGebra", "teachers")


@hsettings(max_examples=120, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(_DOCS), st.sets(st.sampled_from(_WORDS))), max_size=12),
    st.sets(st.sampled_from(_WORDS), max_size=2),
    st.sets(st.sampled_from(("a", "a.txt", "b", "c", "d")), max_size=2),
    st.one_of(st.none(), st.sets(st.sampled_from(_DOCS))),
    st.dictionaries(st.sampled_from(("p0", "p1", "b.md", "zz")), st.integers(-1, 2), max_size=2),
)
def test_judging_only_the_passages_that_may_be_relevant_changes_nothing(
    texts: list[tuple[str, set[str]]],
    answers: set[str],
    gold: set[str],
    relevant_docs: set[str] | None,
    judged: dict[str, int],
) -> None:
    passages = [
        Passage(f"p{i}", doc, doc, i, 0, 1, " ".join(sorted(words)) or "nothing")
        for i, (doc, words) in enumerate(texts)
    ]
    grouped = PassagesByDocument(passages)
    for question in (
        EvalQuestion("q", "?", answers=tuple(sorted(answers)), gold=tuple(sorted(gold))),
        EvalQuestion("q", "?", judged=judged),
    ):
        plain = judge(question, [], passages, abstained=False, relevant_docs=relevant_docs)
        quick = judge(
            question,
            [],
            passages,
            abstained=False,
            relevant_docs=relevant_docs,
            by_document=grouped,
        )
        assert quick.relevant == plain.relevant
