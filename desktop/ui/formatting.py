"""Showing stored values to people: UTC timestamps in local time, picklist values as labels."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from functools import lru_cache

from PySide6.QtCore import QDateTime, QLocale, QTimeZone

from desktop.domain.contact_points import format_phone
from desktop.domain.models import PicklistEntry

PicklistLabels = dict[str, dict[str, str]]  # kind -> value -> label


def parse_timestamp(text: str | None) -> datetime | None:
    """Stored times are ISO 8601 UTC ("2026-11-23T09:30:00Z"); a bare date counts as midnight."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def format_timestamp(text: str | None, locale: QLocale) -> str:
    """Local date and time in the locale's short format; unparseable text is shown as it is."""
    moment = parse_timestamp(text)
    if moment is None:
        return text or ""
    utc = QDateTime.fromSecsSinceEpoch(int(moment.timestamp()), QTimeZone.utc())
    return locale.toString(utc.toLocalTime(), QLocale.FormatType.ShortFormat)


def uses_chinese(locale: QLocale) -> bool:
    return locale.language() == QLocale.Language.Chinese


def picklist_labels(entries: Iterable[PicklistEntry], *, chinese: bool) -> PicklistLabels:
    labels: PicklistLabels = {}
    for entry in entries:
        labels.setdefault(entry.kind, {})[entry.value] = (
            entry.label_zh if chinese else entry.label_en
        )
    return labels


@lru_cache(maxsize=4096)
def display_phone(stored: str | None) -> str:
    """A stored E.164 number as people read it ("138 0013 8000" at home, "+44 20 7946 0958"
    abroad). Cached: table cells ask again at every repaint."""
    return format_phone(stored)
