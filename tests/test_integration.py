"""Integration tier: the real packaged MiniLM model, offline, over the real corpus."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from seminar_qa.answering import Assistant
from seminar_qa.cli import cli
from seminar_qa.evaluation import evaluate_questions, load_questions
from seminar_qa.index import SeminarIndex
from seminar_qa.models import get_embedder
from seminar_qa.pipeline import build_index
from seminar_qa.policy import DEFAULT_POLICY, Alignment
from seminar_qa.retrieval.question import prepare_question
from seminar_qa.retrieval.search import rank
from seminar_qa.settings import Settings
from seminar_qa.text import fold

from .conftest import REPO, REPO_CORPUS

pytestmark = pytest.mark.integration
DEV_SET = REPO / "eval" / "dev_questions.jsonl"


@pytest.fixture(scope="module")
def real_index(tmp_path_factory: pytest.TempPathFactory) -> SeminarIndex:
    directory = tmp_path_factory.mktemp("real") / "index"
    settings = Settings(corpus_dir=REPO_CORPUS, index_dir=directory)  # default: minilm, e5, use
    report = build_index(settings)
    assert report.documents >= 1 and not report.skipped
    return SeminarIndex.load(directory)


@pytest.fixture(scope="module")
def assistant(real_index: SeminarIndex) -> Assistant:
    return Assistant(real_index)


def test_model_loads_offline_and_embeds_normalised() -> None:
    embedder = get_embedder("minilm")
    vectors = embedder.encode(["UNESCO Teacher Education Centre", "上海"])
    assert vectors.shape == (2, 384)
    assert abs(float((vectors[0] ** 2).sum()) - 1.0) < 1e-4


def test_use_embeds_offline_and_carries_a_chinese_question_to_its_english_answer() -> None:
    use = get_embedder("use")
    sentences = use.encode(
        [
            "Han Chonghu is the Director of the Informatization Division.",
            "The portal was launched to share digital learning resources worldwide.",
        ]
    )
    (question,) = use.encode_queries(["信息化处处长是谁？"])
    assert sentences.shape == (2, 512)
    assert abs(float((question**2).sum()) - 1.0) < 1e-4
    assert float(sentences[0] @ question) > float(sentences[1] @ question) + 0.05


def test_english_dev_questions_find_an_answer_in_top_3(assistant: Assistant) -> None:
    rows = [json.loads(line) for line in DEV_SET.read_text(encoding="utf-8").splitlines() if line]
    english = [r for r in rows if r["lang"] == "en" and r["answers"]]
    assert len(english) >= 8
    misses = []
    for row in english:
        hits = assistant.answer(row["question"], k=3).hits
        if not any(fold(a) in fold(h.passage.text) for h in hits for a in row["answers"]):
            misses.append(row["question"])
    assert misses == []


# Hit@3 reached on the dev set by the hybrid retriever (BM25 + MiniLM + E5): every question.
DEV_HIT_AT_3 = 1.0


def test_dev_set_hit_at_3_and_abstention_hold(assistant: Assistant) -> None:
    rows = [json.loads(line) for line in DEV_SET.read_text(encoding="utf-8").splitlines() if line]
    answerable = [r for r in rows if r["answers"]]
    assert {r["lang"] for r in answerable} == {"en", "zh"}
    found_in_top_3 = 0
    for row in answerable:
        answer = assistant.answer(row["question"], k=3)
        assert answer.found, f"wrongly refused: {row['question']}"
        texts = [fold(h.passage.text) for h in answer.hits]
        found_in_top_3 += any(fold(a) in t for t in texts for a in row["answers"])
    assert found_in_top_3 / len(answerable) >= DEV_HIT_AT_3
    for row in (r for r in rows if not r["answers"]):
        assert not assistant.answer(row["question"], k=3).found, row["question"]


def test_dev_chinese_questions_find_their_passage_first(assistant: Assistant) -> None:
    # "上海师范大学的哪个中心的主任做了发言？" went to the address of the Informatization Division's
    # director, which every model preferred, until a name held word for word counted in fusion
    # (retrieval.held_names, 2026-12-07): "shanghai normal university" is in one passage only.
    rows = [json.loads(line) for line in DEV_SET.read_text(encoding="utf-8").splitlines() if line]
    chinese = [r for r in rows if r["lang"] == "zh" and r["answers"]]
    assert len(chinese) >= 2
    for row in chinese:
        top = assistant.answer(row["question"], k=1).hits[0].passage.text
        assert any(fold(a) in fold(top) for a in row["answers"]), row["question"]


# Levels reached on the project's own question sets (seminar index, real models; 2026-12-02,
# with USE and the learned answer sentence): Hit@1 seminar .964 and validation .956, Hit@3 1.0 on
# both; answer sentence .909 and .889. The visitor set (2026-12-06, eleventh session, 93
# answerable): Hit@1 87, Hit@3 91, answer sentence 70. Since the mark moves to a sentence that
# goes on about the person (retrieval.referents.continued, the same session) the answer
# sentence is 42 of 45 on the validation set and 72 of 93 on the visitor set; since a Chinese
# question's names held word for word count in fusion (retrieval.held_names, 2026-12-07), the
# visitor set's Hit@1 is 88 and its answer sentence 73. The floors sit one question below, so a
# change that loses more than one answer fails here.
SET_FLOORS = {
    "seminar_questions.jsonl": {"hit@1": 0.94, "hit@3": 0.98, "answer_sentence": 0.89},
    "validation_questions.jsonl": {"hit@1": 0.93, "hit@3": 0.97, "answer_sentence": 0.91},
    "visitor_questions.jsonl": {"hit@1": 0.93, "hit@3": 0.96, "answer_sentence": 0.77},
}


@pytest.mark.parametrize("name", sorted(SET_FLOORS))
def test_own_question_sets_keep_their_levels(assistant: Assistant, name: str) -> None:
    report = evaluate_questions(assistant, load_questions(REPO / "eval" / name), k=10)
    reached = {metric: report.metrics[metric] for metric in SET_FLOORS[name]}
    assert all(
        value is not None and value >= SET_FLOORS[name][metric] for metric, value in reached.items()
    ), reached
    assert (report.metrics["false_refusal_rate"] or 0.0) <= 0.05


# Answerability on the validation set (never trained on; 45 answerable, 25 off-topic, 24
# near-domain questions; 2026-12-02): AUROC .856, 67% of the unanswerable ones get no answer
# (closest or not found), 92% of the off-topic ones, 1 answerable question of 45 is told "not in
# these reports". Floors one question off or below.
def test_validation_set_answerability_holds(assistant: Assistant) -> None:
    report = evaluate_questions(
        assistant, load_questions(REPO / "eval" / "validation_questions.jsonl")
    )
    metrics = report.metrics
    assert (metrics["auroc"] or 0.0) >= 0.82, metrics["auroc"]
    assert (metrics["refused_unanswerable"] or 0.0) >= 0.65, metrics["refused_unanswerable"]
    assert (metrics["false_refusal_rate"] or 0.0) <= 0.045, metrics["false_refusal_rate"]
    kinds = {r.answer_kind for r in report.results}
    assert kinds == {"answered", "closest", "not_found"}
    off_topic = report.groups["kind"]["unanswerable"]
    assert (off_topic["refused_unanswerable"] or 0.0) >= 0.88
    # Questions sharing no word with the report are "not in these reports", not its closest
    # passage (a question about diabetes was "answered" before off-topic negatives were trained
    # on): 18 of 25 today.
    assert (off_topic["abstention_recall"] or 0.0) >= 0.68


def test_chinese_question_finds_the_romanised_name(assistant: Assistant) -> None:
    # The passage and the mark are the bridge's work; whether it is shown as the answer or as
    # the closest passage is the answerability model's, and this question sits at its threshold
    # (.27-.35 against .30 over the refits of 2026-12-06; the eval sets judge the verdicts).
    answer = assistant.answer("长宁区教育局局长是谁？", k=3)
    shown = answer.best or answer.closest
    assert shown is not None and "Xiong Qiuju" in shown.passage.text
    assert "Xiong Qiuju" in shown.answer


@pytest.mark.parametrize("question", ["张民选是谁？", "张民选教授说了什么？", "张教授说了什么？"])
def test_a_chinese_name_jieba_cuts_apart_meets_its_pinyin_spelling(
    assistant: Assistant, question: str
) -> None:
    # jieba cuts 张民选 into 张 ("sheet") and 民选 ("democratically elected"): before the index's
    # pinyin names were read, these ranked other speakers' paragraphs first (张教授, Professor
    # Zhang, Professor Wang Gong's).
    ranking, _ = assistant.inspect(question)
    assert "Zhang Minxuan" in ranking.hits[0].passage.text


def test_a_name_read_otherwise_reaches_every_model_as_the_report_spells_it(
    assistant: Assistant,
) -> None:
    # 闵行 (Minhang; 行 reads xing first) was glossed "Min Xing", and E5 and USE read the
    # characters poorly: the Tao Xingzhi paragraph came first, the answer "closest" at .15.
    ranking, _ = assistant.inspect("闵行知识学校资源库是谁介绍的？")
    assert "Minhang Knowledge School Repository" in ranking.hits[0].passage.text
    # A name jieba keeps whole: E5 and USE reading 熊秋菊 as "Xiong Qiuju" put her paragraph
    # first by .33 over the next, the characters by .13 (2026-12-06).
    ranking, _ = assistant.inspect("熊秋菊是谁？")
    first, second = ranking.hits[:2]
    assert "Xiong Qiuju" in first.passage.text and first.score - second.score > 0.2


def test_a_rare_place_name_reaches_the_models_as_the_report_spells_it(
    assistant: Assistant,
) -> None:
    # 长宁区 (Changning District): USE reads the characters and the English name as far apart
    # as unrelated words, and "长宁区有什么经验？" met the seminar's opening paragraph first.
    ranking, _ = assistant.inspect("长宁区有什么经验？")
    first, second = ranking.hits[:2]
    assert "Xiong Qiuju" in first.passage.text and first.score - second.score > 0.2


def test_token_alignment_reorders_near_ties_and_the_first_passage_does_not_depend_on_k(
    real_index: SeminarIndex, assistant: Assistant
) -> None:
    unaligned = Assistant(real_index, policy=replace(DEFAULT_POLICY, alignment=Alignment(0.0)))
    reordered = 0
    questions = [
        *load_questions(REPO / "eval" / "seminar_questions.jsonl"),
        *load_questions(REPO / "eval" / "near_domain_questions.jsonl"),
    ]
    for question in questions:
        text = prepare_question(question.question).text
        (first,) = rank(real_index, [text], DEFAULT_POLICY, k=1)
        five = assistant.answer(question.question, k=5).hits
        assert [hit.passage.position for hit in first.hits] == [five[0].passage.position]
        plain = unaligned.answer(question.question, k=5).hits
        reordered += plain[0].passage.position != five[0].passage.position
    # 2 of these 156 questions were re-ordered (2026-12-06, tenth session; 4 of the first 116
    # on 2026-12-05), every one a question the report does not answer: near ties among its
    # passages.
    assert reordered >= 1


def test_real_index_round_trip_gives_same_ranking(real_index: SeminarIndex, tmp_path: Path) -> None:
    real_index.save(tmp_path / "copy")
    copy = SeminarIndex.load(tmp_path / "copy")
    question = "Which expert talked about a big AI model for educating teachers?"
    assert [h.passage.passage_id for h in Assistant(copy).answer(question, 5).hits] == [
        h.passage.passage_id for h in Assistant(real_index).answer(question, 5).hits
    ]


def test_ask_json_says_found_or_not_with_the_real_models(
    real_index: SeminarIndex, tmp_path: Path
) -> None:
    real_index.save(tmp_path / "index")
    runner = CliRunner()
    off_topic = runner.invoke(
        cli, ["ask", "What is the capital of France?", "--json", "--index", str(tmp_path / "index")]
    )
    assert off_topic.exit_code == 0, off_topic.output
    refused = json.loads(off_topic.stdout)
    assert refused["found"] is False and refused["label"] == "none"
    asked = "Who leads the Changning District Education Bureau?"
    answered = json.loads(
        runner.invoke(cli, ["ask", asked, "--json", "--index", str(tmp_path / "index")]).stdout
    )
    assert answered["found"] is True and answered["answer_kind"] == "answered"
    assert answered["label"] in ("high", "medium")
    operating = DEFAULT_POLICY.answerability
    assert operating is not None and operating.answer_at <= answered["confidence"] <= 1.0
    assert "Xiong Qiuju" in answered["hits"][0]["answer"]
    printed = runner.invoke(
        cli, ["ask", "What is the capital of France?", "--index", str(tmp_path / "index")]
    )
    assert (
        printed.stdout.startswith("This is not in these reports")
        and "answer:" not in printed.stdout
    )


def test_the_api_gives_exactly_the_answers_of_ask_json_for_the_dev_questions(
    real_index: SeminarIndex, tmp_path: Path
) -> None:
    """A real `seminar-qa serve` process and `seminar-qa ask --json`, both with the real models."""
    import subprocess
    import sys

    import httpx

    from seminar_qa.testing.http import free_port, start_server, wait_for

    directory = tmp_path / "index"
    real_index.save(directory)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = start_server(directory, port, "--rate-limit", "0", log=tmp_path / "server.log")
    questions = [q.question for q in load_questions(DEV_SET)]
    runner = CliRunner()
    try:
        wait_for(url + "/readyz", 180, process=server)
        for number, question in enumerate(questions):
            served = httpx.post(url + "/v1/ask", json={"question": question, "k": 5}, timeout=60)
            assert served.status_code == 200, served.text
            if number == 0:  # one `ask --json` as its own process, the rest in this process
                command = [sys.executable, "-m", "seminar_qa.cli", "ask", question, "--json"]
                output = subprocess.run(
                    [*command, "--index", str(directory)], capture_output=True, check=True
                ).stdout
            else:
                output = runner.invoke(
                    cli, ["ask", question, "--json", "--index", str(directory)]
                ).stdout_bytes
            asked = json.loads(output)
            api = served.json()
            for payload in (asked, api):
                del payload["seconds"]
            assert api == asked, question
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_question_minilm_gives_the_vectors_of_sentence_transformers() -> None:
    """Questions are embedded in onnxruntime (int8), passages by sentence-transformers: close.

    The int8 graph's cosine with sentence-transformers' vectors was .9978 on average, .9938 at
    worst, over 200 questions of eval/ (minilm_onnx.write_graph, outlier channels apart; .9962
    and .9924 with the feed-forward output in float32 instead); a wrong weight, token or
    pooling gives well under .9.
    """
    import numpy as np

    embedder = get_embedder("minilm")
    questions = [q.question for q in load_questions(DEV_SET)]
    questions += ["Who?", "word " * 400, "GeoGebra, 3-D printing & AI: what's new?", "长宁区"]
    question_rows = embedder.encode_queries(questions)
    torch_rows = embedder.encode(questions)
    assert question_rows.shape == torch_rows.shape == (len(questions), 384)
    cosines = (question_rows * torch_rows).sum(axis=1)
    assert float(cosines.min()) > 0.985 and float(cosines.mean()) > 0.993, cosines
    assert np.allclose(np.linalg.norm(question_rows, axis=1), 1.0, atol=1e-5)


def test_a_fresh_ask_never_imports_torch(real_index: SeminarIndex, tmp_path: Path) -> None:
    import subprocess
    import sys

    real_index.save(tmp_path / "index")
    command = ["ask", "Who spoke about GeoGebra?", "--json", "--index", str(tmp_path / "index")]
    script = (
        "import sys; from seminar_qa.cli import cli\n"
        "try:\n"
        f"    cli({command!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('TORCH' if 'torch' in sys.modules else 'NO-TORCH', file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert json.loads(done.stdout)["found"] is True
    assert done.stderr.strip().endswith("NO-TORCH"), done.stderr[-500:]


def test_an_ask_that_stops_right_after_the_load_exits_with_its_message(
    real_index: SeminarIndex, tmp_path: Path
) -> None:
    import subprocess
    import sys

    # The models were still loading in background threads when the unknown document stopped
    # the command: the C++ runtime killed the process (exit 134) after the message.
    real_index.save(tmp_path / "index")
    command = ["ask", "Who spoke?", "--document", "nope.md", "--index", str(tmp_path / "index")]
    script = f"from seminar_qa.cli import cli\ncli({command!r})\n"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 1, (done.returncode, done.stderr[-500:])
    assert "unknown document 'nope.md'" in done.stderr
    assert "terminate" not in done.stderr
