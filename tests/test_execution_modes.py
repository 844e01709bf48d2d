"""Execution modes measured (issue 23): the bot's views as taker orders and as maker orders
resting on the simulator's own matching, on the same seeded worlds (a pure function of the
seeds and the pinned start: no verdict here depends on luck, the date or the machine)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.evaluation import Decision, Trade
from domain.execution_modes import MAKER, TAKER, adverse_move, ratio
from domain.models import OrderBook, Side
from infra.settings import load_settings
from services.evaluation import EvaluationPlan, evaluate_report


def test_a_ratio_and_its_interval_by_linearisation() -> None:
    value, interval = ratio([("a", Decimal(1), Decimal(10)), ("b", Decimal(3), Decimal(10))])
    assert value == Decimal("0.2")
    assert interval is not None
    assert interval[0] < value < interval[1]
    assert ratio([("a", Decimal(1), Decimal(0))]) == (None, None)
    assert ratio([("a", Decimal(1), Decimal(4))]) == (Decimal("0.25"), None)  # one cluster


def test_adverse_selection_is_the_fair_value_moving_against_the_side_bought() -> None:
    decision = Decision(
        run=1,
        cycle=1,
        ticker="T",
        event_ticker="E",
        mutually_exclusive=None,
        legs=1,
        book=OrderBook(ticker="T"),
        mid=Decimal("0.5"),
        truth=Decimal("0.40"),  # valued at: after the fill
    )
    bought_no = Trade(
        strategy="bot",
        decision=decision,
        side=Side.NO,
        count=Decimal(1),
        price=Decimal("0.5"),
        fee=Decimal(0),
        placed_truth=Decimal("0.45"),
    )
    assert adverse_move(bought_no) == Decimal("-0.05")  # NO gained five cents: favourable
    assert adverse_move(bought_no.replace(side=Side.YES)) == Decimal("0.05")
    assert adverse_move(bought_no.replace(placed_truth=None)) is None  # a taker fill


@pytest.mark.timeout(120)
def test_under_the_planted_edge_maker_orders_pay_less_per_contract_than_taker() -> None:
    plan = EvaluationPlan(
        scenario="polymarket-edge", seeds=1, cycles=6, markets=100, execution=True
    )
    report = evaluate_report(load_settings(None), plan)
    taker, maker, taker_exits, maker_exits = report.execution
    assert (taker.mode, maker.mode) == (TAKER, MAKER)
    # Each mode again with its positions sold by the exit rule: the same fills, sold after.
    assert (taker_exits.mode, maker_exits.mode) == ("taker+exits", "maker+exits")
    assert (taker_exits.contracts, maker_exits.contracts) == (taker.contracts, maker.contracts)
    assert taker_exits.fill_rate == taker.fill_rate
    assert taker.trades > 0
    assert maker.orders > 0
    assert maker.contracts > 0  # the simulator's flow reaches resting orders
    assert taker.fill_rate == 1  # IOC at the ask, sized to what it displays
    assert maker.fill_rate is not None
    assert 0 < maker.fill_rate < 1  # a resting order fills in part, or not at all
    assert maker.fees_per_contract is not None
    assert taker.fees_per_contract is not None
    assert maker.fees_per_contract < taker.fees_per_contract
    assert maker.adverse_selection is not None
    assert taker.adverse_selection is None
    # The strategies' table is the taker's: the bot's row is the taker mode's trades.
    bot = next(r for r in report.strategies if r.strategy == "bot")
    assert bot.expected_pnl == taker.expected_pnl
    with_exits = next(r for r in report.strategies if r.strategy == "bot+exits")
    assert with_exits.expected_pnl == taker_exits.expected_pnl
