"""What an exchange URL says: whether it is Kalshi's, or this machine's, and how to print it
without the credentials a user may have put in it (`https://user:pass@host/...?token=...`)."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

KALSHI_DOMAINS = ("kalshi.com", "kalshi.co")
VENUE_DOMAINS = {"live": "kalshi.com", "demo": "kalshi.co"}  # production, and the demo
MASK = "***"
# user:password@ (or a lone token@) after a scheme, and any query value named like a credential
_USERINFO = re.compile(r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s?#@]+@")
_QUERY_CREDENTIAL = re.compile(
    r"(?P<name>[?&;](?:[A-Za-z0-9_.-]*(?:key|token|secret|password|passwd|pwd|auth|signature|sig|"
    r"credential|session)[A-Za-z0-9_.-]*))=(?P<value>[^&;#\s'\"]+)",
    re.IGNORECASE,
)


def redact_urls(text: str) -> str:
    """`text` with the user information of every URL in it, and every query value named like a
    credential (`?api_key=...`, `&token=...`), replaced by `***`."""
    if "://" not in text and "=" not in text:
        return text
    text = _USERINFO.sub(lambda found: f"{found['scheme']}{MASK}@", text)
    return _QUERY_CREDENTIAL.sub(lambda found: f"{found['name']}={MASK}", text)


def host_of(url: str) -> str:
    return urlsplit(url).hostname or ""


def is_kalshi_host(host: str, domains: tuple[str, ...] = KALSHI_DOMAINS) -> bool:
    return any(host == domain or host.endswith(f".{domain}") for domain in domains)


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or `localhost`: this machine, where only tests serve an exchange."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
