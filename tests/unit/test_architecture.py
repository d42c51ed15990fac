"""The house rules that code review alone would let slip: no two domain packages import each
other (either way, at any depth, type-checking imports included)."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

DOMAIN = Path(__file__).resolve().parents[2] / "src" / "transcribe" / "domain"


def _imported_domains(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
            if node.module == "transcribe.domain":
                names = [f"transcribe.domain.{alias.name}" for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[:2] == ["transcribe", "domain"] and len(parts) > 2:
                found.add(parts[2])
    return found


def domain_imports() -> dict[str, set[str]]:
    """For each domain package, the other domain packages its modules import."""
    imports: dict[str, set[str]] = defaultdict(set)
    for path in DOMAIN.rglob("*.py"):
        package = path.relative_to(DOMAIN).parts[0]
        if package.endswith(".py"):
            continue
        imports[package] |= _imported_domains(path) - {package}
    return imports


def test_the_scan_sees_imports() -> None:
    """A scan that found nothing would pass the next test whatever the code does."""
    imports = domain_imports()
    assert "transcripts" in imports["jobs"] and "accounts" in imports["jobs"]


def test_no_two_domain_packages_import_each_other() -> None:
    imports = domain_imports()
    both_ways = sorted(
        f"{a} <-> {b}" for a in imports for b in imports[a] if a < b and a in imports.get(b, ())
    )
    assert both_ways == [], "domain packages importing each other: " + ", ".join(both_ways)
