"""Pinyin readings: loaded only when a Chinese name is indexed, and the same as pypinyin's."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pypinyin.constants import PHRASES_DICT, PINYIN_DICT

from desktop.store.pinyin_readings import (
    LONGEST_PHRASE,
    OTHER_READINGS_KEPT,
    TONELESS,
    parse_phrases,
    pinyin_readings,
)
from desktop.store.search_index import pinyin_tokens

ROOT = Path(__file__).resolve().parents[2]


def test_compact_tables_hold_pypinyins_first_readings() -> None:
    readings = pinyin_readings()
    expected_phrases = {
        phrase: " ".join(reading[0] for reading in syllables).translate(TONELESS)
        for phrase, syllables in PHRASES_DICT.items()
        if 2 <= len(phrase) <= LONGEST_PHRASE
    }
    expected_characters = {
        chr(code_point): reading.split(",")[0].translate(TONELESS)
        for code_point, reading in PINYIN_DICT.items()
    }
    assert readings.phrases == expected_phrases
    assert readings.characters == expected_characters


def test_other_readings_are_pypinyins_later_readings_without_tones_or_repeats() -> None:
    expected: dict[str, tuple[str, ...]] = {}
    for code_point, reading in PINYIN_DICT.items():
        toneless = reading.translate(TONELESS).split(",")
        others = [r for r in dict.fromkeys(toneless[1:]) if r and r != toneless[0]]
        if others:
            expected[chr(code_point)] = tuple(others[:OTHER_READINGS_KEPT])
    readings = pinyin_readings()
    assert readings.other_readings == expected
    assert "zeng" in readings.other_readings["曾"] and "shan" in readings.other_readings["单"]
    assert "好" not in readings.other_readings  # hǎo and hào: one toneless reading


def test_a_surname_read_otherwise_is_indexed_under_both_readings() -> None:
    tokens = pinyin_tokens("曾国藩").split()
    assert {"cengguofan", "cgf", "zengguofan", "zgf", "guofan", "gf"} <= set(tokens)
    assert len(tokens) == len(set(tokens))
    # Only the first character: 国藩 has no other readings to add, and a phrase read as a
    # whole (重庆 is chong-qing, never zhong-qing) keeps its one reading.
    assert not any(token.startswith("zhongqing") for token in pinyin_tokens("重庆银行").split())


def test_phrase_parser_takes_the_first_reading_of_each_character() -> None:
    text = '{\n"银行": [\n["yín", "yìn"],\n["háng", "xíng"]\n],\n"一": [\n["yī"]\n]\n}'
    assert parse_phrases(text) == {"银行": "yin hang"}


_PROBE = """
import sys
from desktop.store import bulk, search, search_index
from desktop.store.pinyin_readings import pinyin_readings
search_index.pinyin_tokens("Harbor Logistics")
print("pypinyin" in sys.modules, pinyin_readings.cache_info().currsize)
print(search_index.pinyin_tokens("重庆银行"))
print("pypinyin" in sys.modules, pinyin_readings.cache_info().currsize)
"""


def test_readings_load_on_the_first_chinese_name_and_pypinyin_is_never_imported() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _PROBE], cwd=ROOT, capture_output=True, text=True, check=True
    )
    before, tokens, after = result.stdout.splitlines()
    assert before == "False 0"
    assert "chongqingyin" in tokens.split() and "cqyh" in tokens.split()
    assert after == "False 1"
