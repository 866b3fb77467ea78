"""One reader per document format, each a ``read(data, path) -> Extracted`` function."""
