"""Reliability: bad documents, damaged indexes, killed and concurrent builds, rebuilds, load.

The cases and checks come from ``seminar_qa.testing``, which `make reliability` runs too; the
tests assert on every part of each outcome.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings

from seminar_qa import ingestion
from seminar_qa.errors import IndexFormatError
from seminar_qa.index import SeminarIndex
from seminar_qa.ingestion import SkippedFile, load_corpus
from seminar_qa.ingestion.base import Extracted, ReadProblem, set_deadline
from seminar_qa.ingestion.readers import pdf
from seminar_qa.ingestion.readers import text as text_reader
from seminar_qa.pipeline import build_index, index_status
from seminar_qa.settings import Settings
from seminar_qa.testing import crash, damage, documents, feedback_kill, load
from seminar_qa.testing.fakes import HashingEmbedder

if TYPE_CHECKING:
    from numpy.typing import NDArray

# ---------------------------------------------------------------------------------------------
# Bad documents


@hsettings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=documents.document_cases())
def test_random_and_mangled_bytes_end_in_text_or_a_one_line_reason(
    tmp_path: Path, case: tuple[str, bytes]
) -> None:
    folder = tmp_path / "fuzz"
    folder.mkdir(exist_ok=True)
    extension, data = case
    assert documents.check_document_bytes(folder, f"fuzz{extension}", data) is None


def test_fixed_hostile_documents_end_in_text_or_a_reason(tmp_path: Path) -> None:
    documents.write_bad_documents(tmp_path / "corpus", tmp_path / "outside")
    assert documents.check_bad_documents(tmp_path / "corpus", seconds=0.5) == []
    assert {name for name, phrase in documents.BAD_DOCUMENTS.items() if phrase is None} == {
        "with spaces in the name.md",
        "中文报告.md",
        "-leading-dash.txt",
        "--help.md",
    }


def test_zip_bomb_is_refused_from_its_directory_without_inflating(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    documents.make_zip_bomb(tmp_path / "bomb.docx")
    assert (tmp_path / "bomb.docx").stat().st_size < 4 * 1024 * 1024

    def no_inflating(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("a zip member was decompressed")

    monkeypatch.setattr(zipfile.ZipExtFile, "read", no_inflating)
    started = time.perf_counter()
    result = load_corpus(tmp_path)
    assert time.perf_counter() - started < 2
    assert result.documents == []
    [skip] = result.skipped
    assert skip.path == "bomb.docx"
    assert skip.reason.startswith("zip bomb? it would expand to 2048 MB (limit 256 MB)")
    assert "\n" not in skip.reason


def test_small_zip_bomb_is_refused_by_its_compression_ratio(tmp_path: Path) -> None:
    documents.make_zip_bomb(tmp_path / "ratio.docx", expanded=64 * 1024 * 1024)
    result = load_corpus(tmp_path)
    [skip] = result.skipped
    assert skip.reason.startswith("zip bomb? its member 'word/document.xml' would expand ")
    assert "-fold to 64 MB" in skip.reason


def test_huge_file_is_refused_by_its_size_without_being_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with (tmp_path / "huge.txt").open("wb") as handle:
        handle.truncate(200 * 1024 * 1024)
    (tmp_path / "small.txt").write_text("The club meets twice a week.", encoding="utf-8")
    real_read = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        assert self.name != "huge.txt", "the oversized file was read"
        return real_read(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    started = time.perf_counter()
    result = load_corpus(tmp_path)
    assert time.perf_counter() - started < 1
    assert [d.doc_id for d in result.documents] == ["small.txt"]
    assert result.skipped == [
        SkippedFile(
            "huge.txt",
            "file of 200 MB is larger than the limit of 50 MB (max_file_bytes); "
            "split it or raise the limit",
        )
    ]


@pytest.fixture
def stuck_txt_reader(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Make the .txt reader hang on ``stuck.txt`` until the returned event is set."""
    release = threading.Event()
    real_reader = text_reader.read

    def reader(data: bytes, path: Path) -> Extracted:
        if path.name == "stuck.txt":
            release.wait(30)
        return real_reader(data, path)

    monkeypatch.setattr(text_reader, "read", reader)
    yield release
    release.set()


def test_a_file_over_the_time_limit_is_skipped_and_the_rest_is_read(
    tmp_path: Path, stuck_txt_reader: threading.Event
) -> None:
    (tmp_path / "stuck.txt").write_text("never finishes", encoding="utf-8")
    (tmp_path / "fine.txt").write_text("The club meets twice a week.", encoding="utf-8")
    started = time.perf_counter()
    result = load_corpus(tmp_path, max_file_seconds=0.3)
    assert time.perf_counter() - started < 2
    assert [d.doc_id for d in result.documents] == ["fine.txt"]
    [skip] = result.skipped
    assert skip.path == "stuck.txt"
    assert skip.reason.startswith("took longer than 0.3 s to read (max_file_seconds)")
    assert ingestion.MAX_FILE_SECONDS == 30.0


def test_time_limit_applies_to_each_pdf_page(tmp_path: Path) -> None:

    (tmp_path / "slow.pdf").write_bytes(documents.minimal_pdf(["Minutes of the robotics club."]))
    set_deadline(time.monotonic() - 1)  # this thread's file is already out of time
    try:
        with pytest.raises(ReadProblem, match="time limit"):
            pdf.read((tmp_path / "slow.pdf").read_bytes(), tmp_path / "slow.pdf")
    finally:
        set_deadline(None)
    assert pdf.read((tmp_path / "slow.pdf").read_bytes(), tmp_path).text


@pytest.mark.slow
def test_cli_build_over_hostile_files_warns_one_line_each_and_indexes_the_rest(
    tmp_path: Path,
) -> None:
    corpus = tmp_path / "corpus"
    documents.write_bad_documents(corpus, tmp_path / "outside")
    (corpus / "locked.txt").unlink()  # these two need in-process patching; covered above
    (corpus / "slow.htm").unlink()
    index = tmp_path / "index"
    command = [sys.executable, "-m", "seminar_qa.cli", "build", "--quiet"]
    command += ["--corpus", str(corpus), "--index", str(index), "--embedder", "hashing"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Indexed ") and "from 4 documents, skipped 7 files" in done.stdout
    assert "Traceback" not in done.stderr
    warnings = done.stderr.strip().splitlines()
    assert len(warnings) == 7
    for name, phrase in documents.BAD_DOCUMENTS.items():
        if phrase is not None and name not in ("locked.txt", "slow.htm"):
            assert any(w.startswith(f"warning: skipped {name}: ") and phrase in w for w in warnings)
    loaded = SeminarIndex.load(index)
    assert {p.doc_id for p in loaded.passages} == {
        "with spaces in the name.md",
        "中文报告.md",
        "-leading-dash.txt",
        "--help.md",
    }


# ---------------------------------------------------------------------------------------------
# Damaged index files


@pytest.mark.parametrize("breaks", list(damage.DAMAGES.values()), ids=list(damage.DAMAGES))
def test_damaged_index_is_refused_clearly_and_reported_broken(
    settings: Settings, tmp_path: Path, breaks: Callable[[Path], str]
) -> None:
    build_index(settings, embedders=[HashingEmbedder()])
    assert damage.check_damaged_index(settings.index_dir, tmp_path, breaks) == []
    breaks(settings.index_dir)
    with pytest.raises(IndexFormatError, match="seminar-qa build"):
        SeminarIndex.load(settings.index_dir)
    assert index_status(settings).state == "broken"


# ---------------------------------------------------------------------------------------------
# Crash safety, locking, serving while rebuilding


# Child processes that build, get killed and race each other: the slow tier.
crash_checks = pytest.mark.slow


@pytest.fixture(scope="module")
def corpora(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Two generated corpora of ~50 reports, and an index built from the first."""
    return crash.prepare_corpora(tmp_path_factory.mktemp("crash"), documents=50)


@crash_checks
def test_sigkill_at_random_moments_never_loses_the_index(corpora: Any) -> None:
    report = crash.sigkill_trials(corpora, trials=20, seed=7)
    assert report.tried == 20
    assert report.lost == 0, report.details
    assert report.kept_previous + report.new_complete == 20
    assert report.kept_previous > 0  # some kills did land inside the build


@crash_checks
def test_two_builds_at_once_one_waits_out_and_a_dead_build_holds_no_lock(
    corpora: Any,
) -> None:
    report = crash.concurrent_builds(corpora)
    assert sorted(report.exit_codes) == [0, 1]
    assert "another build of" in report.loser_message and "is running" in report.loser_message
    assert "Traceback" not in report.loser_message
    assert report.killed_while_locked
    assert report.after_kill_exit == 0
    SeminarIndex.load(corpora.index)


@crash_checks
def test_serving_continues_during_a_rebuild_and_the_reloader_switches(corpora: Any) -> None:
    report = crash.serve_while_rebuilding(corpora)
    assert report.build_exit == 0
    assert report.errors == []
    assert report.served_during_build > 0
    assert report.wrong_old == 0
    assert report.reloads == 1
    assert report.served_new > 0 and report.wrong_new == 0


# ---------------------------------------------------------------------------------------------
# Load


def test_eight_threads_two_thousand_queries_match_sequential_answers(settings: Settings) -> None:
    build_index(settings, embedders=[HashingEmbedder()])
    index = SeminarIndex.load(settings.index_dir)
    report = load.load_run(index, threads=8, total=2000, k=3)
    assert (report.queries, report.threads) == (2000, 8)
    assert report.errors == 0
    assert report.mismatches == 0


class _DriftingEmbedder(HashingEmbedder):
    """Every other question vector is nudged: answers then differ from one call to the next."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0
        self.lock = threading.Lock()

    def encode_queries(self, texts: Sequence[str]) -> NDArray[np.float32]:
        with self.lock:
            self.calls += 1
            drift = self.calls % 2 == 0
        rows = super().encode_queries(texts)
        return rows + np.float32(0.05) if drift else rows


def test_load_run_counts_answers_that_differ_from_the_sequential_ones(settings: Settings) -> None:
    build_index(settings, embedders=[HashingEmbedder()])
    index = SeminarIndex.load(settings.index_dir, [_DriftingEmbedder()])
    report = load.load_run(index, threads=4, total=200, k=3)
    assert report.errors == 0
    assert 0 < report.mismatches < report.queries


@crash_checks
def test_sigkill_of_the_api_during_feedback_posts_loses_no_acknowledged_row(
    corpora: Any, tmp_path: Path
) -> None:
    # Three trials here (about 7 s each); `make reliability` runs 20 and records the table.
    report = feedback_kill.feedback_kill_trials(corpora.index, tmp_path, trials=3, seed=3)
    assert report.tried == 3 and report.acknowledged > 30, report
    assert report.details == [] and report.lost == 0 and report.unreadable == 0
