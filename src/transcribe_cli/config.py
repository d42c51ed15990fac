"""Where the CLI keeps its logins: one JSON file, mode 0600.

One login per server, as `gh` keeps one per host: `--server` picks a server for one
command and changes nothing saved; a successful `login` or `register` saves that server's
login and makes it the default. A failed command saves nothing.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_SERVER = "http://127.0.0.1:8000"


def config_dir() -> Path:
    if override := os.environ.get("TRANSCRIBE_CONFIG_DIR"):
        return Path(override)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "transcribe"


@dataclass
class Login:
    email: str | None = None
    token: str | None = None  # the access token
    refresh_token: str | None = None


@dataclass
class CliConfig:
    server: str = DEFAULT_SERVER  # the default: the last one logged in to
    logins: dict[str, Login] = field(default_factory=dict)  # by server address

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
        server = str(data.get("server") or DEFAULT_SERVER)
        logins = {
            str(address): _login(saved)
            for address, saved in (data.get("logins") or {}).items()
            if isinstance(saved, dict)
        }
        if "token" in data and server not in logins:  # a file from before logins per server
            logins[server] = _login(data)
        return cls(server, logins)

    def login_at(self, server: str) -> Login:
        return self.logins.get(server) or Login()

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


def _login(saved: dict[str, Any]) -> Login:
    return Login(**{k: saved.get(k) for k in Login.__dataclass_fields__})
