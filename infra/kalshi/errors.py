"""What can go wrong talking to Kalshi, as a small taxonomy the callers can act on.

- `TransientError`: try again later (timeouts, connection errors, 429, 5xx). From
  `create_order` it also means *the order was definitely not placed* (see client.py).
- `VenueRefused`: a definitive 4xx refusal, with the venue's own status/code/message/details.
- `AuthenticationError`: 401/403; the hint lists the usual causes.
- `AmbiguousOutcome`: an order may or may not exist; keep it in flight until reconciliation.
- `MalformedResponse`: the venue answered something we cannot parse; nothing of it is used.

Error bodies come in several shapes (reference A3.3); `parse_error_body` reads them all.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

AUTH_HINT = (
    "usual causes: the key id belongs to the other environment (demo keys only work on "
    "demo, production keys only on production); the computer's clock is off (check NTP); "
    "the private key file does not match the key id (KALSHI_API_KEY_ID / "
    "KALSHI_PRIVATE_KEY_PATH); the signed path lacks the /trade-api/v2 prefix or includes "
    "the query string; the key lacks the scope for this endpoint (403)"
)


class KalshiError(Exception):
    """Base of everything the Kalshi client raises on purpose."""


@dataclass(frozen=True)
class ErrorBody:
    """The venue's error description, exactly as sent (empty strings when absent)."""

    code: str = ""
    message: str = ""
    details: str = ""

    def describe(self) -> str:
        parts = [part for part in (self.code, self.message, self.details) if part]
        return ": ".join(parts) if parts else "(no error body)"


class TransientError(KalshiError):
    """Worth retrying later: timeouts, connection failures, 429 and 5xx answers."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        body: ErrorBody | None = None,
        endpoint: str = "",
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body = body or ErrorBody()
        self.endpoint = endpoint

    @property
    def rate_limited(self) -> bool:
        return self.status == 429


class VenueRefused(KalshiError):
    """A definitive refusal (4xx other than 401/403/429); the fields are the venue's own."""

    def __init__(self, status: int, body: ErrorBody, *, endpoint: str = "") -> None:
        super().__init__(f"{endpoint} refused with HTTP {status}: {body.describe()}")
        self.status = status
        self.code = body.code
        self.message = body.message
        self.details = body.details
        self.endpoint = endpoint

    def code_is(self, prefix: str) -> bool:
        """Codes can embed ids (`user_not_found:_<uuid>`), so compare by prefix."""
        return self.code.startswith(prefix)


class AuthenticationError(KalshiError):
    """401/403: the credentials, the clock or the signature are wrong (or no key is set)."""

    def __init__(
        self,
        reason: str,
        *,
        status: int | None = None,
        body: ErrorBody | None = None,
        endpoint: str = "",
    ) -> None:
        body = body or ErrorBody()
        text = reason
        if status is not None:
            text = f"{reason} ({endpoint} HTTP {status}: {body.describe()})"
        super().__init__(f"{text}; {AUTH_HINT}")
        self.status = status
        self.code = body.code
        self.message = body.message
        self.details = body.details
        self.endpoint = endpoint
        self.hint = AUTH_HINT


class AmbiguousOutcome(KalshiError):
    """An order may or may not exist at the venue. Keep it in flight; never resend blindly."""

    def __init__(self, client_order_id: str, ticker: str, reason: str) -> None:
        super().__init__(
            f"order {client_order_id} on {ticker}: outcome unknown ({reason}); "
            "keep it in flight until reconciliation finds it by client_order_id"
        )
        self.client_order_id = client_order_id
        self.ticker = ticker
        self.reason = reason


class MalformedResponse(KalshiError):
    """The venue answered something we cannot parse. Nothing from the answer is used."""

    def __init__(self, endpoint: str, field: str, reason: str) -> None:
        super().__init__(f"malformed response from {endpoint}: field {field!r}: {reason}")
        self.endpoint = endpoint
        self.field = field
        self.reason = reason


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, default=str)


def parse_error_body(raw: bytes | str) -> ErrorBody:
    """Read any of Kalshi's error shapes; never raises.

    Shapes: `{"error": {"code", "message", "details"}}`, `{"error": "too many requests"}`,
    flat `{"code", "message"}`, bare `{"msg": ...}`, and anything else (non-JSON, HTML from
    a proxy), which becomes the message, truncated.
    """
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
    try:
        payload = json.loads(text)
    except ValueError:
        snippet = text.strip()[:200]
        return ErrorBody(message=snippet)
    if isinstance(payload, dict):
        inner = payload.get("error")
        if isinstance(inner, dict):
            return ErrorBody(
                code=_text(inner.get("code")),
                message=_text(inner.get("message", inner.get("msg"))),
                details=_text(inner.get("details")),
            )
        if isinstance(inner, str):
            return ErrorBody(message=inner)
        if "code" in payload or "message" in payload:
            return ErrorBody(
                code=_text(payload.get("code")),
                message=_text(payload.get("message")),
                details=_text(payload.get("details")),
            )
        if "msg" in payload:
            return ErrorBody(message=_text(payload.get("msg")))
    return ErrorBody(message=text.strip()[:200])


def error_for_status(status: int, raw: bytes | str, *, endpoint: str) -> KalshiError:
    """The exception an HTTP error status stands for (the caller raises it)."""
    body = parse_error_body(raw)
    if status in (401, 403):
        return AuthenticationError(
            "Kalshi refused the credentials", status=status, body=body, endpoint=endpoint
        )
    if status == 429 or status >= 500 or status == 408:
        return TransientError(
            f"{endpoint} HTTP {status}: {body.describe()}",
            status=status,
            body=body,
            endpoint=endpoint,
        )
    return VenueRefused(status, body, endpoint=endpoint)
