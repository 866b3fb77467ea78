"""Question sets: question files (answer strings) and BEIR judgements, read into ``EvalQuestion``.

- a question file, one JSON object a line with ``question`` and ``answers`` (a passage is relevant
  when it contains one of the answers, compared after NFKC normalisation and case folding); an
  empty ``answers`` list marks a question the reports cannot answer;
- BEIR files, ``queries.jsonl`` (``_id``, ``text``) and ``qrels.tsv`` (``query-id``, ``corpus-id``,
  ``score``), where ``corpus-id`` is a passage id (``report.md#3``) or a document id
  (``report.md``); a query with no judgement above 0 is unanswerable.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from seminar_qa.errors import SeminarQAError
from seminar_qa.records import Passage
from seminar_qa.text import fold

GROUP_FIELDS = ("lang", "kind")
"""The fields metrics are broken down by."""


class QuestionFileError(SeminarQAError):
    """A question, query or qrels file with a line that cannot be read."""


@dataclass(frozen=True)
class EvalQuestion:
    """One question with its judgements: answer strings, or BEIR judgements by corpus id."""

    qid: str
    question: str
    answers: tuple[str, ...] = ()
    judged: dict[str, int] = field(default_factory=dict)
    lang: str | None = None
    kind: str | None = None
    gold: tuple[str, ...] = ()
    """Documents the answer is in (document ids, with or without the file extension)."""

    @property
    def answerable(self) -> bool:
        """Whether the question has an answer: answer strings, gold documents or judgements."""
        return (
            bool(self.answers)
            or bool(self.gold)
            or any(score > 0 for score in self.judged.values())
        )

    def in_gold(self, doc_id: str) -> bool:
        """Whether ``doc_id`` is one of the gold documents (``report.txt`` matches ``report``)."""
        return doc_id in self.gold or doc_id.rsplit(".", 1)[0] in self.gold

    def relevance(self, passage: Passage, relevant_docs: Collection[str] | None = None) -> int:
        """Relevance grade of ``passage`` (0 = not relevant).

        With answer strings a passage containing one of them has grade 1 (with gold documents,
        only a passage of one of them); with BEIR judgements the grade is the higher score of its
        passage id and its document id. ``relevant_docs``, when given, limits relevance to
        passages of those documents.
        """
        if relevant_docs is not None and passage.doc_id not in relevant_docs:
            return 0
        if self.judged:
            grade = max(self.judged.get(passage.passage_id, 0), self.judged.get(passage.doc_id, 0))
            return max(grade, 0)
        if self.gold and not self.in_gold(passage.doc_id):
            return 0
        return int(self.answered_by(passage.text))

    def answered_by(self, text: str) -> bool:
        """Whether ``text`` (a passage or a sentence) contains one of the answer strings."""
        folded = _folded(text)
        return any(_folded(a) in folded for a in self.answers if a.strip())


@functools.lru_cache(maxsize=65536)
def _folded(text: str) -> str:
    """:func:`fold`, cached: every question is judged against the same passages."""
    return fold(text)


def _read_jsonl_objects(path: Path) -> Iterable[tuple[int, dict[str, Any]]]:
    """Yield (line number, object) for each non-blank line; bad lines raise QuestionFileError."""
    try:
        lines = Path(path).read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise QuestionFileError(f"{path}: cannot be read ({error})") from error
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise QuestionFileError(
                f"{path} line {number}: not valid JSON ({error.msg}); write one JSON object a line"
            ) from None
        if not isinstance(row, dict):
            raise QuestionFileError(f"{path} line {number}: expected a JSON object")
        yield number, row


def _optional_text(path: Path, number: int, row: dict[str, Any], key: str) -> str | None:
    value = row.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise QuestionFileError(f"{path} line {number}: {key!r} must be a string")
    return value


def load_questions(path: Path) -> list[EvalQuestion]:
    """Read a question file: one JSON object a line with ``question`` and ``answers``.

    ``id`` defaults to the line number; ``lang``, ``kind`` and ``gold`` (the document the answer
    is in, ``""`` for none) are optional. Raises QuestionFileError naming the file and line of
    the first bad line.
    """
    questions: list[EvalQuestion] = []
    seen: dict[str, int] = {}
    for number, row in _read_jsonl_objects(path):
        text = row.get("question")
        if not isinstance(text, str) or not text.strip():
            raise QuestionFileError(f'{path} line {number}: lacks a non-empty "question" string')
        answers = row.get("answers", [])
        if not isinstance(answers, list) or not all(isinstance(a, str) for a in answers):
            raise QuestionFileError(
                f'{path} line {number}: "answers" must be a list of strings ([] = unanswerable)'
            )
        gold = row.get("gold", "")
        if isinstance(gold, str):
            gold = [gold] if gold.strip() else []
        if not isinstance(gold, list) or not all(isinstance(g, str) for g in gold):
            raise QuestionFileError(
                f'{path} line {number}: "gold" must be a document id or a list of them ("" = none)'
            )
        qid = str(row["id"]) if row.get("id") is not None else str(number)
        if qid in seen:
            raise QuestionFileError(
                f"{path} line {number}: duplicate id {qid!r} (first on line {seen[qid]})"
            )
        seen[qid] = number
        questions.append(
            EvalQuestion(
                qid=qid,
                question=text,
                answers=tuple(a for a in answers if a.strip()),
                lang=_optional_text(path, number, row, "lang"),
                kind=_optional_text(path, number, row, "kind"),
                gold=tuple(g.strip() for g in gold if g.strip()),
            )
        )
    if not questions:
        raise QuestionFileError(f"{path}: holds no questions; write one JSON object a line")
    return questions


def load_qrels(path: Path) -> dict[str, dict[str, int]]:
    """Read a BEIR ``qrels.tsv``: ``query-id``, ``corpus-id``, ``score``, tab-separated.

    The header line is optional. Returns query id -> corpus id -> score.
    """
    try:
        lines = Path(path).read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise QuestionFileError(f"{path}: cannot be read ({error})") from error
    qrels: dict[str, dict[str, int]] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        fields = line.rstrip("\r\n").split("\t")
        if number == 1 and fields[0].strip().lower() == "query-id":
            continue
        if len(fields) != 3:
            raise QuestionFileError(
                f"{path} line {number}: expected 3 tab-separated fields "
                f"(query-id, corpus-id, score), found {len(fields)}"
            )
        query_id, corpus_id, score_text = (f.strip() for f in fields)
        try:
            score = int(float(score_text))
        except ValueError:
            raise QuestionFileError(
                f"{path} line {number}: score {score_text!r} is not a number"
            ) from None
        qrels.setdefault(query_id, {})[corpus_id] = score
    return qrels


def load_beir(queries_path: Path, qrels_path: Path) -> list[EvalQuestion]:
    """Read BEIR ``queries.jsonl`` (``_id``, ``text``) with its ``qrels.tsv``, in query order.

    ``lang`` and ``kind`` are taken from the query row or its ``metadata``. A query without a
    judgement above 0 is unanswerable.
    """
    qrels = load_qrels(qrels_path)
    questions: list[EvalQuestion] = []
    seen: set[str] = set()
    for number, row in _read_jsonl_objects(queries_path):
        qid, text = row.get("_id"), row.get("text")
        if qid is None or not isinstance(text, str) or not text.strip():
            raise QuestionFileError(
                f'{queries_path} line {number}: lacks "_id" or a non-empty "text" string'
            )
        qid = str(qid)
        if qid in seen:
            raise QuestionFileError(f"{queries_path} line {number}: duplicate _id {qid!r}")
        seen.add(qid)
        metadata = row.get("metadata")
        if not isinstance(metadata, dict):
            metadata = {}
        merged = {**metadata, **{k: v for k, v in row.items() if k in GROUP_FIELDS}}
        questions.append(
            EvalQuestion(
                qid=qid,
                question=text,
                judged=dict(qrels.get(qid, {})),
                lang=_optional_text(queries_path, number, merged, "lang"),
                kind=_optional_text(queries_path, number, merged, "kind"),
            )
        )
    if not questions:
        raise QuestionFileError(f"{queries_path}: holds no queries")
    return questions
