"""The README's screenshots of the job page, in the light and the dark theme.

The real service (as the browser tests run it: stub engine, fresh database dropped after)
gets a completed dialogue job with named speakers and a recording (a silent WAV swapped in
for the stub's text, so the player has a duration); headless Chromium (/usr/bin/chromium)
opens its page at 1200x880, clicks a word so that it is the current one, and saves the top
of the page in each theme to src/web/screenshots/job-{light,dark}.png (scale 1, the PNG's
pixel data recompressed at zlib level 9: each well under 150 kB).

    .venv/bin/python bench/screenshots.py [--out src/web/screenshots]
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

import argparse
import struct
import tempfile
import zlib

import httpx
from tests.browser import helpers
from tests.browser.shortcuts import (
    SESSION_KEY,
    THEME_KEY,
    completed_job,
    give_recording,
    login,
    silent_wav,
    storage_script,
)

from transcribe.settings import WEB_DIST_DIR

SIZE = {"width": 1200, "height": 880}
CLIP = {"x": 0, "y": 0, "width": 1200, "height": 860}  # the top of the page
SPEAKERS = {"A": "Maria", "B": "Tom", "C": "Priya"}
DIALOGUE = """\
A: Thanks for joining. Let's start with the launch date, since everything else depends on it.
B: The build is ready on our side. We still need the translations for the Russian interface.
C: Those are done. I sent them yesterday, together with the new screenshots for the store.
A: Great. Then the only open question is the pricing page. Tom, can you own that?
B: Sure. I'll draft it today and share it with both of you before Friday.
C: One more thing: the onboarding emails. The links in them still point at the old site.
A: Good catch. Let's fix those first, because every new user sees them on day one.
B: Agreed. I'll change the links and send a test email to the whole team this afternoon.
C: And I'll check the mobile layout once more on a small phone before we ship.
A: Perfect. So we ship on Monday if nothing else comes up. Thanks, everyone.
"""


def recompressed_png(data: bytes) -> bytes:
    """The same PNG with its pixel data deflated at level 9 (Chromium's is faster, larger)."""
    signature, chunks, i = data[:8], [], 8
    while i < len(data):
        (length,) = struct.unpack(">I", data[i : i + 4])
        kind, body = data[i + 4 : i + 8], data[i + 8 : i + 8 + length]
        chunks.append((kind, body))
        i += 12 + length
    pixels = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    out, idat_written = [signature], False
    for kind, body in chunks:
        if kind == b"IDAT":
            if idat_written:
                continue
            kind, body, idat_written = b"IDAT", zlib.compress(pixels, 9), True
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        out.append(struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc))
    return b"".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=ROOT / "src" / "web" / "screenshots")
    args = parser.parse_args()

    from playwright.sync_api import expect, sync_playwright

    if not (WEB_DIST_DIR / "index.html").is_file():
        sys.exit(f"no web build in {WEB_DIST_DIR}: run `just setup` (Node 20.19+) first")
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as workdir, helpers.live_service() as service:
        user = helpers.make_user(service.url)
        job = completed_job(service.url, user.token, DIALOGUE, filename="launch-planning.wav")
        wav = silent_wav(Path(workdir) / "recording.wav", seconds=75)
        give_recording(service.database_url, service.storage_dir, job, wav, "audio/wav")
        with httpx.Client(base_url=service.url, headers=user.headers) as http:
            named = http.patch(f"/jobs/{job['id']}/speakers", json=SPEAKERS)
            assert named.status_code == 200, named.text
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(helpers.CHROMIUM), args=helpers.CHROMIUM_ARGS, headless=True
            )
            for theme in ("light", "dark"):
                context = browser.new_context(
                    viewport=SIZE, device_scale_factor=1, locale="en-US", color_scheme=theme
                )
                session = login(service.url, user.email, user.password)
                context.add_init_script(storage_script({SESSION_KEY: session, THEME_KEY: theme}))
                page = context.new_page()
                page.goto(f"{service.url}/app/jobs/{job['id']}")
                word = page.locator("[data-start-ms]").nth(27)
                expect(word).to_be_visible()
                expect(page.get_by_text(SPEAKERS["B"]).first).to_be_visible()
                word.click()  # the current word, highlighted
                expect(word).to_have_attribute("aria-current", "true")
                page.mouse.move(0, 0)  # no hover effect in the picture
                page.wait_for_load_state("networkidle")
                shot = page.screenshot(clip=CLIP)
                path = args.out / f"job-{theme}.png"
                path.write_bytes(recompressed_png(shot))
                print(f"{path}: {path.stat().st_size / 1000:.0f} kB")
                context.close()
            browser.close()


if __name__ == "__main__":
    main()
