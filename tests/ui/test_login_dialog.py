"""The sign-in dialog: locked server address, keyring notice, clear messages for each failure."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from desktop.sync.errors import BadCredentials, Offline, Throttled, UpgradeRequired
from desktop.ui.login_dialog import LoginDialog, LoginForm, normalized_server_url
from tests.ui.test_pipeline_view import tasks  # noqa: F401 (shared fixture)

# The offscreen platform warns when a top-level window is shown; that says nothing about us.
pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


class FakeServer:
    """Signs in like the sync layer would: raises its typed errors, or returns a user id."""

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.forms: list[LoginForm] = []

    def __call__(self, form: LoginForm) -> str:
        self.forms.append(form)
        if self.error is not None:
            raise self.error
        return "u-li"


def _dialog(qtbot, tasks, server: FakeServer, **options) -> LoginDialog:  # noqa: F811
    dialog = LoginDialog(tasks=tasks, sign_in=server, **options)
    qtbot.addWidget(dialog)
    return dialog


def _fill(qtbot, dialog: LoginDialog, password: str = "s3cret") -> None:
    dialog.login_edit.setText("li.lei")
    qtbot.keyClicks(dialog.password_edit, password)


def test_a_server_address_set_by_it_is_preset_and_locked(qtbot, tasks):  # noqa: F811
    dialog = _dialog(
        qtbot, tasks, FakeServer(), server_url="https://crm.firm.cn", server_url_locked=True
    )
    assert dialog.server_edit.text() == "https://crm.firm.cn"
    assert not dialog.server_edit.isEnabled()
    assert not dialog.server_locked_label.isHidden()
    assert dialog.server_locked_label.text() == "Set by your IT department."


def test_without_a_keyring_it_says_the_password_is_asked_each_time(qtbot, tasks):  # noqa: F811
    dialog = _dialog(qtbot, tasks, FakeServer(), credential_storage="session-only")
    assert not dialog.keyring_notice.isHidden()
    assert "asked for your password each time" in dialog.keyring_notice.text()
    assert not dialog.remember_box.isEnabled() and not dialog.form().remember
    with_keyring = _dialog(qtbot, tasks, FakeServer())
    assert with_keyring.keyring_notice.isHidden() and with_keyring.form().remember


@pytest.mark.parametrize(
    ("server_url", "login", "password", "message"),
    [
        ("", "li", "pw", "Enter the server address."),
        ("ftp://crm.firm.cn", "li", "pw", "The server address must look like"),
        ("crm.firm.cn", "", "pw", "Enter your user name."),
        ("crm.firm.cn", "li", "", "Enter your password."),
    ],
)
def test_missing_or_bad_input_is_named_and_nothing_is_sent(
    qtbot,
    tasks,  # noqa: F811
    server_url,
    login,
    password,
    message,
):
    server = FakeServer()
    dialog = _dialog(qtbot, tasks, server, server_url=server_url)
    dialog.login_edit.setText(login)
    dialog.password_edit.setText(password)
    dialog.sign_in_button.click()
    assert dialog.error_label.text().startswith(message)
    assert server.forms == []


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (BadCredentials("401"), "Wrong user name or password."),
        (Throttled("429"), "Too many failed attempts."),
        (UpgradeRequired("426"), "This version of Fieldbook is too old for the server."),
        (Offline("timeout"), "The server https://crm.firm.cn cannot be reached."),
    ],
)
def test_each_failure_gets_its_own_message_and_the_dialog_stays_open(
    qtbot,
    tasks,  # noqa: F811
    error,
    message,
):
    dialog = _dialog(qtbot, tasks, FakeServer(error), server_url="crm.firm.cn")
    dialog.show()  # Return reaches the default button only in a shown dialog
    _fill(qtbot, dialog)
    qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.error_label.isHidden(), timeout=5000)
    assert dialog.error_label.text().startswith(message)
    assert dialog.isVisible()
    assert dialog.sign_in_button.isEnabled()


def test_success_closes_the_dialog_and_forgets_the_password(qtbot, tasks):  # noqa: F811
    server = FakeServer()
    dialog = _dialog(qtbot, tasks, server, server_url="crm.firm.cn/", login="li.lei")
    qtbot.keyClicks(dialog.password_edit, "s3cret")
    with qtbot.waitSignal(dialog.signed_in, timeout=5000) as signed_in:
        dialog.sign_in_button.click()
    assert server.forms == [LoginForm("https://crm.firm.cn", "li.lei", "s3cret", True)]
    form, result = signed_in.args
    assert form.password == "" and result == "u-li"
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.password_edit.text() == ""


def test_addresses_are_normalized():
    assert normalized_server_url("  crm.firm.cn/ ") == "https://crm.firm.cn"
    assert normalized_server_url("http://10.0.0.5:8000") == "http://10.0.0.5:8000"


def test_a_policy_against_remembering_disables_it_and_says_so(qtbot, tasks):  # noqa: F811
    dialog = _dialog(qtbot, tasks, FakeServer(), remember_allowed=False)
    assert not dialog.remember_box.isEnabled() and not dialog.form().remember
    assert dialog.keyring_notice.text().startswith("Your firm does not allow remembering")
