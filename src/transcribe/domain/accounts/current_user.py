"""`current_user`: the signed-in user, as a dependency any handler behind auth can ask for."""

from __future__ import annotations

from typing import Any, TypeAlias

from litestar import Request
from litestar.di import NamedDependency, Provide

from transcribe.db import models as m


def _current_user(request: Request[m.User, Any, Any]) -> m.User:
    return request.user


provide_current_user = Provide(_current_user, sync_to_thread=False)
CurrentUser: TypeAlias = NamedDependency[m.User]
