"""Damaged indexes: ways to break an index on disk, and the check that every reader refuses it."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

from seminar_qa.errors import IndexFormatError
from seminar_qa.index import MANIFEST, SeminarIndex
from seminar_qa.pipeline import index_status
from seminar_qa.testing.corpora import hashing_settings


def truncate_vectors(index: Path) -> str:
    """Cut the first FAISS file of the index to half its length."""
    path = sorted(index.glob("vectors-*.faiss"))[0]
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path.name


def edit_passages(index: Path) -> str:
    """Change one character of passages.jsonl, keeping its length (a hand edit)."""
    path = index / "passages.jsonl"
    data = bytearray(path.read_bytes())
    at = data.index(b'"text": "') + len(b'"text": "') + 2
    data[at] = ord("X") if data[at] != ord("X") else ord("Y")
    path.write_bytes(bytes(data))
    return path.name


def other_format_version(index: Path) -> str:
    """Rewrite the manifest as if another format version had written it."""
    path = index / MANIFEST
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["format_version"] = int(manifest["format_version"]) + 1
    path.write_text(json.dumps(manifest), encoding="utf-8")
    return path.name


DAMAGES: dict[str, Callable[[Path], str]] = {
    "truncated FAISS file": truncate_vectors,
    "hand-edited passages.jsonl": edit_passages,
    "manifest of another format version": other_format_version,
}


def check_damaged_index(reference: Path, work: Path, damage: Callable[[Path], str]) -> list[str]:
    """Copy the index at ``reference``, damage it, and check every reader refuses it clearly."""
    from click.testing import CliRunner

    from seminar_qa.cli import cli

    copy = work / "damaged-index"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(reference, copy)
    damage(copy)
    problems = []
    try:
        SeminarIndex.load(copy)
        problems.append("SeminarIndex.load accepted it")
    except IndexFormatError as error:
        if "seminar-qa build" not in str(error):
            problems.append(f"load error does not name `seminar-qa build`: {error}")
    state = index_status(hashing_settings(work / "no-corpus", copy)).state
    if state != "broken":
        problems.append(f"index_status said {state}")
    runner = CliRunner()
    status = runner.invoke(cli, ["status", "--index", str(copy), "--embedder", "hashing"])
    if f"Index {copy}: broken" not in status.output:
        problems.append(f"`seminar-qa status` said: {status.output!r}")
    ask = runner.invoke(cli, ["ask", "robotics club", "--index", str(copy)])
    if ask.exit_code != 1 or "seminar-qa build" not in ask.output or "answer:" in ask.output:
        problems.append(f"`seminar-qa ask` exit {ask.exit_code}: {ask.output[:200]!r}")
    if ask.exception is not None and not isinstance(ask.exception, SystemExit):
        problems.append(f"`seminar-qa ask` raised {ask.exception!r}")
    return problems
