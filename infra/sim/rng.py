"""Stateless, seedable hashing randomness.

Quotes, sizes and results are pure functions of (seed, market, epoch) rather than draws from a
shared generator, so the book a client sees at a given sim time does not depend on which requests
happened to arrive first. Floats here are probabilities and noise, never money.
"""

from __future__ import annotations

import hashlib

MASK64 = (1 << 64) - 1
_TWO_53 = float(1 << 53)
_TWENTY_ONE_BITS = (1 << 21) - 1


def mix64(value: int) -> int:
    """The splitmix64 finaliser: a fast, well-distributed 64-bit integer hash."""
    value = (value + 0x9E3779B97F4A7C15) & MASK64
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & MASK64
    return value ^ (value >> 31)


def hash_ints(*parts: int) -> int:
    """Combine integers into one well-mixed 64-bit hash (order matters).

    Python's tuple hash is deterministic for ints (PYTHONHASHSEED only salts str and bytes), so
    one splitmix64 round over it is enough, and much cheaper than mixing part by part.
    """
    return mix64(hash(parts) & MASK64)


def text_seed(text: str) -> int:
    """A stable 64-bit integer for a string (tickers, key ids); independent of PYTHONHASHSEED."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def unit(*parts: int) -> float:
    """A uniform float in [0, 1) determined by `parts`."""
    return (hash_ints(*parts) >> 11) / _TWO_53


def normalish(*parts: int) -> float:
    """An approximately standard normal value (Irwin-Hall of three uniforms, rescaled)."""
    bits = hash_ints(*parts)
    total = (
        (bits & _TWENTY_ONE_BITS)
        + ((bits >> 21) & _TWENTY_ONE_BITS)
        + ((bits >> 42) & _TWENTY_ONE_BITS)
    ) / float(_TWENTY_ONE_BITS)
    return (total - 1.5) * 2.0


def below(limit: int, *parts: int) -> int:
    """A uniform integer in [0, limit)."""
    return hash_ints(*parts) % limit
