"""The server and worker fixtures are declared once, in tests/conftest.py: a module that
needs its own says how it differs (its `transcription_backend`, `api_settings` or
`worker_env`), instead of starting a server or worker of its own under the same name."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
DECLARED_ONCE = {"api_url", "worker", "api"}
HOME = TESTS / "conftest.py"


def _is_fixture(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return (isinstance(target, ast.Attribute) and target.attr == "fixture") or (
        isinstance(target, ast.Name) and target.id == "fixture"
    )


def _fixture_name(function: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
    """The name a fixture is requested by (its `name=` if it has one), or None."""
    for decorator in function.decorator_list:
        if _is_fixture(decorator):
            if isinstance(decorator, ast.Call):
                for keyword in decorator.keywords:
                    if keyword.arg == "name" and isinstance(keyword.value, ast.Constant):
                        return str(keyword.value.value)
            return function.name
    return None


def fixtures_declared(source: str) -> set[str]:
    tree = ast.parse(source)
    functions = (ast.FunctionDef, ast.AsyncFunctionDef)
    names = (_fixture_name(node) for node in ast.walk(tree) if isinstance(node, functions))
    return {name for name in names if name}


def test_server_and_worker_fixtures_are_declared_only_in_the_root_conftest() -> None:
    elsewhere = {
        str(path.relative_to(TESTS)): sorted(found)
        for path in TESTS.rglob("*.py")
        if path != HOME and (found := fixtures_declared(path.read_text()) & DECLARED_ONCE)
    }
    assert elsewhere == {}, "override transcription_backend, api_settings or worker_env instead"
    assert fixtures_declared(HOME.read_text()) >= DECLARED_ONCE


def test_the_check_sees_every_way_of_declaring_a_fixture() -> None:
    source = """
import pytest
from pytest import fixture

@pytest.fixture
def api(): ...

@pytest.fixture(scope="module")
async def worker(): ...

@fixture(name="api_url")
def something_else(): ...

def worker_helper(): ...

@pytest.mark.parametrize("x", [1])
def test_api(x): ...
"""
    assert fixtures_declared(source) == {"api", "worker", "api_url"}
