"""Single-value rules: numbers, probabilities, choices, dates and moments."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from desktop.domain.messages import InvalidValue, Problem, ValidationError
from desktop.domain.values import (
    ActivityKind,
    clean_amount,
    clean_choice,
    clean_currency,
    clean_date,
    clean_datetime,
    clean_flag,
    clean_probability,
    clean_whole_number,
    iso_utc,
)

SHANGHAI = timezone(timedelta(hours=8))


def _key(call, value: object) -> str:
    with pytest.raises(InvalidValue) as caught:
        call(value)
    return caught.value.key


def test_amounts_accept_typed_thousands_and_refuse_negatives() -> None:
    assert clean_amount("1,200,000") == 1_200_000.0
    assert clean_amount(0) == 0.0
    assert _key(clean_amount, -1) == "negative"
    assert _key(clean_amount, "lots") == "not_a_number"
    assert _key(clean_amount, "nan") == "not_a_number"
    assert _key(clean_amount, True) == "not_a_number"


@pytest.mark.parametrize(
    ("typed", "value"), [("0", 0.0), ("100", 100.0), ("35%", 35.0), (60, 60.0)]
)
def test_probability_within_0_and_100(typed: object, value: float) -> None:
    assert clean_probability(typed) == value


@pytest.mark.parametrize("typed", [-0.1, 100.5, "150%"])
def test_probability_outside_range_is_refused(typed: object) -> None:
    assert _key(clean_probability, typed) == "probability_range"


def test_choices_are_case_insensitive_and_list_the_allowed_values() -> None:
    assert clean_choice(" Visit ", ActivityKind) == "visit"
    with pytest.raises(InvalidValue) as caught:
        clean_choice("lunch", ActivityKind)
    assert "return_visit" in caught.value.params["choices"]


def test_whole_numbers_flags_and_currencies() -> None:
    assert clean_whole_number("45") == 45
    assert _key(clean_whole_number, "4.5") == "not_an_integer"
    assert clean_flag("yes") is True and clean_flag("否") is False
    assert _key(clean_flag, "maybe") == "not_a_flag"
    assert clean_currency("cny") == "CNY"
    assert _key(clean_currency, "RMB元") == "currency_invalid"


def test_dates() -> None:
    assert clean_date("2026-11-23") == "2026-11-23"
    assert clean_date(date(2026, 2, 1)) == "2026-02-01"
    assert _key(clean_date, "2026-02-30") == "date_invalid"
    assert _key(clean_date, "23/11/2026") == "date_invalid"


def test_moments_are_stored_in_utc_from_the_users_local_time() -> None:
    assert clean_datetime("2026-11-23 09:30", local_zone=SHANGHAI) == "2026-11-23T01:30:00Z"
    assert clean_datetime("2026-11-23T09:30:00Z", local_zone=SHANGHAI) == "2026-11-23T09:30:00Z"
    # A bare day is due that morning at nine, local time.
    assert clean_datetime("2026-11-24", local_zone=SHANGHAI) == "2026-11-24T01:00:00Z"
    assert clean_datetime(datetime(2026, 1, 1, tzinfo=UTC)) == "2026-01-01T00:00:00Z"
    assert _key(clean_datetime, "tomorrow") == "datetime_invalid"


def test_naive_moment_is_refused_where_code_must_be_explicit() -> None:
    with pytest.raises(ValueError, match="time zone"):
        iso_utc(datetime(2026, 1, 1))


def test_validation_error_lists_every_problem_in_plain_words() -> None:
    error = ValidationError(
        [Problem("name", "required"), Problem("probability", "probability_range", {"value": "150"})]
    )
    assert str(error) == ("Name is required. Probability (%) must be between 0 and 100 (got 150).")
    assert [p.field for p in error.problems] == ["name", "probability"]
