"""Shared fixtures: every path setting points into a temporary directory, and a fake embedder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from seminar_qa.answerability.antonyms import WORDNET
from seminar_qa.settings import Settings
from seminar_qa.testing.fakes import HashingEmbedder

REPO = Path(__file__).resolve().parent.parent
REPO_CORPUS = REPO / "corpus"
SEMINAR_DOC = REPO_CORPUS / "tec-seminar-2024-11-28.md"

SECOND_DOC = """---
title: Autumn Workshop on Open Educational Resources
date: 2024-10-10
publisher: Example Institute
language: en
---

# Autumn Workshop on Open Educational Resources

The workshop was opened by Professor Li Hua, who described the library of open textbooks.
Participants discussed licensing of open resources. They agreed on a shared catalogue.

In the afternoon, teachers from Pudong presented a robotics club that uses low-cost kits.
The club meets twice a week. It has forty members.
"""


CHINESE_DOC = """---
title: 长宁区数字教育交流会
date: 2024-12-05
publisher: 长宁区教育局
---

长宁区教育局组织了数字教育交流会。会上，教师们介绍了人工智能辅助备课的做法。

交流会的最后，代表们参观了区图书馆的电子阅览室。
"""


needs_wordnet = pytest.mark.skipif(
    not all((WORDNET / name).is_file() for name in ("data.adj", "index.noun", "verb.exc")),
    reason=f"no WordNet in {WORDNET} (`apt-get install wordnet-base`; .ci/run installs it)",
)
"""For the tests that check a table generated from WordNet's files against them."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The real-model and browser tiers are slow too: `make test-fast` leaves them out."""
    for item in items:
        if item.get_closest_marker("integration") or item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def env_setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point every path setting at the test's own temporary directory; never touch the home dir."""
    monkeypatch.setenv("SEMINAR_QA_INDEX", str(tmp_path / "env-index"))
    monkeypatch.setenv("SEMINAR_QA_CORPUS", str(tmp_path / "env-corpus"))
    monkeypatch.setenv("SEMINAR_QA_EMBEDDER", "hashing")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture
def embedder() -> HashingEmbedder:
    """The deterministic fake embedder of the fast tier."""
    return HashingEmbedder()


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A corpus folder with the seminar report and a second, unrelated report."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(SEMINAR_DOC, folder / SEMINAR_DOC.name)
    (folder / "autumn-workshop.md").write_text(SECOND_DOC, encoding="utf-8")
    return folder


@pytest.fixture
def settings(tmp_path: Path, corpus: Path) -> Settings:
    """Settings for a build of ``corpus`` into ``tmp_path/index`` with the fake embedder."""
    return Settings(corpus_dir=corpus, index_dir=tmp_path / "index", embedder="hashing")


def under_hash_seed(code: str, seed: int, *args: str) -> str:
    """What ``python -c code args`` prints in a process with ``PYTHONHASHSEED=seed``.

    A sum or an order taken over a set changes with the seed: two processes (the page, the API)
    must still give the same answers and two builds the same files.
    """
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONHASHSEED": str(seed)},
        timeout=300,
        check=True,
    ).stdout
