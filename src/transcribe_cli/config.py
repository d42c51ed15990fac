"""Where the CLI keeps the server address and the login: one JSON file, mode 0600."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

DEFAULT_SERVER = "http://127.0.0.1:8000"


def config_dir() -> Path:
    if override := os.environ.get("TRANSCRIBE_CONFIG_DIR"):
        return Path(override)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "transcribe"


@dataclass
class CliConfig:
    server: str = DEFAULT_SERVER
    token: str | None = None  # the access token
    refresh_token: str | None = None
    email: str | None = None

    @classmethod
    def load(cls) -> CliConfig:
        path = config_dir() / "config.json"
        if not path.exists():
            return cls()
        try:
            data = json.loads(path.read_text())
        except ValueError as exc:
            raise SystemExit(f"error: {path} is not valid JSON ({exc}); fix or delete it") from exc
        if not isinstance(data, dict):
            raise SystemExit(f"error: {path} is not a JSON object; fix or delete it")
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    def forget_login(self) -> None:
        self.token = self.refresh_token = None

    def save(self) -> Path:
        directory = config_dir()
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = directory / "config.json"
        partial = directory / "config.json.part"
        # Created with 0600 from the start: the tokens are never readable by others, even
        # briefly; written aside and renamed, so a crash never leaves half a file.
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as file:
            json.dump(asdict(self), file, indent=2)
        os.chmod(partial, 0o600)
        partial.replace(path)
        return path
