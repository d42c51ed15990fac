# Transcribe on Yandex Cloud:
#   API       -> Serverless Container (scales to zero, HTTPS endpoint)
#   worker    -> worker_mode "vm": a small VM on Container Optimized Image running migrate
#                (one-shot) + worker; "serverless": a private Serverless Container that a
#                timer trigger wakes every minute to drain due tasks (migrating at start-up)
#   database  -> Managed PostgreSQL (also holds the procrastinate queue)
#   media     -> Object Storage bucket, accessed with a service account's static key
#   secrets   -> Lockbox, injected as environment variables

locals {
  image   = "cr.yandex/${yandex_container_registry.main.id}/transcribe:${var.image_tag}"
  db_host = "c-${yandex_mdb_postgresql_cluster.main.id}.rw.mdb.yandexcloud.net"
  common_env = {
    ENVIRONMENT        = "production"
    STORAGE_BACKEND    = "s3"
    S3_ENDPOINT_URL    = "https://storage.yandexcloud.net"
    S3_REGION          = "ru-central1"
    S3_BUCKET          = yandex_storage_bucket.media.bucket
    LOG_FORMAT         = "json"
    WORKER_CONCURRENCY = tostring(var.worker_concurrency)
  }
  secret_keys = ["DATABASE_URL", "JWT_SECRET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY", "ASSEMBLYAI_API_KEY", "ASSEMBLYAI_WEBHOOK_SECRET", "METRICS_TOKEN"]
  # Workers name the API in the webhook URL they give AssemblyAI; until the API's URL is
  # known (first apply), they leave it out and only check on a schedule.
  worker_env = var.public_base_url == "" ? local.common_env : merge(local.common_env, {
    PUBLIC_BASE_URL = var.public_base_url
  })
}

# --- network ---------------------------------------------------------------------------
resource "yandex_vpc_network" "main" {
  name = var.name
}

resource "yandex_vpc_subnet" "main" {
  name           = var.name
  zone           = var.zone
  network_id     = yandex_vpc_network.main.id
  v4_cidr_blocks = ["10.20.0.0/24"]
}

# --- identities ------------------------------------------------------------------------
resource "yandex_iam_service_account" "app" {
  name = "${var.name}-app"
}

resource "yandex_iam_service_account" "storage" {
  name = "${var.name}-storage"
}

resource "yandex_resourcemanager_folder_iam_member" "app_roles" {
  for_each  = toset(["container-registry.images.puller", "lockbox.payloadViewer", "serverless.containers.invoker"])
  folder_id = var.folder_id
  role      = each.value
  member    = "serviceAccount:${yandex_iam_service_account.app.id}"
}

resource "yandex_resourcemanager_folder_iam_member" "storage_editor" {
  folder_id = var.folder_id
  role      = "storage.editor"
  member    = "serviceAccount:${yandex_iam_service_account.storage.id}"
}

resource "yandex_iam_service_account_static_access_key" "storage" {
  service_account_id = yandex_iam_service_account.storage.id
  description        = "S3 keys for Transcribe"
}

# --- registry and bucket ---------------------------------------------------------------
resource "yandex_container_registry" "main" {
  name = var.name
}

resource "yandex_storage_bucket" "media" {
  bucket     = var.bucket_name
  access_key = yandex_iam_service_account_static_access_key.storage.access_key
  secret_key = yandex_iam_service_account_static_access_key.storage.secret_key
  max_size   = 0
  # Only teardown.sh sets this (after asking), so that no rename or slip destroys media.
  force_destroy = var.allow_data_destruction

  # The web app PUTs uploads to presigned URLs from the browser (players need no CORS).
  cors_rule {
    allowed_methods = ["PUT", "GET"]
    allowed_origins = ["*"]
    allowed_headers = ["*"]
    max_age_seconds = 3600
  }

  depends_on = [yandex_resourcemanager_folder_iam_member.storage_editor]
}

# --- database --------------------------------------------------------------------------
resource "random_password" "db" {
  length  = 32
  special = false
}

resource "random_password" "jwt" {
  length  = 64
  special = false
}

# AssemblyAI sends it back in a header with every webhook; the API compares it.
# The API is public, so /metrics needs this as a bearer token (Prometheus: `bearer_token`).
resource "random_password" "metrics" {
  length  = 48
  special = false
}

resource "random_password" "provider_webhook" {
  length  = 48
  special = false
}

resource "yandex_mdb_postgresql_cluster" "main" {
  name        = var.name
  environment = "PRODUCTION"
  network_id  = yandex_vpc_network.main.id

  config {
    version = 16
    resources {
      resource_preset_id = "s2.micro"
      disk_type_id       = "network-ssd"
      disk_size          = 20
    }
    access {
      serverless = true # the API container connects from Serverless Containers
    }
    # Odyssey on port 6432: session mode, since the worker LISTENs for new jobs and asyncpg
    # keeps prepared statements per connection.
    pooler_config {
      pooling_mode = "SESSION"
    }
  }

  host {
    zone      = var.zone
    subnet_id = yandex_vpc_subnet.main.id
  }
}

resource "yandex_mdb_postgresql_user" "app" {
  cluster_id = yandex_mdb_postgresql_cluster.main.id
  name       = "transcribe"
  password   = random_password.db.result
  conn_limit = 100
}

resource "yandex_mdb_postgresql_database" "app" {
  cluster_id = yandex_mdb_postgresql_cluster.main.id
  name       = "transcribe"
  owner      = yandex_mdb_postgresql_user.app.name
}

# --- secrets ---------------------------------------------------------------------------
resource "yandex_lockbox_secret" "app" {
  name = "${var.name}-app"
}

resource "yandex_lockbox_secret_version" "app" {
  secret_id = yandex_lockbox_secret.app.id
  entries {
    key        = "DATABASE_URL"
    text_value = "postgresql://transcribe:${random_password.db.result}@${local.db_host}:6432/transcribe?sslmode=require"
  }
  entries {
    key        = "JWT_SECRET"
    text_value = random_password.jwt.result
  }
  entries {
    key        = "S3_ACCESS_KEY_ID"
    text_value = yandex_iam_service_account_static_access_key.storage.access_key
  }
  entries {
    key        = "S3_SECRET_ACCESS_KEY"
    text_value = yandex_iam_service_account_static_access_key.storage.secret_key
  }
  entries {
    key        = "ASSEMBLYAI_API_KEY"
    text_value = var.assemblyai_api_key
  }
  entries {
    key        = "ASSEMBLYAI_WEBHOOK_SECRET"
    text_value = random_password.provider_webhook.result
  }
  entries {
    key        = "METRICS_TOKEN"
    text_value = random_password.metrics.result
  }
}

# --- API: serverless container -----------------------------------------------------------
resource "yandex_serverless_container" "api" {
  name               = "${var.name}-api"
  memory             = 512
  cores              = 1
  core_fraction      = 100
  concurrency        = 16
  execution_timeout  = "300s"
  service_account_id = yandex_iam_service_account.app.id

  image {
    url = local.image
    environment = merge(local.common_env, {
      PUBLIC_BASE_URL = var.public_base_url
      # Serverless Containers sit behind one Yandex proxy, which appends the client's address
      # to X-Forwarded-For: that entry, and no client-written one, names the client.
      TRUSTED_PROXY_HOPS = "1"
    })
  }

  dynamic "secrets" {
    for_each = toset(local.secret_keys)
    content {
      id                   = yandex_lockbox_secret.app.id
      version_id           = yandex_lockbox_secret_version.app.id
      key                  = secrets.value
      environment_variable = secrets.value
    }
  }

  connectivity {
    network_id = yandex_vpc_network.main.id
  }
}

# Serverless Containers are private until someone may invoke them: the API is for everyone
# (it authenticates its own users).
resource "yandex_serverless_container_iam_binding" "api_public" {
  container_id = yandex_serverless_container.api.id
  role         = "serverless.containers.invoker"
  members      = ["system:allUsers"]
}

# --- worker: a VM on Container Optimized Image ---------------------------------------------
data "yandex_compute_image" "coi" {
  family = "container-optimized-image"
}

resource "yandex_compute_instance" "worker" {
  count              = var.worker_mode == "vm" ? 1 : 0
  name               = "${var.name}-worker"
  platform_id        = "standard-v3"
  service_account_id = yandex_iam_service_account.app.id

  resources {
    cores         = 2
    memory        = 2
    core_fraction = 50
  }

  boot_disk {
    initialize_params {
      image_id = data.yandex_compute_image.coi.id
      size     = 30
    }
  }

  network_interface {
    subnet_id = yandex_vpc_subnet.main.id
    nat       = true # the worker calls AssemblyAI on the internet
  }

  metadata = {
    # cloud-init writes the Lockbox payload to a root-only env file before the containers start.
    user-data = templatefile("${path.module}/worker-cloud-init.yaml", {
      secret_id = yandex_lockbox_secret.app.id
    })
    docker-compose = templatefile("${path.module}/worker-compose.yaml", {
      image = local.image
      env   = local.worker_env
    })
  }

  depends_on = [yandex_resourcemanager_folder_iam_member.app_roles]
}

# --- worker, serverless: a container woken by a timer trigger -----------------------------
# Jobs hold no worker slot while AssemblyAI works, so a worker can wake, run what is due
# (submissions, status checks, emails, webhooks, recovery, housekeeping) and stop:
# `python -m transcribe drain-server` does that on every POST from the trigger.
resource "yandex_serverless_container" "worker" {
  count              = var.worker_mode == "serverless" ? 1 : 0
  name               = "${var.name}-worker"
  memory             = 1024
  cores              = 1
  core_fraction      = 100
  concurrency        = 1
  execution_timeout  = "${var.drain_budget_s + 60}s" # the budget, then the graceful stop
  service_account_id = yandex_iam_service_account.app.id

  image {
    url     = local.image
    command = ["sh", "-c"]
    args    = ["python -m transcribe migrate && exec python -m transcribe drain-server"]
    environment = merge(local.worker_env, {
      WORKER_DRAIN_BUDGET_S              = tostring(var.drain_budget_s)
      WORKER_SHUTDOWN_GRACEFUL_TIMEOUT_S = "30"
    })
  }

  dynamic "secrets" {
    for_each = toset(local.secret_keys)
    content {
      id                   = yandex_lockbox_secret.app.id
      version_id           = yandex_lockbox_secret_version.app.id
      key                  = secrets.value
      environment_variable = secrets.value
    }
  }

  connectivity {
    network_id = yandex_vpc_network.main.id
  }
}

# Private: only the trigger's service account (serverless.containers.invoker, granted to
# `app` above) may call it.
resource "yandex_function_trigger" "worker_drain" {
  count = var.worker_mode == "serverless" ? 1 : 0
  name  = "${var.name}-worker-drain"

  timer {
    cron_expression = "* * ? * * *" # every minute
  }

  container {
    id                 = yandex_serverless_container.worker[0].id
    service_account_id = yandex_iam_service_account.app.id
    path               = "/"
  }
}
