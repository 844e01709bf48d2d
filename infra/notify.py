"""Where notices go: a generic JSON webhook, a Slack incoming webhook, a Telegram bot.

Each channel posts one notice with `requests`, retried with exponential backoff (tenacity) on
a refused connection, a timeout or a 5xx/429 answer, then given up with a warning that names the
channel, never its URL or token (both are secrets: a Slack webhook URL or a Telegram token is
enough to post as the bot).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests
from loguru import logger
from tenacity import (
    RetryError,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    stop_when_event_set,
    wait_exponential,
)

from domain.notices import Notice
from infra.settings import NotificationSettings

TIMEOUT = 10.0  # seconds, per attempt


class DeliveryFailed(Exception):
    """A channel answered, but not with success; worth trying again if it may pass."""


@dataclass(frozen=True)
class Channel:
    """A destination: its name for the log, where to post, and the body a notice becomes."""

    name: str
    url: str
    body: Callable[[Notice], dict[str, Any]]


def webhook(url: str) -> Channel:
    return Channel("webhook", url, Notice.payload)


def slack(url: str) -> Channel:
    return Channel("slack", url, lambda n: {"text": f"*{n.title}*\n{n.text}"})


def telegram(api_url: str, token: str, chat_id: str) -> Channel:
    return Channel(
        "telegram",
        f"{api_url.rstrip('/')}/bot{token}/sendMessage",
        lambda n: {"chat_id": chat_id, "text": f"{n.title}\n{n.text}"},
    )


def channels(settings: NotificationSettings) -> list[Channel]:
    """Every destination the settings configure."""
    found = []
    if settings.webhook_url is not None:
        found.append(webhook(settings.webhook_url.get_secret_value()))
    if settings.slack_webhook_url is not None:
        found.append(slack(settings.slack_webhook_url.get_secret_value()))
    if settings.telegram_bot_token is not None and settings.telegram_chat_id is not None:
        token = settings.telegram_bot_token.get_secret_value()
        found.append(telegram(settings.telegram_api_url, token, settings.telegram_chat_id))
    return found


@dataclass(frozen=True)
class Delivery:
    """How hard to try: attempts, and the backoff's first and longest waits (seconds)."""

    attempts: int = 4
    first_wait: float = 1.0
    max_wait: float = 30.0
    sleep: Callable[[float], object] | None = None  # tests inject one; None: a stoppable wait


DEFAULT_DELIVERY = Delivery()


def send(
    channel: Channel,
    notice: Notice,
    delivery: Delivery,
    session: requests.Session,
    stopping: threading.Event,
) -> bool:
    """Post `notice` to `channel`; True once it was taken, False after every attempt failed.

    Once `stopping` is set (shutdown), a wait between attempts ends at once and no attempt
    follows the one under way."""
    retrying = Retrying(
        stop=stop_after_attempt(delivery.attempts) | stop_when_event_set(stopping),
        wait=wait_exponential(multiplier=delivery.first_wait, max=delivery.max_wait),
        retry=retry_if_exception_type((requests.RequestException, DeliveryFailed)),
        sleep=delivery.sleep or stopping.wait,
    )
    try:
        retrying(_post, channel, notice, session)
    except RetryError as exc:
        cause = exc.last_attempt.exception()
        logger.warning(
            "notice {!r} not delivered to {} after {} attempt(s): {}",
            notice.title,
            channel.name,
            exc.last_attempt.attempt_number,
            _reason(cause),
        )
        return False
    except _Refused as exc:
        logger.warning("notice {!r} refused by {}: {}", notice.title, channel.name, exc)
        return False
    return True


class _Refused(Exception):
    """A 4xx answer (other than 429): trying again would not help."""


def _post(channel: Channel, notice: Notice, session: requests.Session) -> None:
    response = session.post(channel.url, json=channel.body(notice), timeout=TIMEOUT)
    if response.status_code == 429 or response.status_code >= 500:
        raise DeliveryFailed(f"HTTP {response.status_code}")
    if response.status_code >= 400:
        raise _Refused(f"HTTP {response.status_code} (check the channel's settings)")


def _reason(exc: BaseException | None) -> str:
    """Why an attempt failed, without the URL (requests puts it in its messages)."""
    if isinstance(exc, DeliveryFailed):
        return str(exc)
    return type(exc).__name__ if exc is not None else "unknown"
