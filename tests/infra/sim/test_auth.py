"""Signature verification: what Kalshi accepts and what it answers with 401."""

from __future__ import annotations

import base64
import time

import requests
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from infra.sim import SimExchange
from tests.infra.sim.helpers import KEY_ID, KalshiAuth, public_pem

BALANCE = "/portfolio/balance"


def _error(response: requests.Response) -> dict[str, str]:
    return response.json()["error"]


def test_good_rsa_signature_is_accepted(sim: SimExchange, http: requests.Session) -> None:
    response = http.get(sim.base_url + BALANCE)
    assert response.status_code == 200
    assert response.json()["balance"] == 100_000


def test_signature_from_another_key_is_rejected(
    sim: SimExchange, other_rsa_key: rsa.RSAPrivateKey
) -> None:
    response = requests.get(sim.base_url + BALANCE, auth=KalshiAuth(KEY_ID, other_rsa_key))
    assert response.status_code == 401
    assert response.json() == {
        "error": {
            "code": "authentication_error",
            "message": "authentication error",
            "details": "INCORRECT_API_KEY_SIGNATURE",
        }
    }


def test_signing_the_query_string_is_rejected(sim: SimExchange, rsa_key: rsa.RSAPrivateKey) -> None:
    url = sim.base_url + "/portfolio/orders?status=resting"
    assert requests.get(url, auth=KalshiAuth(KEY_ID, rsa_key)).status_code == 200
    wrong = requests.get(url, auth=KalshiAuth(KEY_ID, rsa_key, sign_query=True))
    assert wrong.status_code == 401
    assert _error(wrong)["details"] == "INCORRECT_API_KEY_SIGNATURE"


def test_signing_without_the_api_prefix_is_rejected(
    sim: SimExchange, rsa_key: rsa.RSAPrivateKey
) -> None:
    response = requests.get(
        sim.base_url + BALANCE, auth=KalshiAuth(KEY_ID, rsa_key, strip_prefix=True)
    )
    assert response.status_code == 401


def test_stale_and_future_timestamps_expire(sim: SimExchange, rsa_key: rsa.RSAPrivateKey) -> None:
    for skew in (-10_000, 10_000):
        response = requests.get(
            sim.base_url + BALANCE, auth=KalshiAuth(KEY_ID, rsa_key, skew_ms=skew)
        )
        assert response.status_code == 401
        assert _error(response)["code"] == "header_timestamp_expired"
    within = requests.get(sim.base_url + BALANCE, auth=KalshiAuth(KEY_ID, rsa_key, skew_ms=-3000))
    assert within.status_code == 200


def test_timestamp_check_uses_the_wall_clock_not_the_sim_clock(
    sim: SimExchange, http: requests.Session
) -> None:
    sim.advance(7 * 24 * 3600)
    assert http.get(sim.base_url + BALANCE).status_code == 200


def test_missing_headers_and_unknown_keys(sim: SimExchange, rsa_key: rsa.RSAPrivateKey) -> None:
    bare = requests.get(sim.base_url + BALANCE)
    assert bare.status_code == 401
    assert _error(bare)["code"] == "authentication_error"
    unknown = requests.get(sim.base_url + BALANCE, auth=KalshiAuth("nobody", rsa_key))
    assert unknown.status_code == 401
    assert _error(unknown)["details"] == "NOT_FOUND"


def test_only_the_digest_length_pss_salt_verifies(
    sim: SimExchange, rsa_key: rsa.RSAPrivateKey
) -> None:
    max_salt = KalshiAuth(KEY_ID, rsa_key, salt_length=padding.PSS.MAX_LENGTH)
    assert requests.get(sim.base_url + BALANCE, auth=max_salt).status_code == 401
    stamp = str(int(time.time() * 1000))
    message = f"{stamp}GET/trade-api/v2{BALANCE}".encode()
    pkcs1 = rsa_key.sign(message, padding.PKCS1v15(), hashes.SHA256())
    headers = {
        "KALSHI-ACCESS-KEY": KEY_ID,
        "KALSHI-ACCESS-TIMESTAMP": stamp,
        "KALSHI-ACCESS-SIGNATURE": base64.b64encode(pkcs1).decode(),
    }
    assert requests.get(sim.base_url + BALANCE, headers=headers).status_code == 401


def test_ed25519_keys(sim: SimExchange, ed_key: ed25519.Ed25519PrivateKey) -> None:
    sim.register_key("ed-key", public_pem(ed_key))
    response = requests.get(sim.base_url + BALANCE, auth=KalshiAuth("ed-key", ed_key))
    assert response.status_code == 200
    other = ed25519.Ed25519PrivateKey.generate()
    assert requests.get(sim.base_url + BALANCE, auth=KalshiAuth("ed-key", other)).status_code == 401


def test_public_routes_ignore_auth_headers(sim: SimExchange) -> None:
    headers = {
        "KALSHI-ACCESS-KEY": "garbage",
        "KALSHI-ACCESS-TIMESTAMP": "1",
        "KALSHI-ACCESS-SIGNATURE": "not-base64!",
    }
    assert requests.get(sim.base_url + "/markets", headers=headers).status_code == 200
    assert requests.get(sim.base_url + "/exchange/status").status_code == 200
