"""The one interface the actors trade through: what they call on a venue, and nothing more.

The live Kalshi client (`infra.kalshi.KalshiClient`), the paper exchange (`infra.paper`) and a
replay venue are siblings behind it, as NautilusTrader's live and backtest venues are behind its
execution client (`reference/design-anchors.md`): every guard, the ledger, reconciliation and
the reports run the same code whichever is connected. Its contract is KalshiClient's: errors are
`infra.kalshi.errors` (`VenueRefused`, `TransientError`, `AmbiguousOutcome`, ...), records are
`domain.models` values, and `create_order` has the outcomes the client's docstring lists.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Protocol, runtime_checkable

from domain.fees import FeeSchedule
from domain.models import (
    Balance,
    FillReport,
    Market,
    OrderAck,
    OrderBook,
    OrderReport,
    PositionReport,
    SettlementReport,
    Side,
)
from infra.kalshi.models import MarketListing, TimeInForce


@runtime_checkable
class VenueClient(Protocol):
    """Market data, the account's records, and order placement, as the actors use them."""

    @property
    def base_url(self) -> str:
        """Where the venue (or its market data) is: shown to the user, never a secret."""
        ...

    # Market data (Scanner, Reconciler)
    def list_markets(self, status: str | None = "open", **filters: Any) -> MarketListing:
        """Every market page, and the records they served that could not be used."""
        ...

    def get_market(self, ticker: str) -> Market: ...

    def get_orderbook(self, ticker: str, depth: int = 0) -> OrderBook: ...

    def get_fee_schedule(self, event_ticker: str) -> FeeSchedule:
        """The fee schedule the event's markets pay (A5.6, A7); raises when it cannot be read
        or names a fee type the project does not know (the Scanner then skips the market)."""
        ...

    # The account (Reconciler, TradingGuard, Executor)
    def get_balance(self) -> Balance: ...

    def get_positions(self, **filters: Any) -> tuple[PositionReport, ...]: ...

    def get_order(self, order_id: str) -> OrderReport: ...

    def find_order_by_client_order_id(
        self, client_order_id: str, ticker: str
    ) -> OrderReport | None: ...

    def get_fills(
        self, ticker: str | None = None, order_id: str | None = None, **filters: Any
    ) -> tuple[FillReport, ...]: ...

    def get_settlements(self, **filters: Any) -> tuple[SettlementReport, ...]: ...

    # Orders (Executor)
    def create_order(
        self,
        ticker: str,
        side: Side,
        price: Decimal,
        count: Decimal,
        client_order_id: str,
        time_in_force: TimeInForce | str = TimeInForce.IMMEDIATE_OR_CANCEL,
        *,
        reduce_only: bool | None = None,  # only closes what is held; only with IOC (A5.9 (b))
        post_only: bool | None = None,  # refused if it would take (GTC only): a maker order
        expiration_time: int | None = None,  # Unix seconds the venue cancels it (GTC only)
    ) -> OrderAck: ...

    def close(self) -> None: ...
