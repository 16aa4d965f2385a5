"""The embedded backend on PostgreSQL: tsvector + GIN finds candidates, BM25 is computed in SQL.

`search_document.tsv` (tsvector of the document's distinct terms, GIN-indexed) finds candidates;
BM25 is computed in SQL with the same formula as FTS5 from per-document term frequencies (`tf`
jsonb: term -> [title, keywords, body, title_stems, body_stems] counts), document frequencies kept
in `search_term` (also used to expand suggest prefixes) and corpus size and length in
`search_pg_stats`. ts_rank/ts_rank_cd have no inverse document frequency, which ruins ranking of
free-text questions; computing BM25 keeps ranking the same as on SQLite.
"""

from __future__ import annotations

import json
from collections import Counter

from django.db import connection, transaction

from search import conf
from search.analysis import AnalyzedQuery, QueryGroup
from search.backends.base import SearchQuery
from search.backends.database.base import FIELDS, AnalyzedDocument, DatabaseSearchBackend, field_weights
from search.backends.database.planner import Corpus, Plan, combine, idf, present_terms

K1 = 1.2
B = 0.75

SCHEMA = [
    "ALTER TABLE search_document ADD COLUMN IF NOT EXISTS tsv tsvector",
    "ALTER TABLE search_document ADD COLUMN IF NOT EXISTS tf jsonb",
    "CREATE INDEX IF NOT EXISTS search_document_tsv ON search_document USING gin (tsv)",
    'CREATE TABLE IF NOT EXISTS search_term (term text COLLATE "C" PRIMARY KEY, df integer NOT NULL)',
    ("CREATE TABLE IF NOT EXISTS search_pg_stats (id integer PRIMARY KEY, doc_count bigint NOT NULL, "
     "total_length bigint NOT NULL)"),
    "INSERT INTO search_pg_stats (id, doc_count, total_length) VALUES (1, 0, 0) ON CONFLICT DO NOTHING",
]
DROP = [
    "DROP TABLE IF EXISTS search_pg_stats",
    "DROP TABLE IF EXISTS search_term",
    "DROP INDEX IF EXISTS search_document_tsv",
    "ALTER TABLE search_document DROP COLUMN IF EXISTS tf",
    "ALTER TABLE search_document DROP COLUMN IF EXISTS tsv",
]


class PostgresSearchBackend(DatabaseSearchBackend):
    engine = "PostgreSQL full-text (tsvector + GIN, BM25)"
    title_tier = False  # a tsvector has no column filter
    age_days_sql = "GREATEST(EXTRACT(EPOCH FROM (now() - d.updated_at)) / 86400.0, 0)"

    # --- writing -----------------------------------------------------------------------------

    def _previous(self, cursor, pks: list[int]) -> dict:
        """The rows' term maps and lengths as they are before this write (locked until it commits):
        the statistics are updated by the difference."""
        cursor.execute(
            "SELECT id, tf, length FROM search_document WHERE id = ANY(%s) AND tf IS NOT NULL FOR UPDATE",
            [pks],
        )
        return {pk: (_json(tf), length) for pk, tf, length in cursor.fetchall()}

    def _write_terms(self, cursor, pairs: list[tuple[int, AnalyzedDocument]], previous: dict) -> None:
        df_delta: Counter[str] = Counter()
        new_docs = length_delta = 0
        updates = []
        for pk, item in pairs:
            counts: dict[str, list[int]] = {}
            for position, field_name in enumerate(FIELDS):
                for term in item.fields[field_name]:
                    counts.setdefault(term, [0] * len(FIELDS))[position] += 1
            old_terms, old_length = previous.get(pk, ({}, None))
            for term in counts.keys() - old_terms.keys():
                df_delta[term] += 1
            for term in old_terms.keys() - counts.keys():
                df_delta[term] -= 1
            if old_length is None:
                new_docs += 1
            else:
                length_delta -= old_length
            length_delta += item.length
            updates.append((list(counts), json.dumps(counts, ensure_ascii=False), pk))
        cursor.executemany(
            "UPDATE search_document SET tsv = array_to_tsvector(%s::text[]), tf = %s::jsonb WHERE id = %s",
            updates,
        )
        self._apply_deltas(cursor, df_delta, new_docs, length_delta)

    @staticmethod
    def _apply_deltas(cursor, df_delta: Counter[str], doc_delta: int, length_delta: int) -> None:
        changed = sorted(term for term, delta in df_delta.items() if delta)
        if changed:
            cursor.execute(
                "INSERT INTO search_term (term, df) SELECT t, d FROM unnest(%s::text[], %s::int[]) AS u(t, d) "
                "ORDER BY t ON CONFLICT (term) DO UPDATE SET df = search_term.df + EXCLUDED.df",
                [changed, [df_delta[t] for t in changed]],
            )
            shrunk = [t for t in changed if df_delta[t] < 0]
            if shrunk:
                cursor.execute("DELETE FROM search_term WHERE term = ANY(%s) AND df <= 0", [shrunk])
        if doc_delta or length_delta:
            cursor.execute(
                "UPDATE search_pg_stats SET doc_count = doc_count + %s, total_length = total_length + %s "
                "WHERE id = 1",
                [doc_delta, length_delta],
            )

    def _delete_terms(self, cursor, pks: list[int]) -> None:
        df_delta: Counter[str] = Counter()
        docs = length = 0
        for tf, doc_length in self._previous(cursor, pks).values():
            df_delta.update({term: -1 for term in tf})
            docs -= 1
            length -= doc_length
        self._apply_deltas(cursor, df_delta, docs, length)

    def _after_rebuild(self) -> None:
        """Recount the statistics from scratch, so any drift is repaired."""
        with transaction.atomic(), connection.cursor() as cursor:
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
        cursor.execute("SELECT doc_count, total_length FROM search_pg_stats WHERE id = 1")
        doc_count, total_length = (int(v) for v in (cursor.fetchone() or (0, 0)))
        limit = int(conf.ranking()["prefix_expansions"])
        groups = tuple(self._expand(cursor, group, limit) for group in analyzed.matching_groups)
        terms = sorted({term for group in groups for term in group.terms})
        cursor.execute("SELECT term, df FROM search_term WHERE term = ANY(%s)", [terms])
        frequencies = dict(cursor.fetchall())
        avgdl = (total_length / doc_count) if doc_count else 1.0
        # A prefix nothing in the index completes matches nothing, like an unknown word (an empty
        # alternative list would also make the tsquery invalid).
        present = tuple(g if g.terms else QueryGroup(g.word, (), (), g.stopword)
                        for g in present_terms(groups, frequencies))
        return Corpus(present, frequencies, doc_count, avgdl)

    @staticmethod
    def _expand(cursor, group: QueryGroup, limit: int) -> QueryGroup:
        """Add a prefix's most frequent completions from the term table as ordinary terms."""
        if not group.prefixes:
            return group
        completions: list[str] = []
        for prefix in group.prefixes:
            pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            cursor.execute(
                "SELECT term FROM search_term WHERE term LIKE %s ORDER BY df DESC, term LIMIT %s",
                [pattern, limit],
            )
            completions += [row[0] for row in cursor.fetchall()]
        # Prefixes stay on the group so the planner keeps it; only `terms` reach the tsquery.
        return QueryGroup(group.word, tuple(dict.fromkeys(group.terms + tuple(completions))), group.prefixes)

    def _matched_groups(self, cursor, ids: list[int], groups: tuple[QueryGroup, ...]) -> dict[int, int]:
        """Reads those rows' `tf` keys (prefixes were expanded into terms by _expand)."""
        groups = tuple(g for g in groups if g.terms or g.prefixes)
        if not groups:
            return {}
        placeholders = ", ".join(["%s"] * len(ids))
        pairs = [(term, index) for index, group in enumerate(groups) for term in group.terms]
        cursor.execute(
            "SELECT d.id, count(DISTINCT g.i) FROM search_document d "
            "JOIN unnest(%s::text[], %s::int[]) AS g(term, i) ON jsonb_exists(d.tf, g.term) "
            f"WHERE d.id IN ({placeholders}) GROUP BY d.id",
            [[t for t, _ in pairs], [i for _, i in pairs], *ids],
        )
        return dict(cursor.fetchall())

    def _rank(self, cursor, query: SearchQuery, plan: Plan, corpus: Corpus, limit: int, offset: int,
              count: bool = True) -> tuple[list[tuple[int, float]], int]:
        tsquery = _tsquery(plan, corpus.frequencies)
        filter_sql, filter_params = self._filter_sql(query)
        rows: list = []
        if limit > 0:
            weights = field_weights()
            weighted_tf = " + ".join(
                f"COALESCE((m.tf -> q.term ->> {i})::float8, 0) * %s" for i in range(len(FIELDS))
            )
            terms = sorted({t for g in plan.groups for t in g.terms if t in corpus.frequencies})
            idfs = [idf(corpus.doc_count, corpus.frequencies[t]) for t in terms]
            boost_sql, boost_params = self._boost_sql(query.language)
            # As on SQLite, a huge match set is ranked over its `cap` most recently indexed rows only:
            # reading every match's jsonb term map costs time in proportion to the matches.
            cap_sql = f"ORDER BY d.id DESC LIMIT {int(plan.cap)}" if plan.cap else ""
            cursor.execute(
                # BM25 as FTS5 computes it: sum over query terms of
                # idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / avgdl)), tf weighted by field.
                "WITH q(term, idf) AS (SELECT * FROM unnest(%s::text[], %s::float8[])), "
                f"m AS MATERIALIZED (SELECT d.id, d.length, (d.tf || '{{}}'::jsonb) AS tf, {boost_sql} AS boost FROM search_document d "
                f"  WHERE d.tsv @@ %s::tsquery AND {filter_sql} {cap_sql}), "
                "s AS (SELECT m.id, m.boost * SUM(q.idf * x.tf * %s / (x.tf + %s * (%s + %s * m.length / %s))) "
                f"  AS score FROM m CROSS JOIN q CROSS JOIN LATERAL (SELECT {weighted_tf} AS tf) AS x "
                "  WHERE x.tf > 0 GROUP BY m.id, m.boost) "
                "SELECT id, score, count(*) OVER () FROM s ORDER BY score DESC, id LIMIT %s OFFSET %s",
                [terms, idfs, *boost_params, tsquery, *filter_params,
                 K1 + 1, K1, 1 - B, B, corpus.avgdl or 1.0, *weights, limit, offset],
            )
            rows = cursor.fetchall()
        if rows:
            return [(pk, score) for pk, score, _ in rows], rows[0][2]
        cursor.execute(
            f"SELECT count(*) FROM search_document d WHERE d.tsv @@ %s::tsquery AND {filter_sql}",
            [tsquery, *filter_params],
        )
        return [], cursor.fetchone()[0]

    def _facet_rows(self, cursor, plan: Plan, filter_sql: str, params: list) -> list[tuple[str, str, int]]:
        cursor.execute(
            "SELECT d.kind, d.language, count(*) FROM search_document d "
            f"WHERE d.tsv @@ %s::tsquery AND {filter_sql} GROUP BY d.kind, d.language",
            [_tsquery(plan), *params],
        )
        return cursor.fetchall()

    def _probe(self, cursor) -> None:
        cursor.execute("SELECT doc_count FROM search_pg_stats WHERE id = 1")
        cursor.fetchall()


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


def _json(value) -> dict:
    return json.loads(value) if isinstance(value, str) else (value or {})
