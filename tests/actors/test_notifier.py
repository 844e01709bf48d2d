"""Notices reach the operator's channels (a generic webhook, Slack, Telegram) within a cycle,
are retried with backoff, never carry a secret, and never hold up trading (issue 24)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from actors.notifier import start_notifier
from domain.halts import HaltCode, OperatorAction
from domain.messages import LookForNotices
from domain.models import Side
from infra.notify import Delivery
from infra.operator import request
from infra.settings import NotificationSettings
from tests.actors.system_harness import running_system
from tests.actors.test_guards import ASK, pinned
from tests.fakes.receiver import receiving
from tests.logs import capture_logs

NO_WAIT = Delivery(attempts=4, sleep=lambda _seconds: None)
TOKEN = "123456:telegram-secret-token"
SMALL = {"scanner": {"max_candidates": 4}, "sim": {"markets": 60}}


def test_a_halt_and_a_fill_reach_every_channel_within_one_cycle(tmp_path: Path) -> None:
    with (
        receiving() as hook,
        receiving() as slack,
        receiving() as telegram,
        running_system(tmp_path, **SMALL) as h,
    ):
        settings = NotificationSettings(
            webhook_url=f"{hook.url}/hook",
            slack_webhook_url=f"{slack.url}/services/T/B/X",
            telegram_bot_token=TOKEN,
            telegram_chat_id="42",
            telegram_api_url=telegram.url,
            daily_hour=None,
        )
        notifier = start_notifier(settings, h.path, h.system.clock, NO_WAIT)
        assert notifier is not None
        try:
            ticker = pinned(h)  # a trade placed beside the bot, on the venue's web app
            h.venue.client.create_order(ticker, Side.YES, ASK, Decimal(3), "web-by-hand")
            request(h.path, OperatorAction.PAUSE, HaltCode.PAUSED)
            h.cycle(1)  # books the outside fill and raises the pause
            notifier.look(h.system.clock.now())
            notices = [body for _, body in hook.wait_for(2)]
            assert [n["kind"] for n in notices] == ["fill", "halt"]
            assert notices[0]["title"] == f"Filled 3 YES {ticker}"
            assert notices[0]["text"].endswith("(placed outside the bot)")
            assert notices[1]["title"] == "Trading halted: PAUSED"
            slack_text = slack.wait_for(2)[-1][1]["text"]
            assert slack_text.startswith("*Trading halted: PAUSED*")
            path, body = telegram.wait_for(2)[-1]
            assert path == f"/bot{TOKEN}/sendMessage"
            assert body["chat_id"] == "42"
        finally:
            notifier.stop(10)
        for receiver in (hook, slack, telegram):
            for _, body in receiver.taken:
                assert TOKEN not in str(body)
                assert "127.0.0.1" not in str(body)


def test_a_failing_receiver_is_retried_with_backoff_and_a_dead_one_given_up_loudly(
    tmp_path: Path,
) -> None:
    waits: list[float] = []
    delivery = Delivery(attempts=3, first_wait=1.0, sleep=waits.append)
    with receiving(statuses=(503, 502)) as hook, running_system(tmp_path, **SMALL) as h:
        settings = NotificationSettings(webhook_url=hook.url, daily_hour=None)
        notifier = start_notifier(settings, h.path, h.system.clock, delivery)
        assert notifier is not None
        try:
            request(h.path, OperatorAction.PAUSE, HaltCode.PAUSED)
            h.cycle(1)
            assert notifier.ref.ask(LookForNotices(now=h.system.clock.now())) >= 1
            assert [b["kind"] for _, b in hook.posts[:3]] == ["halt", "halt", "halt"]
            assert waits[:2] == [1.0, 2.0]  # exponential backoff between the attempts
            hook.statuses = [500, 500, 500]
            request(h.path, OperatorAction.RESUME, HaltCode.PAUSED)
            request(h.path, OperatorAction.PAUSE, HaltCode.PAUSED)
            with capture_logs() as logs:
                h.cycle(2)
                assert notifier.ref.ask(LookForNotices(now=h.system.clock.now())) == 0
        finally:
            notifier.stop(10)
    said = " ".join(logs)
    assert "not delivered to webhook after 3 attempt(s): HTTP 500" in said
    assert hook.url not in said


def test_a_held_receiver_never_holds_up_a_cycle(tmp_path: Path) -> None:
    with receiving() as hook, running_system(tmp_path, **SMALL) as h:
        hook.released.clear()  # the receiver takes the connection and answers nothing yet
        settings = NotificationSettings(webhook_url=hook.url, daily_hour=None)
        notifier = start_notifier(settings, h.path, h.system.clock, NO_WAIT)
        assert notifier is not None
        try:
            request(h.path, OperatorAction.PAUSE, HaltCode.PAUSED)
            h.cycle(1)
            notifier.look(h.system.clock.now())
            h.cycle(2)  # completes while the notice waits on the receiver
            h.cycle(3)
            assert hook.taken == []
            hook.released.set()
            assert hook.wait_for(1)[0][1]["kind"] == "halt"
        finally:
            notifier.stop(10)


def test_a_daily_summary_is_sent_once_a_day_with_the_days_figures(tmp_path: Path) -> None:
    with receiving() as hook, running_system(tmp_path, **SMALL) as h:
        settings = NotificationSettings(webhook_url=hook.url, events=("daily",), daily_hour=0)
        notifier = start_notifier(settings, h.path, h.system.clock, NO_WAIT)
        assert notifier is not None
        try:
            h.cycle(1)
            today = h.system.clock.now()
            assert notifier.ref.ask(LookForNotices(now=today)) == 0  # the day is not over
            tomorrow = datetime.combine(today.date() + timedelta(days=1), datetime.min.time(), UTC)
            assert notifier.ref.ask(LookForNotices(now=tomorrow + timedelta(minutes=1))) == 1
            assert notifier.ref.ask(LookForNotices(now=tomorrow + timedelta(hours=5))) == 0
        finally:
            notifier.stop(10)
        body = hook.wait_for(1)[0][1]
        assert body["title"] == f"Daily summary {today.date().isoformat()}"
        assert "equity $" in body["text"]
        assert "fill(s)" in body["text"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("webhook_url", "http://example.com/hook"), ("slack_webhook_url", "ftp://x/y")],
)
def test_a_notice_leaves_the_machine_only_over_https(field: str, value: str) -> None:
    with pytest.raises(ValueError, match=r"https|http\(s\) URL"):
        NotificationSettings(**{field: value})
