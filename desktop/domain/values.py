"""The enumerations of the domain and the rules that turn raw input into clean stored values.

Each rule takes what a person typed (or a value from code), returns the value to store, and
raises `InvalidValue` with a message key otherwise. Blank text means "no value" (None).
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, time, tzinfo
from enum import StrEnum

from desktop.domain.messages import InvalidValue


class CustomerKind(StrEnum):
    COMPANY = "company"
    PERSON = "person"


class AccountType(StrEnum):
    CUSTOMER = "customer"
    PARTNER = "partner"
    COMPETITOR = "competitor"


class ActivityKind(StrEnum):
    VISIT = "visit"  # 拜访
    CALL = "call"  # 电话
    MEETING = "meeting"  # 会议
    EMAIL = "email"
    NOTE = "note"
    RETURN_VISIT = "return_visit"  # 回访


class Priority(StrEnum):
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"


class BuyingRole(StrEnum):
    DECISION_MAKER = "decision_maker"  # 决策者
    INFLUENCER = "influencer"  # 影响者
    USER = "user"  # 使用者
    BUYER = "buyer"  # 采购者


class OpportunityStatus(StrEnum):
    OPEN = "open"
    WON = "won"
    LOST = "lost"


# A follow-up given only a day is due that morning, local time: early enough to be reminded.
DEFAULT_DUE_TIME = time(9, 0)

_CURRENCY = re.compile(r"^[A-Z]{3}$")


def blank_to_none(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, str):
        stripped = value.strip()
        return stripped or None
    return value


def clean_text(value: object) -> str:
    return str(value).strip()


def clean_choice(value: object, choices: type[StrEnum]) -> str:
    text = clean_text(value).lower()
    allowed = [member.value for member in choices]
    if text not in allowed:
        raise InvalidValue("not_a_choice", value=value, choices=", ".join(allowed))
    return text


def clean_number(value: object) -> float:
    if isinstance(value, bool):
        raise InvalidValue("not_a_number", value=value)
    try:
        # Thousands separators are common in typed amounts ("1,200,000").
        number = (
            float(value) if isinstance(value, int | float) else float(str(value).replace(",", ""))
        )
    except ValueError as error:
        raise InvalidValue("not_a_number", value=value) from error
    if not math.isfinite(number):
        raise InvalidValue("not_a_number", value=value)
    return number


def clean_amount(value: object) -> float:
    amount = clean_number(value)
    if amount < 0:
        raise InvalidValue("negative", value=value)
    return amount


def clean_probability(value: object) -> float:
    text = str(value).strip().removesuffix("%") if isinstance(value, str) else value
    probability = clean_number(text)
    if not 0 <= probability <= 100:
        raise InvalidValue("probability_range", value=value)
    return probability


def clean_whole_number(value: object) -> int:
    number = clean_number(value)
    if not number.is_integer():
        raise InvalidValue("not_an_integer", value=value)
    if number < 0:
        raise InvalidValue("negative", value=value)
    return int(number)


def clean_flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = clean_text(value).lower()
    if text in ("1", "true", "yes", "y", "是"):
        return True
    if text in ("0", "false", "no", "n", "否"):
        return False
    raise InvalidValue("not_a_flag", value=value)


def clean_currency(value: object) -> str:
    code = clean_text(value).upper()
    if not _CURRENCY.match(code):
        raise InvalidValue("currency_invalid", value=value)
    return code


def clean_date(value: object) -> str:
    """An ISO date string, e.g. "2026-11-23"."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    try:
        return date.fromisoformat(clean_text(value)).isoformat()
    except ValueError as error:
        raise InvalidValue("date_invalid", value=value) from error


def iso_utc(moment: datetime) -> str:
    """The stored form of a moment: ISO 8601 UTC with a Z, to the second."""
    if moment.tzinfo is None:
        raise ValueError("a moment needs a time zone; naive datetimes are ambiguous")
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def clean_datetime(value: object, *, local_zone: tzinfo | None = None) -> str:
    """A moment as ISO UTC text. Input without a zone is the user's local time (`local_zone`,
    default: this machine's); a bare date means that day at DEFAULT_DUE_TIME."""
    zone = local_zone or datetime.now().astimezone().tzinfo
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, DEFAULT_DUE_TIME)
    else:
        text = clean_text(value)
        try:
            if len(text) == 10:
                moment = datetime.combine(date.fromisoformat(text), DEFAULT_DUE_TIME)
            else:
                moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError as error:
            raise InvalidValue("datetime_invalid", value=value) from error
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return iso_utc(moment)
