"""Kalshi Trade API v2: signing, rate limiting, wire parsing and the HTTP client."""

from infra.kalshi.backoff import LookupPolicy, RetryPolicy
from infra.kalshi.client import DEMO_URL, PRODUCTION_URL, KalshiClient
from infra.kalshi.errors import (
    AmbiguousOutcome,
    AuthenticationError,
    KalshiError,
    MalformedResponse,
    TransientError,
    VenueRefused,
)
from infra.kalshi.models import (
    CancelAck,
    ExchangeStatus,
    KalshiEvent,
    SelfTradePrevention,
    TimeInForce,
)
from infra.kalshi.ratelimit import Bucket, RateLimitConfig, TokenBucketLimiter, process_limiter
from infra.kalshi.signing import KeyFileError, RequestSigner, load_private_key

__all__ = [
    "DEMO_URL",
    "PRODUCTION_URL",
    "AmbiguousOutcome",
    "AuthenticationError",
    "Bucket",
    "CancelAck",
    "ExchangeStatus",
    "KalshiClient",
    "KalshiError",
    "KalshiEvent",
    "KeyFileError",
    "LookupPolicy",
    "MalformedResponse",
    "RateLimitConfig",
    "RequestSigner",
    "RetryPolicy",
    "SelfTradePrevention",
    "TimeInForce",
    "TokenBucketLimiter",
    "TransientError",
    "VenueRefused",
    "load_private_key",
    "process_limiter",
]
