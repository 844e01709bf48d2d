"""Kalshi request signing: key file loading and the three KALSHI-ACCESS-* headers.

The signed message is `<timestamp_ms><METHOD><path>`, where path is the URL path from the
root (so it includes `/trade-api/v2`) without the query string. RSA keys sign with RSA-PSS,
SHA-256, MGF1(SHA-256), salt length = digest length; Ed25519 keys sign the same bytes.

The private key never appears in a repr, a log line or an exception message.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from domain.clock import Clock
from infra.clock import SystemClock

PrivateKey = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey

KEY_HELP = (
    "download the private key from Kalshi > Account > API keys (it is shown once, when the "
    "key is created) and set KALSHI_PRIVATE_KEY_PATH to the .pem file; the key id goes in "
    "KALSHI_API_KEY_ID"
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class KeyFileError(Exception):
    """The private key file is missing, unreadable or not a usable private key."""


def load_private_key(path: Path | str) -> PrivateKey:
    """Load an unencrypted PEM RSA (PKCS#8 or PKCS#1) or Ed25519 private key.

    Every failure is a `KeyFileError` naming the path and saying what to do; the file's
    content is never quoted.
    """
    key_path = Path(path).expanduser()
    try:
        data = key_path.read_bytes()
    except FileNotFoundError:
        raise KeyFileError(f"private key file {key_path} does not exist: {KEY_HELP}") from None
    except IsADirectoryError:
        raise KeyFileError(f"private key path {key_path} is a directory: {KEY_HELP}") from None
    except PermissionError:
        raise KeyFileError(
            f"private key file {key_path} cannot be read (permission denied): give the bot's "
            "user read access (chmod 600, owned by that user)"
        ) from None
    except OSError as exc:
        raise KeyFileError(
            f"private key file {key_path} cannot be read ({exc.strerror}): {KEY_HELP}"
        ) from None
    return _parse_private_key(data, key_path)


def _parse_private_key(data: bytes, key_path: Path) -> PrivateKey:
    if b"PUBLIC KEY" in data and b"PRIVATE KEY" not in data:
        raise KeyFileError(
            f"{key_path} holds a public key, not the private key: {KEY_HELP}"
        ) from None
    if b"ENCRYPTED" in data:
        raise KeyFileError(
            f"{key_path} is passphrase-protected, which is not supported: export it without "
            "a passphrase (e.g. `openssl pkey -in old.pem -out new.pem`) and keep it chmod 600"
        )
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        # The library's message is not quoted: it is generic, and nothing of the file's
        # content may reach a log.
        raise KeyFileError(
            f"{key_path} is not a PEM private key (expected '-----BEGIN PRIVATE KEY-----' or "
            f"'-----BEGIN RSA PRIVATE KEY-----'): {KEY_HELP}"
        ) from None
    if not isinstance(key, rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey):
        raise KeyFileError(
            f"{key_path} holds an unsupported key type ({type(key).__name__.lstrip('_')}); "
            f"Kalshi keys are RSA or Ed25519: {KEY_HELP}"
        )
    return key


def signed_path(url_or_path: str) -> str:
    """The part of a URL Kalshi signs: the path from the root, without query or fragment."""
    path = urlsplit(url_or_path).path
    if not path.startswith("/"):
        raise ValueError(f"{url_or_path!r} has no absolute path to sign")
    return path


def signature_message(timestamp_ms: str, method: str, path: str) -> bytes:
    return f"{timestamp_ms}{method.upper()}{signed_path(path)}".encode()


def timestamp_ms(moment: datetime) -> str:
    """Unix time in whole milliseconds, exactly (no float rounding)."""
    return str((moment - _EPOCH) // timedelta(milliseconds=1))


class RequestSigner:
    """Produces KALSHI-ACCESS-KEY, -TIMESTAMP and -SIGNATURE for one request."""

    __slots__ = ("_clock", "_key", "key_id")

    def __init__(self, key_id: str, private_key: PrivateKey, clock: Clock | None = None) -> None:
        if not key_id or not key_id.strip():
            raise KeyFileError("the Kalshi API key id is empty: set KALSHI_API_KEY_ID")
        if not isinstance(private_key, rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey):
            raise KeyFileError("Kalshi keys are RSA or Ed25519 private keys")
        self.key_id = key_id.strip()
        self._key = private_key
        self._clock: Clock = clock or SystemClock()

    @classmethod
    def from_files(
        cls, key_id: str, private_key_path: Path | str, clock: Clock | None = None
    ) -> RequestSigner:
        return cls(key_id, load_private_key(private_key_path), clock)

    @property
    def key_type(self) -> str:
        return "ed25519" if isinstance(self._key, ed25519.Ed25519PrivateKey) else "rsa"

    def __repr__(self) -> str:
        return f"RequestSigner(key_id={self.key_id!r}, key_type={self.key_type!r})"

    __str__ = __repr__

    def __reduce__(self) -> None:  # type: ignore[override]
        raise TypeError("RequestSigner holds a private key and cannot be pickled")

    def sign(self, message: bytes) -> str:
        """Base64 (standard alphabet, padded) of the signature over `message`."""
        if isinstance(self._key, ed25519.Ed25519PrivateKey):
            raw = self._key.sign(message)
        else:
            pss = padding.PSS(
                mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH
            )
            raw = self._key.sign(message, pss, hashes.SHA256())
        return base64.b64encode(raw).decode("ascii")

    def headers(self, method: str, url_or_path: str) -> dict[str, str]:
        """The three auth headers for `method` on `url_or_path` (query string ignored)."""
        stamp = timestamp_ms(self._clock.now())
        return {
            "KALSHI-ACCESS-KEY": self.key_id,
            "KALSHI-ACCESS-TIMESTAMP": stamp,
            "KALSHI-ACCESS-SIGNATURE": self.sign(signature_message(stamp, method, url_or_path)),
        }
