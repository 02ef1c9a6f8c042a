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
from typing import Any, Literal

from sqlalchemy import Connection, Engine

from desktop.store.search_index import (
    CJK,
    PINYIN_MAX,
    PINYIN_MIN_QUERY,
    bring_index_up_to_date,
    ensure_search_index,
    index_is_deferred,
    rebuild_search_index,
)

__all__ = [
    "MARK_END",
    "MARK_START",
    "SEARCH_KINDS",
    "SearchAnswer",
    "SearchHit",
    "rebuild_search_index",
    "search",
    "search_answer",
]

SearchKind = Literal["customer", "contact", "activity"]
SEARCH_KINDS: tuple[SearchKind, ...] = ("customer", "contact", "activity")
MARK_START, MARK_END = "[", "]"  # around matched text in `SearchHit.snippet`
MAX_LIMIT = 500
NOTE_PREFIX_MIN = 3  # letters before the word being typed is matched as a prefix in notes
NUMBER_PREFIX_MIN = 5  # digits before a number is matched as a prefix (phone numbers)
SNIPPET_CHARS = 80

# A query term: a run of CJK characters, or a run of other letters and digits.
_QUERY_TERM = re.compile(f"({CJK}+)|((?:(?!{CJK})[^\\W_])+)")
# bm25 weights per column; UNINDEXED columns get 0. Names outrank pinyin, pinyin outranks details.
_PARTY_WEIGHTS = "0, 0, 0, 10.0, 4.0, 1.0"
# Only the newest this many name matches are ranked by bm25 (see `_party_hits`).
RANKED_CANDIDATES = 500
# Archived customers are filtered after ranking, so fetch a little more than asked for.
_OVERFETCH = 2


@dataclass(frozen=True)
class SearchHit:
    kind: SearchKind
    id: str
    customer_id: str
    title: str
    snippet: str  # matches wrapped in MARK_START / MARK_END
    # Lower is better within a group: bm25 for customers and contacts (name matches, then other
    # matches), the position by time (newest first) for activities. Show the list's order.
    rank: float


@dataclass(frozen=True)
class SearchAnswer:
    hits: list[SearchHit]
    # The index waits to be built after an initial sync: only names and phone numbers were
    # matched (no pinyin, no notes), which the UI says.
    index_building: bool = False


@dataclass(frozen=True)
class MatchExpressions:
    """FTS5 MATCH expressions for one user query (None: nothing searchable was typed)."""

    party: str | None
    note: str | None


def _quoted(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def match_expressions(query: str) -> MatchExpressions:
    """Build the MATCH expressions: CJK runs as phrases, other words as prefixes, all ANDed.

    In notes (a million rows) a prefix query materialises the merged postings of every word it
    covers ("the*" is most English notes), so there only the last word, the one being typed, is a
    prefix, and only from three letters on; the words before it are complete.
    """
    party_terms: list[str] = []
    note_terms: list[str] = []
    ascii_words: list[str] = []
    found = _QUERY_TERM.findall(query)
    for position, (cjk_run, word) in enumerate(found):
        if cjk_run:
            phrase = _quoted(" ".join(cjk_run))
            party_terms.append(phrase)
            note_terms.append(phrase)
            continue
        # A prefix query reads the postings of every indexed word it covers; "862"* covers a
        # good part of all phone numbers (95 ms of CPU at 100,000 customers), so short numbers
        # are matched whole.
        short_number = word.isdigit() and len(word) < NUMBER_PREFIX_MIN
        party_terms.append(_quoted(word) + ("" if short_number else "*"))
        being_typed = (
            position == len(found) - 1 and len(word) >= NOTE_PREFIX_MIN and not short_number
        )
        note_terms.append(_quoted(word) + ("*" if being_typed else ""))
        if word.isascii() and word.isalpha():
            ascii_words.append(word.lower())
    if not party_terms:
        return MatchExpressions(party=None, note=None)
    party = " AND ".join(party_terms)
    # Pinyin is indexed as whole-name tokens cut to PINYIN_MAX letters: pinyin typed with spaces
    # ("zhong guo") or longer than that needs its own clause, joined and cut the same way.
    if ascii_words and len(ascii_words) == len(party_terms):
        joined = "".join(ascii_words)[:PINYIN_MAX]
        if len(joined) >= PINYIN_MIN_QUERY and joined != ascii_words[0]:
            party = f"({party}) OR (pinyin : {_quoted(joined)}*)"
    return MatchExpressions(party=party, note=" AND ".join(note_terms))


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


def _fetch(connection: Connection, sql: str, parameters: tuple[Any, ...]) -> list[Any]:
    """Rows through the DB-API cursor of the same connection (and transaction): SQLAlchemy's
    result set-up was a quarter of a search's time, for rows we only unpack."""
    cursor = connection.connection.cursor()
    try:
        return list(cursor.execute(sql, parameters).fetchall())
    finally:
        cursor.close()


def _ranked_docs(connection: Connection, expression: str, fetch: int) -> list[tuple[int, float]]:
    """(doc, bm25) of the best party matches, best first.

    bm25 costs a few microseconds per matching row: rank only the newest RANKED_CANDIDATES
    matches (all of them for a specific query; a first letter or a common character matches
    thousands). Finding where that window starts is cheap: FTS5 walks the matches newest first
    and stops. Only rowid and bm25 are read: a stored column costs a row lookup per match.
    """
    window_rows = _fetch(
        connection,
        "SELECT rowid FROM search_party WHERE search_party MATCH ? "
        "ORDER BY rowid DESC LIMIT 1 OFFSET ?",
        (expression, RANKED_CANDIDATES),
    )
    window = window_rows[0][0] if window_rows else 0
    ranked = _fetch(
        connection,
        f"SELECT rowid, bm25(search_party, {_PARTY_WEIGHTS}) AS score FROM search_party "
        "WHERE search_party MATCH ? AND rowid > ? ORDER BY score LIMIT ?",
        (expression, window, fetch),
    )
    return [(int(doc), float(score)) for doc, score in ranked]


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
    # Kinds are filtered afterwards, so fetch more when only one kind is wanted.
    fetch = limit * _OVERFETCH + 10 if len(wanted) == 2 else limit * 5 + 50
    # Matches in a name (or its pinyin) first, then matches elsewhere (phones, e-mails, address,
    # tags): ranked separately, or a common word's e-mail matches fill the window of candidates.
    ranked = _ranked_docs(connection, f"{{name pinyin}} : ({expression})", fetch)
    if len(ranked) < fetch:
        found = {doc for doc, _score in ranked}
        more = _ranked_docs(connection, expression, fetch + len(found))
        ranked += [(doc, score) for doc, score in more if doc not in found][: fetch - len(ranked)]
    if not ranked:
        return []
    scores = dict(ranked)
    order = {doc: position for position, (doc, _score) in enumerate(ranked)}
    marks = ", ".join("?" for _ in scores)
    rows = _fetch(
        connection,
        f"""
        SELECT p.rowid, p.kind, p.record_id, p.customer_id, c.archived, ct.archived,
               c.name, ct.name, ct.title, ct.mobile, ct.phone, ct.email, ct.address,
               c.phone, c.fax, c.email, c.website, c.address, c.tags
        FROM search_party AS p
        JOIN customer AS c ON c.id = p.customer_id
        LEFT JOIN contact AS ct ON p.kind = 'contact' AND ct.id = p.record_id
        WHERE p.rowid IN ({marks})
        """,
        tuple(scores),
    )
    rows = sorted(rows, key=lambda row: order[int(row[0])])
    hits: list[SearchHit] = []
    for doc, kind, record_id, customer_id, archived, contact_archived, name, *texts in rows:
        if len(hits) == limit:
            break
        if archived or contact_archived or kind not in wanted:
            continue
        contact_texts, customer_texts = texts[:6], texts[6:]
        if kind == "customer":
            title, shown = name, [name, *customer_texts]
        else:
            title, shown = f"{contact_texts[0]} · {name}", contact_texts
        snippet = make_snippet(pattern, shown)
        hits.append(SearchHit(kind, record_id, customer_id, title, snippet, scores[int(doc)]))
    return hits[:limit]


def _note_hits(
    connection: Connection, *, expression: str, pattern: re.Pattern[str] | None, limit: int
) -> list[SearchHit]:
    """Newest first. Not bm25: its statistics need every note holding each queried character
    (44-94 ms at a million notes, measured), and in an activity log the latest note is the one
    people look for. Index order is nearly time order; the few taken are then sorted by time."""
    rows = _fetch(
        connection,
        """
        SELECT m.record_id, m.customer_id, c.archived, c.name, a.kind, a.occurred_at,
               a.subject, a.notes, a.outcome, a.next_step, a.place
        FROM (
            SELECT record_id, customer_id FROM search_note
            WHERE search_note MATCH ?
            ORDER BY rowid DESC LIMIT ?
        ) AS m
        JOIN customer AS c ON c.id = m.customer_id
        LEFT JOIN activity AS a ON a.id = m.record_id
        ORDER BY a.occurred_at DESC
        """,
        (expression, limit * _OVERFETCH + 10),
    )
    hits: list[SearchHit] = []
    for record_id, customer_id, archived, name, kind, _when, subject, *texts in rows:
        if len(hits) == limit:
            break
        if archived:
            continue
        snippet = make_snippet(pattern, [*texts, subject])
        title = f"{subject or kind} · {name}"
        position = float(len(hits) + 1)
        hits.append(SearchHit("activity", record_id, customer_id, title, snippet, position))
    return hits[:limit]


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _hits_while_indexing(
    connection: Connection, *, query: str, limit: int, kinds: Collection[str]
) -> list[SearchHit]:
    """Customers, then contacts, whose name or phone contains what was typed, by name.

    The answer while the index waits to be built after an initial sync: building it inside this
    search would take about a minute at 100,000 customers, with the write lock that the sync (and
    every save) needs. The sync builds it after its last page; until then this is a plain scan,
    tens of milliseconds at that size."""
    like = _like_pattern(query.strip())
    pattern = _highlighter(query)
    hits: list[SearchHit] = []
    if "customer" in kinds:
        rows = _fetch(
            connection,
            "SELECT id, name, phone FROM customer WHERE archived = 0 "
            "AND (name LIKE ? ESCAPE '\\' OR phone LIKE ? ESCAPE '\\') ORDER BY name LIMIT ?",
            (like, like, limit),
        )
        for record_id, name, phone in rows:
            snippet = make_snippet(pattern, [name, phone])
            hits.append(SearchHit("customer", record_id, record_id, name, snippet, len(hits)))
    if "contact" in kinds and len(hits) < limit:
        rows = _fetch(
            connection,
            "SELECT ct.id, ct.customer_id, ct.name, c.name, ct.mobile, ct.phone "
            "FROM contact AS ct JOIN customer AS c ON c.id = ct.customer_id "
            "WHERE ct.archived = 0 AND c.archived = 0 AND (ct.name LIKE ? ESCAPE '\\' "
            "OR ct.mobile LIKE ? ESCAPE '\\' OR ct.phone LIKE ? ESCAPE '\\') "
            "ORDER BY ct.name LIMIT ?",
            (like, like, like, limit - len(hits)),
        )
        for record_id, customer_id, name, customer_name, *phones in rows:
            snippet = make_snippet(pattern, [name, *phones])
            title = f"{name} · {customer_name}"
            hits.append(SearchHit("contact", record_id, customer_id, title, snippet, len(hits)))
    return hits


def _search(
    connection: Connection, *, query: str, limit: int, kinds: Collection[str]
) -> SearchAnswer:
    expressions = match_expressions(query)
    if expressions.party is None or expressions.note is None:
        return SearchAnswer([])
    ensure_search_index(connection)
    if index_is_deferred(connection):
        hits = _hits_while_indexing(connection, query=query, limit=limit, kinds=kinds)
        return SearchAnswer(hits, index_building=True)
    bring_index_up_to_date(connection)
    pattern = _highlighter(query)
    hits = _party_hits(
        connection, expression=expressions.party, pattern=pattern, kinds=kinds, limit=limit
    )
    if "activity" in kinds and len(hits) < limit:
        hits += _note_hits(
            connection, expression=expressions.note, pattern=pattern, limit=limit - len(hits)
        )
    return SearchAnswer(hits)


def search(
    engine_or_connection: Engine | Connection,
    *,
    query: str,
    limit: int = 20,
    kinds: Collection[str] = SEARCH_KINDS,
) -> list[SearchHit]:
    """The hits of `search_answer` (which see)."""
    return search_answer(engine_or_connection, query=query, limit=limit, kinds=kinds).hits


def search_answer(
    engine_or_connection: Engine | Connection,
    *,
    query: str,
    limit: int = 20,
    kinds: Collection[str] = SEARCH_KINDS,
) -> SearchAnswer:
    """Best matches first: customers and contacts (by bm25), then activities (newest first).

    Anything typed is accepted; text with nothing searchable in it (only punctuation or emoji)
    finds nothing. Archived customers, archived contacts and their notes are left out. Before
    searching, records written since the last search are indexed (see `search_index.py`). While
    an initial sync's index waits to be built, names and phones are matched by a plain scan and
    the answer says so (`index_building`).
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
