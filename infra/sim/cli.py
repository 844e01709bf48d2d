"""`python -m infra.sim`: run the sim standalone until SIGINT/SIGTERM.

The first line on stdout is the Kalshi base URL (".../trade-api/v2"); the Gamma catalogue is at
the same host's root and the admin routes under /_sim. Everything else goes to stderr.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from types import FrameType

from infra.sim.config import SimConfig
from infra.sim.faults import TruncateMode
from infra.sim.pricing import PRICE_KNOBS, SCENARIOS, PriceModel
from infra.sim.simulator import SimExchange


def _utc_time(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO 8601 time (e.g. 2026-11-24T12:00Z)"
        ) from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} needs a time zone (add Z for UTC)")
    return moment.astimezone(UTC)


def add_price_flags(parser: argparse.ArgumentParser) -> None:
    """--scenario and one flag per price-model knob; shared with `main.py evaluate`."""
    parser.add_argument(
        "--scenario",
        choices=list(SCENARIOS),
        default=None,
        help="; ".join(f"{s.name}: {s.summary}" for s in SCENARIOS.values()),
    )
    for name in PRICE_KNOBS:
        kind = PriceModel.__dataclass_fields__[name].type
        parser.add_argument(
            "--" + name.replace("_", "-"),
            type=int if kind == "int" else float,
            default=None,
            help="override the scenario's value",
        )


def price_options(args: argparse.Namespace) -> dict[str, object]:
    """The SimConfig fields the price flags set (unset flags are left out)."""
    names = ("scenario", *PRICE_KNOBS)
    return {name: getattr(args, name) for name in names if getattr(args, name) is not None}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m infra.sim",
        description=__doc__,
        epilog="`python -m infra.sim keygen [KEY_ID]` writes a key pair for an account (its"
        " own --help says more); give the public key here with --key-id and --public-key.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 = pick a free port")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--markets", type=int, default=200, help="open markets to keep listed")
    parser.add_argument("--key-id", action="append", default=[], help="API key id (repeatable)")
    parser.add_argument(
        "--public-key", action="append", default=[], type=Path, help="PEM file per --key-id"
    )
    parser.add_argument("--initial-balance", type=Decimal, default=Decimal("1000"))
    parser.add_argument("--time-scale", type=float, default=60.0, help="sim seconds per second")
    parser.add_argument(
        "--start-time",
        type=_utc_time,
        default=None,
        help="where the sim clock starts, UTC ISO 8601 (e.g. 2026-11-24T12:00Z); default: now."
        " Same seed and start time = the same markets, prices and results",
    )
    add_price_flags(parser)
    parser.add_argument("--read-rate", type=float, default=200.0)
    parser.add_argument("--read-burst", type=float, default=200.0)
    parser.add_argument("--write-rate", type=float, default=100.0)
    parser.add_argument("--write-burst", type=float, default=200.0)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to answers")
    parser.add_argument("--error-rate", type=float, default=0.0)
    parser.add_argument("--timeout-rate", type=float, default=0.0)
    parser.add_argument("--malformed-rate", type=float, default=0.0)
    parser.add_argument("--hang-seconds", type=float, default=30.0)
    parser.add_argument("--drop-order-responses", type=int, default=0)
    parser.add_argument("--truncate-pages", action="store_true")
    parser.add_argument(
        "--truncate-mode", choices=[m.value for m in TruncateMode], default=TruncateMode.LOOP
    )
    parser.add_argument(
        "--unparsable-markets",
        type=float,
        default=0.0,
        help="share of each market page's records no client may parse (a health test)",
    )
    parser.add_argument(
        "--fault-path", action="append", default=[], help="limit faults to this path prefix"
    )
    return parser


def _sim_from(args: argparse.Namespace) -> SimExchange:
    if len(args.key_id) != len(args.public_key):
        raise SystemExit("give one --public-key per --key-id")
    try:
        config = SimConfig(
            seed=args.seed,
            markets=args.markets,
            host=args.host,
            port=args.port,
            initial_balance=args.initial_balance,
            read_rate=args.read_rate,
            read_burst=args.read_burst,
            write_rate=args.write_rate,
            write_burst=args.write_burst,
            time_scale=args.time_scale,
            start_time=args.start_time,
            **price_options(args),  # type: ignore[arg-type]
        )
    except ValueError as exc:
        raise SystemExit(f"error: {exc}") from None
    sim = SimExchange(config)
    for key_id, path in zip(args.key_id, args.public_key, strict=True):
        sim.register_key(key_id, path.read_bytes())
    sim.faults.update(
        latency=args.latency,
        error_rate=args.error_rate,
        timeout_rate=args.timeout_rate,
        malformed_rate=args.malformed_rate,
        hang_seconds=args.hang_seconds,
        drop_order_responses=args.drop_order_responses,
        truncate_pages=args.truncate_pages,
        truncate_mode=args.truncate_mode,
        unparsable_markets=args.unparsable_markets,
        path_prefixes=tuple(args.fault_path),
    )
    return sim


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    sim = _sim_from(args)
    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    sim.start()
    sys.stdout.write(sim.base_url + "\n")
    sys.stdout.flush()
    sys.stderr.write(
        f"sim exchange: seed={args.seed} markets={args.markets} time_scale={args.time_scale}"
        f" scenario={sim.config.scenario}\n"
        f"  gamma: {sim.gamma_url}/markets/keyset   admin: {sim.gamma_url}/_sim/faults\n"
        f"  websocket: {sim.ws_url}\n"
    )
    sys.stderr.flush()
    while not stop.wait(0.5):
        pass
    sim.stop()
    return 0
