"""Generated corpora and the builds the reliability checks run: deterministic and model-free."""

from __future__ import annotations

import random
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from seminar_qa.answering import Assistant
from seminar_qa.index import SeminarIndex
from seminar_qa.settings import Settings

_WORDS = (  # noqa: SIM905 - a sentence is easier to read than 30 quoted words
    "seminar portal teacher district school digital learning robotics club library open "
    "resources education bureau science mathematics geography music museum garden river "
    "curriculum workshop platform student reading laboratory computing language history"
).split()

QUESTIONS = (
    "Which school runs the robotics club?",
    "What did the district bureau present about the digital portal?",
    "museum garden river geography",
    "codeword17 report",
    "Who spoke about open resources in the library?",
)


def generate_corpus(folder: Path, count: int, *, seed: int = 1, prefix: str = "doc") -> None:
    """Write ``count`` Markdown reports of about 3,000 characters each (deterministic)."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(count):
        paragraphs = []
        for _ in range(6):
            sentences = []
            for _ in range(5):
                sentence = " ".join(rng.choice(_WORDS) for _ in range(12))
                sentences.append(sentence.capitalize() + ".")
            paragraphs.append(" ".join(sentences))
        body = "\n\n".join(paragraphs)
        (folder / f"{prefix}-{number:03d}.md").write_text(
            f"# Report {number} codeword{number} {prefix}\n\n{body}\n", encoding="utf-8"
        )


def ranked_ids(index: SeminarIndex, questions: Sequence[str] = QUESTIONS, k: int = 5) -> list[str]:
    """The passage ids ``index`` ranks for each question, one space-joined string per question."""
    answers = Assistant(index).answer_batch(questions, k)
    return [" ".join(h.passage.passage_id for h in answer.hits) for answer in answers]


def hashing_settings(corpus: Path, index: Path) -> Settings:
    """Settings for a build of ``corpus`` into ``index`` with the hashing embedder."""
    return Settings(corpus_dir=corpus, index_dir=index, embedder="hashing")


def build_command(corpus: Path, index: Path) -> list[str]:
    """The `seminar-qa build` command line for a quiet hashing build (run with this Python)."""
    return [
        *(sys.executable, "-m", "seminar_qa.cli", "build", "--quiet"),
        *("--corpus", str(corpus), "--index", str(index), "--embedder", "hashing"),
    ]


def start_build(corpus: Path, index: Path) -> subprocess.Popen[bytes]:
    """Start `seminar-qa build` as a child process with its output captured."""
    return subprocess.Popen(
        build_command(corpus, index), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
