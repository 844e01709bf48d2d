from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from domain.costs import ModelPrice, call_cost, worst_case_cost
from domain.forecasting import CachePolicy, InvalidAnswer, is_fresh, parse_answer, rules_digest
from domain.models import Forecast, ForecastInputs

D = Decimal
NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    [
        '{"probability": "0.62", "confidence": "0.7", "rationale": "Polls lean yes."}',
        'Sure.\n```json\n{"probability": 0.62, "confidence": 0.7, "rationale": "x"}\n```',
    ],
)
def test_parses_json_answers_exactly(text: str) -> None:
    answer = parse_answer(text)
    assert answer.probability == D("0.62")
    assert answer.confidence == D("0.7")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("I think it is likely.", "no JSON object"),
        ('{"probability": 0.6, "confidence": }', "not valid JSON"),
        ('{"probability": "1.4", "confidence": "0.5", "rationale": "x"}', "probability"),
        ('{"probability": "0.4", "rationale": "x"}', "confidence"),
        ('{"probability": "0.4", "confidence": "0.5", "rationale": ""}', "rationale"),
        ('{"probability": "abc", "confidence": "0.5", "rationale": "x"}', "probability"),
    ],
)
def test_invalid_answers_are_refused_with_a_reason(text: str, problem: str) -> None:
    with pytest.raises(InvalidAnswer, match=problem):
        parse_answer(text)


def forecast(made_at: datetime = NOW, **inputs: Decimal) -> Forecast:
    return Forecast(
        ticker="T",
        probability=D("0.6"),
        model="m",
        prompt_version="v1",
        made_at=made_at,
        inputs=ForecastInputs(yes_bid=D("0.40"), yes_ask=D("0.44"), **inputs),
    )


def test_cache_reuses_a_recent_forecast_on_unmoved_inputs() -> None:
    policy = CachePolicy(window=timedelta(hours=1), max_move=D("0.02"))
    same = ForecastInputs(yes_bid=D("0.41"), yes_ask=D("0.44"))
    moved = ForecastInputs(yes_bid=D("0.45"), yes_ask=D("0.48"))
    assert is_fresh(forecast(), same, NOW + timedelta(minutes=30), policy, "m", "v1")
    assert not is_fresh(forecast(), moved, NOW, policy, "m", "v1")
    assert not is_fresh(forecast(), same, NOW + timedelta(hours=2), policy, "m", "v1")
    assert not is_fresh(forecast(), same, NOW, policy, "other-model", "v1")
    assert not is_fresh(forecast(), same, NOW, policy, "m", "v2")
    with_link = ForecastInputs(yes_bid=D("0.40"), yes_ask=D("0.44"), polymarket_price=D("0.5"))
    assert not is_fresh(forecast(), with_link, NOW, policy, "m", "v1")  # a new input appeared


def test_call_cost_is_exact_and_rounds_up_to_the_micro() -> None:
    price = ModelPrice(input=D(3), output=D(15))
    assert call_cost(price, 1_000, 200) == D("0.006")  # 0.003 + 0.003
    assert call_cost(ModelPrice(input=D("0.25"), output=D(0)), 1_234, 0) == D("0.000309")
    assert worst_case_cost(price, 3_000, 400) >= call_cost(price, 1_000, 400)
    with pytest.raises(ValueError, match="negative"):
        call_cost(price, -1, 0)


def test_new_rules_text_makes_a_new_forecast_when_both_say_what_they_were() -> None:
    policy = CachePolicy(window=timedelta(hours=1), max_move=D("0.03"))
    made = forecast().replace(inputs=forecast().inputs.replace(rules_digest=rules_digest("old")))
    same = made.inputs
    assert is_fresh(made, same, NOW, policy, "m", "v1")
    assert not is_fresh(
        made, same.replace(rules_digest=rules_digest("new")), NOW, policy, "m", "v1"
    )
    # A forecast stored before the rules were fingerprinted is not re-asked for that alone.
    assert is_fresh(forecast(), same, NOW, policy, "m", "v1")
    assert rules_digest("") is None
