"""The save flow shared by the dialogs that write one record on the database thread.

While a save is in flight the buttons are disabled (a second click must not write twice); a
refusal is shown in the dialog's error label and the dialog stays open, so nothing typed is lost.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel

from desktop.domain.messages import ValidationError
from desktop.store.engine import is_database_busy
from desktop.ui.context import UiContext
from desktop.ui.customer_file_view import problem_text


class SavingDialog(QDialog):
    save_refused = Signal(str)  # the message shown

    # Built by each dialog in its own layout.
    saving: bool
    buttons: QDialogButtonBox
    error_label: QLabel
    _context: UiContext

    def _begin_save(self) -> None:
        self.saving = True
        self.buttons.setEnabled(False)

    def _end_save(self) -> None:
        self.saving = False
        self.buttons.setEnabled(True)

    def _saved(self, *, pending_changes: int) -> None:
        """End the save and tell sync there is a local write to push."""
        self._end_save()
        self._context.sync.note_local_write(pending_changes=pending_changes)

    def _save_failed(self, error: BaseException, *, not_saved: str) -> None:
        """End the save and say why: each validation problem, else `not_saved` (the dialog's own
        translation of "Not saved: %1", so it keeps its translation context) with the error."""
        self._end_save()
        if isinstance(error, ValidationError):
            self._refuse(" ".join(problem_text(problem) for problem in error.problems))
        elif is_database_busy(error):
            self._refuse(
                QCoreApplication.translate(
                    "SavingDialog",
                    "Not saved yet: the local data is busy with a long sync step (such as "
                    "building the search index after the first sync). What you typed is still "
                    "here: save again in a moment.",
                )
            )
        else:
            self._refuse(not_saved.replace("%1", str(error)))

    def _refuse(self, message: str) -> None:
        self.error_label.setText(message)
        self.save_refused.emit(message)
