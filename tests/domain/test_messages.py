from datetime import UTC, datetime
from decimal import Decimal

import pytest
from pydantic import ValidationError

from domain.clock import format_utc, parse_utc
from domain.messages import Ping
from domain.models import BookLevel, Forecast, OrderBook


def test_messages_are_frozen_and_strict() -> None:
    ping = Ping()
    with pytest.raises(ValidationError):
        ping.message_id = "x"  # type: ignore[misc]
    with pytest.raises(ValidationError, match="extra"):
        Ping(unexpected=1)  # type: ignore[call-arg]


def test_caused_links_the_workflow() -> None:
    parent, child = Ping(), Ping()
    linked = child.caused(parent)
    assert linked.correlation_id == parent.correlation_id
    assert linked.causation_id == parent.message_id
    assert linked.message_id == child.message_id


def test_replace_validates() -> None:
    forecast = Forecast(
        ticker="T", probability=Decimal("0.5"), model="m", made_at=datetime.now(UTC)
    )
    with pytest.raises(ValidationError, match="not in"):
        forecast.replace(probability=Decimal("1.5"))


def test_book_is_bids_only_and_derives_asks() -> None:
    book = OrderBook(
        ticker="T",
        yes_bids=(
            BookLevel(price=Decimal("0.30"), count=Decimal(1)),
            BookLevel(price=Decimal("0.42"), count=Decimal(2)),
        ),
        no_bids=(BookLevel(price=Decimal("0.55"), count=Decimal(1)),),
    )
    assert book.best_yes_bid == Decimal("0.42")
    assert book.best_yes_ask == Decimal("0.45")
    assert book.best_no_ask == Decimal("0.58")


def test_utc_format_is_milliseconds_with_z() -> None:
    moment = datetime(2026, 3, 1, 12, 0, 5, 123456, tzinfo=UTC)
    assert format_utc(moment) == "2026-03-01T12:00:05.123Z"
    assert parse_utc("2026-03-01T12:00:05.123Z") == moment.replace(microsecond=123000)
    with pytest.raises(ValueError, match="naive"):
        format_utc(datetime(2026, 1, 1))  # noqa: DTZ001
