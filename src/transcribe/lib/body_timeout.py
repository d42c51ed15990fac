"""A request whose body stops arriving is answered 408 instead of holding its connection
(and, for uploads, its half-written file) forever.

Only the body is timed, chunk by chunk: once it is complete, `receive` is left alone, so
long responses (event streams) that wait on it for the client's disconnect are untouched.
Headers are uvicorn's to read; a proxy in front bounds those.
"""

from __future__ import annotations

import asyncio

from litestar.exceptions import HTTPException
from litestar.types import ASGIApp, Message, Receive, Scope, Send


class BodyTimeoutMiddleware:
    def __init__(self, app: ASGIApp, idle_s: float) -> None:
        self.app = app
        self.idle_s = idle_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # GET and HEAD routes read no body: nothing to time.
        if scope["type"] != "http" or self.idle_s <= 0 or scope["method"] in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        body_done = False

        async def timed_receive() -> Message:
            nonlocal body_done
            if body_done:
                return await receive()
            try:
                async with asyncio.timeout(self.idle_s):
                    message = await receive()
            except TimeoutError:
                raise HTTPException(
                    status_code=408,
                    detail=f"The request body stopped arriving for {self.idle_s:g} s",
                ) from None
            if message["type"] != "http.request" or not message.get("more_body", False):
                body_done = True
            return message

        await self.app(scope, timed_receive, send)
