"""Benchmarks of seminar-qa, run as scripts (``python bench/run.py``) or by ``make bench``."""
