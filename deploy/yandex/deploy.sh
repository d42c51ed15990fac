#!/usr/bin/env bash
# Stand up or update the whole service (prerequisites: deploy/README.md).
#   export YC_TOKEN=$(yc iam create-token) TF_VAR_cloud_id=... TF_VAR_folder_id=...
#   export TF_VAR_bucket_name=... TF_VAR_assemblyai_api_key=...
#   export TF_STATE_BUCKET=... AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=...   # the state bucket's key
#   deploy/yandex/deploy.sh
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TF="terraform -chdir=$HERE/terraform"
TAG=${TAG:-$(git -C "$HERE" rev-parse --short HEAD)}
: "${TF_STATE_BUCKET:?set TF_STATE_BUCKET: the Object Storage bucket that keeps Terraform state}"

$TF init -input=false -reconfigure -backend-config="bucket=$TF_STATE_BUCKET"
# The registry must exist before an image can be pushed into it.
$TF apply -input=false -auto-approve -target=yandex_container_registry.main -var "image_tag=$TAG"
REGISTRY_ID=$($TF output -raw registry_id) TAG="$TAG" "$HERE/push-image.sh"

# PUBLIC_BASE_URL is the API container's own URL (or yours, in TF_VAR_public_base_url),
# known once the container exists: every run after the first passes it again, so none clears it.
PUBLIC=${TF_VAR_public_base_url:-$($TF output -raw api_url 2>/dev/null || true)}
# Everything else. The worker VM runs migrations, then the worker (see worker-compose.yaml).
$TF apply -input=false -auto-approve -var "image_tag=$TAG" -var "public_base_url=$PUBLIC"
API_URL=$($TF output -raw api_url)
if [ -z "$PUBLIC" ]; then # the first run: now the container has a URL, give it to it
    $TF apply -input=false -auto-approve -var "image_tag=$TAG" -var "public_base_url=$API_URL"
fi
echo "API: ${PUBLIC:-$API_URL}  (try: curl ${PUBLIC:-$API_URL}/health)"
echo "Prometheus bearer token: terraform -chdir=$HERE/terraform output -raw metrics_token"
