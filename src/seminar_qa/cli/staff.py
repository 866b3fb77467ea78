"""Staff commands: build the index, say whether it is current, calibrate it for its corpus."""

from __future__ import annotations

import json
from pathlib import Path

import click

from seminar_qa.cli.base import (
    cli,
    corpus_option,
    embedder_option,
    index_option,
    reported,
    share_option,
)
from seminar_qa.ingestion.registry import FORMATS
from seminar_qa.settings import Settings
from seminar_qa.terminal import Progress, print_calibration


def _prepare_caches(settings: Settings) -> None:
    """Write the package-cache files a first question reads (see :mod:`package_cache`).

    Done by every build, also one that finds the index current, so that the first question
    after ``make run`` opens them instead of making them: jieba, CC-CEDICT and pypinyin for a
    Chinese question (``bridges.prepare_tables``), USE's tokenizer when the index uses USE, and
    E5's onnxruntime model and tokenizer when it uses E5 (``e5_onnx.prepare``), MiniLM's
    question graph when it uses MiniLM (``minilm_onnx.prepare``).
    """
    from seminar_qa import use_tokenizer
    from seminar_qa.bridges import prepare_tables

    prepare_tables()
    if "use" in settings.embedder_names:
        use_tokenizer.prepare()
    if "e5" in settings.embedder_names:
        from seminar_qa import e5_onnx

        e5_onnx.prepare()
    if "minilm" in settings.embedder_names:
        from seminar_qa import minilm_onnx

        minilm_onnx.prepare()


@cli.command()
@corpus_option
@index_option
@embedder_option
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
    with reported():
        if if_stale:
            status = index_status(settings)
            if status.state == "current":
                _prepare_caches(settings)
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
        _prepare_caches(settings)
    click.echo(report.summary())


# The registry is the only list of formats; the help text is written from it.
build.help = (build.help or "").replace(
    "FORMATS", "; ".join(f"{' '.join(f.extensions)} ({f.description})" for f in FORMATS)
)


@cli.command()
@corpus_option
@index_option
@embedder_option
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
    with reported():
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


@cli.command()
@click.argument(
    "questions",
    required=False,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@index_option
@share_option("max-refused", 0.05, "Largest share of answerable questions not given an answer.")
@share_option(
    "max-not-found", 0.01, "Largest share of answerable questions told 'not in these reports'."
)
@click.option("--dry-run", is_flag=True, help="Print the trade-off; store nothing.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def calibrate(
    questions: Path | None,
    index: Path | None,
    max_refused: float,
    max_not_found: float,
    dry_run: bool,
    as_json: bool,
) -> None:
    """Set when the answer is "not in these reports" for this corpus, from a question set.

    QUESTIONS.jsonl is a question file as for `eval`, with answerable and unanswerable
    questions (answers [] marks an unanswerable one). Without it, questions made from the
    index's own sentences and a list of off-topic ones are used; they can only make the
    defaults more willing to answer. The operating points are stored in the index (policy.json,
    checked by the manifest) and used by the page, `ask` and `eval` from then on; a rebuild keeps
    them.

    \b
    Examples:
      seminar-qa calibrate eval/seminar_questions.jsonl
      seminar-qa calibrate eval/seminar_questions.jsonl --max-refused 0.02 --dry-run
      seminar-qa calibrate                     # from generated questions
    """
    from seminar_qa import evaluation
    from seminar_qa.answering import Assistant
    from seminar_qa.calibration import calibrate as choose
    from seminar_qa.calibration import calibrated_policy
    from seminar_qa.index import SeminarIndex, build_lock, resolve_index_dir

    settings = Settings.from_env(index_dir=index)
    with reported():
        items = evaluation.load_questions(questions) if questions is not None else None
        directory = resolve_index_dir(settings.index_dir)
        assistant = Assistant(SeminarIndex.load(directory))
        try:
            result = choose(assistant, items, max_refused=max_refused, max_not_found=max_not_found)
        except ValueError as error:
            raise click.ClickException(f"cannot calibrate: {error}") from None
        source = str(questions) if questions is not None else "generated questions"
        policy = calibrated_policy(assistant.policy, result, source)
        if not dry_run:
            with build_lock(settings.index_dir):
                assistant.index.policy = policy
                assistant.index.save(directory)
    print_calibration(result, policy, stored=not dry_run, as_json=as_json)
