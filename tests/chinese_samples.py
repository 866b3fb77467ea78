"""Chinese text for the tests that compare a cached table with its package's own answers.

A few sentences written for the seminar's names, polyphonic characters and mixed scripts, and, when
``../shared`` is there, 40 Chinese Wikipedia paragraphs of the CMRC development split (read where
they lie).
"""

from __future__ import annotations

from pathlib import Path

SHARED_CMRC = Path(__file__).resolve().parents[2] / "shared/eval/external/cmrc/corpus"

TEXTS = [
    "2024年11月28日，联合国教科文组织教师教育中心在上海举办研讨会，长宁区教育局局长介绍了数字教育。",
    "闵行区、宝山区和浦东新区的中小学教师分享了人工智能赋能课堂教学的经验。",
    "熊秋菊、韩崇虎和松江区的老师们参加了会议。",
    "《战栗游戏》是一本由史蒂芬·金1987年出版的恐怖小说，该书在1990年曾改拍成电影。",
    "他7岁开始拍电影，于16岁（1976年）签约予无线电视，后于1970年代在儿童节目中饰演「大怪兽」。",
    "研究生命起源的科学家认为结婚的和尚未结婚的都应该参加。",
    "重庆的银行行长说长城很长；音乐乐团乐于助人，绿色的旅行。",
    "The portal 平台 opened in 2025; 数字学习门户 (UN Public Digital Learning Portal) 〇 㐀 𠀀.",
]


def sample_texts(paragraphs: int = 40) -> list[str]:
    """:data:`TEXTS`, then the first ``paragraphs`` CMRC paragraphs when ../shared has them."""
    texts = list(TEXTS)
    if SHARED_CMRC.is_dir():
        texts += [
            p.read_text(encoding="utf-8") for p in sorted(SHARED_CMRC.glob("*.txt"))[:paragraphs]
        ]
    return texts
