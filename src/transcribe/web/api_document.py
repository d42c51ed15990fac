"""The service's OpenAPI document as the web app's client generator reads it:
`python -m transcribe openapi [FILE]` (`just gen-api` writes it to src/web/openapi.json).

The same document `/schema/openapi.json` serves (startup hooks included), with sorted keys
and a fixed layout, so that moving a route in the code does not rewrite the generated client.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import sys
from pathlib import Path
from typing import Any

from litestar import Litestar
from litestar.serialization import encode_json


def openapi_document(app: Litestar | None = None) -> dict[str, Any]:
    if app is None:
        from transcribe.app import create_app

        app = create_app()
    # The startup hooks complete the document (public operations, descriptions); no server
    # starts and nothing connects to the database.
    for hook in app.on_startup:
        result = hook(app) if inspect.signature(hook).parameters else hook()
        if inspect.isawaitable(result):
            asyncio.run(result)  # type: ignore[arg-type]
    return json.loads(encode_json(app.openapi_schema.to_schema()))


def openapi_json(app: Litestar | None = None) -> str:
    return json.dumps(openapi_document(app), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) > 1:
        print("usage: python -m transcribe openapi [FILE]", file=sys.stderr)
        return 2
    text = openapi_json()
    if argv:
        Path(argv[0]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0
