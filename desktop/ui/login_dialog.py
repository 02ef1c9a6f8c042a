"""The sign-in dialog: server address, user, password, remember.

The server address comes preset from the machine-wide settings when IT set one, and is then
locked. Signing in runs on the network pool through the task runner; the dialog stays responsive
and turns every failure into a sentence that says what to do (wrong password, server unreachable,
upgrade required ...). Without a usable keyring the dialog says the password will be asked for
each time instead of offering to remember it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlparse

from PySide6.QtCore import QCoreApplication, QEvent, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.sync.credentials import CredentialStorage
from desktop.sync.errors import (
    BadCredentials,
    Deactivated,
    Offline,
    ServerError,
    SyncError,
    Throttled,
    UpgradeRequired,
    Wipe,
)
from desktop.ui.i18n import retranslate_on_change
from desktop.ui.task_runner import TaskRunner

ERROR_STYLE = "color: #b3261e;"
NOTICE_STYLE = "color: #7a5c00;"


@dataclass(frozen=True)
class LoginForm:
    server_url: str
    login: str
    password: str
    remember: bool  # keep the sign-in in the system keyring


SignIn = Callable[[LoginForm], object]
"""Signs in on a network thread (raises a `SyncError` subclass on failure); the result is
passed on unchanged in `signed_in`."""


def normalized_server_url(text: str) -> str:
    """The address as typed, trimmed; "fieldbook.example.com" gets https:// in front."""
    address = text.strip().rstrip("/")
    if address and "://" not in address:
        address = f"https://{address}"
    return address


def server_url_problem(address: str) -> str | None:
    """Why an address cannot be used, or None."""
    if not address:
        return QCoreApplication.translate("LoginDialog", "Enter the server address.")
    parsed = urlparse(address)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        return QCoreApplication.translate(
            "LoginDialog", "The server address must look like https://crm.example.com."
        )
    return None


def sign_in_failure_message(error: BaseException, *, server_url: str) -> str:
    """A sentence a person can act on, for each way signing in fails."""

    if isinstance(error, BadCredentials):
        return QCoreApplication.translate("LoginDialog", "Wrong user name or password.")
    if isinstance(error, Throttled):
        return QCoreApplication.translate(
            "LoginDialog", "Too many failed attempts. Wait 15 minutes, then try again."
        )
    if isinstance(error, UpgradeRequired):
        return QCoreApplication.translate(
            "LoginDialog",
            "This version of Fieldbook is too old for the server. Install the update from your "
            "IT department; your unsynced changes are kept.",
        )
    if isinstance(error, Deactivated | Wipe):
        return QCoreApplication.translate(
            "LoginDialog", "This account has been closed. Ask your manager or administrator."
        )
    if isinstance(error, Offline):
        return QCoreApplication.translate(
            "LoginDialog",
            "The server %1 cannot be reached. Check the address and your network connection; "
            "you can keep working offline.",
        ).replace("%1", server_url)
    if isinstance(error, ServerError):
        return QCoreApplication.translate(
            "LoginDialog", "The server had a problem. Try again in a few minutes."
        )
    if isinstance(error, SyncError):
        return error.message
    return QCoreApplication.translate("LoginDialog", "Signing in failed: %1").replace(
        "%1", str(error) or type(error).__name__
    )


class LoginDialog(QDialog):
    signed_in = Signal(object, object)  # LoginForm (password blanked), the sign-in's result

    def __init__(
        self,
        *,
        tasks: TaskRunner,
        sign_in: SignIn,
        server_url: str = "",
        server_url_locked: bool = False,
        login: str = "",
        credential_storage: CredentialStorage = "keyring",
        remember_allowed: bool = True,  # the `privacy.remember_password` policy
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("login_dialog")
        self._tasks = tasks
        self._sign_in = sign_in
        self._credential_storage = credential_storage
        self._remember_allowed = remember_allowed
        self.busy = False

        self._heading = QLabel()
        self._heading.setWordWrap(True)
        self.server_edit = QLineEdit(server_url)
        self.server_edit.setObjectName("server_edit")
        self.server_edit.setReadOnly(server_url_locked)
        self.server_edit.setEnabled(not server_url_locked)
        self.server_locked_label = QLabel()
        self.server_locked_label.setVisible(server_url_locked)
        self.server_locked_label.setWordWrap(True)
        self.login_edit = QLineEdit(login)
        self.login_edit.setObjectName("login_edit")
        self.password_edit = QLineEdit()
        self.password_edit.setObjectName("password_edit")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.remember_box = QCheckBox()
        self.remember_box.setObjectName("remember_box")
        can_remember = credential_storage == "keyring" and remember_allowed
        self.remember_box.setChecked(can_remember)
        self.remember_box.setEnabled(can_remember)
        self.keyring_notice = QLabel()
        self.keyring_notice.setObjectName("keyring_notice")
        self.keyring_notice.setWordWrap(True)
        self.keyring_notice.setStyleSheet(NOTICE_STYLE)
        self.keyring_notice.setVisible(not can_remember)
        self.error_label = QLabel()
        self.error_label.setObjectName("login_error")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(ERROR_STYLE)
        self.error_label.hide()

        self._server_label = QLabel()
        self._login_label = QLabel()
        self._password_label = QLabel()
        self._form = QFormLayout()
        self._form.addRow(self._server_label, self.server_edit)
        self._form.addRow("", self.server_locked_label)
        self._form.addRow(self._login_label, self.login_edit)
        self._form.addRow(self._password_label, self.password_edit)
        self._form.addRow("", self.remember_box)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.sign_in_button: QPushButton = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.sign_in_button.setObjectName("sign_in_button")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self._heading)
        layout.addLayout(self._form)
        layout.addWidget(self.keyring_notice)
        layout.addWidget(self.error_label)
        layout.addStretch(1)  # extra height goes below the messages, not between the fields
        layout.addWidget(self.buttons)
        self.setMinimumWidth(420)
        self.retranslate()
        first_empty = next(
            (
                edit
                for edit in (self.server_edit, self.login_edit, self.password_edit)
                if edit.isEnabled() and not edit.text()
            ),
            self.password_edit,
        )
        first_empty.setFocus()

    def form(self) -> LoginForm:
        return LoginForm(
            server_url=normalized_server_url(self.server_edit.text()),
            login=self.login_edit.text().strip(),
            password=self.password_edit.text(),
            remember=self.remember_box.isChecked() and self.remember_box.isEnabled(),
        )

    def _problem(self, form: LoginForm) -> str | None:
        problem = server_url_problem(form.server_url)
        if problem:
            return problem
        if not form.login:
            return self.tr("Enter your user name.")
        if not form.password:
            return self.tr("Enter your password.")
        return None

    def submit(self) -> None:
        """Validate, then sign in on the network pool; the dialog closes only on success."""
        if self.busy:
            return
        form = self.form()
        problem = self._problem(form)
        if problem:
            self.show_error(problem)
            return
        self.error_label.hide()
        self._set_busy(True)
        sign_in = self._sign_in
        self._tasks.run_net(
            lambda: sign_in(form),
            on_done=lambda result: self._on_signed_in(form, result),
            on_error=lambda error: self._on_sign_in_failed(form, error),
            owner=self,
            description="sign in",
        )

    def _on_signed_in(self, form: LoginForm, result: object) -> None:
        self._set_busy(False)
        self.password_edit.clear()  # the password never outlives the dialog
        safe = LoginForm(form.server_url, form.login, "", form.remember)
        self.signed_in.emit(safe, result)
        self.accept()

    def _on_sign_in_failed(self, form: LoginForm, error: BaseException) -> None:
        self._set_busy(False)
        self.show_error(sign_in_failure_message(error, server_url=form.server_url))
        if isinstance(error, BadCredentials):
            self.password_edit.selectAll()
            self.password_edit.setFocus()

    def show_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.show()

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.sign_in_button.setEnabled(not busy)
        self.sign_in_button.setText(self.tr("Signing in…") if busy else self.tr("Sign in"))

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Sign in to Fieldbook"))
        self._heading.setText(
            self.tr("Sign in with the account your firm gave you. You can work offline afterwards.")
        )
        self._server_label.setText(self.tr("Server:"))
        self._login_label.setText(self.tr("User name:"))
        self._password_label.setText(self.tr("Password:"))
        self.server_locked_label.setText(self.tr("Set by your IT department."))
        self.remember_box.setText(self.tr("Remember me on this computer"))
        self.server_edit.setPlaceholderText("https://crm.example.com")
        if not self._remember_allowed:
            notice = self.tr(
                "Your firm does not allow remembering the password: you will be asked each time."
            )
        else:
            notice = self.tr(
                "No keyring on this system: you will be asked for your password each time."
            )
        self.keyring_notice.setText(notice)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Cancel"))
        self._set_busy(self.busy)

    def changeEvent(self, event: QEvent) -> None:
        retranslate_on_change(event, self.retranslate)
        super().changeEvent(event)
