"""What every request passes before it reaches an endpoint: a rate limit, a body limit, JSON only.

One pure ASGI middleware, so the limits hold before a body is read into memory and the refusals
are JSON bodies like every other error (the CORS middleware wraps it, so they carry CORS headers).
"""

from __future__ import annotations

import contextlib
import json
import math
import threading
import time
from collections import OrderedDict
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from seminar_qa.api.schemas import error_body

_CLIENTS = 10_000
"""Buckets kept; the least recently seen client is forgotten first (bounded memory)."""


class RateLimiter:
    """A token bucket per client: ``per_minute`` requests a minute, bursts up to ``burst``."""

    def __init__(self, per_minute: int, burst: int) -> None:
        """``per_minute`` 0 turns the limit off."""
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def wait_seconds(self, client: str, now: float | None = None) -> float:
        """Take a token for ``client``: 0 when allowed, else the seconds until one is free."""
        if self.rate <= 0:
            return 0.0
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, seen = self._buckets.pop(client, (self.burst, now))
            tokens = min(self.burst, tokens + (now - seen) * self.rate)
            wait = 0.0 if tokens >= 1.0 else (1.0 - tokens) / self.rate
            self._buckets[client] = (tokens - 1.0 if wait == 0.0 else tokens, now)
            while len(self._buckets) > _CLIENTS:
                self._buckets.popitem(last=False)
        return wait


class _TooLarge(Exception):
    pass


class RequestGuard:
    """Refuse too many requests (429), bodies over the limit (413) and non-JSON POSTs (415).

    Each refusal is a JSON error body. Only /v1/ paths are rate-limited: health checks never are.
    """

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, limiter: RateLimiter) -> None:
        """Wrap ``app``."""
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the request, then pass it on with a receive that counts the body's bytes."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {name.decode("latin-1").lower(): value for name, value in scope["headers"]}
        refusal = self._refuse(scope, headers)
        if refusal is not None:
            await _send_json(send, *refusal)
            return
        received = 0
        started = refused = False

        async def counted() -> Message:
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    # Answer 413 now; whatever the app sends after the failed read is dropped
                    # (the framework would report it as a 400 "error parsing the body").
                    if not started and not refused:
                        refused = True
                        await _send_json(send, *self._too_large())
                    raise _TooLarge
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            if refused:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        with contextlib.suppress(_TooLarge):  # the 413 is already sent
            await self.app(scope, counted, watched)

    def _refuse(
        self, scope: Scope, headers: dict[str, bytes]
    ) -> tuple[int, dict[str, Any], dict[str, str]] | None:
        path: str = scope.get("path", "")
        if path.startswith("/v1/"):
            client = scope.get("client")
            wait = self.limiter.wait_seconds(client[0] if client else "unknown")
            if wait > 0:
                seconds = max(1, math.ceil(wait))
                body = error_body(
                    "rate_limited",
                    "too many requests from this client",
                    f"wait {seconds} s (the Retry-After header), or ask the operator to raise "
                    "SEMINAR_QA_RATE_LIMIT",
                )
                return 429, body, {"retry-after": str(seconds)}
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body_bytes):
            return self._too_large()
        if scope.get("method") == "POST":
            content_type = headers.get("content-type", b"").split(b";")[0].strip().lower()
            if content_type != b"application/json":
                shown = content_type.decode("latin-1") or "none"
                body = error_body(
                    "unsupported_media_type",
                    f"the body's content type is {shown}",
                    "send a JSON body with the header Content-Type: application/json",
                )
                return 415, body, {}
        return None

    def _too_large(self) -> tuple[int, dict[str, Any], dict[str, str]]:
        body = error_body(
            "body_too_large",
            f"the request body is over {self.max_body_bytes} bytes",
            "send a shorter body (a question is at most 500 characters)",
        )
        return 413, body, {}


async def _send_json(
    send: Send, status: int, body: dict[str, Any], headers: dict[str, str]
) -> None:
    payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
    raw = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(payload)).encode()),
        *((name.encode(), value.encode()) for name, value in headers.items()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": payload})
