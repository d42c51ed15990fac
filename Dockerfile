# One image for every role: the API (default), the worker, or migrations.
#   docker run IMAGE                                           -> API on $PORT (8080)
#   docker run IMAGE python -m transcribe worker    (its health check: healthcheck worker)
#   docker run IMAGE python -m transcribe migrate
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /venv
WORKDIR /src
# The locked dependencies first (a layer that changes only with the lock), then the package.
COPY requirements/main.txt ./requirements/main.txt
RUN /venv/bin/pip install -r requirements/main.txt
COPY pyproject.toml README.md ./
COPY src ./src
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
