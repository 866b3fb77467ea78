"""What the command line prints: progress bars on stderr, and answers as the page shows them."""

from __future__ import annotations

import json
import sys
import textwrap
from typing import TYPE_CHECKING, Any, ClassVar

import click

if TYPE_CHECKING:
    from seminar_qa.answering import Assistant
    from seminar_qa.calibration import Calibration
    from seminar_qa.policy import SearchPolicy
    from seminar_qa.records import Answer


class Progress:
    """Click progress bars on stderr, one per build stage (none with ``quiet``)."""

    LABELS: ClassVar[dict[str, str]] = {"read": "Reading files"}

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.stage: str | None = None
        self.bar: Any = None
        self.shown = 0

    def __call__(self, stage: str, done: int, total: int) -> None:
        """Show ``done`` of ``total`` for ``stage``; a new stage starts a new bar."""
        if self.quiet:
            return
        if stage != self.stage:
            self.close()
            self.stage = stage
            self.shown = 0
            self.bar = click.progressbar(
                length=max(total, 1),
                label=self.LABELS.get(
                    stage, stage.replace("embed ", "Embedding passages and sentences with ")
                ),
                file=sys.stderr,
                show_pos=True,
                show_eta=stage.startswith("embed"),
            )
            self.bar.__enter__()
        if self.bar is not None:
            self.bar.update(done - self.shown)
            self.shown = done

    def warn(self, message: str) -> None:
        """Print a warning on stderr on a line of its own, below a finished bar."""
        self.close()
        click.echo(message, err=True)

    def close(self) -> None:
        """Finish the current bar, if any."""
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


WRAP_COLUMNS = 96
"""The width passages are wrapped to in a terminal."""


def wrapped(passage: str) -> str:
    """The passage wrapped to :data:`WRAP_COLUMNS` columns.

    A Chinese character takes two columns and a Chinese passage has no spaces to break at, so it
    is cut every half as many characters (textwrap counts characters and wraps at spaces).
    """
    from seminar_qa.text import main_language

    width = WRAP_COLUMNS // 2 if main_language(passage) == "zh" else WRAP_COLUMNS
    return textwrap.fill(passage, width)


def print_answer(answer: Answer, assistant: Assistant) -> None:
    """Print the answer as the page shows it, in the question's language.

    The passages, best first (after a caveat when the top one is only the closest), or "not in
    these reports" with what the reports cover.
    """
    from seminar_qa.i18n import labelled, text
    from seminar_qa.presentation import covered_documents, location

    language = answer.language
    if not assistant.index.passages:
        click.echo("No passages: the index is empty.")
        return
    if answer.best is None and answer.closest is None:
        click.secho(text("not_found", language), bold=True)
        click.echo(text("covers", language))
        for item in covered_documents(assistant.index):
            when = text("held", language, date=item.date) if item.date else ""
            held = text("aside", language, value=when) if when else ""
            click.echo(f"  - {item.title}{held}")
        return
    if answer.closest is not None:
        click.secho(text("closest", language), bold=True)
    else:
        label = text(f"conf_{answer.label}", language)
        shown = f"{label} ({answer.confidence:.2f})"
        click.secho(labelled("confidence", language, shown), bold=True)
    click.echo()
    for hit in answer.hits:
        click.secho(f"{hit.rank}. {hit.passage.title}", bold=True)
        # In the question's language, as the page's source line.
        click.echo(f"   {text('score', language)} {hit.score:.3f} · {location(hit, language)}")
        click.echo(textwrap.indent(wrapped(hit.passage.text), "   "))
        click.secho("   " + labelled("answer", language, hit.answer), fg="green")
        click.echo()


def print_calibration(
    result: Calibration, policy: SearchPolicy, *, stored: bool, as_json: bool
) -> None:
    """The chosen operating points and the refusal trade-off around them."""
    chosen = result.answerability
    answerable = sum(s.answerable for s in result.scored)
    rows = result.trade_off()
    if as_json:
        payload = {
            "stored": stored,
            "source": policy.source,
            "questions": len(result.scored),
            "answerable": answerable,
            "generated": result.generated,
            "answer_at": chosen.answer_at,
            "closest_at": chosen.closest_at,
            "high_at": chosen.high_at,
            "trade_off": [
                {"answerable_refused": t, "threshold": round(h, 4), "unanswerable_refused": u}
                for t, h, u in rows
            ],
        }
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    kind = "generated " if result.generated else ""
    click.echo(
        f"{len(result.scored)} {kind}questions: {answerable} answerable, "
        f"{len(result.scored) - answerable} unanswerable"
    )
    click.echo("answerable refused   threshold   unanswerable refused")
    for target, threshold, unanswerable in rows:
        shown = "-" if unanswerable is None else f"{unanswerable:.0%}"
        click.echo(f"{target:>17.0%}   {threshold:>9.3f}   {shown:>20}")
    click.echo(
        f"operating points: answer at {chosen.answer_at:.3f} (strong match from "
        f"{chosen.high_at:.3f}), closest passage from {chosen.closest_at:.3f}, "
        "below that not in these reports"
    )
    click.echo(f"{'stored in the index' if stored else 'not stored (--dry-run)'}: {policy.source}")
