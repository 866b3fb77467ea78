"""The visitor page in a real browser: Debian Chromium driven by Playwright against `streamlit run`.

Offline: the index is built in a temporary directory with the hashing embedder, the server listens
on 127.0.0.1 only, and Chromium runs with background networking off. Screenshots land in the
test's tmp_path and are copied to /tmp/screens/ for people to look at.
"""

from __future__ import annotations

import functools
import http.server
import io
import itertools
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

from seminar_qa.pipeline import build_index
from seminar_qa.settings import Settings
from seminar_qa.testing.http import free_port
from tests.conftest import CHINESE_DOC, SECOND_DOC, SEMINAR_DOC

if TYPE_CHECKING:
    from numpy.typing import NDArray

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parent.parent
SCREENS = Path("/tmp/screens")
TIMEOUT_MS = 20_000

HOSTILE_DOC = """---
title: Caretaker notes <b>bold</b>
date: 2024-09-01
---

The caretaker report mentions <script>window.__pwned2=1</script> in the boiler room.
The caretaker also saw <img src=x onerror="window.__pwned=1"> near the boiler.
"""

LINK_DOC = """---
title: Gardener notes
---

The gardener keeps the greenhouse schedule at [click](javascript:window.__js=1) for visitors.
The gardener also wrote <a href="javascript:window.__js=2">tap here</a> in the greenhouse margin.
"""

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"Debian Chromium not found at {CHROMIUM}"),
]


SERVED: dict[str, Path] = {}
"""The index folder behind each running server's URL."""


def server_index(url: str) -> Path:
    """The index folder the server at ``url`` answers from."""
    return SERVED[url]


def wait_healthy(url: str, server: subprocess.Popen[bytes], log: Path, seconds: float) -> None:
    """Poll Streamlit's health endpoint until it answers "ok"; fail with the server's log."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"streamlit exited with {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read().strip() == b"ok":
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    pytest.fail(f"streamlit was not healthy after {seconds} s:\n{log.read_text()}")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`streamlit run app.py` on a free port against a small index; stopped at teardown."""
    root = tmp_path_factory.mktemp("browser")
    corpus = root / "corpus"
    corpus.mkdir()
    shutil.copy(SEMINAR_DOC, corpus / SEMINAR_DOC.name)
    (corpus / "autumn-workshop.md").write_text(SECOND_DOC, encoding="utf-8")
    (corpus / "changning-exchange.md").write_text(CHINESE_DOC, encoding="utf-8")
    (corpus / "caretaker.md").write_text(HOSTILE_DOC, encoding="utf-8")
    (corpus / "gardener.md").write_text(LINK_DOC, encoding="utf-8")
    settings = Settings(corpus_dir=corpus, index_dir=root / "index", embedder="hashing")
    build_index(settings)
    env = {
        **os.environ,
        "SEMINAR_QA_INDEX": str(settings.index_dir),
        "SEMINAR_QA_CORPUS": str(corpus),
        "SEMINAR_QA_EMBEDDER": "hashing",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HOME": str(root),  # no ~/.streamlit credentials prompt or config from the real home
    }
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = root / "streamlit.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "streamlit", "run", str(REPO / "app.py")),
                *("--server.headless", "true", "--server.port", str(port)),
                *("--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"),
            ],
            cwd=REPO,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    SERVED[url] = settings.index_dir
    try:
        wait_healthy(url, process, log, seconds=30)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, with background networking off (never `playwright install`)."""
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Browser, server: str) -> Iterator[Page]:
    """A fresh visitor session on the page, loaded and showing the welcome message."""
    context = browser.new_context(viewport={"width": 1280, "height": 1300}, locale="en-US")
    tab = context.new_page()
    tab.set_default_timeout(TIMEOUT_MS)
    tab.goto(server)
    expect(tab.get_by_test_id("stChatInputTextArea")).to_be_visible()
    try:
        yield tab
    finally:
        context.close()


def ask(page: Page, question: str, *, answered: bool = True) -> tuple[Locator, float]:
    """Type ``question``, press Enter; return the answer's chat message and seconds until shown.

    The answer counts as shown when its highlight is visible, or (``answered=False``) when the
    chat message itself is.
    """
    messages = page.get_by_test_id("stChatMessage")
    before = messages.count()
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(question)
    started = time.perf_counter()
    box.press("Enter")
    answer = messages.nth(before + 1)  # the visitor's turn, then the answer
    # wait_for watches the page continuously; expect() would retry at growing intervals (up to
    # 1 s) and blur the measurement.
    (answer.locator("mark.answer").first if answered else answer).wait_for(state="visible")
    seconds = time.perf_counter() - started
    # The question comes back as typed ("？" stays "？").
    expect(messages.nth(before)).to_contain_text(question)
    return answer, seconds


def screenshot(page: Page, tmp_path: Path, name: str) -> Path:
    """Save a full-page screenshot in tmp_path and copy it to /tmp/screens/."""
    path = tmp_path / name
    page.screenshot(path=str(path), full_page=True)
    SCREENS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, SCREENS / name)
    return path


def test_english_question_shows_highlighted_answer_with_source(page: Page, tmp_path: Path) -> None:

    answer, seconds = ask(page, "How often does the robotics club meet?")
    expect(answer).to_contain_text("The club meets twice a week.")
    # The address bar now links to this answer (the link is tested below).
    expect(page).to_have_url(f"{page.url.split('?')[0]}?q=How+often+does+the+robotics+club+meet%3F")
    expect(answer.locator("mark.answer").first).to_contain_text("club")
    expect(answer).to_contain_text("Source: Autumn Workshop on Open Educational Resources")
    expect(answer).to_contain_text("Example Institute")
    expect(answer).to_contain_text("Confidence:")
    latency = tmp_path / "answer_latency.txt"
    latency.write_text(f"{seconds:.3f}\n", encoding="utf-8")
    print(f"\nEnter-to-answer latency: {seconds:.3f} s (saved to {latency})")
    assert seconds < 10
    assert screenshot(page, tmp_path, "english-question.png").stat().st_size > 10_000

    answer.get_by_role("button", name="Copy passage and citation").click()
    copy_box = page.get_by_test_id("stPopoverBody").get_by_test_id("stCode")
    expect(copy_box).to_contain_text("The club meets twice a week.")
    expect(copy_box).to_contain_text("— Autumn Workshop on Open Educational Resources")
    screenshot(page, tmp_path, "english-copy.png")
    page.keyboard.press("Escape")

    nothing, _ = ask(page, "zebra xylophone quantum", answered=False)
    expect(nothing).to_contain_text("This is not in these reports.")
    expect(nothing).to_contain_text("The reports cover:")
    expect(nothing.locator("mark.answer")).to_have_count(0)
    screenshot(page, tmp_path, "english-no-answer.png")


def test_chinese_interface_and_question(page: Page, tmp_path: Path) -> None:
    expect(page.locator("html")).to_have_attribute("lang", "en")
    # Chinese on the English page (a visitor's question, a name) is drawn by the theme's fonts.
    assert_simplified_forms(page, "门骨直将")
    expect(page).to_have_title("Seminar Q&A")
    page.get_by_test_id("stSidebar").get_by_text("中文", exact=True).click()
    expect(page.get_by_role("heading", name="研讨会问答")).to_be_visible()
    expect(page).to_have_title("研讨会问答")  # the browser tab too
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")  # read in Chinese
    expect(page.get_by_test_id("stChatInputTextArea")).to_have_attribute(
        "placeholder", "请输入关于研讨会的问题…"
    )
    answer, _ = ask(page, "交流会上教师们介绍了什么？")
    expect(answer.locator("mark.answer").first).to_have_text(
        "会上，教师们介绍了人工智能辅助备课的做法。"
    )
    expect(answer).to_contain_text("出处：长宁区数字教育交流会")
    expect(answer).to_contain_text("最佳段落")
    expect(answer.locator(".sqa-passage").first).to_have_attribute("lang", "zh-Hans")
    screenshot(page, tmp_path, "chinese-question.png")
    assert_glyphs_render(page, "研讨会问答最佳段落出处")


def test_a_link_opens_the_page_with_its_question_asked(browser: Browser, server: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 1300}, locale="en-US")
    try:
        tab = context.new_page()
        tab.set_default_timeout(TIMEOUT_MS)
        query = urllib.parse.urlencode({"q": "交流会上教师们介绍了什么？", "lang": "zh"})
        tab.goto(f"{server}/?{query}")
        answer = tab.get_by_test_id("stChatMessage").nth(2)  # welcome, question, answer
        expect(answer.locator("mark.answer").first).to_have_text(
            "会上，教师们介绍了人工智能辅助备课的做法。"
        )
        expect(tab.get_by_role("heading", name="研讨会问答")).to_be_visible()
        expect(tab).to_have_title("研讨会问答")
        expect(tab.locator("html")).to_have_attribute("lang", "zh-Hans")
    finally:
        context.close()


def assert_simplified_forms(page: Page, characters: str) -> None:
    """The page draws Chinese in its simplified (mainland) forms, not the Japanese ones.

    Noto CJK draws these characters differently per region (its simplified and Japanese faces
    differ by 8-28 grey levels on average here). Unmarked Chinese on this "en" page was drawn
    exactly as the Japanese face draws it (difference 0) until the theme's font list named the
    simplified face; now exactly as that face (2026-12-06). 问 is one form in both faces.
    """
    for char in characters:
        drawn = glyph(page, char)
        # After the page's Latin font, as the page has it: that font sets the line's baseline.
        simplified = glyph(page, char, '"Source Sans", "Noto Sans CJK SC"', "zh-Hans")
        japanese = glyph(page, char, '"Source Sans", "Noto Sans CJK JP"', "ja")
        assert float(np.abs(simplified - japanese).mean()) > 5, f"{char!r}: one form only"
        to_simplified = float(np.abs(drawn - simplified).mean())
        to_japanese = float(np.abs(drawn - japanese).mean())
        assert to_simplified < to_japanese, f"{char!r} is drawn in its Japanese form"


def glyph(page: Page, char: str, font: str = "", lang: str = "") -> NDArray[np.float32]:
    """One character rendered with the page's own fonts (or ``font`` in ``lang``), as a picture."""
    page.evaluate(
        """([char, font, lang]) => {
            const box = document.createElement('span');
            box.id = 'glyph-probe';
            box.textContent = char;
            box.style.cssText = 'display:inline-block;width:64px;height:64px;font-size:48px;' +
                'line-height:64px;background:#fff;color:#000';
            if (font) box.style.fontFamily = font;
            if (lang) box.lang = lang;  // Chromium picks a face of the .ttc by it too
            const title = document.querySelector('h1');  // in the page, with the page's fonts
            title.parentElement.insertBefore(box, title);
        }""",
        [char, font, lang],
    )
    probe = page.locator("#glyph-probe")
    page.evaluate("() => document.fonts.ready")
    # Chromium may paint a character before its fallback font is in: a blank square (every
    # pixel white, seen once in a full run, 2026-12-06; again for two characters after two
    # seconds of this, in a full run on a busy machine the same day). Nothing drawn is never
    # the answer, so the picture is taken again until something is, for up to ten seconds.
    for _ in range(100):
        picture = np.asarray(
            Image.open(io.BytesIO(probe.screenshot())).convert("L"), dtype=np.float32
        )
        if picture.min() < 128:
            break
        page.wait_for_timeout(100)
    page.evaluate("() => document.getElementById('glyph-probe').remove()")
    return picture


def assert_glyphs_render(page: Page, characters: str) -> None:
    """Every character draws its own glyph, not the empty box of a font that lacks it.

    A private-use character has no glyph in any font: it draws the box. Measured in Chromium
    here: without CJK fonts every Chinese character draws that same box (mean difference 0-1
    grey levels); with Debian's fonts-noto-cjk the page's characters differ from it by 40-54.
    """
    tofu = glyph(page, "\ue000")
    drawn = {char: glyph(page, char) for char in dict.fromkeys(characters)}
    for char, picture in drawn.items():
        difference = float(np.abs(picture - tofu).mean())
        assert difference > 15, f"{char!r} renders as an empty box (install fonts-noto-cjk)"
    pictures = list(drawn.values())
    for first, second in itertools.combinations(range(len(pictures)), 2):
        assert float(np.abs(pictures[first] - pictures[second]).mean()) > 5


def test_hostile_document_text_is_shown_literally_and_runs_nothing(
    page: Page, tmp_path: Path
) -> None:

    welcome = page.get_by_test_id("stChatMessage").first
    expect(welcome).to_contain_text("Caretaker notes <b>bold</b>")
    answer, _ = ask(page, "What did the caretaker see near the boiler?")
    expect(answer).to_contain_text("<script>window.__pwned2=1</script>")
    expect(answer).to_contain_text('<img src=x onerror="window.__pwned=1">')
    assert answer.locator("img, script").count() == 0
    assert page.evaluate("window.__pwned") is None
    assert page.evaluate("window.__pwned2") is None
    screenshot(page, tmp_path, "hostile-document.png")


def test_script_in_a_question_is_shown_literally_and_never_runs(page: Page, tmp_path: Path) -> None:
    question = "What about <script>window.__q=1</script> the boiler?"
    answer, _ = ask(page, question, answered=False)
    turn = page.get_by_test_id("stChatMessage").nth(
        page.get_by_test_id("stChatMessage").count() - 2
    )
    expect(turn).to_contain_text("<script>window.__q=1</script>")
    assert page.locator("[data-testid=stChatMessage] script").count() == 0
    assert page.evaluate("window.__q") is None
    expect(answer).to_be_visible()
    screenshot(page, tmp_path, "hostile-question.png")


def test_javascript_links_in_a_document_are_text_not_links(page: Page, tmp_path: Path) -> None:
    answer, _ = ask(page, "What does the gardener keep for the greenhouse?")
    expect(answer).to_contain_text("[click](javascript:window.__js=1)")
    expect(answer).to_contain_text('<a href="javascript:window.__js=2">tap here</a>')
    assert page.locator('a[href^="javascript:"]').count() == 0
    assert page.locator('[href*="javascript"]').count() == 0
    answer.get_by_text("click", exact=False).first.click()
    assert page.evaluate("window.__js") is None
    screenshot(page, tmp_path, "javascript-link-document.png")


@pytest.fixture
def portal(tmp_path: Path, server: str) -> Iterator[str]:
    """A plain HTML page of another site (another loopback port) that frames the assistant."""
    folder = tmp_path / "portal"
    folder.mkdir()
    (folder / "index.html").write_text(
        "<!doctype html><html><head><meta charset='utf-8'><title>Learning portal</title></head>"
        "<body><h1>UN Public Digital Learning Portal</h1>"
        f'<iframe src="{server}/?embed=true" title="Seminar Q&amp;A" '
        'style="width:100%;height:900px;border:0" allow="clipboard-write"></iframe>'
        "</body></html>",
        encoding="utf-8",
    )
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    site = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=site.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{site.server_address[1]}/index.html"
    finally:
        site.shutdown()
        site.server_close()


def test_the_page_works_framed_in_another_site_and_takes_feedback(
    browser: Browser, portal: str, server: str, tmp_path: Path
) -> None:
    assert portal.split("/")[2] != server.split("/")[2]  # another origin (port)
    context = browser.new_context(viewport={"width": 1100, "height": 1100}, locale="en-US")
    tab = context.new_page()
    tab.set_default_timeout(TIMEOUT_MS)
    try:
        tab.goto(portal)
        expect(tab.get_by_role("heading", name="UN Public Digital Learning Portal")).to_be_visible()
        frame = tab.frame_locator("iframe")
        box = frame.get_by_test_id("stChatInputTextArea")
        expect(box).to_be_visible()
        box.fill("How often does the robotics club meet?")
        box.press("Enter")
        answer = frame.get_by_test_id("stChatMessage").nth(2)
        expect(answer.locator("mark.answer").first).to_contain_text("club")
        expect(answer).to_contain_text("Source: Autumn Workshop on Open Educational Resources")
        screenshot(tab, tmp_path, "embedded-answer.png")

        answer.get_by_role("radio", name="Thumbs up").click()
        expect(answer).to_contain_text("your feedback was saved")
    finally:
        context.close()
    database = Path(server_index(server)).parent / "index.feedback.sqlite"
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT verdict, question FROM feedback").fetchall()
    assert ("helpful", "How often does the robotics club meet?") in rows
