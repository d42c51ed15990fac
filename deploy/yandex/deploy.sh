#!/usr/bin/env bash
# Stand up or update the whole service. First run: creates the registry, pushes, applies.
#   export YC_TOKEN=... TF_VAR_cloud_id=... TF_VAR_folder_id=... TF_VAR_bucket_name=...
#   export TF_VAR_assemblyai_api_key=...    # or keep it in terraform.tfvars, never in git
#   deploy/yandex/deploy.sh
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TF="terraform -chdir=$HERE/terraform"
TAG=${TAG:-$(git -C "$HERE" rev-parse --short HEAD)}

$TF init -input=false
# The registry must exist before an image can be pushed into it.
$TF apply -input=false -auto-approve -target=yandex_container_registry.main -var "image_tag=$TAG"
REGISTRY_ID=$($TF output -raw registry_id) TAG="$TAG" "$HERE/push-image.sh"
# Everything else. The worker VM runs migrations, then the worker (see worker-compose.yaml).
$TF apply -input=false -auto-approve -var "image_tag=$TAG"
API_URL=$($TF output -raw api_url)
# PUBLIC_BASE_URL needs the container's own URL, known only after the first apply.
if [ -z "${TF_VAR_public_base_url:-}" ]; then
    $TF apply -input=false -auto-approve -var "image_tag=$TAG" -var "public_base_url=$API_URL"
fi
echo "API: $API_URL  (try: curl $API_URL/health)"
