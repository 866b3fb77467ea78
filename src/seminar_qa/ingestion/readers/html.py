"""HTML (``.html``, ``.htm``): the main text, one paragraph per block element, and its metadata.

The main text is ``<main>``, else a lone ``<article>``, else ``<body>``; navigation, scripts,
styles and other page furniture are dropped.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning
from bs4.element import CData, NavigableString, PageElement, Tag

from seminar_qa.ingestion.base import Extracted
from seminar_qa.ingestion.decoding import decode

_HTML_DROP = frozenset(
    {"script", "style", "noscript", "nav", "header", "footer", "aside", "form", "template"}
    | {"iframe", "svg", "head", "title", "meta", "link", "object", "embed", "canvas"}
)
_HTML_BLOCKS = frozenset(
    {"address", "article", "aside", "blockquote", "body", "caption", "dd", "details", "dialog"}
    | {"div", "dl", "dt", "fieldset", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6"}
    | {"hgroup", "hr", "html", "li", "main", "ol", "p", "section", "summary", "table", "tbody"}
    | {"thead", "tfoot", "tr", "ul"}
)
_META_KEYS = {
    "description": "description",
    "og:description": "description",
    "author": "author",
    "article:author": "author",
    "date": "date",
    "dc.date": "date",
    "dcterms.date": "date",
    "dc.date.issued": "date",
    "article:published_time": "date",
    "pubdate": "date",
    "publish-date": "date",
    "citation_publication_date": "date",
    "og:site_name": "publisher",
}
_DECLARED_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.I)


def read(data: bytes, path: Path) -> Extracted:
    """HTML: the main text (``<main>`` or a lone ``<article>``), one paragraph per block element."""
    declared = _DECLARED_CHARSET.search(data[:4096])
    text, encoding = decode(data, declared.group(1).decode("ascii") if declared else None)
    with warnings.catch_warnings():
        # The text is a file's content, never a file name or URL that merely looks like one.
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        soup = BeautifulSoup(text, "lxml")
    metadata: dict[str, Any] = {"encoding": encoding}
    html = soup.find("html")
    if isinstance(html, Tag):
        lang = html.get("lang")
        if isinstance(lang, str) and lang.strip():
            metadata["language"] = lang.strip()
    for meta in soup.find_all("meta"):
        if not isinstance(meta, Tag):
            continue
        key = str(meta.get("name") or meta.get("property") or "").strip().lower()
        content = meta.get("content")
        if key == "" and str(meta.get("http-equiv") or "").lower() == "content-language":
            key = "content-language"
        if not isinstance(content, str) or not content.strip():
            continue
        if key == "content-language":
            metadata.setdefault("language", content.strip())
        elif key in _META_KEYS:
            metadata.setdefault(_META_KEYS[key], " ".join(content.split()))

    body = soup.body if soup.body is not None else soup
    roots: list[Tag] = []
    main = soup.find("main")
    if isinstance(main, Tag):
        roots.append(main)
    articles = soup.find_all("article")
    if len(articles) == 1 and isinstance(articles[0], Tag):
        roots.append(articles[0])
    roots.append(body)
    # The first root with any text wins: a stray empty <main> must not hide the page.
    for root in roots:
        paragraphs = _html_paragraphs(root)
        if paragraphs:
            break
    heading = _first_h1(root)
    page_title = soup.title.get_text(" ", strip=True) if soup.title is not None else ""
    title = heading or " ".join(page_title.split()) or None
    return Extracted(text="\n\n".join(paragraphs), title=title, metadata=metadata)


def _html_dropped(tag: Tag) -> bool:
    """Whether an element is page furniture or hidden, so none of its text is kept.

    A ``<header>`` inside ``<article>``/``<main>`` holds the article's own title and byline,
    unlike the page banner, so it is kept.
    """
    if tag.name in _HTML_DROP:
        return not (tag.name == "header" and tag.find_parent(["article", "main"]) is not None)
    return tag.has_attr("hidden") or str(tag.get("aria-hidden", "")).lower() == "true"


class _Paragraphs:
    """Collects HTML text runs into paragraphs; a block boundary ends the current one."""

    def __init__(self) -> None:
        self.done: list[str] = []
        self.parts: list[str] = []

    def text(self, value: str) -> None:
        self.parts.append(re.sub(r"\s+", " ", value))

    def line_break(self) -> None:
        self.parts.append("\n")

    def cell(self) -> None:
        if "".join(self.parts).strip():
            self.parts.append(" | ")

    def verbatim(self, value: str) -> None:
        self.flush()
        value = value.strip("\n")
        if value.strip():
            self.done.append(value)

    def flush(self) -> None:
        joined = re.sub(r" *\n *", "\n", re.sub(r"[ \t]{2,}", " ", "".join(self.parts)))
        joined = joined.strip()
        if joined:
            self.done.append(joined)
        self.parts = []


def _html_paragraphs(root: Tag) -> list[str]:
    """Walk ``root`` in document order (no recursion: pages can nest deeply) into paragraphs."""
    out = _Paragraphs()
    stack: list[tuple[PageElement, bool]] = [(root, True)]
    while stack:
        node, entering = stack.pop()
        if isinstance(node, Tag):
            if not entering:
                if node.name in _HTML_BLOCKS:
                    out.flush()
                continue
            if node is not root and _html_dropped(node):
                continue
            if node.name == "br":
                out.line_break()
                continue
            if node.name == "pre":
                out.verbatim(node.get_text())
                continue
            if node.name in _HTML_BLOCKS:
                out.flush()
            elif node.name in ("td", "th"):
                out.cell()
            stack.append((node, False))
            stack.extend((child, True) for child in reversed(node.contents))
        elif type(node) in (NavigableString, CData):  # not comments, doctypes, scripts
            out.text(str(node))
    out.flush()
    return out.done


def _first_h1(root: Tag) -> str | None:
    """Text of the first ``<h1>`` under ``root`` that is not inside dropped page furniture."""
    for h1 in root.find_all("h1"):
        if not isinstance(h1, Tag):
            continue
        node: Tag | None = h1
        hidden = False
        while node is not None and node is not root:
            if _html_dropped(node):
                hidden = True
                break
            node = node.parent
        text = " ".join(h1.get_text(" ", strip=True).split())
        if not hidden and text:
            return text
    return None
