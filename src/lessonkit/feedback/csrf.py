"""CSRF protection with *signed double-submit cookies*.

Every browser gets a random nonce in the ``lk_csrf`` cookie; forms carry
``HMAC(secret, nonce)``. A cross-site page can neither read the cookie nor
compute the HMAC without the server's secret (kept in the database, shared by
every worker).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from http.cookies import SimpleCookie

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lessonkit.feedback.errors import ClientError

CSRF_COOKIE = "lk_csrf"
CSRF_FIELD = "csrf_token"
_NONCE = re.compile(r"^[A-Za-z0-9_-]{32,64}\Z")
_EXPIRED = "This form has expired or was not sent from this site. Reload the page and try again."


def csrf_token_for(secret: str, nonce: str) -> str:
    return hmac.new(secret.encode(), nonce.encode(), hashlib.sha256).hexdigest()


def check_csrf(secret: str, nonce: str | None, token: str | None) -> None:
    if not nonce or not _NONCE.match(nonce) or not token:
        raise ClientError(403, _EXPIRED)
    if not hmac.compare_digest(csrf_token_for(secret, nonce).encode(), token.encode("utf-8", "replace")):
        raise ClientError(403, _EXPIRED)


class CSRFCookieMiddleware:
    """Gives every browser a CSRF nonce cookie (and puts the nonce in ``request.state.csrf_nonce``)."""

    def __init__(self, app: ASGIApp, secure: bool = False) -> None:
        self.app = app
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        cookie: SimpleCookie = SimpleCookie()
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
