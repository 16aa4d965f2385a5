"""Elasticsearch queries for a SearchQuery (elasticsearch-dsl `Search`), pure so tests can check
their `to_dict()` without a cluster. The query is independent of the cluster's capabilities: every
chain analyses the query its own way (see es_mapping).

Matching mirrors the embedded backend:
- the query's words come from search.analysis (`analyze_query`): at most 32 words, stopwords left
  out unless nothing else is left, Lao split into words, the same word once. Only those words
  reach Elasticsearch, as plain text to `combined_fields` / `multi_match` (no query syntax is ever
  parsed from user input);
- any word may match (OR), scored by BM25F over title, keywords and body with the
  `SEARCH_RANKING` field weights (`combined_fields`), once per language chain and once folded;
- suggest: the last, half-typed word is also a prefix of the folded fields, and the whole text is
  matched against the `search_as_you_type` title;
- filters: forums the reader may read (articles have no forum), kind, language, solved;
- boosts (`function_score`, multiplied): KB article, solved topic, reader's language, promoted
  thread penalty as filtered weights; votes/helpfulness and freshness in one script with the same
  formulas as the embedded backend's SQL;
- AND-first (suggest, and search with `and_first`): two tiers, documents holding every word and
  the rest (`tier=`); the title-coverage rerank is applied by the backend to the hits.
"""

from __future__ import annotations

from datetime import datetime

from elasticsearch_dsl import SF, Q, Search

from search import typos
from search.analysis import AnalyzedQuery, fold, is_stem, lowercase
from search.backends.base import SearchQuery
from search.backends.es_mapping import (
    FOLDED,
    LANGUAGE_KEYS,
    SOURCE_FIELDS,
    SUGGEST_FIELD,
    TEXT_PARTS,
    field,
)
from search.documents import ARTICLE

FACET_LANGUAGES = 20
GROUP_COUNT_PRECISION = 40_000  # the most Elasticsearch counts exactly
TYPO_BOOST = 0.5  # a word matched one edit away counts half an exact match
TYPO_EXPANSIONS = 20  # indexed words one edit away tried per typed word
STEMMED = ("en", "tr", "lt", "ne")  # language chains with a stemmer

BOOST_SCRIPT = """
double boost = 1.0;
long votes = doc['votes'].size() == 0 ? 0 : doc['votes'].value;
double share = params.votes_half > 0 ? votes / (votes + params.votes_half) : 1.0;
if (doc['kind'].value != params.article) {
  boost *= 1.0 + params.votes_boost * share;
} else if (doc['helpful_ratio'].size() != 0) {
  boost *= 1.0 + params.helpfulness_boost * (2.0 * doc['helpful_ratio'].value - 1.0) * share;
}
if (doc['updated_at'].size() != 0) {
  double age = Math.max((params.now - doc['updated_at'].value.toInstant().toEpochMilli()) / 86400000.0, 0.0);
  boost *= 1.0 + params.freshness_boost / (1.0 + age / params.half_life);
}
return boost;
""".strip()



def query_words(analyzed: AnalyzedQuery) -> tuple[list[str], list[str]]:
    """(the words that take part in matching, in the order typed: stopwords dropped the embedded
    backend's way, Lao split into words; the other surface forms the embedded analysis accepts for
    them: synonyms (`mails` -> `email`) and joined hyphenated pairs (`e-mail` -> `email`))."""
    words = list(dict.fromkeys(group.word for group in _groups(analyzed)))
    seen = {fold(lowercase(word, analyzed.language)) for word in words}
    extra: list[str] = []
    for options in word_options(analyzed).values():
        for option in options[1:]:
            if fold(option) not in seen:
                seen.add(fold(option))
                extra.append(option)
    return words, extra


def word_options(analyzed: AnalyzedQuery) -> dict[str, list[str]]:
    """Each matching word with the surface forms that count as holding it (stems are left to the
    cluster's own stemmers)."""
    options: dict[str, list[str]] = {}
    for group in _groups(analyzed):
        word_key = fold(lowercase(group.word, analyzed.language))
        alternatives = [term for term in group.terms if not is_stem(term) and fold(term) != word_key]
        options.setdefault(group.word, [group.word])
        options[group.word] += [term for term in dict.fromkeys(alternatives) if term not in options[group.word]]
    return options


def _groups(analyzed: AnalyzedQuery):
    return getattr(analyzed, "matching_groups", analyzed.groups)


def prefix_word(analyzed: AnalyzedQuery) -> str | None:
    """The half-typed last word suggest completes, if any."""
    groups = _groups(analyzed)
    if groups and groups[-1].prefixes:
        return groups[-1].word
    return None


def field_weights(ranking: dict) -> dict[str, float]:
    """Per-part weights for combined_fields, which only takes boosts >= 1: scaled up together."""
    weights = {part: float(ranking[f"{part}_weight"]) for part in TEXT_PARTS}
    weights = {part: max(w, 0.0) for part, w in weights.items()}
    smallest = min((w for w in weights.values() if w > 0), default=1.0)
    scale = 1.0 / smallest if smallest < 1.0 else 1.0
    return {part: max(w * scale, 1.0) for part, w in weights.items()}


def _fields(suffix: str, weights: dict[str, float], subfield: str = "") -> list[str]:
    return [f"{field(part, suffix)}{subfield}^{weights[part]:g}" for part in TEXT_PARTS]


def typo_words(analyzed: AnalyzedQuery) -> list[str]:
    """The folded words typo tolerance may widen (search/typos.py decides which words qualify)."""
    return list(dict.fromkeys(word for group in _groups(analyzed) if (word := typos.correctable(group))))


def typo_clause(words: list[str], ranking: dict) -> Q | None:
    """The words matched one edit away in the folded fields, weighted below an exact match. (The
    engine can't tell cheaply whether a word is in the index, as the embedded backend does; a
    misspelt word simply has no exact match to outrank these.)"""
    if not words:
        return None
    return Q("multi_match", query=" ".join(words), fields=_fields(FOLDED, field_weights(ranking)),
             fuzziness=1, prefix_length=0, max_expansions=TYPO_EXPANSIONS, boost=TYPO_BOOST)


def did_you_mean_suggesters(words: list[str]) -> dict[str, dict]:
    """Term suggesters proposing, for each word no document holds ("missing"), the most frequent
    indexed words one edit away, in titles and in bodies."""
    return {
        f"typo_{part}": {"text": " ".join(words), "term": {
            "field": field(part, FOLDED), "suggest_mode": "missing", "max_edits": 1, "prefix_length": 0,
            "min_word_length": typos.MIN_WORD_CHARS, "sort": "frequency", "size": 1,
        }}
        for part in ("title", "body")
    } if words else {}


def did_you_mean(text: str, language: str | None, response: dict) -> str:
    """The query with each word the suggesters corrected replaced; "" when none was."""
    best: dict[str, tuple[int, str]] = {}
    for name, entries in (response.get("suggest") or {}).items():
        if not name.startswith("typo_"):
            continue
        for entry in entries:
            for option in entry.get("options", [])[:1]:
                if option.get("freq", 0) > best.get(entry["text"], (0, ""))[0]:
                    best[entry["text"]] = (option["freq"], option["text"])
    corrections = {word: correction for word, (_freq, correction) in best.items()}
    return typos.Corrected(AnalyzedQuery(text, language), corrections).did_you_mean()


def match_clauses(words: list[str], joined: list[str], prefix: str | None, ranking: dict) -> list[Q]:
    weights = field_weights(ranking)
    # Language chains stem (en, tr, lt, ne): a word matching only by its stem counts
    # `stem_weight` of an exact one, which the folded clause adds on top (as in the embedded backend).
    stem_weight = float(ranking.get("stem_weight", 1.0))
    text = " ".join(words + joined)

    def clause(suffix: str, subfield: str = "", boost: float = 1.0) -> Q:
        params = {"query": text, "fields": _fields(suffix, weights, subfield)}
        if boost != 1.0:
            params["boost"] = boost
        return Q("combined_fields", **params)

    clauses = [clause(key, boost=stem_weight if key in STEMMED else 1.0) for key in LANGUAGE_KEYS]
    clauses.append(clause("tr", ".prefix5", boost=stem_weight))
    clauses.append(clause(FOLDED))
    if prefix:
        # The last word as a prefix (index_prefixes make it a term lookup up to 10 characters).
        clauses.append(Q("multi_match", type="bool_prefix", query=prefix, fields=_fields(FOLDED, weights)))
        # The title as typed so far (ending with the half-typed word): shingles reward the order.
        clauses.append(Q(
            "multi_match", type="bool_prefix", query=" ".join(words),
            fields=[SUGGEST_FIELD, f"{SUGGEST_FIELD}._2gram", f"{SUGGEST_FIELD}._3gram"],
        ))
    return clauses


def all_words_filter(options: dict[str, list[str]], prefix: str | None) -> Q:
    """Documents holding every word (in any chain, folded, as one of its synonyms or, for the
    half-typed last word, as a prefix): the "AND-first" tier of the embedded backend."""
    every_field = [field(part, suffix) for suffix in (*LANGUAGE_KEYS, FOLDED) for part in TEXT_PARTS]
    every_field += [f"{field(part, 'tr')}.prefix5" for part in TEXT_PARTS]

    def holds(word: str, forms: list[str]) -> Q:
        anywhere = Q("multi_match", query=" ".join(forms), fields=every_field, type="best_fields")
        if word != prefix:
            return anywhere
        folded = [field(part, FOLDED) for part in TEXT_PARTS]
        as_prefix = Q("multi_match", query=word, fields=folded, type="bool_prefix")
        return Q("bool", should=[anywhere, as_prefix], minimum_should_match=1)

    return Q("bool", filter=[holds(word, forms) for word, forms in options.items()])


def permission_filter(forum_ids: frozenset[int]) -> Q:
    """Articles always; topics only in forums the reader may read."""
    if not forum_ids:
        return Q("term", kind=ARTICLE)
    return Q("bool", should=[Q("term", kind=ARTICLE), Q("terms", forum_id=sorted(forum_ids))], minimum_should_match=1)


def facet_filters(query: SearchQuery) -> list[Q]:
    filters = []
    if query.kinds:
        filters.append(Q("terms", kind=list(query.kinds)))
    if query.languages:
        filters.append(Q("terms", language=list(query.languages)))
    return filters


def base_filters(query: SearchQuery) -> list[Q]:
    filters = [permission_filter(query.forum_ids)]
    if query.solved:
        filters.append(Q("bool", should=[Q("term", kind=ARTICLE), Q("term", solved=True)], minimum_should_match=1))
    return filters


def boost_functions(query: SearchQuery, ranking: dict, now: datetime) -> list:
    functions = [
        SF({"filter": Q("term", kind=ARTICLE), "weight": ranking["article_boost"]}),
        SF({"filter": Q("bool", must_not=[Q("term", kind=ARTICLE)], filter=[Q("term", solved=True)]),
            "weight": ranking["solved_boost"]}),
        SF({"filter": Q("exists", field="promoted_to"), "weight": ranking["promoted_topic_factor"]}),
    ]
    if query.language:
        functions.append(SF({"filter": Q("term", language=query.language), "weight": ranking["language_boost"]}))
    # Minute resolution keeps identical queries identical for the shard request cache.
    now_ms = int(now.timestamp() // 60 * 60 * 1000)
    functions.append(SF("script_score", script={
        "source": BOOST_SCRIPT,
        "params": {
            "article": ARTICLE,
            "votes_boost": float(ranking["votes_boost"]),
            "votes_half": float(ranking["votes_half"]),
            "helpfulness_boost": float(ranking["helpfulness_boost"]),
            "freshness_boost": float(ranking["freshness_boost"]),
            "half_life": max(float(ranking["freshness_half_life_days"]), 0.001),
            "now": now_ms,
        },
    }))
    return functions


def build_search(query: SearchQuery, analyzed: AnalyzedQuery, ranking: dict, now: datetime,
                 prefix_last: bool = False, tier: str = "") -> Search | None:
    """The request for one search or suggestion; None when nothing in the query can match.

    `tier` splits AND-first ranking (see the backend) into two requests: "all" = documents holding
    every word, "rest" = the others. Paging (`[from:size]`) is left to the caller.
    """
    words, joined = query_words(analyzed)
    if not words or query.limit <= 0:
        return None
    prefix = prefix_word(analyzed) if prefix_last else None
    clauses = match_clauses(words, joined, prefix, ranking)
    fuzzy = typo_clause(typo_words(analyzed), ranking)
    if fuzzy is not None:
        clauses.append(fuzzy)
    match = Q("bool", should=clauses, minimum_should_match=1)
    filters = base_filters(query)
    narrowing = facet_filters(query)
    if not query.facets or tier:
        filters += narrowing
    must_not = []
    if tier == "all":
        filters.append(all_words_filter(word_options(analyzed), prefix))
    elif tier == "rest":
        must_not.append(all_words_filter(word_options(analyzed), prefix))
    scored = Q(
        "function_score",
        query=Q("bool", must=[match], filter=filters, must_not=must_not),
        functions=boost_functions(query, ranking, now),
        score_mode="multiply",
        boost_mode="multiply",
    )
    search = Search().query(scored)
    if query.facets and not tier:
        # Facet counts ignore the kind/language filters (so the page can offer the others);
        # the hits and the total respect them.
        if narrowing:
            search = search.post_filter(Q("bool", filter=narrowing))
        # Per kind, results as listed: an article's translations count once.
        search.aggs.bucket("kind", "terms", field="kind", size=5).metric(
            "groups", "cardinality", field="group", precision_threshold=GROUP_COUNT_PRECISION)
        search.aggs.bucket("language", "terms", field="language", size=FACET_LANGUAGES)
    # The total counts results as listed (translation groups): exact up to the precision threshold,
    # within a few percent beyond it.
    search.aggs.metric("groups", "cardinality", field="group", precision_threshold=GROUP_COUNT_PRECISION)
    if tier != "rest":
        for name, suggester in did_you_mean_suggesters(typo_words(analyzed)).items():
            search = search.suggest(name, suggester["text"], term=suggester["term"])
    search = search.sort("_score", {"doc_id": "asc"}).source(includes=list(SOURCE_FIELDS))
    return search.extra(track_total_hits=True)


def and_first(query_or_words, ranking: dict, suggest: bool) -> bool:
    """Does this query list documents holding every word first (suggest always; search when
    SEARCH_RANKING["and_first"] is set), as the embedded backend does? Only with several words."""
    words = query_or_words if isinstance(query_or_words, list) else query_words(query_or_words)[0]
    return (suggest or bool(ranking.get("and_first", 0))) and len(words) > 1
