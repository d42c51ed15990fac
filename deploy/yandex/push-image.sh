#!/usr/bin/env bash
# Build the image and push it to Yandex Container Registry.
#   REGISTRY_ID=crp... TAG=$(git rev-parse --short HEAD) deploy/yandex/push-image.sh
set -euo pipefail
: "${REGISTRY_ID:?set REGISTRY_ID (terraform output registry_id)}"
TAG=${TAG:-$(git rev-parse --short HEAD)}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
IMAGE="cr.yandex/${REGISTRY_ID}/transcribe:${TAG}"

yc container registry configure-docker >/dev/null
docker build --pull -t "$IMAGE" "$ROOT"
docker push "$IMAGE"
echo "$IMAGE"
