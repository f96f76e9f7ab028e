"""ASGI middleware: security headers on every response, a cap on request body size, and one database
connection per request."""

from __future__ import annotations

import asyncio
import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web.services import Services

# No inline scripts or styles anywhere: injected markup cannot run even if it got past escaping.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
# Bodies that may be as large as an import (KNOWHOW_MAX_IMPORT_BYTES): JSON Lines, and uploads of files.
IMPORT_PATHS = ("/api/import", "/api/imports", "/lnd/import")
# Reading (and dropping) the rest of an over-limit body lets a client that is still sending read the 413;
# closing at once would reset the connection under it. Past this many times the limit, close anyway.
DRAIN_FACTOR = 10


class ConnectionLease:
    """Every store call a request makes, in whichever threads it runs, goes through one connection borrowed
    when it first needs one and given back when the response is sent (PostgreSQL's pool; nothing on SQLite).

    On PostgreSQL at most as many requests as the pool has connections are let in at once; the rest wait
    here, in the event loop. Waiting for a connection in a request thread instead deadlocked: with every
    thread of the server's pool waiting, the requests holding the connections had no thread left to finish
    in (50 users, 10 connections: requests failed after the pool's 30 s timeout)."""

    def __init__(self, app: ASGIApp, services: Services):
        self.app, self.services = app, services
        self._admitted: asyncio.Semaphore | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        store = self.services.store
        if store.pool_size is None:
            await self.app(scope, receive, send)
            return
        if self._admitted is None:
            self._admitted = asyncio.Semaphore(store.pool_size)
        async with self._admitted:
            with store.lease():
                await self.app(scope, receive, send)


class SecurityHeaders:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name for name, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [(n, v) for n, v in HEADERS if n not in present]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimit:
    """Refuse bodies over the limit with 413 and a JSON message, whether or not the client declared a length.

    The body is read here, up to the limit, before the app runs. Raising from inside the app's own reading
    does not work: FastAPI turns any error while parsing a JSON or form body into a 400, and a handler
    reading a form would turn it into a 500.
    """

    def __init__(self, app: ASGIApp, limit: int, import_limit: int):
        self.app, self.limit, self.import_limit = app, limit, import_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.import_limit if scope["path"] in IMPORT_PATHS else self.limit
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _too_large(send, limit)
            return
        parts, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away mid-body: nobody to answer
            parts.append(message.get("body", b""))
            size += len(parts[-1])
            more = message.get("more_body", False)
            if size > limit:
                if more:
                    await _drain(receive, DRAIN_FACTOR * limit)
                await _too_large(send, limit)
                return
        pending = [{"type": "http.request", "body": b"".join(parts), "more_body": False}]

        async def replay() -> Message:
            return pending.pop() if pending else await receive()

        await self.app(scope, replay, send)


async def _drain(receive: Receive, budget: int) -> None:
    while budget > 0:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body", False):
            return
        budget -= len(message.get("body", b""))


async def _too_large(send: Send, limit: int) -> None:
    body = json.dumps({"detail": f"request body larger than {limit:,} bytes"}).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
