"""Question commands: answer one question, and evaluate a whole question set."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from seminar_qa.cli.base import cli, index_option, k_option, reported
from seminar_qa.settings import Settings
from seminar_qa.terminal import Progress, print_answer
from seminar_qa.text import counted


@cli.command()
@click.argument("question")
@k_option(5, "How many passages to show.")
@click.option(
    "--document",
    "documents",
    multiple=True,
    metavar="DOC_ID",
    help="Search only this document: its path in the corpus, as `status` lists (repeatable).",
)
@index_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def ask(
    question: str, k: int, documents: tuple[str, ...], index: Path | None, as_json: bool
) -> None:
    """Answer QUESTION from the reports: the best passages, or "not in these reports".

    The passages come with their source and the answering sentence; when none of them answers
    the question, the answer says so and lists what the reports cover.

    \b
    Examples:
      seminar-qa ask "Which districts took part in the seminar?"
      seminar-qa ask "长宁区教育局局长是谁？" -k 3
      seminar-qa ask "Who spoke about GeoGebra?" --json
    """
    from seminar_qa.answering import Assistant
    from seminar_qa.index import SeminarIndex
    from seminar_qa.retrieval import EmptyQuestionError, prepare_question

    settings = Settings.from_env(index_dir=index)
    try:
        prepare_question(question)
    except EmptyQuestionError as error:
        raise click.UsageError(str(error)) from None
    with reported():
        assistant = Assistant(SeminarIndex.load(settings.index_dir))
        started = time.perf_counter()
        answer = assistant.answer(question, k, documents)
        seconds = time.perf_counter() - started
    if answer.truncated:
        click.echo(
            f"warning: the question was cut to its first {len(answer.question)} characters",
            err=True,
        )
    if k > len(assistant.index):
        size = len(assistant.index)
        click.echo(f"note: the index holds only {counted(size, 'passage')}", err=True)
    if as_json:
        payload = {**answer.to_json(), "seconds": round(seconds, 4)}
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    print_answer(answer, assistant)


@cli.command("eval")
@click.argument(
    "questions",
    required=False,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@click.option(
    "--queries",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="BEIR queries.jsonl (_id, text); use with --qrels instead of QUESTIONS.",
)
@click.option(
    "--qrels",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="BEIR qrels.tsv (query-id, corpus-id, score); corpus-id is a passage or document id.",
)
@index_option
@k_option(10, "How many passages to judge per question (Hit@10 needs k >= 10).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--details", is_flag=True, help="Per question: rank, abstention (and passages).")
@click.option(
    "--min",
    "minimums",
    multiple=True,
    metavar="METRIC=VALUE",
    help="Exit 1 when METRIC is below VALUE, e.g. --min hit@3=0.8 (repeatable).",
)
@click.option(
    "--plot",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the reliability diagram and refusal trade-off curve to this .png/.svg/.pdf.",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def eval_command(
    questions: Path | None,
    queries: Path | None,
    qrels: Path | None,
    index: Path | None,
    k: int,
    as_json: bool,
    details: bool,
    minimums: tuple[str, ...],
    plot: Path | None,
    quiet: bool,
) -> None:
    """Measure retrieval and abstention on a question set against the index.

    QUESTIONS.jsonl holds one JSON object a line: "question", "answers" (a passage is relevant
    when it contains one, ignoring case and Unicode width; [] marks an unanswerable question),
    and optional "id", "lang", "kind". Or give BEIR judgements with --queries and --qrels.
    Prints Hit@1/3/5/10, MRR@10, nDCG@10, Recall@k, answer-sentence accuracy (AnsSent),
    abstention precision/recall (AbstP/AbstR) and the false refusal rate (FRR), overall and per
    language and kind.

    \b
    Examples:
      seminar-qa eval eval/seminar_questions.jsonl
      seminar-qa eval eval/dev_questions.jsonl --json --details
      seminar-qa eval --queries queries.jsonl --qrels qrels.tsv -k 5
      seminar-qa eval eval/dev_questions.jsonl --min hit@3=0.8 --min abstention_recall=0.5
    """
    from seminar_qa import evaluation
    from seminar_qa.answering import Assistant
    from seminar_qa.index import SeminarIndex

    if questions is not None and (queries is not None or qrels is not None):
        raise click.UsageError("give either QUESTIONS.jsonl or --queries with --qrels, not both")
    if questions is None and (queries is None or qrels is None):
        raise click.UsageError("give QUESTIONS.jsonl, or both --queries and --qrels")
    if plot is not None:
        from seminar_qa.evaluation.plots import FORMATS

        if plot.suffix.lower().lstrip(".") not in FORMATS:
            raise click.UsageError(f"--plot {plot}: name a .png, .svg or .pdf file")
    try:
        wanted = [evaluation.parse_minimum(spec, k) for spec in minimums]
    except evaluation.MetricSpecError as error:
        raise click.UsageError(str(error)) from None
    settings = Settings.from_env(index_dir=index)
    with reported():
        if questions is not None:
            items = evaluation.load_questions(questions)
        else:
            assert queries is not None and qrels is not None
            items = evaluation.load_beir(queries, qrels)
        assistant = Assistant(SeminarIndex.load(settings.index_dir))
        progress = Progress(quiet)
        try:
            report = evaluation.evaluate_questions(
                assistant, items, k, on_progress=lambda done, n: progress("Answering", done, n)
            )
        finally:
            progress.close()
    for result in report.results:
        if result.question.answerable and not result.ranked:
            click.echo(
                f"warning: question {result.question.qid} has no relevant passage in the index; "
                "it is left out of the ranking metrics",
                err=True,
            )
    if as_json:
        click.echo(json.dumps(report.to_json(details), ensure_ascii=False, indent=2))
    else:
        source = questions if questions is not None else queries
        click.echo(report.table(title=f"{source} against {settings.index_dir}"))
        if details:
            click.echo()
            click.echo(evaluation.format_details(report))
    if plot is not None:
        from seminar_qa.evaluation.plots import plot as draw

        source = questions if questions is not None else queries
        draw(report.results, plot, title=f"{source} against {settings.index_dir}")
        click.echo(f"wrote {plot}", err=True)
    failures = evaluation.shortfalls(report.metrics, wanted)
    if failures:
        raise click.ClickException("; ".join(failures))
