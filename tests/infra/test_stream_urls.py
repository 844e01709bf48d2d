"""Which WebSocket each venue opens: Kalshi's own for its REST hosts (A1), a standalone
simulator's on the port after its HTTP port, `stream.url` when given and held to the rules of the
exchange URL (the handshake is signed with the account's keys), none when switched off."""

from __future__ import annotations

from pathlib import Path

import pytest

from actors.directory import Directory
from actors.stream_feed import ReconcilerFeed
from domain.errors import OperatorInterventionRequired
from infra.kalshi.stream import KalshiStream
from infra.settings import load_settings
from infra.sim.keygen import KeyPair
from infra.venue import connect
from tests.process_helpers import make_key_pair


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> KeyPair:
    return make_key_pair(tmp_path_factory.mktemp("keys"))


def stream_url(tmp_path: Path, keys: KeyPair, **settings: object) -> str | None:
    loaded = load_settings(
        db=tmp_path / "book.db",
        kalshi_api_key_id=keys.key_id,
        kalshi_private_key_path=keys.private_key,
        **settings,
    )
    venue = connect(loaded)
    try:
        if venue.open_stream is None:
            return None
        stream = venue.open_stream(ReconcilerFeed(Directory()))  # never started
        assert isinstance(stream, KalshiStream)
        return stream.url
    finally:
        venue.close()


@pytest.mark.parametrize(
    ("venue", "exchange_url", "expected"),
    [
        ("demo", None, "wss://external-api-ws.demo.kalshi.co/trade-api/ws/v2"),
        (
            "demo",
            "https://demo-api.kalshi.co/trade-api/v2",
            "wss://demo-api.kalshi.co/trade-api/ws/v2",
        ),
        ("sim", "http://127.0.0.1:8800/trade-api/v2", "ws://127.0.0.1:8801/trade-api/ws/v2"),
    ],
)
def test_each_venue_opens_its_own_websocket(
    tmp_path: Path, keys: KeyPair, venue: str, exchange_url: str | None, expected: str
) -> None:
    assert stream_url(tmp_path, keys, venue=venue, exchange_url=exchange_url) == expected


def test_a_stream_url_elsewhere_is_refused_and_off_is_none(tmp_path: Path, keys: KeyPair) -> None:
    elsewhere = {"url": "wss://example.com/trade-api/ws/v2"}
    with pytest.raises(OperatorInterventionRequired, match="refuses"):
        stream_url(tmp_path, keys, venue="demo", stream=elsewhere)
    assert stream_url(tmp_path, keys, venue="demo", stream={"enabled": False}) is None
