"""Bytes to text for the text formats: BOM, UTF-8, a declared charset, then detection.

Legacy encodings a seminar corpus is likely to hold (GB18030/GBK, Big5, Windows-1252) are told
apart by how ordinary their characters look, not by whether they decode at all.
"""

from __future__ import annotations

import codecs

import charset_normalizer

from seminar_qa.ingestion.base import ReadProblem

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Legacy encodings a seminar corpus is likely to hold. Latin-1 is left out on purpose: it decodes
# any bytes at all, so it would hide a wrong guess instead of reporting it.
_CANDIDATES = ("gb18030", "big5", "cp1252")
# What browsers do with these labels (WHATWG Encoding): decode with the superset.
_SUPERSETS = {"iso8859-1": "cp1252", "ascii": "cp1252", "gb2312": "gb18030", "gbk": "gb18030"}
_CONTROL_BYTES = frozenset([*range(0x00, 0x09), *range(0x0E, 0x1B), *range(0x1C, 0x20), 0x7F])


def decode(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Return ``(text, encoding)``: BOM, then UTF-8, then a declared charset, then detection."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError:
                raise ReadProblem(
                    f"starts with a {encoding.upper()} byte order mark but is not valid "
                    f"{encoding.upper()}; save it as UTF-8"
                ) from None
    sample = data[:65536]
    if b"\x00" in sample or sum(b in _CONTROL_BYTES for b in sample) > 0.05 * len(sample):
        raise ReadProblem(
            "looks like a binary file, not text (or UTF-16 without a byte order mark); "
            "save it as UTF-8 text or remove it"
        )
    try:
        return data.decode("utf-8").removeprefix("\ufeff"), "utf-8"
    except UnicodeDecodeError:
        pass
    if declared:
        try:
            name = codecs.lookup(declared).name
        except LookupError:
            name = ""
        name = _SUPERSETS.get(name, name)
        if name:
            try:
                return data.decode(name), name
            except UnicodeDecodeError:
                pass
    guess = _guess_encoding(data)
    if guess is None:
        raise ReadProblem(
            "could not tell its text encoding (not UTF-8, GB18030/GBK, Big5 or Windows-1252); "
            "save it as UTF-8"
        )
    return guess


def _guess_encoding(data: bytes) -> tuple[str, str] | None:
    """Pick among the candidate encodings, or None when no decoding looks like real text.

    charset_normalizer proposes the candidates; a short Western text often decodes without error
    as GB18030 or Big5 too (as rare characters), so each candidate is also scored by how ordinary
    its non-ASCII characters are, and the most ordinary wins.
    """
    scored: list[tuple[float, float, str, str]] = []
    for match in charset_normalizer.from_bytes(data, cp_isolation=list(_CANDIDATES)):
        encoding = codecs.lookup(match.encoding).name
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        # A sample is enough to judge the script, and keeps a 50 MB file fast.
        scored.append((_plausibility(text[:65536], encoding), -match.chaos, encoding, text))
    if not scored:
        return None
    score, _, encoding, text = max(scored)
    return (text, encoding) if score >= 0.5 else None


def _plausibility(text: str, encoding: str) -> float:
    """Share (0..1) of the non-ASCII characters that are ordinary for ``encoding``'s script."""
    wide = [(i, c) for i, c in enumerate(text) if ord(c) > 0x7F]
    if not wide:
        return 1.0
    if encoding in ("gb18030", "big5"):
        return sum(_common_cjk(c, encoding) for _, c in wide) / len(wide)

    # Western text: accented letters sit alone inside words; Chinese read as cp1252 comes out as
    # runs of Latin-1 letters and symbols (every GB2312 byte pair lands in U+00A1..U+00FE).
    def latin1(i: int) -> bool:
        return 0 <= i < len(text) and 0xA0 <= ord(text[i]) <= 0xFF

    paired = sum(latin1(i) and (latin1(i - 1) or latin1(i + 1)) for i, _ in wide)
    return 1 - paired / len(wide)


def _common_cjk(char: str, encoding: str) -> bool:
    """Whether ``char`` is in the everyday part of the encoding: GB2312 level 1 / Big5 level 1."""
    try:
        code = int.from_bytes(char.encode("gb2312" if encoding == "gb18030" else "big5"), "big")
    except UnicodeEncodeError:
        return False
    if encoding == "gb18030":
        return 0xA1A1 <= code <= 0xA9FE or 0xB0A1 <= code <= 0xD7FE  # symbols, level-1 hanzi
    return 0xA140 <= code <= 0xA3BF or 0xA440 <= code <= 0xC67E  # symbols, level-1 hanzi
