"""Text primitives every stage shares: what a Chinese character is, words, folding, hashing.

One definition each, so ingestion, retrieval, answering and evaluation agree: a question is
Chinese when it holds a Chinese character (the same test everywhere), answer strings are matched
after the same folding, and files and texts are hashed the same way.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path
from typing import Literal

Language = Literal["en", "zh"]
"""The languages the assistant tells apart: a question or text with a Chinese character is zh."""

# CJK Unified Ideographs, Extension A and the Compatibility Ideographs: the characters Chinese
# text is written in (NFKC maps the compatibility forms onto the unified ones).
CJK_CLASS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK = re.compile(f"[{CJK_CLASS}]")
CJK_RUN = re.compile(f"[{CJK_CLASS}]+")
WORD = re.compile(f"[{CJK_CLASS}]|[^\\W_]+")
"""A word: a run of letters or digits, or one Chinese character."""
CAPITALISED_RUN = re.compile(r"\b[A-Z][a-z]+(?: [A-Z][a-z]+)*\b")
"""Capitalised words in a row ("Li Chengdong"): where a name in romanised Chinese may be; the
closing ``\\b`` keeps "Geo" of "GeoGebra" out."""


def has_cjk(text: str) -> bool:
    """Whether ``text`` contains a Chinese character."""
    return CJK.search(text) is not None


def chinese_pairs(text: str) -> set[str]:
    """The Chinese character pairs of ``text`` (within runs of Chinese characters).

    Chinese text matched by pairs does not depend on where jieba cuts the words (前身 / 前身为).
    """
    return {run[i : i + 2] for run in CJK_RUN.findall(text) for i in range(len(run) - 1)}


def chinese_characters(text: str) -> set[str]:
    """The Chinese characters of ``text``."""
    return set("".join(CJK_RUN.findall(text)))


def language_of(text: str) -> Language:
    """Return "zh" when ``text`` has any Chinese character, else "en"."""
    return "zh" if has_cjk(text) else "en"


def main_language(text: str, share: float = 0.2) -> Language:
    """The main language: "zh" when ``share`` of the word characters are Chinese, else "en".

    A passage is Chinese when much of it is, not when it quotes one Chinese name (a question
    is Chinese as soon as it holds a Chinese character: ``language_of``).
    """
    letters = sum(1 for char in text if char.isalnum())
    chinese = len(CJK.findall(text))
    return "zh" if letters and chinese / letters >= share else "en"


def words(text: str) -> list[str]:
    """Lower-cased word tokens (Chinese characters one by one), stop words included."""
    return WORD.findall(text.lower())


def fold(text: str) -> str:
    """Fold ``text`` for matching answers: NFKC, case folding, whitespace runs to one space."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(unicodedata.normalize("NFKC", folded).split())


def sha256_bytes(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def counted(count: int, noun: str) -> str:
    """``count`` and ``noun``, plural unless one: "1 passage", "9 passages", "0 files"."""
    return f"{count} {noun}{'' if count == 1 else 's'}"
