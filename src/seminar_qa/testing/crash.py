"""Crash safety checks: builds killed with SIGKILL, two builds at once, serving while rebuilding.

Each runs ``seminar-qa build`` as a child process against generated corpora (hashing fake), and
compares what the index answers with what each corpus should give.
"""

from __future__ import annotations

import contextlib
import random
import shutil
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from seminar_qa.index import SeminarIndex, build_stamp
from seminar_qa.pipeline import build_index, index_status
from seminar_qa.testing.corpora import (
    build_command,
    generate_corpus,
    hashing_settings,
    ranked_ids,
    start_build,
)
from seminar_qa.testing.fakes import HashingEmbedder


@dataclass
class KillReport:
    """Outcome of the SIGKILL trials."""

    tried: int = 0
    kept_previous: int = 0
    new_complete: int = 0
    lost: int = 0
    details: list[str] = field(default_factory=list)


@dataclass
class Corpora:
    """Two generated corpora, the index built from one, and the answers each one gives."""

    paths: dict[str, Path]
    index: Path
    expected: dict[str, tuple[int, list[str]]]
    build_seconds: float


def prepare_corpora(work: Path, documents: int = 120) -> Corpora:
    """Corpus "a" and a larger corpus "b", their expected answers, and ``work/index`` built from a.

    Also times one full `seminar-qa build` child process (start-up included).
    """
    paths = {"a": work / "corpus-a", "b": work / "corpus-b"}
    generate_corpus(paths["a"], documents, seed=1)
    generate_corpus(paths["b"], documents + 20, seed=2, prefix="other")
    expected = {}
    for name, corpus in paths.items():
        reference = work / f"reference-{name}"
        build_index(hashing_settings(corpus, reference), embedders=[HashingEmbedder()])
        loaded = SeminarIndex.load(reference)
        expected[name] = (len(loaded), ranked_ids(loaded))
    index = work / "index"
    shutil.copytree(work / "reference-a", index)
    started = time.perf_counter()
    timed = subprocess.run(
        build_command(paths["b"], work / "timing-index"), capture_output=True, check=False
    )
    seconds = time.perf_counter() - started
    if timed.returncode != 0:
        raise RuntimeError(f"timing build failed: {timed.stderr.decode()}")
    return Corpora(paths, index, expected, seconds)


def sigkill_trials(corpora: Corpora, trials: int = 20, seed: int = 20241128) -> KillReport:
    """Kill `seminar-qa build` with SIGKILL at seeded random moments; check the index each time.

    Each trial builds the corpus the index does not hold. Afterwards the index must load and
    answer exactly like the previous corpus (the kill came first) or the new one (it came after
    the swap), and `index_status` must call it current for that corpus.
    """
    rng = random.Random(seed)
    report = KillReport()
    current = _classify(corpora)
    for trial in range(trials):
        target = "b" if current == "a" else "a"
        delay = rng.uniform(0.0, corpora.build_seconds)
        process = start_build(corpora.paths[target], corpora.index)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.communicate()
        report.tried += 1
        try:
            now = _classify(corpora)
        except Exception as error:
            report.lost += 1
            report.details.append(f"trial {trial} (kill at {delay:.2f} s): {error}")
            continue
        state = index_status(hashing_settings(corpora.paths[now], corpora.index)).state
        if state != "current":
            report.lost += 1
            report.details.append(f"trial {trial}: status {state} for corpus {now}")
        elif now == current:
            report.kept_previous += 1
        else:
            report.new_complete += 1
        current = now
    return report


def _classify(corpora: Corpora) -> str:
    """The corpus whose answers the index gives; raises ValueError when it matches neither."""
    loaded = SeminarIndex.load(corpora.index)
    seen = (len(loaded), ranked_ids(loaded))
    for name, expected in corpora.expected.items():
        if seen == expected:
            return name
    raise ValueError(f"the index answers like neither corpus ({seen[0]} passages)")


@dataclass
class LockReport:
    """Two builds at once, and a build after a killed one."""

    exit_codes: list[int]
    loser_message: str
    after_kill_exit: int
    killed_while_locked: bool


def _wait_for_lock(index: Path, pid: int, seconds: float = 20.0) -> bool:
    """Wait until a lock file beside ``index`` names ``pid`` (the build holds its lock)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for lock in index.parent.glob(f"*{index.name}*lock*"):
            with contextlib.suppress(OSError):
                if lock.read_text(encoding="utf-8").strip() == str(pid):
                    return True
        time.sleep(0.005)
    return False


def concurrent_builds(corpora: Corpora) -> LockReport:
    """Start two builds of one index at once; then kill -9 a build holding the lock and rebuild."""
    first = start_build(corpora.paths["a"], corpora.index)
    second = start_build(corpora.paths["a"], corpora.index)
    outputs = [p.communicate() for p in (first, second)]
    codes = [int(p.returncode) for p in (first, second)]
    loser = next((err.decode() for (_, err), code in zip(outputs, codes, strict=True) if code), "")
    victim = start_build(corpora.paths["b"], corpora.index)
    locked = _wait_for_lock(corpora.index, victim.pid)
    victim.send_signal(signal.SIGKILL)
    victim.communicate()
    after = subprocess.run(build_command(corpora.paths["a"], corpora.index), capture_output=True)
    return LockReport(codes, loser.strip(), after.returncode, locked)


@dataclass
class ServeReport:
    """Queries answered by a server that never reloads and by one that follows rebuilds."""

    errors: list[str] = field(default_factory=list)
    build_exit: int = -1
    served_old: int = 0
    served_during_build: int = 0
    wrong_old: int = 0
    reloads: int = 0
    served_new: int = 0
    wrong_new: int = 0


def serve_while_rebuilding(corpora: Corpora, seconds_after: float = 10.0) -> ServeReport:
    """Rebuild the index (a -> b) in a child process while two threads answer questions.

    One thread loaded the index once and must keep answering like corpus a; the other checks the
    build stamp before every query and reloads when it changes, and must end answering like b.
    """
    if _classify(corpora) != "a":
        shutil.rmtree(corpora.index)
        shutil.copytree(corpora.index.parent / "reference-a", corpora.index)
    report = ServeReport()
    stop = threading.Event()
    building = threading.Event()
    switched = threading.Event()
    old_answers, new_answers = corpora.expected["a"][1], corpora.expected["b"][1]
    loaded_once = SeminarIndex.load(corpora.index)

    def serve_old() -> None:
        while not stop.is_set():
            try:
                if ranked_ids(loaded_once) != old_answers:
                    report.wrong_old += 1
                report.served_old += 1
                if building.is_set():
                    report.served_during_build += 1
            except Exception as error:
                report.errors.append(f"old server: {error!r}")
            time.sleep(0.002)  # leave the build a core, as a real server between requests

    def follow() -> None:
        stamp = build_stamp(corpora.index)
        current = SeminarIndex.load(corpora.index)
        while not stop.is_set():
            try:
                now = build_stamp(corpora.index)
                if now != stamp:
                    current, stamp = SeminarIndex.load(corpora.index), now
                    report.reloads += 1
                answers = ranked_ids(current)
                if report.reloads:
                    report.served_new += 1
                    report.wrong_new += answers != new_answers
                    switched.set()
            except Exception as error:
                report.errors.append(f"reloader: {error!r}")
            time.sleep(0.01)

    threads = [threading.Thread(target=serve_old), threading.Thread(target=follow)]
    for thread in threads:
        thread.start()
    building.set()
    process = start_build(corpora.paths["b"], corpora.index)
    process.communicate()
    building.clear()
    report.build_exit = int(process.returncode)
    switched.wait(seconds_after)
    time.sleep(0.2)
    stop.set()
    for thread in threads:
        thread.join()
    return report
