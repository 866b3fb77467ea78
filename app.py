"""Visitor page: a chat that answers questions with highlighted passages from the seminar reports.

Thin by design: it renders and calls `seminar_qa`; retrieval, abstention and highlighting live in
the library. The index and model load once per process (``st.cache_resource``); a rebuilt index is
picked up on the next question because the cache is keyed by the manifest's build time.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import streamlit as st

from seminar_qa.answering import (
    Answer,
    answer_question,
    citation,
    coverage,
    example_questions,
    highlight_html,
)
from seminar_qa.errors import IndexNotFoundError, SeminarQAError
from seminar_qa.i18n import LANGUAGES, Language, text
from seminar_qa.index import SeminarIndex, read_manifest, resolve_index_dir
from seminar_qa.records import Hit
from seminar_qa.retrieval import MAX_QUESTION_CHARS, EmptyQuestionError
from seminar_qa.settings import Settings

STYLE = """
<style>
mark.answer { background: #fff1a8; color: inherit; padding: 0 .15em; border-radius: .2em; }
.sqa-passage { line-height: 1.55; }
.sqa-source { color: #555; font-size: .9em; }
</style>
"""


@st.cache_resource(show_spinner="Loading the index and model…", max_entries=2)
def load_index(index_dir: str, built_at: str) -> SeminarIndex:
    """Load the index once per process and per build; warm the model so the first answer is fast."""
    del built_at  # part of the cache key only
    index = SeminarIndex.load(Path(index_dir))
    index.embedder.encode_queries(["warm up"])
    return index


@st.cache_data(ttl=30, show_spinner=False)
def index_state(corpus_dir: str, index_dir: str, embedder: str) -> str:
    """Whether the index matches the corpus: "current", "stale" or "unknown" (cached 30 s)."""
    from seminar_qa.pipeline import index_status

    if not Path(corpus_dir).is_dir():
        return "unknown"
    settings = Settings.from_env(corpus_dir, index_dir, embedder)
    try:
        return index_status(settings).state
    except SeminarQAError:
        return "unknown"


def current_index(settings: Settings) -> SeminarIndex:
    """The loaded index of the current build; raises SeminarQAError when there is none."""
    directory = resolve_index_dir(settings.index_dir)
    manifest = read_manifest(directory)
    return load_index(str(directory), manifest.built_at)


def render_hit(hit: Hit, language: Language, *, key: str) -> None:
    """A passage with its answer sentence highlighted, its source, and a copy box."""
    passage_html = highlight_html(hit)
    st.markdown(f'<div class="sqa-passage">{passage_html}</div>', unsafe_allow_html=True)
    meta = hit.metadata
    details = [html.escape(hit.passage.title)]
    if meta.get("date"):
        details.append(html.escape(text("held", language, date=meta["date"])))
    if meta.get("published"):
        details.append(html.escape(text("published", language, date=meta["published"])))
    if meta.get("publisher"):
        details.append(html.escape(str(meta["publisher"])))
    where = text("passage_no", language, number=hit.passage.position + 1)
    if hit.passage.page:
        where += ", " + text("page", language, page=hit.passage.page)
    details.append(html.escape(f"{meta.get('path', hit.passage.doc_id)}, {where}"))
    st.markdown(
        f'<div class="sqa-source">{text("source", language)}: {" · ".join(details)}</div>',
        unsafe_allow_html=True,
    )
    with st.popover(text("copy", language)):
        st.code(f"“{hit.passage.text}”\n— {citation(hit)}", language=None, wrap_lines=True)


def render_answer(answer: Answer, language: Language, *, key: str, index: SeminarIndex) -> None:
    """One assistant turn: the best passage, the others in an expander, or an honest no."""
    if answer.truncated:
        st.info(text("truncated", language, limit=MAX_QUESTION_CHARS))
    best = answer.best
    if best is None:
        st.markdown(f"**{text('not_found', language)}**")
        topics = "\n".join(f"- {html.escape(c.title)}" for c in coverage(index))
        st.markdown(f"{text('covers', language)}\n{topics}")
        return
    label = text(f"conf_{answer.label}", language)
    st.markdown(f"**{text('best', language)}** · {text('confidence', language)}: {label}")
    render_hit(best, language, key=f"{key}-0")
    others = answer.hits[1:]
    if others:
        with st.expander(text("more", language, count=len(others))):
            for number, hit in enumerate(others, start=1):
                if number > 1:
                    st.divider()
                render_hit(hit, language, key=f"{key}-{number}")


def welcome(index: SeminarIndex, language: Language) -> None:
    """First-load message: what the reports cover, and example questions as buttons."""
    items = coverage(index)
    lines = [text("welcome", language, count=len(items))]
    for item in items:
        when = [text("held", language, date=item.date)] if item.date else []
        if item.publisher:
            when.append(item.publisher)
        suffix = f" ({'; '.join(when)})" if when else ""
        lines.append(f"- *{html.escape(item.title)}*{html.escape(suffix)}")
    lines.append("")
    lines.append(text("welcome_hint", language))
    st.markdown("\n".join(lines))
    for number, question in enumerate(example_questions(index)):
        if st.button(question, key=f"example-{number}"):
            st.session_state.pending = question


def sidebar(settings: Settings, index: SeminarIndex | None, language: Language) -> dict[str, Any]:
    """Index status and the visitor's choices: how many passages, which documents."""
    with st.sidebar:
        st.subheader(text("sidebar_status", language))
        choices: dict[str, Any] = {"k": 3, "doc_ids": []}
        if index is None:
            return choices
        manifest = index.manifest
        state = index_state(str(settings.corpus_dir), str(settings.index_dir), settings.embedder)
        st.markdown(
            f"{text('documents', language)}: **{len(manifest.documents)}**  \n"
            f"{text('passages', language)}: **{manifest.passage_count}**  \n"
            f"{text('built_at', language)}: {manifest.built_at}  \n"
            f"{text('state_' + state, language)}"
        )
        choices["k"] = st.slider(text("how_many", language), 1, 10, 3, key="k")
        titles = {doc.doc_id: doc.title for doc in index.documents.values()}
        choices["doc_ids"] = st.multiselect(
            text("filter", language),
            options=list(titles),
            format_func=lambda doc_id: titles[doc_id],
            help=text("filter_help", language),
            key="doc_filter",
        )
        if st.button(text("clear", language), key="clear"):
            st.session_state.messages = []
        return choices


def main() -> None:
    """Render the page."""
    st.set_page_config(page_title="Seminar Q&A", page_icon="💬", layout="centered")
    st.markdown(STYLE, unsafe_allow_html=True)
    with st.sidebar:
        language: Language = st.radio(
            text("language", "en"),
            options=list(LANGUAGES),
            format_func=lambda code: LANGUAGES[code],
            horizontal=True,
            key="language",
        )
    st.title(text("title", language))
    st.caption(text("subtitle", language))
    settings = Settings.from_env()
    index: SeminarIndex | None = None
    try:
        index = current_index(settings)
    except IndexNotFoundError:
        st.error(text("missing_index", language))
    except SeminarQAError as error:
        st.error(text("broken_index", language, reason=error))
    choices = sidebar(settings, index, language)
    if index is None:
        return

    messages: list[dict[str, Any]] = st.session_state.setdefault("messages", [])
    if not messages:
        with st.chat_message("assistant"):
            welcome(index, language)
    typed = st.chat_input(text("input", language), max_chars=MAX_QUESTION_CHARS * 4)
    question = typed or st.session_state.pop("pending", None)
    if question:
        try:
            answer = answer_question(index, question, k=choices["k"], doc_ids=choices["doc_ids"])
            messages.append({"role": "user", "content": answer.question})
            messages.append({"role": "assistant", "answer": answer})
        except EmptyQuestionError:
            messages.append({"role": "assistant", "notice": text("empty", language)})
        except SeminarQAError as error:
            messages.append(
                {"role": "assistant", "notice": text("search_failed", language, reason=error)}
            )
    for number, message in enumerate(messages):
        with st.chat_message(message["role"]):
            if "content" in message:
                st.text(message["content"])
            elif "answer" in message:
                render_answer(message["answer"], language, key=f"m{number}", index=index)
            else:
                st.warning(message["notice"])


main()
