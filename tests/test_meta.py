"""The suite's own rules: every test asserts something (STYLE.md §8)."""

import ast
from pathlib import Path

TESTS = Path(__file__).parent
ASSERTING_CALLS = {"raises", "django_assert_num_queries", "django_assert_max_num_queries", "fail"}


def _asserts(function: ast.AST) -> bool:
    for node in ast.walk(function):
        if isinstance(node, ast.Assert):
            return True
        if isinstance(node, ast.Call):
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            if name in ASSERTING_CALLS or (name or "").startswith("assert"):
                return True
    return False


def test_every_test_function_asserts_an_outcome():
    silent = []
    for path in TESTS.rglob("test_*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            is_test = isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
            if is_test and not _asserts(node):
                silent.append(f"{path.relative_to(TESTS)}::{node.name}")
    assert silent == []
