"""Saved views of the customer list: a name for a set of filters and a sort, kept per user.

They live in `customer_views.json` next to the user's settings file: the settings layer declares
typed scalar keys only, and a list of named filters is a document of its own. Written atomically
(temporary file, then rename) so a crash never leaves half a file; a file that cannot be read is
kept aside under another name, reported, and the list starts empty rather than failing.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from desktop.operations.customers import CustomerFilter, CustomerSort

log = logging.getLogger(__name__)

FILE_NAME = "customer_views.json"
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


class SavedViewStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.problem: str | None = None  # why the file could not be read, for the status bar
        self._views: dict[str, SavedView] = {}
        self._load()

    @classmethod
    def beside(cls, settings_path: Path) -> SavedViewStore:
        return cls(settings_path.with_name(FILE_NAME))

    def views(self) -> list[SavedView]:
        return sorted(self._views.values(), key=lambda view: view.name.casefold())

    def get(self, name: str) -> SavedView | None:
        return self._views.get(name)

    def save(self, view: SavedView) -> None:
        """Add or replace (by name) and write the file at once."""
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
        if not self.path.exists():
            return
        try:
            document = json.loads(self.path.read_text(encoding="utf-8"))
            views = [SavedView.from_json(item) for item in document["views"]]
        except (OSError, ValueError, KeyError, TypeError) as error:
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            kept = self.path.with_name(f"{self.path.name}.unreadable-{stamp}")
            self.problem = (
                f"Saved views in {self.path} could not be read ({error}); kept as {kept}."
            )
            log.warning(self.problem)
            self.path.replace(kept)
            return
        self._views = {view.name: view for view in views}

    def _write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        document = {"views": [view.to_json() for view in self.views()]}
        temporary = self.path.with_name(f"{self.path.name}.tmp")
        temporary.write_text(
            json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        temporary.replace(self.path)
