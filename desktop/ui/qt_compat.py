"""Work-arounds for defects of the Qt binding that would otherwise crash the app.

PySide6 6.12.0: `SignalInstance.emit()` returns `True` without taking a new reference, so every
signal emitted from Python drops one reference to the interpreter's `True`. On Python 3.11, where
`True` is not immortal, the count reaches zero after a few thousand emissions (minutes of use, or
one run of the test suite) and the process aborts with "bool_dealloc: deallocating True or
False". `guard_signal_emit_refcount` measures whether this binding has the defect and, only then,
gives `True` a reference count no session can use up. Call it once at start-up, before the first
signal is emitted (the composition root and the test configuration do).
"""

from __future__ import annotations

import ctypes
import sys

from PySide6.QtCore import QObject, Signal

_PROBE_EMISSIONS = 64
# 2**40 emissions would take decades at a million signals a second.
_RESERVE = 1 << 40


class _Probe(QObject):
    fired = Signal(str)


def signal_emit_drops_true_reference() -> bool:
    """True when emitting a signal from Python lowers `True`'s reference count (the defect)."""
    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(_PROBE_EMISSIONS):
        probe.fired.emit("probe")
    lost = before - sys.getrefcount(True)
    probe.deleteLater()
    return lost >= _PROBE_EMISSIONS


def guard_signal_emit_refcount() -> bool:
    """Apply the work-around when this binding needs it; returns whether it was applied.
    Safe to call more than once."""
    if sys.getrefcount(True) > _RESERVE:
        return True  # applied before
    if not signal_emit_drops_true_reference():
        return False
    # The reference count is the first field of every CPython object (`ob_refcnt`).
    refcount = ctypes.c_ssize_t.from_address(id(True))
    refcount.value += _RESERVE
    return True
