"""SQLAlchemy columns for the synced fields, so client and server tables share one definition."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, Column, Float, Integer, String, Text
from sqlalchemy.types import TypeEngine

from protocol.entities import EntitySpec, FieldSpec, FieldType


def _column_type(field: FieldSpec) -> TypeEngine[Any]:
    if field.type in (FieldType.REF, FieldType.DATE, FieldType.DATETIME):
        return String(40)  # UUIDs and ISO text: sort correctly and cross the wire unchanged
    if field.type is FieldType.TEXT:
        return String(field.max_length or 200)
    simple: dict[FieldType, TypeEngine[Any]] = {
        FieldType.LONG_TEXT: Text(),
        FieldType.INT: Integer(),
        FieldType.NUMBER: Float(),
        FieldType.BOOL: Boolean(),
    }
    return simple[field.type]


def synced_columns(spec: EntitySpec) -> list[Column[Any]]:
    """One nullable column per synced field (required-ness is checked by validation, not SQL,
    so a replica can always store what the server sends)."""
    return [Column(field.name, _column_type(field), nullable=True) for field in spec.fields]
