output "api_url" {
  value = "https://${yandex_serverless_container.api.id}.containers.yandexcloud.net"
}

output "registry_id" {
  value = yandex_container_registry.main.id
}

output "bucket" {
  value = yandex_storage_bucket.media.bucket
}

output "worker_ip" {
  value = yandex_compute_instance.worker.network_interface[0].nat_ip_address
}

output "worker_name" {
  value = yandex_compute_instance.worker.name
}

output "metrics_token" {
  value     = random_password.metrics.result
  sensitive = true
}
