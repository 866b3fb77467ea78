"""The `seminar-qa` command: parse arguments, call the library, print the result.

Exit codes: 0 success, 1 runtime failure (a one-line reason naming the file or value and the fix),
2 bad usage.
"""

from seminar_qa.cli import questions, serve, staff
from seminar_qa.cli.base import cli

__all__ = ["cli", "main", "questions", "serve", "staff"]


def main() -> None:
    """Entry point of the console script."""
    cli(prog_name="seminar-qa")
