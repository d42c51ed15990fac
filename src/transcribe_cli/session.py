"""What every command shares: the saved configuration, the server address, and an API
client that renews the login (and saves the renewed tokens) by itself."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import click

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

from transcribe_cli.api import RenewingAuth, Tokens, TranscribeApi
from transcribe_cli.config import CliConfig, config_dir
from transcribe_cli.output import CliError


@dataclass
class Session:
    config: CliConfig = field(default_factory=CliConfig.load)
    server_flag: str | None = None
    _clients: list[TranscribeApi] = field(default_factory=list)

    @property
    def server(self) -> str:
        """`--server`, else $TRANSCRIBE_SERVER, else the saved one."""
        return self.server_flag or os.environ.get("TRANSCRIBE_SERVER") or self.config.server

    def remember_server(self, server: str) -> None:
        """`--server` on any command: used now and saved for the next ones."""
        server = server.rstrip("/")
        if server != self.server:
            self.config.forget_login()  # tokens of one server mean nothing to another
        self.server_flag = self.config.server = server
        self.config.save()

    def public_api(self) -> TranscribeApi:
        return self._keep(TranscribeApi(self.server))

    def api(self) -> TranscribeApi:
        """A client for the signed-in user: TRANSCRIBE_API_KEY if set, else the saved login."""
        if key := os.environ.get("TRANSCRIBE_API_KEY"):
            return self._keep(TranscribeApi(self.server, RenewingAuth(self.server, Tokens(key))))
        if not self.config.token:
            raise CliError("not logged in: run `transcribe login` (or set TRANSCRIBE_API_KEY)")
        tokens = Tokens(self.config.token, self.config.refresh_token)
        return self._keep(TranscribeApi(self.server, RenewingAuth(self.server, tokens, self)))

    def signed_in(self, email: str, tokens: Tokens) -> None:
        """The login is saved with the server it belongs to."""
        self.config.email, self.config.server = email, self.server
        self.save(tokens)

    # The TokenStore of RenewingAuth: the config file, under a lock that every CLI process
    # of the user shares (POSIX; elsewhere, renewals are not serialised).
    @contextmanager
    def locked(self) -> Iterator[None]:
        directory = config_dir()
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        with (directory / "config.lock").open("w") as lock:
            if fcntl:
                fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    def load(self) -> Tokens | None:
        saved = CliConfig.load()
        return Tokens(saved.token, saved.refresh_token) if saved.token else None

    def save(self, tokens: Tokens) -> None:
        self.config.token, self.config.refresh_token = tokens.access, tokens.refresh
        self.config.save()

    def _keep(self, client: TranscribeApi) -> TranscribeApi:
        self._clients.append(client)
        return client

    def close(self) -> None:
        for client in self._clients:
            client.close()


pass_session = click.make_pass_decorator(Session)
