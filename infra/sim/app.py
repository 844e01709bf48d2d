"""The request pipeline: route -> authenticate -> rate limit -> faults -> handler.

Latency is added to every answer of a faulted path (including 401s and 429s); timeouts,
5xx and malformed bodies replace the handler (the request is not executed); dropped order
responses run the handler first.
"""

from __future__ import annotations

import logging
import time

from infra.sim.auth import KEY_HEADER, Authenticator, KeyRegistry
from infra.sim.faults import FaultDecision, FaultKind, Faults
from infra.sim.httptypes import (
    Action,
    Context,
    Kind,
    Request,
    Response,
    Route,
    error_response,
    json_response,
)
from infra.sim.paths import KALSHI_PREFIX
from infra.sim.ratelimit import RateLimiter
from infra.sim.stats import StatsRecorder
from infra.sim.wire import RATE_LIMIT_BODY, ApiError, error_body

log = logging.getLogger(__name__)

UNMATCHED = "<unmatched>"
MALFORMED_BODY = b'{"markets": [{"ticker": "KX'
NOT_SERVED = "not_implemented_in_simulator"
# Kalshi paths (SDK 3.34 resource paths) the sim does not serve that a templated route would
# otherwise capture (`/markets/{ticker}` would answer them `market_not_found`).
UNSERVED_LITERALS = frozenset(
    KALSHI_PREFIX + path
    for path in (
        "/markets/orderbooks",
        "/markets/candlesticks",
        "/events/multivariate",
        "/events/fee_changes",
        "/series/fee_changes",
        "/portfolio/orders/queue_positions",
    )
)
_SERVER_ERRORS = {
    500: ("internal_server_error", "internal server error"),
    503: ("service_unavailable", "service unavailable"),
}


class SimApp:
    def __init__(
        self,
        routes: list[Route],
        *,
        authenticator: Authenticator,
        keys: KeyRegistry,
        limiter: RateLimiter,
        faults: Faults,
        recorder: StatsRecorder,
        request_cost: int,
    ) -> None:
        # Literal routes first: see `_match`.
        self._routes = sorted(routes, key=lambda route: route.templated)
        self._auth = authenticator
        self._keys = keys
        self._limiter = limiter
        self._faults = faults
        self._recorder = recorder
        self._request_cost = request_cost

    def handle(self, request: Request) -> Response:
        started = time.perf_counter()
        template, response = self._handle(request)
        # Server time: routing, auth, matching and serialisation, not injected latency.
        self._recorder.served(request.method, template, time.perf_counter() - started)
        if response.action is Action.SEND:
            self._recorder.status(response.status)
        else:
            self._recorder.fault(str(response.action))
        return response

    def _match(self, request: Request) -> tuple[Route, dict[str, str]] | bool | None:
        """The route and its path parameters; False when only the method is wrong.

        A route without path parameters wins over a templated one whatever the order of the
        list; a known Kalshi path the sim does not serve never falls through to a template."""
        path_known = False
        for route in self._routes:
            if route.templated and request.path in UNSERVED_LITERALS:
                break
            params = route.match(request.path)
            if params is None:
                continue
            if route.method == request.method:
                return route, params
            path_known = True
        return False if path_known else None

    def _handle(self, request: Request) -> tuple[str, Response]:
        """The route template (for the stats) and the answer."""
        found = self._match(request)
        if not isinstance(found, tuple):
            self._recorder.request(request.method, UNMATCHED)
            if found is False:
                body = error_body("method_not_allowed", "method not allowed")
                return UNMATCHED, json_response(body, 405)
            body = error_body(NOT_SERVED, "not implemented in simulator", request.path)
            return UNMATCHED, json_response(body, 404)
        route, params = found
        self._recorder.request(request.method, route.template)
        if route.kind is Kind.ADMIN:
            return route.template, self._call(route, Context(request, params))
        fault = self._faults.decide(request.path)
        response = self._guarded(route, request, params, fault).delayed(fault.latency)
        return route.template, response

    def _guarded(
        self, route: Route, request: Request, params: dict[str, str], fault: FaultDecision
    ) -> Response:
        key_id = None
        if route.kind is Kind.PRIVATE:
            try:
                key_id = self._auth.authenticate(request.headers, request.method, request.path)
            except ApiError as exc:
                return error_response(exc)
        if route.bucket is not None:
            identity = key_id or self._identity(request)
            cost = route.cost or self._request_cost
            if not self._limiter.admit(identity, route.bucket, cost):
                return Response(status=429, body=RATE_LIMIT_BODY)
        if fault.kind is FaultKind.TIMEOUT:
            return Response(action=Action.HANG, hang_seconds=fault.hang_seconds)
        if fault.kind is FaultKind.ERROR:
            code, message = _SERVER_ERRORS[fault.status]
            return json_response(error_body(code, message), fault.status)
        if fault.kind is FaultKind.MALFORMED:
            return Response(status=200, body=MALFORMED_BODY)
        response = self._call(route, Context(request, params, key_id, fault))
        if route.creates_order and self._faults.take_dropped_order_response():
            return Response(action=Action.DROP)
        return response

    def _identity(self, request: Request) -> str:
        """Public reads count against the account named in the headers (if it exists), else
        against the client IP. Signatures on public routes are not checked, as on Kalshi."""
        key_id = request.headers.get(KEY_HEADER.lower())
        if key_id and key_id in self._keys:
            return key_id
        return f"ip:{request.client_ip}"

    def _call(self, route: Route, ctx: Context) -> Response:
        try:
            return route.handler(ctx)
        except ApiError as exc:
            return error_response(exc)
        except Exception:  # a sim bug must not kill the connection thread silently
            log.exception("sim handler failed: %s %s", ctx.request.method, ctx.request.path)
            return json_response(error_body("internal_server_error", "internal server error"), 500)
