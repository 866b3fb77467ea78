"""Answer types for answerability: what a question asks for, and whether a text holds it."""

from __future__ import annotations

import pytest

from seminar_qa.answerability.types import ANSWER_TYPES, asked_type

HOLDS = {kind.name: kind.holds for kind in ANSWER_TYPES}


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("How many people attended the seminar?", "quantity"),
        ("What is the name of the platform the memorial hall built?", "name"),
        ("教师教育大模型叫什么名字？", "name"),
        ("研讨会有多少人参加？", "quantity"),
        ("What percentage of schools joined?", "quantity"),
        ("How much did the district spend on its digital infrastructure?", "money"),
        ("What is the annual budget of the education commission?", "money"),
        ("长宁区在数字化基础设施上投入了多少资金？", "money"),
        ("How long did the seminar last?", "duration"),
        ("致辞讲了多长时间？", "duration"),
        ("When will the next seminar be held?", "time"),
        ("研讨会几点结束？", "clock"),  # 几 before 点 asks for a time of day, not a count
        ("At what time did the seminar finish?", "clock"),
        ("What time does the memorial hall open?", "clock"),
        ("What time period did the Normans live in?", "time"),
        ("什么时候举行？", "time"),
        ("教师教育大模型是哪一年开始研发的？", "time"),
        ("Who chaired the expert exchange session?", "person"),
        ("闵行区教育局局长是谁？", "person"),
        # A noun that names only people asks for one as "who" does (哪位 does in Chinese) ...
        ("Which teacher from Songyi Experimental School gave the presentation?", "person"),
        ("What famous actress did the sign language?", "person"),
        ("Which officials spoke?", "person"),
        # ... not after a verb, nor a word that names other things too.
        ("What is teacher training?", None),
        ("What general measure is used?", None),
        ("Which school presented GeoGebra?", None),
        ("Where was the seminar held?", "place"),
        ("Which districts of Shanghai took part?", "place"),
        ("研讨会在哪里举办？", "place"),
        # "When" asks for a time only as the question's own word.
        ("How old was the speaker when he joined the centre?", "quantity"),
        ("Who led the district when the platform was launched?", "person"),
        ("When schools share resources, what do teachers gain?", None),
        ("When did the district join, and why?", "time"),
        ("纪录片在哪一集首播？", None),  # which episode, not where
        ("这种建筑风格流行于哪个年代？", "time"),
        ("What did Professor Zhang Minxuan say?", None),
        ("张民选教授在会上讲了什么？", None),
    ],
)
def test_a_question_asks_for_its_most_specific_type(question: str, expected: str | None) -> None:
    kind = asked_type(question)
    assert (kind.name if kind else None) == expected


def test_a_date_is_not_a_count() -> None:
    # The report dates the seminar; that says nothing about how many came.
    assert not HOLDS["quantity"]("The seminar was held on 28 November 2024 in Shanghai.")
    assert not HOLDS["quantity"]("研讨会于2024年11月28日在上海举行。")
    assert HOLDS["time"]("The seminar was held on 28 November 2024 in Shanghai.")
    assert HOLDS["time"]("研讨会于2024年11月28日在上海举行。")
    assert HOLDS["quantity"]("More than 120 schools have joined since 2023.")
    assert HOLDS["quantity"]("Three schools presented their work.")
    assert HOLDS["quantity"]("覆盖了三十所中小学。")
    assert HOLDS["quantity"]("占全区学校的百分之六十。")


@pytest.mark.parametrize(
    ("kind", "text", "holds"),
    [
        ("money", "The district invested 5 million yuan in the network.", True),
        ("money", "It cost $3,000 to build.", True),
        ("money", "长宁区投入五百万元建设网络。", True),
        ("money", "The district invested heavily in its network.", False),
        ("duration", "The opening speech lasted twenty minutes.", True),
        ("duration", "致辞持续了半小时。", True),
        ("duration", "The opening speech was warmly received.", False),
        # A span told by where it ends or starts; a date alone says nothing of how long.
        ("duration", "French names stayed in use well into the nineteenth century.", True),
        ("duration", "The programme has run since 2019.", True),
        ("duration", "自2019年以来，平台持续运行。", True),
        ("duration", "On the afternoon of November 28, the seminar was held.", False),
        ("time", "The plan was drawn up in the 1950s.", True),
        ("clock", "The seminar ended at 4:30 p.m.", True),
        ("clock", "It closed at 5pm and reopened at noon.", True),
        ("clock", "下午三点研讨会结束。", True),
        ("clock", "会议于14时30分结束。", True),
        ("clock", "On the afternoon of November 28, the seminar was held.", False),
        ("clock", "Enrolment grew 3.14 percent.", False),
        ("clock", "研讨会持续了三小时。", False),
        ("time", "Normans settled there in the 10th and 11th centuries.", True),
        ("person", "Xiong Qiuju introduced Changning's practice.", True),
        ("person", "长宁区教育局局长熊秋菊介绍了经验。", True),
        ("person", "长宁区介绍了经验。", False),
        ("place", "The seminar was held in Shanghai.", True),
        ("place", "研讨会在上海举行。", True),
        ("place", "The seminar was a success.", False),
        ("time", "It may help teachers.", False),
        ("name", "The hall built a platform called “Tao Zi Xue Tang”.", True),
        ("name", "纪念馆开发了《行知学堂》平台。", True),
        ("name", "纪念馆开发了一个课后教育资源平台。", False),  # "may" the verb, not the month
    ],
)
def test_a_text_holds_an_answer_of_the_type(kind: str, text: str, holds: bool) -> None:
    assert HOLDS[kind](text) is holds
