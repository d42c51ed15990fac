"""A user's webhook receiver on loopback: records what arrives, can refuse the first few."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from litestar import Litestar, Request, Response, post

from tests.helpers.server import serve


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str = ""
    received: list[Received] = field(default_factory=list)
    refuse_next: int = 0  # answer 503 to this many deliveries first
    redirect_to: str | None = None


@contextmanager
def running_receiver() -> Iterator[Receiver]:
    receiver = Receiver()

    @post("/hook", status_code=200)
    async def hook(request: Request) -> Response:
        receiver.received.append(Received(dict(request.headers), await request.body()))
        if receiver.redirect_to:
            return Response("", status_code=307, headers={"location": receiver.redirect_to})
        if receiver.refuse_next > 0:
            receiver.refuse_next -= 1
            return Response("busy " * 500, status_code=503, media_type="text/plain")
        return Response("thanks", media_type="text/plain")

    with serve(Litestar([hook], debug=False)) as base:
        receiver.url = f"{base}/hook"
        yield receiver
