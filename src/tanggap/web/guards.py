"""ASGI guards that run before any routing or parsing: a cap on request bodies and the Host
header check. Both answer problem+json, to anonymous callers too."""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


class BodyTooLarge(HTTPException):
    """Raised from `receive` when a body without (or lying about) Content-Length grows too big.
    An HTTPException, so FastAPI's body parsing passes it on instead of calling it a 400."""

    def __init__(self, limit: int):
        super().__init__(413, f"request body larger than {limit} bytes")


async def send_problem(send: Send, status: int, title: str, detail: str) -> None:
    body = json.dumps({"type": "about:blank", "title": title, "status": status, "detail": detail}).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode()),
        (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            return await send_problem(send, 413, "Request body too large",
                                      f"the body may be at most {self.max_bytes} bytes")
        seen, started, exceeded = 0, False, False

        async def counted_receive() -> Message:
            nonlocal seen, exceeded
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    exceeded = True
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            # Whatever the app made of the cut-off body (a 400 from a wrapped error, say) is
            # replaced by the 413 below, unless it had already begun to answer.
            if exceeded and not started:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except BodyTooLarge:
            pass
        except Exception:
            if not exceeded:
                raise
        if exceeded and not started:
            await send_problem(send, 413, "Request body too large",
                               f"the body may be at most {self.max_bytes} bytes")


def host_of(header: str) -> str:
    """The host name of a Host header, without port; IPv6 literals without brackets."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:header.find("]")] if "]" in header else ""
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def host_allowed(host: str, allowed: list[str]) -> bool:
    for pattern in allowed:
        pattern = pattern.strip().lower()
        if pattern == "*" or host == pattern:
            return True
        if pattern.startswith("*.") and host.endswith(pattern[1:]) and len(host) > len(pattern) - 1:
            return True
    return False


class TrustedHosts:
    """Links and redirects are built from the Host header: only the server's own names pass."""

    def __init__(self, app: ASGIApp, allowed: list[str]):
        self.app = app
        self.allowed = list(allowed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        header = dict(scope["headers"]).get(b"host", b"").decode("latin-1")
        if not host_allowed(host_of(header), self.allowed):
            if scope["type"] == "websocket":
                return await send({"type": "websocket.close", "code": 1008})
            return await send_problem(send, 400, "Host not allowed",
                                      "this server does not answer to that Host header")
        return await self.app(scope, receive, send)


class SlidingWindow:
    """At most `limit` events per key within `window_s` seconds, in this process. For the
    public forms, where there is no account to hang a counter on; the address is the key."""

    def __init__(self, limit: int, window_s: float, clock=None):
        import threading
        import time

        self.limit, self.window_s = limit, window_s
        self._clock = clock or time.monotonic
        self._seen: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        now = self._clock()
        with self._lock:
            recent = [t for t in self._seen.get(key, []) if now - t < self.window_s]
            if len(recent) >= self.limit:
                self._seen[key] = recent
                return False
            recent.append(now)
            self._seen[key] = recent
            if len(self._seen) > 100_000:  # forget the quiet ones, keep memory bounded
                self._seen = {k: v for k, v in self._seen.items() if v and now - v[-1] < self.window_s}
            return True
