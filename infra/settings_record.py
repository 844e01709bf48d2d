"""The settings that decide what the bot trades, as the recorder keeps them and `replay` reads
them back: every section marked `decides_trades` (risk, scanner, the forecaster, linking), less
what names this machine (`not_recorded`) and any secret.

A replay trades with the recording's settings so that it shows what that run would have done;
a setting given now (configuration file, environment, flag) overrides the recording's, and the
replay says which ones differ.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, SecretStr, ValidationError

from infra.settings import ConfigError, Section, Settings, describe_validation_error


def _sections(settings: Settings) -> dict[str, Section]:
    return {
        name: value
        for name in type(settings).model_fields
        if isinstance(value := getattr(settings, name), Section) and value.decides_trades
    }


def trading_settings(settings: Settings) -> str:
    """The trading settings as canonical JSON (sorted keys): equal settings, equal text."""
    record = {
        name: {
            field: value
            for field, value in section.model_dump(mode="json").items()
            if field not in section.not_recorded
            and not isinstance(getattr(section, field), SecretStr)
        }
        for name, section in _sections(settings).items()
    }
    return json.dumps(record, sort_keys=True, separators=(",", ":"))


def with_recorded(settings: Settings, recorded: str) -> Settings:
    """The recorded trading settings, under what `settings` sets explicitly (its configuration
    file, environment or flags: a field left at its default takes the recording's). The fields
    the recording did not keep stay as they are. A recording this version cannot read is
    refused with what is wrong and how to go on."""
    try:
        sections = json.loads(recorded)
        updates: dict[str, BaseModel] = {}
        for name, section in _sections(settings).items():
            kept = sections.get(name, {})
            mine = section.model_dump()
            chosen = {field: mine[field] for field in section.model_fields_set}
            updates[name] = type(section).model_validate(
                {
                    **mine,
                    **{k: v for k, v in kept.items() if k not in section.not_recorded},
                    **chosen,
                }
            )
    except (ValueError, AttributeError, ValidationError) as exc:
        detail = describe_validation_error(exc) if isinstance(exc, ValidationError) else str(exc)
        raise ConfigError(
            f"the recording's settings cannot be read by this version ({detail}); replay with"
            " --settings current to trade with the settings in effect now"
        ) from None
    return settings.model_copy(update=updates)


def differences(recorded: str, used: Settings) -> list[str]:
    """Each trading setting whose value differs between the recording and `used`, as
    `section.field: recorded -> used`, sorted."""
    before: dict[str, dict[str, Any]] = json.loads(recorded)
    after: dict[str, dict[str, Any]] = json.loads(trading_settings(used))
    lines = []
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name, {}), after.get(name, {})
        for field in sorted(set(old) | set(new)):
            if old.get(field) != new.get(field):
                lines.append(
                    f"{name}.{field}: {_shown(old.get(field))} -> {_shown(new.get(field))}"
                )
    return lines


def _shown(value: Any) -> str:
    return "unset" if value is None else json.dumps(value)
