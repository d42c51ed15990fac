from __future__ import annotations

import re

from transcribe.lib.errors import InvalidInput

# Deliberately modest: one @, a dotted domain, no spaces. Deliverability is the mail server's call.
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s.]{2,}$")


def normalize_email(raw: str) -> str:
    return raw.strip().lower()


def validated_email(raw: str) -> str:
    email = normalize_email(raw)
    if len(email) > 254 or not _EMAIL.match(email) or ".." in email.split("@")[1]:
        raise InvalidInput(detail="Invalid email address")
    return email
