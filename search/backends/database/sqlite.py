"""The embedded backend on SQLite: FTS5 with BM25.

An FTS5 virtual table `search_fts(title, keywords, body, title_stems, body_stems)` (and a small
`search_fts_title` with the title fields only) whose rowid is the `search_document` row id, with
the `ascii` tokenizer over our pre-analysed terms (every term is one token: letters, digits, marks
and the `_` of language-marked stems) and prefix indexes for suggest; ranking uses FTS5's `bm25()`
with per-column weights. Queries of only very common words rank within `search_fts_title` (see
planner.py), which a small index answers quickly where column filters on search_fts could not.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.core.cache import cache
from django.db import connection, transaction

from search import conf
from search.analysis import AnalyzedQuery, QueryGroup
from search.backends.base import SearchQuery
from search.backends.database.base import (
    FACET_COUNTS_SQL,
    FIELDS,
    TITLE_FIELDS,
    AnalyzedDocument,
    DatabaseSearchBackend,
    RankedRow,
    field_weights,
)
from search.backends.database.planner import Corpus, Plan, combine, present_terms

# The FTS5 tables and their columns.
FTS_TABLES = {"search_fts": FIELDS, "search_fts_title": TITLE_FIELDS}
BUILD_SUFFIX = "_build"  # a rebuild writes fresh tables under this suffix, then swaps them in
DF_KEY = "search:df:"
DF_TTL = 300


def _fts_ddl(table: str, fields: tuple[str, ...]) -> str:
    return (f"CREATE VIRTUAL TABLE IF NOT EXISTS {table} USING fts5({', '.join(fields)}, "
            "tokenize = \"ascii tokenchars '_'\", prefix = '2 3')")


SCHEMA = [
    _fts_ddl("search_fts", FIELDS),
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts_vocab USING fts5vocab(search_fts, 'row')",
    _fts_ddl("search_fts_title", TITLE_FIELDS),
]
DROP = [
    "DROP TABLE IF EXISTS search_fts_title",
    "DROP TABLE IF EXISTS search_fts_vocab",
    "DROP TABLE IF EXISTS search_fts",
    "DROP TABLE IF EXISTS search_fts_build",
    "DROP TABLE IF EXISTS search_fts_title_build",
]
# Set while this process runs a rebuild: its batches go to the _build tables only.
_rebuilding: ContextVar[bool] = ContextVar("search_rebuilding", default=False)


def fts_table(plan: Plan) -> tuple[str, list[float]]:
    """The FTS5 table a plan runs on, with its BM25 column weights."""
    if plan.title_only:
        r = conf.ranking()
        return "search_fts_title", [r["title_weight"], r["keywords_weight"], r["title_weight"] * r["stem_weight"]]
    return "search_fts", field_weights()


class SQLiteSearchBackend(DatabaseSearchBackend):
    engine = "SQLite FTS5 (BM25)"
    title_tier = True  # FTS5 column filters: search_fts_title
    age_days_sql = "max(julianday('now') - julianday(d.updated_at), 0)"

    # --- writing -----------------------------------------------------------------------------

    @staticmethod
    def _targets(cursor) -> list[tuple[str, tuple[str, ...]]]:
        """The FTS5 tables a write goes to. While a rebuild builds fresh tables, its own batches go
        there only; other writes (the worker, the site) go to both, so the swap loses nothing."""
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = %s", [f"search_fts{BUILD_SUFFIX}"])
        building = cursor.fetchone() is not None
        live = list(FTS_TABLES.items())
        build = [(table + BUILD_SUFFIX, fields) for table, fields in FTS_TABLES.items()]
        if building and _rebuilding.get():
            return build
        return live + build if building else live

    def _write_terms(self, cursor, pairs: list[tuple[int, AnalyzedDocument]], previous: dict) -> None:
        for table, fields in self._targets(cursor):
            cursor.executemany(f"DELETE FROM {table} WHERE rowid = %s", [(pk,) for pk, _ in pairs])
            cursor.executemany(
                f"INSERT INTO {table} (rowid, {', '.join(fields)}) VALUES (%s{', %s' * len(fields)})",
                [(pk, *(" ".join(item.fields[f]) for f in fields)) for pk, item in pairs],
            )

    def _delete_terms(self, cursor, pks: list[int]) -> None:
        for table, _fields in self._targets(cursor):
            cursor.executemany(f"DELETE FROM {table} WHERE rowid = %s", [(pk,) for pk in pks])

    @contextmanager
    def rebuilding(self) -> Iterator[None]:
        token = _rebuilding.set(True)
        try:
            yield
        finally:
            _rebuilding.reset(token)

    def begin_rebuild(self, generation: int) -> None:
        """Build into fresh FTS5 tables (writing over the live ones would make FTS5 read and
        re-tokenise every old row to delete it, halving throughput); searches keep using the live
        tables until the swap at the end."""
        with connection.cursor() as cursor:
            for table, fields in FTS_TABLES.items():
                cursor.execute(f"DROP TABLE IF EXISTS {table}{BUILD_SUFFIX}")
                cursor.execute(_fts_ddl(table + BUILD_SUFFIX, fields))

    def _after_rebuild(self) -> None:
        """Swap the freshly built tables in, and optimise them."""
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM sqlite_master WHERE name = %s", [f"search_fts{BUILD_SUFFIX}"])
            if cursor.fetchone() is not None:
                for table in FTS_TABLES:
                    cursor.execute(f"DROP TABLE {table}")
                    cursor.execute(f"ALTER TABLE {table}{BUILD_SUFFIX} RENAME TO {table}")
        with connection.cursor() as cursor:
            for table in FTS_TABLES:
                cursor.execute(f"INSERT INTO {table} ({table}) VALUES ('optimize')")

    def maintain(self) -> None:
        """Merge FTS5 segments a little (incremental updates leave many small segments, and every
        query visits each one). Bounded work per call."""
        with connection.cursor() as cursor:
            for table in FTS_TABLES:
                cursor.execute(f"INSERT INTO {table} ({table}, rank) VALUES ('merge', 500)")

    # --- reading -----------------------------------------------------------------------------

    def _corpus(self, cursor, analyzed: AnalyzedQuery) -> Corpus:
        groups = analyzed.matching_groups
        frequencies = self._cached_frequencies(cursor, sorted({term for group in groups for term in group.terms}))
        doc_count = sum(self._language_counts(cursor).values())
        return Corpus(present_terms(groups, frequencies), frequencies, doc_count, 0.0)

    def _cached_frequencies(self, cursor, terms: list[str]) -> dict[str, int]:
        """fts5vocab counts a word's documents by walking its whole posting list: milliseconds for
        common words on every keystroke. Planning only needs an approximate count, so positive
        counts are kept in the shared cache for a few minutes; absent words are always looked up
        (a word indexed a second ago must match)."""
        cached = cache.get_many([DF_KEY + term for term in terms])
        frequencies = {key[len(DF_KEY):]: value for key, value in cached.items()}
        found = self._term_frequencies(cursor, [term for term in terms if term not in frequencies])
        if found:
            cache.set_many({DF_KEY + term: df for term, df in found.items()}, timeout=DF_TTL)
        frequencies.update(found)
        return frequencies

    def _term_frequencies(self, cursor, terms: list[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for start in range(0, len(terms), 500):
            chunk = terms[start:start + 500]
            cursor.execute(
                f"SELECT term, doc FROM search_fts_vocab WHERE term IN ({', '.join(['%s'] * len(chunk))})", chunk
            )
            found.update(cursor.fetchall())
        return found

    def _matched_groups(self, cursor, ids: list[int], groups: tuple[QueryGroup, ...]) -> dict[int, int]:
        """FTS5 walks each word's posting list over the rows' rowid range without scoring, cheaper
        than the ranking query's own walk."""
        groups = tuple(g for g in groups if g.terms or g.prefixes)
        if not groups:
            return {}
        # One walk of each word's posting list over the rows' rowid range: FTS5 uses a MATCH with a
        # rowid range, but not a MATCH with a list of rowids, which re-runs the MATCH per rowid.
        counts: Counter[int] = Counter()
        wanted = set(ids)
        for group in groups:
            cursor.execute(
                "SELECT rowid FROM search_fts WHERE search_fts MATCH %s AND rowid >= %s AND rowid <= %s",
                [_fts5_group(group), min(ids), max(ids)],
            )
            counts.update(pk for (pk,) in cursor.fetchall() if pk in wanted)
        return dict(counts)

    def _rank(self, cursor, query: SearchQuery, plan: Plan, corpus: Corpus, limit: int, offset: int,
              count: bool = True) -> tuple[list[RankedRow], int]:
        match = _fts5_match(plan)
        table, weights = fts_table(plan)
        filter_sql, filter_params = self._filter_sql(query)
        rows: list = []
        if limit > 0:
            boost_sql, boost_params = self._boost_sql(query.language)
            bm25 = f"-bm25({table}{', %s' * len(weights)})"
            if plan.cap:
                # FTS5 walks matches in descending rowid order and stops after `cap`: bm25 is
                # computed for those only.
                cursor.execute(
                    f"WITH c AS MATERIALIZED (SELECT rowid AS id, {bm25} AS bm FROM {table} "
                    f"WHERE {table} MATCH %s ORDER BY rowid DESC LIMIT %s) "
                    f"SELECT d.id, c.bm * {boost_sql} AS score, NULL, d.title, d.language, d.group_key FROM c "
                    "JOIN search_document d ON d.id = c.id "
                    f"WHERE {filter_sql} ORDER BY score DESC, d.id LIMIT %s OFFSET %s",
                    [*weights, match, plan.cap, *boost_params, *filter_params, limit, offset],
                )
            else:
                cursor.execute(
                    # bm25() only works in the FTS scan's own query: score there, count and sort outside.
                    # The total counts results as listed: translations of one article are one.
                    f"WITH m AS MATERIALIZED (SELECT d.id AS id, {bm25} * {boost_sql} AS score, d.title, d.language, "
                    f"d.group_key FROM {table} JOIN search_document d ON d.id = {table}.rowid "
                    f"WHERE {table} MATCH %s AND {filter_sql}) "
                    "SELECT id, score, (SELECT count(DISTINCT group_key) FROM m), title, language, group_key FROM m "
                    "ORDER BY score DESC, id LIMIT %s OFFSET %s",
                    [*weights, *boost_params, match, *filter_params, limit, offset],
                )
            rows = cursor.fetchall()
        ranked = [(pk, score, title, language, group) for pk, score, _, title, language, group in rows]
        if rows and rows[0][2] is not None:
            return ranked, rows[0][2]
        if rows and not count:
            return ranked, len(ranked)
        cursor.execute(
            f"SELECT count(DISTINCT d.group_key) FROM {table} JOIN search_document d ON d.id = {table}.rowid "
            f"WHERE {table} MATCH %s AND {filter_sql}",
            [match, *filter_params],
        )
        return ranked, cursor.fetchone()[0]

    def _facet_rows(self, cursor, plan: Plan, filter_sql: str, params: list) -> list[tuple[str, str, int]]:
        table, _weights = fts_table(plan)
        cursor.execute(
            f"WITH f AS MATERIALIZED (SELECT d.kind, d.language, d.group_key FROM {table} JOIN search_document d "
            f"ON d.id = {table}.rowid WHERE {table} MATCH %s AND {filter_sql}) "
            f"{FACET_COUNTS_SQL}",
            [_fts5_match(plan), *params],
        )
        return cursor.fetchall()

    def _probe(self, cursor) -> None:
        cursor.execute("SELECT count(*) FROM search_fts_vocab WHERE term = %s", ["_"])
        cursor.fetchall()


def _fts5_match(plan: Plan) -> str:
    """An FTS5 MATCH expression built only from analysed terms."""
    expression = combine(plan, _fts5_group, "AND", "OR")
    if plan.exclude:
        excluded = " AND ".join(_fts5_group(group) for group in plan.exclude)
        expression = f"({expression}) NOT ({excluded})"
    return expression


def _fts5_group(group: QueryGroup) -> str:
    parts = [_fts5_phrase(term) for term in group.terms]
    parts += [_fts5_phrase(prefix) + "*" for prefix in group.prefixes]
    return "(" + " OR ".join(parts) + ")"


def _fts5_phrase(term: str) -> str:
    # Analysed terms never hold quotes; doubling them anyway keeps the expression well-formed.
    return '"' + term.replace('"', '""') + '"'
