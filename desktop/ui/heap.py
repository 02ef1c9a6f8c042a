"""Keeping Python's full garbage collections short, so the UI thread never waits on one.

A full (generation 2) collection walks every object the collector tracks while holding the GIL, in
whichever thread set it off; the sync thread, which decodes thousands of rows a page, sets off
most of them. With PySide6 and the application loaded that walk took 75 ms on a 2-core laptop, and
the UI thread waited for all of it (`bench/ui_sync.py` counts the collections). Nearly everything
alive once the main window is shown lives as long as the process (modules, Qt wrappers,
translations), so it is moved out of the collector's sight: later full collections walk only what
was made since. Freezing is a pointer move, so it costs the UI nothing itself.
"""

from __future__ import annotations

import gc


def freeze_long_lived_objects() -> None:
    """Exempt every object alive now from future collections.

    Reference counting still frees them when they are dropped; only a reference cycle among them
    would outlive its use, which for start-up objects means never in practice."""
    gc.freeze()
