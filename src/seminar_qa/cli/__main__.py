"""``python -m seminar_qa.cli``: the same as the ``seminar-qa`` command."""

from seminar_qa.cli import main

main()
