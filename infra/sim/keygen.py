"""`python -m infra.sim keygen [KEY_ID]`: a key pair for an account on the standalone simulator.

Writes `<KEY_ID>.pem` (the private key, for the bot's KALSHI_PRIVATE_KEY_PATH) and
`<KEY_ID>.pub.pem` (for the simulator's --public-key). Kalshi signs with RSA-PSS (exchange-apis.md
A2), so the key is RSA, 2048 bits, as Kalshi issues them. Existing files are never overwritten.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


@dataclass(frozen=True)
class KeyPair:
    key_id: str
    private_key: Path
    public_key: Path


def write_key_pair(directory: Path, key_id: str) -> KeyPair:
    """Create the two PEM files in `directory`; FileExistsError if either exists."""
    pair = KeyPair(key_id, directory / f"{key_id}.pem", directory / f"{key_id}.pub.pem")
    for path in (pair.private_key, pair.public_key):
        if path.exists():
            raise FileExistsError(f"{path} exists; not overwritten (choose another key id)")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    pair.private_key.touch(mode=0o600)  # readable by its owner only, before a byte is written
    pair.private_key.write_bytes(private)
    pair.public_key.write_bytes(public)
    return pair


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.sim keygen", description=__doc__)
    parser.add_argument("key_id", nargs="?", default="my-key", help="default: my-key")
    parser.add_argument("--dir", type=Path, default=Path(), help="where to write the files")
    args = parser.parse_args(argv)
    try:
        pair = write_key_pair(args.dir, args.key_id)
    except (FileExistsError, OSError) as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    sys.stdout.write(f"wrote {pair.private_key} (private) and {pair.public_key} (public)\n")
    return 0
