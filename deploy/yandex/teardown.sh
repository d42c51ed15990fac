#!/usr/bin/env bash
# Remove everything deploy.sh made: the API, the worker VM, the database (and every job in
# it), the media bucket and its files, the registry and its images, the secrets.
# The Terraform state bucket stays (delete it yourself once this succeeded).
#   export YC_TOKEN=$(yc iam create-token) TF_VAR_cloud_id=... TF_VAR_folder_id=...
#   export TF_VAR_bucket_name=... TF_STATE_BUCKET=... AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=...
#   deploy/yandex/teardown.sh
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TF="terraform -chdir=$HERE/terraform"
: "${TF_STATE_BUCKET:?set TF_STATE_BUCKET}"
: "${TF_VAR_bucket_name:?set TF_VAR_bucket_name}"
read -r -p "Delete every user's data in ${TF_VAR_bucket_name} and the database? Type the bucket name: " answer
[ "$answer" = "$TF_VAR_bucket_name" ] || { echo "not confirmed"; exit 1; }
$TF init -input=false -reconfigure -backend-config="bucket=$TF_STATE_BUCKET"
REGISTRY_ID=$($TF output -raw registry_id)
# A registry with images and a bucket with objects cannot be destroyed: empty them first.
for image in $(yc container image list --registry-id "$REGISTRY_ID" --format json | jq -r '.[].id'); do
    yc container image delete "$image"
done
VARS=(-var "image_tag=unused" -var "assemblyai_api_key=unused" -var "allow_data_destruction=true")
$TF apply -input=false -auto-approve -target=yandex_storage_bucket.media "${VARS[@]}"
$TF destroy -input=false -auto-approve "${VARS[@]}"
