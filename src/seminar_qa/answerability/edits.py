"""Answerable questions edited to look answerable but not be: training negatives of SQuAD's kind.

SQuAD 2.0's unanswerable questions were written by editing a question its paragraph answers
(Rajpurkar, Jia and Liang 2018, table 2): an entity swapped for another (21%), a negation put in
(9%), a word turned into its antonym (20%). The paragraph still shares nearly every word with
the question, which is why they look answerable. Only SQuAD 2.0's own 333 such questions taught
the answerability model this, and with that set held out it ranked them no better than chance
(AUROC .54). :func:`edit_question` makes one such edit of an answerable question, the same three
ways:

- **swap**: a name or number of the question that its paragraph holds is replaced by one of the
  same kind (as many words, as many digits) from another paragraph of the same article that its
  paragraph lacks: the topic stays, one detail is wrong;
- **negation**: "not" after the question's first auxiliary ("Who was not the ...");
- **antonym**: a word turned into its WordNet antonym (:mod:`~seminar_qa.answerability.antonyms`).

Which applicable edit a question gets is drawn from a generator seeded by its id, so the rows are
the same on every machine. An edit can leave a question that another paragraph answers; such
noise is the price of not writing the questions by hand. English only.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from seminar_qa.answerability.antonyms import antonyms_of
from seminar_qa.answerability.features import negates

SWAP, NEGATION, ANTONYM = "swap", "negation", "antonym"

_WH = re.compile(r"^(what|who|whom|whose|when|where|which|how|why)\b", re.IGNORECASE)
_AUXILIARY = re.compile(
    r"\b(is|are|was|were|did|does|do|can|could|has|have|had|will|would|should|may|might)\b"
)
# A run of capitalised words, "of" or "the" between them (Duke of Normandy, Super Bowl); no part
# of a hyphenated word (Asian-American).
_CAPITALISED = re.compile(
    r"(?<![\w-])[A-Z][a-zA-Z]+(?:\s+(?:of\s+|the\s+)?[A-Z][a-zA-Z]+)*(?![\w-])"
)
_NUMBER = re.compile(r"(?<![\w.,-])\d{1,4}(?:,\d{3})*(?![\w.,-]?\d)")
# Words a capitalised run may start with that name nothing (the question's first word, mostly).
_NOT_NAMES = frozenset(
    {"what", "who", "whom", "whose", "when", "where", "which", "how", "why"}
    | {"in", "on", "at", "the", "a", "an", "of", "for", "to", "by", "during", "after", "before"}
    | {"since", "from", "as", "if", "is", "was", "are", "were", "did", "does", "do"}
)
_WORD = re.compile(r"[A-Za-z]+")


@dataclass(frozen=True)
class Edit:
    """One edited question: its text and which of the three edits made it."""

    question: str
    kind: str


def _names(text: str, pattern: re.Pattern[str]) -> list[str]:
    """The names (or numbers) of ``text``, leading question and function words dropped."""
    found = []
    for match in pattern.finditer(text):
        words = match.group(0).split()
        while words and words[0].lower() in _NOT_NAMES:
            words = words[1:]
        if words:
            found.append(" ".join(words))
    return found


def _swaps(question: str, paragraph: str, others: str, answers: Sequence[str]) -> list[str]:
    """Every question with one name or number swapped for another of the article (see module)."""
    answered = " ".join(answers).lower()
    edited = []
    for pattern in (_CAPITALISED, _NUMBER):
        named = _names(question, pattern)
        mine = [n for n in named if n in paragraph and n.lower() not in answered]
        pool = sorted(
            {n for n in _names(others, pattern) if n not in paragraph and n not in question}
        )
        for old in dict.fromkeys(mine):
            alike = [new for new in pool if _width(new, pattern) == _width(old, pattern)]
            edited += [question.replace(old, new, 1) for new in alike]
    return edited


def _width(name: str, pattern: re.Pattern[str]) -> int:
    """A swap keeps this: a number's digits (a year for a year), a name's words (a person's)."""
    return len(name) if pattern is _NUMBER else len(name.split())


def edit_question(
    qid: str, question: str, answers: Sequence[str], paragraph: str, others: str
) -> Edit | None:
    """One edit of an answerable English question (None when none applies; see the module).

    ``paragraph`` is the text that answers it, ``others`` the rest of its article.
    """
    seed = int.from_bytes(hashlib.sha256(qid.encode("utf-8")).digest()[:8], "big")
    draw = random.Random(seed)
    options: list[Edit] = []
    swapped = _swaps(question, paragraph, others, answers)
    if swapped:
        options.append(Edit(draw.choice(swapped), SWAP))
    auxiliary = _AUXILIARY.search(question)
    if auxiliary and _WH.match(question) and not negates(question):
        at = auxiliary.end()
        options.append(Edit(f"{question[:at]} not{question[at:]}", NEGATION))
    turned = [
        (match, sorted(antonyms_of(match.group(0).lower())))
        for match in list(_WORD.finditer(question))[1:]
        if match.group(0).islower()
    ]
    turned = [(match, opposites) for match, opposites in turned if opposites]
    if turned:
        match, opposites = draw.choice(turned)
        text = f"{question[: match.start()]}{draw.choice(opposites)}{question[match.end() :]}"
        options.append(Edit(text, ANTONYM))
    return draw.choice(options) if options else None


def article_of(doc_id: str) -> str:
    """The article a paragraph file belongs to: its name up to the last ``-`` (xq-03-01)."""
    return doc_id.rsplit("-", 1)[0]


def others_in_article(doc_id: str, paragraphs: Mapping[str, str]) -> str:
    """The text of the other paragraphs of ``doc_id``'s article."""
    article = article_of(doc_id)
    return "\n".join(
        text
        for other, text in sorted(paragraphs.items())
        if other != doc_id and article_of(other) == article
    )
