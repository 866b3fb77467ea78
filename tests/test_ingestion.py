"""Ingestion: every format read from small fixtures built here, and every kind of bad file."""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from pathlib import Path

import docx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader

from seminar_qa.errors import DocumentReadError, UnsupportedFileError
from seminar_qa.ingestion import (
    SUPPORTED_EXTENSIONS,
    IngestResult,
    SkippedFile,
    discover_files,
    doc_id_for,
    load_corpus,
    load_document,
)
from seminar_qa.ingestion.base import Extracted
from seminar_qa.ingestion.normalise import normalize
from seminar_qa.ingestion.readers import html
from seminar_qa.records import Document
from seminar_qa.settings import Settings
from seminar_qa.testing.documents import encrypt_pdf, make_pdf
from seminar_qa.text import sha256_file

from .conftest import SEMINAR_DOC

# ---------------------------------------------------------------------------------------------
# Fixture builders


TWO_PAGES = [
    ["Seminar on the Learning Portal", "The portal was presented by Dr. Sun Yang."],
    ["Second page begins here.", "Participants discussed open licensing."],
]


def make_docx(path: Path, *, core_title: str = "", with_heading: bool = True) -> Path:
    document = docx.Document()
    document.core_properties.title = core_title
    document.core_properties.author = "Li Hua"
    if with_heading:
        document.add_heading("Robotics Club Report", level=1)
    document.add_paragraph("The club meets twice a week.")
    document.add_paragraph("   ")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Members"
    table.cell(0, 1).text = "forty"
    table.cell(1, 0).text = "Kits"
    table.cell(1, 1).text = "low-cost"
    document.add_paragraph("It has won a regional prize.")
    document.save(str(path))
    return path


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def load(folder: Path, name: str, content: str | bytes) -> Document:
    return load_document(write(folder, name, content), folder)


def read_error(folder: Path, name: str, content: str | bytes) -> str:
    with pytest.raises(DocumentReadError) as caught:
        load(folder, name, content)
    message = str(caught.value)
    assert message.startswith(f"{name}: "), message
    assert "\n" not in message
    return message


# ---------------------------------------------------------------------------------------------
# Plain text and normalisation


def test_txt_is_normalised_and_titled_from_the_file_name(tmp_path: Path) -> None:
    raw = "  First line   \r\nsecond line\t\r\n\r\n\r\n\r\nCafe\u0301 paragraph  \n\n\n"
    doc = load(tmp_path, "tec_seminar-report.txt", raw.encode("utf-8"))
    assert doc.text == "First line\nsecond line\n\nCaf\u00e9 paragraph"
    assert doc.title == "tec seminar report"
    assert doc.metadata == {"encoding": "utf-8", "source_format": "txt"}
    assert doc.doc_id == doc.path == "tec_seminar-report.txt"
    assert doc.page_starts == ()


@pytest.mark.parametrize(
    ("raw", "title"),
    [
        (
            "Gadget market 'to grow in 2005'\n\nThe explosion continues.",
            "Gadget market 'to grow in 2005'",
        ),
        ("  Is the seminar over?  \r\n\r\nYes, it ended at five.", "Is the seminar over?"),
        ("长宁区数字教育交流会\n\n交流会在长宁区举行。", "长宁区数字教育交流会"),
        ("The seminar ended at five.\n\nThen everyone left.", "club notes"),  # a sentence
        ("Agenda:\n\n1. Welcome", "club notes"),  # a lead-in
        ("Only a headline and nothing else", "club notes"),
        ("Two lines\nin the first paragraph\n\nBody.", "club notes"),
        ("x" * 201 + "\n\nBody.", "club notes"),
    ],
)
def test_txt_takes_a_headline_on_its_first_line_as_title(
    tmp_path: Path, raw: str, title: str
) -> None:
    doc = load(tmp_path, "club_notes.txt", raw.encode("utf-8"))
    assert doc.title == title
    assert doc.text.startswith(raw.strip()[:10])  # the headline stays in the text


def test_sha256_is_the_hash_of_the_file_bytes(tmp_path: Path) -> None:
    path = write(tmp_path, "a.txt", b"hello\r\n")
    doc = load_document(path, tmp_path)
    assert doc.sha256 == sha256_file(path) == hashlib.sha256(b"hello\r\n").hexdigest()
    assert doc.sha256 != hashlib.sha256(doc.text.encode()).hexdigest()


@given(st.text(alphabet=st.sampled_from("ab \t\n\r\u00e9e\u0301\x0c\x00"), max_size=40))
def test_normalise_is_idempotent_and_clean(raw: str) -> None:
    text = normalize(raw)
    assert normalize(text) == text
    assert "\n\n\n" not in text and "\r" not in text and "\x00" not in text
    assert all(line == line.rstrip() for line in text.split("\n"))


# ---------------------------------------------------------------------------------------------
# Markdown


def test_markdown_front_matter_becomes_json_metadata_and_is_stripped(tmp_path: Path) -> None:
    doc = load(
        tmp_path,
        "notes.md",
        "---\ntitle: Autumn Workshop\ndate: 2024-10-10\ntags: [oer, open]\n"
        "when: 2024-10-10 09:30:00\n---\n\n# Heading One\n\nBody *text* stays.\n",
    )
    assert doc.title == "Autumn Workshop"
    assert doc.text == "Heading One\n\nBody *text* stays."
    assert doc.metadata["date"] == "2024-10-10"
    assert doc.metadata["when"] == "2024-10-10T09:30:00"
    assert doc.metadata["tags"] == ["oer", "open"]
    assert doc.metadata["source_format"] == "md"
    json.dumps(doc.to_json())  # every metadata value serialises


def test_markdown_heading_markers_are_removed_outside_code_fences(tmp_path: Path) -> None:
    body = (
        "Intro line.\n\n## The Portal ##\n\n# Main Title\n\n#hashtag stays\n\n"
        "```python\n# a comment, not a heading\n```\n\n### C#\n"
    )
    doc = load(tmp_path, "plain.markdown", body)
    assert doc.title == "Main Title"  # the first level-1 heading wins over an earlier level 2
    assert doc.text.split("\n\n") == [
        "Intro line.",
        "The Portal",
        "Main Title",
        "#hashtag stays",
        "```python\n# a comment, not a heading\n```",
        "C#",
    ]
    assert "front" not in doc.metadata and doc.metadata["source_format"] == "md"


def test_markdown_without_headings_is_titled_from_file_name(tmp_path: Path) -> None:
    doc = load(tmp_path, "oer-notes.md", "Just text.\n")
    assert doc.title == "oer notes"


def test_markdown_opening_thematic_break_is_not_front_matter(tmp_path: Path) -> None:
    doc = load(tmp_path, "rule.md", "---\n\nText under a rule.\n\n---\n\nMore.\n")
    assert doc.text == "---\n\nText under a rule.\n\n---\n\nMore."
    assert doc.metadata == {"encoding": "utf-8", "source_format": "md"}


def test_markdown_bad_front_matter_is_a_read_error(tmp_path: Path) -> None:
    message = read_error(tmp_path, "bad.md", "---\ntitle: [unclosed\n---\nBody\n")
    assert "front matter" in message


def test_repository_seminar_report_loads(tmp_path: Path) -> None:
    doc = load_document(SEMINAR_DOC, SEMINAR_DOC.parent)
    assert doc.title.startswith("The TEC Successfully Holds Seminar")
    assert doc.metadata["date"] == "2024-11-28"
    assert doc.metadata["published"] == "2024-12-03"
    assert doc.metadata["language"] == "en"
    assert doc.text.startswith("The TEC Successfully Holds Seminar")  # '# ' removed
    assert "---" not in doc.text.split("\n")[0]


# ---------------------------------------------------------------------------------------------
# HTML

PAGE = """<!DOCTYPE html>
<html lang="en-GB"><head>
<title>Seminar | Example Institute</title>
<meta name="description" content="A  report on the seminar.">
<meta name="date" content="2024-11-28">
<style>body { color: red }</style>
<script>var secretScript = 1;</script>
</head><body>
<header><h1>Example Institute</h1><p>Site banner</p></header>
<nav><a href="/">Home menu</a></nav>
<main>
  <article>
    <header><h1>Portal   Seminar</h1></header>
    <p>First <b>bold</b> paragraph
       spans lines.</p>
    <div>Second block<br>after a break</div>
    <!-- a comment that must not appear -->
    <ul><li>Item one</li><li>Item two</li></ul>
    <table><tr><th>Name</th><td>Sun Yang</td></tr></table>
    <pre>code   keeps
  spacing</pre>
    <aside>Related links</aside>
    <form><label>Search box</label></form>
    <p hidden>Hidden text</p>
  </article>
</main>
<footer>Copyright footer</footer>
<script>trackingCode()</script>
</body></html>
"""


def test_html_keeps_main_text_as_paragraphs_and_drops_page_furniture(tmp_path: Path) -> None:
    doc = load(tmp_path, "page.html", PAGE)
    assert doc.text.split("\n\n") == [
        "Portal Seminar",
        "First bold paragraph spans lines.",
        "Second block\nafter a break",
        "Item one",
        "Item two",
        "Name | Sun Yang",
        "code   keeps\n  spacing",
    ]
    for gone in ("secretScript", "Home menu", "Site banner", "Copyright", "Related", "Search"):
        assert gone not in doc.text
    assert "comment" not in doc.text and "Hidden" not in doc.text
    assert doc.title == "Portal Seminar"
    assert doc.metadata["language"] == "en-GB"
    assert doc.metadata["description"] == "A report on the seminar."
    assert doc.metadata["date"] == "2024-11-28"
    assert doc.metadata["source_format"] == "html"


def test_html_without_main_uses_body_and_title_tag(tmp_path: Path) -> None:
    page = (
        "<html><head><title>Workshop  Notes</title></head><body>"
        "<nav>Menu</nav><div><p>One.</p><p>Two.</p></div><script>x()</script></body></html>"
    )
    doc = load(tmp_path, "notes.htm", page)
    assert doc.text == "One.\n\nTwo."
    assert doc.title == "Workshop Notes"


def test_html_with_several_articles_or_an_empty_main_reads_the_body(tmp_path: Path) -> None:
    page = (
        "<html><body><header>Top banner</header><main></main>"
        "<article><p>One.</p></article><article><p>Two.</p></article></body></html>"
    )
    doc = load(tmp_path, "list.html", page)
    assert doc.text == "One.\n\nTwo."


def test_html_uses_declared_charset(tmp_path: Path) -> None:
    page = '<html><head><meta charset="gbk"></head><body><p>上海研讨会</p></body></html>'
    doc = load(tmp_path, "zh.html", page.encode("gbk"))
    assert doc.text == "上海研讨会"
    assert doc.metadata["encoding"] == "gb18030"


def test_html_with_only_scripts_is_empty(tmp_path: Path) -> None:
    message = read_error(tmp_path, "blank.html", "<html><script>x()</script><nav>m</nav></html>")
    assert "empty" in message


# ---------------------------------------------------------------------------------------------
# PDF


def test_pdf_fixture_is_readable_by_pypdf() -> None:
    reader = PdfReader(io.BytesIO(make_pdf(TWO_PAGES)))
    assert len(reader.pages) == 2
    assert "Dr. Sun Yang" in reader.pages[0].extract_text()


def test_pdf_pages_are_joined_and_page_starts_locate_each_page(tmp_path: Path) -> None:
    doc = load(tmp_path, "report.pdf", make_pdf(TWO_PAGES, title="Portal Seminar Report"))
    assert doc.text == (
        "Seminar on the Learning Portal\nThe portal was presented by Dr. Sun Yang."
        "\n\nSecond page begins here.\nParticipants discussed open licensing."
    )
    second = doc.text.index("Second page")
    assert doc.page_starts == (0, second)
    assert doc.page_at(doc.text.index("Dr. Sun")) == 1
    assert doc.page_at(doc.text.index("Participants")) == 2
    assert doc.title == "Portal Seminar Report"
    assert doc.metadata["pages"] == 2
    assert doc.metadata["author"] == "Ada Lovelace"
    assert doc.metadata["source_format"] == "pdf"


def test_pdf_empty_page_keeps_page_numbers_right(tmp_path: Path) -> None:
    doc = load(tmp_path, "gap.pdf", make_pdf([["Alpha page."], [], ["Gamma page."]]))
    assert doc.text == "Alpha page.\n\nGamma page."
    assert len(doc.page_starts) == 3
    assert doc.page_at(doc.text.index("Gamma")) == 3
    assert doc.page_at(0) == 1


def test_pdf_without_info_title_uses_file_name(tmp_path: Path) -> None:
    doc = load(tmp_path, "annual_report-2024.pdf", make_pdf(TWO_PAGES))
    assert doc.title == "annual report 2024"


def test_pdf_without_text_layer_is_a_read_error(tmp_path: Path) -> None:
    message = read_error(tmp_path, "scan.pdf", make_pdf([[], []]))
    assert "no text layer (scanned image?)" in message


def test_encrypted_pdf_is_a_read_error(tmp_path: Path) -> None:
    locked = encrypt_pdf(make_pdf(TWO_PAGES), "secret", "owner")
    assert PdfReader(io.BytesIO(locked)).is_encrypted
    message = read_error(tmp_path, "locked.pdf", locked)
    assert "encrypted PDF" in message


def test_pdf_with_only_an_owner_password_is_read(tmp_path: Path) -> None:
    doc = load(tmp_path, "owner.pdf", encrypt_pdf(make_pdf(TWO_PAGES), "", "owner"))
    assert "Participants discussed open licensing." in doc.text


@pytest.mark.parametrize(
    "content",
    [os.urandom(2048), b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog", make_pdf(TWO_PAGES)[:200]],
    ids=["random", "truncated-header", "truncated-body"],
)
def test_corrupt_pdf_is_a_one_line_read_error(
    tmp_path: Path, content: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    message = read_error(tmp_path, "broken.pdf", content)
    assert "PDF" in message
    # pypdf's own warnings would garble a progress bar; the reason above says it all.
    assert not [r for r in caplog.records if r.name.startswith("pypdf")]


# ---------------------------------------------------------------------------------------------
# DOCX


def test_docx_paragraphs_tables_title_and_core_properties(tmp_path: Path) -> None:
    path = make_docx(tmp_path / "club.docx", core_title="Robotics Club, Pudong")
    doc = load_document(path, tmp_path)
    assert doc.text.split("\n\n") == [
        "Robotics Club Report",
        "The club meets twice a week.",
        "Members | forty",
        "Kits | low-cost",
        "It has won a regional prize.",
    ]
    assert doc.title == "Robotics Club, Pudong"
    assert doc.metadata["title"] == "Robotics Club, Pudong"
    assert doc.metadata["author"] == "Li Hua"
    assert doc.metadata["created"].startswith("20")
    assert doc.metadata["source_format"] == "docx"
    json.dumps(doc.to_json())


def test_docx_title_falls_back_to_first_heading_then_file_name(tmp_path: Path) -> None:
    headed = load_document(make_docx(tmp_path / "a.docx"), tmp_path)
    assert headed.title == "Robotics Club Report"
    plain = load_document(make_docx(tmp_path / "club_notes.docx", with_heading=False), tmp_path)
    assert plain.title == "club notes"


def test_docx_that_is_not_a_zip_is_a_read_error(tmp_path: Path) -> None:
    message = read_error(tmp_path, "fake.docx", b"This is plain text saved as .docx")
    assert "not a readable .docx" in message


def test_zip_that_is_not_a_docx_is_a_read_error(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a word document")
    message = read_error(tmp_path, "archive.docx", buffer.getvalue())
    assert "not a readable .docx" in message


# ---------------------------------------------------------------------------------------------
# Encodings and bad text files

CHINESE = "联合国教科文组织教师教育中心成功举办研讨会，讨论上海教育数字化转型的实践经验。\n"


@pytest.mark.parametrize(
    ("text", "encoding", "expected"),
    [
        (CHINESE, "gbk", "gb18030"),
        ("研讨会在上海举行。", "gbk", "gb18030"),
        ("Report 2024: 上海区域贡献研讨会成功举办。", "gb18030", "gb18030"),
        ("聯合國教科文組織教師教育中心成功舉辦研討會，討論數字化轉型。", "big5", "big5"),
        ("The “café” opened.", "cp1252", "cp1252"),
        ("It’s fine.", "cp1252", "cp1252"),
        ("Ça va? Très bien, merci.", "cp1252", "cp1252"),
        ("Les élèves ont présenté leurs travaux à l’école — “très bien”.", "cp1252", "cp1252"),
        ("Price: 5€ • 10% off ™", "cp1252", "cp1252"),
        ("Résumé", "cp1252", "cp1252"),
    ],
)
def test_legacy_encodings_decode_correctly(
    tmp_path: Path, text: str, encoding: str, expected: str
) -> None:
    doc = load(tmp_path, "legacy.txt", text.encode(encoding))
    assert doc.text == text.strip()
    assert doc.metadata["encoding"] == expected


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("\ufeffBOM text é".encode(), "utf-8-sig"),
        ("UTF-16 text é 上海".encode("utf-16"), "utf-16"),
        (b"\xfe\xff" + "UTF-16BE text é".encode("utf-16-be"), "utf-16"),
    ],
)
def test_byte_order_marks_are_honoured(tmp_path: Path, data: bytes, expected: str) -> None:
    doc = load(tmp_path, "bom.txt", data)
    assert doc.metadata["encoding"] == expected
    assert not doc.text.startswith("\ufeff")
    assert "é" in doc.text


def test_undecodable_text_asks_for_utf8(tmp_path: Path) -> None:
    message = read_error(tmp_path, "odd.txt", b"Hello \x81\x30 world")
    assert "save it as UTF-8" in message


def test_cyrillic_cp1251_is_refused_rather_than_misread(tmp_path: Path) -> None:
    message = read_error(tmp_path, "ru.txt", "Привет, как дела? Всё хорошо.".encode("cp1251"))
    assert "save it as UTF-8" in message


@pytest.mark.parametrize(
    "data",
    [b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), bytes([1, 2, 3, 4, 5, 65] * 50)],
    ids=["nul-bytes", "control-chars"],
)
def test_binary_content_in_a_text_file_is_refused(tmp_path: Path, data: bytes) -> None:
    message = read_error(tmp_path, "image.txt", data)
    assert "looks like a binary file, not text" in message


@pytest.mark.parametrize(
    ("name", "content", "phrase"),
    [
        ("empty.txt", b"", "empty file"),
        ("blank.md", " \n\t\n\r\n", "empty"),
        ("front-only.md", "---\ntitle: Only metadata\n---\n", "empty"),
        ("empty.pdf", b"", "empty file"),
    ],
)
def test_empty_files_are_read_errors(tmp_path: Path, name: str, content: str, phrase: str) -> None:
    assert phrase in read_error(tmp_path, name, content)


@pytest.mark.parametrize("name", ["slides.pptx", "Makefile", "data.csv"])
def test_unsupported_extension_names_the_supported_ones(tmp_path: Path, name: str) -> None:
    with pytest.raises(UnsupportedFileError) as caught:
        load(tmp_path, name, "some text")
    message = str(caught.value)
    assert message.startswith(f"{name}: unsupported file type")
    assert all(ext in message for ext in SUPPORTED_EXTENSIONS)


def test_uppercase_extension_is_supported(tmp_path: Path) -> None:
    assert load(tmp_path, "SHOUT.TXT", "loud").metadata["source_format"] == "txt"


def test_file_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "big.txt", "x" * 3 * 1024 * 1024)
    limit = r"big.txt: file of 3 MB is larger than the limit of 2 MB \(max_file_bytes\)"
    with pytest.raises(DocumentReadError, match=limit):
        load_document(path, tmp_path, Settings(max_file_bytes=2 * 1024 * 1024))
    assert load_document(path, tmp_path).text.startswith("xxx")  # the default limit is larger


# ---------------------------------------------------------------------------------------------
# Discovery and the whole corpus


def test_discover_files_is_recursive_sorted_and_skips_hidden(tmp_path: Path) -> None:
    for name in ["b.txt", "a/z.md", "a/b/c.html", ".hidden.txt", ".git/config", "a/.cache/x.md"]:
        write(tmp_path, name, "text")
    found = [p.relative_to(tmp_path).as_posix() for p in discover_files(tmp_path)]
    assert found == ["a/b/c.html", "a/z.md", "b.txt"]


def test_doc_id_is_the_relative_posix_path(tmp_path: Path) -> None:
    assert doc_id_for(tmp_path / "sub" / "report.pdf", tmp_path) == "sub/report.pdf"
    doc = load(tmp_path, "sub/dir/note.txt", "hello")
    assert doc.doc_id == doc.path == "sub/dir/note.txt"


def test_load_corpus_skips_bad_files_and_reads_the_rest(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write(corpus, "good.md", "# Good\n\nA fine report.\n")
    write(corpus, "sub/page.html", "<html><body><p>Web page text.</p></body></html>")
    write(corpus, "scan.pdf", make_pdf([[]]))
    write(corpus, "broken.pdf", b"not a pdf at all")
    write(corpus, "fake.docx", b"plain bytes")
    write(corpus, "empty.txt", b"")
    write(corpus, "binary.txt", b"\x00\x01\x02" * 20)
    write(corpus, "slides.pptx", b"PK")
    make_docx(corpus / "club.docx")
    seen: list[Path] = []
    result = load_corpus(corpus, Settings(), on_file=seen.append)
    assert isinstance(result, IngestResult)
    assert [d.doc_id for d in result.documents] == ["club.docx", "good.md", "sub/page.html"]
    reasons = {s.path: s.reason for s in result.skipped}
    assert set(reasons) == {
        "binary.txt",
        "broken.pdf",
        "empty.txt",
        "fake.docx",
        "scan.pdf",
        "slides.pptx",
    }
    assert "binary" in reasons["binary.txt"]
    assert reasons["empty.txt"] == "empty file: add text or remove it"
    assert "no text layer" in reasons["scan.pdf"]
    assert reasons["slides.pptx"].startswith("unsupported file type '.pptx'")
    assert all("\n" not in r and not r.startswith(s) for s, r in reasons.items())
    assert seen == discover_files(corpus)


def test_load_corpus_turns_an_unexpected_parser_error_into_a_skip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(data: bytes, path: Path) -> Extracted:
        raise RuntimeError("parser bug\nwith two lines")

    monkeypatch.setattr(html, "read", explode)
    write(tmp_path, "ok.txt", "fine")
    write(tmp_path, "bad.html", "<p>x</p>")
    result = load_corpus(tmp_path)
    assert [d.doc_id for d in result.documents] == ["ok.txt"]
    assert result.skipped == [
        SkippedFile("bad.html", "could not read: RuntimeError: parser bug with two lines")
    ]


def test_load_corpus_refuses_a_missing_or_non_folder_corpus(tmp_path: Path) -> None:
    with pytest.raises(DocumentReadError, match="does not exist"):
        load_corpus(tmp_path / "nowhere")
    write(tmp_path, "file.txt", "x")
    with pytest.raises(DocumentReadError, match="not a folder"):
        load_corpus(tmp_path / "file.txt")


def test_symlinks_outside_the_corpus_are_skipped_inside_are_read(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    outside = write(tmp_path, "secret.txt", "outside text")
    inside = write(corpus, "real.txt", "inside text")
    (corpus / "escape.txt").symlink_to(outside)
    (corpus / "alias.txt").symlink_to(inside)
    (corpus / "dangling.txt").symlink_to(corpus / "missing.txt")
    (corpus / "folder-link").symlink_to(tmp_path, target_is_directory=True)
    result = load_corpus(corpus)
    assert sorted(d.doc_id for d in result.documents) == ["alias.txt", "real.txt"]
    assert all("outside text" not in d.text for d in result.documents)
    reasons = {s.path: s.reason for s in result.skipped}
    assert set(reasons) == {"escape.txt", "dangling.txt", "folder-link"}
    assert "outside the corpus folder" in reasons["escape.txt"]
    assert "broken symbolic link" in reasons["dangling.txt"]
    assert "outside the corpus folder" in reasons["folder-link"]


def test_symlinked_folder_inside_the_corpus_is_reported_not_followed(tmp_path: Path) -> None:
    write(tmp_path, "real/a.txt", "text")
    (tmp_path / "again").symlink_to(tmp_path / "real", target_is_directory=True)
    result = load_corpus(tmp_path)
    assert [d.doc_id for d in result.documents] == ["real/a.txt"]
    assert [s.path for s in result.skipped] == ["again"]
    assert "folder" in result.skipped[0].reason


def test_unreadable_file_is_skipped_with_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = write(tmp_path, "locked.txt", "private")
    write(tmp_path, "open.txt", "public")
    real_read = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name == "locked.txt":
            raise PermissionError(13, "Permission denied", str(self))
        return real_read(self)

    # Tests may run as root, for whom chmod 000 changes nothing; simulate the OS refusal.
    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    result = load_corpus(tmp_path)
    assert [d.doc_id for d in result.documents] == ["open.txt"]
    assert result.skipped == [
        SkippedFile(
            "locked.txt",
            "permission denied: make the file readable (e.g. chmod a+r) or remove it",
        )
    ]
    assert locked.exists()


def test_load_document_on_a_missing_file_or_a_folder_says_so(tmp_path: Path) -> None:
    with pytest.raises(DocumentReadError, match=r"^gone\.txt: file not found"):
        load_document(tmp_path / "gone.txt", tmp_path)
    (tmp_path / "sub.txt").mkdir()
    with pytest.raises(DocumentReadError, match=r"^sub\.txt: is a folder"):
        load_document(tmp_path / "sub.txt", tmp_path)


def test_load_document_through_a_linked_folder_that_leaves_the_corpus(tmp_path: Path) -> None:
    write(tmp_path, "outside/a.txt", "outside text")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "linked").symlink_to(tmp_path / "outside", target_is_directory=True)
    with pytest.raises(DocumentReadError, match="outside the corpus folder"):
        load_document(corpus / "linked" / "a.txt", corpus)
