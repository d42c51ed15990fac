"""All tables, one entity a file. Import as `from transcribe.db import models as m`."""

from advanced_alchemy.base import orm_registry

from transcribe.db.models.account_token import AccountToken, TokenPurpose
from transcribe.db.models.api_key import ApiKey
from transcribe.db.models.job_event import JobEvent
from transcribe.db.models.login_failure import LoginFailure
from transcribe.db.models.provider_cancellation import ProviderCancellation
from transcribe.db.models.refresh_token import RefreshToken
from transcribe.db.models.share_link import ShareLink
from transcribe.db.models.transcript import Transcript
from transcribe.db.models.transcription_job import (
    FINAL_STATUSES,
    SEARCH_CONFIG,
    UNFINISHED_STATUSES,
    JobStatus,
    TranscriptionJob,
)
from transcribe.db.models.upload import Upload, UploadStatus
from transcribe.db.models.usage_month import UsageMonth
from transcribe.db.models.user import User
from transcribe.db.models.webhook_delivery import WebhookDelivery
from transcribe.db.models.webhook_endpoint import WebhookEndpoint

metadata = orm_registry.metadata

__all__ = [
    "FINAL_STATUSES",
    "SEARCH_CONFIG",
    "UNFINISHED_STATUSES",
    "AccountToken",
    "ApiKey",
    "JobEvent",
    "JobStatus",
    "LoginFailure",
    "ProviderCancellation",
    "RefreshToken",
    "ShareLink",
    "TokenPurpose",
    "Transcript",
    "TranscriptionJob",
    "Upload",
    "UploadStatus",
    "UsageMonth",
    "User",
    "WebhookDelivery",
    "WebhookEndpoint",
    "metadata",
]
