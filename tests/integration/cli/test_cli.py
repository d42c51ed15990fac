"""The `transcribe` CLI as a user runs it: a real process against the running API and a
real worker (stub engine)."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from tests.helpers.accounts import unique_email
from tests.helpers.worker import Worker
from tests.integration.cli.runner import logged_in, logged_in_as, run_cli


def test_round_trip(base_url: str, worker: Worker, tmp_path: Path) -> None:
    config = tmp_path / "config"
    email, password = unique_email(), "cli-password-123"
    registered = run_cli(
        config, base_url, "register", "--email", email, "--password-stdin", stdin=password + "\n"
    )
    assert registered.returncode == 0, registered.stderr
    login = run_cli(
        config, base_url, "login", "--email", email, "--password-stdin", stdin=password + "\n"
    )
    assert login.returncode == 0, login.stderr
    saved = config / "config.json"
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert password not in saved.read_text()

    talk = tmp_path / "talk.txt"
    talk.write_text("A: Are we recording?\nB: We are.\n")
    out = tmp_path / "out.txt"
    upload = run_cli(
        config,
        base_url,
        "upload",
        str(talk),
        "--language",
        "en",
        "--mode",
        "dialogue",
        "--wait",
        "--output",
        str(out),
    )
    assert upload.returncode == 0, upload.stderr
    job_id = upload.stdout.strip()
    assert "uploading talk.txt" in upload.stderr and "100%" in upload.stderr
    assert "status: completed" in upload.stderr
    assert "polling" not in upload.stderr  # it followed the job's event stream
    assert out.read_text() == "Speaker A: Are we recording?\nSpeaker B: We are.\n"

    jobs = run_cli(config, base_url, "jobs")
    assert jobs.returncode == 0 and job_id in jobs.stdout and "completed" in jobs.stdout
    printed = run_cli(config, base_url, "download", job_id)
    assert printed.returncode == 0 and printed.stdout == out.read_text()
    saved_again = tmp_path / "again.txt"
    to_file = run_cli(config, base_url, "download", job_id, "--output", str(saved_again))
    assert to_file.returncode == 0, to_file.stderr
    assert "txt transcript saved to" in to_file.stderr
    assert saved_again.read_bytes() == out.read_bytes()
    assert not (tmp_path / "again.txt.part").exists()


def test_corrupt_config_is_named_not_a_traceback(base_url: str, tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{not json")
    result = run_cli(tmp_path, base_url, "jobs")
    assert result.returncode == 1
    assert "config.json is not valid JSON" in result.stderr and "Traceback" not in result.stderr


def test_wrong_password_fails_plainly(base_url: str, tmp_path: Path) -> None:
    result = run_cli(
        tmp_path,
        base_url,
        "login",
        "--email",
        unique_email(),
        "--password-stdin",
        stdin="nope-nope\n",
    )
    assert result.returncode == 1
    assert "Incorrect email or password" in result.stderr
    assert not (tmp_path / "config.json").exists()


def test_bad_token_says_to_log_in_again(base_url: str, tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(json.dumps({"server": base_url, "token": "not-a-token"}))
    result = run_cli(tmp_path, base_url, "jobs")
    assert result.returncode == 1
    assert "your login has expired or was revoked: run `transcribe login`" in result.stderr


def test_not_logged_in(base_url: str, tmp_path: Path) -> None:
    result = run_cli(tmp_path, base_url, "jobs")
    assert result.returncode == 1 and "not logged in" in result.stderr


def test_refused_upload_is_reported(base_url: str, tmp_path: Path) -> None:
    config = tmp_path / "config"
    logged_in(config, base_url)
    document = tmp_path / "report.pdf"
    document.write_bytes(b"%PDF-1.4")
    result = run_cli(config, base_url, "upload", str(document))
    assert result.returncode == 1
    assert "Unsupported content type" in result.stderr and "415" in result.stderr


def test_unreachable_server(tmp_path: Path) -> None:
    dead = "http://127.0.0.1:9"
    (tmp_path / "config.json").write_text(json.dumps({"logins": {dead: {"token": "t"}}}))
    result = run_cli(tmp_path, "http://127.0.0.1:9", "jobs")
    assert result.returncode == 1 and "cannot reach" in result.stderr


def test_wait_falls_back_to_polling_when_the_stream_breaks(
    base_url: str, worker: Worker, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The event stream breaks (a proxy that cuts long responses): `--wait` polls instead."""
    import httpx

    from tests.helpers.accounts import signed_in_user
    from tests.helpers.uploads import upload_file
    from transcribe_cli.api import RenewingAuth, Tokens, TranscribeApi
    from transcribe_cli.output import StatusLine
    from transcribe_cli.waiting import follow

    async def new_job() -> tuple[str, str]:
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
            user = await signed_in_user(client)
            key = await upload_file(client, user, b"cut short")
            created = await client.post(
                "/jobs",
                json={"object_key": key, "language": "en", "mode": "mono"},
                headers=user.headers,
            )
            return user.token, created.json()["id"]

    import asyncio

    token, job_id = asyncio.run(new_job())

    class BrokenStream(TranscribeApi):
        def job_events(self, job_id: str, idle_timeout_s: float = 60):  # type: ignore[override]
            raise httpx.RemoteProtocolError("peer closed connection")
            yield {}  # a generator, like the real one

    job = follow(
        BrokenStream(base_url, RenewingAuth(base_url, Tokens(token))), job_id, StatusLine()
    )
    assert job["status"] == "completed"
    assert "polling" in capsys.readouterr().err


def test_formats_speakers_and_search(base_url: str, worker: Worker, tmp_path: Path) -> None:
    import srt

    config = tmp_path / "config"
    logged_in(config, base_url)
    talk = tmp_path / "standup.txt"
    talk.write_text("A: The lighthouse ships on Friday.\nB: Then we celebrate.\n")
    upload = run_cli(
        config, base_url, "upload", str(talk), "--language", "en", "--mode", "dialogue", "--wait"
    )
    assert upload.returncode == 0, upload.stderr
    job_id = upload.stdout.strip()

    named = run_cli(config, base_url, "speakers", job_id, "A=Alice", "B=Bob")
    assert named.returncode == 0, named.stderr
    assert named.stdout.splitlines() == ["A: Alice", "B: Bob"]
    subtitles = tmp_path / "standup.srt"
    saved = run_cli(
        config, base_url, "download", job_id, "--format", "srt", "--output", str(subtitles)
    )
    assert saved.returncode == 0, saved.stderr
    assert "saved to" in saved.stderr
    cues = list(srt.parse(subtitles.read_text()))
    assert cues[0].content.startswith("Alice: The lighthouse")

    found = run_cli(config, base_url, "jobs", "--search", "lighthouse")
    assert found.returncode == 0 and job_id in found.stdout
    assert "1 of 1 jobs" in found.stderr
    unknown = run_cli(config, base_url, "speakers", job_id, "Z=Zed")
    assert unknown.returncode == 1 and "no speaker 'Z'" in unknown.stderr
    malformed = run_cli(config, base_url, "speakers", job_id, "Alice")
    assert malformed.returncode == 2


def test_upload_is_checked_against_the_engine_before_sending(base_url: str, tmp_path: Path) -> None:
    config = tmp_path / "config"
    logged_in(config, base_url)
    talk = tmp_path / "talk.txt"
    talk.write_text("hello")
    result = run_cli(config, base_url, "upload", str(talk), "--language", "xx")
    assert result.returncode == 2 and "does not know language 'xx'" in result.stderr
    assert "uploading" not in result.stderr  # not a byte sent


def _file(config: Path) -> dict:
    return json.loads((config / "config.json").read_text())


def _saved(config: Path) -> dict:
    """The login of the default server."""
    saved = _file(config)
    return saved["logins"].get(saved["server"]) or {"token": None, "refresh_token": None}


def _spend(base_url: str, refresh_token: str) -> int:
    import httpx

    return httpx.post(f"{base_url}/auth/refresh", json={"refresh_token": refresh_token}).status_code


def _expire_access_token(config: Path) -> None:
    saved = _file(config)
    saved["logins"][saved["server"]]["token"] = "expired"  # refused with 401 like an expired one
    (config / "config.json").write_text(json.dumps(saved))


def test_an_expired_access_token_is_renewed_and_saved(base_url: str, tmp_path: Path) -> None:
    config = tmp_path / "config"
    logged_in(config, base_url)
    first_refresh = _saved(config)["refresh_token"]
    _expire_access_token(config)

    listed = run_cli(config, base_url, "jobs")

    assert listed.returncode == 0, listed.stderr
    assert "0 of 0 jobs" in listed.stderr
    renewed = _saved(config)
    assert renewed["token"] != "expired" and renewed["refresh_token"] != first_refresh
    assert stat.S_IMODE((config / "config.json").stat().st_mode) == 0o600
    assert run_cli(config, base_url, "whoami").returncode == 0  # the renewed pair works
    assert _spend(base_url, first_refresh) == 401  # the old refresh token was spent


def test_a_revoked_login_says_to_log_in_again(base_url: str, tmp_path: Path) -> None:
    import httpx

    config = tmp_path / "config"
    logged_in(config, base_url)
    # Logged out elsewhere (the same login): the refresh token is revoked on the server.
    revoked = httpx.post(
        f"{base_url}/auth/logout", json={"refresh_token": _saved(config)["refresh_token"]}
    )
    assert revoked.status_code == 204
    _expire_access_token(config)
    result = run_cli(config, base_url, "jobs")
    assert result.returncode == 1
    assert "your login has expired or was revoked: run `transcribe login`" in result.stderr


def test_logout_ends_the_login_on_the_server(base_url: str, tmp_path: Path) -> None:
    config = tmp_path / "config"
    logged_in(config, base_url)
    refresh = _saved(config)["refresh_token"]
    result = run_cli(config, base_url, "logout")
    assert result.returncode == 0, result.stderr
    assert _saved(config)["token"] is None and _saved(config)["refresh_token"] is None
    assert _spend(base_url, refresh) == 401
    after = run_cli(config, base_url, "jobs")
    assert after.returncode == 1 and "not logged in" in after.stderr


def test_the_servers_field_errors_are_shown(base_url: str, tmp_path: Path) -> None:
    result = run_cli(
        tmp_path, base_url, "register", "--email", unique_email(), "--password-stdin", stdin="x\n"
    )
    assert result.returncode == 1
    assert "Validation failed" in result.stderr
    assert "password: Expected `str` of length >= 8" in result.stderr
    assert not (tmp_path / "config.json").exists()


def test_each_server_keeps_its_login_and_a_failure_saves_nothing(
    base_url: str, tmp_path: Path
) -> None:
    """As `gh` keeps one login per host: `--server` picks the server of one command; a
    successful login makes its server the default; a mistyped server or a failed login
    changes nothing saved."""
    config = tmp_path / "config"
    email = unique_email()
    registered = run_cli(
        config,
        None,
        "register",
        "--server",
        base_url,
        "--email",
        email,
        "--password-stdin",
        stdin="cli-password-123\n",
    )
    assert registered.returncode == 0, registered.stderr
    assert _file(config)["server"] == base_url
    me = run_cli(config, None, "whoami")  # no --server, no $TRANSCRIBE_SERVER
    assert me.returncode == 0, me.stderr
    assert email in me.stdout and base_url in me.stdout
    before = _file(config)

    mistyped = run_cli(config, None, "--server", "http://127.0.0.1:9", "jobs")
    assert mistyped.returncode == 1 and "not logged in at http://127.0.0.1:9" in mistyped.stderr
    dead = run_cli(
        config,
        None,
        "login",
        "--server",
        "http://127.0.0.1:9",
        "--email",
        email,
        "--password-stdin",
        stdin="cli-password-123\n",
    )
    assert dead.returncode == 1 and "cannot reach" in dead.stderr
    assert _file(config) == before  # nothing saved, nobody logged out
    assert run_cli(config, None, "whoami").returncode == 0

    # The same API under a second address is a second server with a login of its own.
    other_address = base_url.replace("127.0.0.1", "localhost")
    other = logged_in_as(config, other_address)
    assert set(_file(config)["logins"]) == {base_url, other_address}
    assert other in run_cli(config, None, "whoami").stdout  # the default is the last login
    first = run_cli(config, None, "--server", base_url, "whoami")
    assert first.returncode == 0 and email in first.stdout
    out = run_cli(config, None, "--server", other_address, "logout")
    assert out.returncode == 0, out.stderr
    assert set(_file(config)["logins"]) == {base_url}


def test_a_config_from_before_logins_per_server_still_works(base_url: str, tmp_path: Path) -> None:
    config = tmp_path / "config"
    email = logged_in(config, base_url)
    login = _saved(config)
    (config / "config.json").write_text(
        json.dumps(
            {
                "server": base_url,
                "token": login["token"],
                "email": email,
                "refresh_token": login["refresh_token"],
            }
        )
    )
    me = run_cli(config, None, "whoami")
    assert me.returncode == 0 and email in me.stdout


def test_an_api_key_from_the_environment(base_url: str, tmp_path: Path) -> None:
    import httpx

    config = tmp_path / "config"
    logged_in(config, base_url)
    headers = {"Authorization": f"Bearer {_saved(config)['token']}"}
    key = httpx.post(f"{base_url}/api-keys", json={"name": "cli"}, headers=headers).json()["key"]
    fresh = tmp_path / "elsewhere"  # a machine with no login at all
    listed = run_cli(fresh, base_url, "jobs", TRANSCRIBE_API_KEY=key)
    assert listed.returncode == 0, listed.stderr
    bad = run_cli(fresh, base_url, "jobs", TRANSCRIBE_API_KEY="trk_" + "x" * 43)
    assert bad.returncode == 1 and "TRANSCRIBE_API_KEY was refused" in bad.stderr


def test_names_print_without_control_characters(
    base_url: str, worker: Worker, tmp_path: Path
) -> None:
    config = tmp_path / "config"
    logged_in(config, base_url)
    evil = tmp_path / "evil\x1b[31mred\u202eexe.txt"
    evil.write_text("A: Hello.\n")
    upload = run_cli(config, base_url, "upload", str(evil), "--language", "en", "--wait")
    assert upload.returncode == 0, upload.stderr
    job_id = upload.stdout.strip()
    shown = run_cli(config, base_url, "show", job_id)
    listed = run_cli(config, base_url, "jobs")
    for output in (shown.stdout, listed.stdout, upload.stderr):
        assert "\x1b" not in output and "\u202e" not in output
    assert "red" in shown.stdout and "status: completed" in shown.stdout
    deleted = run_cli(config, base_url, "delete", job_id, "--yes")
    assert deleted.returncode == 0, deleted.stderr
    assert run_cli(config, base_url, "show", job_id).returncode == 1


def test_processes_renewing_at_once_keep_the_login(base_url: str, tmp_path: Path) -> None:
    """A refresh token spent twice revokes the login: CLI processes that all find the access
    token expired renew it one at a time, and the later ones use what the first saved."""
    from concurrent.futures import ThreadPoolExecutor

    config = tmp_path / "config"
    logged_in(config, base_url)
    _expire_access_token(config)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: run_cli(config, base_url, "jobs"), range(4)))
    assert [r.returncode for r in results] == [0] * 4, [r.stderr for r in results]
    _expire_access_token(config)
    again = run_cli(config, base_url, "whoami")  # the login survived: it renews once more
    assert again.returncode == 0, again.stderr


def test_an_output_name_that_is_no_format_is_refused_before_any_upload(
    base_url: str, tmp_path: Path
) -> None:
    config = tmp_path / "config"
    logged_in(config, base_url)
    talk = tmp_path / "talk.txt"
    talk.write_text("A: Hello.\n")
    for args in (
        ("upload", str(talk), "--output", str(tmp_path / "out.pdf")),
        ("download", "01a21322-7998-7289-9c44-3ee2f3050c5c", "--output", str(tmp_path / "out.PDF")),
    ):
        result = run_cli(config, base_url, *args)
        assert result.returncode == 2, result.stderr
        assert ".pdf is not a transcript format" in result.stderr.lower()
        assert ".srt" in result.stderr and "--format" in result.stderr
    assert not list(tmp_path.glob("out.*"))
    listed = run_cli(config, base_url, "jobs")
    assert listed.returncode == 0 and "talk.txt" not in listed.stdout  # nothing was uploaded


def test_version(tmp_path: Path) -> None:
    result = run_cli(tmp_path, None, "--version")
    assert result.returncode == 0
    assert result.stdout.startswith("transcribe, version ")


def test_jobs_to_a_pipe_are_tab_separated_fields(base_url: str, tmp_path: Path) -> None:
    """`transcribe jobs | cut -f1` gives the ids: real tabs, not spaces a console made."""
    from transcribe_cli.output import JOB_COLUMNS

    config = tmp_path / "config"
    logged_in(config, base_url)
    talk = tmp_path / "a talk with spaces.txt"
    talk.write_text("A: Hello.\n")
    uploaded = run_cli(config, base_url, "upload", str(talk))
    assert uploaded.returncode == 0, uploaded.stderr
    job_id = uploaded.stdout.strip()
    listed = run_cli(config, base_url, "jobs")
    assert listed.returncode == 0, listed.stderr
    fields = listed.stdout.rstrip("\n").split("\n")[0].split("\t")
    assert len(fields) == len(JOB_COLUMNS)
    assert fields[0] == job_id and "a talk with spaces.txt" in fields


def test_jobs_are_named_by_the_start_of_their_id_and_wait_says_how_to_download(
    base_url: str, worker: Worker, tmp_path: Path
) -> None:
    config = tmp_path / "config"
    logged_in(config, base_url)
    talk = tmp_path / "talk.txt"
    talk.write_text("short ids please\n")
    ids = []
    for _ in range(2):
        made = run_cli(config, base_url, "upload", str(talk), "--language", "en", "--wait")
        assert made.returncode == 0, made.stderr
        ids.append(made.stdout.strip())
        # After --wait without --output: how to get the transcript.
        assert f"completed: `transcribe download {ids[-1]}`" in made.stderr
    first, second = ids
    common = next(n for n in range(36) if first[n] != second[n])  # characters they share

    unique = first[: max(common + 1, 4)]
    shown = run_cli(config, base_url, "show", unique)
    assert shown.returncode == 0, shown.stderr
    assert f"id: {first}" in shown.stdout
    printed = run_cli(config, base_url, "download", unique.upper())  # case does not matter
    assert printed.returncode == 0 and printed.stdout == "short ids please\n"
    waited = run_cli(config, base_url, "wait", unique)
    assert waited.returncode == 0 and f"transcribe download {first}" in waited.stderr

    if common >= 4:  # both ids start alike (made in the same minute): that start is ambiguous
        both = run_cli(config, base_url, "show", first[:common])
        assert both.returncode == 2 and "starts 2 jobs' ids" in both.stderr
    nobody = run_cli(config, base_url, "show", "ffff")
    assert nobody.returncode == 2 and "no job's id starts with 'ffff'" in nobody.stderr
    too_short = run_cli(config, base_url, "show", first[:3])
    assert too_short.returncode == 2 and "at least its first 4 characters" in too_short.stderr
