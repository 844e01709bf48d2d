from __future__ import annotations

import base64
import pickle
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding

from infra.kalshi.signing import (
    KeyFileError,
    RequestSigner,
    load_private_key,
    signature_message,
    signed_path,
    timestamp_ms,
)
from tests.infra.kalshi.keys import (
    FIXED_MOMENT,
    KEY_ID,
    FixedClock,
    SkewedClock,
    ed_key,
    pkcs1_pem,
    pkcs8_pem,
    public_pem,
    rsa_key,
    write,
)


def verify_rsa(signature_b64: str, message: bytes) -> None:
    rsa_key().public_key().verify(
        base64.b64decode(signature_b64, validate=True),
        message,
        padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
        hashes.SHA256(),
    )


def test_timestamp_is_exact_milliseconds():
    assert timestamp_ms(FIXED_MOMENT) == "1790856000123"
    assert timestamp_ms(datetime(1970, 1, 1, tzinfo=UTC)) == "0"


def test_signed_message_for_url_with_query_string():
    message = signature_message(
        "1703123456789",
        "get",
        "https://external-api.kalshi.com/trade-api/v2/portfolio/orders?limit=5&status=resting",
    )
    assert message == b"1703123456789GET/trade-api/v2/portfolio/orders"


def test_signed_path_keeps_prefix_and_drops_query():
    assert signed_path("/trade-api/v2/portfolio/balance?x=1") == "/trade-api/v2/portfolio/balance"
    with pytest.raises(ValueError, match="no absolute path"):
        signed_path("portfolio/balance")


def test_rsa_headers_verify_with_public_key():
    signer = RequestSigner(KEY_ID, rsa_key(), FixedClock(FIXED_MOMENT))
    url = "http://127.0.0.1:9/trade-api/v2/portfolio/orders?ticker=X&limit=1000"
    headers = signer.headers("GET", url)
    assert set(headers) == {
        "KALSHI-ACCESS-KEY",
        "KALSHI-ACCESS-TIMESTAMP",
        "KALSHI-ACCESS-SIGNATURE",
    }
    assert headers["KALSHI-ACCESS-KEY"] == KEY_ID
    assert headers["KALSHI-ACCESS-TIMESTAMP"] == "1790856000123"
    verify_rsa(
        headers["KALSHI-ACCESS-SIGNATURE"], b"1790856000123GET/trade-api/v2/portfolio/orders"
    )


def test_rsa_signature_is_pss_not_pkcs1v15():
    signer = RequestSigner(KEY_ID, rsa_key(), FixedClock(FIXED_MOMENT))
    signature = base64.b64decode(signer.sign(b"message"))
    with pytest.raises(InvalidSignature):
        rsa_key().public_key().verify(signature, b"message", padding.PKCS1v15(), hashes.SHA256())
    # PSS with the salt length equal to the digest length (32) verifies; a different one does not.
    rsa_key().public_key().verify(
        signature,
        b"message",
        padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
        hashes.SHA256(),
    )
    with pytest.raises(InvalidSignature):
        rsa_key().public_key().verify(
            signature,
            b"message",
            padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=20),
            hashes.SHA256(),
        )


def test_signature_does_not_cover_the_wrong_path():
    signer = RequestSigner(KEY_ID, rsa_key(), FixedClock(FIXED_MOMENT))
    headers = signer.headers("POST", "/trade-api/v2/portfolio/events/orders")
    with pytest.raises(InvalidSignature):
        verify_rsa(headers["KALSHI-ACCESS-SIGNATURE"], b"1790856000123POST/portfolio/events/orders")


def test_ed25519_signs_the_same_message():
    signer = RequestSigner(KEY_ID, ed_key(), FixedClock(FIXED_MOMENT))
    headers = signer.headers("DELETE", "/trade-api/v2/portfolio/events/orders/abc?x=1")
    ed_key().public_key().verify(
        base64.b64decode(headers["KALSHI-ACCESS-SIGNATURE"]),
        b"1790856000123DELETE/trade-api/v2/portfolio/events/orders/abc",
    )
    assert signer.key_type == "ed25519"


def test_skewed_clock_shifts_timestamp():
    clock = SkewedClock(FixedClock(FIXED_MOMENT), timedelta(seconds=-60))
    signer = RequestSigner(KEY_ID, rsa_key(), clock)
    assert signer.headers("GET", "/x")["KALSHI-ACCESS-TIMESTAMP"] == "1790855940123"


def test_repr_and_pickle_never_expose_the_key():
    signer = RequestSigner(KEY_ID, rsa_key())
    pem = pkcs8_pem(rsa_key()).decode()
    body_line = pem.splitlines()[1]
    for text in (repr(signer), str(signer), f"{signer}"):
        assert KEY_ID in text
        assert body_line not in text
        assert "PRIVATE" not in text
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(signer)
    assert not hasattr(signer, "__dict__")


@pytest.mark.parametrize("kind", ["pkcs8-rsa", "pkcs1-rsa", "pkcs8-ed25519"])
def test_load_private_key_formats(tmp_path: Path, kind: str):
    data = {
        "pkcs8-rsa": pkcs8_pem(rsa_key()),
        "pkcs1-rsa": pkcs1_pem(rsa_key()),
        "pkcs8-ed25519": pkcs8_pem(ed_key()),
    }[kind]
    key = load_private_key(write(tmp_path / "key.pem", data))
    signer = RequestSigner(KEY_ID, key, FixedClock(FIXED_MOMENT))
    assert signer.key_type == ("ed25519" if "ed25519" in kind else "rsa")


def test_from_files(tmp_path: Path):
    path = write(tmp_path / "k.pem", pkcs8_pem(rsa_key()))
    signer = RequestSigner.from_files(KEY_ID, str(path), FixedClock(FIXED_MOMENT))
    verify_rsa(signer.headers("GET", "/trade-api/v2/a")["KALSHI-ACCESS-SIGNATURE"], signer_msg())


def signer_msg() -> bytes:
    return b"1790856000123GET/trade-api/v2/a"


def assert_helpful(error: KeyFileError, path: Path, secret: bytes = b"") -> None:
    text = str(error)
    assert str(path) in text
    if secret:
        for line in secret.decode(errors="replace").splitlines()[1:-1]:
            assert line not in text
        assert error.__cause__ is None
        assert error.__context__ is None or error.__suppress_context__


def test_missing_key_file(tmp_path: Path):
    path = tmp_path / "nope.pem"
    with pytest.raises(KeyFileError) as info:
        load_private_key(path)
    assert_helpful(info.value, path)
    assert "KALSHI_PRIVATE_KEY_PATH" in str(info.value)
    assert "Account > API keys" in str(info.value)


def test_directory_instead_of_file(tmp_path: Path):
    with pytest.raises(KeyFileError, match="is a directory") as info:
        load_private_key(tmp_path)
    assert_helpful(info.value, tmp_path)


def test_unreadable_key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path = write(tmp_path / "k.pem", pkcs8_pem(rsa_key()))

    def denied(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", denied)
    with pytest.raises(KeyFileError, match="permission denied") as info:
        load_private_key(path)
    assert_helpful(info.value, path)


def test_not_a_key(tmp_path: Path):
    path = write(tmp_path / "k.pem", b"hello, this is not a key\n")
    with pytest.raises(KeyFileError, match="not a PEM private key") as info:
        load_private_key(path)
    assert_helpful(info.value, path)
    assert "KALSHI_PRIVATE_KEY_PATH" in str(info.value)


def test_corrupted_key_never_quoted(tmp_path: Path):
    pem = pkcs8_pem(rsa_key())
    lines = pem.splitlines()
    corrupted = b"\n".join([lines[0], lines[1][:-4] + b"!!!!", *lines[2:]])
    path = write(tmp_path / "k.pem", corrupted)
    with pytest.raises(KeyFileError) as info:
        load_private_key(path)
    assert_helpful(info.value, path, corrupted)


def test_public_key_instead_of_private(tmp_path: Path):
    path = write(tmp_path / "k.pub", public_pem(rsa_key()))
    with pytest.raises(KeyFileError, match="public key, not the private key") as info:
        load_private_key(path)
    assert_helpful(info.value, path)


def test_encrypted_key_refused(tmp_path: Path):
    data = rsa_key().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"pw"),
    )
    path = write(tmp_path / "k.pem", data)
    with pytest.raises(KeyFileError, match="passphrase") as info:
        load_private_key(path)
    assert_helpful(info.value, path)


def test_other_key_types_refused(tmp_path: Path):
    data = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path = write(tmp_path / "k.pem", data)
    with pytest.raises(KeyFileError, match="RSA or Ed25519") as info:
        load_private_key(path)
    assert_helpful(info.value, path, data)


def test_empty_key_id_refused():
    with pytest.raises(KeyFileError, match="KALSHI_API_KEY_ID"):
        RequestSigner("  ", rsa_key())
