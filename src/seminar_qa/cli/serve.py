"""Portal commands: serve the HTTP API, and turn visitor feedback into test questions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from seminar_qa.cli.base import cli, corpus_option, index_option, reported
from seminar_qa.settings import (
    CORS_ENV,
    HOST_ENV,
    MAX_BODY_ENV,
    PORT_ENV,
    RATE_LIMIT_ENV,
    ServeSettings,
    Settings,
    feedback_path,
)
from seminar_qa.text import counted

if TYPE_CHECKING:
    from seminar_qa.feedback import FeedbackStore

_DEFAULTS = ServeSettings()


@cli.command()
@corpus_option
@index_option
@click.option(
    "--host",
    envvar=HOST_ENV,
    default=_DEFAULTS.host,
    show_default=True,
    help=f"Address to listen on; 0.0.0.0 for every interface [env {HOST_ENV}].",
)
@click.option(
    "--port",
    envvar=PORT_ENV,
    type=click.IntRange(1, 65535),
    default=_DEFAULTS.port,
    show_default=True,
    help=f"Port [env {PORT_ENV}].",
)
@click.option(
    "--cors-origin",
    "cors_origins",
    multiple=True,
    metavar="ORIGIN",
    help=f"A web origin whose pages may call the API, e.g. https://portal.example (repeatable) "
    f"[env {CORS_ENV}, comma-separated; default: none].",
)
@click.option(
    "--max-body-bytes",
    envvar=MAX_BODY_ENV,
    type=click.IntRange(min=1024),
    default=_DEFAULTS.max_body_bytes,
    show_default=True,
    help=f"Largest request body accepted [env {MAX_BODY_ENV}].",
)
@click.option(
    "--rate-limit",
    envvar=RATE_LIMIT_ENV,
    type=click.IntRange(min=0),
    default=_DEFAULTS.rate_limit,
    show_default=True,
    help=f"Requests per minute per client address, 0 for none [env {RATE_LIMIT_ENV}].",
)
def serve(
    corpus: Path | None,
    index: Path | None,
    host: str,
    port: int,
    cors_origins: tuple[str, ...],
    max_body_bytes: int,
    rate_limit: int,
) -> None:
    """Serve the JSON HTTP API (POST /v1/ask, /v1/feedback; GET /v1/documents, /v1/status).

    It only reads the index and picks up a rebuilt one without a restart. /healthz answers at
    once; /readyz once the index and models are loaded. The OpenAPI document is at
    /openapi.json.

    \b
    Examples:
      seminar-qa serve
      seminar-qa serve --host 0.0.0.0 --port 8080 --cors-origin https://portal.example
      curl -s localhost:8000/v1/ask -H 'Content-Type: application/json' \\
           -d '{"question": "Who spoke about GeoGebra?", "k": 3}'
    """
    import os

    import uvicorn

    from seminar_qa.api import create_app

    origins = cors_origins or ServeSettings.parse_origins(os.environ.get(CORS_ENV))
    serve_settings = ServeSettings(
        host=host,
        port=port,
        cors_origins=tuple(origins),
        max_body_bytes=max_body_bytes,
        rate_limit=rate_limit,
    )
    app = create_app(Settings.from_env(corpus, index), serve_settings)
    click.echo(f"seminar-qa API on http://{host}:{port} (OpenAPI: /openapi.json)", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


@cli.group()
def feedback() -> None:
    """Visitor feedback on answers (helpful / not helpful), from the page and POST /v1/feedback."""


def _store(index: Path | None) -> FeedbackStore:
    from seminar_qa.feedback import FeedbackStore

    return FeedbackStore(feedback_path(Settings.from_env(index_dir=index).index_dir))


@feedback.command("export")
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
@index_option
def feedback_export(output: Path, index: Path | None) -> None:
    """Write helpful answers as a question file for `seminar-qa eval` (OUTPUT.jsonl).

    Each question's answer string is the sentence the visitor found helpful, and its document is
    the gold, so `seminar-qa eval OUTPUT.jsonl` checks they are still found.
    """
    from seminar_qa.feedback import export_questions

    store = _store(index)
    with reported():
        questions = export_questions(store.rows())
    text = "".join(json.dumps(q, ensure_ascii=False) + "\n" for q in questions)
    output.write_text(text, encoding="utf-8")
    click.echo(f"Wrote {counted(len(questions), 'question')} from {store.path} to {output}")


@feedback.command("stats")
@index_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def feedback_stats(index: Path | None, as_json: bool) -> None:
    """Count helpful and not-helpful answers per document and per week."""
    from seminar_qa.feedback import stats

    store = _store(index)
    with reported():
        counts = stats(store.rows())
    if as_json:
        click.echo(json.dumps(counts, ensure_ascii=False, indent=2))
        return
    if not counts["documents"]:
        click.echo(f"No feedback yet in {store.path}")
        return
    for heading, table in (("document", counts["documents"]), ("week", counts["weeks"])):
        width = max(len(heading), *(len(key) for key in table))
        click.echo(f"{heading:<{width}}  helpful  not helpful")
        for key, row in table.items():
            click.echo(f"{key:<{width}}  {row['helpful']:>7}  {row['not_helpful']:>11}")
        click.echo("")
