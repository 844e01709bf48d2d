"""`/_sim/*`: fault switches, stats, the clock and test hooks over HTTP for standalone use.

Never authenticated, rate limited or faulted.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from infra.sim.auth import KeyRegistry
from infra.sim.engine import Exchange
from infra.sim.faults import Faults
from infra.sim.httptypes import Context, Kind, Response, Route, json_response
from infra.sim.paths import ADMIN_PREFIX
from infra.sim.stats import StatsRecorder
from infra.sim.stream import MARKET, PRIVATE, SimStream, StreamFaults
from infra.sim.wire import bad_request, rfc3339

CHANNELS = PRIVATE + MARKET


def _body(ctx: Context) -> dict[str, Any]:
    payload = ctx.request.json()
    if not isinstance(payload, dict):
        raise bad_request("expected a JSON object")
    return payload


def _decimal(value: Any, name: str) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise bad_request(f"{name} must be a decimal") from exc


class AdminRoutes:
    def __init__(
        self,
        exchange: Exchange,
        faults: Faults,
        recorder: StatsRecorder,
        keys: KeyRegistry,
        register_key: Callable[[str, bytes, Decimal | None], None],
        stream: SimStream,
    ) -> None:
        self.stream = stream
        self.exchange = exchange
        self.faults = faults
        self.recorder = recorder
        self.keys = keys
        self.register_key = register_key

    def routes(self) -> list[Route]:
        a, admin = ADMIN_PREFIX, Kind.ADMIN
        return [
            Route("GET", f"{a}/faults", self.get_faults, admin, None),
            Route("POST", f"{a}/faults", self.set_faults, admin, None),
            Route("GET", f"{a}/stats", self.get_stats, admin, None),
            Route("POST", f"{a}/stats/reset", self.reset_stats, admin, None),
            Route("GET", f"{a}/clock", self.get_clock, admin, None),
            Route("POST", f"{a}/advance", self.advance, admin, None),
            Route("POST", f"{a}/keys", self.add_key, admin, None),
            Route("POST", f"{a}/settle", self.settle, admin, None),
            Route("POST", f"{a}/probability", self.probability, admin, None),
            Route("GET", f"{a}/truth", self.truth, admin, None),
            Route("POST", f"{a}/external_position", self.external_position, admin, None),
            Route("POST", f"{a}/stream_fault", self.stream_fault, admin, None),
        ]

    def stream_fault(self, ctx: Context) -> Response:
        """The WebSocket's faults: `{"fault": "drop_connections"}` at once, or `drop_next`,
        `skip_next`, `duplicate_next` with a `channel` (see infra.sim.stream.StreamFaults)."""
        payload = _body(ctx)
        fault, channel = payload.get("fault"), payload.get("channel")
        if fault == "drop_connections":
            self.stream.drop_connections()
        elif fault in {f"{kind}_next" for kind in StreamFaults.KINDS} and channel in CHANNELS:
            self.stream.faults.add(fault.removesuffix("_next"), channel)
        else:
            raise bad_request(
                "fault is drop_connections, or drop_next / skip_next / duplicate_next with a"
                f" channel of {', '.join(CHANNELS)}"
            )
        return json_response({"fault": fault, "channel": channel})

    def get_faults(self, _ctx: Context) -> Response:
        return json_response(self.faults.snapshot().to_json())

    def set_faults(self, ctx: Context) -> Response:
        """Partial update; `{"reset": true}` first restores the defaults."""
        payload = _body(ctx)
        if payload.pop("reset", False):
            self.faults.reset()
        try:
            settings = self.faults.update(**{k: _plain(v) for k, v in payload.items()})
        except (ValueError, TypeError) as exc:
            raise bad_request(str(exc)) from exc
        return json_response(settings.to_json())

    def get_stats(self, _ctx: Context) -> Response:
        return json_response(self.recorder.snapshot().to_json())

    def reset_stats(self, _ctx: Context) -> Response:
        self.recorder.reset()
        return json_response({})

    def _clock(self) -> dict[str, Any]:
        with self.exchange.synced() as ex:
            return {
                "now": rfc3339(ex.clock.now()),
                "ts": ex.clock.timestamp(),
                "time_scale": ex.clock.time_scale,
            }

    def get_clock(self, _ctx: Context) -> Response:
        return json_response(self._clock())

    def advance(self, ctx: Context) -> Response:
        seconds = _body(ctx).get("seconds")
        try:
            self.exchange.clock.advance(float(seconds))  # type: ignore[arg-type]
        except (TypeError, ValueError) as exc:
            raise bad_request("seconds must be a non-negative number") from exc
        return json_response(self._clock())

    def add_key(self, ctx: Context) -> Response:
        payload = _body(ctx)
        key_id, pem = payload.get("key_id"), payload.get("public_key_pem")
        if not isinstance(key_id, str) or not isinstance(pem, str):
            raise bad_request("key_id and public_key_pem are required strings")
        balance = payload.get("balance")
        try:
            self.register_key(
                key_id, pem.encode(), None if balance is None else _decimal(balance, "balance")
            )
        except ValueError as exc:
            raise bad_request(str(exc)) from exc
        return json_response({"key_id": key_id}, 201)

    def truth(self, _ctx: Context) -> Response:
        """Each open market's hidden fair value now: for evaluating strategies, never for
        trading (the venue has no such route; the reference is silent, this is the sim's own)."""
        with self.exchange.synced() as ex:
            markets = [
                {
                    "ticker": m.ticker,
                    "event_ticker": m.event_ticker,
                    "fair_value": f"{ex.truth(m):.6f}",
                }
                for m in ex.markets
                if m.status.listed_open
            ]
            return json_response(
                {"scenario": ex.prices.scenario, "now": rfc3339(ex.clock.now()), "markets": markets}
            )

    def settle(self, ctx: Context) -> Response:
        """`{"ticker", "result"}` with yes, no or void, or `{"ticker", "result": "scalar",
        "settlement_value": "0.3700"}` (dollars per YES contract, a string, A7)."""
        payload = _body(ctx)
        raw_value = payload.get("settlement_value")
        if raw_value is not None and not isinstance(raw_value, str):
            raise bad_request('settlement_value must be a dollar string such as "0.3700"')
        value = None if raw_value is None else _decimal(raw_value, "settlement_value")
        try:
            self.exchange.force_settle(
                str(payload.get("ticker")), str(payload.get("result")), value
            )
        except ValueError as exc:
            raise bad_request(str(exc)) from exc
        return json_response({"ticker": payload.get("ticker")})

    def probability(self, ctx: Context) -> Response:
        payload = _body(ctx)
        try:
            value = float(payload.get("probability"))  # type: ignore[arg-type]
            self.exchange.set_probability(str(payload.get("ticker")), value)
        except (TypeError, ValueError) as exc:
            raise bad_request(str(exc)) from exc
        return json_response({"ticker": payload.get("ticker")})

    def external_position(self, ctx: Context) -> Response:
        payload = _body(ctx)
        try:
            order = self.exchange.external_position(
                str(payload.get("key_id")),
                str(payload.get("ticker")),
                str(payload.get("side")),
                _decimal(payload.get("count"), "count"),
                _decimal(payload.get("price"), "price"),
            )
        except ValueError as exc:
            raise bad_request(str(exc)) from exc
        return json_response({"order_id": order.order_id}, 201)


def _plain(value: Any) -> Any:
    """JSON numbers arrive as Decimal (parse_float); fault settings want floats."""
    return float(value) if isinstance(value, Decimal) else value
