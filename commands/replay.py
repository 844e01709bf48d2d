"""`pm-trader replay --db RECORDED.db [--from TIME] [--to TIME]`: a recorded period again,
through the same actors, against the paper exchange over the recorded markets and books.

By default the LLM answers are the recorded ones (no call, no new spend); `--llm live` asks a
model again with only what was recorded up to each decision in its prompt. The replay writes
its own book (`--out`), then reports the run, the scorecard and the baselines.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime
from pathlib import Path

from loguru import logger
from rich.console import Console
from sqlalchemy import func, select

from commands.base import EXIT_CONFIG
from commands.evaluate import render_strategies
from commands.report import render_scorecard
from commands.run import trade
from commands.views import utc_argument
from domain.clock import format_utc
from domain.prompting import PROMPT_VERSION
from infra.db.migrate import migrate
from infra.db.preflight import check_location
from infra.db.reading import open_for_reading
from infra.db.tables import ExecutionRow
from infra.lockfile import DatabaseLock
from infra.replay.recording import Recording, load_recording
from infra.replay.report import against_baselines
from infra.replay.session import live_forecaster, open_replay, recorded_forecaster, venue_path
from infra.settings import Settings
from infra.settings_record import differences, with_recorded

LIMITS = (
    "A replay shows what these settings and this forecaster would have done on the markets the"
    " recording analysed or held, filled against the recorded books with the recorded fee"
    " schedules; it cannot show other markets, queue position, market impact, or resting fills."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="start", type=utc_argument, help="first cycle's time (UTC)")
    parser.add_argument("--to", dest="end", type=utc_argument, help="last cycle's time (UTC)")
    parser.add_argument(
        "--out", type=Path, help="the replay's own book (default: beside the recording)"
    )
    parser.add_argument(
        "--llm",
        dest="llm_mode",
        choices=("recorded", "live"),
        default="recorded",
        help="recorded answers (default), or ask a model again",
    )
    parser.add_argument(
        "--settings",
        dest="settings_from",
        choices=("recorded", "current"),
        default="recorded",
        help="trade with the recorded run's settings under those set now in the configuration"
        " (default), or with every setting in effect now; either way it says which differ",
    )
    parser.add_argument("--model", help="with --llm live: the model (default: llm.model)")
    parser.add_argument(
        "--prompt-version",
        help=f"with --llm live: the prompt (this version builds {PROMPT_VERSION})",
    )


def _refusal(settings: Settings, options: argparse.Namespace) -> str | None:
    """What is wrong with the flags, if anything."""
    if settings.db is None:
        return "replay needs --db RECORDED.db: a book the bot recorded"
    live = options.llm_mode == "live"
    if not live and (options.model or options.prompt_version):
        return "--model and --prompt-version go with --llm live"
    if options.prompt_version not in {None, PROMPT_VERSION}:
        return (
            f"--prompt-version {options.prompt_version}: this version of the program builds"
            f" prompts {PROMPT_VERSION} only"
        )
    out = options.out or _default_out(settings.db)
    if out.resolve() == settings.db.resolve():
        return "--out must not be the recording: a replay never writes into it"
    if out.exists() or venue_path(out).exists():
        return f"{out} exists: give another --out (a replay starts a new book)"
    return None


def _default_out(recording: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return recording.with_name(f"{recording.stem}.replay-{stamp}.db")


def execute(settings: Settings, options: argparse.Namespace, console: Console) -> int:
    refusal = _refusal(settings, options)
    if refusal is not None:
        logger.error("{}", refusal)
        return EXIT_CONFIG
    assert settings.db is not None
    recording = load_recording(settings.db, options.start, options.end)
    out = options.out or _default_out(settings.db)
    run_settings = _replay_settings(settings, recording, options)
    run_settings = run_settings.model_copy(
        update={"db": out, "initial_bankroll": recording.initial_bankroll}
    )
    check_location(out)
    replay = open_replay(recording, out)
    scans = len(recording.scans)
    logger.info(
        "replaying {} cycles of {} from {} to {} into {}",
        scans,
        settings.db,
        format_utc(recording.start),
        format_utc(recording.end),
        out,
    )
    started = time.perf_counter()
    try:
        with DatabaseLock(out):
            migrate(out)
            llm = (
                live_forecaster(run_settings, options.prompt_version or PROMPT_VERSION)
                if options.llm_mode == "live"
                else recorded_forecaster(run_settings, replay)
            )
            code = trade(
                run_settings,
                replay.venue,
                out,
                console,
                llm=llm,
                cycles=scans,
                before_cycle=replay.to_cycle,
            )
    finally:
        replay.venue.close()
    _log_speed(recording, time.perf_counter() - started)
    render_scorecard(out, console)
    _render_baselines(run_settings, recording, out, console)
    return code


def _replay_settings(
    settings: Settings, recording: Recording, options: argparse.Namespace
) -> Settings:
    """The settings the replay trades with: the recording's under what is set now (unless
    `--settings current`: all of today's), then `--model`; it logs which trading settings differ
    from the recorded run's, and why."""
    recorded = recording.settings
    if recorded is None:
        logger.warning(
            "this recording was made before the bot kept its settings: the replay trades with"
            " the settings in effect now (see `pm-trader config`), so its orders may differ"
            " from the recorded run's where those did"
        )
        used = settings
    else:
        used = settings if options.settings_from == "current" else with_recorded(settings, recorded)
    if options.model:
        used = used.model_copy(update={"llm": used.llm.model_copy(update={"model": options.model})})
    if recorded is not None:
        changed = differences(recorded, used)
        why = (
            "--settings current"
            if options.settings_from == "current"
            else "set now in the configuration, environment or flags"
        )
        if changed:
            logger.warning(
                "this replay overrides {} of the recorded run's trading settings ({}): {}",
                len(changed),
                why,
                "; ".join(changed),
            )
        else:
            logger.info("this replay trades with the recorded run's settings")
        if (moment := recording.settings_changed_at) is not None:
            logger.warning(
                "the recorded run's settings changed at {}: the replay keeps those of {} for the"
                " whole period (replay from {} with --from to use the later ones)",
                format_utc(moment),
                format_utc(recording.start),
                format_utc(moment),
            )
    return used


def _log_speed(recording: Recording, seconds: float) -> None:
    recorded = (recording.end - recording.start).total_seconds()
    logger.info("{}", speed_line(len(recording.scans), recorded, seconds))


def speed_line(cycles: int, recorded_seconds: float, seconds: float) -> str:
    """How fast a replay went: the recorded period against the time it took, as a multiple
    of the recorded pace (a short recording's hours a second rounded to 0.0)."""
    pace = f"{recorded_seconds / seconds:,.0f}x the recorded pace" if seconds > 0 else "at once"
    return (
        f"replayed {cycles} cycles ({_duration(recorded_seconds)} recorded) in {seconds:.1f} s:"
        f" {pace}, {cycles / seconds if seconds > 0 else 0:.1f} cycles a second"
    )


def _duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 60:.1f} min" if seconds >= 60 else f"{seconds:.0f} s"


def orders_placed(out: Path) -> int:
    """The orders the replay sent (its executions), whatever filled."""
    with open_for_reading(out) as db, db.read() as repo:
        return int(repo.connection.execute(select(func.count(ExecutionRow.id))).scalar_one())


def _render_baselines(
    settings: Settings, recording: Recording, out: Path, console: Console
) -> None:
    render_strategies(
        against_baselines(settings, recording, out),
        console,
        title=f"Replay against the baselines: {len(recording.scans)} cycles from"
        f" {format_utc(recording.start)} to {format_utc(recording.end)}",
        caption="The same recorded decisions for every strategy, sized alike. Brackets: 95%"
        " intervals clustered by event. Skill is against the Kalshi mid; P&L at the mid values"
        " each trade at the mid when it was made, after fees.",
        expected="P&L at the mid",
    )
    console.print(
        f"The replay placed {orders_placed(out)} order(s) (see `trades --db {out}`); the table's"
        " trades are each strategy's sizing of every recorded decision alike, the bot's"
        " included, so they need not match it."
    )
    console.print(LIMITS)
