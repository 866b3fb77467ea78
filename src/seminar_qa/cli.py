"""The `seminar-qa` command: parse arguments, call the library, print the result.

Exit codes: 0 success, 1 runtime failure (a one-line reason naming the file or value and the fix),
2 bad usage.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from seminar_qa import __version__
from seminar_qa.errors import SeminarQAError
from seminar_qa.ingestion.registry import FORMATS
from seminar_qa.settings import CORPUS_ENV, EMBEDDER_ENV, INDEX_ENV, Settings
from seminar_qa.terminal import Progress, print_answer

F = TypeVar("F", bound=Callable[..., Any])


@contextmanager
def _reported() -> Iterator[None]:
    """Turn expected library failures into a one-line message and exit code 1."""
    try:
        yield
    except SeminarQAError as error:
        raise click.ClickException(str(error)) from None


def _corpus_option(function: F) -> F:
    return click.option(
        "--corpus",
        "corpus",
        type=click.Path(path_type=Path),
        envvar=CORPUS_ENV,
        default=None,
        help=f"Folder of source documents [env {CORPUS_ENV}; default: corpus].",
    )(function)


def _index_option(function: F) -> F:
    return click.option(
        "--index",
        "index",
        type=click.Path(path_type=Path),
        envvar=INDEX_ENV,
        default=None,
        help=f"Index folder [env {INDEX_ENV}; default: index].",
    )(function)


def _embedder_option(function: F) -> F:
    return click.option(
        "--embedder",
        envvar=EMBEDDER_ENV,
        default=None,
        help="Embedding models, comma-separated: minilm, e5 (multilingual), hashing "
        "(model-free, for tests) [default: minilm,e5].",
    )(function)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="seminar-qa")
def cli() -> None:
    """Ask questions of seminar reports, and build the index they are answered from.

    \b
    Staff:      seminar-qa build            (after adding files to corpus/)
                seminar-qa status           (is the index current?)
    Everyone:   seminar-qa ask "Who leads the Changning District Education Bureau?"
    """


@cli.command()
@_corpus_option
@_index_option
@_embedder_option
@click.option("--strict", is_flag=True, help="Fail if any file cannot be read.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars.")
@click.option(
    "--if-stale",
    is_flag=True,
    help="Build only when the index is missing, stale or broken; otherwise say it is current.",
)
def build(
    corpus: Path | None,
    index: Path | None,
    embedder: str | None,
    strict: bool,
    quiet: bool,
    if_stale: bool,
) -> None:
    """Read every document in the corpus folder and (re)build the index.

    Reads FORMATS. A file that cannot be read is reported on stderr and skipped; the build fails
    only when nothing could be indexed, or with --strict. A failed build leaves the previous index
    untouched.

    \b
    Examples:
      seminar-qa build
      seminar-qa build --corpus reports/ --index /srv/seminar-index --quiet
      seminar-qa build --if-stale      # what `make run` does
    """
    from seminar_qa.pipeline import build_index, index_status

    settings = Settings.from_env(corpus, index, embedder)
    progress = Progress(quiet)
    with _reported():
        if if_stale:
            status = index_status(settings)
            if status.state == "current":
                click.echo(f"Index at {status.index_dir} is current; nothing to build.")
                return
            click.echo(f"Index at {status.index_dir} is {status.state}; building.", err=True)
        try:
            report = build_index(
                settings,
                strict=strict,
                on_progress=progress,
                on_skip=lambda s: progress.warn(f"warning: skipped {s.path}: {s.reason}"),
            )
        finally:
            progress.close()
    click.echo(report.summary())


# The registry is the only list of formats; the help text is written from it.
build.help = (build.help or "").replace(
    "FORMATS", "; ".join(f"{' '.join(f.extensions)} ({f.description})" for f in FORMATS)
)


@cli.command()
@click.argument("question")
@click.option(
    "-k",
    "k",
    type=click.IntRange(min=1, max=100),
    default=5,
    show_default=True,
    help="How many passages to show.",
)
@click.option(
    "--document",
    "documents",
    multiple=True,
    metavar="DOC_ID",
    help="Search only this document: its path in the corpus, as `status` lists (repeatable).",
)
@_index_option
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
    with _reported():
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
        click.echo(f"note: the index holds only {len(assistant.index)} passages", err=True)
    if as_json:
        payload = {**answer.to_json(), "seconds": round(seconds, 4)}
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    print_answer(answer, assistant)


@cli.command()
@_corpus_option
@_index_option
@_embedder_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def status(corpus: Path | None, index: Path | None, embedder: str | None, as_json: bool) -> None:
    """Say whether the index is missing, current, stale or broken, and what changed.

    \b
    Examples:
      seminar-qa status
      seminar-qa status --json
    """
    from seminar_qa.pipeline import index_status

    settings = Settings.from_env(corpus, index, embedder)
    with _reported():
        result = index_status(settings)
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
        return
    click.echo(f"Index {result.index_dir}: {result.state}")
    if result.manifest:
        m = result.manifest
        click.echo(
            f"  documents: {len(m.documents)}, passages: {m.passage_count}, built {m.built_at} "
            f"with {', '.join(str(e.get('model_id')) for e in m.embedders)}"
        )
    for label, items in (
        ("added", result.added),
        ("changed", result.changed),
        ("removed", result.removed),
        ("settings changed", result.settings_changed),
    ):
        for item in items:
            click.echo(f"  {label}: {item}")
    click.echo(f"  {result.message}")


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
@_index_option
@click.option(
    "-k",
    "k",
    type=click.IntRange(min=1, max=100),
    default=10,
    show_default=True,
    help="How many passages to judge per question (Hit@10 needs k >= 10).",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--details", is_flag=True, help="Per question: rank, abstention (and passages).")
@click.option(
    "--min",
    "minimums",
    multiple=True,
    metavar="METRIC=VALUE",
    help="Exit 1 when METRIC is below VALUE, e.g. --min hit@3=0.8 (repeatable).",
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
    try:
        wanted = [evaluation.parse_minimum(spec, k) for spec in minimums]
    except evaluation.MetricSpecError as error:
        raise click.UsageError(str(error)) from None
    settings = Settings.from_env(index_dir=index)
    with _reported():
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
    failures = evaluation.shortfalls(report.metrics, wanted)
    if failures:
        raise click.ClickException("; ".join(failures))


def main() -> None:
    """Entry point of the console script."""
    cli(prog_name="seminar-qa")


if __name__ == "__main__":  # pragma: no cover
    main()
