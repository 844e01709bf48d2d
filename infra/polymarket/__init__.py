"""Polymarket, read-only: the Gamma catalogue (a second opinion for linked Kalshi markets)."""

from domain.linking import PolymarketMarket
from infra.polymarket.gamma import GAMMA_RATE_LIMIT, GAMMA_URL, GammaClient
from infra.polymarket.wire import GammaPage, Skipped, parse_gamma_market, parse_gamma_page

__all__ = [
    "GAMMA_RATE_LIMIT",
    "GAMMA_URL",
    "GammaClient",
    "GammaPage",
    "PolymarketMarket",
    "Skipped",
    "parse_gamma_market",
    "parse_gamma_page",
]
