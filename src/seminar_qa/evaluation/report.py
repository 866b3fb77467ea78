"""The evaluation report: metrics overall and per language and kind, as JSON or a table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from seminar_qa.evaluation.judging import QuestionResult
from seminar_qa.evaluation.metrics import Metrics, Value, ranking_scores, summarise
from seminar_qa.evaluation.questions import GROUP_FIELDS, EvalQuestion
from seminar_qa.text import counted

UNSPECIFIED = "unspecified"


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
    ("AnsClause", "answer_clause"),
    ("AbstP", "abstention_precision"),
    ("AbstR", "abstention_recall"),
    ("FRR", "false_refusal_rate"),
    ("AUROC", "auroc"),
    ("RefU", "refused_unanswerable"),
    ("RefA", "refused_answerable"),
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
    questions = counted(int(m["questions"] or 0), "question")
    lines.append(
        f"{questions}: {m['answerable']} answerable, {m['unanswerable']} "
        f"unanswerable, {m['abstained']} not found, {m['closest']} closest passage; "
        f"false refusal rate {refused}; k={report.k}"
    )
    if m["unmatched"]:
        unmatched = counted(int(m["unmatched"]), "answerable question")
        lines.append(f"note: left out of the ranking metrics: {unmatched} with no relevant passage")
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
    """One line per question: id, rank of the first relevant passage, answer kind, the question."""
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
        status = r.answer_kind or ("not_found" if r.abstained else "answered")
        lines.append(
            f"{r.question.qid.ljust(width)}  {where:<12}  {status:<10}  {r.question.question}"
        )
    return "\n".join(lines)
