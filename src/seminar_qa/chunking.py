"""Documents to passages: cut at paragraph and sentence boundaries, English and Chinese alike.

Every passage is a contiguous span ``document.text[start:end]``, so the exact source can always be
shown. A passage grows sentence by sentence up to ``target_chars``; it prefers to end at a paragraph
boundary, a paragraph up to ``paragraph_chars`` is never split, and when a longer one has to be,
the next passage repeats the last ``overlap_sentences`` sentences of the previous one. No sentence
is cut, except a single sentence longer than ``max_chars``, which is cut at whitespace.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from seminar_qa.ingestion.normalise import TEXT_RULES
from seminar_qa.records import Document, Passage
from seminar_qa.settings import ChunkSettings

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
SENTENCE_RULES = 2
"""The revision of where sentences end, recorded with the chunk settings in every manifest.

An index keeps the sentence vectors of the sentences it was built with, and answering cuts a
passage into sentences again: a change of the rules below must raise this number, so that an
index built with the old ones is refused (``index.manifest.read_manifest``) and rebuilt, not read
with one sentence's vectors for another.
Revision 2 (2026-12-05): "v." and "c. 1500" end no sentence.
"""


def chunking_record(settings: ChunkSettings) -> dict[str, Any]:
    """What a manifest records of how passages were cut: the settings, sentence and text rules."""
    return {**settings.to_json(), "sentence_rules": SENTENCE_RULES, "text_rules": TEXT_RULES}


# Latin sentence end: terminal punctuation, optional closing quotes/brackets, then whitespace.
_LATIN_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s)")
# CJK sentence end needs no following space; ；counts as a boundary as the issue asks.
_CJK_END = re.compile(r"[。！？；!?]+[”’」』）)]*")
_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "sr",
        "jr",
        "st",
        "mt",
        "no",
        "nos",
        "vs",
        "v",  # a court case: "Brown v. Board of Education"
        "etc",
        "e.g",
        "i.e",
        "eg",
        "ie",
        "inc",
        "ltd",
        "co",
        "corp",
        "dept",
        "univ",
        "gov",
        "sen",
        "rep",
        "gen",
        "col",
        "lt",
        "capt",
        "fig",
        "figs",
        "vol",
        "vols",
        "approx",
        "est",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "mon",
        "tue",
        "wed",
        "thu",
        "fri",
        "sat",
        "sun",
        "u.s",
        "u.k",
        "u.n",
        "a.m",
        "p.m",
        "ph.d",
        "m.a",
        "b.a",
        "cf",
        "al",
    ]
)
_WORD_BEFORE = re.compile(r"([\w.]+)$")
# Abbreviations that end no sentence when a number follows: "c. 1500" (circa), but "a constant c.
# The ..." ends one.
_BEFORE_NUMBER = frozenset(["c", "ca", "p", "pp"])


@dataclass(frozen=True)
class Span:
    """A half-open character range ``[start, end)`` of a text."""

    start: int
    end: int


def paragraph_spans(text: str) -> list[Span]:
    """Return the spans of the paragraphs (blocks separated by blank lines), whitespace trimmed."""
    spans: list[Span] = []
    position = 0
    for match in [*_PARAGRAPH_BREAK.finditer(text), None]:
        end = match.start() if match else len(text)
        span = _trim(text, position, end)
        if span is not None:
            spans.append(span)
        if match:
            position = match.end()
    return spans


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Return the sentence spans of ``text[start:end]`` as offsets into ``text``.

    Splits after ``. ! ?`` followed by whitespace and a word that does not start in lower case,
    except after common abbreviations and initials, and after ``。！？；`` unconditionally.
    """
    end = len(text) if end is None else end
    cuts: set[int] = set()
    segment = text[start:end]
    for match in _LATIN_END.finditer(segment):
        cut = start + match.end()
        if _is_latin_boundary(text, start + match.start(), cut, end):
            cuts.add(cut)
    for match in _CJK_END.finditer(segment):
        cuts.add(start + match.end())
    spans: list[Span] = []
    position = start
    for cut in sorted(cuts):
        span = _trim(text, position, cut)
        if span is not None:
            spans.append(span)
        position = cut
    last = _trim(text, position, end)
    if last is not None:
        spans.append(last)
    return spans


def all_sentence_spans(text: str) -> list[Span]:
    """Sentence spans of a whole text, never crossing a paragraph break (a heading is one)."""
    return [s for p in paragraph_spans(text) for s in sentence_spans(text, p.start, p.end)]


def _is_latin_boundary(text: str, punct_start: int, cut: int, limit: int) -> bool:
    """Decide whether the punctuation at ``punct_start`` ends a sentence."""
    following = text[cut:limit].lstrip()
    if not following:
        return True
    first = following[0]
    if first.islower():
        return False
    if text[punct_start] == ".":
        match = _WORD_BEFORE.search(text[max(0, punct_start - 20) : punct_start])
        word = match.group(1).lower() if match else ""
        if word in _ABBREVIATIONS or word.rstrip(".") in _ABBREVIATIONS:
            return False
        if word in _BEFORE_NUMBER and first.isdigit():
            return False
        # An initial such as "J. Smith" or a dotted acronym such as "U.N." is no sentence end.
        if len(word.replace(".", "")) == 1 and word[-1:].isalpha() and word[-1:].isupper():
            return False
        if len(word) == 1 and match and text[punct_start - 1].isupper():
            return False
    return True


def _trim(text: str, start: int, end: int) -> Span | None:
    """Shrink ``[start, end)`` to exclude surrounding whitespace; None when nothing is left."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end) if end > start else None


def _split_long(text: str, span: Span, max_chars: int) -> Iterator[Span]:
    """Cut a sentence longer than ``max_chars`` at whitespace (or hard, when it has none)."""
    start = span.start
    while span.end - start > max_chars:
        window_end = start + max_chars
        cut = text.rfind(" ", start + max_chars // 2, window_end)
        if cut <= start:
            cut = window_end
        piece = _trim(text, start, cut)
        if piece is not None:
            yield piece
        start = cut
    piece = _trim(text, start, span.end)
    if piece is not None:
        yield piece


@dataclass(frozen=True)
class _Sentence:
    span: Span
    paragraph: int


def _sentences(text: str, max_chars: int) -> list[_Sentence]:
    """All sentences of ``text`` in order, with the index of their paragraph."""
    out: list[_Sentence] = []
    for number, paragraph in enumerate(paragraph_spans(text)):
        for sentence in sentence_spans(text, paragraph.start, paragraph.end):
            for piece in _split_long(text, sentence, max_chars):
                out.append(_Sentence(piece, number))
    return out


def _paragraph_end(sentences: list[_Sentence], index: int) -> int:
    """The index of the last sentence of the paragraph that sentence ``index`` is in."""
    end = index
    while end + 1 < len(sentences) and sentences[end + 1].paragraph == sentences[index].paragraph:
        end += 1
    return end


def chunk_spans(text: str, settings: ChunkSettings | None = None) -> list[Span]:
    """Group the sentences of ``text`` into passage spans following ``settings``."""
    settings = settings or ChunkSettings()
    sentences = _sentences(text, settings.max_chars)
    spans: list[Span] = []
    current: list[_Sentence] = []

    def width(first: _Sentence, last: _Sentence) -> int:
        return last.span.end - first.span.start

    def emit() -> None:
        if current:
            spans.append(Span(current[0].span.start, current[-1].span.end))

    whole = min(settings.paragraph_chars, settings.max_chars)  # the longest paragraph kept whole
    index = 0
    while index < len(sentences):
        sentence = sentences[index]
        starts_paragraph = index == 0 or sentences[index - 1].paragraph != sentence.paragraph
        if starts_paragraph:
            paragraph_end = _paragraph_end(sentences, index)
            last = sentences[paragraph_end]
            joins = bool(current) and width(current[0], last) <= settings.target_chars
            if current and not joins and width(current[0], current[-1]) >= settings.min_chars:
                emit()
                current = []
            # A paragraph up to paragraph_chars stays whole: cut at target_chars, the sentence
            # that answers often lands in the other part from the ones the question matches.
            if joins or width(current[0] if current else sentence, last) <= whole:
                current.extend(sentences[index : paragraph_end + 1])
                index = paragraph_end + 1
                continue
        if current and width(current[0], sentence) > settings.target_chars:
            emit()
            carried = current[-settings.overlap_sentences :] if settings.overlap_sentences else []
            carried = [
                s for s in carried if s.paragraph == sentence.paragraph and s is not current[0]
            ]
            if carried and width(carried[0], sentence) > settings.max_chars:
                carried = []
            current = carried
        current.append(sentence)
        index += 1
    emit()
    return spans


def passage_sentences(text: str) -> tuple[tuple[int, int], ...]:
    """The ``(start, end)`` offsets of each sentence of a passage (the whole text if none)."""
    spans = all_sentence_spans(text)
    if not spans:
        return ((0, len(text)),)
    return tuple((span.start, span.end) for span in spans)


def chunk_document(document: Document, settings: ChunkSettings | None = None) -> list[Passage]:
    """Cut ``document`` into passages that keep its id, title, position and character offsets."""
    passages: list[Passage] = []
    for position, span in enumerate(chunk_spans(document.text, settings)):
        text = document.text[span.start : span.end]
        passages.append(
            Passage(
                passage_id=f"{document.doc_id}#{position}",
                doc_id=document.doc_id,
                title=document.title,
                position=position,
                start=span.start,
                end=span.end,
                text=text,
                page=document.page_at(span.start),
                sentences=passage_sentences(text),
            )
        )
    return passages
