"""The scheduling core stays pure: nothing from the web app or the database."""

import ast
import sys
from pathlib import Path

import pytest

import booking.scheduling

SOURCES = sorted(Path(booking.scheduling.__file__).parent.glob("*.py"))


def imported_modules(source: Path) -> list[str]:
    """Every module *source* imports, relative imports resolved within booking.scheduling."""
    names = []
    for node in ast.walk(ast.parse(source.read_text(), filename=str(source))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names.append(_absolute(node.module, node.level))
    return names


def _absolute(module: str | None, level: int) -> str:
    """Resolve "from ..models import x" as written inside booking/scheduling/."""
    package = ["booking", "scheduling"][:3 - level] if level else []
    return ".".join(package + ([module] if module else []))


def is_allowed(module: str) -> bool:
    """Only the standard library and booking.scheduling itself may be imported."""
    inside_core = module == "booking.scheduling" or module.startswith("booking.scheduling.")
    return module.split(".")[0] in sys.stdlib_module_names or inside_core


def test_the_scan_finds_the_modules():
    assert {source.name for source in SOURCES} >= {
        "__init__.py", "intervals.py", "rules.py", "alternatives.py", "recurrence.py"}


@pytest.mark.parametrize("source", SOURCES, ids=lambda path: path.name)
def test_scheduling_imports_only_the_standard_library_and_itself(source):
    assert [module for module in imported_modules(source) if not is_allowed(module)] == []


@pytest.mark.parametrize("module, level, expected", [
    ("intervals", 1, "booking.scheduling.intervals"), (None, 1, "booking.scheduling"),
    ("models", 2, "booking.models"), ("datetime", 0, "datetime"),
])
def test_relative_imports_are_resolved(module, level, expected):
    assert _absolute(module, level) == expected


@pytest.mark.parametrize("module, allowed", [
    ("flask", False), ("flask_login", False), ("sqlalchemy.orm", False), ("babel", False),
    ("dateutil", False), ("booking", False), ("booking.models", False),
    ("booking.schedulingx", False), ("booking.scheduling.rules", True),
    ("datetime", True), ("zoneinfo", True), ("__future__", True),
])
def test_is_allowed(module, allowed):
    assert is_allowed(module) is allowed
