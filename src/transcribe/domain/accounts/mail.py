"""A small mailer: `console` writes messages to the log (so `just serve` needs no SMTP);
`smtp` sends them with aiosmtplib (STARTTLS when asked). Messages have plain-text and
HTML bodies. Sending happens in a procrastinate task (see mail_tasks), never in a request."""

from __future__ import annotations

import html
import logging
from email.message import EmailMessage

import aiosmtplib

from transcribe.lib.logging import UNREDACTED_LOGGER
from transcribe.settings import EmailSettings

log = logging.getLogger(__name__)


def message(settings: EmailSettings, to: str, subject: str, text: str, link: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = settings.smtp_from
    mail["To"] = to
    mail["Subject"] = subject
    mail.set_content(f"{text}\n\n{link}\n")
    mail.add_alternative(
        f'<p>{html.escape(text)}</p><p><a href="{html.escape(link)}">{html.escape(link)}</a></p>',
        subtype="html",
    )
    return mail


async def send(settings: EmailSettings, mail: EmailMessage, *, show_links: bool = False) -> None:
    """Raises on any SMTP or network failure: the task retries. The console backend logs
    the message with its link's token redacted, as every log line is; in development
    (`show_links`) it logs the message whole, to a logger that redacts nothing, since
    following that link is the point of that backend there."""
    if settings.backend == "console":
        body = mail.get_body(("plain",)).get_content()
        if show_links:
            logging.getLogger(UNREDACTED_LOGGER).info(
                "email to %s (console backend): %s\n%s", mail["To"], mail["Subject"], body
            )
            return
        log.info("email (console backend):\n%s", body)
        return
    await aiosmtplib.send(
        mail,
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_username or None,
        password=settings.smtp_password or None,
        start_tls=settings.smtp_starttls,
        timeout=settings.smtp_timeout_s,
    )
