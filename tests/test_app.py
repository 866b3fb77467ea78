"""The visitor page, run headless by Streamlit's AppTest against small indexes built in tmp_path."""

from __future__ import annotations

import ast
import json
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

from seminar_qa.answering import Assistant
from seminar_qa.i18n import text
from seminar_qa.index import SeminarIndex, read_manifest
from seminar_qa.pipeline import build_index
from seminar_qa.policy import DEFAULT_POLICY, Answerability
from seminar_qa.presentation import citation, highlight_html, html_lang, location
from seminar_qa.records import Hit, Passage
from seminar_qa.retrieval import MAX_QUESTION_CHARS
from seminar_qa.settings import Settings, feedback_path
from tests.conftest import CHINESE_DOC

APP = Path(__file__).resolve().parent.parent / "app.py"
SEMINAR_TITLE = "The TEC Successfully Holds Seminar"
WORKSHOP_TITLE = "Autumn Workshop on Open Educational Resources"

HOSTILE_DOC = """---
title: Notes <b>bold</b> [link](javascript:alert(1))
date: 2024-09-01
---

The caretaker report mentions <script>window.__pwned2=1</script> in the boiler room.
The caretaker also saw <img src=x onerror="window.__pwned=1"> near the boiler.
"""


@pytest.fixture(autouse=True)
def clear_streamlit_caches() -> Iterator[None]:
    """The index cache lives in the process: start and end every test with it empty."""
    st.cache_resource.clear()
    st.cache_data.clear()
    yield
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture
def app_settings(corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """A built index of the two-report corpus (plus a Chinese one), and the app pointed at it."""
    (corpus / "changning-exchange.md").write_text(CHINESE_DOC, encoding="utf-8")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "app-index", embedder="hashing")
    build_index(settings)
    monkeypatch.setenv("SEMINAR_QA_INDEX", str(settings.index_dir))
    monkeypatch.setenv("SEMINAR_QA_CORPUS", str(settings.corpus_dir))
    return settings


def doc_id(settings: Settings, title: str) -> str:
    """The id of the indexed document whose title starts with ``title``."""
    manifest = read_manifest(settings.index_dir)
    return next(str(d.doc_id) for d in manifest.documents if str(d.title).startswith(title))


def start() -> AppTest:
    """Load the page once, as a visitor's first visit does."""
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def ask(at: AppTest, question: str) -> AppTest:
    """Type ``question`` into the chat box and submit it."""
    at.chat_input[0].set_value(question).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def markdown(at: AppTest) -> list[str]:
    """Every Markdown element's source on the page, sidebar included."""
    return [m.value for m in at.markdown]


def passages(at: AppTest) -> list[str]:
    """The HTML of every passage shown on the page."""
    return [m for m in markdown(at) if m.startswith('<div class="sqa-passage" ')]


def marked(passage_html: str) -> str:
    """The highlighted (answer) part of one passage's HTML."""
    assert passage_html.count('<mark class="answer">') == 1, passage_html
    return passage_html.split('<mark class="answer">')[1].split("</mark>")[0]


def sources(at: AppTest) -> list[str]:
    """The HTML of every source line shown on the page."""
    return [m for m in markdown(at) if m.startswith('<div class="sqa-source">')]


def test_page_loads_with_welcome_examples_and_status(app_settings: Settings) -> None:
    at = start()
    assert at.title[0].value == text("title")
    page = "\n".join(markdown(at))
    assert "Hello! I answer questions from 3 seminar reports:" in page
    assert "Autumn Workshop on Open Educational Resources" in page
    assert "held 2024\\-10\\-10" in page  # dates from the index, Markdown-escaped
    examples = [b for b in at.button if str(b.key).startswith("example-")]
    assert 3 <= len(examples) <= 5
    assert examples[0].label == "Which districts shared their digital education work?"
    sidebar = "\n".join(m.value for m in at.sidebar.markdown)
    assert "Documents: **3**" in sidebar and "Passages: **" in sidebar
    assert at.sidebar.success[0].value == text("state_current")
    assert at.chat_input[0].max_chars == MAX_QUESTION_CHARS * 4
    assert not passages(at)


def test_example_button_asks_it_and_shows_highlighted_passage(app_settings: Settings) -> None:
    at = start()
    at.button(key="example-1").click().run()
    assert not at.exception
    assert at.chat_message[1].text[0].value == (  # the visitor's turn shows the question
        "Who spoke for the Changning District Education Bureau?"
    )
    best = passages(at)[0]
    assert '<mark class="answer">Xiong Qiuju, Director of the Changning District' in best
    assert SEMINAR_TITLE in sources(at)[0]
    assert "held 2024-11-28" in sources(at)[0]
    assert "UNESCO Teacher Education Centre" in sources(at)[0]
    page = "\n".join(markdown(at))
    labels = [text(f"conf_{level}") for level in ("high", "medium", "low")]
    assert any(f"{text('confidence')}: {label}" in page for label in labels)  # words, no cosine
    copy = at.code
    assert any(
        "Xiong Qiuju" in c.value and "UNESCO Teacher Education Centre" in c.value for c in copy
    )


def test_typed_question_answers_from_the_right_report(app_settings: Settings) -> None:
    at = ask(start(), "How often does the robotics club meet?")
    best = passages(at)[0]
    assert "club" in marked(best) and "The club meets twice a week." in best
    assert WORKSHOP_TITLE in sources(at)[0]
    assert "Example Institute" in sources(at)[0]
    more = [e for e in at.expander if e.label.startswith("More passages")]
    assert len(more) == 1 and more[0].label == text("more", count=2)
    assert len(sources(at)) == 3  # every further passage names its source too


def test_passages_to_show_slider_limits_the_hits(app_settings: Settings) -> None:
    at = start()
    at.slider(key="k").set_value(1).run()
    ask(at, "How often does the robotics club meet?")
    assert len(passages(at)) == 1
    assert not [e for e in at.expander if e.label.startswith("More passages")]


def test_unanswerable_question_says_so_and_shows_no_passage(app_settings: Settings) -> None:
    at = ask(start(), "zebra xylophone quantum")
    page = "\n".join(markdown(at))
    assert text("not_found") in page
    assert text("covers") in page
    assert page.count(WORKSHOP_TITLE) == 2  # the welcome and the suggestion list
    assert not passages(at) and not sources(at)
    assert "<mark" not in page


@pytest.mark.parametrize("language", ["en", "zh"])
def test_closest_passage_comes_with_a_caveat_and_no_match_label(
    app_settings: Settings, language: str
) -> None:
    index = SeminarIndex.load(app_settings.index_dir)
    # Operating points for the hashing fake that make every answer the closest passage.
    index.policy = replace(
        DEFAULT_POLICY,
        answerability=Answerability(0.99, 0.0, 0.99, needs=("hashing",)),
        source="calibrated for this test",
    )
    index.save(app_settings.index_dir)
    at = start()
    if language == "zh":
        at.sidebar.radio(key="language").set_value("zh").run()
    at = ask(at, "How often does the robotics club meet?")
    page = "\n".join(markdown(at))
    assert f"**{text('closest', language)}**" in page  # type: ignore[arg-type]
    assert text("confidence", language) not in page  # type: ignore[arg-type]
    assert text("not_found", language) not in page  # type: ignore[arg-type]
    assert "twice a week" in passages(at)[0] and sources(at)


def test_chinese_question_and_chinese_interface(app_settings: Settings) -> None:
    at = start()
    at.radio(key="language").set_value("zh").run()
    assert not at.exception
    assert at.title[0].value == "研讨会问答"
    assert at.chat_input[0].placeholder == text("input", "zh")
    assert text("welcome", "zh", count=3, reports="") in "\n".join(markdown(at))
    ask(at, "交流会上教师们介绍了什么？")
    best = passages(at)[0]
    assert '<mark class="answer">会上，教师们介绍了人工智能辅助备课的做法。</mark>' in best
    source = sources(at)[0]
    assert source.startswith('<div class="sqa-source">出处：<b>长宁区数字教育交流会</b>')
    assert "举办于 2024-12-05" in source
    assert "changning-exchange.md，第 1 段" in source  # Chinese punctuation in Chinese labels
    page = "\n".join(markdown(at))
    assert f"**{text('best', 'zh')}** · 可信度：" in page
    assert "（举办于 2024\\-12\\-05" in page  # the welcome's list of reports
    sidebar = "\n".join(m.value for m in at.sidebar.markdown)
    assert "文档：**3**" in sidebar and "构建时间：" in sidebar
    at.radio(key="language").set_value("en").run()  # switching back re-renders the same answer
    assert f"**{text('best')}**" in "\n".join(markdown(at))
    assert passages(at)[0] == best


def test_doc_filter_limits_the_search(app_settings: Settings) -> None:
    at = start()
    assert WORKSHOP_TITLE in at.multiselect(key="doc_filter").options
    at.multiselect(key="doc_filter").select(doc_id(app_settings, WORKSHOP_TITLE)).run()
    ask(at, "Who spoke for the Changning District Education Bureau?")
    page = "\n".join(markdown(at))
    assert text("not_found") in page and text("not_found_filtered") in page
    assert not passages(at)

    at.multiselect(key="doc_filter").set_value([]).run()
    ask(at, "Who spoke for the Changning District Education Bureau?")
    assert SEMINAR_TITLE in sources(at)[0]


def test_filtered_hits_all_come_from_the_chosen_report(app_settings: Settings) -> None:
    at = start()
    at.multiselect(key="doc_filter").select(doc_id(app_settings, SEMINAR_TITLE)).run()
    ask(at, "Which districts shared their work on open educational resources?")
    assert sources(at)
    assert all(SEMINAR_TITLE in s for s in sources(at))


def test_overlong_question_is_capped_and_says_so(app_settings: Settings) -> None:
    question = "How often does the robotics club meet? " * 40
    at = ask(start(), question)
    assert at.info[0].value == text("truncated", limit=MAX_QUESTION_CHARS)
    shown = at.chat_message[1].text[0].value
    assert len(shown) <= MAX_QUESTION_CHARS and shown.startswith("How often does the robotics")
    assert passages(at)


@pytest.mark.parametrize("question", ["   ", "?!…", "\u200b\u202e"])
def test_empty_question_gets_a_plain_message(app_settings: Settings, question: str) -> None:
    at = ask(start(), question)
    assert at.warning[0].value == text("empty")
    assert not passages(at)


def test_missing_index_explains_how_to_build_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SEMINAR_QA_INDEX", str(tmp_path / "never-built"))
    at = start()
    assert at.error[0].value == text("missing_index")
    assert not at.chat_input
    assert at.sidebar.caption[0].value == text("state_none")


def _corrupt_passages(index: Path) -> None:
    with (index / "passages.jsonl").open("a", encoding="utf-8") as handle:
        handle.write('{"passage_id": "x"}\n')


def _corrupt_manifest_json(index: Path) -> None:
    (index / "manifest.json").write_text("{ not json", encoding="utf-8")


def _future_format(index: Path) -> None:
    manifest = json.loads((index / "manifest.json").read_text(encoding="utf-8"))
    manifest["format_version"] = 999
    (index / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def _vectors_missing(index: Path) -> None:
    manifest = json.loads((index / "manifest.json").read_text(encoding="utf-8"))
    vectors = [name for name in manifest["files"] if name.endswith(".faiss")]
    assert vectors
    for name in vectors:
        (index / name).unlink()


@pytest.mark.parametrize(
    ("damage", "detail"),
    [
        (_corrupt_passages, "damaged"),
        (_corrupt_manifest_json, "unreadable"),
        (_future_format, "format version 999"),
        (_vectors_missing, "missing"),
    ],
)
def test_broken_index_gets_a_clear_message(
    app_settings: Settings, damage: object, detail: str
) -> None:
    assert callable(damage)
    damage(app_settings.index_dir)
    at = start()
    assert at.error[0].value == text("broken_index")
    details = at.code
    assert details and detail in details[0].value and "seminar-qa build" in details[0].value
    assert not at.chat_input


def test_stale_index_is_flagged_in_the_sidebar(app_settings: Settings) -> None:
    (app_settings.corpus_dir / "late-addition.md").write_text(
        "# Late addition\n\nA report added after the build.\n", encoding="utf-8"
    )
    at = start()
    assert at.sidebar.warning[0].value == text("state_stale")
    assert at.chat_input  # a stale index still answers


def test_rebuilt_index_is_picked_up_without_restart(app_settings: Settings) -> None:
    at = start()
    assert "Documents: **3**" in "\n".join(m.value for m in at.sidebar.markdown)
    (app_settings.corpus_dir / "late-addition.md").write_text(
        "---\ntitle: Winter Gathering\n---\n\nThe winter gathering discussed glaciers.\n",
        encoding="utf-8",
    )
    build_index(app_settings)
    ask(at, "What did the winter gathering discuss?")
    assert "Documents: **4**" in "\n".join(m.value for m in at.sidebar.markdown)
    assert "Winter Gathering" in sources(at)[0]
    assert at.sidebar.success[0].value == text("state_current")


def test_hostile_document_text_is_shown_literally(app_settings: Settings) -> None:
    (app_settings.corpus_dir / "hostile.md").write_text(HOSTILE_DOC, encoding="utf-8")
    build_index(app_settings)
    at = ask(start(), "What did the caretaker report about the boiler room?")
    html_out = "\n".join(passages(at) + sources(at))
    assert "&lt;script&gt;window.__pwned2=1&lt;/script&gt;" in html_out
    assert "&lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt;" in html_out
    assert "<script" not in html_out and "<img" not in html_out
    welcome = "\n".join(m for m in markdown(at) if not m.startswith("<div"))
    assert "Notes \\<b\\>bold\\<\\/b\\> \\[link\\]\\(javascript\\:alert\\(1\\)\\)" in welcome
    assert "[link](javascript" not in welcome


def test_welcome_counts_one_report_in_the_singular(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (corpus / "autumn-workshop.md").unlink()
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "one-index", embedder="hashing")
    build_index(settings)
    monkeypatch.setenv("SEMINAR_QA_INDEX", str(settings.index_dir))
    monkeypatch.setenv("SEMINAR_QA_CORPUS", str(settings.corpus_dir))
    page = "\n".join(markdown(start()))
    assert "Hello! I answer questions from 1 seminar report:" in page


def test_clear_conversation_keeps_the_welcome(app_settings: Settings) -> None:
    at = ask(start(), "How often does the robotics club meet?")
    assert passages(at)
    at.sidebar.button(key="clear").click().run()
    assert not passages(at)
    assert text("welcome", count=3, reports="3 seminar reports") in "\n".join(markdown(at))


def _hit(passage_text: str, start: int, end: int) -> Hit:
    passage = Passage("p1", "d1", "A <Title>", 2, 0, len(passage_text), passage_text, page=4)
    meta = {"path": "reports/a.md", "publisher": "Centre", "date": "2024-11-28"}
    return Hit(passage, 0.9, 1, meta, start, end)


def test_a_passage_is_marked_with_its_language_and_script() -> None:
    # The browser picks the forms of Chinese characters by it (tests/test_browser.py).
    assert html_lang("The seminar was held in Shanghai (上海).") == "en"
    assert html_lang("研讨会在上海举行。") == "zh-Hans"
    # One character the table maps (乾 of 乾隆) does not make simplified text traditional.
    assert html_lang("乾隆年间的上海，研讨会在这里举行。") == "zh-Hans"
    assert html_lang("研討會在上海舉行。") == "zh-Hant"


def test_highlight_html_escapes_and_marks_only_the_answer() -> None:
    hit = _hit("Intro <b>x</b>.\nAnswer & more. Tail.", 16, 30)
    assert highlight_html(hit) == (
        'Intro &lt;b&gt;x&lt;/b&gt;.<br><mark class="answer">Answer &amp; more.</mark> Tail.'
    )
    assert "<mark" not in highlight_html(_hit("No answer span.", 0, 0))
    assert "<mark" not in highlight_html(_hit("Out of range.", 50, 80))


def test_citation_names_title_publisher_date_file_and_place() -> None:
    hit = _hit("Some text.", 0, 10)
    assert citation(hit) == "A <Title>. Centre. 2024-11-28. reports/a.md, passage 3, p. 4"
    # The source line's place, in each interface language's words and punctuation.
    assert location(hit, "en") == "reports/a.md, passage 3, page 4"
    assert location(hit, "zh") == "reports/a.md，第 3 段，第 4 页"


def test_public_config_is_in_effect_and_apptest_still_sees_errors(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    expected = {
        "server.headless": True,
        "server.fileWatcherType": "none",
        "server.runOnSave": False,
        "server.maxUploadSize": 1,
        "server.enableXsrfProtection": True,
        "server.enableCORS": True,
        "browser.gatherUsageStats": False,
        "client.toolbarMode": "viewer",
        "client.showErrorDetails": "none",
        "runner.magicEnabled": False,
    }
    monkeypatch.chdir(APP.parent)  # Streamlit reads ./.streamlit/config.toml
    try:
        options = st_config.get_config_options(force_reparse=True)
        for name, value in expected.items():
            assert options[name].value == value, name
            assert options[name].where_defined.endswith("config.toml"), name
        at = AppTest.from_string("raise RuntimeError('boom')").run()
        assert at.exception  # the redaction is for browsers; tests still see the failure
    finally:
        monkeypatch.undo()
        st_config.get_config_options(force_reparse=True)


def bare_strings(script: Path) -> list[str]:
    """Every string that stands alone as a statement in ``script``: docstrings and the like."""
    return [
        node.value.value
        for node in ast.walk(ast.parse(script.read_text(encoding="utf-8")))
        if isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    ]


def test_no_string_of_the_script_itself_reaches_the_page(app_settings: Settings) -> None:
    # Streamlit's "magic" writes a bare string of the main script to the page: an attribute
    # docstring in app.py once showed above the title. Neither the page's first view nor an
    # answer shows any of them.
    strings = [" ".join(s.split()[:6]) for s in bare_strings(APP)]
    assert len(strings) > 10  # the module's and every function's docstring
    at = ask(start(), "Who spoke for the Changning District Education Bureau?")
    shown = [e.value for e in (*at.markdown, *at.text, *at.caption)]
    shown = [" ".join(str(value).split()) for value in shown]
    leaked = [s for s in strings if any(s in value for value in shown)]
    assert not leaked


def opened_by_link(**parameters: str) -> AppTest:
    """The page opened by a link with these query parameters (``q``, ``lang``)."""
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.query_params.update(parameters)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_link_asks_its_question_and_the_address_bar_links_to_the_answer(
    app_settings: Settings,
) -> None:
    at = opened_by_link(q="交流会上教师们介绍了什么？", lang="zh")
    assert at.title[0].value == "研讨会问答"  # the link's interface language
    assert at.chat_message[1].text[0].value == "交流会上教师们介绍了什么？"  # as typed
    assert marked(passages(at)[0]) == "会上，教师们介绍了人工智能辅助备课的做法。"
    at.radio(key="language").set_value("en").run()  # a rerun does not ask it again
    assert len(passages(at)) == 3 and "lang" not in at.query_params
    ask(at, "Who spoke for the Changning District Education Bureau?")
    assert at.query_params["q"] == "Who spoke for the Changning District Education Bureau?"
    at.sidebar.button(key="clear").click().run()
    assert "q" not in at.query_params and not passages(at)


def test_a_link_with_a_blank_question_or_unknown_language_asks_nothing(
    app_settings: Settings,
) -> None:
    at = opened_by_link(q="   ", lang="fr")
    assert at.title[0].value == text("title") and not passages(at)
    assert len(at.chat_message) == 1  # the welcome only


def test_example_questions_follow_the_interface_language(app_settings: Settings) -> None:
    at = start()
    english = [b.label for b in at.button if str(b.key).startswith("example-")]
    assert english[0] == "Which districts shared their digital education work?"
    assert "长宁区教育局局长是谁？" in english  # one Chinese example shows that both work
    at.radio(key="language").set_value("zh").run()
    chinese = [b.label for b in at.button if str(b.key).startswith("example-")]
    assert chinese[0] == "长宁区教育局局长是谁？"
    assert len(chinese) == len(english)


def feedback_rows(settings: Settings) -> list[tuple[Any, ...]]:
    """The stored feedback rows of the page's index: verdict, comment, kind, source, question."""
    with sqlite3.connect(feedback_path(settings.index_dir)) as connection:
        return connection.execute(
            "SELECT verdict, comment, answer_kind, source, question, passage_ids, session "
            "FROM feedback ORDER BY id"
        ).fetchall()


def test_thumbs_store_one_row_per_answer_and_a_comment_updates_it(app_settings: Settings) -> None:
    at = ask(start(), "Who leads the Changning District Education Bureau?")
    assert len(at.feedback) == 1 and not feedback_path(app_settings.index_dir).exists()
    at.feedback[0].set_value(1).run()
    (row,) = feedback_rows(app_settings)
    assert row[:4] == ("helpful", None, "answered", "page")
    assert json.loads(row[5])[0] == passages_ids(app_settings, row[4])[0]
    assert any("feedback was saved" in c.value for c in at.caption)
    at.feedback[0].set_value(0).run()  # a changed mind updates the row, it adds none
    at.text_input(key=f"fbc-{at.session_state['messages'][1]['id']}").input("<b>wrong</b>").run()
    assert feedback_rows(app_settings) == [("not_helpful", "<b>wrong</b>", *row[2:])]
    ask(at, "What is the capital of France?")
    at.feedback[1].set_value(1).run()
    second = feedback_rows(app_settings)[1]
    assert second[:3] == ("helpful", None, "not_found") and json.loads(second[5]) == []
    assert second[6] == row[6]  # one random session id for the visitor's session


def passages_ids(settings: Settings, question: str) -> list[str]:
    """The passage ids the answer path ranks for ``question`` (what the page showed)."""
    answer = Assistant(SeminarIndex.load(settings.index_dir)).answer(question, k=3)
    return [hit.passage.passage_id for hit in answer.hits]


LONG_CHINESE_DOC = """---
title: 宝山区数字教育报告
date: 2024-12-06
---

宝山区教育局在报告中介绍了全区的数字教育工作，覆盖全区中小学和幼儿园，由区教育信息中心统一部署，前身为宝山区电化教育馆的信息中心负责平台运维，各校信息教师参与资源建设与培训工作。
"""


def test_a_long_chinese_sentence_has_its_clause_in_bold_inside_the_highlight(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (corpus / "baoshan-report.md").write_text(LONG_CHINESE_DOC, encoding="utf-8")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", embedder="hashing")
    build_index(settings)
    monkeypatch.setenv("SEMINAR_QA_INDEX", str(settings.index_dir))
    monkeypatch.setenv("SEMINAR_QA_CORPUS", str(settings.corpus_dir))
    at = ask(start(), "信息中心的前身是什么？")
    sentence = marked(passages(at)[0])
    assert sentence.startswith("宝山区教育局在报告中介绍了全区的数字教育工作")
    assert sentence.count('<strong class="clause">') == 1
    clause = sentence.split('<strong class="clause">')[1].split("</strong>")[0]
    assert "前身为宝山区电化教育馆的信息中心负责平台运维" in clause
    assert len(clause) < len(sentence) / 2
