"""The package's shape: no import cycle, small modules, one list of formats, public names."""

from __future__ import annotations

import ast
import graphlib
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import seminar_qa
from seminar_qa.cli import cli
from seminar_qa.ingestion import FORMATS, SUPPORTED_EXTENSIONS
from seminar_qa.testing.documents import SAMPLES

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "src" / "seminar_qa"
MAX_LINES = 400
DATA_TABLES = {"seminar_qa.pinyin_table"}  # a generated table of syllables, checked by a test


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(name: str) -> set[str]:
    """The package modules ``name`` imports when it runs (anywhere in it, lazily too)."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    found: set[str] = set()
    skipped = {id(n) for i in ast.walk(tree) if isinstance(i, ast.If) and _is_type_checking(i)
               for n in ast.walk(i)}  # fmt: skip
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            # ``from seminar_qa.index import dense`` imports the submodule itself.
            found.update(f"{node.module}.{a.name}" for a in node.names)
    return {m for m in found if m in MODULES and m != name}


def test_no_import_cycle_between_the_package_modules() -> None:
    graph = {name: imports_of(name) for name in MODULES}
    # A package's __init__ gathers its modules; a module reaching its own package's names
    # through __init__ would be a cycle, and is one here.
    try:
        order = list(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as error:
        pytest.fail(f"import cycle: {' -> '.join(error.args[1])}")
    assert set(order) == set(MODULES)
    # The index stores, loads and verifies: it never reaches into retrieval or answering.
    index_modules = [n for n in MODULES if n.startswith("seminar_qa.index")]
    for name in index_modules:
        assert not {
            m for m in graph[name] if m.startswith(("seminar_qa.retrieval", "seminar_qa.answering"))
        }


def test_the_cycle_check_sees_a_cycle(tmp_path: Path) -> None:
    """The check above fails on a real cycle, so its pass means something."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}}
    with pytest.raises(graphlib.CycleError):
        list(graphlib.TopologicalSorter(graph).static_order())
    assert "seminar_qa.retrieval.fusion" in imports_of("seminar_qa.retrieval.search")
    assert "seminar_qa.index" not in imports_of("seminar_qa.retrieval.fusion")  # TYPE_CHECKING


def test_no_module_is_over_400_lines() -> None:
    long = {
        name: count
        for name, path in MODULES.items()
        if name not in DATA_TABLES
        and (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_every_module_and_public_function_has_a_docstring() -> None:
    missing = []
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if not ast.get_docstring(tree):
            missing.append(name)
        missing += [
            f"{name}.{node.name}"
            for node in tree.body
            if isinstance(node, ast.FunctionDef | ast.ClassDef)
            and not node.name.startswith("_")
            and not ast.get_docstring(node)
        ]
    assert missing == []


def _extension_literals(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value in SUPPORTED_EXTENSIONS
    }


def test_the_registry_is_the_only_list_of_supported_extensions() -> None:
    spelled_out = {
        name: literals
        for name, path in MODULES.items()
        if not name.startswith("seminar_qa.testing") and (literals := _extension_literals(path))
    }
    assert spelled_out == {"seminar_qa.ingestion.registry": set(SUPPORTED_EXTENSIONS)}
    # The hostile-document checks have a valid sample of every format to mangle.
    assert set(SAMPLES) == set(SUPPORTED_EXTENSIONS)
    assert {f.name for f in FORMATS} == {"txt", "md", "html", "pdf", "docx"}
    for document_format in FORMATS:
        assert callable(document_format.reader())


def test_readme_and_build_help_list_exactly_the_registry_formats() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    staff = readme[readme.index("## For staff") :]
    first_step = staff[: staff.index("\n2. ")]
    assert set(re.findall(r"`(\.[a-z]+)`", first_step)) == set(SUPPORTED_EXTENSIONS)
    help_text = CliRunner().invoke(cli, ["build", "--help"]).output
    assert all(extension in help_text for extension in SUPPORTED_EXTENSIONS)


def test_public_names_are_exported_from_the_package() -> None:
    for name in seminar_qa.__all__:
        assert getattr(seminar_qa, name) is not None, name
    assert seminar_qa.Assistant.__module__ == "seminar_qa.answering"
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        seminar_qa.nothing  # noqa: B018


def test_importing_the_package_loads_no_model_or_index_code() -> None:
    code = (
        "import sys, seminar_qa; "
        "print(sorted(m for m in ('torch', 'faiss', 'streamlit', 'seminar_qa.index') "
        "if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
