"""Exception classes raised by the library and turned into messages at the CLI and app boundary."""

from __future__ import annotations


class SeminarQAError(Exception):
    """Base class for every expected failure; its message names the problem and the fix."""


class UnsupportedFileError(SeminarQAError):
    """A file whose extension is not one that ingestion reads."""


class DocumentReadError(SeminarQAError):
    """A supported file that could not be read: empty, corrupt, binary or undecodable."""


class NothingToIndexError(SeminarQAError):
    """A build found no document it could index."""


class IndexNotFoundError(SeminarQAError):
    """No complete index at the given path."""


class IndexFormatError(SeminarQAError):
    """An index written by another format version, or with damaged files."""


class EmbedderMismatchError(SeminarQAError):
    """The index was built with another embedding model than the one asked for."""


class BuildLockedError(SeminarQAError):
    """Another build of the same index is running."""


class UnknownDocumentError(SeminarQAError):
    """A search limited to a document id the index does not hold."""
