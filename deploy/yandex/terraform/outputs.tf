output "api_url" {
  value = "https://${yandex_serverless_container.api.id}.containers.yandexcloud.net"
}

output "registry_id" {
  value = yandex_container_registry.main.id
}

output "bucket" {
  value = yandex_storage_bucket.media.bucket
}

output "worker_mode" {
  value = var.worker_mode
}

output "worker_ip" {
  value = var.worker_mode == "vm" ? yandex_compute_instance.worker[0].network_interface[0].nat_ip_address : ""
}

# The VM, or the serverless worker container.
output "worker_name" {
  value = var.worker_mode == "vm" ? yandex_compute_instance.worker[0].name : yandex_serverless_container.worker[0].name
}

output "metrics_token" {
  value     = random_password.metrics.result
  sensitive = true
}
