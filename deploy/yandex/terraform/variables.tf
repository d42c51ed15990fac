variable "cloud_id" {
  type = string
}

variable "folder_id" {
  type = string
}

variable "zone" {
  type    = string
  default = "ru-central1-a"
}

variable "name" {
  description = "Prefix for every resource."
  type        = string
  default     = "transcribe"
}

variable "image_tag" {
  description = "Tag of the image pushed by push-image.sh."
  type        = string
}

variable "assemblyai_api_key" {
  type      = string
  sensitive = true
}

variable "bucket_name" {
  description = "Globally unique Object Storage bucket name."
  type        = string
}

variable "worker_mode" {
  description = "How workers run: \"vm\" (one always-on VM) or \"serverless\" (a Serverless Container that a timer trigger wakes every minute to drain due tasks). See deploy/README.md."
  type        = string
  default     = "vm"
  validation {
    condition     = contains(["vm", "serverless"], var.worker_mode)
    error_message = "worker_mode is \"vm\" or \"serverless\"."
  }
}

variable "drain_budget_s" {
  description = "Serverless workers: the most one wake-up runs tasks (below the container's execution timeout)."
  type        = number
  default     = 240
}

variable "worker_concurrency" {
  type    = number
  default = 8
}

variable "public_base_url" {
  description = "Where clients reach the API (the serverless container's URL or your domain)."
  type        = string
  default     = ""
}


variable "allow_data_destruction" {
  description = "Let destroy empty the media bucket (teardown.sh only)."
  type        = bool
  default     = false
}
