"""Enter-to-answer time in a real browser against the real index and models.

Starts `streamlit run app.py` on a free port with the project's `index/` (build it first with
`seminar-qa build`), drives Debian's Chromium with Playwright, asks English and Chinese questions,
prints the seconds from pressing Enter to the highlighted answer being visible, and saves
screenshots under build/screens/. Usage: python bench/browser_latency.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

from seminar_qa.testing.http import free_port

REPO = Path(__file__).resolve().parent.parent
SCREENS = REPO / "build" / "screens"
QUESTIONS = [
    ("en", "Who leads the Changning District Education Bureau?"),
    ("en", "Which open digital resource did Songyi Experimental School use in STEM?"),
    ("en", "Which expert presented an AI model for training teachers?"),
    ("zh", "长宁区教育局局长是谁？"),
    ("zh", "这次研讨会是在哪里举行的？"),
]


def main() -> int:
    """Run the measurement; return the exit code."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    launched = time.perf_counter()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(REPO / "app.py"),
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=REPO,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(1200):
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.05)
        healthy = time.perf_counter() - launched
        SCREENS.mkdir(parents=True, exist_ok=True)
        times: list[float] = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=[
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--no-first-run",
                ],
            )
            page = browser.new_page(viewport={"width": 1280, "height": 1400})
            page.set_default_timeout(120_000)
            page.goto(url)
            box = page.get_by_test_id("stChatInputTextArea")
            box.wait_for(state="visible")
            ready = time.perf_counter() - launched
            messages = page.get_by_test_id("stChatMessage")
            for number, (language, question) in enumerate(QUESTIONS):
                before = messages.count()
                box.fill(question)
                started = time.perf_counter()
                box.press("Enter")
                messages.nth(before + 1).locator("mark.answer").first.wait_for(state="visible")
                seconds = time.perf_counter() - started
                times.append(seconds)
                print(f"{seconds:6.2f} s  [{language}] {question}")
                page.screenshot(path=str(SCREENS / f"real-{number}-{language}.png"), full_page=True)
            browser.close()
        first, rest = times[0], times[1:]
        print(
            f"server healthy {healthy:.2f} s and question box shown {ready:.2f} s after "
            f"`streamlit run`; first answer {first:.2f} s after Enter; then median "
            f"{statistics.median(rest):.2f} s, max {max(rest):.2f} s over {len(rest)} questions"
        )
        return 0
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    raise SystemExit(main())
