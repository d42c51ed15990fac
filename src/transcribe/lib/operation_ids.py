"""Each operation's `operationId`: the name generated clients give its method
(`login`, `create_job`, `client.getJob(...)`), so a public name, kept here, stable, in one
list. Litestar's own (`AuthLoginLogin`: the path, then the handler's name) doubles words
and changes whenever a handler is renamed; an operation missing here keeps it, and
tests/integration/openapi fails until it is named."""

from __future__ import annotations

from typing import Any

OPERATION_IDS: dict[tuple[str, str], str] = {
    # Accounts
    ("post", "/auth/register"): "register",
    ("post", "/auth/login"): "login",
    ("post", "/auth/refresh"): "refresh",
    ("post", "/auth/logout"): "logout",
    ("get", "/auth/me"): "get_account",
    ("delete", "/auth/me"): "delete_account",
    ("post", "/auth/password"): "change_password",
    ("post", "/auth/password-reset"): "request_password_reset",
    ("post", "/auth/password-reset/confirm"): "confirm_password_reset",
    ("post", "/auth/verify-email"): "verify_email",
    ("post", "/auth/verify-email/resend"): "resend_verification",
    ("get", "/usage"): "get_usage",
    # Files
    ("get", "/files"): "list_files",
    ("post", "/files/presign"): "presign_upload",
    ("put", "/files/upload/{object_key}"): "upload_file",
    ("post", "/files/complete"): "complete_upload",
    ("get", "/files/download/{object_key}"): "download_file",
    ("head", "/files/download/{object_key}"): "head_file",
    ("delete", "/files/{object_key}"): "delete_file",
    # Transcription jobs
    ("get", "/jobs"): "list_jobs",
    ("post", "/jobs"): "create_job",
    ("get", "/jobs/{job_id}"): "get_job",
    ("delete", "/jobs/{job_id}"): "delete_job",
    ("get", "/jobs/{job_id}/events"): "job_events",
    ("get", "/events"): "all_job_events",
    ("get", "/jobs/{job_id}/download"): "download_transcript",
    ("get", "/jobs/{job_id}/media"): "get_media",
    ("get", "/jobs/{job_id}/transcript"): "get_transcript",
    ("patch", "/jobs/{job_id}/transcript"): "edit_transcript",
    ("delete", "/jobs/{job_id}/transcript/edits"): "undo_edits",
    ("patch", "/jobs/{job_id}/speakers"): "name_speakers",
    # Sharing
    ("get", "/jobs/{job_id}/share"): "get_share",
    ("post", "/jobs/{job_id}/share"): "share_job",
    ("delete", "/jobs/{job_id}/share"): "unshare_job",
    ("get", "/shared/{token}"): "get_shared",
    ("get", "/shared/{token}/media"): "get_shared_media",
    # Webhooks, API keys
    ("get", "/webhook-endpoints"): "list_webhook_endpoints",
    ("post", "/webhook-endpoints"): "create_webhook_endpoint",
    ("delete", "/webhook-endpoints/{endpoint_id}"): "delete_webhook_endpoint",
    ("get", "/api-keys"): "list_api_keys",
    ("post", "/api-keys"): "create_api_key",
    ("delete", "/api-keys/{key_id}"): "delete_api_key",
    # Administration
    ("get", "/admin/users"): "admin_list_users",
    ("patch", "/admin/users/{user_id}"): "admin_change_user",
    ("get", "/admin/jobs"): "admin_list_jobs",
    ("post", "/admin/jobs/{job_id}/retry"): "admin_retry_job",
    # Operations, provider webhooks
    ("get", "/engine"): "get_engine",
    ("get", "/health"): "health",
    ("get", "/ready"): "ready",
    ("get", "/metrics"): "metrics",
    ("post", "/webhooks/assemblyai"): "assemblyai_webhook",
}


def name_operations(paths: dict[str, Any], methods: tuple[str, ...]) -> None:
    """Give each operation in `paths` (path -> PathItem) its id from OPERATION_IDS."""
    for path, item in paths.items():
        for method in methods:
            operation = getattr(item, method, None)
            name = OPERATION_IDS.get((method, path))
            if operation is not None and name is not None:
                operation.operation_id = name
