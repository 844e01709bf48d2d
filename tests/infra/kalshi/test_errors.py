from __future__ import annotations

import pytest

from infra.kalshi.errors import (
    AmbiguousOutcome,
    AuthenticationError,
    ErrorBody,
    KalshiError,
    MalformedResponse,
    TransientError,
    VenueRefused,
    error_for_status,
    parse_error_body,
)

WRAPPED = (
    b'{"error":{"code":"invalid_order","message":"invalid order","details":"exactly one of '
    b'yes_price, no_price, yes_price_dollars, or no_price_dollars should be provided"}}'
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            WRAPPED,
            ErrorBody(
                "invalid_order",
                "invalid order",
                "exactly one of yes_price, no_price, yes_price_dollars, or no_price_dollars "
                "should be provided",
            ),
        ),
        (
            b'{"error":{"code":"invalid_price","message":"invalid price","service":"exchange"}}',
            ErrorBody("invalid_price", "invalid price", ""),
        ),
        (b'{"error": "too many requests"}', ErrorBody("", "too many requests", "")),
        (
            b'{"code":"user_not_found:_1234","message":"no such user"}',
            ErrorBody("user_not_found:_1234", "no such user", ""),
        ),
        (b'{"msg":"internal error"}', ErrorBody("", "internal error", "")),
        (b"<html>502 Bad Gateway</html>", ErrorBody("", "<html>502 Bad Gateway</html>", "")),
        (b"", ErrorBody()),
        (b"[1, 2]", ErrorBody("", "[1, 2]", "")),
        (
            b'{"error":{"code":"authentication_error","details":"INCORRECT_API_KEY_SIGNATURE"}}',
            ErrorBody("authentication_error", "", "INCORRECT_API_KEY_SIGNATURE"),
        ),
        (b'{"error":{"code":"x","details":{"a":1}}}', ErrorBody("x", "", '{"a": 1}')),
    ],
)
def test_every_error_shape(raw: bytes, expected: ErrorBody):
    assert parse_error_body(raw) == expected


def test_non_utf8_body_never_raises():
    assert parse_error_body(b"\xff\xfe oops").message.endswith("oops")


def test_refusal_keeps_the_venue_fields_exactly():
    error = error_for_status(400, WRAPPED, endpoint="POST /portfolio/events/orders")
    assert isinstance(error, VenueRefused)
    assert error.status == 400
    assert error.code == "invalid_order"
    assert error.message == "invalid order"
    assert error.details.startswith("exactly one of")
    assert "POST /portfolio/events/orders" in str(error)
    conflict = error_for_status(
        409,
        b'{"error":{"code":"order_already_exists","message":"order already exists"}}',
        endpoint="e",
    )
    assert isinstance(conflict, VenueRefused)
    assert conflict.code_is("order_already_exists")


@pytest.mark.parametrize("status", [401, 403])
def test_auth_errors_carry_the_hint(status: int):
    raw = b'{"error":{"code":"header_timestamp_expired","message":"expired"}}'
    error = error_for_status(status, raw, endpoint="GET /portfolio/balance")
    assert isinstance(error, AuthenticationError)
    assert error.code == "header_timestamp_expired"
    text = str(error)
    for cause in (
        "demo keys only work on demo",
        "clock",
        "does not match the key id",
        "/trade-api/v2",
    ):
        assert cause in text
    assert error.hint in text


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504, 408])
def test_transient_statuses(status: int):
    error = error_for_status(status, b'{"error": "too many requests"}', endpoint="GET /markets")
    assert isinstance(error, TransientError)
    assert error.rate_limited is (status == 429)
    assert error.status == status


@pytest.mark.parametrize("status", [400, 404, 409, 422, 302])
def test_refusal_statuses(status: int):
    assert isinstance(error_for_status(status, b"{}", endpoint="x"), VenueRefused)


def test_taxonomy_shares_a_base():
    for error in (
        TransientError("t"),
        VenueRefused(400, ErrorBody()),
        AuthenticationError("a"),
        AmbiguousOutcome("cid", "T", "timeout"),
        MalformedResponse("GET /x", "f", "bad"),
    ):
        assert isinstance(error, KalshiError)
    ambiguous = AmbiguousOutcome("cid-9", "KX", "read timeout")
    assert ambiguous.client_order_id == "cid-9"
    assert "keep it in flight" in str(ambiguous)
    malformed = MalformedResponse("GET /markets", "markets[3].ticker", "missing")
    assert (malformed.endpoint, malformed.field) == ("GET /markets", "markets[3].ticker")
    assert "GET /markets" in str(malformed)
    assert "markets[3].ticker" in str(malformed)
