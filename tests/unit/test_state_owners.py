"""One owner for every piece of state: each table's rows change only in its owner's module,
and routes read and call (they neither write rows nor commit).

The scan reads the source (no import): SQLAlchemy's insert/update/delete of a model or its
table (aliases followed), a model's constructor, raw SQL that writes a table, and assignments
to a column's attribute. A new table needs an owner here before anything may write it.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

from transcribe.db import models as m

SRC = Path(__file__).resolve().parents[2] / "src" / "transcribe"

OWNERS: dict[str, set[str]] = {
    "users": {"domain/accounts/services.py"},
    "uploads": {"domain/files/uploads.py"},
    # POST /jobs writes its job and first event in one statement of its own (benchmarked in
    # bench/api.py), with the event's form from lifecycle.event_params; every other change
    # goes through lifecycle.
    "transcription_jobs": {"domain/jobs/lifecycle.py", "domain/jobs/creation.py"},
    "job_events": {"domain/jobs/lifecycle.py", "domain/jobs/creation.py"},
    "transcripts": {"domain/transcripts/store.py"},
    "refresh_tokens": {"domain/accounts/sessions.py"},
    "account_tokens": {"domain/accounts/account_tokens.py"},
    "api_keys": {"domain/accounts/api_keys.py"},
    "login_failures": {"domain/accounts/throttle.py"},
    "usage_months": {"domain/accounts/usage.py"},
    "provider_cancellations": {"domain/jobs/cancellations.py"},
    "share_links": {"domain/sharing/services.py"},
    "webhook_endpoints": {"domain/webhooks/endpoints.py"},
    "webhook_deliveries": {"domain/webhooks/outbox.py"},
}

MODELS = {
    name: obj.__tablename__
    for name, obj in vars(m).items()
    if isinstance(obj, type) and hasattr(obj, "__tablename__")
}
TABLES = set(MODELS.values())
COLUMN_TABLES: dict[str, set[str]] = defaultdict(set)
for _model_name, _table in MODELS.items():
    for _column in getattr(m, _model_name).__table__.columns:
        COLUMN_TABLES[_column.key].add(_table)

WRITE_BUILDERS = {"insert", "update", "delete"}
RAW_WRITE = re.compile(r"\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+(\w+)", re.IGNORECASE)
# What a route may not call: the session's own writes, and a service's writing methods.
SESSION_WRITES = {"commit", "flush", "add", "add_all", "merge", "delete"}
SERVICE_WRITES = {
    "create",
    "create_many",
    "update",
    "update_many",
    "upsert",
    "delete",
    "delete_many",
}


def _is_route_module(module: str) -> bool:
    name = module.rsplit("/", 1)[-1]
    return name == "controllers.py" or name.endswith("_routes.py")


class _Writes(ast.NodeVisitor):
    """The tables a module writes, and the session/service writes it calls."""

    def __init__(self) -> None:
        self.builders: set[str] = set()  # local names of sqlalchemy's insert/update/delete
        self.models: dict[str, str] = {}  # local name -> table
        self.tables: dict[str, list[int]] = defaultdict(list)
        self.columns: list[tuple[str, int]] = []
        self.calls: list[tuple[str, int]] = []

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module and node.module.startswith("sqlalchemy"):
            for alias in node.names:
                if alias.name in WRITE_BUILDERS:
                    self.builders.add(alias.asname or alias.name)
        if node.module == "transcribe.db.models":
            for alias in node.names:
                if alias.name in MODELS:
                    self.models[alias.asname or alias.name] = MODELS[alias.name]

    def _table_of(self, node: ast.expr) -> str | None:
        if isinstance(node, ast.Attribute) and node.attr == "__table__":
            return self._table_of(node.value)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id == "m" and node.attr in MODELS:
                return MODELS[node.attr]
        if isinstance(node, ast.Name):
            return self.models.get(node.id)
        return None

    def visit_Assign(self, node: ast.Assign) -> None:
        values = node.value.elts if isinstance(node.value, ast.Tuple) else [node.value]
        for target in node.targets:
            names = target.elts if isinstance(target, ast.Tuple) else [target]
            for name, value in zip(names, values, strict=False):
                table = self._table_of(value)
                if isinstance(name, ast.Name) and table:
                    self.models[name.id] = table
            self._column_store(target, node.lineno)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._column_store(node.target, node.lineno)
        self.generic_visit(node)

    def _column_store(self, target: ast.expr, line: int) -> None:
        if (
            isinstance(target, ast.Attribute)
            and target.attr in COLUMN_TABLES
            and not (isinstance(target.value, ast.Name) and target.value.id in ("self", "cls"))
        ):
            self.columns.append((target.attr, line))

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.id if isinstance(func, ast.Name) else None
        if name in self.builders and node.args and (table := self._table_of(node.args[0])):
            self.tables[table].append(node.lineno)
        if table := self._table_of(func):
            self.tables[table].append(node.lineno)  # a new row
        if isinstance(func, ast.Attribute):
            receiver = ast.unparse(func.value)
            if func.attr in SESSION_WRITES and (
                "session" in receiver or func.attr in ("commit", "flush")
            ):
                self.calls.append((f"{receiver}.{func.attr}()", node.lineno))
            if func.attr in SERVICE_WRITES and receiver.endswith("service"):
                self.calls.append((f"{receiver}.{func.attr}()", node.lineno))
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str):
            for table in RAW_WRITE.findall(node.value):
                if table in TABLES:
                    self.tables[table].append(node.lineno)


def scan(source: str) -> _Writes:
    writes = _Writes()
    writes.visit(ast.parse(source))
    return writes


def _modules() -> dict[str, _Writes]:
    found = {}
    for path in sorted(SRC.rglob("*.py")):
        module = path.relative_to(SRC).as_posix()
        if module.startswith("db/models/"):
            continue
        found[module] = scan(path.read_text())
    return found


def test_every_table_has_an_owner() -> None:
    assert TABLES - OWNERS.keys() == set(), "tables without an owner in OWNERS"
    assert OWNERS.keys() - TABLES == set(), "OWNERS names tables that do not exist"


def test_the_scan_sees_each_kind_of_write() -> None:
    """A scan that found nothing would pass every test below whatever the code does."""
    writes = scan(
        "from sqlalchemy import update as sql_update\n"
        "from transcribe.db import models as m\n"
        "Upload = m.Upload\n"
        "usage = m.UsageMonth.__table__\n"
        "async def f(session, user, users_service):\n"
        "    await session.execute(sql_update(m.User).values(disabled=True))\n"
        "    await session.execute(insert(usage))\n"
        "    session.add(Upload(size=1))\n"
        "    await session.execute(text('DELETE FROM share_links WHERE id = :id'))\n"
        "    user.is_admin = True\n"
        "    await session.commit()\n"
        "    await users_service.update({'email': 'x'})\n"
    )
    assert set(writes.tables) == {"users", "uploads", "share_links"}
    assert [column for column, _ in writes.columns] == ["is_admin"]
    assert [call for call, _ in writes.calls] == [
        "session.add()",
        "session.commit()",
        "users_service.update()",
    ]
    real = _modules()
    assert "transcription_jobs" in real["domain/jobs/lifecycle.py"].tables
    assert "uploads" in real["domain/files/uploads.py"].tables


def test_rows_change_only_in_their_owners() -> None:
    strays = [
        f"{module}:{line} writes {table} (owner: {', '.join(sorted(OWNERS[table]))})"
        for module, writes in _modules().items()
        for table, lines in writes.tables.items()
        if module not in OWNERS[table]
        for line in lines
    ]
    assert strays == []


def test_columns_are_set_only_in_their_owners() -> None:
    """`row.column = ...` outside the owner of every table with such a column."""
    owned_by: dict[str, set[str]] = defaultdict(set)
    for table, modules in OWNERS.items():
        for module in modules:
            owned_by[module].add(table)
    strays = [
        f"{module}:{line} sets .{column}"
        for module, writes in _modules().items()
        if module.startswith(("domain/", "worker/"))
        for column, line in writes.columns
        if not COLUMN_TABLES[column] & owned_by[module]
    ]
    assert strays == []


def test_routes_neither_write_rows_nor_commit() -> None:
    routes = {module: w for module, w in _modules().items() if _is_route_module(module)}
    assert len(routes) >= 10, "the scan should see the route modules"
    strays = [
        f"{module}:{line} calls {call}"
        for module, writes in routes.items()
        for call, line in writes.calls
    ]
    assert strays == []


def test_the_disabled_rule_is_spelled_once() -> None:
    """Whether a disabled account may do anything is `User.can_use_service`; the flag itself is
    read only where it is set (the users' owner) and shown (the admin's view of a user)."""
    allowed = {"domain/accounts/services.py", "domain/admin/controllers.py"}
    readers = sorted(
        f"{path.relative_to(SRC).as_posix()}:{node.lineno}"
        for path in (SRC / "domain").rglob("*.py")
        if path.relative_to(SRC).as_posix() not in allowed
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Attribute) and node.attr == "disabled"
    )
    assert readers == []
