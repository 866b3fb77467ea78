"""Question sets to metrics: read judgements, answer every question, judge, score and tabulate."""

from seminar_qa.evaluation.judging import QuestionResult, judge
from seminar_qa.evaluation.metrics import (
    Metrics,
    MetricSpecError,
    metric_names,
    parse_minimum,
    shortfalls,
)
from seminar_qa.evaluation.questions import (
    EvalQuestion,
    QuestionFileError,
    load_beir,
    load_qrels,
    load_questions,
)
from seminar_qa.evaluation.report import EvalReport, build_report, format_details, format_table
from seminar_qa.evaluation.runner import evaluate_questions

__all__ = [
    "EvalQuestion",
    "EvalReport",
    "MetricSpecError",
    "Metrics",
    "QuestionFileError",
    "QuestionResult",
    "build_report",
    "evaluate_questions",
    "format_details",
    "format_table",
    "judge",
    "load_beir",
    "load_qrels",
    "load_questions",
    "metric_names",
    "parse_minimum",
    "shortfalls",
]
