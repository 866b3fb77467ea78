"""Question sets to metrics: judge which passages are relevant, rank, score, and tabulate.

Two kinds of judgements are read:

- a question file, one JSON object a line with ``question`` and ``answers`` (a passage is relevant
  when it contains one of the answers, compared after NFKC normalisation and case folding); an
  empty ``answers`` list marks a question the reports cannot answer;
- BEIR files, ``queries.jsonl`` (``_id``, ``text``) and ``qrels.tsv`` (``query-id``, ``corpus-id``,
  ``score``), where ``corpus-id`` is a passage id (``report.md#3``) or a document id
  (``report.md``); a query with no judgement above 0 is unanswerable.

Ranking metrics (Hit@k, MRR@10, nDCG@10, Recall@k) are computed with ranx over the answerable
questions that have at least one relevant passage in the index; abstention metrics over all
questions, the positive class being the unanswerable ones.
"""

from __future__ import annotations

import json
import math
import unicodedata
import warnings
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from seminar_qa.errors import SeminarQAError
from seminar_qa.records import Hit, Passage

if TYPE_CHECKING:
    from seminar_qa.index import SeminarIndex

Value = float | int | None
Metrics = dict[str, Value]

HIT_CUTOFFS = (1, 3, 5, 10)
COUNT_METRICS = ("questions", "answerable", "unanswerable", "unmatched", "abstained")
GROUP_FIELDS = ("lang", "kind")
UNSPECIFIED = "unspecified"


class QuestionFileError(SeminarQAError):
    """A question, query or qrels file with a line that cannot be read."""


class MetricSpecError(SeminarQAError):
    """A ``METRIC=VALUE`` minimum that names no metric or has no number."""


def normalize_text(text: str) -> str:
    """Fold ``text`` for answer matching: NFKC, case folding, whitespace runs to one space."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(unicodedata.normalize("NFKC", folded).split())


@dataclass(frozen=True)
class EvalQuestion:
    """One question with its judgements: answer strings, or BEIR judgements by corpus id."""

    qid: str
    question: str
    answers: tuple[str, ...] = ()
    judged: dict[str, int] = field(default_factory=dict)
    lang: str | None = None
    kind: str | None = None

    @property
    def answerable(self) -> bool:
        """Whether the question has an answer at all (answer strings or a positive judgement)."""
        return bool(self.answers) or any(score > 0 for score in self.judged.values())

    def relevance(self, passage: Passage, relevant_docs: Collection[str] | None = None) -> int:
        """Relevance grade of ``passage`` (0 = not relevant).

        With answer strings a passage containing one of them has grade 1; with BEIR judgements
        the grade is the higher score of its passage id and its document id. ``relevant_docs``,
        when given, limits relevance to passages of those documents.
        """
        if relevant_docs is not None and passage.doc_id not in relevant_docs:
            return 0
        if self.judged:
            grade = max(self.judged.get(passage.passage_id, 0), self.judged.get(passage.doc_id, 0))
            return max(grade, 0)
        text = normalize_text(passage.text)
        return int(any(normalize_text(a) in text for a in self.answers if a.strip()))

    def answered_by(self, sentence: str) -> bool:
        """Whether ``sentence`` contains one of the answer strings."""
        text = normalize_text(sentence)
        return any(normalize_text(a) in text for a in self.answers if a.strip())


@dataclass(frozen=True)
class QuestionResult:
    """What the system returned for one question, judged.

    ``ranking`` holds the returned passage ids, best first; ``relevant`` every relevant passage
    in the index with its grade; ``answer_sentence_ok`` whether the top passage is relevant and
    its answer sentence contains an answer (None when the question has no answer strings).
    """

    question: EvalQuestion
    ranking: tuple[str, ...]
    relevant: dict[str, int]
    abstained: bool
    answer_sentence_ok: bool | None = None
    confidence: float | None = None
    label: str | None = None
    hits: tuple[Hit, ...] = ()

    @property
    def first_relevant_rank(self) -> int | None:
        """1-based rank of the first relevant returned passage, or None."""
        for rank, passage_id in enumerate(self.ranking, start=1):
            if self.relevant.get(passage_id, 0) > 0:
                return rank
        return None

    @property
    def ranked(self) -> bool:
        """Whether the question counts in the ranking metrics: answerable, judged in the index."""
        return self.question.answerable and bool(self.relevant)

    def to_json(self, details: bool = False) -> dict[str, Any]:
        """The per-question entry of ``seminar-qa eval --json``; ``details`` adds the passages."""
        q = self.question
        row: dict[str, Any] = {
            "id": q.qid,
            "question": q.question,
            "lang": q.lang,
            "kind": q.kind,
            "answerable": q.answerable,
            "hit_rank": self.first_relevant_rank,
            "abstained": self.abstained,
            "answer_sentence_ok": self.answer_sentence_ok,
            "confidence": None if self.confidence is None else round(self.confidence, 4),
            "label": self.label,
        }
        if details:
            row["passages"] = [
                {**hit.to_json(), "relevant": self.relevant.get(hit.passage.passage_id, 0) > 0}
                for hit in self.hits
            ]
        return row


@dataclass(frozen=True)
class EvalReport:
    """Metrics overall and per group, and the judged result of every question."""

    k: int
    metrics: Metrics
    groups: dict[str, dict[str, Metrics]]
    results: tuple[QuestionResult, ...]

    def to_json(self, details: bool = False) -> dict[str, Any]:
        """The stable JSON shape of ``seminar-qa eval --json``."""
        return {
            "k": self.k,
            "metrics": self.metrics,
            "groups": self.groups,
            "questions": [r.to_json(details) for r in self.results],
        }

    def table(self, title: str | None = None) -> str:
        """A plain-text table: overall, then one row per language and per kind."""
        return format_table(self, title)


# --------------------------------------------------------------------------- loading


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

    ``id`` defaults to the line number; ``lang`` and ``kind`` are optional. Raises
    QuestionFileError naming the file and line of the first bad line.
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


# --------------------------------------------------------------------------- running


def judge(
    question: EvalQuestion,
    hits: Sequence[Hit],
    passages: Sequence[Passage],
    *,
    abstained: bool,
    relevant_docs: Collection[str] | None = None,
    confidence: float | None = None,
    label: str | None = None,
) -> QuestionResult:
    """Judge the ``hits`` returned for ``question`` against every passage of the index."""
    relevant = {}
    for passage in passages:
        grade = question.relevance(passage, relevant_docs)
        if grade > 0:
            relevant[passage.passage_id] = grade
    sentence_ok: bool | None = None
    if question.answers:
        top = hits[0] if hits else None
        sentence_ok = (
            top is not None
            and top.passage.passage_id in relevant
            and question.answered_by(top.answer)
        )
    return QuestionResult(
        question=question,
        ranking=tuple(h.passage.passage_id for h in hits),
        relevant=relevant,
        abstained=abstained,
        answer_sentence_ok=sentence_ok,
        confidence=confidence,
        label=label,
        hits=tuple(hits),
    )


def run_questions(
    index: SeminarIndex,
    questions: Sequence[EvalQuestion],
    k: int = 10,
    *,
    relevant_docs: Collection[str] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> list[QuestionResult]:
    """Answer every question with :func:`answer_question` and judge the top ``k`` passages.

    A question with no words in it counts as abstained with no passages.
    """
    from seminar_qa.answering import answer_question
    from seminar_qa.retrieval import EmptyQuestionError

    docs = set(relevant_docs) if relevant_docs is not None else None
    results: list[QuestionResult] = []
    for done, question in enumerate(questions, start=1):
        try:
            answer = answer_question(index, question.question, k=k)
        except EmptyQuestionError:
            results.append(judge(question, [], index.passages, abstained=True, relevant_docs=docs))
        else:
            results.append(
                judge(
                    question,
                    answer.hits[:k],
                    index.passages,
                    abstained=not answer.found,
                    relevant_docs=docs,
                    confidence=answer.confidence,
                    label=answer.label,
                )
            )
        if on_progress:
            on_progress(done, len(questions))
    return results


def evaluate_questions(
    index: SeminarIndex,
    questions: Sequence[EvalQuestion],
    k: int = 10,
    *,
    relevant_docs: Collection[str] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> EvalReport:
    """Run ``questions`` against ``index`` and compute every metric, overall and per group.

    ``relevant_docs``, when given, restricts relevance to passages of those document ids (so a
    distractor document never counts as relevant).
    """
    results = run_questions(
        index, questions, k, relevant_docs=relevant_docs, on_progress=on_progress
    )
    return build_report(results, k)


# --------------------------------------------------------------------------- metrics


def metric_names(k: int = 10) -> list[str]:
    """Names of the rate metrics, in report order (the names ``--min`` accepts)."""
    return [
        *(f"hit@{c}" for c in HIT_CUTOFFS),
        "mrr@10",
        "ndcg@10",
        f"recall@{k}",
        "answer_sentence",
        "abstention_precision",
        "abstention_recall",
        "false_refusal_rate",
    ]


def _ranx_metrics(k: int) -> dict[str, str]:
    """Our metric name -> ranx metric name."""
    names = {f"hit@{c}": f"hit_rate@{c}" for c in HIT_CUTOFFS}
    names.update({"mrr@10": "mrr@10", "ndcg@10": "ndcg@10", f"recall@{k}": f"recall@{k}"})
    return names


def ranking_scores(results: Sequence[QuestionResult], k: int = 10) -> list[dict[str, float]]:
    """Per-question ranking metrics (ranx) for the ranked questions, in the order given.

    Questions that are not ranked (unanswerable, or without a relevant passage in the index) get
    an empty dict: ranx cannot score a query with nothing relevant.
    """
    wanted = [i for i, r in enumerate(results) if r.ranked]
    scores: list[dict[str, float]] = [{} for _ in results]
    if not wanted:
        return scores
    from ranx import Qrels, Run, evaluate

    qrels = {str(i): dict(results[i].relevant) for i in wanted}
    run: dict[str, dict[str, float]] = {}
    for i in wanted:
        ranking = results[i].ranking
        # Scores that encode the returned order, so tied similarities cannot reorder passages;
        # a query with no passages gets a placeholder that is never relevant.
        run[str(i)] = {pid: float(len(ranking) - r) for r, pid in enumerate(ranking)} or {"": 0.0}
    names = _ranx_metrics(k)
    ranx_run = Run(run)
    with warnings.catch_warnings():
        # numba warns about an integer cast inside ranx's hit_rate; harmless here.
        warnings.simplefilter("ignore")
        evaluate(Qrels(qrels), ranx_run, list(names.values()), threads=1)
    per_query = ranx_run.scores
    for i in wanted:
        scores[i] = {ours: float(per_query[theirs][str(i)]) for ours, theirs in names.items()}
    return scores


def _rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def summarise(
    results: Sequence[QuestionResult], scores: Sequence[dict[str, float]], k: int = 10
) -> Metrics:
    """Counts and rates for ``results``, given their per-question ranking ``scores``."""
    answerable = [r for r in results if r.question.answerable]
    unanswerable = [r for r in results if not r.question.answerable]
    ranked = [s for r, s in zip(results, scores, strict=True) if r.ranked]
    abstained = [r for r in results if r.abstained]
    metrics: Metrics = {
        "questions": len(results),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "unmatched": sum(1 for r in answerable if not r.ranked),
        "abstained": len(abstained),
    }
    for name in _ranx_metrics(k):
        metrics[name] = math.fsum(s[name] for s in ranked) / len(ranked) if ranked else None
    sentence = [r.answer_sentence_ok for r in results if r.ranked]
    judged_sentences = [ok for ok in sentence if ok is not None]
    metrics["answer_sentence"] = _rate(sum(judged_sentences), len(judged_sentences))
    metrics["abstention_precision"] = _rate(
        sum(1 for r in abstained if not r.question.answerable), len(abstained)
    )
    metrics["abstention_recall"] = _rate(
        sum(1 for r in unanswerable if r.abstained), len(unanswerable)
    )
    metrics["false_refusal_rate"] = _rate(
        sum(1 for r in answerable if r.abstained), len(answerable)
    )
    return metrics


def compute_metrics(results: Sequence[QuestionResult], k: int = 10) -> Metrics:
    """Every metric over ``results``: counts, ranking metrics, answer sentence, abstention."""
    return summarise(results, ranking_scores(results, k), k)


def _group_key(question: EvalQuestion, field_name: str) -> str:
    value: str | None = getattr(question, field_name)
    return value if value else UNSPECIFIED


def build_report(results: Sequence[QuestionResult], k: int = 10) -> EvalReport:
    """Metrics overall and broken down by ``lang`` and ``kind`` (groups in first-seen order)."""
    scores = ranking_scores(results, k)
    groups: dict[str, dict[str, Metrics]] = {}
    for field_name in GROUP_FIELDS:
        members: dict[str, list[int]] = {}
        for i, result in enumerate(results):
            members.setdefault(_group_key(result.question, field_name), []).append(i)
        groups[field_name] = {
            key: summarise([results[i] for i in idx], [scores[i] for i in idx], k)
            for key, idx in members.items()
        }
    return EvalReport(k, summarise(results, scores, k), groups, tuple(results))


# --------------------------------------------------------------------------- minimums


def parse_minimum(spec: str, k: int = 10) -> tuple[str, float]:
    """Parse ``METRIC=VALUE`` (e.g. ``hit@3=0.8``); raises MetricSpecError naming valid metrics."""
    valid = metric_names(k)
    name, sep, value = spec.partition("=")
    name = name.strip().lower()
    if not sep:
        raise MetricSpecError(f"--min {spec!r} is not METRIC=VALUE, e.g. hit@3=0.8")
    if name not in valid:
        raise MetricSpecError(
            f"--min {spec!r}: unknown metric {name!r}; valid metrics: {', '.join(valid)}"
        )
    try:
        minimum = float(value)
    except ValueError:
        raise MetricSpecError(f"--min {spec!r}: {value.strip()!r} is not a number") from None
    if not math.isfinite(minimum):
        raise MetricSpecError(f"--min {spec!r}: the minimum must be a finite number")
    return name, minimum


def shortfalls(metrics: Metrics, minimums: Iterable[tuple[str, float]]) -> list[str]:
    """One message per metric below its minimum; an undefined metric (n/a) falls short too."""
    messages = []
    for name, minimum in minimums:
        value = metrics.get(name)
        if value is None:
            messages.append(f"{name} is n/a (no questions to measure it on), minimum {minimum:g}")
        elif value < minimum:
            messages.append(f"{name} = {value:.4f} is below the minimum {minimum:g}")
    return messages


# --------------------------------------------------------------------------- table

_COLUMNS = (
    ("n", "questions"),
    ("Hit@1", "hit@1"),
    ("Hit@3", "hit@3"),
    ("Hit@5", "hit@5"),
    ("Hit@10", "hit@10"),
    ("MRR@10", "mrr@10"),
    ("nDCG@10", "ndcg@10"),
    ("R@{k}", "recall@{k}"),
    ("AnsSent", "answer_sentence"),
    ("AbstP", "abstention_precision"),
    ("AbstR", "abstention_recall"),
    ("FRR", "false_refusal_rate"),
)


def _cell(value: Value) -> str:
    if value is None:
        return "-"
    if isinstance(value, int):
        return str(value)
    return f"{value:.3f}"


def format_table(report: EvalReport, title: str | None = None) -> str:
    """Render ``report`` as a fixed-width table with a summary line above it."""
    m = report.metrics
    headers = [h.format(k=report.k) for h, _ in _COLUMNS]
    keys = [key.format(k=report.k) for _, key in _COLUMNS]
    rows = [("all", m)]
    for field_name in GROUP_FIELDS:
        rows += [(f"{field_name}={key}", g) for key, g in report.groups[field_name].items()]
    label_width = max(len("group"), *(len(label) for label, _ in rows))
    widths = [max(len(h), 5) for h in headers]
    lines = []
    if title:
        lines.append(title)
    refused = _cell(m["false_refusal_rate"])
    lines.append(
        f"{m['questions']} questions: {m['answerable']} answerable, {m['unanswerable']} "
        f"unanswerable, {m['abstained']} abstained; false refusal rate {refused}; k={report.k}"
    )
    if m["unmatched"]:
        lines.append(
            f"note: {m['unmatched']} answerable question(s) have no relevant passage in the index "
            "and are left out of the ranking metrics"
        )
    lines.append(
        "  ".join(
            [
                "group".ljust(label_width),
                *(h.rjust(w) for h, w in zip(headers, widths, strict=True)),
            ]
        )
    )
    for label, metrics in rows:
        cells = [_cell(metrics.get(key)).rjust(w) for key, w in zip(keys, widths, strict=True)]
        lines.append("  ".join([label.ljust(label_width), *cells]))
    return "\n".join(lines)


def format_details(report: EvalReport) -> str:
    """One line per question: id, rank of the first relevant passage, abstained, the question."""
    lines = []
    width = max(len(r.question.qid) for r in report.results) if report.results else 2
    for r in report.results:
        rank = r.first_relevant_rank
        if not r.question.answerable:
            where = "unanswerable"
        elif not r.ranked:
            where = "unmatched"
        else:
            where = f"rank {rank}" if rank else f"miss@{report.k}"
        status = "abstained" if r.abstained else "answered"
        lines.append(
            f"{r.question.qid.ljust(width)}  {where:<12}  {status:<9}  {r.question.question}"
        )
    return "\n".join(lines)
