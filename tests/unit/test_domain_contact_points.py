"""Phones (region CN by default, E.164 stored) and e-mail syntax (no DNS)."""

from __future__ import annotations

import pytest

from desktop.domain.contact_points import format_phone, normalise_email, normalise_phone
from desktop.domain.messages import InvalidValue


@pytest.mark.parametrize(
    ("typed", "stored", "shown"),
    [
        ("138 0013 8000", "+8613800138000", "138 0013 8000"),  # mobile
        ("13800138000", "+8613800138000", "138 0013 8000"),
        ("+86 138-0013-8000", "+8613800138000", "138 0013 8000"),
        ("0086 138 0013 8000", "+8613800138000", "138 0013 8000"),
        ("010-6552 9988", "+861065529988", "010 6552 9988"),  # Beijing landline
        ("+44 20 7946 0958", "+442079460958", "+44 20 7946 0958"),  # foreign: international
        ("+1 650 253 0000", "+16502530000", "+1 650-253-0000"),
        ("021 6234 5678 ext. 12", "+862162345678 ext. 12", "021 6234 5678 ext. 12"),
    ],
)
def test_phone_is_stored_as_e164_and_shown_readably(typed: str, stored: str, shown: str) -> None:
    assert normalise_phone(typed) == stored
    assert format_phone(stored) == shown


@pytest.mark.parametrize("typed", ["12345", "abc", "138 0013", "+86 999 9999 9999", ""])
def test_malformed_phone_is_refused_with_the_typed_text(typed: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        normalise_phone(typed)
    assert caught.value.key == "phone_invalid"
    assert caught.value.params["value"] == typed


def test_number_without_country_code_uses_the_given_region() -> None:
    assert normalise_phone("020 7946 0958", region="GB") == "+442079460958"
    assert format_phone("+442079460958", region="GB") == "020 7946 0958"


def test_old_free_text_phone_is_shown_unchanged() -> None:
    assert format_phone("ask reception") == "ask reception"
    assert format_phone(None) == ""


def test_email_is_normalised_without_dns() -> None:
    assert normalise_email(" Li.Wei@Example.COM ") == "Li.Wei@example.com"
    assert normalise_email("张伟@例子.中国") == "张伟@例子.中国"


@pytest.mark.parametrize("typed", ["bad@", "no-at-sign", "a@b", "two@@example.com"])
def test_malformed_email_is_refused_with_a_reason(typed: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        normalise_email(typed)
    assert caught.value.key == "email_invalid"
    assert caught.value.params["reason"]
