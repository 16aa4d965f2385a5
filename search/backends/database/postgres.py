"""The embedded backend on PostgreSQL: tsvector + GIN finds candidates, BM25 is computed in SQL.

`search_document.tsv` (tsvector of the document's distinct terms, GIN-indexed) finds candidates;
BM25 is computed in SQL with the same formula as FTS5 from per-document term frequencies (`tf`
jsonb: term -> [title, keywords, body, title_stems, body_stems] counts), document frequencies kept
in `search_term` (also used to expand suggest prefixes) and corpus size and length in
`search_pg_stats`. ts_rank/ts_rank_cd have no inverse document frequency, which ruins ranking of
free-text questions; computing BM25 keeps ranking the same as on SQLite.

Statistics stay off the write path's locks: a write only appends its differences to
`search_term_delta` and `search_pg_stats_delta` (no row that every write updates, so concurrent
writes never wait for each other there); readers add the pending differences to the merged
tables, and the search worker merges them every few seconds (`fold_statistics`). Without a
running worker the pending rows only grow, and reading them slowly costs more.
"""

from __future__ import annotations

import json
from collections import Counter

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
from search.backends.database.planner import Corpus, Plan, combine, idf, present_terms

K1 = 1.2
B = 0.75
# The terms found in the title, keywords or title stems (positions 0, 1 and 3 of FIELDS): the
# title tier's tsvector, small enough to stay in the row, for queries of very common words.
TITLE_TSV_SQL = ("array_to_tsvector(ARRAY(SELECT key FROM jsonb_each({tf}) "
                 "WHERE (value->>0)::int + (value->>1)::int + (value->>3)::int > 0))")
FOLD_LOCK = 0x5EA4C4  # advisory lock key: one statistics merge at a time

SCHEMA = [
    "ALTER TABLE search_document ADD COLUMN IF NOT EXISTS tsv tsvector",
    "ALTER TABLE search_document ADD COLUMN IF NOT EXISTS tf jsonb",
    "CREATE INDEX IF NOT EXISTS search_document_tsv ON search_document USING gin (tsv)",
    "ALTER TABLE search_document ADD COLUMN IF NOT EXISTS title_tsv tsvector",
    "CREATE INDEX IF NOT EXISTS search_document_title_tsv ON search_document USING gin (title_tsv)",
    'CREATE TABLE IF NOT EXISTS search_term (term text COLLATE "C" PRIMARY KEY, df integer NOT NULL)',
    ("CREATE TABLE IF NOT EXISTS search_pg_stats (id integer PRIMARY KEY, doc_count bigint NOT NULL, "
     "total_length bigint NOT NULL)"),
    "INSERT INTO search_pg_stats (id, doc_count, total_length) VALUES (1, 0, 0) ON CONFLICT DO NOTHING",
    ('CREATE TABLE IF NOT EXISTS search_term_delta (id bigserial PRIMARY KEY, term text COLLATE "C" NOT NULL, '
     "df integer NOT NULL)"),
    "CREATE INDEX IF NOT EXISTS search_term_delta_term ON search_term_delta (term)",
    ("CREATE TABLE IF NOT EXISTS search_pg_stats_delta (id bigserial PRIMARY KEY, doc_count bigint NOT NULL, "
     "total_length bigint NOT NULL)"),
]
DROP = [
    "DROP TABLE IF EXISTS search_pg_stats_delta",
    "DROP TABLE IF EXISTS search_term_delta",
    "DROP TABLE IF EXISTS search_pg_stats",
    "DROP TABLE IF EXISTS search_term",
    "DROP INDEX IF EXISTS search_document_tsv",
    "DROP INDEX IF EXISTS search_document_title_tsv",
    "ALTER TABLE search_document DROP COLUMN IF EXISTS title_tsv",
    "ALTER TABLE search_document DROP COLUMN IF EXISTS tf",
    "ALTER TABLE search_document DROP COLUMN IF EXISTS tsv",
]


class PostgresSearchBackend(DatabaseSearchBackend):
    engine = "PostgreSQL full-text (tsvector + GIN, BM25)"
    title_tier = True  # title_tsv: the terms of the title and tags only
    age_days_sql = "GREATEST(EXTRACT(EPOCH FROM (now() - d.updated_at)) / 86400.0, 0)"

    # --- writing -----------------------------------------------------------------------------

    def _previous(self, cursor, pks: list[int]) -> dict:
        """The rows' lengths as they are before this write (rows locked until it commits): the
        corpus length is updated by the difference. Term differences are computed in SQL."""
        cursor.execute(
            "SELECT id, length FROM search_document WHERE id = ANY(%s) AND tf IS NOT NULL FOR UPDATE",
            [pks],
        )
        return dict(cursor.fetchall())

    def _write_terms(self, cursor, pairs: list[tuple[int, AnalyzedDocument]], previous: dict) -> None:
        maps: dict[str, dict[str, list[int]]] = {}
        new_docs = length_delta = 0
        for pk, item in pairs:
            # term -> its count in each field, in FIELDS order (Counter counts in C).
            title, keywords, body, title_stems, body_stems = (Counter(item.fields[name]) for name in FIELDS)
            maps[str(pk)] = {
                term: [title.get(term, 0), keywords.get(term, 0), body.get(term, 0),
                       title_stems.get(term, 0), body_stems.get(term, 0)]
                for term in title.keys() | keywords.keys() | body.keys() | title_stems.keys() | body_stems.keys()
            }
            old_length = previous.get(pk)
            if old_length is None:
                new_docs += 1
            else:
                length_delta -= old_length
            length_delta += item.length
        # One statement for the whole batch, the maps sent as one JSON text (binding thousands of
        # term arrays costs more client time than the database spends on them). Every CTE reads
        # the rows as they were before the statement, so `old_tf` holds the terms being replaced.
        # Rows whose map is unchanged (most of a rebuild) are not rewritten: no new row version
        # and no new GIN entries for them.
        cursor.execute(
            "WITH new AS (SELECT key::bigint AS id, value AS tf FROM jsonb_each(%s::jsonb)), "
            "changed AS (SELECT new.id, new.tf, d.tf AS old_tf FROM new JOIN search_document d ON d.id = new.id "
            "  WHERE d.tf IS DISTINCT FROM new.tf), "
            "written AS (UPDATE search_document d SET tf = c.tf, "
            "  tsv = array_to_tsvector(ARRAY(SELECT jsonb_object_keys(c.tf))), "
            f"  title_tsv = {TITLE_TSV_SQL.format(tf='c.tf')} FROM changed c WHERE d.id = c.id), "
            "changes AS (SELECT k AS term, 1 AS df FROM changed, jsonb_object_keys(changed.tf) AS k "
            "  UNION ALL SELECT k, -1 FROM changed, jsonb_object_keys(changed.old_tf) AS k) "
            "INSERT INTO search_term_delta (term, df) "
            "SELECT term, sum(df) FROM changes GROUP BY term HAVING sum(df) <> 0",
            [json.dumps(maps, ensure_ascii=False)],
        )
        self._apply_deltas(cursor, Counter(), new_docs, length_delta)

    @staticmethod
    def _apply_deltas(cursor, df_delta: Counter[str], doc_delta: int, length_delta: int) -> None:
        """Append this write's differences (merged later by fold_statistics)."""
        changed = sorted(term for term, delta in df_delta.items() if delta)
        if changed:
            cursor.execute(
                "INSERT INTO search_term_delta (term, df) SELECT * FROM unnest(%s::text[], %s::int[])",
                [changed, [df_delta[t] for t in changed]],
            )
        if doc_delta or length_delta:
            cursor.execute(
                "INSERT INTO search_pg_stats_delta (doc_count, total_length) VALUES (%s, %s)",
                [doc_delta, length_delta],
            )

    def fold_statistics(self) -> int:
        """Merge the appended differences into search_term and search_pg_stats, one merger at a
        time (an advisory lock; a second caller skips). Under READ COMMITTED the DELETE takes only
        rows committed before it started; later ones wait for the next call."""
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [FOLD_LOCK])
            if not cursor.fetchone()[0]:
                return 0
            cursor.execute(
                "WITH moved AS (DELETE FROM search_term_delta RETURNING term, df), "
                "summed AS (SELECT term, sum(df)::int AS df FROM moved GROUP BY term), "
                "merged AS (INSERT INTO search_term (term, df) SELECT term, df FROM summed WHERE df <> 0 "
                "  ORDER BY term ON CONFLICT (term) DO UPDATE SET df = search_term.df + EXCLUDED.df "
                "  RETURNING term, df) "
                "SELECT (SELECT count(*) FROM summed), array_agg(term) FILTER (WHERE df <= 0) FROM merged"
            )
            terms, emptied = cursor.fetchone()
            if emptied:
                cursor.execute("DELETE FROM search_term WHERE term = ANY(%s) AND df <= 0", [emptied])
            cursor.execute(
                "WITH moved AS (DELETE FROM search_pg_stats_delta RETURNING doc_count, total_length) "
                "UPDATE search_pg_stats SET doc_count = search_pg_stats.doc_count + s.docs, "
                "total_length = search_pg_stats.total_length + s.length FROM (SELECT count(*) AS n, "
                "COALESCE(sum(doc_count), 0) AS docs, COALESCE(sum(total_length), 0) AS length FROM moved) AS s "
                "WHERE id = 1 RETURNING s.n"
            )
            row = cursor.fetchone()
            return int(terms or 0) + int(row[0] if row else 0)

    def _delete_terms(self, cursor, pks: list[int]) -> None:
        lengths = self._previous(cursor, pks)
        if lengths:
            cursor.execute(
                "INSERT INTO search_term_delta (term, df) SELECT k, -count(*) FROM search_document d, "
                "jsonb_object_keys(d.tf) AS k WHERE d.id = ANY(%s) AND d.tf IS NOT NULL GROUP BY k",
                [list(lengths)],
            )
        self._apply_deltas(cursor, Counter(), -len(lengths), -sum(lengths.values()))

    def _after_rebuild(self) -> None:
        """Recount the statistics from scratch, so any drift is repaired."""
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [FOLD_LOCK])
            # Differences committed before this transaction's snapshot are in the recount below;
            # later ones are not, and stay to be merged.
            cursor.execute("DELETE FROM search_term_delta")
            cursor.execute("DELETE FROM search_pg_stats_delta")
            cursor.execute("DELETE FROM search_term")
            cursor.execute(
                "INSERT INTO search_term (term, df) SELECT key, count(*) FROM search_document, "
                "jsonb_object_keys(tf) AS key WHERE tf IS NOT NULL GROUP BY key"
            )
            cursor.execute(
                "UPDATE search_pg_stats SET doc_count = s.n, total_length = s.total FROM "
                "(SELECT count(*) AS n, COALESCE(sum(length), 0) AS total FROM search_document "
                "WHERE tf IS NOT NULL) AS s WHERE id = 1"
            )

    # --- reading -----------------------------------------------------------------------------

    def _corpus(self, cursor, analyzed: AnalyzedQuery) -> Corpus:
        # One round trip (this runs on every keystroke): the statistics row with its pending
        # differences, each half-typed prefix's most frequent completions, and the document
        # frequencies of the typed words' terms, as rows tagged 's', 'p' (with the prefix's
        # position) and 't'.
        limit = int(conf.ranking()["prefix_expansions"])
        prefixes = [prefix for group in analyzed.matching_groups for prefix in group.prefixes]
        patterns = [p.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%" for p in prefixes]
        terms = sorted({term for group in analyzed.matching_groups for term in group.terms})
        cursor.execute(
            "SELECT 's', 0, NULL, (s.doc_count + COALESCE(sum(d.doc_count), 0))::bigint, "
            "  (s.total_length + COALESCE(sum(d.total_length), 0))::bigint "
            "FROM search_pg_stats s LEFT JOIN search_pg_stats_delta d ON true WHERE s.id = 1 "
            "GROUP BY s.doc_count, s.total_length "
            "UNION ALL "
            "SELECT 'p', p.i::int, x.term, x.df, 0 FROM unnest(%s::text[]) WITH ORDINALITY AS p(pattern, i) "
            "CROSS JOIN LATERAL (SELECT term, sum(df)::bigint AS df FROM (SELECT term, df FROM search_term "
            "  WHERE term LIKE p.pattern UNION ALL SELECT term, df FROM search_term_delta WHERE term LIKE p.pattern) "
            "  AS t GROUP BY term HAVING sum(df) > 0 ORDER BY sum(df) DESC, term LIMIT %s) AS x "
            "UNION ALL "
            "SELECT 't', 0, term, sum(df)::bigint, 0 FROM (SELECT term, df FROM search_term WHERE term = ANY(%s) "
            "  UNION ALL SELECT term, df FROM search_term_delta WHERE term = ANY(%s)) AS t "
            "GROUP BY term HAVING sum(df) > 0",
            [patterns, limit, terms, terms],
        )
        doc_count = total_length = 0
        completions: dict[str, list[tuple[int, str]]] = {prefix: [] for prefix in prefixes}
        frequencies: dict[str, int] = {}
        for tag, position, term, value, extra in cursor.fetchall():
            if tag == "s":
                doc_count, total_length = int(value), int(extra)
                continue
            frequencies[term] = int(value)
            if tag == "p":
                completions[prefixes[position - 1]].append((-int(value), term))
        groups = tuple(_with_completions(group, completions) for group in analyzed.matching_groups)
        avgdl = (total_length / doc_count) if doc_count else 1.0
        # A prefix nothing in the index completes matches nothing, like an unknown word (an empty
        # alternative list would also make the tsquery invalid).
        present = tuple(g if g.terms else QueryGroup(g.word, (), (), g.stopword)
                        for g in present_terms(groups, frequencies))
        return Corpus(present, frequencies, doc_count, avgdl)

    def _term_frequencies(self, cursor, terms: list[str]) -> dict[str, int]:
        if not terms:
            return {}
        cursor.execute(
            "SELECT term, sum(df)::bigint FROM (SELECT term, df FROM search_term WHERE term = ANY(%s) "
            "UNION ALL SELECT term, df FROM search_term_delta WHERE term = ANY(%s)) AS t "
            "GROUP BY term HAVING sum(df) > 0",
            [terms, terms],
        )
        return {term: int(df) for term, df in cursor.fetchall()}

    def _matched_groups(self, cursor, ids: list[int], groups: tuple[QueryGroup, ...]) -> dict[int, int]:
        """Reads those rows' `tf` keys (prefixes were expanded into terms by _corpus)."""
        groups = tuple(g for g in groups if g.terms or g.prefixes)
        if not groups:
            return {}
        placeholders = ", ".join(["%s"] * len(ids))
        pairs = [(term, index) for index, group in enumerate(groups) for term in group.terms]
        # Each row's map decompressed once (see _ranked), then probed for every term.
        cursor.execute(
            "SELECT m.id, (SELECT count(DISTINCT g.i) FROM unnest(%s::text[], %s::int[]) AS g(term, i) "
            "  WHERE m.tf ? g.term) "
            "FROM (SELECT d.id, (d.tf || '{}'::jsonb) AS tf FROM search_document d "
            f"  WHERE d.id IN ({placeholders}) AND d.tf IS NOT NULL OFFSET 0) AS m",
            [[t for t, _ in pairs], [i for _, i in pairs], *ids],
        )
        return {pk: n for pk, n in cursor.fetchall() if n}

    def _rank(self, cursor, query: SearchQuery, plan: Plan, corpus: Corpus, limit: int, offset: int,
              count: bool = True) -> tuple[list[RankedRow], int]:
        tsquery = _tsquery(plan, corpus.frequencies)
        filter_sql, filter_params = self._filter_sql(query)
        rows: list = []
        if limit > 0:
            weights = field_weights()
            if plan.title_only:  # as SQLite's title table: body words don't count
                weights = [w if name in TITLE_FIELDS else 0.0 for name, w in zip(FIELDS, weights, strict=True)]
            weighted_tf = " + ".join(
                f"COALESCE((m.tf -> q.term ->> {i})::float8, 0) * %s" for i in range(len(FIELDS))
            )
            terms = sorted({t for g in plan.groups for t in g.terms if t in corpus.frequencies})
            idfs = [idf(corpus.doc_count, corpus.frequencies[t]) for t in terms]
            boost_sql, boost_params = self._boost_sql(query.language)
            # As on SQLite, a huge match set is ranked over its `cap` most recently indexed rows only:
            # reading every match's jsonb term map costs time in proportion to the matches.
            # `d.id + 0`: ordering by the bare id lets the planner walk the primary key backwards
            # and test every row's tsvector until `cap` match (tens of milliseconds when matches
            # are sparse); the GIN index finds them without reading a tsvector.
            cap_sql = f"ORDER BY d.id + 0 DESC LIMIT {int(plan.cap)}" if plan.cap else ""
            _execute_with_gin_scans(
                cursor,
                # BM25 as FTS5 computes it: sum over query terms of
                # idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / avgdl)), tf weighted by field.
                # Candidates are chosen by id alone; then each one's term map is decompressed once
                # (`|| '{}'`, kept from being inlined by OFFSET 0) and scored row by row. Joining
                # all candidates to all terms re-reads every map once per query term.
                "WITH q(term, idf) AS (SELECT * FROM unnest(%s::text[], %s::float8[])), "
                f"c AS MATERIALIZED (SELECT d.id FROM search_document d WHERE d.{_column(plan)} @@ %s::tsquery AND {filter_sql} "
                f"  {cap_sql}), "
                f"m AS (SELECT d.id, d.length, d.title, d.language, d.group_key, (d.tf || '{{}}'::jsonb) AS tf, "
                f"  {boost_sql} AS boost FROM c JOIN search_document d ON d.id = c.id OFFSET 0), "
                "s AS MATERIALIZED (SELECT m.id, m.title, m.language, m.group_key, "
                "  m.boost * (SELECT SUM(q.idf * x.tf * %s / (x.tf + %s * (%s + %s * m.length / %s))) "
                f"  FROM q CROSS JOIN LATERAL (SELECT {weighted_tf} AS tf) AS x WHERE x.tf > 0) AS score "
                "  FROM m) "
                # The total counts results as listed: translations of one article are one.
                "SELECT id, score, (SELECT count(DISTINCT group_key) FROM s WHERE score IS NOT NULL), title, language, "
                "group_key FROM s WHERE score IS NOT NULL ORDER BY score DESC, id LIMIT %s OFFSET %s",
                [terms, idfs, tsquery, *filter_params, *boost_params,
                 K1 + 1, K1, 1 - B, B, corpus.avgdl or 1.0, *weights, limit, offset],
            )
            rows = cursor.fetchall()
        if rows:
            return [(pk, score, title, language, group) for pk, score, _, title, language, group in rows], rows[0][2]
        _execute_with_gin_scans(
            cursor,
            f"SELECT count(DISTINCT d.group_key) FROM search_document d "
            f"WHERE d.{_column(plan)} @@ %s::tsquery AND {filter_sql}",
            [tsquery, *filter_params],
        )
        return [], cursor.fetchone()[0]

    def _facet_rows(self, cursor, plan: Plan, filter_sql: str, params: list) -> list[tuple[str, str, int]]:
        _execute_with_gin_scans(
            cursor,
            "WITH f AS MATERIALIZED (SELECT d.kind, d.language, d.group_key FROM search_document d "
            f"WHERE d.{_column(plan)} @@ %s::tsquery AND {filter_sql}) {FACET_COUNTS_SQL}",
            [_tsquery(plan), *params],
        )
        return cursor.fetchall()

    def status_lines(self) -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT (SELECT count(*) FROM search_term_delta) + (SELECT count(*) FROM search_pg_stats_delta)")
            pending = cursor.fetchone()[0]
        note = " (the search worker merges them every few seconds; is it running?)" if pending > 10_000 else ""
        return [f"Statistics differences waiting to be merged: {pending}{note}"]

    def _probe(self, cursor) -> None:
        cursor.execute("SELECT doc_count FROM search_pg_stats WHERE id = 1")
        cursor.fetchall()


def _column(plan: Plan) -> str:
    """The tsvector a plan matches: the whole document's terms, or its title and tags' only."""
    return "title_tsv" if plan.title_only else "tsv"


def _with_completions(group: QueryGroup, completions: dict[str, list[tuple[int, str]]]) -> QueryGroup:
    """The group with its prefixes' completions (most frequent first) added as ordinary terms;
    the prefixes stay on the group so the planner keeps it; only `terms` reach the tsquery."""
    if not group.prefixes:
        return group
    added = [term for prefix in group.prefixes for _, term in sorted(completions.get(prefix, []))]
    return QueryGroup(group.word, tuple(dict.fromkeys(group.terms + tuple(added))), group.prefixes)


def _execute_with_gin_scans(cursor, sql: str, params: list) -> None:
    """Run one SELECT that matches through the GIN index even when the planner expects a large
    share of the rows; its rows are then ready to fetch.

    The planner prices a sequential scan by pages read, but `tsv @@ query` on each row decompresses
    that row's tsvector (a few kilobytes): 50 ms on 10k documents where the GIN index answers the
    same query in 7 ms without reading any tsvector (plain lexemes need no recheck).

    The setting travels with the query in one round trip: several statements in one simple query
    run as one (implicit) transaction, so `SET LOCAL` lasts for this SELECT only, and the RESET
    puts it back when an enclosing transaction is open."""
    cursor.execute(f"SET LOCAL enable_seqscan = off; {sql}; RESET enable_seqscan", params)
    cursor.nextset()


def _tsquery(plan: Plan, frequencies: dict[str, int] | None = None) -> str:
    """A tsquery built only from analysed terms (terms unknown to the index are left out)."""

    def group_query(group: QueryGroup) -> str:
        terms = [t for t in group.terms if frequencies is None or t in frequencies] or list(group.terms[:1])
        return "(" + " | ".join(_tsquery_term(t) for t in terms) + ")"

    expression = combine(plan, group_query, "&", "|")
    if plan.exclude:
        expression = f"({expression}) & !({' & '.join(group_query(g) for g in plan.exclude)})"
    return expression


def _tsquery_term(term: str) -> str:
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"
