"""Pinyin readings for the search index, loaded on first use in a compact form.

pypinyin's dictionaries (`pypinyin.constants`) hold every reading of 47,000 phrases as nested
lists with tone marks: importing them costs about 58 MB of RSS and most of a second, paid by
every start of the app even when no Chinese name is ever indexed. The index needs only the first
reading of each character and of each phrase of two to four characters, without tones. So the
two JSON files that ship with pypinyin are read here directly (importing the `pypinyin` package
would load its full dictionaries), only when the first Chinese name is indexed, into plain
`str -> str` tables: about 26 MB, measured.

The JSON text is scanned with regular expressions rather than `json.loads`: building the nested
lists first and compacting them afterwards peaks at twice the memory, which the allocator does
not give back. `tests/unit/test_search_pinyin.py` checks the result against pypinyin's own tables.
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

LONGEST_PHRASE = 4  # longer entries in pypinyin's phrase list are idioms, not name parts
TONELESS = str.maketrans("āáǎàēéěèêīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ", "aaaaeeeeeiiiioooouuuuvvvvvnnnm")

# `"银行": [["yín"], ["háng"]]` as pypinyin writes it (one list of readings per character, over
# several lines); the lookahead makes the match end at the phrase's own closing bracket.
_PHRASE_ENTRY = re.compile(r'"([^"]+)":\s*\[(.*?)\]\s*\](?=\s*[,}])', re.S)
_FIRST_READING = re.compile(r'\[\s*"([^"]*)"')
# `"38134": "yín,kěn"`: a code point and its readings, most common first.
_CHARACTER_ENTRY = re.compile(r'"(\d+)":\s*"([^",]*)')
_ALL_READINGS_ENTRY = re.compile(r'"(\d+)":\s*"([^"]*,[^"]*)"')  # only those with several
OTHER_READINGS_KEPT = 3  # beyond the first; enough for every surname reading seen in practice


@dataclass(frozen=True)
class PinyinReadings:
    phrases: dict[str, str]  # phrase of 2-4 characters -> toneless syllables joined by spaces
    characters: dict[str, str]  # one character -> its most common toneless syllable
    # one character -> its other toneless syllables, for characters that have any (曾: zeng)
    other_readings: dict[str, tuple[str, ...]]


class PinyinDataMissing(RuntimeError):
    """pypinyin's dictionary files are not where the installed package should have them."""


def _pypinyin_folder() -> Path:
    # find_spec locates a top-level package without importing it (importing loads the tables).
    spec = importlib.util.find_spec("pypinyin")
    if spec is None or not spec.submodule_search_locations:
        raise PinyinDataMissing("pypinyin is not installed: Chinese names cannot get pinyin")
    return Path(next(iter(spec.submodule_search_locations)))


def _read(name: str) -> str:
    path = _pypinyin_folder() / name
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise PinyinDataMissing(f"cannot read pypinyin's {name} at {path}: {error}") from error


def parse_phrases(text: str) -> dict[str, str]:
    phrases: dict[str, str] = {}
    for match in _PHRASE_ENTRY.finditer(text):
        phrase = match.group(1)
        if 2 <= len(phrase) <= LONGEST_PHRASE:
            readings = _FIRST_READING.findall(match.group(2))
            phrases[phrase] = " ".join(readings).translate(TONELESS)
    return phrases


def parse_characters(text: str) -> dict[str, str]:
    return {
        chr(int(code_point)): reading.translate(TONELESS)
        for code_point, reading in _CHARACTER_ENTRY.findall(text)
    }


def parse_other_readings(text: str) -> dict[str, tuple[str, ...]]:
    """Each character's toneless readings after its first, without repeats (好 hǎo/hào: none)."""
    others: dict[str, tuple[str, ...]] = {}
    for code_point, readings in _ALL_READINGS_ENTRY.findall(text):
        toneless = readings.translate(TONELESS).split(",")
        rest = tuple(dict.fromkeys(r for r in toneless[1:] if r and r != toneless[0]))
        if rest:
            others[chr(int(code_point))] = rest[:OTHER_READINGS_KEPT]
    return others


@lru_cache(maxsize=1)
def pinyin_readings() -> PinyinReadings:
    """The tables, read once per process on first call."""
    phrases = parse_phrases(_read("phrases_dict.json"))
    character_text = _read("pinyin_dict.json")
    characters = parse_characters(character_text)
    if not phrases or not characters:
        raise PinyinDataMissing("pypinyin's dictionary files changed format: no readings found")
    return PinyinReadings(
        phrases=phrases,
        characters=characters,
        other_readings=parse_other_readings(character_text),
    )
