"""seminar-qa: find the passages of seminar reports that answer a question."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("seminar-qa")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0"

__all__ = ["__version__"]
