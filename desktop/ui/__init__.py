"""The PySide6 desktop interface: screens, models, dialogs and the background task runner.

Only this package and the composition root (`desktop.app`) import PySide6; nothing imports it.
"""
