"""Numbers across languages: a Chinese question's numbers as English text writes them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from seminar_qa.bridges import bridged_tokens, gloss_translation
from seminar_qa.numbers import chinese_number, english, numbers_in, roman, spelled_out


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("五", 5),
        ("十", 10),
        ("十一", 11),
        ("二十八", 28),
        ("一百零五", 105),
        ("两千", 2000),
        ("二〇二四", 2024),
        ("三千五百万", 35_000_000),
        ("一亿二千万", 120_000_000),
        ("七", 7),
    ],
)
def test_chinese_numerals_are_read(text: str, value: int) -> None:
    assert chinese_number(text) == value


def test_what_is_not_a_numeral_has_no_value() -> None:
    assert chinese_number("") is None
    assert chinese_number("三角") is None


@given(st.integers(min_value=1, max_value=3999))
def test_roman_numerals_read_back(value: int) -> None:
    letters = roman(value)
    worth = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
    total = sum(
        -worth[a] if worth[a] < worth[b] else worth[a]
        for a, b in zip(letters, letters[1:] + "I", strict=True)
    )
    assert total == value
    assert "IIII" not in letters and "XXXX" not in letters


def test_numbers_are_found_with_their_ordinal_and_unit_and_words_are_left_alone() -> None:
    found = numbers_in("第33届超级碗上，38岁的四分卫和一些队员在最后三分钟做了什么？")
    assert [(e.value, e.ordinal, e.unit) for e in found] == [
        (33.0, True, "届"),
        (38.0, False, "岁"),
        (3.0, False, "分钟"),
    ]
    assert numbers_in("一些学校统一了课程，十分重要。") == []


def test_english_writes_numbers_as_english_text_does() -> None:
    (edition,) = numbers_in("第33届")
    assert english(edition) == "33rd XXXIII"
    (monarch,) = numbers_in("亨利三世")
    assert english(monarch) == "3rd third III"
    assert spelled_out("二〇二四年十一月二十八日") == " 2024  November  28 "
    (share,) = numbers_in("百分之五")
    assert english(share) == "5 percent"
    (minutes,) = numbers_in("三分钟")
    assert english(minutes) == "3 three minutes"


def test_a_chinese_question_reaches_english_numbers() -> None:
    tokens = bridged_tokens("第33届超级碗的冠军是谁？")
    assert "xxxiii" in tokens and "33rd" in tokens
    assert "33" not in tokens  # the question holds it already: counted once
    assert "imperi" not in tokens  # 第 is not glossed on its own any more
    assert "November 28" in " ".join(gloss_translation("十一月二十八日举行了什么会议？").split())
