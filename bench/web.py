"""Web app benchmark (issue 20): a 30,000-word job page beside a static page of the same words.

The real service (`python -m transcribe run`: API and worker, stub engine, local storage,
a fresh database dropped after) serves a copy of the web build with two extra files: a
plain `static.html` holding the same words as the job's transcript (each a <span> with
data-start-ms, in paragraphs by speaker, the same recording in an <audio>) and `static.js`,
a click handler that seeks the player to the clicked word. The job is a `dialogue` job whose
transcript the stub engine read from a generated text; its media is then swapped for a
silent WAV (as a real job has a recording beside its transcript), so both pages play the
same file from the same signed URL.

In headless Chromium (/usr/bin/chromium), in a fresh context each round (empty cache,
signed in by the tokens in localStorage), rounds interleaved and alternating which page
goes first, each page is timed from navigation start (performance.now() in the page):

- words: until a transcript word (an element with data-start-ms) is visible on screen;
- seek: until a click on the first visible word starting at 3 s or later has moved the
  player there: the <audio> has its metadata (readyState >= 1), is not seeking, and its
  currentTime is within 250 ms of the word's start. (The first word starts at 0, where a
  player already is, so it proves nothing.)

Medians are printed with the job page's ratio to the static page (target: at most 1.0).
Then the first page's JS+CSS, gzip -9: the entry script, stylesheets and modulepreloads
named by index.html, and what Chromium actually fetches for `/` signed out (the target,
under 150 kB); for information, what the job page fetches.

    .venv/bin/python bench/web.py [--rounds 7] [--words 30000] [--pages job,static]
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

import argparse
import gzip
import html
import os
import random
import shutil
import statistics
import tempfile
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import httpx
from tests.browser import helpers
from tests.browser.shortcuts import (
    SESSION_KEY,
    completed_job,
    give_recording,
    login,
    silent_wav,
    storage_script,
)

from transcribe.settings import WEB_DIST_DIR

TARGET_WORD_MS = 3000
SEEK_TOLERANCE_MS = 250
FIRST_PAGE_TARGET_KB = 150
VIEWPORT = {"width": 1280, "height": 800}

STATIC_JS = """\
// bench/web.py: the static page's click-to-seek, as little as a page can do.
document.addEventListener("click", (event) => {
  const word = event.target.closest("[data-start-ms]");
  if (!word) return;
  document.querySelector("audio").currentTime = Number(word.dataset.startMs) / 1000;
  word.dataset.clicked = "";
});
"""

# A transcript word visible on screen, at or after `min` ms: its start and when it was seen.
FIND_WORD = """min => {
  for (const el of document.querySelectorAll("[data-start-ms]")) {
    const start = Number(el.dataset.startMs);
    const r = el.getBoundingClientRect();
    if (r.top >= innerHeight) break;
    if (start < min || r.width === 0 || r.height === 0 || r.bottom <= 0) continue;
    if (r.left >= innerWidth || r.right <= 0 || !el.checkVisibility({opacityProperty: true})) continue;
    el.setAttribute("data-bench-target", "");
    return {at: performance.now(), start};
  }
  return null;
}"""

# The player at `start`, loaded and done seeking: when that was seen.
SEEKED = """([start, tolerance]) => {
  const m = document.querySelector("audio, video");
  if (!m || m.readyState < 1 || m.seeking) return null;
  return Math.abs(m.currentTime * 1000 - start) <= tolerance ? performance.now() : null;
}"""

_VOCABULARY = (
    "about above account across action actually afternoon again agree almost already "
    "answer anyone appear approach argue around article audience available away balance "
    "basic became before begin behind believe benefit better between beyond budget build "
    "business camera campaign capital career careful carry central certain chance change "
    "choice church citizen clear close coach collect college common community company "
    "compare concern condition consider contain continue control costs country couple "
    "course cover create culture current customer daughter decade decide deep defence "
    "degree describe design detail develop difference difficult dinner direction discover "
    "discuss doctor during early economy effort either election energy enough entire "
    "environment evening event evidence exactly example expect experience explain family "
    "father feeling field figure final finally financial finger finish follow foreign "
    "forget former forward friend future garden general generation government green "
    "ground group growth guess happen health hearing heavy history holiday hospital hotel "
    "however hundred husband idea image imagine improve include increase indeed industry "
    "instead interest interview island itself journey kitchen knowledge language later "
    "leader learn letter level listen little local machine magazine maintain major manage "
    "market material matter maybe measure media meeting member memory mention message "
    "method middle minute mission modern moment money morning mother movement music "
    "national nature nearly network never news night nothing notice number officer often "
    "option order organisation outside owner painting paper parent particular partner "
    "people perhaps period person picture piece place planet player point police policy "
    "popular position possible power practice prepare present pressure pretty private "
    "probably problem process produce product program project property protect public "
    "purpose quality question quickly quite radio rather reach reader ready reason recent "
    "record reduce region remain remember report research resource response result return "
    "river science season second section security seven several shoulder simple single "
    "sister social society someone source south speech spring staff standard station "
    "still story strategy street student study subject success suddenly summer support "
    "surface system teacher television theory thousand through today together tonight "
    "travel treatment trial trouble truth under understand until usually valley value "
    "various version village visit voice water weather weekend western whatever whole "
    "window winter within without woman wonder worker world writer yellow yesterday young"
).split()


def dialogue_text(words: int, seed: int = 20) -> str:
    """`words` words of varied sentences in speaker turns (`A: ...`), a few sentences each."""
    rng = random.Random(seed)
    lines, left = [], words
    speakers = "ABC"
    while left > 0:
        turn: list[str] = []
        for _ in range(rng.randint(1, 4)):
            n = min(left - len(turn), rng.randint(5, 16))
            if n <= 0:
                break
            sentence = [rng.choice(_VOCABULARY) for _ in range(n)]
            sentence[0] = sentence[0].capitalize()
            turn += [*sentence[:-1], sentence[-1] + rng.choice("..?,!.")]
        left -= len(turn)
        lines.append(f"{speakers[len(lines) % 3]}: {' '.join(turn)}")
    return "\n".join(lines) + "\n"


def static_page(transcript: dict[str, Any], media_url: str) -> str:
    """The transcript's words as a plain page: paragraphs by utterance, a span per word."""
    words = transcript["words"]
    paragraphs, current, speaker = [], [], None
    for word in words:
        if word["speaker"] != speaker and current:
            paragraphs.append((speaker, current))
            current = []
        speaker = word["speaker"]
        current.append(
            f'<span data-start-ms="{word["start_ms"]}" data-end-ms="{word["end_ms"]}">'
            f"{html.escape(word['text'])}</span>"
        )
    if current:
        paragraphs.append((speaker, current))
    body = "\n".join(
        f"<p><b>Speaker {html.escape(s or '')}</b> {' '.join(spans)}</p>" for s, spans in paragraphs
    )
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<title>Static transcript</title>\n<script src="/static.js"></script>\n</head>\n'
        f'<body>\n<audio controls preload="metadata" src="{html.escape(media_url)}"></audio>\n'
        f"<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


class _Assets(HTMLParser):
    """What index.html names: the entry script, stylesheets and modulepreloads."""

    def __init__(self) -> None:
        super().__init__()
        self.paths: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script" and a.get("src"):
            self.paths.append(a["src"] or "")
        elif tag == "link" and a.get("rel") in ("stylesheet", "modulepreload") and a.get("href"):
            self.paths.append(a["href"] or "")


def gzipped_size(dist: Path, path: str) -> tuple[int, int]:
    body = (dist / urlsplit(path).path.lstrip("/")).read_bytes()
    return len(body), len(gzip.compress(body, compresslevel=9, mtime=0))


def print_sizes(title: str, dist: Path, paths: list[str]) -> int:
    total_raw = total_gz = 0
    print(title)
    for path in paths:
        raw, gz = gzipped_size(dist, path)
        total_raw, total_gz = total_raw + raw, total_gz + gz
        print(f"  {path:<44} {raw / 1000:7.1f} kB  {gz / 1000:6.1f} kB gzipped")
    print(f"  {'total':<44} {total_raw / 1000:7.1f} kB  {total_gz / 1000:6.1f} kB gzipped")
    return total_gz


def fetched_assets(browser: Any, url: str, init: str | None = None) -> list[str]:
    """The same-origin scripts and stylesheets Chromium fetches loading `url`, in order."""
    context = browser.new_context(viewport=VIEWPORT)
    if init:
        context.add_init_script(init)
    page = context.new_page()
    seen: list[str] = []
    origin = f"{urlsplit(url).scheme}://{urlsplit(url).netloc}"

    def note(response: Any) -> None:
        if response.request.resource_type in ("script", "stylesheet") and response.url.startswith(
            origin
        ):
            path = urlsplit(response.url).path
            if path not in seen:
                seen.append(path)

    page.on("response", note)
    page.goto(url, wait_until="networkidle")
    context.close()
    return seen


def measure(browser: Any, url: str, init: str | None, timeout_ms: float = 60_000) -> dict:
    """One cold load of `url` in a fresh context: ms from navigation start until a word is
    visible, and until the click on it has moved the player."""
    context = browser.new_context(viewport=VIEWPORT)
    if init:
        context.add_init_script(init)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(url, wait_until="commit")
        seen = page.wait_for_function(
            FIND_WORD, arg=TARGET_WORD_MS, polling="raf", timeout=timeout_ms
        ).json_value()
        page.locator("[data-bench-target]").first.click(timeout=timeout_ms)
        seeked = page.wait_for_function(
            SEEKED, arg=[seen["start"], SEEK_TOLERANCE_MS], polling="raf", timeout=timeout_ms
        ).json_value()
    except Exception as e:
        raise RuntimeError(f"{url}: {e}; page errors: {errors}") from None
    finally:
        context.close()
    return {"words": seen["at"], "seek": seeked}


def rounds_of(
    measures: dict[str, Callable[[], dict]], rounds: int
) -> dict[str, dict[str, list[float]]]:
    """Each measure once a round, alternating which goes first; one warm-up each first."""
    names = list(measures)
    for name in names:
        measures[name]()  # the server's caches (gzip of the assets, the job's transcript)
    results: dict[str, dict[str, list[float]]] = {n: {"words": [], "seek": []} for n in names}
    for i in range(rounds):
        for name in names if i % 2 == 0 else names[::-1]:
            got = measures[name]()
            for key in ("words", "seek"):
                results[name][key].append(got[key])
        print(
            f"round {i + 1}: "
            + ", ".join(
                f"{n} words {results[n]['words'][-1]:.0f} ms, seek {results[n]['seek'][-1]:.0f} ms"
                for n in names
            ),
            flush=True,
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--words", type=int, default=30_000)
    parser.add_argument(
        "--pages", default="job,static", help="which to time: job,static (default) or one"
    )
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    if not (WEB_DIST_DIR / "index.html").is_file():
        sys.exit(f"no web build in {WEB_DIST_DIR}: run `just setup` (Node 20.19+) first")
    if not helpers.CHROMIUM.exists():
        sys.exit(f"{helpers.CHROMIUM} is missing: apt-get install chromium")

    workdir = Path(tempfile.mkdtemp(prefix="transcribe-bench-web-"))
    try:
        dist = workdir / "dist"
        shutil.copytree(WEB_DIST_DIR, dist)
        # Top-level files are found when the service starts: both exist before it does.
        (dist / "static.js").write_text(STATIC_JS)
        (dist / "static.html").write_text("<!doctype html><title>soon</title>\n")
        os.environ["WEB_DIST_DIR"] = str(dist)  # the live service takes the environment
        with helpers.live_service() as service:
            user = helpers.make_user(service.url)
            print(f"a {args.words:,}-word dialogue job (stub engine) ...", flush=True)
            job = completed_job(
                service.url,
                user.token,
                dialogue_text(args.words),
                filename="long-interview.txt",
                timeout_s=300,
            )
            wav = silent_wav(workdir / "recording.wav", seconds=60)
            give_recording(service.database_url, service.storage_dir, job, wav, "audio/wav")
            with httpx.Client(base_url=service.url, headers=user.headers, timeout=60) as http:
                transcript = http.get(f"/jobs/{job['id']}/transcript").json()
                media = http.get(f"/jobs/{job['id']}/media")
                assert media.status_code == 200, media.text
            assert len(transcript["words"]) == args.words, len(transcript["words"])
            page = static_page(transcript, media.json()["url"])
            (dist / "static.html").write_text(page)

            def signed_in() -> str:
                return storage_script({SESSION_KEY: login(service.url, user.email, user.password)})

            job_url = f"{service.url}/app/jobs/{job['id']}"
            static_url = f"{service.url}/static.html"
            measures = {
                "job page": lambda: measure(browser, job_url, signed_in()),
                "static page": lambda: measure(browser, static_url, None),
            }
            measures = {k: v for k, v in measures.items() if k.split()[0] in args.pages}
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=str(helpers.CHROMIUM), args=helpers.CHROMIUM_ARGS, headless=True
                )
                results = rounds_of(measures, args.rounds)
                first_page = fetched_assets(browser, f"{service.url}/")
                job_page = (
                    fetched_assets(browser, job_url, signed_in()) if "job" in args.pages else []
                )
                browser.close()
        report(args, results, len(page), dist, first_page, job_page)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def report(
    args: argparse.Namespace,
    results: dict[str, dict[str, list[float]]],
    page_bytes: int,
    dist: Path,
    first_page: list[str],
    job_page: list[str],
) -> None:
    print()
    print(
        f"{args.words:,} words ({page_bytes / 1e6:.1f} MB of static HTML), {args.rounds} rounds "
        f"in headless Chromium at {VIEWPORT['width']}x{VIEWPORT['height']}, "
        f"{os.cpu_count()} cores; ms from navigation start, medians:"
    )
    medians = {n: {k: statistics.median(v) for k, v in r.items()} for n, r in results.items()}
    for name, m in medians.items():
        print(
            f"  {name:<12} first words visible {m['words']:6.0f} ms   "
            f"click-to-seek answered {m['seek']:6.0f} ms"
        )
    if len(medians) == 2:
        app, static = medians["job page"], medians["static page"]
        print(
            f"  job page / static page: words {app['words'] / static['words']:.2f}x, "
            f"click-to-seek {app['seek'] / static['seek']:.2f}x (target: at most 1.00x)"
        )
        paired = {  # the two pages of one round saw the same load on the machine
            key: statistics.median(
                a / b
                for a, b in zip(results["job page"][key], results["static page"][key], strict=True)
            )
            for key in ("words", "seek")
        }
        print(
            f"  median of the rounds' own ratios: words {paired['words']:.2f}x, "
            f"click-to-seek {paired['seek']:.2f}x"
        )
    print(
        f"  (seek: a click on the first visible word starting at {TARGET_WORD_MS / 1000:.0f} s "
        f"or later; answered once the <audio> has its metadata, is not seeking and is within "
        f"{SEEK_TOLERANCE_MS} ms of the word's start)"
    )
    print()
    named = _Assets()
    named.feed((dist / "index.html").read_text())
    print_sizes(
        "First page, as index.html names it (entry, stylesheets, modulepreloads):",
        dist,
        named.paths,
    )
    total = print_sizes("First page, as Chromium fetches it for / (signed out):", dist, first_page)
    verdict = "under" if total < FIRST_PAGE_TARGET_KB * 1000 else "OVER"
    print(f"  {verdict} the {FIRST_PAGE_TARGET_KB} kB target")
    if job_page:
        print_sizes("The job page, as Chromium fetches it (for information):", dist, job_page)


if __name__ == "__main__":
    main()
