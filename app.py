"""Visitor page: a chat that answers questions with highlighted passages from the seminar reports.

Thin by design: it renders and calls `seminar_qa`; retrieval, abstention and highlighting live in
the library. The index and model load once per process (``st.cache_resource``); a rebuilt index is
picked up on the next rerun because the cache is keyed by the manifest's build time.

Document text reaches the page in two ways only: escaped HTML (``html.escape`` via
``highlight_html``) or Markdown with every ASCII punctuation mark backslash-escaped (``md``), so a
report containing ``<script>`` or ``[link](…)`` shows that text literally.
"""

from __future__ import annotations

import html
import re
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import streamlit as st

from seminar_qa.answering import Assistant
from seminar_qa.errors import IndexNotFoundError, SeminarQAError
from seminar_qa.feedback import MAX_COMMENT_CHARS, FeedbackError, FeedbackRow, FeedbackStore
from seminar_qa.feedback import Verdict as FeedbackVerdict
from seminar_qa.i18n import LANGUAGES, labelled, text
from seminar_qa.index import SeminarIndex, build_stamp, resolve_index_dir
from seminar_qa.presentation import (
    DocumentSummary,
    citation,
    covered_documents,
    example_questions,
    highlight_html,
    html_lang,
    location,
)
from seminar_qa.records import Answer, Hit
from seminar_qa.retrieval import MAX_QUESTION_CHARS, EmptyQuestionError, shown_question
from seminar_qa.serving import warm_up
from seminar_qa.settings import Settings, feedback_path
from seminar_qa.text import Language, counted

# The chat box refuses more than this; between MAX_QUESTION_CHARS and this, the question is cut
# and the visitor is told so.
INPUT_LIMIT = MAX_QUESTION_CHARS * 4

# The page's link parameters: ``/?q=question&lang=zh`` (README, "The visitor page").
LINK_QUESTION = "q"
LINK_LANGUAGE = "lang"

STYLE = """
<style>
mark.answer { background: #fff1a8; color: inherit; padding: 0 .15em; border-radius: .2em; }
mark.answer strong.clause { background: #ffd84d; font-weight: 600; }
.sqa-passage { line-height: 1.6; white-space: normal; overflow-wrap: anywhere; }
.sqa-passage:lang(zh-Hant) { font-family: "Source Sans", "Noto Sans CJK TC", "Source Han Sans TC",
  "PingFang TC", "Microsoft JhengHei", sans-serif; }
.sqa-source { color: #555; font-size: .88em; margin-top: .2em; overflow-wrap: anywhere; }
</style>
"""

# The page's ``lang`` for each interface language. (A comment, not a docstring: Streamlit's
# "magic" would show a bare string of this script on the page, wherever the config is not read.)
PAGE_LANG: dict[Language, str] = {"en": "en", "zh": "zh-Hans"}

_MD_SPECIAL = re.compile(r"([!-/:-@\[-`{-~])")


def md(value: object) -> str:
    """Escape every ASCII punctuation mark so document text shows literally in Markdown."""
    return _MD_SPECIAL.sub(r"\\\1", str(value)).replace("\n", " ")


@st.cache_resource(show_spinner="Loading the index and model…", max_entries=2)
def load_assistant(index_dir: str, build: str) -> Assistant:
    """Load the index once per process and per build, and warm it up.

    The first question of each language pays for loading models and word lists (about a second
    each); asking one English and one Chinese question here moves that cost to the page load.
    """
    del build  # part of the cache key only
    return warm_up(Assistant(SeminarIndex.load(Path(index_dir))))


@st.cache_data(ttl=30, show_spinner=False)
def index_state(corpus_dir: str, index_dir: str, embedder: str, build: str) -> str:
    """Whether the index matches the corpus: "current", "stale" or "unknown" (cached 30 s)."""
    from seminar_qa.pipeline import index_status

    del build  # part of the cache key only: a rebuild is checked at once
    if not Path(corpus_dir).is_dir():
        return "unknown"
    settings = Settings.from_env(corpus_dir, index_dir, embedder)
    try:
        state = index_status(settings).state
    except (SeminarQAError, OSError):
        return "unknown"
    return state if state in ("current", "stale") else "unknown"


def open_assistant(settings: Settings) -> tuple[Assistant | None, str | None]:
    """The assistant of the current build, or None and (unless it is missing) what is wrong."""
    try:
        directory = resolve_index_dir(settings.index_dir)
        return load_assistant(str(directory), build_stamp(directory)), None
    except IndexNotFoundError:
        return None, None
    except (SeminarQAError, OSError) as error:
        return None, str(error)


def render_hit(hit: Hit, language: Language, *, key: str) -> None:
    """A passage with its answer sentence highlighted, its source, and a copy box."""
    lang = html_lang(hit.passage.text)
    st.markdown(
        f'<div class="sqa-passage" lang="{lang}">{highlight_html(hit)}</div>',
        unsafe_allow_html=True,
    )
    meta = hit.metadata
    details = [f"<b>{html.escape(hit.passage.title)}</b>"]
    if meta.get("date"):
        details.append(html.escape(text("held", language, date=meta["date"])))
    if meta.get("publisher"):
        details.append(html.escape(str(meta["publisher"])))
    if meta.get("published"):
        details.append(html.escape(text("published", language, date=meta["published"])))
    details.append(html.escape(location(hit, language)))
    # The label is the page's own text; the details are escaped above.
    source = labelled("source", language, " · ".join(details))
    st.markdown(f'<div class="sqa-source">{source}</div>', unsafe_allow_html=True)
    with st.popover(text("copy", language), icon=":material/content_copy:", key=f"copy-{key}"):
        st.caption(text("copy_help", language))
        st.code(f"“{hit.passage.text}”\n— {citation(hit)}", language=None, wrap_lines=True)


def render_coverage(items: list[DocumentSummary], language: Language) -> None:
    """A Markdown list of the indexed reports with their dates and publishers."""
    lines = []
    for item in items:
        when = [text("held", language, date=item.date)] if item.date else []
        if item.publisher:
            when.append(item.publisher)
        separator = text("list_separator", language)
        suffix = text("aside", language, value=separator.join(when)) if when else ""
        lines.append(f"- *{md(item.title)}*{md(suffix)}")
    st.markdown("\n".join(lines))


def render_answer(
    answer: Answer, language: Language, *, key: str, index: SeminarIndex, filtered: bool
) -> None:
    """One assistant turn: the best passage, the others in an expander, or an honest no.

    The closest passage (the reports may not say exactly this) comes with a plain caveat and no
    confidence label, so it never reads as a match.
    """
    if answer.truncated:
        st.info(text("truncated", language, limit=MAX_QUESTION_CHARS), icon="✂️")
    best = answer.best or answer.closest
    if best is None:
        st.markdown(f"**{text('not_found', language)}**")
        if filtered:
            st.markdown(text("not_found_filtered", language))
        st.markdown(text("covers", language))
        render_coverage(covered_documents(index), language)
        st.markdown(text("try_examples", language))
        return
    if answer.closest is not None:
        st.markdown(f"**{text('closest', language)}**", help=text("closest_help", language))
    else:
        label = text(f"conf_{answer.label}", language)
        st.markdown(
            f"**{text('best', language)}** · {labelled('confidence', language, label)}",
            help=text("confidence_help", language),
        )
    render_hit(best, language, key=f"{key}-0")
    others = answer.hits[1:]
    if others:
        with st.expander(text("more", language, count=len(others)), key=f"more-{key}"):
            for number, hit in enumerate(others, start=1):
                if number > 1:
                    st.divider()
                render_hit(hit, language, key=f"{key}-{number}")


def render_feedback(answer: Answer, language: Language, *, key: str, store: FeedbackStore) -> None:
    """Thumbs up or down on one answer, and an optional comment, stored as soon as given.

    The row is written on the first click; a changed mind or a comment updates the same row, so
    one answer counts once.
    """
    st.caption(text("feedback_prompt", language))
    choice = st.feedback("thumbs", key=f"fb-{key}")
    if choice is None:
        return
    verdict: FeedbackVerdict = "helpful" if choice == 1 else "not_helpful"
    saved: dict[str, dict[str, Any]] = st.session_state.setdefault("feedback_saved", {})
    session = st.session_state.setdefault("session_id", uuid.uuid4().hex)
    entry = saved.get(key)
    try:
        if entry is None:
            row = FeedbackRow.for_answer(answer, verdict, session=session)
            entry = saved[key] = {"id": store.add(row), "verdict": verdict, "comment": ""}
        elif entry["verdict"] != verdict:
            store.update(entry["id"], verdict=verdict)
            entry["verdict"] = verdict
        comment = st.text_input(
            text("feedback_comment", language), key=f"fbc-{key}", max_chars=MAX_COMMENT_CHARS
        )
        if comment.strip() != entry["comment"]:
            store.update(entry["id"], comment=comment.strip())
            entry["comment"] = comment.strip()
    except FeedbackError as error:
        st.warning(text("feedback_failed", language, reason=str(error)))
        return
    st.caption(text("feedback_thanks", language))


def ask(question: str) -> None:
    """Button callback: queue an example question for this rerun."""
    st.session_state["pending"] = question


def follow_link() -> None:
    """Take a link's question and interface language once per visit: ``/?q=…&lang=zh``.

    A portal can link (or frame) the page with a question asked, and the address bar of an
    answered question is such a link (``remember_question``), to share or bookmark.
    """
    if st.session_state.get("link_followed"):
        return
    st.session_state["link_followed"] = True
    language = st.query_params.get(LINK_LANGUAGE)
    if language in LANGUAGES:
        st.session_state["language"] = language
    question = st.query_params.get(LINK_QUESTION, "")
    if question.strip():
        st.session_state["pending"] = question[:INPUT_LIMIT]


def remember_question(question: str | None, language: Language) -> None:
    """Keep the address bar a link to the page as it is: its last question and its language."""
    if question is not None and question.strip():
        st.query_params[LINK_QUESTION] = question[:INPUT_LIMIT]
    if language == "en":
        st.query_params.pop(LINK_LANGUAGE, None)
    else:
        st.query_params[LINK_LANGUAGE] = language


def welcome(index: SeminarIndex, language: Language) -> None:
    """The first message: what the reports cover, and example questions as buttons."""
    items = covered_documents(index)
    reports = counted(len(items), "seminar report")
    st.markdown(text("welcome", language, count=len(items), reports=reports))
    render_coverage(items, language)
    st.markdown(text("welcome_hint", language))
    for number, question in enumerate(example_questions(index, language=language)):
        st.button(
            question,
            key=f"example-{number}",
            on_click=ask,
            args=(question,),
            icon=":material/help:",
        )


def clear_conversation() -> None:
    """Button callback: forget the conversation (and the question in the address bar)."""
    st.session_state["messages"] = []
    st.query_params.pop(LINK_QUESTION, None)


def built_label(built_at: str) -> str:
    """The build time as a visitor reads it: "2024-11-28 14:05 UTC" (or as recorded)."""
    try:
        moment = datetime.fromisoformat(built_at)
    except ValueError:
        return built_at
    if moment.tzinfo is not None:
        return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return moment.strftime("%Y-%m-%d %H:%M")


def sidebar(settings: Settings, index: SeminarIndex | None, language: Language) -> dict[str, Any]:
    """Index status and the visitor's choices: how many passages, which documents."""
    choices: dict[str, Any] = {"k": 3, "doc_ids": []}
    with st.sidebar:
        st.subheader(text("sidebar_status", language))
        if index is None:
            st.caption(text("state_none", language))
            return choices
        manifest = index.manifest
        state = index_state(
            str(settings.corpus_dir),
            str(settings.index_dir),
            settings.embedder,
            manifest.built_at + str(id(index)),
        )
        st.markdown(
            labelled("documents", language, f"**{len(manifest.documents)}**")
            + "  \n"
            + labelled("passages", language, f"**{manifest.passage_count}**")
            + "  \n"
            + labelled("built_at", language, md(built_label(manifest.built_at)))
        )
        if state == "current":
            st.success(text("state_current", language), icon=":material/check_circle:")
        elif state == "stale":
            st.warning(text("state_stale", language), icon=":material/update:")
        else:
            st.caption(text("state_unknown", language))
        st.divider()
        choices["k"] = st.slider(text("how_many", language), 1, 10, 3, key="k")
        titles = {doc.doc_id: doc.title for doc in index.documents.values()}
        # A rebuild may drop a document the visitor had chosen; keep only those still indexed.
        if "doc_filter" in st.session_state:
            st.session_state["doc_filter"] = [
                d for d in st.session_state["doc_filter"] if d in titles
            ]
        choices["doc_ids"] = st.multiselect(
            text("filter", language),
            options=list(titles),
            format_func=lambda doc_id: titles[doc_id],
            help=text("filter_help", language),
            placeholder=text("filter_all", language),
            key="doc_filter",
        )
        st.button(
            text("clear", language),
            key="clear",
            on_click=clear_conversation,
            icon=":material/delete_sweep:",
        )
    return choices


def respond(assistant: Assistant, question: str, choices: dict[str, Any]) -> list[dict[str, Any]]:
    """The conversation entries for one question: the question and the answer, or a notice."""
    try:
        answer = assistant.answer(question, k=choices["k"], documents=choices["doc_ids"])
    except EmptyQuestionError:
        return [{"role": "assistant", "notice": "empty", "values": {}}]
    except (SeminarQAError, OSError) as error:
        return [
            {"role": "user", "content": shown_question(question)},
            {"role": "assistant", "notice": "search_failed", "values": {"reason": str(error)}},
        ]
    return [
        # As typed ("？" stays "？"); the answer searched its normalised form.
        {"role": "user", "content": shown_question(question)},
        {
            "role": "assistant",
            "answer": answer,
            "filtered": bool(choices["doc_ids"]),
            # Unique per answer, so widget keys and stored feedback never pass to a later answer.
            "id": uuid.uuid4().hex[:12],
        },
    ]


def main() -> None:
    """Render the page."""
    follow_link()
    # The browser tab's title in the interface language (the radio below keeps its choice in the
    # session, so it is known before the radio is drawn).
    title = text("title", st.session_state.get("language", "en"))
    st.set_page_config(page_title=title, page_icon="💬", layout="centered")
    st.html(STYLE)
    with st.sidebar:
        language: Language = st.radio(
            text("language", "en"),
            options=list(LANGUAGES),
            format_func=lambda code: LANGUAGES[code],
            horizontal=True,
            key="language",
        )
    # The page's own language, which Streamlit leaves "en": screen readers read the 中文
    # interface's labels in Chinese (each passage carries its own, presentation.html_lang). A
    # constant script, no visitor or document text in it.
    st.html(
        f"<script>document.documentElement.lang = {PAGE_LANG[language]!r};</script>",
        unsafe_allow_javascript=True,
    )
    st.title(text("title", language))
    st.caption(text("subtitle", language))
    settings = Settings.from_env()
    assistant, problem = open_assistant(settings)
    index = assistant.index if assistant is not None else None
    choices = sidebar(settings, index, language)
    if assistant is None or index is None:
        if problem is None:
            st.error(text("missing_index", language), icon=":material/search_off:")
        else:
            st.error(text("broken_index", language), icon=":material/error:")
            with st.expander(text("staff_details", language)):
                st.code(problem, language=None, wrap_lines=True)
        return

    messages: list[dict[str, Any]] = st.session_state.setdefault("messages", [])
    # A fixed key keeps the box (and any half-typed question) when the language changes.
    typed = st.chat_input(text("input", language), max_chars=INPUT_LIMIT, key="question")
    question = typed if typed is not None else st.session_state.pop("pending", None)
    if question is not None:
        messages.extend(respond(assistant, question, choices))
    remember_question(question, language)

    store = FeedbackStore(feedback_path(settings.index_dir))
    with st.chat_message("assistant"):
        welcome(index, language)
    for number, message in enumerate(messages):
        with st.chat_message(message["role"]):
            if "content" in message:
                st.text(message["content"])
            elif "answer" in message:
                key = message.get("id", f"m{number}")
                render_answer(
                    message["answer"],
                    language,
                    key=key,
                    index=index,
                    filtered=message["filtered"],
                )
                render_feedback(message["answer"], language, key=key, store=store)
            else:
                st.warning(text(message["notice"], language, **message["values"]))


main()
