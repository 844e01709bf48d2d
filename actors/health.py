"""How an actor reports a part's health (domain.health): an unhealthy check is one ERROR line
naming the part, the field and the count; every check is kept in the book (Storage writes it),
where `status` reads it; the cycle's figures carry the unhealthy ones to the run's report and
exit code."""

from __future__ import annotations

from typing import Any

import pykka

from actors.directory import ActorUnavailable, Directory
from domain.health import HealthCheck
from domain.messages import CommitWork, RecordHealth


def logged(log: Any, check: HealthCheck) -> RecordHealth:
    """The write that keeps `check`, once an unhealthy one is logged (a caller that writes
    anyway this cycle sends it along, in the same transaction)."""
    if not check.healthy:
        log.error("health: {}", check.describe())
    return RecordHealth(check=check)


def report_health(directory: Directory, log: Any, check: HealthCheck) -> tuple[HealthCheck, ...]:
    """Log and keep `check`; the cycle's unhealthy parts it adds (none when healthy)."""
    try:
        directory.get("storage").tell(CommitWork(writes=(logged(log, check),)))
    except (ActorUnavailable, pykka.ActorDeadError):  # the supervisor is handling it
        log.warning("{} health not kept: storage is not running", check.part.value)
    return () if check.healthy else (check,)
