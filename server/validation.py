"""Checking pushed field values against `protocol.entities` before anything is written."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any
from uuid import UUID

from protocol.entities import EntitySpec, FieldSpec, FieldType

# Bookkeeping the server owns: a client may never set these through `fields`.
SERVER_FIELDS = frozenset({"id", "version", "archived", "deleted", "updated_at", "updated_by"})


class InvalidValues(ValueError):
    """A pushed mutation whose values do not fit the record; the message says which and why."""


def _check_value(spec: FieldSpec, value: Any) -> Any:
    """The value to store, or raise InvalidValues. None clears a field."""
    if value is None:
        return None
    kind = spec.type
    if kind in (FieldType.TEXT, FieldType.LONG_TEXT):
        if not isinstance(value, str):
            raise InvalidValues(f"{spec.name} must be text")
        if spec.max_length is not None and len(value) > spec.max_length:
            raise InvalidValues(f"{spec.name} is longer than {spec.max_length} characters")
        if "\x00" in value:
            raise InvalidValues(f"{spec.name} contains a NUL character")
        return value
    if kind is FieldType.INT:
        if isinstance(value, bool) or not isinstance(value, int) or abs(value) >= 2**63:
            raise InvalidValues(f"{spec.name} must be a whole number")
        return value
    if kind is FieldType.NUMBER:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidValues(f"{spec.name} must be a number")
        if not math.isfinite(float(value)):
            raise InvalidValues(f"{spec.name} must be a finite number")
        return float(value)
    if kind is FieldType.BOOL:
        if not isinstance(value, bool):
            raise InvalidValues(f"{spec.name} must be true or false")
        return value
    if not isinstance(value, str):
        raise InvalidValues(f"{spec.name} must be a string")
    try:
        if kind is FieldType.DATE:
            date.fromisoformat(value)
        elif kind is FieldType.DATETIME:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        else:  # REF
            return str(UUID(value))
    except ValueError as exc:
        raise InvalidValues(f"{spec.name}: {value[:60]!r} is not a valid {kind.value}") from exc
    return value


def clean_fields(spec: EntitySpec, values: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    """Validated, normalised values; on create every required field must be present."""
    known = set(spec.field_names)
    unknown = sorted(set(values) - known)
    if unknown:
        shown = ", ".join(name[:40] for name in unknown[:5])
        raise InvalidValues(f"{spec.name} has no field(s) {shown}")
    cleaned = {name: _check_value(spec.field(name), value) for name, value in values.items()}
    for field in spec.fields:
        if not field.required:
            continue
        present = field.name in cleaned
        if (creating and not present) or (present and cleaned[field.name] in (None, "")):
            raise InvalidValues(f"{spec.name}.{field.name} is required")
    return cleaned
