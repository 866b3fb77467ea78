"""Numbers across languages: a Chinese question's numbers as English text writes them.

A Chinese visitor writes 二〇二四年十一月二十八日, 第33届, 三分钟, 亨利三世 or 百分之五; the English
report says "28 November 2024", "Super Bowl XXXIII", "three minutes", "Henry III" and "5%".
Word by word, CC-CEDICT glosses the pieces badly (第 alone is "grades in which successful
candidates in the imperial examinations were placed"). :func:`numbers_in` finds each number
expression of a Chinese question (digits or Chinese numerals, with 第 before or a unit after)
and :func:`english` writes it as English text does: the digits, the number word, the ordinal,
the Roman numeral of an edition or a monarch, the month's name, the unit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from seminar_qa.simplified import to_simplified

_DIGIT = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4}
_DIGIT |= {"五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_SMALL_UNIT = {"十": 10, "百": 100, "千": 1000}
_LARGE_UNIT = {"万": 10_000, "亿": 100_000_000}
_NUMERAL = "〇零一二两三四五六七八九十百千万亿"

# Units after a number, longest first. A Chinese numeral counts as a number only with 第 before
# it or one of these after it: 四分卫 (quarterback), 一些 (some) and 十分 (very) are words.
_UNITS = (
    "分钟|小时|年代|世纪|周年|届|世|次|场|年|月|日|号|岁|秒|天|周|节"
    "|名|个|位|人|所|项|条|种|倍|米|公里|元"
)
_EXPRESSION = re.compile(
    rf"百分之\s*(?P<percent>\d+(?:\.\d+)?|[{_NUMERAL}]+)"
    rf"|(?P<nth>第\s*)?(?P<number>\d+(?:\.\d+)?|[{_NUMERAL}]+)\s*(?P<unit>{_UNITS})?"
)

_WORDS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
]
_TENS = {30: "thirty", 40: "forty", 50: "fifty", 60: "sixty", 70: "seventy", 80: "eighty"}
_TENS |= {90: "ninety", 100: "hundred", 1000: "thousand"}
_ORDINALS = [
    "zeroth",
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
    "twentieth",
]
_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_UNIT_WORDS = {
    "分钟": "minutes",
    "小时": "hours",
    "秒": "seconds",
    "天": "days",
    "周": "weeks",
    "岁": "age old",
    "次": "times",
    "倍": "times",
    "世纪": "century",
    "周年": "anniversary",
    "米": "metres",
    "公里": "kilometres",
    "元": "yuan",
}


@dataclass(frozen=True)
class NumberExpression:
    """One number of a question: where it is, its value, and how it was written."""

    start: int
    end: int
    value: float
    ordinal: bool
    unit: str
    percent: bool = False


def chinese_number(text: str) -> int | None:
    """The value of Chinese numerals (二十八 -> 28, 二〇二四 -> 2024, 三千五百万), or None."""
    if text and all(c in _DIGIT for c in text):  # read digit by digit: 二〇二四, 五
        return int("".join(str(_DIGIT[c]) for c in text))
    total = section = current = 0
    for character in text:
        if character in _DIGIT:
            current = _DIGIT[character]
        elif character in _SMALL_UNIT:
            section += (current or 1) * _SMALL_UNIT[character]
            current = 0
        elif character == "亿":  # everything so far counts in hundreds of millions
            total = (total + section + current) * _LARGE_UNIT[character]
            section = current = 0
        elif character in _LARGE_UNIT:  # 万: the current section counts in ten thousands
            total += (section + current) * _LARGE_UNIT[character]
            section = current = 0
        else:
            return None
    return total + section + current if text else None


def _value(text: str) -> float | None:
    text = text.strip()
    if text[:1].isdigit():
        try:
            return float(text)
        except ValueError:  # pragma: no cover - the pattern only matches numbers
            return None
    number = chinese_number(text)
    return None if number is None else float(number)


def numbers_in(question: str) -> list[NumberExpression]:
    """The numbers of ``question``: digits anywhere, Chinese numerals with 第 or a unit.

    Traditional numerals and units are read as simplified ones (萬 as 万, 個 as 个); the
    positions are those of ``question`` itself (the reading keeps its length).
    """
    found: list[NumberExpression] = []
    for match in _EXPRESSION.finditer(to_simplified(question)):
        if match.group("percent") is not None:
            value = _value(match.group("percent"))
            if value is not None:
                found.append(NumberExpression(match.start(), match.end(), value, False, "", True))
            continue
        number, unit, nth = match.group("number"), match.group("unit") or "", match.group("nth")
        if not number[0].isdigit() and not (nth or unit):
            continue  # a word that holds a numeral: 四分卫, 一些, 统一
        if number == "一" and not nth and unit not in ("年", "月", "日", "号", "岁", "届", "世"):
            continue  # 一次, 一个: "once", "a"
        value = _value(number)
        if value is not None:
            found.append(NumberExpression(match.start(), match.end(), value, bool(nth), unit))
    return found


def spelled_out(question: str) -> str:
    """``question`` with each number expression written as :func:`english` writes it."""
    pieces: list[str] = []
    position = 0
    for expression in numbers_in(question):
        pieces += [question[position : expression.start], f" {english(expression)} "]
        position = expression.end
    return "".join(pieces) + question[position:]


def roman(value: int) -> str:
    """``value`` (1-3999) in Roman numerals: 33 -> XXXIII."""
    numerals = (
        (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
        (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
    )  # fmt: skip
    out = []
    for amount, letters in numerals:
        while value >= amount:
            out.append(letters)
            value -= amount
    return "".join(out)


def _suffix(value: int) -> str:
    if value % 100 in (11, 12, 13):
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(value % 10, "th")


def english(expression: NumberExpression) -> str:
    """The expression as English text may write it (several ways at once, for matching).

    第33届 -> "33rd XXXIII"; 三分钟 -> "3 three minutes"; 十一月 -> "November"; 亨利三世's 三世 ->
    "III third"; 百分之五 -> "5 percent".
    """
    value = expression.value
    whole = int(value) if value == int(value) else None
    digits = str(whole) if whole is not None else f"{value:g}"
    if expression.percent:
        return f"{digits} percent"
    unit = expression.unit
    if unit == "月" and whole is not None and 1 <= whole <= 12 and not expression.ordinal:
        return _MONTHS[whole - 1]
    parts: list[str] = []
    if whole is not None and (expression.ordinal or unit in ("届", "世")):
        parts.append(f"{whole}{_suffix(whole)}")
        if whole < len(_ORDINALS):
            parts.append(_ORDINALS[whole])
        if unit in ("届", "世") and 0 < whole < 4000:
            parts.append(roman(whole))  # Super Bowl XXXIII, Henry III
    else:
        parts.append(digits)
        if whole is not None and whole < len(_WORDS):
            parts.append(_WORDS[whole])
        elif whole in _TENS:
            parts.append(_TENS[whole])
    if unit in _UNIT_WORDS:
        parts.append(_UNIT_WORDS[unit])
    return " ".join(parts)
