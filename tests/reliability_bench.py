"""Load ``bench/reliability.py`` (a script, not a package) so the tests run the same checks."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

SCRIPT = Path(__file__).resolve().parent.parent / "bench" / "reliability.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_reliability", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


bench = sys.modules.get("bench_reliability") or _load()
