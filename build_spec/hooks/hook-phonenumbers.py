"""Replaces the stock phonenumbers hook, which bundles every submodule: the app only parses,
checks and formats numbers, so the place-name, carrier and time-zone tables (about 40 MB of
source) stay out, and PyInstaller does not warn about each of them being excluded."""

from PyInstaller.utils.hooks import collect_submodules

UNUSED = ("geocoder", "geodata", "carrier", "carrierdata", "timezone", "tzdata")

hiddenimports = collect_submodules(
    "phonenumbers",
    filter=lambda name: not any(f"phonenumbers.{part}" in name for part in UNUSED),
)
