# One image for every role: the API (default), the worker, or migrations.
#   docker run IMAGE                                           -> API on $PORT (8080)
#   docker run IMAGE python -m transcribe worker    (its health check: healthcheck worker)
#   docker run IMAGE python -m transcribe migrate
# The web app (src/web), built with Node; the Python stage takes only its output.
FROM node:20-slim AS web
WORKDIR /src/src/web
COPY src/web/package.json src/web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY src/web ./
# Vite writes to ../transcribe/web/dist: /src/src/transcribe/web/dist here.
RUN npm run build

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /venv
WORKDIR /src
# The locked dependencies first (a layer that changes only with the lock), then the package.
COPY requirements/main.txt ./requirements/main.txt
RUN /venv/bin/pip install -r requirements/main.txt
COPY pyproject.toml README.md ./
COPY src ./src
# The built app goes into the package before the wheel is built (hatch `artifacts` ships it).
COPY --from=web /src/src/transcribe/web/dist ./src/transcribe/web/dist
RUN /venv/bin/pip install --no-deps .

FROM python:3.11-slim
RUN useradd --system --uid 10001 --create-home --home-dir /app transcribe
COPY --from=build /venv /venv
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
