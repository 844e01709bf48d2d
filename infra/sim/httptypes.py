"""Transport-neutral request/response values passed between the server and the routes."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum
from typing import Any

from infra.sim.faults import NO_FAULT, FaultDecision
from infra.sim.ratelimit import BucketKind
from infra.sim.wire import ApiError, dumps, first

JSON_TYPE = "application/json"


class Action(StrEnum):
    SEND = "send"
    DROP = "drop"  # close the connection without answering
    HANG = "hang"  # hold the request, then close without answering


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # without the query string
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]  # lower-case names
    body: bytes
    client_ip: str

    def param(self, name: str) -> str | None:
        return first(self.query, name)

    def json(self) -> Any:
        """The body as JSON (floats parsed as Decimal); invalid JSON is a 400 invalid_order."""
        if not self.body:
            return {}
        try:
            return json.loads(self.body, parse_float=Decimal)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ApiError(400, "invalid_order", "invalid order", "body is not valid JSON") from exc


@dataclass(frozen=True)
class Response:
    status: int = 200
    body: bytes = b""
    content_type: str = JSON_TYPE
    headers: tuple[tuple[str, str], ...] = ()
    action: Action = Action.SEND
    delay: float = 0.0
    hang_seconds: float = 0.0

    def delayed(self, seconds: float) -> Response:
        return replace(self, delay=seconds) if seconds > 0 else self


def json_response(payload: Any, status: int = 200) -> Response:
    return Response(status=status, body=dumps(payload))


def error_response(error: ApiError) -> Response:
    return json_response(error.body(), error.status)


class Kind(StrEnum):
    PUBLIC = "public"
    PRIVATE = "private"
    GAMMA = "gamma"
    ADMIN = "admin"


@dataclass(frozen=True)
class Context:
    request: Request
    params: Mapping[str, str]
    key_id: str | None = None
    fault: FaultDecision = NO_FAULT


Handler = Callable[[Context], Response]


@dataclass(frozen=True)
class Route:
    method: str
    template: str  # e.g. "/trade-api/v2/markets/{ticker}"
    handler: Handler
    kind: Kind
    bucket: BucketKind | None = BucketKind.READ
    cost: int | None = None  # None: the config's request_cost
    creates_order: bool = False
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.template)
        object.__setattr__(self, "pattern", re.compile(f"^{regex}$"))

    @property
    def templated(self) -> bool:
        return "{" in self.template

    def match(self, path: str) -> dict[str, str] | None:
        found = self.pattern.match(path)
        return None if found is None else found.groupdict()
