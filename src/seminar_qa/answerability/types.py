"""What kind of answer a question asks for, and whether a text holds one (English and Chinese).

Answerability asks a sharper question than the answer-sentence cues of the policy: not "could this
sentence be about a number" but "does this text hold the count, the amount of money, the
duration, the date, the person or the place the question asks for". A report that dates its
seminar (28 November 2024) does not say how many people came: a year or a day of the month is not
a count, so dates are taken out of a text before it is searched for a quantity.

Each type is a question pattern and a text test; :func:`asked_type` picks the first type a
question asks for, most specific first (money before quantity, a duration before a time).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

from seminar_qa.simplified import to_simplified
from seminar_qa.text import has_cjk
from seminar_qa.tokenization import tagged_words

_ZH_DIGIT = "零〇一二两三四五六七八九十百千万亿"
_ZH_NUMBER = rf"(?:\d+(?:[.,]\d+)*|[{_ZH_DIGIT}]+|数[十百千万]|上[百千万]|几[十百千万])"
_EN_NUMBER_WORD = (
    r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|"
    r"eighty|ninety|hundreds?|thousands?|millions?|billions?|dozens?|half|twice|a few)"
)
_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.?"
)
_EN_DATE = re.compile(
    rf"\b\d{{1,2}}(?:st|nd|rd|th)? {_MONTH}(?:,? \d{{4}})?"
    rf"|\b{_MONTH} \d{{1,2}}(?:st|nd|rd|th)?(?:,? \d{{4}})?"
    r"|\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b"
    r"|\b(?:1[0-9]|20)\d\d(?:s\b|\b)"
)
_ZH_DATE = re.compile(rf"{_ZH_NUMBER}(?:年代|年|月份?|日|号)")
_UNIT_EN = r"(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?|centuries|century)"
_UNIT_ZH = r"(?:秒钟?|分钟|个?小时|天|日|周|个?星期|个月|年|个世纪|世纪)"
_MEASURE_ZH = (
    r"(?:个|所|名|位|人|家|项|种|次|件|部|本|条|座|台|辆|只|张|间|门|节|场|届|批|支|篇|首|幅|套|册|"
    r"余|多|万|亿|千|百|元|倍|岁|米|公里|千米|平方|公顷|亩|吨|克|千克|公斤|%|％|分之)"
)


@dataclass(frozen=True)
class AnswerType:
    """A kind of answer: the question pattern that asks for it and the test of a text.

    Both read Chinese in simplified characters (the patterns are written so): 誰 asks for a
    person as 谁 does, and 下午三時 holds a time.
    """

    name: str
    asks: re.Pattern[str]
    test: Callable[[str], bool]
    nouns: str = ""
    """Words by which a question names this kind of answer ("what *date*", "哪个*地方*"): the
    text answers with a date or a place, not with the word (space-separated)."""

    def asked_by(self, question: str) -> bool:
        """Whether ``question`` asks for this kind of answer."""
        return self.asks.search(to_simplified(question)) is not None

    def holds(self, text: str) -> bool:
        """Whether ``text`` holds this kind of answer (cached: hits' sentences come back)."""
        return _holds(self, text)


@functools.lru_cache(maxsize=65536)
def _holds(kind: AnswerType, text: str) -> bool:
    """:meth:`AnswerType.holds`: the same passages' sentences are tested for many questions."""
    return kind.test(to_simplified(text))


def _pattern(*alternatives: str, ignore_case: bool = True) -> re.Pattern[str]:
    return re.compile("|".join(alternatives), re.IGNORECASE if ignore_case else 0)


_MONEY_HOLDS = _pattern(
    r"[$€£¥￥]\s?\d",
    r"\d(?:[.,]\d+)*\s?(?:[kmb]n?\b|million|billion|thousand)?\s?"
    r"(?:dollars?|euros?|pounds?|yuan|renminbi|rmb|usd|eur|gbp|cny|francs?|marks?|yen|rupees?)\b",
    rf"{_ZH_NUMBER}\s?(?:多|余)?\s?(?:万|亿|千|百)?(?:元|美元|欧元|英镑|日元|块钱|人民币)",
)
_DURATION_HOLDS = _pattern(
    rf"(?:\d+(?:[.,]\d+)?|\b{_EN_NUMBER_WORD}|\ba|\ban|several|many)[\s-]+{_UNIT_EN}\b",
    rf"{_ZH_NUMBER}\s?(?:多|余)?{_UNIT_ZH}",
    r"半(?:天|年|小时|个月)",
    # How long something lasted, told by when it ended or began ("until the 19th century",
    # "well into the nineteenth century", "since 1950"): a date alone ("on November 28") is not.
    rf"\b(?i:until|till|since|into|throughout)\b[^.;]{{0,40}}?"
    rf"(?:\b(?:1[0-9]|20)\d\d|\b(?i:centur(?:y|ies))|\b{_MONTH}(?=\s|,|$))",
    rf"(?:直到|直至|至今|以来|之久)|{_ZH_NUMBER}(?:年代|年|世纪)(?:起|至今|以来)",
)
# A time of day: 14:30, 3 p.m., three o'clock, noon; 下午三点, 14时30分. "On the afternoon of
# November 28" dates an event but does not say at what time it ended.
_CLOCK_HOLDS = _pattern(
    # 4.30 p.m. only with its a.m. / p.m.: 3.14 alone is a number.
    r"\b\d{1,2}:\d{2}\b|\b\d{1,2}(?:[.:]\d{2})?\s?(?i:a\.m\.|p\.m\.|am\b|pm\b)",
    r"\b(?i:o'clock|noon|midnight)\b",
    rf"{_ZH_NUMBER}(?:点钟?|时)(?:半|整|{_ZH_NUMBER}分)?",
    r"中午|正午|午夜",
    ignore_case=False,
)

_TIME_HOLDS = _pattern(
    # A year, or a decade as English writes it ("the 1950s", "the 1060s' campaigns").
    r"\b(?:1[0-9]|20)\d\d(?:s|'s)?\b",
    rf"\b{_MONTH}(?=\s|,|$)",
    r"\b(?i:centur(?:y|ies)|decades?)\b",
    r"\b(?i:monday|tuesday|wednesday|thursday|friday|saturday|sunday|morning|afternoon|evening|"
    r"tonight|yesterday|today|tomorrow)\b",
    r"\b\d{1,2}[:.]\d{2}\s?(?i:am|pm|a\.m\.|p\.m\.)?|\b\d{1,2}\s?(?i:am|pm|a\.m\.|p\.m\.)",
    rf"{_ZH_NUMBER}(?:年代|年|月|日|号|点钟?|世纪)",
    r"上午|下午|晚上|早上|凌晨|中午|今年|去年|明年|当天|星期[一二三四五六日天]|周[一二三四五六日]",
    r"朝|时期|年间|时代",
    ignore_case=False,
)
PERSON_TITLES = (
    r"教授|局长|副局长|书记|主任|校长|处长|院长|老师|先生|女士|部长|主席|馆长|所长|博士|总裁|"
    r"经理|董事长|总统|总理|首相|国王|皇帝|女王|作家|导演|教练|研究员|委员|市长|省长|区长|会长"
)
"""Chinese titles that stand beside a person's name (张民选教授, 局长熊秋菊), as alternatives."""
_PERSON_HOLDS_ZH = re.compile(
    rf"[\u4e00-\u9fff]{{2,3}}(?:{PERSON_TITLES})|(?:{PERSON_TITLES})[\u4e00-\u9fff]{{2,3}}"
    r"|[\u4e00-\u9fff]{1,6}·[\u4e00-\u9fff]{1,6}|他|她"
)
# Two capitalised words in a row (romanised Chinese names included), not a sentence's opening
# article or preposition; or a title before a capitalised word.
_PERSON_HOLDS_EN = re.compile(
    r"\b(?!(?:The|This|It|In|On|At|During|Through|After|A|An) )[A-Z][a-z]+ [A-Z][a-z]+"
    r"|\b(?:Mr|Mrs|Ms|Dr|Prof|Professor|Sir|King|Queen|President|Director|Minister)\.? [A-Z]"
    r"|\b(?:he|she|him|her)\b"
)
# "Which teacher ...?", "What actress ...?" ask for a person as "who" does (哪位 does in Chinese):
# nouns that name only people, in the singular and plural; not "general", "head", "member" or
# "people" ("what general measure", "member states", "What people settled ...?" asks for a group).
_PERSON_NOUNS = (
    r"(?:teacher|professor|official|speaker|expert|director|leader|minister|president|king|queen|"
    r"emperor|player|quarterback|author|writer|scientist|artist|composer|singer|actor|actress|"
    r"politician|commander|researcher|chairman|chairwoman|representative|secretary|mayor|"
    r"governor|senator|pope|bishop|coach|manager|founder|inventor|philosopher|poet|physicist|"
    r"chemist|engineer|architect|explorer|ruler|person|individual|doctor|economist|historian|"
    r"mathematician|theologian|priest|pharaoh|sultan|duke|prince|princess|officer|judge|lawyer|"
    r"principal|headteacher|student|journalist|painter|novelist|athlete|captain)(?:s|es)?"
)
_PLACE_HOLDS = _pattern(
    r"\b(?i:in|at|from|near|to|into|across) (?:the )?[A-Z][\w'’-]+",
    r"\b[A-Z][a-z]+ (?:District|City|Province|County|State|Island|River|Mountains?|Valley)\b",
    r"[\u4e00-\u9fff]{1,6}(?:区|市|省|县|国|州|镇|村|街|路|岛|山|河|湖|洲|大学|中心|馆|学校)",
    r"\b(?i:north|south|east|west|northern|southern|eastern|western|city|country|region|"
    r"province|district|island|river|capital)\b",
    ignore_case=False,
)


def _without_dates(text: str) -> str:
    return _ZH_DATE.sub(" ", _EN_DATE.sub(" ", text))


def _holds_quantity(text: str) -> bool:
    """A count or amount: a number that is not (part of) a date or a year."""
    rest = _without_dates(text)
    return (
        re.search(r"\d", rest) is not None
        or re.search(rf"\b{_EN_NUMBER_WORD}\b", rest, re.IGNORECASE) is not None
        or re.search(rf"{_ZH_NUMBER}{_MEASURE_ZH}|百分之|[两几数][十百千万]", rest) is not None
    )


@functools.lru_cache(maxsize=4096)
def _jieba_tags(text: str) -> frozenset[str]:
    """The jieba part-of-speech tags of a Chinese text (nr: person, ns: place)."""
    return frozenset(tag for _, tag in tagged_words(text))


def _holds_person(text: str) -> bool:
    if _PERSON_HOLDS_EN.search(text) or _PERSON_HOLDS_ZH.search(text):
        return True
    return has_cjk(text) and any(tag.startswith("nr") for tag in _jieba_tags(text))


def _holds_place(text: str) -> bool:
    if _PLACE_HOLDS.search(text):
        return True
    return has_cjk(text) and any(tag.startswith("ns") for tag in _jieba_tags(text))


# A name: quoted or in title marks, Title Case words, or a coined word (GeoGebra, STEM).
_NAME_HOLDS = re.compile(
    r"[“\"「『《][^”\"」』》]{2,40}[”\"」』》]"
    r"|\b[A-Z][a-z]+(?: [A-Z][a-z]+)+\b|\b[A-Z][a-z]+[A-Z]\w*|\b[A-Z]{2,}\b"
)

ANSWER_TYPES = (
    AnswerType(
        "name",
        _pattern(
            r"\bwhat (?:is|was|are|were) the names? of\b",
            r"\bwhat (?:is|was|are|were) (?:it|they|this|that|the [\w-]+(?: [\w-]+){0,3}) called\b",
            r"叫什么|名称是什么|什么名字|名字是什么|名为什么|名称为何",
        ),
        lambda text: _NAME_HOLDS.search(text) is not None,
        "name names called 名字 名称",
    ),
    AnswerType(
        "money",
        _pattern(
            r"\bhow much\b.*\b(?:cost|costs|spent|spend|pay|paid|invest|invested|funding|fund|"
            r"budget|earn|earned|money|worth|price|charge|charged|sold)\b",
            r"\bhow much (?:money|funding)\b",
            r"\bwhat (?:was|is|were|are) the (?:\w+ )?"
            r"(?:cost|price|budget|fee|salary|revenue|value)\b",
            r"多少钱|(?:资金|经费|预算|费用|花费|成本|价格|售价|金额|投资|投入|拨款|造价|票价).{0,6}(?:多少|几)",
            r"(?:多少|几).{0,4}(?:资金|经费|预算|费用|钱|成本|金额|投资)",
            r"花了多少|投入了多少|耗资",
        ),
        lambda text: _MONEY_HOLDS.search(text) is not None,
    ),
    AnswerType(
        "duration",
        _pattern(
            r"\bhow long\b",
            rf"\bfor how many {_UNIT_EN}\b",
            r"多久|多长时间|多长的时间|(?:多少|几)(?:个)?(?:年|天|小时|分钟|个月|周|星期|秒)(?!前)",
        ),
        lambda text: _DURATION_HOLDS.search(text) is not None,
    ),
    AnswerType(
        "quantity",
        _pattern(
            r"\bhow (?:many|much|old)\b|\bwhat age\b",
            r"\bwhat (?:number|percentage|percent|proportion|share|amount|population|fraction)\b",
            r"多少|几(?!乎|点|月|号|时)|百分之几|比例|占比",
        ),
        _holds_quantity,
        "number percentage percent proportion amount 数量 数目 比例",
    ),
    AnswerType(
        # Before "time": a date does not answer "at what time" (研讨会几点结束？).
        "clock",
        _pattern(
            r"\bat what time\b",
            r"\bwhat time (?:did|does|do|is|was|will|would|should|are|were|can)\b",
            r"几点|几时(?!候)",
        ),
        lambda text: _CLOCK_HOLDS.search(text) is not None,
        "time 时间",
    ),
    AnswerType(
        "time",
        _pattern(
            # "When" asks for a time when it is the question's own word: not after another
            # ("How old was he when he played?" asks for an age, "Who led them when ...?" for a
            # person), nor opening a clause the question then asks about ("When many are
            # arrested, what is ...?").
            r"^(?:(?!\b(?:what|which|who|whom|whose|where|why|how)\b).)*\bwhen\b"
            r"(?![^,]*,\s*(?:what|which|who|whom|whose|where|why|how|is|are|was|were|do|does|did"
            r"|can)\b)",
            r"\b(?:what|which|in which|in what) (?:day|date|time|year|month|century|decade|era|"
            r"period|season)\b",
            r"什么时候|何时|哪一?年|哪个年代|什么年代|哪天|哪一天|几月|几号|几点|什么时间|哪个时期|哪个世纪|哪个朝代|日期|年份",
        ),
        lambda text: _TIME_HOLDS.search(text) is not None,
        "day date time year month century decade era period season 日期 年份 时间 时候",
    ),
    AnswerType(
        "person",
        _pattern(
            r"\b(?:who|whom|whose)\b",
            rf"\b(?:which|what) (?:(?!(?:is|was|are|were|do|does|did|can)\b)[\w-]+ )?"
            rf"{_PERSON_NOUNS}\b",
            r"谁|哪位|什么人|何人",
        ),
        _holds_person,
    ),
    AnswerType(
        "place",
        _pattern(
            r"\bwhere\b",
            r"\b(?:which|what) (?:city|cities|country|countries|district|districts|place|region|"
            r"state|province|town|area|continent)\b",
            r"哪里|哪儿|在哪(?![一个]?(?:集|年|天|次|届|期|部|本|篇|场|位|种|首))|什么地方|何处|何地|哪个(?:区|市|省|国家|城市|地方|地区)|哪些(?:区|国家|城市|地区)",
        ),
        _holds_place,
        "city country district place region state province town area continent location "
        "地方 地点 地区",
    ),
)
"""The answer types, the most specific first: the first a question asks for is its type."""


@functools.lru_cache(maxsize=4096)
def asked_type(question: str) -> AnswerType | None:
    """The kind of answer ``question`` asks for, or None (a "what" or "why" question).

    Cached: one answer asks it of every hit's sentences (~70 pattern searches a question).
    """
    return next((kind for kind in ANSWER_TYPES if kind.asked_by(question)), None)
