"""Property test over the configuration: any value of any setting, from the environment,
either loads into values within bounds or raises ConfigError naming the field."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from infra.settings import ConfigError, Settings, load_settings, unknown_environment

EXAMPLES = 150


def _variables() -> list[tuple[str, str]]:
    """(PMT_ variable, dotted setting) for every plain setting."""
    found = []
    for name, field in Settings.model_fields.items():
        if field.validation_alias is not None:
            continue  # credentials: read under their own names
        default = field.default
        if isinstance(default, BaseModel):
            found += [
                (f"PMT_{name}__{inner}".upper(), f"{name}.{inner}")
                for inner in type(default).model_fields
            ]
        else:
            found.append((f"PMT_{name}".upper(), name))
    return found


VARIABLES = _variables()
VALUES = st.one_of(
    st.sampled_from(
        ["1e30", "-1e30", "1000.0000001", "NaN", "inf", "0", "-1", "", "{not json", "[]", "{}"]
    ),
    st.integers(min_value=-(10**31), max_value=10**31).map(str),
    st.decimals(allow_nan=False, places=8).map(str),
    st.text(max_size=12).filter(lambda text: "\x00" not in text),
)


@contextmanager
def environment(variable: str, value: str) -> Iterator[None]:
    saved = {k: v for k, v in os.environ.items() if k.startswith("PMT_")}
    for key in saved:
        del os.environ[key]
    os.environ[variable] = value
    try:
        yield
    finally:
        del os.environ[variable]
        os.environ.update(saved)


def _bounded(value: object) -> None:
    if isinstance(value, Decimal):
        assert value.is_finite()
        assert abs(value) <= 10**12
    if isinstance(value, int) and not isinstance(value, bool):
        assert abs(value) <= 2**31
    if isinstance(value, BaseModel):
        for inner in type(value).model_fields:
            _bounded(getattr(value, inner))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(choice=st.sampled_from(VARIABLES), value=VALUES)
def test_any_setting_loads_within_bounds_or_is_a_config_error(choice: tuple[str, str], value: str):
    variable, dotted = choice
    with environment(variable, value):
        try:
            loaded = load_settings()
        except ConfigError as exc:
            refused: ConfigError | None = exc
        else:
            refused = None
    if refused is not None:
        assert dotted.split(".")[0] in str(refused)
        return
    for name in Settings.model_fields:
        if name == "sim":  # a seed is any integer by design
            continue
        _bounded(getattr(loaded, name))


def test_every_known_variable_is_quiet_and_a_typo_names_its_neighbour():
    assert unknown_environment({variable: "1" for variable, _ in VARIABLES}) == []
    [warning] = unknown_environment({"PMT_RISK__MIN_EDJE": "0.1"})
    assert "PMT_RISK__MIN_EDGE" in warning


@pytest.mark.parametrize("value", ["1e30", "1000.0000001", "-5"])
def test_the_issues_bankroll_values_are_refused(value: str):
    with (
        environment("PMT_INITIAL_BANKROLL", value),
        pytest.raises(ConfigError, match="initial_bankroll"),
    ):
        load_settings()
