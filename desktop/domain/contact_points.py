"""Phone numbers and e-mail addresses: checked, stored in one canonical form, shown readably.

Phones are stored as E.164 ("+8613800138000"), so the same number typed as "138 0013 8000" or
"+86 138-0013-8000" is one number for search and duplicate checks; an extension is kept after
" ext. ". Numbers without a country code are read as Chinese (region CN) unless told otherwise.

`phonenumbers` and `email_validator` are imported on first use, not with this module: together
they cost about 0.2 s, and the app imports this module on every start but needs them only once
someone types or shows a phone number or e-mail address.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from desktop.domain.messages import InvalidValue

if TYPE_CHECKING:
    import phonenumbers

DEFAULT_REGION = "CN"
EXTENSION_SEPARATOR = " ext. "


def _parse(text: str, region: str) -> phonenumbers.PhoneNumber:
    import phonenumbers

    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as error:
        raise InvalidValue("phone_invalid", value=text) from error
    if not phonenumbers.is_valid_number(number):
        raise InvalidValue("phone_invalid", value=text)
    return number


def normalise_phone(value: object, *, region: str = DEFAULT_REGION) -> str:
    """E.164 (plus " ext. N" when given); raises InvalidValue for anything not a real number."""
    import phonenumbers

    number = _parse(str(value).strip(), region)
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return f"{e164}{EXTENSION_SEPARATOR}{number.extension}" if number.extension else e164


def format_phone(stored: str | None, *, region: str = DEFAULT_REGION) -> str:
    """How a stored number is shown: national form at home ("138 0013 8000"), international
    abroad ("+44 20 7946 0958"). Text that is not a number (old data) is shown unchanged."""
    if not stored:
        return ""
    import phonenumbers

    try:
        number = phonenumbers.parse(stored, region)
    except phonenumbers.NumberParseException:
        return stored
    home = phonenumbers.region_code_for_number(number) == region
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if home
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)


def normalise_email(value: object) -> str:
    """Syntax check only (no DNS: field staff are often offline); returns the normalised form."""
    from email_validator import EmailNotValidError, validate_email

    text = str(value).strip()
    try:
        return str(validate_email(text, check_deliverability=False).normalized)
    except EmailNotValidError as error:
        raise InvalidValue("email_invalid", value=text, reason=str(error)) from error
