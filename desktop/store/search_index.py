"""The search index: what it stores and how it is kept current (queries live in `search.py`).

Design (chosen by measuring on a 100,000-customer / 1,000,000-activity replica with
`bench/store.py`):

- FTS5 with the `unicode61` tokenizer, but Chinese (and other CJK) text is stored with a space
  around every character, so each character is a token. A Chinese query of any length becomes a
  phrase query (`建筑` -> `"建 筑"`): one-character queries go through the same index as longer
  ones. The `trigram` tokenizer cannot answer one- or two-character queries, and the LIKE
  fallback it needs scans every note when the text is rare (330 ms of CPU at 1M activities,
  measured); its index was also larger (47 MB against 39 MB per 100,000 notes) for about the
  same insert time.
- Names also get pinyin tokens: for every character position, the full pinyin and the initials
  of the rest of the name, cut to PINYIN_MAX letters (中国建筑 -> zhongguojian, guojianzhu, ...;
  zgjz, gjz, ...). A prefix query then finds `zhongguo`, `jianzhu` and `zgjz` without segmenting
  what the user typed.
- Two FTS tables: `search_party` (customers and contacts; bm25, names weighted above details,
  with a prefix index for the first one or two letters typed) and `search_note` (activities,
  newest first). Name matches are listed before note matches. Why bm25 is not used for notes
  and is limited to the newest matches for names: see `search.py`.
- The index is kept current by SQL triggers that queue every changed customer, contact or activity
  in `search_pending`, whoever writes it (the unit of work, the sync engine, imports). The queue is
  drained (re-indexed in Python, where the pinyin and the CJK spacing live) before every search
  and by every bulk apply. A local write therefore only pays for one queue insert, and a search
  always sees every committed write. `desktop.store.bulk` indexes pulled rows straight from memory
  with the triggers paused (a flag row their WHEN clause reads), and into an empty index (an
  initial sync) defers indexing to one pass at the end (`search_deferred`).

The tables and triggers are created by the replica migration `0002_search_index`; a replica
without them gets them (and a full rebuild) on first use, see `ensure_search_index`, which also
brings 0002's triggers to their current form (with the bulk-mode check) and adds the two state
tables.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import lru_cache
from itertools import islice
from typing import Any

from sqlalchemy import Connection, Engine

from desktop.store.engine import bulk_step_cache, write_locked
from desktop.store.pinyin_readings import LONGEST_PHRASE, pinyin_readings

INDEXED_ENTITIES: tuple[str, ...] = ("customer", "contact", "activity")
# The columns each document is made of: only changes to these queue a record for re-indexing
# (an acknowledged push bumps `version` on thousands of rows, which must not).
INDEXED_COLUMNS: dict[str, tuple[str, ...]] = {
    "customer": ("name", "phone", "fax", "email", "website", "address", "tags"),
    "contact": ("customer_id", "name", "title", "phone", "mobile", "email", "address"),
    "activity": ("customer_id", "subject", "notes", "outcome", "next_step", "place"),
}

# The index schema. The migration carries its own copy of these statements (a revision must keep
# describing the same schema), and `ensure_search_index` uses these for replicas without it.
_TOKENIZER = "unicode61 remove_diacritics 2"
SEARCH_INDEX_DDL: tuple[str, ...] = (
    "CREATE TABLE IF NOT EXISTS search_doc (doc INTEGER PRIMARY KEY, record_id TEXT NOT NULL)",
    "CREATE UNIQUE INDEX IF NOT EXISTS ix_search_doc_record ON search_doc (record_id)",
    "CREATE TABLE IF NOT EXISTS search_pending "
    "(record_id TEXT NOT NULL PRIMARY KEY, entity TEXT NOT NULL)",
    # prefix='1 2': the first letters typed into a name search read one posting list instead of
    # merging those of every indexed word that starts with them.
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_party USING fts5(kind UNINDEXED, record_id "
    "UNINDEXED, customer_id UNINDEXED, name, pinyin, details, "
    f"tokenize='{_TOKENIZER}', prefix='1 2')",
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_note USING fts5(record_id UNINDEXED, "
    f"customer_id UNINDEXED, subject, body, tokenize='{_TOKENIZER}')",
    # Present only inside a bulk apply's transaction (see `queue_triggers_paused`): the rows it
    # writes are indexed by the apply itself, so the per-row queueing would be wasted work
    # (it made pulling pages 2.2x slower than a plain executemany, measured). Other connections
    # never see the row: it is inserted and deleted under SQLite's single write lock.
    "CREATE TABLE IF NOT EXISTS search_bulk_mode (paused INTEGER NOT NULL)",
    # One row while the index is deferred (an initial load into an empty index): the index is
    # rebuilt in one pass before it is next used, see `finish_deferred_index`.
    "CREATE TABLE IF NOT EXISTS search_deferred (since TEXT NOT NULL)",
    *(
        f"CREATE TRIGGER IF NOT EXISTS search_queue_{entity}_{event} AFTER {event.upper()} "
        f"{'OF ' + ', '.join(INDEXED_COLUMNS[entity]) + ' ' if event == 'update' else ''}"
        f"ON {entity} WHEN NOT EXISTS (SELECT 1 FROM search_bulk_mode) "
        f"BEGIN INSERT OR REPLACE INTO search_pending (record_id, entity) "
        f"VALUES ({'old' if event == 'delete' else 'new'}.id, '{entity}'); END"
        for entity in INDEXED_ENTITIES
        for event in ("insert", "update", "delete")
    ),
)
QUEUE_TRIGGERS: tuple[str, ...] = tuple(
    f"search_queue_{entity}_{event}"
    for entity in INDEXED_ENTITIES
    for event in ("insert", "update", "delete")
)
_INDEX_TABLES = ("search_doc", "search_pending", "search_party", "search_note")
_STATE_TABLES = ("search_bulk_mode", "search_deferred")

_CJK_RANGES = (
    "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"
)
CJK = f"[{_CJK_RANGES}]"  # kana, CJK ideographs (with extensions), hangul
NOT_CJK = f"[^{_CJK_RANGES}]"
_CJK_CHAR = re.compile(CJK)
_CJK_OR_OTHER_RUN = re.compile(f"{CJK}|{NOT_CJK}+")
# Letters kept per pinyin token (about three syllables); longer queries are cut to match. Longer
# tokens would be unique per name, and a prefix query's cost grows with the tokens it spans.
PINYIN_MAX = 12
PINYIN_MIN_QUERY = 2  # one letter would match a good part of every firm's names


# --- Turning text into index text ---------------------------------------------------------------


def spaced_cjk(text: str) -> str:
    """One token per CJK character for unicode61: `中国ABC` -> `中 国 ABC`."""
    # findall + join run in C; a sub() with a group template expands per match in Python (5x).
    return " ".join(_CJK_OR_OTHER_RUN.findall(text))


def name_syllables(text: str) -> list[str]:
    """Toneless pinyin of the CJK characters in `text` (others are skipped).

    Readings come from pypinyin's dictionaries (see `pinyin_readings`), longest known phrase
    first (银行 is yin-hang, not yin-xing; 重庆 is chong-qing), else a character's most common
    reading. pypinyin's own
    converter gives the same readings for names but costs 0.2-0.7 ms per company name, which
    was most of the time of loading 100,000 customers.
    """
    if not _CJK_CHAR.search(text):
        return []  # no need to load the readings
    readings = pinyin_readings()  # loaded on the first Chinese name, not at import
    syllables: list[str] = []
    position = 0
    while position < len(text):
        for size in range(min(LONGEST_PHRASE, len(text) - position), 1, -1):
            phrase = readings.phrases.get(text[position : position + size])
            if phrase:
                syllables.extend(phrase.split(" "))
                position += size
                break
        else:
            reading = readings.characters.get(text[position])
            if reading:
                syllables.append(reading)
            position += 1
    return syllables


def first_character_other_readings(text: str) -> tuple[str, ...]:
    """The other readings of the name's first Chinese character, unless a known phrase reads it.

    Many surnames are read otherwise than the character's most common reading (曾 is zeng, not
    ceng; 单 shan, 解 xie, 查 zha, 区 ou, 仇 qiu): a contact 曾国藩 must be found by `zeng` and
    `zgf`. Only the first character gets them: it is the surname in a person's name and the
    first word a company is known by, and every reading of every character would multiply the
    tokens of a long name."""
    first = _CJK_CHAR.search(text)
    if first is None:
        return ()
    readings = pinyin_readings()
    position = first.start()
    for size in range(min(LONGEST_PHRASE, len(text) - position), 1, -1):
        if text[position : position + size] in readings.phrases:
            return ()
    return readings.other_readings.get(text[position], ())


@lru_cache(maxsize=65_536)
def pinyin_tokens(name: str) -> str:
    """Full-pinyin and initials tokens starting at every character of the name's CJK part, and
    from the name's start again with each other reading of its first character."""
    if not _CJK_CHAR.search(name):
        return ""
    syllables = [syllable for syllable in name_syllables(name) if syllable.isalpha()]
    tokens: list[str] = []
    starts = [syllables[start:] for start in range(len(syllables))]
    if syllables:
        starts += [[other, *syllables[1:]] for other in first_character_other_readings(name)]
    for rest in starts:
        tokens.append("".join(rest)[:PINYIN_MAX])
        initials = "".join(syllable[0] for syllable in rest)[:PINYIN_MAX]
        if len(initials) >= PINYIN_MIN_QUERY:
            tokens.append(initials)
    return " ".join(dict.fromkeys(tokens))


def phone_tokens(phone: str | None) -> str:
    """The number as stored, plus national forms, so `13800138000` finds `+8613800138000`."""
    if not phone:
        return ""
    digits = re.sub(r"\D", "", phone)
    variants = [phone, digits]
    if phone.strip().startswith("+"):
        # Country codes are 1-3 digits; indexing all three cuts costs a few tokens, no table.
        variants.extend(digits[cut:] for cut in (1, 2, 3) if len(digits) - cut >= 6)
    if digits.startswith("0"):
        variants.append(digits.lstrip("0"))
    return " ".join(variants)


def _joined(*parts: Any) -> str:
    return spaced_cjk(" ".join(str(part) for part in parts if part))


def party_document(entity: str, row: Mapping[str, Any]) -> tuple[Any, ...]:
    """(kind, record_id, customer_id, name, pinyin, details) for a customer or contact row."""
    name = row.get("name") or ""
    if entity == "customer":
        customer_id = row["id"]
        details = _joined(
            phone_tokens(row.get("phone")),
            phone_tokens(row.get("fax")),
            row.get("email"),
            row.get("website"),
            row.get("address"),
            (row.get("tags") or "").replace(",", " "),
        )
    else:
        customer_id = row.get("customer_id")
        details = _joined(
            row.get("title"),
            phone_tokens(row.get("phone")),
            phone_tokens(row.get("mobile")),
            row.get("email"),
            row.get("address"),
        )
    return (entity, row["id"], customer_id, spaced_cjk(name), pinyin_tokens(name), details)


def note_document(row: Mapping[str, Any]) -> tuple[Any, ...]:
    """(record_id, customer_id, subject, body) for an activity row."""
    body = _joined(row.get("notes"), row.get("outcome"), row.get("next_step"), row.get("place"))
    return (row["id"], row.get("customer_id"), spaced_cjk(row.get("subject") or ""), body)


# --- Keeping the index current -------------------------------------------------------------------


def _index_schema(connection: Connection) -> tuple[set[str], set[str], set[str]]:
    """(tables present, queue triggers present, queue triggers that know the bulk mode)."""
    tables: set[str] = set()
    triggers: set[str] = set()
    current: set[str] = set()
    for kind, name, sql in connection.exec_driver_sql(
        "SELECT type, name, sql FROM sqlite_master WHERE name LIKE 'search_%'"
    ):
        if kind == "table":
            tables.add(name)
        elif kind == "trigger" and name in QUEUE_TRIGGERS:
            triggers.add(name)
            if "search_bulk_mode" in (sql or ""):
                current.add(name)
    return tables, triggers, current


def search_index_exists(connection: Connection) -> bool:
    """The tables and every queueing trigger (in its current form) are there. A later revision
    that rebuilds one of the indexed tables (Alembic's batch mode copies it and drops the old
    one) drops its triggers too."""
    tables, _, current = _index_schema(connection)
    return _complete(tables, current)


def _complete(tables: set[str], current_triggers: set[str]) -> bool:
    return tables.issuperset((*_INDEX_TABLES, *_STATE_TABLES)) and current_triggers == set(
        QUEUE_TRIGGERS
    )


def ensure_search_index(connection: Connection) -> bool:
    """Create what is missing of the index, queueing every record; True if anything was.

    Everything is queued, not only what is new: while a trigger was missing, writes to its table
    went unnoticed. Triggers of an older form (created by revision 0002, without the bulk-mode
    check) are replaced: they queued every write, so nothing was missed and nothing is queued.
    """
    tables, triggers, current = _index_schema(connection)
    if _complete(tables, current):
        return False
    for outdated in sorted(triggers - current):
        connection.exec_driver_sql(f'DROP TRIGGER "{outdated}"')
    for statement in SEARCH_INDEX_DDL:
        connection.exec_driver_sql(statement)
    missed_writes = not tables.issuperset(_INDEX_TABLES) or triggers != set(QUEUE_TRIGGERS)
    if missed_writes:
        for entity in INDEXED_ENTITIES:
            connection.exec_driver_sql(
                f"INSERT OR REPLACE INTO search_pending (record_id, entity) "
                f"SELECT id, '{entity}' FROM \"{entity}\""
            )
    return missed_writes


@contextmanager
def queue_triggers_paused(connection: Connection) -> Iterator[None]:
    """Writes inside the block are not queued: for a caller that indexes them itself.

    The flag row lives and dies inside the caller's transaction, so a rollback clears it too.
    """
    connection.exec_driver_sql("INSERT INTO search_bulk_mode (paused) VALUES (1)")
    try:
        yield
    finally:
        connection.exec_driver_sql("DELETE FROM search_bulk_mode")


def _chunks(items: Sequence[Any], size: int = 500) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _doc_numbers(connection: Connection, record_ids: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _chunks(record_ids):
        marks = ", ".join("?" for _ in chunk)
        result = connection.exec_driver_sql(
            f"SELECT record_id, doc FROM search_doc WHERE record_id IN ({marks})", tuple(chunk)
        )
        found.update((record_id, int(doc)) for record_id, doc in result)
    return found


def index_rows(
    connection: Connection,
    *,
    entity: str,
    rows: Sequence[Mapping[str, Any]],
    into_empty_index: bool = False,
) -> int:
    """(Re)index whole rows of an indexed entity; other entities are ignored. Returns the count.

    `into_empty_index`: none of the rows can be indexed already (a rebuild), so their documents
    are not looked up.
    """
    if entity not in INDEXED_ENTITIES or not rows:
        return 0
    existing = {} if into_empty_index else _doc_numbers(connection, [row["id"] for row in rows])
    fts = "search_note" if entity == "activity" else "search_party"
    if existing:
        connection.exec_driver_sql(
            f"DELETE FROM {fts} WHERE rowid = ?", [(doc,) for doc in existing.values()]
        )
    next_doc = (
        int(
            connection.exec_driver_sql("SELECT coalesce(max(doc), 0) FROM search_doc").scalar() or 0
        )
        + 1
    )
    new_docs: list[tuple[int, str]] = []
    documents: list[tuple[Any, ...]] = []
    for row in rows:
        doc = existing.get(row["id"])
        if doc is None:
            doc, next_doc = next_doc, next_doc + 1
            existing[row["id"]] = doc
            new_docs.append((doc, row["id"]))
        if entity == "activity":
            documents.append((doc, *note_document(row)))
        else:
            documents.append((doc, *party_document(entity, row)))
    if new_docs:
        connection.exec_driver_sql(
            "INSERT INTO search_doc (doc, record_id) VALUES (?, ?)", new_docs
        )
    if entity == "activity":
        sql = "INSERT INTO search_note (rowid, record_id, customer_id, subject, body) "
        sql += "VALUES (?, ?, ?, ?, ?)"
    else:
        sql = "INSERT INTO search_party (rowid, kind, record_id, customer_id, name, pinyin, "
        sql += "details) VALUES (?, ?, ?, ?, ?, ?, ?)"
    connection.exec_driver_sql(sql, documents)
    return len(documents)


def unindex_ids(connection: Connection, *, entity: str, record_ids: Sequence[str]) -> int:
    if entity not in INDEXED_ENTITIES or not record_ids:
        return 0
    existing = _doc_numbers(connection, record_ids)
    if not existing:
        return 0
    fts = "search_note" if entity == "activity" else "search_party"
    docs = [(doc,) for doc in existing.values()]
    connection.exec_driver_sql(f"DELETE FROM {fts} WHERE rowid = ?", docs)
    connection.exec_driver_sql("DELETE FROM search_doc WHERE doc = ?", docs)
    return len(docs)


def _indexed_fields(
    connection: Connection, entity: str, where: str = "", parameters: Sequence[Any] = ()
) -> Iterator[dict[str, Any]]:
    """Rows as dicts of only the columns documents are made of: a rebuild reads every record,
    and whole rows through SQLAlchemy's mappings cost a fifth of the rebuild (profiled)."""
    columns = ("id", *INDEXED_COLUMNS[entity])
    result = connection.exec_driver_sql(
        f'SELECT {", ".join(columns)} FROM "{entity}" {where}', tuple(parameters)
    )
    while chunk := result.fetchmany(5_000):
        yield from (dict(zip(columns, row, strict=True)) for row in chunk)


def forget_pending(connection: Connection) -> None:
    """Empty the queue: for a caller that has just indexed every queued row itself."""
    connection.exec_driver_sql("DELETE FROM search_pending")


def drain_pending(connection: Connection) -> int:
    """Re-index every queued record from its table (or drop it if it is gone); returns the count."""
    pending: dict[str, list[str]] = {}
    for record_id, entity in connection.exec_driver_sql(
        "SELECT record_id, entity FROM search_pending"
    ):
        pending.setdefault(entity, []).append(record_id)
    count = 0
    for entity, record_ids in pending.items():
        if entity not in INDEXED_ENTITIES:
            continue  # written by a newer build that indexes more; its own code will handle it
        rows: list[dict[str, Any]] = []
        for chunk in _chunks(record_ids):
            marks = ", ".join("?" for _ in chunk)
            rows.extend(_indexed_fields(connection, entity, f"WHERE id IN ({marks})", chunk))
        present = {row["id"] for row in rows}
        unindex_ids(
            connection, entity=entity, record_ids=[i for i in record_ids if i not in present]
        )
        count += index_rows(connection, entity=entity, rows=rows)
    if pending:
        forget_pending(connection)
    return count


def index_is_deferred(connection: Connection) -> bool:
    return bool(
        connection.exec_driver_sql("SELECT EXISTS (SELECT 1 FROM search_deferred)").scalar()
    )


# `search_deferred.since` once a stepped build has begun (before: when the deferral began).
BUILD_STARTED = "building"


def index_build_started(connection: Connection) -> bool:
    """A stepped build is under way, perhaps in another process: rows written now may lie behind
    its position, so they are queued for its last step instead of left to it."""
    return bool(
        connection.exec_driver_sql(
            "SELECT EXISTS (SELECT 1 FROM search_deferred WHERE since = ?)", (BUILD_STARTED,)
        ).scalar()
    )


def defer_index_if_empty(connection: Connection) -> bool:
    """True if the index is (now) deferred: rows written meanwhile need no indexing of their own.

    An empty index means an initial load (or a replica that never had anything to index):
    indexing every page as it arrives would cost as much as one pass at the end, but in many
    small merges of the full-text index and on the sync's critical path. The deferral is
    committed with the caller's transaction, so it survives a crash between pages, and the
    loader's `finish_deferred_index` (or the sync's `build_deferred_index_in_steps`, at the end
    of every completed pull) builds the index from the tables. Searches meanwhile scan names and
    phones instead of building it themselves (see `desktop.store.search`).
    """
    if index_is_deferred(connection):
        return True
    if connection.exec_driver_sql("SELECT EXISTS (SELECT 1 FROM search_doc)").scalar():
        return False
    connection.exec_driver_sql("INSERT INTO search_deferred (since) VALUES (datetime('now'))")
    return True


def bring_index_up_to_date(connection: Connection) -> None:
    """Make sure the index exists and holds every committed write (cheap when nothing queued).

    A deferred index is left for the loader's build (`finish_deferred_index`, or
    `build_deferred_index_in_steps`): rebuilding it here, inside a search or
    a page, would hold the write lock for as long as a whole build."""
    ensure_search_index(connection)
    if index_is_deferred(connection):
        return
    queued = connection.exec_driver_sql("SELECT EXISTS (SELECT 1 FROM search_pending)").scalar()
    if queued:
        drain_pending(connection)


def finish_deferred_index(connection: Connection) -> int:
    """Build a deferred index now, in one pass; returns the records indexed (0 if not deferred)."""
    ensure_search_index(connection)
    return _rebuild(connection) if index_is_deferred(connection) else 0


# A step holds the write lock about a second here: well inside the 5 s a save waits for it,
# and few enough commits that the full-text segments they leave cost little to merge.
BUILD_STEP_ROWS = 20_000


def build_deferred_index_in_steps(engine: Engine) -> int:
    """Build a deferred index in transactions of BUILD_STEP_ROWS records each; returns the records
    indexed (0 if the index was not deferred).

    The one-transaction build (`finish_deferred_index`) holds the write lock for about a minute
    at 100,000 customers, and every save made meanwhile is refused. Here the lock is released
    between steps, so the user's writes go in between. They are queued for indexing by the
    triggers, and the last step indexes the queue. The index stays deferred until that last
    step, so searches meanwhile scan names instead (see `desktop.store.search`). After a crash
    the next build starts over.

    Pulled pages written meanwhile, by this process or another, are queued like the user's
    writes (see `desktop.store.bulk`): rows behind a step's position would be missed otherwise.
    The sync engine keeps its own pages out until this returns anyway (its index lock)."""
    with engine.begin() as connection:
        ensure_search_index(connection)
        if not index_is_deferred(connection):
            return 0
        for table in _INDEX_TABLES:
            connection.exec_driver_sql(f"DELETE FROM {table}")
        connection.exec_driver_sql("UPDATE search_deferred SET since = ?", (BUILD_STARTED,))
    count = 0
    for entity in INDEXED_ENTITIES:
        # Steps follow the rowid, the table's own order: each reads one stretch of the table.
        after = 0
        while True:
            with write_locked(engine) as connection, bulk_step_cache(connection):
                last = connection.exec_driver_sql(
                    f'SELECT rowid FROM "{entity}" WHERE rowid > ? ORDER BY rowid '
                    f"LIMIT 1 OFFSET {BUILD_STEP_ROWS - 1}",
                    (after,),
                ).scalar()
                if last is None:  # the table's last step: everything after `after`
                    count += _index_all(connection, entity, "WHERE rowid > ?", [after])
                    break
                count += _index_all(
                    connection, entity, "WHERE rowid > ? AND rowid <= ?", [after, int(last)]
                )
                after = int(last)
    with write_locked(engine) as connection, bulk_step_cache(connection):
        drain_pending(connection)  # what the user wrote while the steps ran
        connection.exec_driver_sql("DELETE FROM search_deferred")
    with write_locked(engine) as connection, bulk_step_cache(connection):
        # Merging every segment reads and writes the whole index: in the usual cache it took
        # a first sync of 100,000 customers from 161 to 207 MB at its very end.
        _optimize(connection)
    return count


def _optimize(connection: Connection) -> None:
    # One segment per table: fewer b-tree pages to read for every later query.
    connection.exec_driver_sql("INSERT INTO search_party (search_party) VALUES ('optimize')")
    connection.exec_driver_sql("INSERT INTO search_note (search_note) VALUES ('optimize')")


def _rebuild(connection: Connection) -> int:
    for table in (*_INDEX_TABLES, "search_deferred"):
        connection.exec_driver_sql(f"DELETE FROM {table}")
    count = sum(_index_all(connection, entity) for entity in INDEXED_ENTITIES)
    _optimize(connection)
    return count


def _index_all(
    connection: Connection, entity: str, where: str = "", parameters: Sequence[Any] = ()
) -> int:
    """Index the records `where` selects into an index that holds none of them yet, 5,000 at a
    time (a rebuild, or a step of one); returns the count."""
    rows = _indexed_fields(connection, entity, where, parameters)
    count = 0
    while batch := list(islice(rows, 5_000)):
        count += index_rows(connection, entity=entity, rows=batch, into_empty_index=True)
    return count


def rebuild_search_index(engine: Engine) -> int:
    """Drop and rebuild the whole index from the tables; returns the number of records indexed."""
    with engine.begin() as connection:
        ensure_search_index(connection)
        return _rebuild(connection)
