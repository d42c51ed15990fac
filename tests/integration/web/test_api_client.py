"""The web app's typed API client (src/web/src/api/schema.d.ts) is generated from the
service's own OpenAPI document by `just gen-api`; these tests fail when the committed file
is stale, i.e. the API changed and nobody regenerated the client."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import httpx
import pytest

from transcribe.settings import Settings
from transcribe.web.api_document import openapi_document, openapi_json

ROOT = Path(__file__).resolve().parents[3]
WEB = ROOT / "src" / "web"
CLIENT = WEB / "src" / "api" / "schema.d.ts"
# The contract of src/web/package.json: `gen:api` reads openapi.json, writes this file.
INPUT, OUTPUT = "openapi.json", "src/api/schema.d.ts"


def test_the_dumped_document_is_the_served_one(base_url: str, settings: Settings) -> None:
    from transcribe.app import create_app

    served = httpx.get(f"{base_url}/schema/openapi.json").json()
    assert openapi_document(create_app(settings)) == served
    assert not [p for p in served["paths"] if p == "/" or p.startswith(("/app", "/s/"))]


def test_the_dump_is_stable(settings: Settings) -> None:
    from transcribe.app import create_app

    first, second = openapi_json(create_app(settings)), openapi_json(create_app(settings))
    assert first == second
    assert list(json.loads(first)["paths"]) == sorted(json.loads(first)["paths"])


def _gen_api_script() -> str:
    script = json.loads((WEB / "package.json").read_text())["scripts"]["gen:api"]
    assert INPUT in script and OUTPUT in script, (
        f"src/web/package.json's gen:api must read {INPUT} and write {OUTPUT}: {script!r}"
    )
    return script


@pytest.mark.skipif(
    not (WEB / "node_modules" / ".bin" / "openapi-typescript").exists(),
    reason="src/web/node_modules is missing: run `just setup` with Node 20+ (CI always has it)",
)
def test_the_committed_client_is_generated_from_the_current_api(
    settings: Settings, tmp_path: Path
) -> None:
    from transcribe.app import create_app

    document = tmp_path / "openapi.json"
    generated = tmp_path / "schema.d.ts"
    document.write_text(openapi_json(create_app(settings)), encoding="utf-8")
    # `gen:api` itself (its flags included), pointed at temporary files.
    script = _gen_api_script().replace(OUTPUT, str(generated)).replace(INPUT, str(document))
    path = f"{WEB / 'node_modules' / '.bin'}{os.pathsep}{os.environ.get('PATH', '')}"
    result = subprocess.run(
        ["bash", "-c", script],
        cwd=WEB,
        env={**os.environ, "PATH": path},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert CLIENT.exists(), f"{CLIENT.relative_to(ROOT)} is not committed: run `just gen-api`"
    assert generated.read_text() == CLIENT.read_text(), (
        f"{CLIENT.relative_to(ROOT)} is stale against the API: run `just gen-api` and commit it"
    )
