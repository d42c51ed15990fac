"""openapi-python-client (a generator nobody here wrote) makes a client from the API's own
document with no warning, and that client drives the core flow against the real server:
every answer is the generated model, every error our ErrorBody, never None or Unset."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest
from httpx_sse import connect_sse

from tests.integration.openapi.conftest import offline_env

GENERATOR = Path(sys.executable).with_name("openapi-python-client")
PACKAGE = "transcribe_generated_client"
FLAGS = ("--meta", "none", "--fail-on-warning")  # the package alone, no project files


@pytest.fixture(scope="module")
def client_package(openapi_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Generates the client into a temporary directory and puts it on sys.path."""
    root = tmp_path_factory.mktemp("python-client")
    target = root / PACKAGE
    # ruff (the generator formats what it writes with it) is beside this Python.
    path = f"{GENERATOR.parent}:{offline_env()['PATH']}"
    result = subprocess.run(
        [GENERATOR, "generate", "--path", openapi_file, "--output-path", target, *FLAGS],
        env=offline_env(PATH=path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = (result.stdout + result.stderr).strip()
    assert result.returncode == 0, output
    # A warning (a schema it could not read, a response it dropped) is any line but this one.
    assert output == f"Generating {target}", output
    sys.path.insert(0, str(root))
    try:
        yield PACKAGE
    finally:
        sys.path.remove(str(root))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


class Generated:
    """The generated package: its models, clients and types, and its operations by tag."""

    def __init__(self, package: str) -> None:
        self.package = package
        self.models = importlib.import_module(f"{package}.models")
        self.client = importlib.import_module(f"{package}.client")
        self.types = importlib.import_module(f"{package}.types")

    def __call__(self, tag: str, operation: str) -> ModuleType:
        return importlib.import_module(f"{self.package}.api.{tag}.{operation}")


def _signed_query(url: str) -> tuple[str, dict[str, Any]]:
    """A presigned local-storage URL's object key (after the route's prefix) and its query."""
    parts = urlsplit(url)
    key = unquote(parts.path.split("/", 3)[3])  # /files/{upload|download}/{key}
    query: dict[str, Any] = dict(parse_qsl(parts.query))
    for number in ("expires", "size"):
        if number in query:
            query[number] = int(query[number])
    return key, query


def test_the_generated_python_client_drives_the_core_flow(
    client_package: str, base_url: str, worker: object
) -> None:
    op = Generated(client_package)
    models, types = op.models, op.types
    anonymous = op.client.Client(base_url=base_url, raise_on_unexpected_status=True)

    # Sign up, log in.
    email, password = f"gen-{uuid.uuid4().hex[:10]}@example.com", "correct horse battery"
    account = op("accounts", "register").sync(
        client=anonymous, body=models.Credentials(email=email, password=password)
    )
    assert isinstance(account, models.Account), account
    assert account.email == email
    token = op("accounts", "login").sync(
        client=anonymous, body=models.LoginCredentials(email=email, password=password)
    )
    assert isinstance(token, models.AccessToken), token
    user = op.client.AuthenticatedClient(
        base_url=base_url, token=token.access_token, raise_on_unexpected_status=True
    )
    me = op("accounts", "get_account").sync(client=user)
    assert isinstance(me, models.Account) and me.id == account.id

    # A typed 400: a body field that fails validation, and a query parameter out of range.
    refused = op("accounts", "register").sync_detailed(
        client=anonymous, body=models.Credentials(email=email, password="short")
    )
    assert refused.status_code == 400
    assert isinstance(refused.parsed, models.ErrorBody), refused.content
    assert refused.parsed.status_code == 400
    assert isinstance(refused.parsed.extra, list)
    assert all(isinstance(problem, models.FieldProblem) for problem in refused.parsed.extra)
    assert "password" in {problem.key for problem in refused.parsed.extra}
    too_many = op("transcription_jobs", "list_jobs").sync_detailed(client=user, limit=1000)
    assert too_many.status_code == 400
    assert isinstance(too_many.parsed, models.ErrorBody), too_many.content
    assert too_many.parsed.detail

    # Presign, upload the bytes to the signed URL (no token), complete.
    content = b"A: Hello from a generated client.\nB: It types everything.\n"
    presigned = op("files", "presign_upload").sync(
        client=user,
        body=models.PresignRequest(
            filename="talk.txt", size=len(content), content_type="text/plain"
        ),
    )
    assert isinstance(presigned, models.PresignedUpload), presigned
    assert presigned.method == "PUT"
    key, query = _signed_query(presigned.upload_url)
    assert key == presigned.object_key
    stored = op("files", "upload_file").sync(
        client=anonymous, object_key=key, body=types.File(payload=BytesIO(content)), **query
    )
    assert isinstance(stored, models.StoredObject), stored
    assert stored.size == len(content)
    completed = op("files", "complete_upload").sync(
        client=user, body=models.CompleteRequest(object_key=key)
    )
    assert isinstance(completed, models.UploadedFile), completed

    # Create a job, follow its events to the end (openapi-python-client reads no event
    # stream, so httpx-sse reads it, on the generated client's own connection), each one's
    # data a generated Job; get it, list it.
    created = op("transcription_jobs", "create_job").sync(
        client=user,
        body=models.JobCreate(object_key=key, language="en", mode=models.JobMode.DIALOGUE),
    )
    assert isinstance(created, models.Job), created
    assert isinstance(created.status, models.JobStatus)
    assert created.mode is models.JobMode.DIALOGUE  # one enum for every job's mode
    with connect_sse(user.get_httpx_client(), "GET", f"/jobs/{created.id}/events") as events:
        seen = [models.Job.from_dict(json.loads(event.data)) for event in events.iter_sse()]
    assert [event.id for event in seen] == [created.id] * len(seen)
    assert seen[-1].status == models.JobStatus.COMPLETED, seen[-1].error_message
    job = op("transcription_jobs", "get_job").sync(client=user, job_id=created.id)
    assert isinstance(job, models.Job), job
    assert job.status == models.JobStatus.COMPLETED, job.error_message
    assert job.engine == "stub"
    assert isinstance(job.speaker_names, models.JobSpeakerNames)
    page = op("transcription_jobs", "list_jobs").sync(client=user, limit=10)
    assert isinstance(page, models.JobPage), page
    assert (page.total, page.limit, page.offset) == (1, 10, 0)
    assert [listed.id for listed in page.items] == [created.id]
    assert all(isinstance(listed, models.Job) for listed in page.items)

    # A 404: a job that is not there, as our ErrorBody.
    missing = op("transcription_jobs", "get_job").sync_detailed(client=user, job_id=uuid.uuid4())
    assert missing.status_code == 404
    assert isinstance(missing.parsed, models.ErrorBody), missing.content
    assert missing.parsed.status_code == 404

    # Download the transcript: a signed link, then its bytes through the generated method.
    link = op("transcription_jobs", "download_transcript").sync(
        client=user, job_id=created.id, format_=models.DownloadTranscriptFormat.TXT
    )
    assert isinstance(link, models.DownloadLink), link
    assert link.format_ is models.TranscriptFormat.TXT  # the named enum, not a string
    key, query = _signed_query(link.url)
    transcript = op("files", "download_file").sync(client=anonymous, object_key=key, **query)
    assert isinstance(transcript, types.File), transcript
    text = transcript.payload.read().decode("utf-8")
    assert "Hello from a generated client." in text
    assert "It types everything." in text
