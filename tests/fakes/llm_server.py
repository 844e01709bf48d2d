"""A local fake of the Anthropic Messages and OpenAI Chat Completions HTTP APIs.

Real HTTP on 127.0.0.1 (an ephemeral port), so the official SDKs run their whole code path:
headers, retries with their backoff, timeouts, error classes, response parsing.

    with FakeLlmServer(usage=(120, 30)) as fake:
        fake.script(Status(429), Status(529), Hang(2.0), Refusal())
        provider = ClaudeProvider(..., base_url=fake.url, api_key="test-key")

- `fake.url` is the Anthropic base URL (the SDK appends /v1/messages itself);
  `fake.openai_url` is the OpenAI one (it ends in /v1: the SDK appends /chat/completions).
- Scripted responses are consumed one per request, in order, whatever the path; once the
  script is empty every request gets the default answer: `answer(request_json)` as the text
  (default: a valid JSON forecast) and `usage` as the token counts.
- Error bodies and headers are the providers' own shapes: Anthropic
  {"type": "error", "error": {"type", "message"}} with `request-id`; OpenAI
  {"error": {"message", "type", "param", "code"}} with `x-request-id`. Retryable statuses
  carry `retry-after-ms` / `retry-after` (the SDKs wait that long instead of their 0.5 s+
  exponential backoff; note they ignore a value of 0).
- Counters: `request_count`, `count(path)`, `in_flight`, `max_in_flight`, `requests` (each
  with its path, headers and JSON body) and `bodies`.
- Nothing blocks for long: a `Hang` holds its request at most its seconds, and `close()`
  releases every held request at once, then joins every handler thread.
"""

from __future__ import annotations

import json
import math
import sys
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal

ANTHROPIC_PATH = "/v1/messages"
OPENAI_PATH = "/v1/chat/completions"

DEFAULT_ANSWER = json.dumps(
    {
        "probability": "0.62",
        "confidence": "0.7",
        "rationale": "The fake's fixed answer: slightly more likely than not.",
    }
)

Api = Literal["anthropic", "openai"]
Json = dict[str, Any]
AnswerFn = Callable[[Json], str]
UsageFn = Callable[[Json, str], tuple[int, int]]


# Scripted responses --------------------------------------------------------------------------


@dataclass(frozen=True)
class Status:
    """An error status with the provider's error body.

    `error_type` defaults to the provider's type for the status (429 -> rate_limit_error /
    "requests", 529 -> overloaded_error, ...); `code` is Anthropic's error.details.error_code
    or OpenAI's error.code. `retry_after` (seconds) is sent as `retry-after-ms` and
    `retry-after`; "default" uses the server's value for statuses the SDKs retry (408, 409,
    429, 5xx), None sends neither. `should_retry` sends `x-should-retry: true|false`.
    """

    status: int
    error_type: str | None = None
    message: str | None = None
    code: str | None = None
    retry_after: float | Literal["default"] | None = "default"
    should_retry: bool | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Malformed:
    """A body that is not what the API promised (by default a 200 whose JSON is broken)."""

    body: str = "not json at all"
    status: int = 200
    content_type: str = "application/json"


@dataclass(frozen=True)
class Hang:
    """Hold the request `seconds` (or until the server closes), then answer normally."""

    seconds: float


@dataclass(frozen=True)
class Disconnect:
    """Close the connection without answering (the SDK sees a connection error)."""


@dataclass(frozen=True)
class Trickle:
    """Answer normally, but send the whole response (status line and headers too, unless
    `body_only`) one byte every `interval` seconds: every single read succeeds, the whole
    takes minutes. The bytes sent before the client hung up land in `fake.trickled`."""

    interval: float
    body_only: bool = False


@dataclass(frozen=True)
class Huge:
    """A 200 whose body is `size` bytes: a valid answer padded with whitespace."""

    size: int


@dataclass(frozen=True)
class Deep:
    """A 200 whose body is JSON arrays nested `depth` deep."""

    depth: int


@dataclass(frozen=True)
class Answer:
    """A one-off successful answer; None fields take the defaults. `stop_reason` is sent
    verbatim (Anthropic's stop_reason or OpenAI's finish_reason); `blocks` replaces the
    Anthropic content blocks (e.g. thinking + several text blocks)."""

    text: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    stop_reason: str | None = None
    blocks: tuple[Json, ...] | None = None


@dataclass(frozen=True)
class Refusal:
    """A billed refusal. Anthropic: stop_reason "refusal", no text, stop_details with the
    explanation. OpenAI: message.refusal = text, content null (or, with `content_filter`,
    finish_reason "content_filter" and no refusal text)."""

    text: str = "I can't help with that."
    input_tokens: int | None = None
    output_tokens: int | None = None
    content_filter: bool = False


Scripted = Status | Malformed | Hang | Disconnect | Trickle | Huge | Deep | Answer | Refusal


@dataclass(frozen=True)
class Received:
    """One request as the fake saw it (the body is None when it was not JSON)."""

    path: str
    headers: Mapping[str, str]
    body: Json | None

    @property
    def api_key(self) -> str | None:
        """The credential sent: `x-api-key`, or the token of `Authorization: Bearer`."""
        key = self.headers.get("x-api-key")
        if key:
            return key
        scheme, _, token = self.headers.get("authorization", "").partition(" ")
        return token.strip() or None if scheme.lower() == "bearer" else None


# The server ----------------------------------------------------------------------------------


class FakeLlmServer:
    """See the module docstring. Use as a context manager, or call `start()` / `close()`."""

    def __init__(
        self,
        *,
        answer: AnswerFn | None = None,
        usage: tuple[int, int] | UsageFn | None = None,
        latency: float = 0.0,
        retry_after: float | None = 0.01,
        api_key: str | None = None,
        reject_sampling: bool = False,
        on_request: Callable[[Received], None] | None = None,
    ) -> None:
        """`api_key`: when set, any other credential gets a 401. `reject_sampling`: answer
        400 to a request carrying temperature/top_p/top_k, as models without sampling
        parameters do. `on_request` runs in the handler thread, counted in flight, before
        the answer (a `threading.Barrier.wait` fits there)."""
        self.answer: AnswerFn = answer or (lambda _request: DEFAULT_ANSWER)
        self.usage = usage
        self.latency = latency
        self.retry_after = retry_after
        self.api_key = api_key
        self.reject_sampling = reject_sampling
        self.on_request = on_request
        self._script: list[Scripted] = []
        self._requests: list[Received] = []
        self._paths: Counter[str] = Counter()
        self._in_flight = 0
        self._max_in_flight = 0
        self._served = 0
        self._changed = threading.Condition()
        self._closing = threading.Event()
        self._httpd: _Httpd | None = None
        self._thread: threading.Thread | None = None
        self.errors: list[str] = []  # handler failures other than a client hanging up
        self.trickled: list[int] = []  # per trickle the client hung up on: bytes sent by then
        self.hung_up = threading.Event()  # set when a client hangs up on a trickle

    # lifecycle

    def start(self) -> FakeLlmServer:
        httpd = _Httpd(("127.0.0.1", 0), _Handler)
        httpd.fake = self
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-llm-server",
            daemon=True,  # a forgotten close() must not keep the test process alive
        )
        self._thread.start()
        return self

    def close(self) -> None:
        """Release held requests, stop serving and join every thread (idempotent)."""
        self._closing.set()
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()  # joins the handler threads (block_on_close)
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None

    def __enter__(self) -> FakeLlmServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # addresses

    @property
    def url(self) -> str:
        """The Anthropic SDK's base_url (no /v1: the SDK posts to /v1/messages)."""
        if self._httpd is None:
            raise RuntimeError("the fake is not running")
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def anthropic_url(self) -> str:
        return self.url

    @property
    def openai_url(self) -> str:
        """The OpenAI SDK's base_url (with /v1: the SDK posts to /chat/completions)."""
        return f"{self.url}/v1"

    # scripting

    def script(self, *responses: Scripted) -> None:
        """Queue one-off responses, consumed in order by the next requests (any path)."""
        with self._changed:
            self._script.extend(responses)

    @property
    def pending(self) -> int:
        """Scripted responses not yet consumed."""
        with self._changed:
            return len(self._script)

    # counters

    @property
    def request_count(self) -> int:
        with self._changed:
            return len(self._requests)

    def count(self, path: str) -> int:
        with self._changed:
            return self._paths[path]

    @property
    def in_flight(self) -> int:
        with self._changed:
            return self._in_flight

    @property
    def max_in_flight(self) -> int:
        with self._changed:
            return self._max_in_flight

    @property
    def served(self) -> int:
        """Requests whose handling has finished (answered, failed or dropped)."""
        with self._changed:
            return self._served

    @property
    def requests(self) -> list[Received]:
        with self._changed:
            return list(self._requests)

    @property
    def bodies(self) -> list[Json | None]:
        with self._changed:
            return [request.body for request in self._requests]

    def wait_for(self, predicate: Callable[[FakeLlmServer], bool], timeout: float = 30.0) -> bool:
        """Block until `predicate(self)` holds (re-checked on every request event)."""
        with self._changed:
            return self._changed.wait_for(lambda: predicate(self), timeout=timeout)

    def wait_for_requests(self, n: int, timeout: float = 30.0) -> bool:
        return self.wait_for(lambda fake: len(fake._requests) >= n, timeout)

    def wait_for_in_flight(self, n: int, timeout: float = 30.0) -> bool:
        return self.wait_for(lambda fake: fake._in_flight >= n, timeout)

    # used by the handler

    def _arrived(self, request: Received) -> Scripted | None:
        with self._changed:
            self._requests.append(request)
            self._paths[request.path] += 1
            self._in_flight += 1
            self._max_in_flight = max(self._max_in_flight, self._in_flight)
            self._changed.notify_all()
            if self.api_key is not None and request.api_key != self.api_key:
                return _WRONG_KEY
            return self._script.pop(0) if self._script else None

    def _finished(self) -> None:
        with self._changed:
            self._in_flight -= 1
            self._served += 1
            self._changed.notify_all()

    def _wait(self, seconds: float) -> None:
        """Sleep that ends early when the server closes, so no test waits on a held request."""
        if seconds > 0:
            self._closing.wait(seconds)

    def _tokens(self, body: Json, text: str) -> tuple[int, int]:
        if callable(self.usage):
            return self.usage(body, text)
        if self.usage is not None:
            return self.usage
        return len(_prompt_text(body)) // 4, len(text) // 4


_WRONG_KEY = Status(401)


class _Httpd(ThreadingHTTPServer):
    daemon_threads = False  # handler threads are joined by server_close()
    block_on_close = True
    request_queue_size = 128  # a burst of concurrent callers is accepted, not backlogged
    fake: FakeLlmServer

    def handle_error(self, request: object, client_address: object) -> None:
        exc = sys.exc_info()[1]
        if not isinstance(exc, ConnectionError | TimeoutError):
            self.fake.errors.append(repr(exc))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 10  # an idle connection cannot hold a handler thread past this
    server: _Httpd

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests assert on counters, not on an access log."""

    def do_GET(self) -> None:
        self._send(405, {"error": {"message": "method not allowed"}}, {})

    def do_POST(self) -> None:
        fake = self.server.fake
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        headers = {name.lower(): value for name, value in self.headers.items()}
        request = Received(self.path, headers, body if isinstance(body, dict) else None)
        path = self.path.partition("?")[0]
        api: Api = "openai" if path.endswith("/chat/completions") else "anthropic"
        scripted = fake._arrived(request)
        try:
            if fake.on_request is not None:
                fake.on_request(request)
            if path not in (ANTHROPIC_PATH, OPENAI_PATH):  # e.g. a base_url with /v1 twice
                self._send_error(fake, api, Status(404, message=f"Not found: {path}"))
            else:
                self._respond(fake, api, request, scripted)
        finally:
            fake._finished()

    def _respond(
        self, fake: FakeLlmServer, api: Api, request: Received, scripted: Scripted | None
    ) -> None:
        if isinstance(scripted, Disconnect):
            self.close_connection = True
            return
        if isinstance(scripted, Malformed):
            fake._wait(fake.latency)
            self._send_raw(scripted.status, scripted.body.encode(), scripted.content_type, {})
            return
        if isinstance(scripted, Status):
            fake._wait(fake.latency)
            self._send_error(fake, api, scripted)
            return
        if isinstance(scripted, Deep):
            data = b"[" * scripted.depth + b"]" * scripted.depth
            self._send_raw(200, data, "application/json", _request_id_header(api, fake))
            return
        if isinstance(scripted, Hang):
            fake._wait(scripted.seconds)
        invalid = _invalid(api, request, fake.reject_sampling)
        if invalid is not None:
            self._send_error(fake, api, Status(400, message=invalid))
            return
        fake._wait(fake.latency)
        body = request.body or {}
        if isinstance(scripted, Refusal):
            payload = _refusal(api, fake, body, scripted)
        else:
            answer = scripted if isinstance(scripted, Answer) else Answer()
            payload = _answer(api, fake, body, answer)
        if isinstance(scripted, Huge):  # whitespace before the closing brace: still valid
            data = json.dumps(payload).encode()
            data = data[:-1] + b" " * max(0, scripted.size - len(data)) + b"}"
            self._send_raw(200, data, "application/json", _request_id_header(api, fake))
        elif isinstance(scripted, Trickle):
            self._trickle(fake, scripted, json.dumps(payload).encode(), api)
        else:
            self._send(200, payload, _request_id_header(api, fake))

    def _trickle(self, fake: FakeLlmServer, trickle: Trickle, payload: bytes, api: Api) -> None:
        headers = {
            "content-type": "application/json",
            "content-length": str(len(payload)),
            "connection": "close",
            **_request_id_header(api, fake),
        }
        head = "HTTP/1.1 200 OK\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        data = f"{head}\r\n".encode() + payload
        self.close_connection = True
        start = data.index(b"\r\n\r\n") + 4 if trickle.body_only else 0
        for sent in range(start, len(data)):
            try:
                self.wfile.write(data[:start] if sent == start and start else b"")
                self.wfile.write(data[sent : sent + 1])
                self.wfile.flush()
            except OSError:  # the client hung up: what a deadline is for
                fake.trickled.append(sent)
                fake.hung_up.set()
                return
            if fake._closing.wait(trickle.interval):
                return

    def _send_error(self, fake: FakeLlmServer, api: Api, status: Status) -> None:
        headers = dict(_request_id_header(api, fake))
        retry_after = status.retry_after
        if retry_after == "default":
            retry_after = fake.retry_after if _sdk_retries(status.status) else None
        if retry_after is not None:
            headers["retry-after-ms"] = str(max(1, round(retry_after * 1000)))
            headers["retry-after"] = str(max(1, math.ceil(retry_after)))
        if status.should_retry is not None:
            headers["x-should-retry"] = "true" if status.should_retry else "false"
        headers.update(status.headers)
        self._send(status.status, _error_body(api, status), headers)

    def _send(self, status: int, payload: Json, headers: Mapping[str, str]) -> None:
        self._send_raw(status, json.dumps(payload).encode(), "application/json", headers)

    def _send_raw(
        self, status: int, data: bytes, content_type: str, headers: Mapping[str, str]
    ) -> None:
        try:
            self.send_response(status)
            self.send_header("content-type", content_type)
            self.send_header("content-length", str(len(data)))
            self.send_header("connection", "close")
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
        except OSError:
            pass  # the client gave up (its timeout) before the answer: as with the real API
        self.close_connection = True


# Wire shapes ---------------------------------------------------------------------------------

_ANTHROPIC_ERRORS = {
    400: ("invalid_request_error", "Invalid request."),
    401: ("authentication_error", "invalid x-api-key"),
    402: ("billing_error", "Your credit balance is too low."),
    403: ("permission_error", "Your API key does not have permission to use this resource."),
    404: ("not_found_error", "The requested resource could not be found."),
    413: ("request_too_large", "Request exceeds the maximum allowed number of bytes."),
    429: ("rate_limit_error", "Number of request tokens has exceeded your rate limit."),
    500: ("api_error", "An unexpected error has occurred internal to Anthropic's systems."),
    504: ("timeout_error", "The request timed out."),
    529: ("overloaded_error", "Overloaded"),
}
_OPENAI_ERRORS = {
    400: ("invalid_request_error", None, "Invalid request."),
    401: ("invalid_request_error", "invalid_api_key", "Incorrect API key provided: sk-****."),
    403: ("invalid_request_error", "unsupported_country_region_territory", "Not allowed."),
    404: ("invalid_request_error", "model_not_found", "The model does not exist."),
    429: ("requests", "rate_limit_exceeded", "Rate limit reached for requests."),
    500: ("server_error", None, "The server had an error while processing your request."),
    503: ("server_error", None, "The engine is currently overloaded, please try again later."),
}


def _sdk_retries(status: int) -> bool:
    return status in (408, 409, 429) or status >= 500


def _error_body(api: Api, status: Status) -> Json:
    if api == "anthropic":
        error_type, message = _ANTHROPIC_ERRORS.get(status.status, ("api_error", "Error."))
        error: Json = {
            "type": status.error_type or error_type,
            "message": status.message or message,
        }
        if status.code:
            error["details"] = {"error_code": status.code}
        return {"type": "error", "error": error}
    error_type, code, message = _OPENAI_ERRORS.get(status.status, ("server_error", None, "Error."))
    return {
        "error": {
            "message": status.message or message,
            "type": status.error_type or error_type,
            "param": None,
            "code": status.code or code,
        }
    }


def _request_id_header(api: Api, fake: FakeLlmServer) -> dict[str, str]:
    name = "request-id" if api == "anthropic" else "x-request-id"
    return {name: f"req_fake_{fake.request_count}"}


def _invalid(api: Api, request: Received, reject_sampling: bool) -> str | None:
    """The few checks the real APIs make that a client bug would trip."""
    body = request.body
    if body is None:
        return "The request body is not valid JSON."
    required = ("model", "max_tokens", "messages") if api == "anthropic" else ("model", "messages")
    missing = [name for name in required if name not in body]
    if missing:
        return f"{missing[0]}: Field required"
    if api == "anthropic" and "anthropic-version" not in request.headers:
        return "anthropic-version: header is required"
    if reject_sampling:
        sampling = [name for name in ("temperature", "top_p", "top_k") if name in body]
        if sampling:
            return f"{sampling[0]}: is not supported for this model"
    return None


def _prompt_text(body: Json) -> str:
    """Every text the prompt carries (system and messages), for the default usage."""
    parts: list[str] = []
    system = body.get("system")
    for item in [system, *(m.get("content") for m in body.get("messages") or [])]:
        if isinstance(item, str):
            parts.append(item)
        elif isinstance(item, list):
            parts.extend(b.get("text", "") for b in item if isinstance(b, dict))
    return "".join(parts)


def _answer(api: Api, fake: FakeLlmServer, body: Json, answer: Answer) -> Json:
    text = answer.text if answer.text is not None else fake.answer(body)
    default_in, default_out = fake._tokens(body, text)
    tokens_in = answer.input_tokens if answer.input_tokens is not None else default_in
    tokens_out = answer.output_tokens if answer.output_tokens is not None else default_out
    if api == "anthropic":
        blocks = [{"type": "text", "text": text}] if answer.blocks is None else list(answer.blocks)
        stop_reason = answer.stop_reason or "end_turn"
        return _message(body, blocks, stop_reason, tokens_in, tokens_out, fake)
    message = {"role": "assistant", "content": text, "refusal": None, "annotations": []}
    return _completion(body, message, answer.stop_reason or "stop", tokens_in, tokens_out, fake)


def _refusal(api: Api, fake: FakeLlmServer, body: Json, refusal: Refusal) -> Json:
    default_in, default_out = fake._tokens(body, refusal.text)
    tokens_in = refusal.input_tokens if refusal.input_tokens is not None else default_in
    tokens_out = refusal.output_tokens if refusal.output_tokens is not None else default_out
    if api == "anthropic":
        payload = _message(body, [], "refusal", tokens_in, tokens_out, fake)
        payload["stop_details"] = {"type": "refusal", "category": None, "explanation": refusal.text}
        return payload
    if refusal.content_filter:
        message = {"role": "assistant", "content": None, "refusal": None, "annotations": []}
        return _completion(body, message, "content_filter", tokens_in, tokens_out, fake)
    message = {"role": "assistant", "content": None, "refusal": refusal.text, "annotations": []}
    return _completion(body, message, "stop", tokens_in, tokens_out, fake)


def _message(
    body: Json,
    content: list[Json],
    stop_reason: str,
    tokens_in: int,
    tokens_out: int,
    fake: FakeLlmServer,
) -> Json:
    return {
        "id": f"msg_fake_{fake.request_count}",
        "type": "message",
        "role": "assistant",
        "model": body.get("model", ""),
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": {"input_tokens": tokens_in, "output_tokens": tokens_out},
    }


def _completion(
    body: Json,
    message: Json,
    finish_reason: str,
    tokens_in: int,
    tokens_out: int,
    fake: FakeLlmServer,
) -> Json:
    return {
        "id": f"chatcmpl-fake-{fake.request_count}",
        "object": "chat.completion",
        "created": 1_767_225_600,
        "model": body.get("model", ""),
        "choices": [
            {"index": 0, "message": message, "logprobs": None, "finish_reason": finish_reason}
        ],
        "usage": {
            "prompt_tokens": tokens_in,
            "completion_tokens": tokens_out,
            "total_tokens": tokens_in + tokens_out,
        },
        "service_tier": "default",
        "system_fingerprint": None,
    }
