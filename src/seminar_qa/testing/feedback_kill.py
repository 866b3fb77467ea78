"""SIGKILL of ``seminar-qa serve`` while clients post feedback: no acknowledged row may be lost.

Each trial starts a server process with its own feedback file, has a few clients post feedback
as fast as they can, kills the server with SIGKILL at a random moment, then opens the file: it must
pass SQLite's integrity check and hold every row the server answered 201 for, with the comment
that was sent.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from seminar_qa.testing.http import free_port, start_server, wait_for


@dataclass
class FeedbackKillReport:
    """Outcome of the trials: acknowledged rows, and any lost or unreadable."""

    tried: int = 0
    acknowledged: int = 0
    lost: int = 0
    unreadable: int = 0
    details: list[str] = field(default_factory=list)

    @property
    def failed_trials(self) -> int:
        """Trials that lost a row or left an unreadable file (at most one count per trial)."""
        return len({detail.split(":")[0] for detail in self.details})


def _post_until_refused(url: str, body: dict[str, object], tag: str, acked: dict[int, str]) -> None:
    with httpx.Client(base_url=url, timeout=5) as client:
        for number in range(100_000):
            comment = f"{tag}-{number}"
            try:
                response = client.post("/v1/feedback", json={**body, "comment": comment})
            except httpx.HTTPError:
                return  # the server is gone
            if response.status_code == 201:
                acked[int(response.json()["id"])] = comment


def feedback_kill_trials(
    index: Path, work: Path, trials: int, *, clients: int = 4, seed: int = 1
) -> FeedbackKillReport:
    """Run ``trials`` SIGKILL trials against servers of ``index``; feedback files go in ``work``."""
    rng = random.Random(seed)
    report = FeedbackKillReport()
    work.mkdir(parents=True, exist_ok=True)
    for trial in range(trials):
        database = work / f"feedback-{trial}.sqlite"
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        process = start_server(
            index,
            port,
            "--rate-limit",
            "0",
            log=work / f"server-{trial}.log",
            env={"SEMINAR_QA_FEEDBACK": str(database)},
        )
        try:
            wait_for(url + "/readyz", 120, process=process)
            hit = httpx.post(url + "/v1/ask", json={"question": "seminar report"}).json()["hits"][0]
            body = {"question": "seminar report", "passage_ids": [hit["passage_id"]]}
            acked: dict[int, str] = {}
            threads = [
                threading.Thread(
                    target=_post_until_refused,
                    args=(url, {**body, "verdict": "helpful"}, f"t{trial}c{n}", acked),
                )
                for n in range(clients)
            ]
            for thread in threads:
                thread.start()
            time.sleep(rng.uniform(0.3, 1.5))
        finally:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        for thread in threads:
            thread.join(timeout=30)
        report.tried += 1
        report.acknowledged += len(acked)
        try:
            with sqlite3.connect(database) as connection:
                check = connection.execute("PRAGMA integrity_check").fetchone()[0]
                stored = dict(connection.execute("SELECT id, comment FROM feedback").fetchall())
        except sqlite3.Error as error:
            report.unreadable += 1
            report.details.append(f"trial {trial}: unreadable ({error})")
            continue
        if check != "ok":
            report.unreadable += 1
            report.details.append(f"trial {trial}: integrity check says {check}")
        missing = [row for row, comment in acked.items() if stored.get(row) != comment]
        if missing:
            report.lost += len(missing)
            report.details.append(f"trial {trial}: lost acknowledged rows {missing[:5]}")
    return report
