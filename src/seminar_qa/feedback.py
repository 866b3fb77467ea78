"""Visitor feedback on answers, kept in a SQLite file beside the index, and what it becomes.

Each row is one verdict ("helpful" or "not_helpful") on one answer: the question, its language,
the answer's passage ids, documents and answer sentence, an optional short comment, the time, and
a random session id (nothing else about the visitor). The file is in WAL mode with
``synchronous=FULL``, so a row whose insert returned survives a crash of the process or machine;
``PRAGMA user_version`` holds the schema version.

``export_questions`` turns helpful answers into a question file in the ``seminar-qa eval`` format
(the answer sentence as the answer string, its document as the gold); ``stats`` counts verdicts per
document and per ISO week.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from seminar_qa.errors import SeminarQAError
from seminar_qa.text import language_of

if TYPE_CHECKING:
    from seminar_qa.records import Answer

SCHEMA_VERSION = 1
MAX_COMMENT_CHARS = 500
Verdict = Literal["helpful", "not_helpful"]
VERDICTS: tuple[Verdict, ...] = ("helpful", "not_helpful")
ANSWER_KINDS = ("answered", "closest", "not_found")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY,
    created_at TEXT NOT NULL,
    session TEXT,
    source TEXT NOT NULL,
    question TEXT NOT NULL,
    language TEXT NOT NULL,
    passage_ids TEXT NOT NULL,
    doc_ids TEXT NOT NULL,
    answer TEXT NOT NULL,
    answer_kind TEXT NOT NULL,
    verdict TEXT NOT NULL CHECK (verdict IN ('helpful', 'not_helpful')),
    comment TEXT
);
CREATE INDEX IF NOT EXISTS feedback_created ON feedback (created_at);
"""


class FeedbackError(SeminarQAError):
    """A feedback file that cannot be opened or written, or a feedback value out of range."""


@dataclass(frozen=True)
class FeedbackRow:
    """One visitor's verdict on one answer."""

    question: str
    passage_ids: tuple[str, ...]
    doc_ids: tuple[str, ...]
    answer: str
    verdict: Verdict
    answer_kind: str = "answered"
    comment: str = ""
    session: str | None = None
    source: str = "page"

    def __post_init__(self) -> None:
        """Reject a verdict, comment or question no store should hold."""
        if self.verdict not in VERDICTS:
            raise FeedbackError(f"verdict {self.verdict!r}: use 'helpful' or 'not_helpful'")
        if len(self.comment) > MAX_COMMENT_CHARS:
            raise FeedbackError(
                f"the comment has {len(self.comment)} characters; keep it to {MAX_COMMENT_CHARS}"
            )
        if not self.question.strip():
            raise FeedbackError("feedback needs the question it is about")
        if self.answer_kind not in ANSWER_KINDS:
            raise FeedbackError(f"answer_kind {self.answer_kind!r}: use one of {ANSWER_KINDS}")
        if self.answer_kind != "not_found" and not self.passage_ids:
            raise FeedbackError("feedback on a passage needs the passage's id")

    @classmethod
    def for_answer(
        cls,
        answer: Answer,
        verdict: Verdict,
        *,
        comment: str = "",
        session: str | None = None,
        source: str = "page",
    ) -> FeedbackRow:
        """The feedback on ``answer`` as shown: its passages, or none when not in the reports."""
        hits = answer.hits if answer.answer_kind != "not_found" else []
        return cls(
            question=answer.question,
            passage_ids=tuple(hit.passage.passage_id for hit in hits),
            doc_ids=tuple(dict.fromkeys(hit.passage.doc_id for hit in hits)),
            answer=hits[0].answer if hits else "",
            verdict=verdict,
            answer_kind=answer.answer_kind,
            comment=comment,
            session=session,
            source=source,
        )


class FeedbackStore:
    """The feedback SQLite file at ``path`` (created with its schema on first write)."""

    def __init__(self, path: Path) -> None:
        """Use the file at ``path``; nothing is opened until the first call."""
        self.path = Path(path)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        # A connection per call: the page and the API call from many threads, and SQLite
        # connections must not cross threads; opening one costs well under a millisecond.
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=10.0, isolation_level=None)
        except (OSError, sqlite3.Error) as error:
            raise FeedbackError(
                f"cannot open the feedback file {self.path} ({error}); check the folder exists "
                "and is writable, or set SEMINAR_QA_FEEDBACK to another path"
            ) from error
        with closing(connection):
            try:
                connection.execute("PRAGMA journal_mode=WAL")
                connection.execute("PRAGMA synchronous=FULL")
                version = connection.execute("PRAGMA user_version").fetchone()[0]
                if version > SCHEMA_VERSION:
                    raise FeedbackError(
                        f"{self.path} has feedback schema {version}, newer than this version "
                        f"({SCHEMA_VERSION}); upgrade seminar-qa or use another file"
                    )
                if version < SCHEMA_VERSION:
                    connection.executescript(_SCHEMA)
                    connection.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
                yield connection
            except sqlite3.DatabaseError as error:
                raise FeedbackError(
                    f"the feedback file {self.path} is unreadable ({error}); move it aside and a "
                    "new one is started"
                ) from error

    def add(self, row: FeedbackRow, when: datetime | None = None) -> int:
        """Store ``row`` durably and return its id (the insert is committed before returning)."""
        created = (when or datetime.now(timezone.utc)).isoformat(timespec="seconds")
        with self._connect() as connection:
            cursor = connection.execute(
                "INSERT INTO feedback (created_at, session, source, question, language, "
                "passage_ids, doc_ids, answer, answer_kind, verdict, comment) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (
                    created,
                    row.session,
                    row.source,
                    row.question,
                    language_of(row.question),
                    json.dumps(list(row.passage_ids), ensure_ascii=False),
                    json.dumps(list(row.doc_ids), ensure_ascii=False),
                    row.answer,
                    row.answer_kind,
                    row.verdict,
                    row.comment or None,
                ),
            )
            return int(cursor.lastrowid or 0)

    def update(
        self, row_id: int, *, verdict: Verdict | None = None, comment: str | None = None
    ) -> None:
        """Change a stored row's verdict or comment (a visitor who changes their mind)."""
        if verdict is not None and verdict not in VERDICTS:
            raise FeedbackError(f"verdict {verdict!r}: use 'helpful' or 'not_helpful'")
        if comment is not None and len(comment) > MAX_COMMENT_CHARS:
            raise FeedbackError(f"the comment is over {MAX_COMMENT_CHARS} characters; shorten it")
        with self._connect() as connection:
            if verdict is not None:
                connection.execute("UPDATE feedback SET verdict=? WHERE id=?", (verdict, row_id))
            if comment is not None:
                connection.execute(
                    "UPDATE feedback SET comment=? WHERE id=?", (comment.strip() or None, row_id)
                )

    def rows(self) -> list[dict[str, Any]]:
        """Every stored row, oldest first, as plain dicts (lists decoded)."""
        if not self.path.exists():
            return []
        with self._connect() as connection:
            connection.row_factory = sqlite3.Row
            found = connection.execute("SELECT * FROM feedback ORDER BY id").fetchall()
        result = []
        for item in found:
            row = dict(item)
            row["passage_ids"] = json.loads(row["passage_ids"])
            row["doc_ids"] = json.loads(row["doc_ids"])
            result.append(row)
        return result


def export_questions(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Helpful answers as ``seminar-qa eval`` questions: one per distinct question and answer.

    The answer sentence is the answer string (a passage that contains it is relevant, so the
    question stays valid when the corpus is re-chunked) and its document is the gold. A helpful
    "not in these reports" becomes an unanswerable question (no answers). Unhelpful answers say
    what is wrong, not what is right, so they are counted by ``stats`` but not exported.
    """
    questions: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        refused = row["answer_kind"] == "not_found"
        if row["verdict"] != "helpful" or (not refused and not row["answer"].strip()):
            continue
        key = (" ".join(row["question"].split()), "" if refused else row["answer"])
        if key in questions:
            continue
        question: dict[str, Any] = {
            "id": f"feedback-{row['id']}",
            "question": key[0],
            "answers": [] if refused else [row["answer"]],
            "lang": row["language"],
            "kind": "feedback-unanswerable" if refused else "feedback",
        }
        if not refused:
            question["gold"] = row["doc_ids"][:1]
        questions[key] = question
    return list(questions.values())


def stats(rows: Sequence[dict[str, Any]]) -> dict[str, dict[str, dict[str, int]]]:
    """Verdict counts per document (the answer's first) and per ISO week (``2026-W49``)."""
    by_document: dict[str, dict[str, int]] = {}
    by_week: dict[str, dict[str, int]] = {}
    for row in rows:
        document = row["doc_ids"][0] if row["doc_ids"] else "(none)"
        year, week, _ = datetime.fromisoformat(row["created_at"]).isocalendar()
        for table, key in ((by_document, document), (by_week, f"{year}-W{week:02d}")):
            counts = table.setdefault(key, dict.fromkeys(VERDICTS, 0))
            counts[row["verdict"]] += 1
    return {
        "documents": dict(sorted(by_document.items())),
        "weeks": dict(sorted(by_week.items())),
    }
