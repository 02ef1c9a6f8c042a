"""The guard against the binding's signal-emit reference defect keeps `True` alive."""

import sys

from PySide6.QtCore import QObject, Signal

from desktop.ui.qt_compat import guard_signal_emit_refcount, signal_emit_drops_true_reference


class _Sender(QObject):
    sent = Signal(str)


def test_after_the_guard_many_emissions_cannot_use_up_true(qapp):
    applied = guard_signal_emit_refcount()
    assert guard_signal_emit_refcount() == applied  # idempotent
    if applied:
        assert sys.getrefcount(True) > 1 << 39  # the reserve is in place
    else:
        assert not signal_emit_drops_true_reference()  # this binding has no defect
    sender = _Sender()
    for _ in range(20_000):  # more than True's own count on a fresh 3.11 interpreter
        sender.sent.emit("x")
    assert True is not False and bool(1) is True
