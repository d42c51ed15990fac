"""Account emails, sent by procrastinate tasks with retries: an SMTP outage delays an
email, never loses it, and never slows a request."""

from __future__ import annotations

from uuid import UUID

from procrastinate import App, RetryStrategy
from procrastinate.exceptions import AlreadyEnqueued
from sqlalchemy import func, select

from transcribe.db import models as m
from transcribe.domain.accounts import account_tokens, mail
from transcribe.worker.runtime import WorkerRuntime

VERIFICATION_TASK = "send_verification_email"
PASSWORD_RESET_TASK = "send_password_reset_email"  # noqa: S105 - a task name
MAX_ATTEMPTS = 12  # with JOB_RETRY_BASE_S=2: about two hours of outage


async def defer_verification(app: App, user_id: UUID) -> None:
    try:
        await app.configure_task(
            VERIFICATION_TASK, queueing_lock=f"verify-email:{user_id}"
        ).defer_async(user_id=str(user_id))
    except AlreadyEnqueued:
        pass  # one is on its way


async def defer_password_reset(app: App, email: str) -> None:
    """Deferred for any address, so that the answer never tells whether it is registered."""
    try:
        await app.configure_task(
            PASSWORD_RESET_TASK, queueing_lock=f"reset:{email.lower()}"
        ).defer_async(email=email)
    except AlreadyEnqueued:
        pass


def register_tasks(app: App, rt: WorkerRuntime) -> None:
    settings = rt.settings.email
    show_links = rt.settings.environment == "development"  # see mail.send
    retry = RetryStrategy(
        max_attempts=MAX_ATTEMPTS, exponential_wait=rt.settings.worker.retry_base_s
    )

    @app.task(name=VERIFICATION_TASK, retry=retry)
    async def send_verification_email(user_id: str) -> None:
        async with rt.sessions.begin() as session:
            user = await session.get(m.User, UUID(user_id))
            if user is None or user.email_verified or not user.can_use_service:
                return
            token = await account_tokens.issue(
                session, user.id, m.TokenPurpose.VERIFY_EMAIL, settings.verification_ttl_s
            )
            email = user.email
        await mail.send(
            settings,
            mail.message(
                settings,
                email,
                "Confirm your email address",
                "Follow this link to confirm the email address of your Transcribe account:",
                f"{settings.frontend_url}/verify-email?token={token}",
            ),
            show_links=show_links,
        )

    @app.task(name=PASSWORD_RESET_TASK, retry=retry)
    async def send_password_reset_email(email: str) -> None:
        async with rt.sessions.begin() as session:
            user = await session.scalar(
                select(m.User).where(func.lower(m.User.email) == email.strip().lower())
            )
            if user is None or not user.can_use_service:
                return  # nothing to send, and nobody learns that
            token = await account_tokens.issue(
                session, user.id, m.TokenPurpose.RESET_PASSWORD, settings.password_reset_ttl_s
            )
            address = user.email
        await mail.send(
            settings,
            mail.message(
                settings,
                address,
                "Reset your password",
                "Someone asked to reset the password of your Transcribe account. If it was "
                "you, follow this link (it works once, for an hour); if not, ignore this email:",
                f"{settings.frontend_url}/reset-password?token={token}",
            ),
            show_links=show_links,
        )
