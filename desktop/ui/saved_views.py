"""Saved views of the customer list: a name for a set of filters and a sort, kept per user.

They live in the user's settings under `ui.customer_views` (JSON text), so they travel with the
settings file, are written atomically with it, and `fieldbook settings` shows them. Earlier
versions kept them in `customer_views.json` next to the settings file: that file is read once,
its views move into the setting, and it is renamed so it is not read again (nothing is deleted).
Views that cannot be read are reported and kept aside (the old text stays in the settings file's
`.unreadable` copy or the side file), and the list starts empty rather than failing.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from desktop.operations.customers import CustomerFilter, CustomerSort
from desktop.settings import Settings, SettingsError

log = logging.getLogger(__name__)

SETTING = "ui.customer_views"
LEGACY_FILE_NAME = "customer_views.json"  # where views were kept before the setting existed
_FILTER_FIELDS = tuple(field.name for field in fields(CustomerFilter))


@dataclass(frozen=True)
class SavedView:
    name: str
    criteria: CustomerFilter
    sort: CustomerSort = CustomerSort.NAME
    descending: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "filter": asdict(self.criteria),
            "sort": self.sort.value,
            "descending": self.descending,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SavedView:
        raw_filter = data.get("filter") or {}
        criteria = CustomerFilter(**{k: v for k, v in raw_filter.items() if k in _FILTER_FIELDS})
        return cls(
            name=str(data["name"]),
            criteria=criteria,
            sort=CustomerSort(data.get("sort", CustomerSort.NAME.value)),
            descending=bool(data.get("descending", False)),
        )


def _parse(text: str) -> list[SavedView]:
    """Views from their JSON text; ValueError (with the cause) when it is not readable."""
    try:
        document = json.loads(text)
        return [SavedView.from_json(item) for item in document["views"]]
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(str(error) or type(error).__name__) from error


class SavedViewStore:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self.problem: str | None = None  # why views could not be read, for the status bar
        self._views: dict[str, SavedView] = {}
        self._load()

    @property
    def legacy_path(self) -> Path:
        return self._settings.user_path.with_name(LEGACY_FILE_NAME)

    def views(self) -> list[SavedView]:
        return sorted(self._views.values(), key=lambda view: view.name.casefold())

    def get(self, name: str) -> SavedView | None:
        return self._views.get(name)

    def save(self, view: SavedView) -> None:
        """Add or replace (by name) and write the settings at once."""
        name = view.name.strip()
        if not name:
            raise ValueError("A saved view needs a name.")
        self._views[name] = SavedView(name, view.criteria, view.sort, view.descending)
        self._write()

    def delete(self, name: str) -> bool:
        if self._views.pop(name, None) is None:
            return False
        self._write()
        return True

    def _load(self) -> None:
        text = str(self._settings.get(SETTING) or "")
        if not text:
            self._import_legacy_file()
            return
        try:
            views = _parse(text)
        except ValueError as error:
            # The settings file itself keeps the text until the next save; say where it went.
            kept = self._keep_aside(text)
            self.problem = f"Saved views could not be read ({error}); kept as {kept}."
            log.warning(self.problem)
            return
        self._views = {view.name: view for view in views}

    def _import_legacy_file(self) -> None:
        path = self.legacy_path
        if not path.exists():
            return
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        try:
            views = _parse(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            kept = path.with_name(f"{path.name}.unreadable-{stamp}")
            self.problem = f"Saved views in {path} could not be read ({error}); kept as {kept}."
            log.warning(self.problem)
            path.replace(kept)
            return
        self._views = {view.name: view for view in views}
        self._write()
        # Renamed, not deleted: the setting holds the views now, the file stays for reference.
        path.replace(path.with_name(f"{path.name}.imported-{stamp}"))

    def _keep_aside(self, text: str) -> Path:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        kept = self.legacy_path.with_name(f"{LEGACY_FILE_NAME}.unreadable-{stamp}")
        kept.parent.mkdir(parents=True, exist_ok=True)
        kept.write_text(text, encoding="utf-8")
        return kept

    def _write(self) -> None:
        document = {"views": [view.to_json() for view in self.views()]}
        try:
            self._settings.set(SETTING, json.dumps(document, ensure_ascii=False))
        except (OSError, SettingsError) as error:
            raise ValueError(f"Saved views could not be stored: {error}") from error
