"""Kalshi request signing, verified the way the exchange does it.

Message: `<timestamp_ms><METHOD><path>` with the full path (including `/trade-api/v2`) and
without the query string. RSA keys: RSA-PSS, SHA-256, MGF1(SHA-256), salt length exactly the
digest length (32); Ed25519 keys: a plain Ed25519 signature over the same bytes.
"""

from __future__ import annotations

import base64
import binascii
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from infra.sim.wire import ApiError

KEY_HEADER = "KALSHI-ACCESS-KEY"
TIMESTAMP_HEADER = "KALSHI-ACCESS-TIMESTAMP"
SIGNATURE_HEADER = "KALSHI-ACCESS-SIGNATURE"

PublicKey = rsa.RSAPublicKey | ed25519.Ed25519PublicKey


def _auth_error(details: str) -> ApiError:
    return ApiError(401, "authentication_error", "authentication error", details)


def load_public_key(pem: bytes) -> PublicKey:
    """Load an RSA or Ed25519 public key from PEM; anything else is refused."""
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, rsa.RSAPublicKey | ed25519.Ed25519PublicKey):
        raise ValueError(f"unsupported key type {type(key).__name__}: use RSA or Ed25519")
    return key


def signature_valid(key: PublicKey, message: bytes, signature: bytes) -> bool:
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(
                signature,
                message,
                padding.PSS(
                    mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH
                ),
                hashes.SHA256(),
            )
        else:
            key.verify(signature, message)
    except InvalidSignature:
        return False
    return True


@dataclass(frozen=True)
class KeyRecord:
    key_id: str
    public_key: PublicKey


class KeyRegistry:
    """Registered API keys; one account per key id."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: dict[str, KeyRecord] = {}

    def register(self, key_id: str, public_key_pem: bytes) -> None:
        if not key_id:
            raise ValueError("key_id must not be empty")
        record = KeyRecord(key_id, load_public_key(public_key_pem))
        with self._lock:
            self._keys[key_id] = record

    def get(self, key_id: str) -> KeyRecord | None:
        with self._lock:
            return self._keys.get(key_id)

    def __contains__(self, key_id: object) -> bool:
        with self._lock:
            return key_id in self._keys


class Authenticator:
    """Checks the three KALSHI-ACCESS-* headers; returns the key id or raises a 401 ApiError."""

    def __init__(
        self, registry: KeyRegistry, wall_clock: Callable[[], float], tolerance_seconds: float
    ) -> None:
        self._registry = registry
        self._wall_clock = wall_clock
        self._tolerance_ms = tolerance_seconds * 1000.0

    def authenticate(self, headers: Mapping[str, str], method: str, path: str) -> str:
        """`headers` is keyed by lower-case header name; `path` excludes the query string."""
        key_id = headers.get(KEY_HEADER.lower())
        stamp = headers.get(TIMESTAMP_HEADER.lower())
        signature_b64 = headers.get(SIGNATURE_HEADER.lower())
        if not key_id or not stamp or not signature_b64:
            raise _auth_error("MISSING_AUTH_HEADERS")
        record = self._registry.get(key_id)
        if record is None:
            raise _auth_error("NOT_FOUND")
        try:
            stamp_ms = int(stamp)
        except ValueError as exc:
            raise _auth_error("INVALID_TIMESTAMP") from exc
        # The real wall clock, not the accelerated market clock.
        if abs(self._wall_clock() * 1000.0 - stamp_ms) > self._tolerance_ms:
            raise ApiError(
                401, "header_timestamp_expired", "header timestamp expired", "TIMESTAMP_EXPIRED"
            )
        try:
            signature = base64.b64decode(signature_b64, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise _auth_error("INCORRECT_API_KEY_SIGNATURE") from exc
        message = f"{stamp}{method.upper()}{path}".encode()
        if not signature_valid(record.public_key, message, signature):
            raise _auth_error("INCORRECT_API_KEY_SIGNATURE")
        return key_id
