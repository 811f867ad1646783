"""Cross-origin access for the lesson sites: origins normalised, ``/api/`` open only to them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send


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
                    out["Access-Control-Expose-Headers"] = "Retry-After"  # the widget's backoff reads it
            await send(message)

        await self.app(scope, receive, send_with_cors)
