"""What every screen receives: `SomeView(context=..., parent=None)`.

Built once at the composition root (`desktop.app`) and passed down; there are no globals. The
engine is for read-only lazy models on the UI thread (single-row and page reads that take a
millisecond); every write and every multi-row read goes through `tasks.run_db`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication
from sqlalchemy import Engine

from desktop.ui.sync_controller import SyncController
from desktop.ui.task_runner import TaskRunner

if TYPE_CHECKING:
    from desktop.settings import Settings

Translate = Callable[[str, str], str]
"""`translate(context, source_text)`: the hook screens use for strings built outside a QObject."""


def qt_translate(context: str, text: str) -> str:
    return QCoreApplication.translate(context, text)


@dataclass(frozen=True)
class UiContext:
    engine: Engine
    tasks: TaskRunner
    settings: Settings
    sync: SyncController
    user_id: str | None  # None until the first sign-in brings the user's record
    translate: Translate = field(default=qt_translate)
