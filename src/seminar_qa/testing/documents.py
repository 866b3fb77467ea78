"""Hostile and damaged documents for the ingestion checks, in every supported format.

Made-up PDFs and DOCX files, a zip bomb, files that hang or cannot be opened, and a hypothesis
strategy that mangles valid samples.

hypothesis, pypdf and python-docx are imported by the functions that need them.
"""

from __future__ import annotations

import contextlib
import io
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from seminar_qa.ingestion import load_corpus
from seminar_qa.ingestion.base import Extracted
from seminar_qa.settings import Settings

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy


def _pdf_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def make_pdf(pages: list[list[str]], title: str | None = None) -> bytes:
    """A minimal valid PDF: one Helvetica text line per entry, one content stream per page."""
    count = len(pages)
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(count))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {count} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    for i, lines in enumerate(pages):
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {5 + 2 * i} 0 R >>".encode()
        )
        ops = ["BT", "/F1 12 Tf", "16 TL", "72 720 Td"]
        ops += [f"({_pdf_escape(line)}) Tj T*" for line in lines]
        ops.append("ET")
        stream = "\n".join(ops).encode("latin-1")
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
    info = ""
    if title is not None:
        objects.append(f"<< /Title ({_pdf_escape(title)}) /Author (Ada Lovelace) >>".encode())
        info = f" /Info {len(objects)} 0 R"
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R{info} >>\n".encode()
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def minimal_pdf(lines: Sequence[str]) -> bytes:
    """A one-page PDF with a Helvetica text layer, one line per entry."""
    return make_pdf([list(lines)])


def encrypt_pdf(data: bytes, user_password: str, owner_password: str) -> bytes:
    """The PDF ``data`` encrypted (RC4-128) with these passwords ("" opens without one)."""
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=io.BytesIO(data))
    writer.encrypt(user_password, owner_password, algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def encrypted_pdf() -> bytes:
    """A PDF that needs a user password."""
    return encrypt_pdf(minimal_pdf(["Secret minutes."]), "user-secret", "owner-secret")


def minimal_docx() -> bytes:
    """A small valid .docx made with python-docx."""
    import docx

    document = docx.Document()
    document.add_heading("Robotics Club Report", level=1)
    document.add_paragraph("The club meets twice a week. It has forty members.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def make_zip_bomb(path: Path, expanded: int = 2 << 30) -> None:
    """Write a zip holding ``word/document.xml`` of ``expanded`` zero bytes, ~1 KB per MB on disk.

    The deflate stream is one fully flushed 1 MiB block of zeros repeated (each block stands
    alone after a full flush), so nothing near ``expanded`` bytes is ever held or compressed.
    """
    block = 1 << 20
    if expanded % block or expanded >= 1 << 32:
        raise ValueError("expanded must be a whole number of MiB below 4 GiB")
    zeros = bytes(block)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    piece = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    tail = zlib.compressobj(9, zlib.DEFLATED, -15).flush(zlib.Z_FINISH)  # final empty block
    crc = 0
    for _ in range(expanded // block):
        crc = zlib.crc32(zeros, crc)
    name = b"word/document.xml"
    size = len(piece) * (expanded // block) + len(tail)
    with path.open("wb") as handle:
        # Local file header, data, central directory, end of central directory (no zip64).
        handle.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, size, expanded,
                                 len(name), 0) + name)  # fmt: skip
        for _ in range(expanded // block):
            handle.write(piece)
        handle.write(tail)
        directory_at = handle.tell()
        entry = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, crc, size,
                            expanded, len(name), 0, 0, 0, 0, 0, 0) + name  # fmt: skip
        handle.write(entry)
        handle.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(entry), directory_at, 0))


GOOD_TEXT = "The robotics club meets twice a week in the school library."

# Expected outcome per fixed hostile file: a phrase of the skip reason, or None when it is indexed.
BAD_DOCUMENTS: dict[str, str | None] = {
    "truncated.pdf": "PDF",
    "encrypted.pdf": "encrypted PDF",
    "not-a-zip.docx": "not a readable .docx",
    "bomb.docx": "zip bomb",
    "huge.txt": "larger than the limit",
    "binary.md": "binary file",
    "escape.txt": "outside the corpus folder",
    "locked.txt": "permission denied",
    "slow.htm": "took longer than",
    "with spaces in the name.md": None,
    "中文报告.md": None,
    "-leading-dash.txt": None,
    "--help.md": None,
}


def write_bad_documents(corpus: Path, outside: Path) -> None:
    """Fill ``corpus`` with the files of ``BAD_DOCUMENTS`` (``outside``: a folder beside it)."""
    corpus.mkdir(parents=True, exist_ok=True)
    outside.mkdir(parents=True, exist_ok=True)
    pdf = minimal_pdf(["Minutes of the robotics club.", "It meets twice a week."])
    (corpus / "truncated.pdf").write_bytes(pdf[: len(pdf) // 3])
    (corpus / "encrypted.pdf").write_bytes(encrypted_pdf())
    (corpus / "not-a-zip.docx").write_bytes(b"PK\x03\x04 this is not really a zip" * 20)
    make_zip_bomb(corpus / "bomb.docx")
    with (corpus / "huge.txt").open("wb") as handle:
        handle.truncate(200 * 1024 * 1024)  # sparse: 200 MB long, no disk blocks written
    (corpus / "binary.md").write_bytes(bytes(range(256)) * 64)
    secret = outside / "secret.txt"
    secret.write_text("The secret outside the corpus.", encoding="utf-8")
    (corpus / "escape.txt").symlink_to(secret)
    (corpus / "locked.txt").write_text("private text", encoding="utf-8")
    (corpus / "slow.htm").write_text("<p>A page whose reader hangs.</p>", encoding="utf-8")
    for name in ("with spaces in the name.md", "中文报告.md", "-leading-dash.txt", "--help.md"):
        (corpus / name).write_text(f"{GOOD_TEXT} ({name})", encoding="utf-8")


HANG_SECONDS = 60.0
"""How long the stuck reader of ``hostile_environment`` holds on before it reads after all."""


@contextlib.contextmanager
def hostile_environment(hang: threading.Event) -> Iterator[None]:
    """Make ``locked.txt`` unreadable and the ``.htm`` reader hang until ``hang`` is set.

    Runs as root ignore chmod 000, so the refusal of the OS is simulated, as in the ingestion
    tests; the hanging reader stands in for a parser stuck on a pathological file.
    """
    from seminar_qa.ingestion.readers import html

    real_read = Path.read_bytes
    real_reader = html.read

    def read_bytes(self: Path) -> bytes:
        if self.name == "locked.txt":
            raise PermissionError(13, "Permission denied", str(self))
        return real_read(self)

    def stuck(data: bytes, path: Path) -> Extracted:
        hang.wait(HANG_SECONDS)
        return real_reader(data, path)

    Path.read_bytes = read_bytes  # type: ignore[method-assign]
    html.read = stuck
    try:
        yield
    finally:
        Path.read_bytes = real_read  # type: ignore[method-assign]
        html.read = real_reader
        hang.set()


def check_bad_documents(corpus: Path, *, seconds: float = 0.5) -> list[str]:
    """Read ``corpus`` (from ``write_bad_documents``); return what went wrong, if anything."""
    problems: list[str] = []
    hang = threading.Event()
    started = time.perf_counter()
    with hostile_environment(hang):
        result = load_corpus(corpus, Settings(), max_file_seconds=seconds)
    took = time.perf_counter() - started
    indexed = {d.doc_id for d in result.documents}
    reasons = {s.path: s.reason for s in result.skipped}
    for name, phrase in BAD_DOCUMENTS.items():
        if phrase is None and name not in indexed:
            problems.append(f"{name}: not indexed ({reasons.get(name)})")
        elif phrase is not None and (name not in reasons or phrase not in reasons[name]):
            problems.append(f"{name}: expected a reason with {phrase!r}, got {reasons.get(name)!r}")
    for name, reason in reasons.items():
        if "\n" in reason or not reason:
            problems.append(f"{name}: reason is not one line: {reason!r}")
    if set(indexed) | set(reasons) != set(BAD_DOCUMENTS):
        problems.append(f"files unaccounted for: {set(BAD_DOCUMENTS) - indexed - set(reasons)}")
    # The stuck reader holds on for 60 s: a read that waited for it (a time limit that fires but
    # still joins the stuck thread) takes that long. The bound sits far below that and far above
    # a slow machine's read of these files (7.1 s seen once on a loaded 2-core machine against an
    # earlier bound of 5.5 s), so machine load cannot trip it.
    if took > HANG_SECONDS / 2:
        problems.append(f"reading took {took:.1f} s: it waited for the stuck reader")
    return problems


def check_document_bytes(folder: Path, name: str, data: bytes) -> str | None:
    """Read one file of ``data`` named ``name`` alone in ``folder``; say what went wrong, if so.

    The outcome must be exactly one indexed document or one skip with a one-line reason.
    """
    (folder / name).write_bytes(data)
    try:
        result = load_corpus(folder, Settings(), max_file_seconds=10)
    except Exception as error:  # the whole point: nothing may escape
        return f"{name}: load_corpus raised {type(error).__name__}: {error}"
    finally:
        (folder / name).unlink()
    if len(result.documents) + len(result.skipped) != 1:
        return f"{name}: {len(result.documents)} documents and {len(result.skipped)} skips"
    if result.skipped:
        skip = result.skipped[0]
        if skip.path != name or not skip.reason or "\n" in skip.reason:
            return f"{name}: bad skip record {skip}"
    elif not result.documents[0].text:
        return f"{name}: indexed with no text"
    return None


SAMPLES: dict[str, Callable[[], bytes]] = {
    ".txt": lambda: GOOD_TEXT.encode(),
    ".md": lambda: f"---\ntitle: Club\n---\n# Club\n\n{GOOD_TEXT}\n".encode(),
    ".markdown": lambda: f"# Club\n\n{GOOD_TEXT}\n".encode("utf-16"),
    ".html": lambda: f"<html><body><main><h1>Club</h1><p>{GOOD_TEXT}</p></main></body>".encode(),
    ".htm": lambda: f"<p>{GOOD_TEXT}</p>".encode("gb18030"),
    ".pdf": lambda: minimal_pdf([GOOD_TEXT]),
    ".docx": minimal_docx,
}


def document_cases() -> SearchStrategy[tuple[str, bytes]]:
    """Hypothesis strategy: (extension, bytes): random, or a sample cut, flipped or spliced."""
    from hypothesis import strategies as st

    samples = {ext: make() for ext, make in SAMPLES.items()}

    @st.composite
    def mangled(draw: st.DrawFn) -> tuple[str, bytes]:
        ext = draw(st.sampled_from(sorted(samples)))
        base = samples[ext]
        how = draw(st.sampled_from(["random", "truncate", "flip", "splice"]))
        if how == "random":
            data = draw(st.binary(max_size=4096))
        elif how == "truncate":
            data = base[: draw(st.integers(0, len(base)))]
        elif how == "flip":
            flipped = bytearray(base)
            for _ in range(draw(st.integers(1, 16))):
                flipped[draw(st.integers(0, len(flipped) - 1))] = draw(st.integers(0, 255))
            data = bytes(flipped)
        else:
            cut = draw(st.integers(0, len(base)))
            data = base[:cut] + draw(st.binary(max_size=512)) + base[cut:]
        return ext, data

    return mangled()


def fuzz_documents(examples: int, folder: Path) -> tuple[int, list[str]]:
    """Run ``examples`` hypothesis cases through ``check_document_bytes``; (tried, problems)."""
    from hypothesis import HealthCheck, given
    from hypothesis import settings as hsettings

    tried = 0
    problems: list[str] = []

    @hsettings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(document_cases())
    def check(case: tuple[str, bytes]) -> None:
        nonlocal tried
        tried += 1
        ext, data = case
        problem = check_document_bytes(folder, f"fuzz{ext}", data)
        if problem:
            problems.append(problem)

    check()
    return tried, problems
