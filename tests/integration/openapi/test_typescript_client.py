"""@hey-api/openapi-ts (a generator nobody here wrote; src/web's devDependency) makes a fetch
client from the API's own document, offline and with no warning; typescript/flow.ts, compiled
with it under tsc --strict, types every answer, error and event (a compile error if one were
`unknown` or `any`), and run with node drives the core flow against the real server."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.integration.openapi.conftest import offline_env

ROOT = Path(__file__).resolve().parents[3]
BIN = ROOT / "src" / "web" / "node_modules" / ".bin"
FLOW = Path(__file__).with_name("typescript")

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or not (BIN / "openapi-ts").exists(),
    reason="needs Node 20.19+ and src/web's packages (`just setup`; CI has both)",
)


def _run(args: list[str | Path], cwd: Path, timeout: float = 60) -> str:
    result = subprocess.run(
        args,
        cwd=cwd,
        env=offline_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    return output


@pytest.fixture(scope="module")
def compiled_flow(
    openapi_file: Path, base_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """flow.ts and the client generated beside it, compiled (strict) to JavaScript."""
    work = tmp_path_factory.mktemp("typescript-client")
    for name in ("flow.ts", "tsconfig.json"):
        shutil.copy(FLOW / name, work / name)
    (work / "settings.ts").write_text(f"export const BASE_URL = {json.dumps(base_url)};\n")
    generate = [BIN / "openapi-ts", "--input", openapi_file, "--output", work / "client"]
    output = _run([*generate, "--client", "@hey-api/client-fetch", "--no-log-file"], work)
    # It says what it does and that it is done; anything it warns about fails here.
    assert "Done!" in output, output
    assert not [line for line in output.splitlines() if "warn" in line.lower()], output
    assert not [line for line in output.splitlines() if "error" in line.lower()], output
    _run([BIN / "tsc", "-p", work / "tsconfig.json"], work)
    return work / "out" / "flow.js"


def test_the_generated_typescript_client_drives_the_core_flow(
    compiled_flow: Path, worker: object
) -> None:
    output = _run(["node", compiled_flow], compiled_flow.parent)
    result = json.loads(output.strip().splitlines()[-1])
    assert result["ok"] is True
    assert result["events"][-1] == "completed"
    assert "Speaker A: Hello from TypeScript." in result["transcript"]
