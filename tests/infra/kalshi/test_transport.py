from __future__ import annotations

import threading
from decimal import Decimal

import pytest
import requests
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

from infra.kalshi.models import TimeInForce
from infra.kalshi.ratelimit import TokenBucketLimiter
from infra.kalshi.transport import HttpTransport, _never_sent, query_params


def connection_error(reason: Exception) -> requests.ConnectionError:
    return requests.ConnectionError(MaxRetryError(None, "/x", reason))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("exc", "never_sent"),
    [
        (requests.exceptions.ConnectTimeout(), True),
        (connection_error(NewConnectionError(None, "refused")), True),  # type: ignore[arg-type]
        (requests.exceptions.MissingSchema(), True),
        (requests.exceptions.ReadTimeout(), False),
        (connection_error(ProtocolError("Connection aborted.")), False),
        (requests.ConnectionError("Connection aborted."), False),
        (requests.exceptions.ChunkedEncodingError(), False),
        (requests.exceptions.SSLError(), False),
    ],
)
def test_only_provably_unsent_requests_are_marked_so(
    exc: requests.RequestException, never_sent: bool
):
    assert _never_sent(exc) is never_sent


def test_query_params():
    assert query_params(
        {
            "status": "open",
            "limit": 1000,
            "with_nested_markets": True,
            "tickers": ["A", "B"],
            "tif": TimeInForce.FILL_OR_KILL,
            "cursor": None,
            "min": Decimal("1.5"),
        }
    ) == {
        "status": "open",
        "limit": "1000",
        "with_nested_markets": "true",
        "tickers": "A,B",
        "tif": "fill_or_kill",
        "min": "1.5",
    }
    assert query_params(None) == {}


def test_one_session_per_thread_and_close():
    transport = HttpTransport("http://127.0.0.1:9/trade-api/v2/", limiter=TokenBucketLimiter())
    assert transport.base_url == "http://127.0.0.1:9/trade-api/v2"
    assert transport.full_path("/markets") == "/trade-api/v2/markets"
    sessions: list[requests.Session] = []
    thread = threading.Thread(target=lambda: sessions.append(transport._session()))
    thread.start()
    thread.join()
    main = transport._session()
    assert main is transport._session()
    assert sessions[0] is not main
    transport.close()
    assert transport._session() is not main
    transport.close()


def test_the_session_of_a_thread_that_ended_is_closed_when_another_starts():
    """Issue 21, RSS: a paging call's prefetch thread is new each call; its session (and its
    open connection) was kept until the transport closed, a dozen more every cycle."""
    transport = HttpTransport("http://127.0.0.1:9", limiter=TokenBucketLimiter())
    ended: list[requests.Session] = []
    for _ in range(20):
        thread = threading.Thread(target=lambda: ended.append(transport._session()))
        thread.start()
        thread.join()
    main = transport._session()
    assert transport.open_sessions == 1  # this thread's: the twenty ended threads' are closed
    assert len({id(s) for s in ended}) == 20
    transport.close()
    assert transport.open_sessions == 0
    assert main is not transport._session()
    transport.close()


def test_injected_session_is_shared_and_not_closed():
    session = requests.Session()
    transport = HttpTransport("http://127.0.0.1:9", limiter=TokenBucketLimiter(), session=session)
    assert transport._session() is session
    transport.close()
    assert session.adapters  # still usable: the caller owns it
    session.close()
