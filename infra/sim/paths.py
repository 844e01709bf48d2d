"""URL prefixes served by the sim."""

KALSHI_PREFIX = "/trade-api/v2"
ADMIN_PREFIX = "/_sim"
