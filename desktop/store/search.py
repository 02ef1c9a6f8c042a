"""Search customers, contacts and activity notes in English, Chinese and pinyin.

`search(engine_or_connection, query=...)` is what the CLI and the UI call. How the text is
indexed, and why that design, is explained in `search_index.py`. Here the user's text becomes an
FTS5 expression built only from quoted terms, so quotes, `*`, `AND`, `NEAR`, brackets or emoji in
what someone typed can never cause an FTS syntax error: they are separators, like spaces.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Connection, Engine

from desktop.store.search_index import (
    CJK,
    PINYIN_MAX,
    PINYIN_MIN_QUERY,
    bring_index_up_to_date,
    rebuild_search_index,
)

__all__ = ["MARK_END", "MARK_START", "SEARCH_KINDS", "SearchHit", "rebuild_search_index", "search"]

SearchKind = Literal["customer", "contact", "activity"]
SEARCH_KINDS: tuple[SearchKind, ...] = ("customer", "contact", "activity")
MARK_START, MARK_END = "[", "]"  # around matched text in `SearchHit.snippet`
MAX_LIMIT = 500
SNIPPET_CHARS = 80

# A query term: a run of CJK characters, or a run of other letters and digits.
_QUERY_TERM = re.compile(f"({CJK}+)|((?:(?!{CJK})[^\\W_])+)")
# bm25 weights per column; UNINDEXED columns get 0. Names outrank pinyin, pinyin outranks details.
_PARTY_WEIGHTS = "0, 0, 0, 10.0, 4.0, 1.0"
_NOTE_WEIGHTS = "0, 0, 3.0, 1.0"
# Archived customers are filtered after ranking, so fetch a little more than asked for.
_OVERFETCH = 2


@dataclass(frozen=True)
class SearchHit:
    kind: SearchKind
    id: str
    customer_id: str
    title: str
    snippet: str  # matches wrapped in MARK_START / MARK_END
    rank: float  # bm25 within its kind group (lower is better); the list order is authoritative


@dataclass(frozen=True)
class MatchExpressions:
    """FTS5 MATCH expressions for one user query (None: nothing searchable was typed)."""

    party: str | None
    note: str | None


def _quoted(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def match_expressions(query: str) -> MatchExpressions:
    """Build the MATCH expressions: CJK runs as phrases, other words as prefixes, all ANDed."""
    terms: list[str] = []
    ascii_words: list[str] = []
    for cjk_run, word in _QUERY_TERM.findall(query):
        if cjk_run:
            terms.append(_quoted(" ".join(cjk_run)))
        else:
            terms.append(_quoted(word) + "*")
            if word.isascii() and word.isalpha():
                ascii_words.append(word.lower())
    if not terms:
        return MatchExpressions(party=None, note=None)
    every_term = " AND ".join(terms)
    party = every_term
    # Pinyin typed with spaces ("zhong guo") is one token in the index: also try it joined. A single
    # word needs no extra clause: the pinyin column is searched with every other column.
    if len(ascii_words) > 1 and len(ascii_words) == len(terms):
        joined = "".join(ascii_words)[:PINYIN_MAX]
        if len(joined) >= PINYIN_MIN_QUERY:
            party = f"({every_term}) OR (pinyin : {_quoted(joined)}*)"
    return MatchExpressions(party=party, note=every_term)


def _highlighter(query: str) -> re.Pattern[str] | None:
    """What to mark in displayed text: CJK runs anywhere, words at a word start (numbers anywhere,
    so `13800138000` marks `+8613800138000`)."""
    alternatives: list[str] = []
    for cjk_run, word in _QUERY_TERM.findall(query):
        if cjk_run:
            alternatives.append(re.escape(cjk_run))
        elif word.isdigit():
            alternatives.append(re.escape(word) + r"\d*")
        else:
            alternatives.append(rf"(?<![^\W_]){re.escape(word)}(?:(?!{CJK})[^\W_])*")
    if not alternatives:
        return None
    return re.compile("|".join(sorted(alternatives, key=len, reverse=True)), re.IGNORECASE)


def make_snippet(pattern: re.Pattern[str] | None, texts: Sequence[str | None]) -> str:
    """The first text with a match, its matches marked and cut to about SNIPPET_CHARS around
    the first one; else the first non-empty text as it is (a pinyin match marks nothing)."""
    present = [text for text in texts if text]
    if pattern is None:
        return present[0][:SNIPPET_CHARS] if present else ""
    for text in present:
        first = pattern.search(text)
        if first is None:
            continue
        start = max(0, first.start() - SNIPPET_CHARS // 4)
        window = pattern.sub(
            lambda match: f"{MARK_START}{match.group(0)}{MARK_END}",
            text[start : start + SNIPPET_CHARS],
        )
        more = start + SNIPPET_CHARS < len(text)
        return ("…" if start else "") + window + ("…" if more else "")
    return present[0][:SNIPPET_CHARS] if present else ""


def _party_hits(
    connection: Connection,
    *,
    expression: str,
    pattern: re.Pattern[str] | None,
    kinds: Collection[str],
    limit: int,
) -> list[SearchHit]:
    wanted = [kind for kind in ("customer", "contact") if kind in kinds]
    if not wanted:
        return []
    kind_marks = ", ".join("?" for _ in wanted)
    # Ranking happens inside the FTS query; the joins (names, archived flags, the text shown)
    # only touch the few rows that survive its LIMIT.
    rows = connection.exec_driver_sql(
        f"""
        SELECT m.kind, m.record_id, m.customer_id, m.score, c.archived, ct.archived,
               c.name, ct.name, ct.title, ct.mobile, ct.phone, ct.email, ct.address,
               c.phone, c.fax, c.email, c.website, c.address, c.tags
        FROM (
            SELECT kind, record_id, customer_id, bm25(search_party, {_PARTY_WEIGHTS}) AS score
            FROM search_party
            WHERE search_party MATCH ? AND kind IN ({kind_marks})
            ORDER BY score LIMIT ?
        ) AS m
        JOIN customer AS c ON c.id = m.customer_id
        LEFT JOIN contact AS ct ON m.kind = 'contact' AND ct.id = m.record_id
        ORDER BY m.score
        """,
        (expression, *wanted, limit * _OVERFETCH + 10),
    ).all()
    hits: list[SearchHit] = []
    for kind, record_id, customer_id, score, archived, contact_archived, name, *texts in rows:
        if archived or contact_archived:
            continue
        contact_texts, customer_texts = texts[:6], texts[6:]
        if kind == "customer":
            title, shown = name, [name, *customer_texts]
        else:
            title, shown = f"{contact_texts[0]} · {name}", contact_texts
        snippet = make_snippet(pattern, shown)
        hits.append(SearchHit(kind, record_id, customer_id, title, snippet, float(score)))
    return hits[:limit]


def _note_hits(
    connection: Connection, *, expression: str, pattern: re.Pattern[str] | None, limit: int
) -> list[SearchHit]:
    rows = connection.exec_driver_sql(
        f"""
        SELECT m.record_id, m.customer_id, m.score, c.archived, c.name, a.kind,
               a.subject, a.notes, a.outcome, a.next_step, a.place
        FROM (
            SELECT record_id, customer_id, bm25(search_note, {_NOTE_WEIGHTS}) AS score
            FROM search_note
            WHERE search_note MATCH ?
            ORDER BY score LIMIT ?
        ) AS m
        JOIN customer AS c ON c.id = m.customer_id
        LEFT JOIN activity AS a ON a.id = m.record_id
        ORDER BY m.score
        """,
        (expression, limit * _OVERFETCH + 10),
    ).all()
    hits: list[SearchHit] = []
    for record_id, customer_id, score, archived, name, kind, subject, *texts in rows:
        if archived:
            continue
        snippet = make_snippet(pattern, [*texts, subject])
        title = f"{subject or kind} · {name}"
        hits.append(SearchHit("activity", record_id, customer_id, title, snippet, float(score)))
    return hits[:limit]


def _search(
    connection: Connection, *, query: str, limit: int, kinds: Collection[str]
) -> list[SearchHit]:
    expressions = match_expressions(query)
    if expressions.party is None or expressions.note is None:
        return []
    bring_index_up_to_date(connection)
    pattern = _highlighter(query)
    hits = _party_hits(
        connection, expression=expressions.party, pattern=pattern, kinds=kinds, limit=limit
    )
    if "activity" in kinds and len(hits) < limit:
        hits += _note_hits(
            connection, expression=expressions.note, pattern=pattern, limit=limit - len(hits)
        )
    return hits


def search(
    engine_or_connection: Engine | Connection,
    *,
    query: str,
    limit: int = 20,
    kinds: Collection[str] = SEARCH_KINDS,
) -> list[SearchHit]:
    """Best matches first: customers and contacts (by bm25), then activities (by bm25).

    Anything typed is accepted; text with nothing searchable in it (only punctuation or emoji)
    finds nothing. Archived customers, archived contacts and their notes are left out. Before
    searching, records written since the last search are indexed (see `search_index.py`).
    """
    unknown = sorted(set(kinds) - set(SEARCH_KINDS))
    if unknown:
        raise ValueError(f"Unknown search kind(s): {', '.join(unknown)}; use {SEARCH_KINDS}.")
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"The search limit must be between 1 and {MAX_LIMIT}, not {limit}.")
    if isinstance(engine_or_connection, Engine):
        # begin(): indexing what was queued is a write, committed with the search.
        with engine_or_connection.begin() as connection:
            return _search(connection, query=query, limit=limit, kinds=kinds)
    return _search(engine_or_connection, query=query, limit=limit, kinds=kinds)
