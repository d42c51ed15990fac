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
from transcribe_cli.config import CliConfig, Login, config_dir
from transcribe_cli.output import CliError


@dataclass
class Session:
    config: CliConfig = field(default_factory=CliConfig.load)
    server_flag: str | None = None
    _clients: list[TranscribeApi] = field(default_factory=list)

    @property
    def server(self) -> str:
        """`--server`, else $TRANSCRIBE_SERVER, else the default saved one."""
        chosen = self.server_flag or os.environ.get("TRANSCRIBE_SERVER") or self.config.server
        return chosen.rstrip("/")

    @property
    def login(self) -> Login:
        """This server's saved login (empty when there is none)."""
        return self.config.login_at(self.server)

    def use_server(self, server: str) -> None:
        """`--server` on any command: this command's server; nothing is saved for it."""
        self.server_flag = server.rstrip("/")

    def public_api(self) -> TranscribeApi:
        return self._keep(TranscribeApi(self.server))

    def api(self) -> TranscribeApi:
        """A client for the signed-in user: TRANSCRIBE_API_KEY if set, else the saved login."""
        if key := os.environ.get("TRANSCRIBE_API_KEY"):
            return self._keep(TranscribeApi(self.server, RenewingAuth(self.server, Tokens(key))))
        if not self.login.token:
            raise CliError(
                f"not logged in at {self.server}: run `transcribe login` "
                f"(with --server {self.server} if it is not your default), "
                "or set TRANSCRIBE_API_KEY"
            )
        tokens = Tokens(self.login.token, self.login.refresh_token)
        return self._keep(TranscribeApi(self.server, RenewingAuth(self.server, tokens, self)))

    def signed_in(self, email: str, tokens: Tokens) -> None:
        """Saved with the server it belongs to, which becomes the default."""
        with self.locked():  # into the file as it is now: others may have changed it
            self.config = CliConfig.load()
            self.config.server = self.server
            self.config.logins[self.server] = Login(email, tokens.access, tokens.refresh)
            self.config.save()

    def forget_login(self) -> None:
        with self.locked():
            self.config = CliConfig.load()
            self.config.logins.pop(self.server, None)
            self.config.save()

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
        saved = CliConfig.load().login_at(self.server)
        return Tokens(saved.token, saved.refresh_token) if saved.token else None

    def save(self, tokens: Tokens) -> None:
        """Renewed tokens: into the file as it is now (another process may have changed
        other servers' logins meanwhile; RenewingAuth holds the lock)."""
        self.config = CliConfig.load()
        login = self.config.login_at(self.server)
        self.config.logins[self.server] = Login(login.email, tokens.access, tokens.refresh)
        self.config.save()

    def _keep(self, client: TranscribeApi) -> TranscribeApi:
        self._clients.append(client)
        return client

    def close(self) -> None:
        for client in self._clients:
            client.close()


pass_session = click.make_pass_decorator(Session)
