"""Soak: does the book still follow the venue after a long, hostile run?

A standalone simulator (its own process, faults on) and the bot trade for a while. Beside them
a "user" trades by hand on the same account through the public API, as Kalshi's web app would:
sells part or all of what the bot holds, buys markets the bot never chose. Markets are settled
early with every kind of result (yes, no, void, scalar), the faults are switched on and off,
and the bot is killed with SIGKILL and started again. At the end the faults are switched off,
the bot reconciles once more, and the book is compared with the venue: positions one by one,
and the cash the book expects against the venue's balance.

Run from the repository root: `.venv/bin/python -m bench.soak [--seconds 300] [--seed 1]`.
The verdict is printed last: the cash difference to the cent, and any position that differs.

`--mode interleavings [--trials 20] [--cycles 8]` injects, instead, the records that land
between two of the bot's reads (bench/interleavings.py): trials in process, each ending with the
book's positions equal to the venue's and its cash within a cent, or it fails (exit 1).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bench import interleavings
from infra.kalshi.signing import RequestSigner

ROOT = Path(__file__).resolve().parent.parent
CREATE = "/portfolio/events/orders"  # V2 create (exchange-apis.md A5.9 b)
FAULTS = {"error_rate": 0.05, "timeout_rate": 0.02, "malformed_rate": 0.02, "hang_seconds": 3.0}


@dataclass
class Account:
    key_id: str
    key_file: Path
    public_file: Path
    signer: RequestSigner


def make_account(folder: Path) -> Account:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_file, public_file = folder / "soak.pem", folder / "soak.pub.pem"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    public_file.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    key_id = f"soak-{uuid.uuid4()}"
    return Account(key_id, key_file, public_file, RequestSigner(key_id, key))


class Venue:
    """The simulator process, and the user's own hands on the account (signed HTTP)."""

    def __init__(self, account: Account, seed: int, markets: int, time_scale: float) -> None:
        self.account = account
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "infra.sim",
                "--seed",
                str(seed),
                "--markets",
                str(markets),
                "--time-scale",
                str(time_scale),
                "--initial-balance",
                "1000",
                "--key-id",
                account.key_id,
                "--public-key",
                str(account.public_file),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.proc.stdout is not None
        self.base_url = self.proc.stdout.readline().strip()
        self.admin = self.base_url.split("/trade-api")[0] + "/_sim"
        self.http = requests.Session()

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        url = self.base_url + path
        headers = self.account.signer.headers("GET", url)
        answer = self.http.get(url, params=params, headers=headers, timeout=30)
        answer.raise_for_status()
        return answer.json()

    def post(self, path: str, body: dict[str, Any]) -> requests.Response:
        url = self.base_url + path
        headers = self.account.signer.headers("POST", url)
        return self.http.post(url, json=body, headers=headers, timeout=30)

    def admin_post(self, path: str, body: dict[str, Any]) -> requests.Response:
        return self.http.post(self.admin + path, json=body, timeout=30)

    def positions(self) -> dict[str, Decimal]:
        """Ticker -> signed count (positive YES, negative NO), as A5.8 reports it."""
        held: dict[str, Decimal] = {}
        cursor = ""
        while True:
            paging = {"cursor": cursor} if cursor else {}  # no empty cursor (A3.2)
            page = self.get("/portfolio/positions", limit=1000, **paging)
            for row in page.get("market_positions", []):
                count = Decimal(row["position_fp"])
                if count:
                    held[row["ticker"]] = count
            cursor = page.get("cursor") or ""
            if not cursor:
                return held

    def cash(self) -> Decimal:
        body = self.get("/portfolio/balance")
        if body.get("balance_dollars") is not None:
            return Decimal(body["balance_dollars"])
        return Decimal(body["balance"]) / 100

    def open_markets(self) -> list[dict[str, Any]]:
        return self.get("/markets", status="open", limit=1000)["markets"]

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(30)


class Bot:
    def __init__(self, venue: Venue, db: Path) -> None:
        self.venue, self.db = venue, db
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("PMT_", "KALSHI_"))},
            "KALSHI_API_KEY_ID": venue.account.key_id,
            "KALSHI_PRIVATE_KEY_PATH": str(venue.account.key_file),
            "PMT_LLM__PROVIDER": "offline",
            "PMT_RISK__MIN_EDGE": "0",
            "PMT_CYCLE_INTERVAL": "1",
        }
        self.proc: subprocess.Popen[str] | None = None
        self.log = db.with_suffix(".log").open("a")

    def run_args(self, *more: str) -> list[str]:
        url = self.venue.base_url
        return ["--venue", "sim", "--exchange-url", url, "--db", str(self.db), *more]

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "main.py", *self.run_args()],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=self.log,
            text=True,
        )

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(30)

    def stop(self) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(120)

    def once(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "main.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )


def sell_by_hand(venue: Venue, rng: random.Random, held: dict[str, Decimal]) -> str | None:
    """Sell part or all of a position, reduce-only and immediate-or-cancel (A5.9 b): a YES
    holder sells YES (`ask`), a NO holder sells NO by buying YES (`bid`)."""
    if not held:
        return None
    ticker = rng.choice(sorted(held))
    count = abs(held[ticker])
    sold = count if rng.random() < 0.5 else max(Decimal("0.01"), (count / 2).quantize(Decimal(1)))
    yes = held[ticker] > 0
    body = {
        "ticker": ticker,
        "client_order_id": f"hand-{uuid.uuid4()}",
        "side": "ask" if yes else "bid",
        "count": f"{sold:.2f}",
        "price": "0.0100" if yes else "0.9900",
        "time_in_force": "immediate_or_cancel",
        "self_trade_prevention_type": "taker_at_cross",
        "reduce_only": True,
    }
    answer = venue.post(CREATE, body)
    return f"sold {sold} of {ticker} by hand -> HTTP {answer.status_code}"


def buy_by_hand(venue: Venue, rng: random.Random) -> str | None:
    markets = [m for m in venue.open_markets() if m.get("yes_ask_dollars")]
    if not markets:
        return None
    market = rng.choice(markets)
    body = {
        "ticker": market["ticker"],
        "client_order_id": f"hand-{uuid.uuid4()}",
        "side": "bid",
        "count": f"{rng.randint(1, 5)}.00",
        "price": market["yes_ask_dollars"],
        "time_in_force": "immediate_or_cancel",
        "self_trade_prevention_type": "taker_at_cross",
    }
    answer = venue.post(CREATE, body)
    return f"bought {market['ticker']} by hand -> HTTP {answer.status_code}"


def settle_early(venue: Venue, rng: random.Random, held: dict[str, Decimal]) -> str | None:
    if not held:
        return None
    ticker = rng.choice(sorted(held))
    market = venue.get(f"/markets/{ticker}")["market"]
    if market.get("market_type") == "scalar":
        body = {"ticker": ticker, "result": "scalar", "settlement_value": f"{rng.random():.4f}"}
    else:
        body = {"ticker": ticker, "result": rng.choice(["yes", "no", "void"])}
    answer = venue.admin_post("/settle", body)
    return f"settled {ticker} {body['result']} -> HTTP {answer.status_code}"


def act(action: str, venue: Venue, bot: Bot, rng: random.Random) -> str | None:
    """One thing the user or the world does to the account; None when there was nothing to do."""
    if action == "sell":
        return sell_by_hand(venue, rng, venue.positions())
    if action == "buy":
        return buy_by_hand(venue, rng)
    if action == "settle":
        return settle_early(venue, rng, venue.positions())
    if action == "kill":
        bot.kill()
        bot.start()
        return "SIGKILL, restarted"
    on = action == "faults on"
    venue.admin_post("/faults", FAULTS if on else {"reset": True})
    return action


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=300.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--markets", type=int, default=150)
    parser.add_argument("--time-scale", type=float, default=30.0)
    parser.add_argument("--mode", choices=["hostile", "interleavings"], default="hostile")
    parser.add_argument("--trials", type=int, default=20, help="interleavings: trials")
    parser.add_argument("--cycles", type=int, default=8, help="interleavings: cycles a trial")
    args = parser.parse_args()
    if args.mode == "interleavings":
        sys.exit(interleavings.main(args.trials, args.cycles, args.seed))
    rng = random.Random(args.seed)

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        venue = Venue(make_account(folder), args.seed, args.markets, args.time_scale)
        bot = Bot(venue, folder / "soak.db")
        counts: dict[str, int] = {}
        try:
            bot.start()
            deadline = time.monotonic() + args.seconds
            while time.monotonic() < deadline:
                time.sleep(rng.uniform(1.0, 4.0))
                action = rng.choices(
                    ["sell", "buy", "settle", "kill", "faults on", "faults off"],
                    weights=[4, 2, 3, 1, 1, 1],
                )[0]
                try:
                    done = act(action, venue, bot, rng)
                except (requests.RequestException, ValueError, KeyError) as exc:
                    done = f"{action} failed ({type(exc).__name__}): the faults hit the user too"
                if done:
                    counts[action] = counts.get(action, 0) + 1
                    print(f"{time.strftime('%H:%M:%S')} {done}", flush=True)
            venue.admin_post("/faults", {"reset": True})
            print(f"bot stopped with exit {bot.stop()}", flush=True)
            final = bot.once(*bot.run_args("--cycles", "0"))
            print(f"final reconciliation: exit {final.returncode}", flush=True)
            if final.returncode != 0:
                print(final.stderr[-2000:])
            status = bot.once("status", "--db", str(bot.db), "--json")
            report(venue, status, counts)
        finally:
            bot.kill()
            venue.stop()


def report(venue: Venue, status: subprocess.CompletedProcess[str], counts: dict[str, int]) -> None:
    print("actions:", json.dumps(counts, sort_keys=True))
    try:
        book = json.loads(status.stdout)
    except json.JSONDecodeError:
        print("status --json gave no JSON:", status.stdout[-500:], status.stderr[-500:])
        return
    remote = venue.positions()
    local = {
        p["ticker"]: Decimal(p["count"]) * (1 if p["side"] == "yes" else -1)
        for p in book.get("positions", [])
        if p.get("status") != "closed"  # open, or recovered (adopted from the venue)
    }
    differ = {
        t: (local.get(t), remote.get(t))
        for t in set(local) | set(remote)
        if local.get(t) != remote.get(t)
    }
    cash = venue.cash()
    print(
        f"venue cash {cash}; book: venue_cash {book.get('venue_cash')}, "
        f"cash_drift {book.get('cash_drift')}, bankroll {book.get('bankroll')}, "
        f"api_cost_total {book.get('api_cost_total')}, trading {book.get('trading')} "
        f"({book.get('halt_reason')}), ledger_ok {book.get('ledger_ok')}"
    )
    print(
        f"positions: {len(local)} in the book, {len(remote)} at the venue, "
        f"{len(differ)} differ {differ if differ else ''}"
    )


if __name__ == "__main__":
    main()
