"""Russian speech for tests: Debian's Festival with festvox-ru (the msu_ru_nsh voice).

espeak-ng's Russian is robotic enough that Whisper mishears much of it and takes it for
another language; this voice is made of recorded speech, so a Russian test judges the
recogniser, not the synthesiser.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

VOICE = "voice_msu_ru_nsh_clunits"
VOICE_DIR = Path("/usr/share/festival/voices/russian/msu_ru_nsh_clunits")

# Everyday sentences without digits (the voice reads numbers its own way): about 15 s.
SENTENCES = [
    "Сегодня хорошая погода, и мы идём гулять в парк.",
    "Мой брат работает врачом в большой больнице.",
    "Пожалуйста, позвоните мне завтра утром.",
    "Эта книга очень интересная, я читаю её каждый вечер.",
]


def needs_festival_russian() -> None:
    if shutil.which("text2wave") is None or not VOICE_DIR.is_dir():
        pytest.skip(
            "festival with festvox-ru is not installed (apt-get install festival festvox-ru)"
        )


def say_russian(text: str, wav: Path) -> Path:
    """`text` spoken into `wav` (16 kHz mono). The voice reads UTF-8: text in KOI8-R gives
    an empty file, and text2wave exits 0 whatever happened, hence the check of the output."""
    needs_festival_russian()
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".txt") as script:
        script.write(text)
        script.flush()
        done = subprocess.run(
            ["text2wave", "-eval", f"({VOICE})", "-o", str(wav), script.name],
            capture_output=True,
            text=True,
        )
    if not wav.is_file() or wav.stat().st_size < 1000 or wav.read_bytes()[:4] != b"RIFF":
        raise RuntimeError(f"text2wave made no speech: {done.stderr[-500:]}")
    return wav
