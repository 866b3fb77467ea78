"""Chinese PDFs: radicals read as ideographs, lines the layout wrapped joined again."""

from __future__ import annotations

from pathlib import Path

import pytest

from seminar_qa.ingestion.loading import load_document
from seminar_qa.ingestion.normalise import normalize
from seminar_qa.ingestion.readers.pdf import join_wrapped_chinese
from seminar_qa.radicals import FONT, as_ideographs, derive_table
from seminar_qa.radicals_table import SUPPLEMENT

CHROMIUM = Path("/usr/bin/chromium")
PARAGRAPHS = (
    "徐汇区人工智能教育应用研讨会在上海市第二中学举行。来自全区四十余所中小学的校长、教研员和"
    "一线教师约二百人参加了本次会议。会议由区教育学院院长王建国主持。",
    "区教育局局长陈晓红首先致辞。她指出，人工智能正在深刻改变教与学的方式。",
)


def test_radicals_are_read_as_the_ideographs_they_look_like() -> None:
    # Kangxi radicals (⼈ U+2F08) by NFKC; a supplementary one (⻓ U+2ED3) by the font's glyph.
    assert (
        normalize("徐汇区⼈⼯智能教育应⽤研讨会，院⻓王建国")
        == "徐汇区人工智能教育应用研讨会，院长王建国"
    )
    assert as_ideographs("Plain text, 人工智能。") == "Plain text, 人工智能。"


@pytest.mark.skipif(not FONT.exists(), reason=f"Debian's fonts-noto-cjk not at {FONT}")
def test_the_shipped_radical_table_is_the_one_the_font_gives() -> None:
    assert derive_table() == SUPPLEMENT  # rewrite it: python -m seminar_qa.radicals
    assert SUPPLEMENT["⻓"] == "长" and SUPPLEMENT["⻔"] == "门"


def test_a_wrapped_chinese_line_is_joined_and_a_short_one_is_not() -> None:
    page = (
        "研讨会纪要\n"  # a title: short, its break stays
        "徐汇区人工智能教育应用研讨会在上海市第二中学举行。来自全区四十余\n"
        "所中小学的校长参加了会议。\n"  # a paragraph's last line: short
        "会议由区教育学院院长王建国主持，区教育局局长陈晓红首先致辞，她指\n"
        "出人工智能正在改变教学。\n"
        "An English line the layout wrapped keeps its break for the space it\n"
        "stands for."
    )
    assert join_wrapped_chinese(page).split("\n") == [
        "研讨会纪要",
        "徐汇区人工智能教育应用研讨会在上海市第二中学举行。来自全区四十余所中小学的校长参加了会议。",
        "会议由区教育学院院长王建国主持，区教育局局长陈晓红首先致辞，她指出人工智能正在改变教学。",
        "An English line the layout wrapped keeps its break for the space it",
        "stands for.",
    ]


@pytest.mark.slow
@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"Debian Chromium not found at {CHROMIUM}")
@pytest.mark.skipif(not FONT.exists(), reason=f"Debian's fonts-noto-cjk not at {FONT}")
def test_a_chinese_report_printed_to_pdf_by_chromium_reads_as_written(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    html = (
        '<html lang="zh-Hans"><head><meta charset="utf-8"><title>研讨会纪要</title></head>'
        f"<body style=\"font-family: 'Noto Sans CJK SC'; width: 12cm\">{body}</body></html>"
    )
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
        page = browser.new_page()
        page.set_content(html)
        page.pdf(path=str(corpus / "report.pdf"), format="A5")
        browser.close()
    text = load_document(corpus / "report.pdf", corpus).text
    # Chromium's PDF maps 人, 工, 用, 长 ... to radicals (⼈ U+2F08, ⻓ U+2ED3); lines break.
    assert not any("\u2e80" <= c <= "\u2fdf" for c in text), text
    for paragraph in PARAGRAPHS:
        assert paragraph in text, text
