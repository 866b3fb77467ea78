"""Traditional Chinese read as simplified: the table, and questions and reports in either script."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from seminar_qa.answerability.types import asked_type
from seminar_qa.answering import Assistant
from seminar_qa.index import SeminarIndex
from seminar_qa.numbers import numbers_in
from seminar_qa.pipeline import build_index, index_status
from seminar_qa.retrieval.clause import answer_clause
from seminar_qa.settings import Settings
from seminar_qa.simplified import (
    TABLE_FILE,
    derive_table,
    installed_entries,
    table_source,
    to_simplified,
)
from seminar_qa.testing.fakes import HashingEmbedder
from seminar_qa.tokenization import base_tokens


def test_shipped_table_matches_cc_cedict_and_leaves_simplified_text_alone() -> None:
    entries = installed_entries()
    assert TABLE_FILE.read_text(encoding="utf-8") == table_source(derive_table(entries))
    changed = [
        e["simplified"] for e in entries if to_simplified(e["simplified"]) != e["simplified"]
    ]
    assert changed == []
    traditional = [e for e in entries if e["traditional"] != e["simplified"]]
    same = sum(to_simplified(e["traditional"]) == e["simplified"] for e in traditional)
    assert same / len(traditional) > 0.97  # the rest: a character with two simplified readings


@given(st.text(max_size=60))
def test_the_reading_keeps_the_length(text: str) -> None:
    assert len(to_simplified(text)) == len(text)


def test_traditional_questions_ask_what_simplified_ones_ask() -> None:
    pairs = [
        ("長寧區教育局局長是誰？", "长宁区教育局局长是谁？", "person"),
        ("研討會什麼時候舉行？", "研讨会什么时候举行？", "time"),
        ("研討會在哪裡舉行？", "研讨会在哪里举行？", "place"),
        ("這個模型叫什麼名字？", "这个模型叫什么名字？", "name"),
    ]
    for traditional, simplified, kind in pairs:
        asked = asked_type(traditional)
        assert asked is not None and asked.name == kind
        assert base_tokens(traditional) == base_tokens(simplified)
        assert "谁" not in base_tokens(traditional)  # 誰 is a stop word too
    expression = numbers_in("有三萬兩千名學生")[0]
    assert expression.value == 32000 and "有三萬兩千名學生"[expression.start] == "三"


def test_a_long_traditional_sentence_gets_the_clause_a_simplified_one_gets() -> None:
    simplified = (
        "该校成立于一九五六年，最初只有三个班级和十二名教师，后来逐步发展成为区内规模最大的学校之一，"
        "目前共有学生两千余人，校长是张明，学校以科学教育著名。"
    )
    traditional = (
        "該校成立於一九五六年，最初只有三個班級和十二名教師，後來逐步發展成為區內規模最大的學校之一，"
        "目前共有學生兩千餘人，校長是張明，學校以科學教育著名。"
    )
    question = "該校是哪一年成立的？"
    kind = asked_type(question)
    assert kind is not None
    clause = answer_clause(traditional, 0, len(traditional), question, holds_type=kind.holds)
    assert clause == answer_clause(simplified, 0, len(simplified), question, holds_type=kind.holds)
    assert "一九五六年" in traditional[clause[0] : clause[1]]


def test_a_simplified_question_finds_a_traditional_report_and_back(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "taipei.txt").write_text(
        "臺北研討會\n\n教師們討論了數位學習平臺的建設，並分享了課堂經驗。", encoding="utf-8"
    )
    (corpus / "shanghai.txt").write_text(
        "上海研讨会\n\n专家介绍了人工智能在语文教学中的应用。", encoding="utf-8"
    )
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "ix", embedder="hashing")
    build_index(settings, embedders=[HashingEmbedder()])
    assert index_status(settings, embedders=[HashingEmbedder()]).state == "current"
    index = SeminarIndex.load(settings.index_dir, [HashingEmbedder()])
    assistant = Assistant(index)
    for question, source in (
        ("教师们讨论了什么平台的建设？", "taipei.txt"),  # simplified over traditional
        ("專家介紹了什麼的應用？", "shanghai.txt"),  # traditional over simplified
    ):
        hits = assistant.answer(question, k=2).hits
        assert hits[0].passage.doc_id == source, question
        assert hits[0].signals["bm25"] > 0
