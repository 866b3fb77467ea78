"""Question preparation: make a visitor's text safe to search, and say what language it is in."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from seminar_qa.errors import SeminarQAError
from seminar_qa.text import WORD, Language, language_of

MAX_QUESTION_CHARS = 500
"""Questions are cut to this many characters before any model sees them."""

_CONTROL = re.compile(
    r"[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]"
)


class EmptyQuestionError(SeminarQAError):
    """A question with no words in it."""


@dataclass(frozen=True)
class PreparedQuestion:
    """A question made safe to embed: normalised, control characters removed, length capped."""

    text: str
    truncated: bool
    original_length: int

    @property
    def language(self) -> Language:
        """The question's language: "zh" when it holds a Chinese character, else "en"."""
        return language_of(self.text)


def shown_question(question: str, max_chars: int = MAX_QUESTION_CHARS) -> str:
    """The question as a visitor typed it, safe to show (the page's echo of their turn).

    No control or bidi characters, single spaces, capped like the searched text; not
    NFKC-normalised, so "？" stays "？".
    """
    text = " ".join(_CONTROL.sub(" ", question).split())
    return text[:max_chars].rstrip()


def prepare_question(question: str, max_chars: int = MAX_QUESTION_CHARS) -> PreparedQuestion:
    """Normalise (NFKC), drop control and bidi characters, collapse whitespace, cap the length.

    Raises EmptyQuestionError when nothing but whitespace or symbols is left.
    """
    text = " ".join(_CONTROL.sub(" ", unicodedata.normalize("NFKC", question)).split())
    original_length = len(text)
    truncated = original_length > max_chars
    if truncated:
        text = text[:max_chars].rstrip()
    if not WORD.search(text):
        raise EmptyQuestionError("the question is empty; type a question about the seminar reports")
    return PreparedQuestion(text, truncated, original_length)
