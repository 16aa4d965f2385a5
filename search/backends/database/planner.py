"""Query planning for the embedded backend, shared by SQLite and PostgreSQL: which of the query's
words select candidate documents, how they combine, and how many matches get ranked.

Words absent from the index cannot match and are dropped. On big indexes, ranking every document
that holds any query word would cost time proportional to the index, so:
- words in more than `common_word_ratio` of the reader's language's documents don't select (like
  Lucene's cutoff frequency), unless every word is that common (then all words must match, in
  titles and tags where the engine can filter by column);
- when the remaining words could still match more than `max_candidates` documents, a document must
  hold at least two of the (four rarest) words, or, for a single word, hold it in its title or
  tags. Those are the documents that rank first anyway; `total` then counts what was matched so;
- a plan that could still select more than `max_candidates` ranks only the most recently indexed
  `max_candidates` of its matches (`cap`).
Sites below `common_word_min_docs` documents per language rank every match.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from search import conf
from search.analysis import QueryGroup


@dataclass
class Plan:
    """Which query groups take part in matching, and how they combine."""

    groups: tuple[QueryGroup, ...]
    operator: str  # "OR": any word; "AND": every word; "PAIRS": at least two of the words
    exclude: tuple[QueryGroup, ...] = ()  # leave out documents matching all of these
    title_only: bool = False  # match in titles and tags only (engines with column filters)
    fallback: bool = False  # if a title-only plan finds nothing, match everywhere after all
    cap: int = 0  # rank only the `cap` most recently indexed matches (0: all)


@dataclass
class Corpus:
    """What the index knows about the query's words, read once per query."""

    groups: tuple[QueryGroup, ...]  # the query's matching groups (PostgreSQL: prefixes expanded)
    frequencies: dict[str, int]  # term -> number of documents holding it
    doc_count: int
    avgdl: float  # average document length in terms (PostgreSQL only; FTS5 knows its own)
    partition: int = 0  # documents in the reader's language (the yardstick for "common word")

    def frequency(self, group: QueryGroup) -> int:
        return max((self.frequencies.get(t, 0) for t in group.terms), default=0)


def plan_query(corpus: Corpus, title_tier: bool) -> Plan | None:
    """The plan for this query, or None when none of its words is in the index. `title_tier`: the
    engine can match in titles and tags alone (SQLite's title table)."""
    present = tuple(g for g in corpus.groups if g.prefixes or g.terms)
    if not present:
        return None
    settings = conf.ranking()
    partition = corpus.partition or corpus.doc_count
    if partition < settings["common_word_min_docs"]:
        return Plan(present, "OR")  # a small index: rank every match
    limit = settings["common_word_ratio"] * partition
    rare = tuple(g for g in present if g.prefixes or corpus.frequency(g) <= limit)
    lone_prefix = len(present) == 1 and bool(present[0].prefixes)
    whole_words = bool(rare) and not any(g.prefixes for g in rare)
    if whole_words and sum(map(corpus.frequency, rare)) <= settings["max_candidates"]:
        return Plan(rare, "OR")  # few enough matches to rank them all
    plan = _selection(corpus, present, rare, title_tier, lone_prefix)
    if _could_select_too_many(corpus, plan, settings["max_candidates"]):
        # Words common enough to select this many documents carry little information: rank the
        # most recently indexed `max_candidates` of them (cost stays bounded; fresh documents first).
        plan.cap = int(settings["max_candidates"])
    return plan


def _selection(corpus: Corpus, present: tuple[QueryGroup, ...], rare: tuple[QueryGroup, ...],
               title_tier: bool, lone_prefix: bool) -> Plan:
    if not rare or lone_prefix:
        # Only very common words (or one bare prefix): where they sit in a title is what says
        # anything; ranking every document holding them would cost time and tell nothing.
        return Plan(present, "AND", title_only=title_tier, fallback=True)
    if any(g.prefixes for g in rare):
        return Plan(rare, "OR")  # a prefix may complete to any number of words: capped
    if len(rare) == 1:
        return Plan(rare, "OR", title_only=title_tier, fallback=True)
    return Plan(tuple(sorted(rare, key=corpus.frequency)[:4]), "PAIRS")


def _could_select_too_many(corpus: Corpus, plan: Plan, max_candidates: int) -> bool:
    known = [corpus.frequency(g) for g in plan.groups if not g.prefixes]
    if any(g.prefixes for g in plan.groups) and plan.operator != "AND":
        return True
    if not known:
        return True
    estimate = min(known) if plan.operator == "AND" else sum(known)
    return estimate > max_candidates


def present_terms(groups: tuple[QueryGroup, ...], frequencies: dict[str, int]) -> tuple[QueryGroup, ...]:
    """The groups with only the alternatives the index holds (fewer phrases to evaluate)."""
    return tuple(
        QueryGroup(g.word, tuple(t for t in g.terms if t in frequencies), g.prefixes, g.stopword) for g in groups
    )


def combine(plan: Plan, group_expression, and_: str, or_: str) -> str:
    """The plan's groups joined into one engine expression (FTS5 MATCH or tsquery)."""
    parts = [group_expression(g) for g in plan.groups]
    if plan.operator == "PAIRS" and len(parts) > 1:
        pairs = [f"({a} {and_} {b})" for i, a in enumerate(parts) for b in parts[i + 1:]]
        return f" {or_} ".join(pairs)
    return f" {and_ if plan.operator == 'AND' else or_} ".join(parts)


def idf(doc_count: int, df: int) -> float:
    """FTS5's BM25 idf, floored like FTS5 so very common words weigh almost nothing."""
    value = math.log((doc_count - df + 0.5) / (df + 0.5)) if doc_count else 0.0
    return value if value > 0 else 1e-6
