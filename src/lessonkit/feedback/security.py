"""Protections every request goes through: CSRF tokens, per-IP rate limits,
CORS for the lesson sites, request size limits and security headers.

Each piece is a small ASGI middleware or helper, tested on its own.

CSRF uses *signed double-submit cookies*: every browser gets a random nonce in
the ``lk_csrf`` cookie; forms carry ``HMAC(secret, nonce)``. A cross-site page
can neither read the cookie nor compute the HMAC without the server's secret.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSRF_COOKIE = "lk_csrf"
CSRF_FIELD = "csrf_token"
_NONCE = re.compile(r"^[A-Za-z0-9_-]{32,64}\Z")


class ClientError(Exception):
    """A request the service refuses, with its 4xx status and a message for the person who sent it."""

    def __init__(self, status: int, message: str, fields: dict[str, str] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.fields = fields or {}
        self.headers = headers or {}


# --- CSRF --------------------------------------------------------------------------------------

def csrf_token_for(secret: str, nonce: str) -> str:
    return hmac.new(secret.encode(), nonce.encode(), hashlib.sha256).hexdigest()


def check_csrf(secret: str, nonce: str | None, token: str | None) -> None:
    if not nonce or not _NONCE.match(nonce) or not token:
        raise ClientError(403, "This form has expired or was not sent from this site. "
                               "Reload the page and try again.")
    if not hmac.compare_digest(csrf_token_for(secret, nonce), token):
        raise ClientError(403, "This form has expired or was not sent from this site. "
                               "Reload the page and try again.")


class CSRFCookieMiddleware:
    """Gives every browser a CSRF nonce cookie (and puts the nonce in ``request.state.csrf_nonce``)."""

    def __init__(self, app: ASGIApp, secure: bool = False) -> None:
        self.app = app
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        cookie = SimpleCookie()
        try:
            cookie.load(Headers(scope=scope).get("cookie", ""))
        except Exception:  # a malformed Cookie header: treat as no cookie
            cookie = SimpleCookie()
        morsel = cookie.get(CSRF_COOKIE)
        nonce = morsel.value if morsel is not None and _NONCE.match(morsel.value) else None
        fresh = nonce is None
        if fresh:
            nonce = secrets.token_urlsafe(32)
        scope.setdefault("state", {})["csrf_nonce"] = nonce
        scope["state"]["csrf_cookie_present"] = not fresh

        async def send_with_cookie(message: Message) -> None:
            if fresh and message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                attrs = "Path=/; HttpOnly; SameSite=Strict; Max-Age=31536000"
                if self.secure or scope.get("scheme") == "https":
                    attrs += "; Secure"
                headers.append("set-cookie", f"{CSRF_COOKIE}={nonce}; {attrs}")
            await send(message)

        await self.app(scope, receive, send_with_cookie)


# --- rate limits -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Rate:
    """At most ``count`` requests per ``seconds`` from one address (``count`` 0 = unlimited)."""

    count: int
    seconds: float

    @classmethod
    def parse(cls, text: str) -> Rate:
        """``"30/60"`` (30 requests a minute), ``"5/1"``, or ``"off"``."""
        text = text.strip().lower()
        if text in ("off", "0", "none", "unlimited"):
            return cls(0, 1)
        match = re.fullmatch(r"(\d+)\s*/\s*(\d+(?:\.\d+)?)\s*(s|m|h)?", text)
        if not match:
            raise ValueError(f"not a rate: {text!r} (write COUNT/SECONDS, e.g. 30/60, or 'off')")
        count, seconds = int(match[1]), float(match[2])
        seconds *= {"s": 1, None: 1, "m": 60, "h": 3600}[match[3]]
        if count <= 0 or seconds <= 0:
            raise ValueError(f"not a rate: {text!r} (count and period must be positive)")
        return cls(count, seconds)

    @property
    def unlimited(self) -> bool:
        return self.count == 0

    def __str__(self) -> str:
        return "off" if self.unlimited else f"{self.count}/{self.seconds:g}s"


class RateLimiter:
    """A token bucket per (bucket, client address), held in memory and bounded in size."""

    def __init__(self, max_keys: int = 100_000, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_keys = max_keys
        self.clock = clock
        self._buckets: OrderedDict[tuple[str, str], tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def hit(self, bucket: str, address: str, rate: Rate) -> float:
        """Count one request; returns 0 when allowed, else the seconds to wait."""
        if rate.unlimited:
            return 0.0
        key = (bucket, address)
        refill = rate.count / rate.seconds
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.pop(key, (float(rate.count), now))
            tokens = min(float(rate.count), tokens + (now - last) * refill)
            if tokens >= 1.0:
                wait = 0.0
                tokens -= 1.0
            else:
                wait = (1.0 - tokens) / refill
            self._buckets[key] = (tokens, now)
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
        return wait

    def check(self, bucket: str, address: str, rate: Rate) -> None:
        wait = self.hit(bucket, address, rate)
        if wait > 0:
            seconds = max(1, int(wait + 0.999))
            raise ClientError(429, f"Too many requests from your address; try again in {seconds} s.",
                              headers={"Retry-After": str(seconds)})


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


# --- CORS --------------------------------------------------------------------------------------

def normalise_origin(text: str) -> str:
    """``https://Example.org:443/lesson/`` -> ``https://example.org``; raises ValueError if not a web origin."""
    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not a web origin: {text!r} (write e.g. https://example.org)")
    try:
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"not a web origin: {text!r} (bad port)") from exc
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    default = {"http": 80, "https": 443}[parts.scheme]
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


class CORSMiddleware:
    """Cross-origin access to ``/api/`` for the configured lesson sites only.

    ``allowed`` returns the current set of allowed origins (it may change while
    the service runs, as lessons are added). A request from any other origin
    gets no CORS headers, and a state-changing one is refused with 403.
    """

    def __init__(self, app: ASGIApp, allowed: Callable[[], Iterable[str]], prefix: str = "/api/") -> None:
        self.app = app
        self.allowed = allowed
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if origin is None:  # not a cross-origin browser request (e.g. a script or the benchmark)
            await self.app(scope, receive, send)
            return
        allowed = origin in set(self.allowed())
        method = scope["method"]
        if method == "OPTIONS" and "access-control-request-method" in headers:
            if not allowed:
                response: Response = JSONResponse({"error": "This site may not send feedback here."},
                                                  status_code=403, headers={"Vary": "Origin"})
            else:
                response = Response(status_code=204, headers={
                    "Access-Control-Allow-Origin": origin,
                    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
                    "Access-Control-Allow-Headers": "Content-Type",
                    "Access-Control-Max-Age": "600",
                    "Vary": "Origin",
                })
            await response(scope, receive, send)
            return
        if not allowed and method not in ("GET", "HEAD"):
            response = JSONResponse({"error": "This site may not send feedback here."}, status_code=403,
                                    headers={"Vary": "Origin"})
            await response(scope, receive, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                out = MutableHeaders(scope=message)
                out.append("Vary", "Origin")
                if allowed:
                    out["Access-Control-Allow-Origin"] = origin
            await send(message)

        await self.app(scope, receive, send_with_cors)


# --- headers -----------------------------------------------------------------------------------

SECURITY_HEADERS = {
    "content-security-policy": ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
                                "base-uri 'none'; object-src 'none'"),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    # Invitation links carry their token in the path: never send it to another site.
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
}


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                out = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    if name not in out:
                        out[name] = value
                if "cache-control" not in out:
                    out["cache-control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)


# --- request bodies ----------------------------------------------------------------------------

async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refusing (413) one larger than ``limit`` bytes before reading it all."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            if int(declared) > limit:
                raise ClientError(413, f"The request is too large (at most {limit} bytes).")
        except ValueError as exc:
            raise ClientError(400, "Bad Content-Length header.") from exc
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ClientError(413, f"The request is too large (at most {limit} bytes).")
        chunks.append(chunk)
    return b"".join(chunks)


async def read_form(request: Request, limit: int, max_fields: int = 200) -> dict[str, list[str]]:
    """An ``application/x-www-form-urlencoded`` form body, size-limited, as name -> values."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise ClientError(415, "Send this form as application/x-www-form-urlencoded.")
    body = await read_body(request, limit)
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False,
                          max_num_fields=max_fields)
    except UnicodeDecodeError as exc:
        raise ClientError(400, "The form is not valid UTF-8.") from exc
    except ValueError as exc:
        raise ClientError(413, f"The form has too many fields (at most {max_fields}).") from exc
    form: dict[str, list[str]] = {}
    for name, value in pairs:
        form.setdefault(name, []).append(value)
    return form


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: object, field: str, max_length: int, *, required: bool = False,
               multiline: bool = False) -> str:
    """User text: a string, without control characters, within its length limit."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ClientError(422, f"{field} must be text.", {field: "must be text"})
    value = _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    if not multiline:
        value = " ".join(value.split())
    value = value.strip()
    if required and not value:
        raise ClientError(422, f"{field} is required.", {field: "required"})
    if len(value) > max_length:
        raise ClientError(422, f"{field} is too long ({len(value)} characters; at most {max_length}).",
                          {field: f"at most {max_length} characters"})
    return value
