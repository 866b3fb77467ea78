"""Chunking invariants: exact offsets, whole sentences, sizes, overlap, English and Chinese."""

from __future__ import annotations

import hashlib
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seminar_qa.chunking import all_sentence_spans, chunk_document, chunk_spans, sentence_spans
from seminar_qa.records import Document
from seminar_qa.settings import ChunkSettings

from .conftest import SEMINAR_DOC


def make_doc(text: str, doc_id: str = "doc.txt") -> Document:
    return Document(
        doc_id=doc_id,
        path=doc_id,
        title="T",
        text=text,
        sha256=hashlib.sha256(text.encode()).hexdigest(),
    )


def sentence_bounds(text: str) -> tuple[set[int], set[int]]:
    spans = all_sentence_spans(text)
    return {s.start for s in spans}, {s.end for s in spans}


def test_english_sentences_respect_abbreviations_and_initials() -> None:
    text = "Dr. Sun Yang spoke first. Then J. Smith left! Was it 3.5 hours? Yes."
    assert [text[s.start : s.end] for s in sentence_spans(text)] == [
        "Dr. Sun Yang spoke first.",
        "Then J. Smith left!",
        "Was it 3.5 hours?",
        "Yes.",
    ]


def test_a_court_case_and_circa_end_no_sentence_but_a_letter_before_a_word_may() -> None:
    text = (
        "After the case Brown v. Board of Education, academies opened. It was a town before "
        "c. 1500 and grew. Let the constant be c. The proof follows."
    )
    assert [text[s.start : s.end] for s in sentence_spans(text)] == [
        "After the case Brown v. Board of Education, academies opened.",
        "It was a town before c. 1500 and grew.",
        "Let the constant be c.",
        "The proof follows.",
    ]


def test_chinese_sentences_split_on_full_width_punctuation() -> None:
    text = "研讨会在上海举行。长宁区介绍了经验！你知道吗？宝山区；闵行区"
    assert [text[s.start : s.end] for s in sentence_spans(text)] == [
        "研讨会在上海举行。",
        "长宁区介绍了经验！",
        "你知道吗？",
        "宝山区；",
        "闵行区",
    ]


def test_seminar_passages_are_exact_spans_of_whole_sentences() -> None:
    text = SEMINAR_DOC.read_text(encoding="utf-8")
    doc = make_doc(text)
    passages = chunk_document(doc, ChunkSettings())
    assert len(passages) > 5
    starts, ends = sentence_bounds(text)
    for position, passage in enumerate(passages):
        assert passage.text == text[passage.start : passage.end]
        assert passage.position == position
        assert passage.passage_id == f"doc.txt#{position}"
        assert passage.start in starts and passage.end in ends
        assert len(passage.text) <= ChunkSettings().max_chars
    # Together the passages cover every sentence of the document.
    covered: set[int] = set()
    for passage in passages:
        covered.update(s for s in starts if passage.start <= s < passage.end)
    assert covered == starts


def test_chinese_document_is_chunked_with_offsets() -> None:
    sentence = "上海在教育数字化方面取得了显著成就，并将继续推动国际合作。"
    text = "\n\n".join(sentence * 6 for _ in range(4))
    doc = make_doc(text, "zh.txt")
    cfg = ChunkSettings(target_chars=100, max_chars=150, overlap_sentences=1, min_chars=20)
    passages = chunk_document(doc, cfg)
    assert len(passages) >= 4
    for passage in passages:
        assert passage.text == text[passage.start : passage.end]
        assert passage.text.endswith("。")
        assert len(passage.text) <= 150


def test_split_paragraph_overlaps_by_one_sentence() -> None:
    sentences = [f"Sentence number {i} talks about topic {i} at some length." for i in range(12)]
    text = " ".join(sentences)
    cfg = ChunkSettings(target_chars=200, max_chars=400, overlap_sentences=1, min_chars=50)
    passages = chunk_document(make_doc(text), cfg)
    assert len(passages) >= 3
    for first, second in pairwise(passages):
        last_sentence = sentence_spans(first.text)[-1]
        assert second.text.startswith(first.text[last_sentence.start : last_sentence.end])


def test_no_overlap_when_disabled() -> None:
    text = " ".join(f"Sentence {i} is here with words." for i in range(30))
    cfg = ChunkSettings(target_chars=120, max_chars=300, overlap_sentences=0, min_chars=10)
    passages = chunk_document(make_doc(text), cfg)
    for first, second in pairwise(passages):
        assert first.end <= second.start


def test_short_paragraphs_merge_and_long_sentence_is_cut_at_whitespace() -> None:
    heading = "Heading"
    long_sentence = " ".join(["word"] * 400) + "."
    text = f"{heading}\n\nA short paragraph.\n\n{long_sentence}"
    cfg = ChunkSettings(target_chars=300, max_chars=500, overlap_sentences=1, min_chars=100)
    passages = chunk_document(make_doc(text), cfg)
    assert passages[0].text.startswith("Heading\n\nA short paragraph.")
    assert all(len(p.text) <= 500 for p in passages)
    assert all(not p.text.startswith(" ") and not p.text.endswith(" ") for p in passages)
    assert sum(p.text.count("word") for p in passages) >= 400


def test_paragraph_up_to_paragraph_chars_stays_whole() -> None:
    # A 900-character paragraph is one passage by default; cut at target_chars (700), as it
    # was before paragraph_chars, its answer could land in the half the question does not match.
    sentences = (f"Sentence {i} of the long paragraph says a thing." for i in range(18))
    long_paragraph = " ".join(sentences)
    assert 700 < len(long_paragraph) <= 1200
    text = f"{long_paragraph}\n\nA second paragraph follows it here."
    doc = make_doc(text)
    whole = chunk_document(doc)
    assert whole[0].text == long_paragraph
    cut = chunk_document(doc, ChunkSettings(paragraph_chars=700))
    assert len([p for p in cut if p.start < len(long_paragraph)]) >= 2
    # A paragraph longer than paragraph_chars is still cut near target_chars.
    longer = chunk_document(make_doc(" ".join([long_paragraph] * 2)))
    assert len(longer) >= 2 and all(len(p.text) <= 1200 for p in longer)


def test_negative_paragraph_chars_is_refused() -> None:
    with pytest.raises(ValueError, match="paragraph_chars=-1"):
        ChunkSettings(paragraph_chars=-1)


def test_pages_are_kept_for_paged_documents() -> None:
    page1 = "First page sentence one. First page sentence two."
    page2 = "Second page sentence one. Second page sentence two."
    text = f"{page1}\n\n{page2}"
    doc = Document("p.pdf", "p.pdf", "P", text, "x", page_starts=(0, len(page1) + 2))
    cfg = ChunkSettings(target_chars=40, max_chars=80, overlap_sentences=0, min_chars=10)
    pages = [p.page for p in chunk_document(doc, cfg)]
    assert pages[0] == 1 and pages[-1] == 2


words = st.sampled_from(["alpha", "beta", "gamma", "delta", "上海", "教育", "Dr.", "3.5", "U.N."])
sentence_text = (
    st.lists(words, min_size=1, max_size=25)
    .map(" ".join)
    .flatmap(lambda body: st.sampled_from([".", "!", "?", "。", "；"]).map(lambda end: body + end))
)
paragraph_text = st.lists(sentence_text, min_size=1, max_size=8).map(" ".join)
document_text = st.lists(paragraph_text, min_size=1, max_size=6).map("\n\n".join)


@settings(max_examples=150, deadline=None)
@given(document_text, st.integers(20, 300), st.integers(0, 2))
def test_chunking_invariants_hold_for_any_text(text: str, target: int, overlap: int) -> None:
    cfg = ChunkSettings(
        target_chars=target, max_chars=target * 2, overlap_sentences=overlap, min_chars=0
    )
    spans = chunk_spans(text, cfg)
    starts, ends = sentence_bounds(text)
    assert spans, "a non-empty document yields at least one passage"
    for span in spans:
        assert 0 <= span.start < span.end <= len(text)
        chunk = text[span.start : span.end]
        assert chunk == chunk.strip()
        if len(chunk) > cfg.max_chars:
            raise AssertionError(f"passage of {len(chunk)} chars exceeds max {cfg.max_chars}")
        if span.start not in starts or span.end not in ends:
            # Only a sentence longer than max_chars may be cut.
            longest = max(e - s for s, e in zip(sorted(starts), sorted(ends), strict=False))
            assert longest > cfg.max_chars
    # Positions are in document order.
    assert [s.start for s in spans] == sorted(s.start for s in spans)
