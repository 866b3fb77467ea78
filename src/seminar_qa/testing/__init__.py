"""Helpers for tests and benchmarks: fakes, generated corpora, hostile inputs, damaged indexes.

Shipped with the package (like ``numpy.testing``) so tests and ``bench/`` import one copy:

- ``fakes``: the deterministic hashing embedder (``--embedder hashing``) and a recording one;
- ``corpora``: generated Markdown corpora and quiet hashing builds as child processes;
- ``documents``: hostile and damaged files of every format, and a hypothesis strategy;
- ``damage``: ways to break an index on disk, and the check that readers refuse it;
- ``crash``: SIGKILLed and concurrent builds, and serving while rebuilding;
- ``load``: many threads asking one index, and hostile questions.
"""
