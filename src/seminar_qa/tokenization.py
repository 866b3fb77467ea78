"""Words for lexical matching: lower-cased word tokens and single CJK characters, stop words out."""

from __future__ import annotations

import re

WORD = re.compile(r"[\u4e00-\u9fff]|[^\W_]+")
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "with",
        "from",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "why",
        "how",
        "did",
        "do",
        "does",
        "done",
        "has",
        "have",
        "had",
        "i",
        "you",
        "he",
        "she",
        "we",
        "they",
        "them",
        "his",
        "her",
        "their",
        "our",
        "your",
        "my",
        "me",
        "us",
        "there",
        "here",
        "about",
        "into",
        "than",
        "then",
        "so",
        "such",
        "can",
        "could",
        "would",
        "should",
        "will",
        "shall",
        "may",
        "might",
        "must",
        "not",
        "no",
        "yes",
        "any",
        "some",
        "all",
        "each",
        "other",
        "more",
        "most",
    ]
)


def words(text: str) -> list[str]:
    """Lower-cased word tokens (CJK characters one by one), stop words included."""
    return WORD.findall(text.lower())


def content_words(text: str) -> set[str]:
    """Lower-cased words (and single CJK characters) minus stop words, for overlap scoring."""
    return {w for w in words(text) if w not in STOPWORDS}
