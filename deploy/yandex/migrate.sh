#!/usr/bin/env bash
# Run migrations by hand, once, from a machine that can reach the database
# (e.g. the worker VM over SSH, or a bastion in the same network):
#   DATABASE_URL='postgresql://transcribe:...@c-<id>.rw.mdb.yandexcloud.net:6432/transcribe?sslmode=require' \
#   IMAGE=cr.yandex/<registry>/transcribe:<tag> deploy/yandex/migrate.sh
set -euo pipefail
: "${DATABASE_URL:?set DATABASE_URL}"
: "${IMAGE:?set IMAGE}"
docker run --rm -e DATABASE_URL -e ENVIRONMENT=production -e JWT_SECRET=unused-by-migrations-0123456789abcdef \
    "$IMAGE" python -m transcribe migrate
