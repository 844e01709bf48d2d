"""The paper venue pushes the fills of its own matching, once each, as the venue's `fill`
channel would: an immediate fill, and a resting order filled by a public trade between cycles."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import requests

from domain.models import FillReport, Side
from infra.kalshi.models import TimeInForce
from infra.paper.stream import PaperStream
from infra.sim import SimExchange
from tests.infra.paper.helpers import paper_exchange, sell_yes, standard_ticker


class Sink:
    def __init__(self) -> None:
        self.pushed: list[FillReport] = []

    def fills(self, fills: tuple[FillReport, ...]) -> None:
        self.pushed.extend(fills)

    def resync(self, reason: str) -> None:
        raise AssertionError(f"nothing to resync in process: {reason}")


def test_the_paper_venue_pushes_its_own_fills_once(
    sim: SimExchange, http: requests.Session, tmp_path: Path
) -> None:
    ticker = standard_ticker(sim)
    sim.pin_book(ticker, yes_bids=[("0.40", "2")], no_bids=[("0.55", "10")])
    with paper_exchange(sim, tmp_path / "paper.db") as paper:
        sink = Sink()
        stream = PaperStream(paper, sink)  # polled by hand: no thread
        taken = paper.create_order(
            ticker, Side.YES, Decimal("0.45"), Decimal(1), "take", TimeInForce.IMMEDIATE_OR_CANCEL
        )
        resting = paper.create_order(
            ticker, Side.YES, Decimal("0.40"), Decimal(3), "rest", TimeInForce.GOOD_TILL_CANCELED
        )
        stream.poll()
        assert [f.order_id for f in sink.pushed] == [taken.order_id]
        stream.poll()
        assert len(sink.pushed) == 1  # pushed once
        sell_yes(http, sim, ticker, "0.40", "2")  # the 2 ahead of ours
        sim.pin_book(ticker, yes_bids=[("0.40", "3")], no_bids=[("0.55", "10")])
        sell_yes(http, sim, ticker, "0.40", "3")  # reaches ours
        stream.poll()  # the matching runs in the poll: no REST read by the bot needed
        assert [f.order_id for f in sink.pushed[1:]] == [resting.order_id]
        assert sink.pushed[1].count == Decimal(3)
        listed = {f.fill_id for f in paper.get_fills()}
        assert {f.fill_id for f in sink.pushed} == listed  # the records REST lists
        assert stream.quote(ticker) is None  # not watched
        stream.watch({ticker})
        stream.poll()
        quote = stream.quote(ticker)
        assert quote is not None
        assert quote.yes_ask == Decimal("0.45")  # $1 less the best NO bid, 0.55
