#!/usr/bin/env bash
# Run migrations now, as provisioned: the worker VM's container migrates every time it starts
# (worker-compose.yaml), so restarting the VM migrates, then starts the worker again; the
# serverless worker migrates at each cold start, so a new revision of it does.
# deploy.sh needs none of this (a new image restarts the worker); use it after a restore,
# or to retry a migration that failed.
#   export YC_TOKEN=$(yc iam create-token) TF_STATE_BUCKET=... AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=...
#   deploy/yandex/migrate.sh
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TF="terraform -chdir=$HERE/terraform"
: "${TF_STATE_BUCKET:?set TF_STATE_BUCKET}"
$TF init -input=false -reconfigure -backend-config="bucket=$TF_STATE_BUCKET" >/dev/null
WORKER=$($TF output -raw worker_name)
if [ "$($TF output -raw worker_mode)" = "serverless" ]; then
    # Its container migrates at every cold start; a replaced container starts cold.
    $TF apply -input=false -auto-approve -replace='yandex_serverless_container.worker[0]'
    echo "replaced $WORKER: it migrates when the trigger next wakes it (within a minute)"
    exit 0
fi
yc compute instance restart --name "$WORKER"
echo "restarted $WORKER; its log (migrations first):"
sleep 60
yc compute instance get-serial-port-output --name "$WORKER" | grep -E "alembic|migrat|Running upgrade|error" | tail -n 40
