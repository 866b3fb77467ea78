"""The command group and what every command shares: path options and failure messages.

Expected failures become one-line messages with exit code 1, never tracebacks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from seminar_qa import __version__
from seminar_qa.errors import SeminarQAError
from seminar_qa.settings import CORPUS_ENV, EMBEDDER_ENV, INDEX_ENV

F = TypeVar("F", bound=Callable[..., Any])


@contextmanager
def reported() -> Iterator[None]:
    """Turn expected library failures into a one-line message and exit code 1."""
    try:
        yield
    except SeminarQAError as error:
        raise click.ClickException(str(error)) from None


def _folder_option(name: str, env: str, what: str) -> Callable[[F], F]:
    """A folder option read from the flag, then the environment variable ``env``."""
    return click.option(
        f"--{name}",
        name,
        type=click.Path(path_type=Path),
        envvar=env,
        default=None,
        help=f"{what} [env {env}; default: {name}].",
    )


def corpus_option(function: F) -> F:
    """The ``--corpus`` option (flag, then environment, then the default)."""
    return _folder_option("corpus", CORPUS_ENV, "Folder of source documents")(function)


def index_option(function: F) -> F:
    """The ``--index`` option (flag, then environment, then the default)."""
    return _folder_option("index", INDEX_ENV, "Index folder")(function)


def k_option(default: int, what: str) -> Callable[[F], F]:
    """The ``-k`` option: how many passages (1..100)."""
    return click.option(
        "-k",
        "k",
        type=click.IntRange(min=1, max=100),
        default=default,
        show_default=True,
        help=what,
    )


def share_option(name: str, default: float, what: str) -> Callable[[F], F]:
    """An option holding a share of questions (0..0.5)."""
    return click.option(
        f"--{name}", type=click.FloatRange(0.0, 0.5), default=default, show_default=True, help=what
    )


def embedder_option(function: F) -> F:
    """The ``--embedder`` option (flag, then environment, then the default)."""
    return click.option(
        "--embedder",
        envvar=EMBEDDER_ENV,
        default=None,
        help="Embedding models, comma-separated: minilm, e5 (multilingual), use (multilingual), "
        "hashing (model-free, for tests) [default: minilm,e5,use].",
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
