"""Analyst: a forecast per candidate (offline, or an LLM), then sizing into signals.

LLM calls run on a bounded pool of worker threads, so a cycle's LLM time is about
ceil(n / k) calls, not n. Each call's cost is booked in the ledger by its worker the moment the
call returns (a ChargeApiCost ask to Bankroll, with the call's record in the same transaction),
so a cost is never deferred, never counted twice, and never skipped on an early exit. Results
come back to this actor as messages and flow on to sizing as they arrive; the end-of-cycle
marker is held until the cycle's last forecast is in. Forecasts are stored and reused while a
market's inputs barely move (the cache survives restarts). Budgets stop analysis only.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter, defaultdict, deque
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from decimal import Decimal
from typing import Any

import pykka
from loguru import logger

from actors.base import BaseActor, ask, handles
from actors.directory import ActorUnavailable, Directory
from actors.health import report_health
from domain.clock import Clock
from domain.costs import ModelPrice, call_cost, worst_case_cost
from domain.evidence import Weighed, bound_for, weigh
from domain.exits import ExitPolicy, decide_exit
from domain.exposure import Holding, event_refusal
from domain.forecasting import (
    CachePolicy,
    Forecaster,
    InvalidAnswer,
    inputs_of,
    is_fresh,
    parse_answer,
)
from domain.health import HealthCheck, Part, check, llm_problem
from domain.messages import (
    AnalyzeCandidates,
    BankrollSnapshot,
    Candidate,
    ChargeApiCost,
    CommitWork,
    EndOfCycle,
    ExecuteSignal,
    ExitPosition,
    ForecastFailed,
    ForecastMade,
    GetBankroll,
    GetLatestForecasts,
    GetScorecardInputs,
    HeldMarket,
    InsertForecast,
    InsertLlmCall,
    ScorecardInputs,
    WorkCommitted,
    Write,
)
from domain.models import Forecast, LlmCall
from domain.money import ONE, ZERO
from domain.prompting import PROMPT_VERSION, build_prompt
from domain.recording import LlmSettingsRecord, RecordedAnswer, RecordLlmExchange
from domain.risk import DenyReason
from domain.scoring import ScorecardPolicy, kelly_scale, scorecard
from domain.sizing import NoTrade, SizingLimits, size_order
from infra.clock import SystemClock
from infra.llm import LlmProvider, LlmReply, ProviderError
from infra.llm_usage import LlmUsage
from infra.logs import redactor

HISTORY = 3  # earlier forecasts per market shown in the prompt
SDK_ENV_PREFIX = {"claude": "ANTHROPIC", "openai": "OPENAI"}  # <PREFIX>_API_KEY, _BASE_URL
BOOKING_ATTEMPTS = 3
NO_ANSWER = RuntimeError("no answer (a timeout or a dropped connection after sending)")
MARKER_WAIT = 10.0  # seconds


@dataclass(frozen=True)
class LlmForecasting:
    """How the Analyst uses a language model."""

    provider: LlmProvider
    price: ModelPrice
    concurrency: int = 8
    cycle_budget: Decimal = Decimal(1)
    daily_budget: Decimal = Decimal(10)
    max_tokens: int = 400
    cache: CachePolicy = field(default_factory=CachePolicy)
    prompt_version: str = PROMPT_VERSION
    # Budgets run on the wall clock, never the venue's (the simulator's is accelerated); the
    # daily one counts what `usage` holds since midnight UTC (None: this process only).
    usage: LlmUsage | None = None
    wall_clock: Clock = field(default_factory=SystemClock)
    temperature: Decimal | None = None  # as the provider was built with (for the recorder)
    record: bool = False  # keep each call's prompt, settings and answer (domain.recording)

    def settings_record(self) -> LlmSettingsRecord:
        return LlmSettingsRecord(
            provider=self.provider.label.split(":", 1)[0],
            model=self.provider.model,
            prompt_version=self.prompt_version,
            max_tokens=self.max_tokens,
            temperature=self.temperature,
        )


class Analyst(BaseActor):
    name = "analyst"

    def __init__(
        self,
        directory: Directory,
        offline: Forecaster,
        limits: SizingLimits,
        clock: Clock,
        *,
        llm: LlmForecasting | None = None,
        scorecard_policy: ScorecardPolicy | None = None,
        exits: ExitPolicy | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.exits = exits  # None: positions are held to settlement
        self.directory = directory
        self.offline = offline
        self.limits = limits
        self.clock = clock
        self.llm = llm
        self.policy = scorecard_policy or ScorecardPolicy()
        self.history: dict[str, deque[Forecast]] = defaultdict(lambda: deque(maxlen=HISTORY))
        self.pool: ThreadPoolExecutor | None = None
        self.marker: AnalyzeCandidates | None = None
        self.cycle_holdings: list[Holding] = []  # signals sent this cycle (per-event risk)
        self.holding: dict[str, HeldMarket] = {}  # positions valued this cycle, by ticker
        self.pending = 0
        self.held_estimate = ZERO
        self.day: datetime | None = None
        self.spent_today = ZERO
        self.spent_cycle = ZERO
        self.scales: dict[tuple[str, str], Decimal] = {}
        self.balance = ZERO
        self.counts: Counter[str] = Counter()
        self.skipped: Counter[str] = Counter()
        self.llm_disabled = ""
        self.warned_unreachable = False  # the first connection failure of a run is a warning
        self.refused = threading.Event()  # set when the provider refuses our credentials

    @property
    def label(self) -> str:
        return self.llm.provider.label if self.llm is not None else self.offline.label

    # Lifecycle -------------------------------------------------------------------------

    def started(self) -> None:
        storage = self.directory.get("storage")
        for forecast in ask(storage, GetLatestForecasts()):
            self.history[forecast.ticker].append(forecast)
        if self.llm is not None:
            self.pool = ThreadPoolExecutor(self.llm.concurrency, thread_name_prefix="llm")
        self.log.info("forecaster: {}", self.label)

    def on_stop(self) -> None:
        if self.pool is not None:
            # Calls already made finish and book their cost; queued ones are dropped.
            self.pool.shutdown(wait=True, cancel_futures=True)
        if self.llm is not None:
            self.llm.provider.close()

    # A cycle -----------------------------------------------------------------------------

    @handles(AnalyzeCandidates)
    def _on_candidates(self, command: AnalyzeCandidates) -> None:
        self._start_cycle(command)
        now = self.clock.now()
        cycle = command.stats.cycle
        # Positions held first: within the budgets, getting out comes before getting in.
        for held in command.held if self.exits is not None else ():
            self.holding[held.position.ticker] = held
            self._analyse(held.candidate, now, cycle)
        for candidate in command.candidates:
            self._analyse(candidate, now, cycle)
        self._finish_if_done()

    def _analyse(self, candidate: Candidate, now: datetime, cycle: int) -> None:
        """A forecast for `candidate`: the cached one while its inputs barely moved (same
        prices within the threshold, same rules text, within the window), else a new one."""
        inputs = inputs_of(candidate)
        ticker = candidate.market.ticker
        previous = self.history[ticker][-1] if self.history[ticker] else None
        if (
            self.llm is not None
            and previous is not None
            and is_fresh(
                previous,
                inputs,
                now,
                self.llm.cache,
                self.llm.provider.model,
                self.llm.prompt_version,
            )
        ):
            self.counts["cache_hits"] += 1
            self._act(candidate, previous, self._weigh(candidate, previous), cycle)
        elif self.llm is None:
            forecast = self.offline.forecast(candidate, now)
            if forecast is None:
                if ticker in self.holding:
                    self._judge_exit(candidate, None, None, cycle)
                else:
                    self.skipped["NO_FORECAST"] += 1
                return
            self._decide(candidate, forecast.replace(cycle=cycle, inputs=inputs))
        else:
            self._submit(candidate, now, cycle)

    def _start_cycle(self, command: AnalyzeCandidates) -> None:
        if self.marker is not None:
            self.log.warning("cycle {} started before the last one finished", command.stats.cycle)
            self._forward()
        self.marker = command
        self.spent_cycle = ZERO
        self.cycle_holdings = []
        self.holding = {}
        self.counts.clear()
        self.skipped.clear()
        snapshot: BankrollSnapshot = ask(self.directory.get("bankroll"), GetBankroll())
        self.balance = snapshot.balance
        if self.llm is not None:
            self._roll_day()
            inputs: ScorecardInputs = ask(self.directory.get("storage"), GetScorecardInputs())
            costs = {(model, version): cost for model, version, cost in inputs.api_costs}
            scores = scorecard(inputs.scored, inputs.trades, costs)
            self.scales = {(s.model, s.prompt_version): kelly_scale(s, self.policy) for s in scores}

    def _kelly_scale(self, forecast: Forecast) -> Decimal:
        """The forecaster's scale from the scorecard (domain.scoring.kelly_scale); with no
        scored row yet, the unproven scale. Without an LLM the scorecard is not read: the
        offline rule keeps full scale."""
        unscored = ONE if self.llm is None else kelly_scale(None, self.policy)
        return self.scales.get((forecast.model, forecast.prompt_version), unscored)

    def _roll_day(self) -> None:
        """Today's spending so far, on the wall clock: from the usage file at every cycle
        (other runs count too); without one, what this process spent since midnight UTC."""
        assert self.llm is not None
        today = datetime.combine(self.llm.wall_clock.now().date(), time(), tzinfo=UTC)
        if self.llm.usage is not None:
            self.spent_today = self.llm.usage.spent_since(today)
        elif today != self.day:
            self.spent_today = ZERO
        self.day = today

    def _submit(self, candidate: Candidate, now: datetime, cycle: int) -> None:
        assert self.llm is not None
        ticker = candidate.market.ticker
        if self.llm_disabled:
            self.skipped["LLM_DISABLED"] += 1
            self._no_new_forecast(candidate, cycle)
            return
        system, user = build_prompt(candidate, now, tuple(self.history[ticker]))
        # An invalid answer is asked once more, and every ask may reach the provider as many
        # times as its SDK retries, each booked at its worst case if it gets no answer.
        asks = 2 * self.llm.provider.attempts_per_call
        estimate = asks * worst_case_cost(
            self.llm.price, len(system) + len(user), self.llm.max_tokens
        )
        if self.spent_cycle + self.held_estimate + estimate > self.llm.cycle_budget:
            self.skipped["BUDGET_CYCLE"] += 1
            self._no_new_forecast(candidate, cycle)
            return
        if self.spent_today + self.held_estimate + estimate > self.llm.daily_budget:
            self.skipped["BUDGET_DAILY"] += 1
            self._no_new_forecast(candidate, cycle)
            return
        assert self.pool is not None
        self.held_estimate += estimate
        self.pending += 1
        self.pool.submit(
            _forecast_job,
            self.actor_ref,
            self.directory,
            self.llm,
            self.clock,
            candidate,
            (system, user),
            cycle,
            estimate,
            self.refused,
        )

    @handles(ForecastMade)
    def _on_made(self, result: ForecastMade) -> None:
        self._settle_estimate(result.spent, result.estimate)
        self._decide(result.candidate, result.forecast)
        self._finish_if_done()

    def _no_new_forecast(self, candidate: Candidate, cycle: int) -> None:
        """No new forecast for a position held (a budget, the LLM off or failing): it is
        valued on its last forecast, whatever its age (the best view the bot has), or held."""
        ticker = candidate.market.ticker
        if ticker not in self.holding:
            return
        previous = self.history[ticker][-1] if self.history[ticker] else None
        weighed = None if previous is None else self._weigh(candidate, previous)
        self._judge_exit(candidate, previous, weighed, cycle)

    @handles(ForecastFailed)
    def _on_failed(self, result: ForecastFailed) -> None:
        self._settle_estimate(result.spent, result.estimate)
        self.skipped[result.reason] += 1
        held = self.holding.get(result.ticker)
        if held is not None and self.marker is not None:
            self._no_new_forecast(held.candidate, self.marker.stats.cycle)
        variable = self._env_prefix()
        if result.reason == "LLM_CONNECTION" and not self.warned_unreachable:
            self.warned_unreachable = True
            self.log.warning(
                "cannot reach the LLM ({}): check the network and {}_BASE_URL; markets go"
                " without a forecast until it answers",
                self.label,
                variable,
            )
        if result.reason == "LLM_AUTHENTICATION":
            self.counts["llm_refused"] += 1
            self.refused.set()
            if not self.llm_disabled:
                self.llm_disabled = result.reason
                self.log.error(
                    "the LLM provider refused our credentials: check {}_API_KEY (or set"
                    ' llm.provider = "offline"); no more LLM calls this run, which will end'
                    " with exit code 1",
                    variable,
                )
        self._finish_if_done()

    def _env_prefix(self) -> str:
        """ANTHROPIC or OPENAI: where the provider's SDK reads its key and base URL."""
        provider = self.label.split(":", 1)[0]
        return SDK_ENV_PREFIX.get(provider, provider.upper())

    def _settle_estimate(self, spent: Decimal, estimate: Decimal) -> None:
        self.pending -= 1
        self.held_estimate -= estimate
        self.spent_cycle += spent
        self.spent_today += spent

    def _decide(self, candidate: Candidate, forecast: Forecast) -> None:
        """A new forecast: weighed against the market, stored (with its refusal, if refused,
        for `why`), then sized."""
        weighed = self._weigh(candidate, forecast)
        if isinstance(weighed, NoTrade):
            forecast = forecast.replace(refusal=f"{weighed.reason}: {weighed.detail}")
        self._act(candidate, self._store(forecast), weighed, forecast.cycle)

    def _act(
        self, candidate: Candidate, forecast: Forecast, weighed: Weighed | NoTrade, cycle: int
    ) -> None:
        """A position held is judged for an exit; any other market is sized for an entry."""
        if candidate.market.ticker in self.holding:
            self._judge_exit(candidate, forecast, weighed, cycle)
        else:
            self._size(candidate, forecast, weighed, cycle)

    def _judge_exit(
        self,
        candidate: Candidate,
        forecast: Forecast | None,
        weighed: Weighed | NoTrade | None,
        cycle: int,
    ) -> None:
        """Value a position held against the fair value (the view weighed as an entry's is;
        none if the forecast is missing or refused) and tell the Executor to sell it if an
        exit calls for it (domain.exits)."""
        assert self.exits is not None
        position = self.holding[candidate.market.ticker].position
        fair = weighed.view if isinstance(weighed, Weighed) else None
        decision = decide_exit(
            position,
            candidate.book,
            fair,
            candidate.fees,
            self.exits,
            self.clock.now(),
            candidate.market.close_time,
        )
        self.counts["held_valued"] += 1
        if decision is None:
            return
        forecast_id = None if forecast is None else forecast.id
        order = ExitPosition(cycle=cycle, decision=decision, forecast_id=forecast_id)
        try:
            executor = self.directory.get("executor")
            executor.tell(order.caused(self.marker) if self.marker is not None else order)
        except (ActorUnavailable, pykka.ActorDeadError):
            self.skipped["EXECUTOR_UNAVAILABLE"] += 1

    def _weigh(self, candidate: Candidate, forecast: Forecast) -> Weighed | NoTrade:
        """The forecast as evidence against the market's price (domain.evidence): the view to
        size, within a bound shrunk by the forecaster's track record, or a refusal."""
        track_record = self._kelly_scale(forecast)
        book = candidate.book
        return weigh(
            candidate.market.ticker,
            forecast.probability,
            forecast.confidence,
            book.best_yes_bid,
            book.best_yes_ask,
            bound_for(self.limits.max_disagreement, track_record),
        )

    def _store(self, forecast: Forecast) -> Forecast:
        committed: WorkCommitted = ask(
            self.directory.get("storage"), CommitWork(writes=(InsertForecast(forecast=forecast),))
        )
        stored = committed.forecasts[0]
        self.history[stored.ticker].append(stored)
        self.counts["forecasts"] += 1
        return stored

    def _size(
        self, candidate: Candidate, forecast: Forecast, weighed: Weighed | NoTrade, cycle: int
    ) -> None:
        if isinstance(weighed, NoTrade):
            self.skipped[weighed.reason] += 1
            if weighed.reason is DenyReason.FORECAST_IMPLAUSIBLE:
                self.log.warning(
                    "{} {} ({}): {}; not traded",
                    weighed.ticker,
                    weighed.reason,
                    forecast.model,
                    weighed.detail,
                )
            return
        scale = self._kelly_scale(forecast)
        decision = size_order(
            candidate.market.ticker,
            weighed.view,
            candidate.book,
            self.balance,
            self.limits,
            kelly_scale=scale,
            fees=candidate.fees,
            ticks=candidate.market.price_ranges,
        )
        if isinstance(decision, NoTrade):
            self.skipped[decision.reason] += 1
            return
        holding = Holding(
            ticker=decision.ticker,
            event_ticker=candidate.market.event_ticker,
            side=decision.side,
            cost=decision.cost,
        )
        # One market per event, within the event cap (domain.exposure), whatever the event's
        # `mutually_exclusive` flag (A5.6) says. The flag only says that at most one leg pays
        # YES; `false` does not make legs independent: a threshold ladder's legs nest, and an
        # event may mix `greater` and `less` strikes, so even the same side of two legs can be
        # a pair that cannot both win. Telling those apart needs the strikes parsed; until
        # then every event counts as unknown, the reading under which no held pair conflicts.
        refusal = event_refusal(
            holding,
            (*candidate.event_holdings, *self.cycle_holdings),
            self.limits.max_event_exposure,
            mutually_exclusive=None,
            legs=0,
        )
        if refusal is not None:
            self.skipped[refusal] += 1
            return
        self.cycle_holdings.append(holding)
        signal = ExecuteSignal(cycle=cycle, signal=decision, forecast=forecast)
        try:
            self.directory.get("executor").tell(
                signal.caused(self.marker) if self.marker is not None else signal
            )
        except (ActorUnavailable, pykka.ActorDeadError):
            self.skipped["EXECUTOR_UNAVAILABLE"] += 1
            return
        self.counts["signals"] += 1

    def _finish_if_done(self) -> None:
        if self.pending == 0 and self.marker is not None:
            self._forward()

    def _llm_health(self, cycle: int) -> tuple[HealthCheck, ...]:
        """The LLM's health this cycle, checked when it was asked (or is disabled)."""
        failures = {
            reason: n
            for reason, n in self.skipped.items()
            if reason.startswith("LLM_") and reason != "LLM_DISABLED"
        }
        if self.llm is None or not (failures or self.counts["forecasts"] or self.llm_disabled):
            return ()
        problem = llm_problem(failures, self.counts["forecasts"], self.llm_disabled)
        found = check(Part.LLM, cycle, self.clock.now(), problem)
        return report_health(self.directory, self.log, found)

    def _forward(self) -> None:
        marker = self.marker
        assert marker is not None
        self.marker = None
        stats = marker.stats.plus(
            forecasts=self.counts["forecasts"],
            signals=self.counts["signals"],
            skipped=dict(self.skipped),
            api_cost=self.spent_cycle,
            llm_refused=self.counts["llm_refused"],
            unhealthy=self._llm_health(marker.stats.cycle),
        )
        if self.counts["cache_hits"]:
            self.log.info("{} forecasts reused from the cache", self.counts["cache_hits"])
        if self.counts["held_valued"]:
            self.log.info("{} positions held valued for an exit", self.counts["held_valued"])
        try:  # the Executor may be restarting: the marker waits for it, briefly
            executor = self.directory.wait_for("executor", timeout=MARKER_WAIT)
            executor.tell(EndOfCycle(stats=stats).caused(marker))
        except (ActorUnavailable, pykka.ActorDeadError):
            self.log.error("cycle {} lost: the executor is not running", stats.cycle)


def _exchange(
    llm: LlmForecasting, call: LlmCall, prompt: tuple[str, str], reply: LlmReply
) -> RecordLlmExchange:
    """What the recorder keeps of one call: enough to give the same answer in a replay."""
    system, user = prompt
    return RecordLlmExchange(
        call_id=call.call_id,
        ts=call.ts,
        ticker=call.ticker,
        cycle=call.cycle,
        system=system,
        user=user,
        settings=llm.settings_record(),
        # The answer as stored: a secret or a URL's credentials echoed in it are masked.
        answer=RecordedAnswer.model_validate(
            {**reply.model_dump(exclude={"lost"}), "text": redactor.redact(reply.text)}
        ),
        outcome=call.outcome,
        cost=call.cost,
    )


# Worker threads ------------------------------------------------------------------------------


def _forecast_job(
    analyst: pykka.ActorRef[Any],
    directory: Directory,
    llm: LlmForecasting,
    clock: Clock,
    candidate: Candidate,
    prompt: tuple[str, str],
    cycle: int,
    estimate: Decimal,
    refused: threading.Event,
) -> None:
    """Report the forecast (or why there is none) to the Analyst, whatever happens.

    Once the provider has refused our credentials, the calls still queued are not made."""
    ticker = candidate.market.ticker
    try:
        if refused.is_set():
            result: ForecastMade | ForecastFailed = ForecastFailed(
                ticker=ticker, reason="LLM_DISABLED", spent=ZERO, estimate=estimate
            )
        else:
            result = _forecast(directory, llm, clock, candidate, prompt, cycle, estimate)
            if isinstance(result, ForecastFailed) and result.reason == "LLM_AUTHENTICATION":
                refused.set()  # at once: this worker's next job must not call
    except Exception:  # noqa: BLE001 - the Analyst must hear back, or its cycle never ends
        logger.bind(actor="analyst").exception("forecasting {} failed", ticker)
        result = ForecastFailed(
            ticker=ticker, reason="ANALYSIS_ERROR", spent=ZERO, estimate=estimate
        )
    # If the Analyst stopped or restarted meanwhile, the cost is booked and the forecast dropped.
    with suppress(pykka.ActorDeadError):
        analyst.tell(result)


def _forecast(
    directory: Directory,
    llm: LlmForecasting,
    clock: Clock,
    candidate: Candidate,
    prompt: tuple[str, str],
    cycle: int,
    estimate: Decimal,
) -> ForecastMade | ForecastFailed:
    """Ask the model (once more if the answer is invalid), booking every call's cost."""
    ticker = candidate.market.ticker
    spent = ZERO
    result: ForecastMade | ForecastFailed
    for _attempt in range(2):
        try:
            reply = llm.provider.complete(*prompt)
        except ProviderError as error:
            spent += _book_lost(directory, llm, clock, (ticker, cycle), prompt, error.lost)
            if error.reply is not None:  # billed (a refusal, an unreadable answer): book it
                outcome = "refused" if error.kind == "refused" else "error"
                spent += _book(
                    directory, llm, clock, (ticker, cycle), prompt, error.reply, outcome, error
                )
            result = ForecastFailed(
                ticker=ticker, reason=f"LLM_{error.kind.upper()}", spent=spent, estimate=estimate
            )
            break
        spent += _book_lost(directory, llm, clock, (ticker, cycle), prompt, reply.lost)
        try:
            answer = parse_answer(reply.text)
        except Exception as invalid:  # noqa: BLE001 - InvalidAnswer, or a parser bug: booked
            if not isinstance(invalid, InvalidAnswer):
                logger.bind(actor="analyst").exception("parsing {}'s answer failed", ticker)
            spent += _book(
                directory, llm, clock, (ticker, cycle), prompt, reply, "invalid", invalid
            )
            result = ForecastFailed(
                ticker=ticker, reason="LLM_INVALID_ANSWER", spent=spent, estimate=estimate
            )
            continue
        spent += _book(directory, llm, clock, (ticker, cycle), prompt, reply, "ok", None)
        forecast = Forecast(
            ticker=ticker,
            probability=answer.probability.quantize(Decimal("0.000001")),
            confidence=answer.confidence.quantize(Decimal("0.000001")),
            rationale=answer.rationale,
            model=llm.provider.model,
            prompt_version=llm.prompt_version,
            cost=spent,
            made_at=clock.now(),
            cycle=cycle,
            inputs=inputs_of(candidate),
        )
        result = ForecastMade(
            candidate=candidate, forecast=forecast, spent=spent, estimate=estimate
        )
        break
    return result


def _book_lost(
    directory: Directory,
    llm: LlmForecasting,
    clock: Clock,
    decision: tuple[str, int],
    prompt: tuple[str, str],
    lost: tuple[LlmReply, ...],
) -> Decimal:
    """The attempts that reached the provider and got no answer: each one row, at its worst
    case (the provider may have billed it; nothing says it did not)."""
    spent = ZERO
    for attempt in lost:
        spent += _book(directory, llm, clock, decision, prompt, attempt, "lost", NO_ANSWER)
    return spent


def _book(
    directory: Directory,
    llm: LlmForecasting,
    clock: Clock,
    decision: tuple[str, int],
    prompt: tuple[str, str],
    reply: LlmReply,
    outcome: str,
    error: Exception | None,
) -> Decimal:
    """One call, one ledger row: the cost is charged now, with the call's record. The money
    is spent once the provider has answered, so the wall-clock budget counts it first.
    With the recorder on, the prompt, the settings and the answer go in the same transaction."""
    ticker, cycle = decision
    cost = call_cost(llm.price, reply.input_tokens, reply.output_tokens)
    call_id = uuid.uuid4().hex
    if llm.usage is not None:
        llm.usage.record(call_id, llm.wall_clock.now(), cost, reply.model or llm.provider.model)
    call = LlmCall(
        call_id=call_id,
        ts=clock.now(),
        ticker=ticker,
        cycle=cycle,
        provider=reply.provider,
        model=reply.model or llm.provider.model,
        prompt_version=llm.prompt_version,
        input_tokens=reply.input_tokens,
        output_tokens=reply.output_tokens,
        usage=reply.usage,
        cost=cost,
        outcome=outcome,
        error=None if error is None else redactor.redact(str(error))[:500],
    )
    usage = "" if reply.usage == "reported" else f" (usage {reply.usage})"
    writes: tuple[Write, ...] = (InsertLlmCall(call=call),)
    if llm.record:
        writes += (_exchange(llm, call, prompt, reply),)
    charge = ChargeApiCost(
        amount=cost,
        ref_type="llm_call",
        ref_id=call.call_id,
        detail=f"{ticker} cycle {cycle} {call.model}{usage}",
        writes=writes,
    )
    for attempt in range(1, BOOKING_ATTEMPTS + 1):
        try:
            ask(directory.get("bankroll"), charge)
            return cost
        except (ActorUnavailable, pykka.ActorDeadError):
            if attempt == BOOKING_ATTEMPTS:
                raise
            directory.wait_for("bankroll", timeout=5)
    return cost
